#!/usr/bin/env python3
"""End to end in a real browser: Echo's player client in headless Chromium.

Starts `echo-repl serve` on a fresh default world with --http-port, opens
http://127.0.0.1:PORT/ in Debian's chromium driven through the DevTools
protocol (a small client over web_client.WebSocket), logs in as the wizard,
types `look` and sees the room, talks with a telnet player in the same room
(each sees the other's say) and sees her in the side panel as she comes and
goes, gets a ui_update from the world into the page, follows links (an exit,
a command the world marks, #1 into the inspector), and, after the server
restarts on the same ports, reconnects by itself and
plays on; then a burst of more lines than the scrollback (10,000) keeps the
pane bounded and at the bottom, announced in short, and a reader scrolled up
is not moved. Screenshots go to WORK_DIR (client.png, after-restart.png,
scrollback.png).
Skipped (exit 0, with a line saying so) when chromium is not installed.
Usage: test_browser_client.py ECHO_REPL WORK_DIR
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import base64
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client  # noqa: E402
from web_client import Api, WebSocket  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, repl, store, log, telnet, http):
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([repl, "serve", store, "--telnet-port", str(telnet), "--http-port", str(http)],
                                     stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if b"serving HTTP" in line:
                return
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("server did not start (see %s)" % log)

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=60)
        self.log.close()
        return rc


class Page:
    """One Chromium tab through the DevTools protocol."""

    def __init__(self, chromium, url, work):
        self.profile = tempfile.mkdtemp(prefix="echo-chromium-", dir=work)
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", "--user-data-dir=" + self.profile, "--window-size=1100,700",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port = None
        deadline = time.time() + 60
        while time.time() < deadline and port is None:
            line = self.proc.stderr.readline().decode(errors="replace")
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if m:
                port = int(m.group(1))
        if port is None:
            raise RuntimeError("chromium did not start")
        req = urllib.request.Request("http://127.0.0.1:%d/json/new?%s" % (port, url), method="PUT")
        target = json.load(urllib.request.urlopen(req, timeout=30))
        path = target["webSocketDebuggerUrl"].split(":%d" % port, 1)[1]
        self.ws = WebSocket(port, path=path)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send({"id": self.next_id, "method": method, "params": params})
        while True:
            f = self.ws.recv(timeout=30)
            if f.get("id") == self.next_id:
                if "error" in f:
                    raise RuntimeError("%s: %s" % (method, f["error"]))
                return f["result"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("page script failed: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def wait(self, expr, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.js(expr):
                    return
            except RuntimeError as e:
                # The page is still loading (the tab was opened on its URL):
                # its context goes away under an evaluation. Ask again.
                if "navigated" not in str(e) and "context" not in str(e):
                    raise
            time.sleep(0.1)
        raise AssertionError("%s; the page shows: %r" % (what, self.js("document.body.innerText")[-1500:]))

    def type_command(self, text):
        self.js("(() => { const i = document.getElementById('command'); i.value = %s; "
                "document.getElementById('command-form').requestSubmit(); })()" % json.dumps(text))

    def output_has(self, pattern):
        return "new RegExp(%s).test(document.getElementById('output').innerText)" % json.dumps(pattern)

    def person(self, name, state):
        """JS: the side panel lists `name` in `state` (active, idle or asleep)."""
        return ("[...document.querySelectorAll('#people li')].some(li => li.dataset.state === %s && "
                "li.querySelector('a, .name').textContent.startsWith(%s))" % (json.dumps(state), json.dumps(name)))

    def click(self, selector):
        self.js("document.querySelector(%s).click()" % json.dumps(selector))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def check_panel(page):
    """The side panel shows the room, its people, things and exits."""
    page.wait("document.getElementById('room-name').textContent === 'The First Room'", "the room's name in the panel")
    page.wait(page.person("Wizard (you)", "active"), "the player itself, active")
    page.wait("document.getElementById('things').innerText.includes('brass plaque')", "the room's things")
    exits = page.js("[...document.querySelectorAll('#exits li > a:first-child')].map(a => a.textContent)")
    assert exits == ["north", "east", "down"], exits


def links(page, api):
    """Links: an exit in the panel, a command the world marks as mooR's do,
    one whose label is not its command (only offered), and an object number
    that opens the inspector."""
    page.click("#exits li > a[data-cmd=north]")
    page.wait(page.output_has("> north"), "the exit's link types its name")
    page.wait("document.getElementById('room-name').textContent === 'The Library'", "the panel follows to the library")
    page.wait("document.getElementById('exits').innerText.includes('south')", "the library's exits")
    api.call("POST", "/api/eval",
             {"code": 'notify(player, "Go [south](moo://cmd/south), or [leave](moo://cmd/@quit)."); return 1;'})
    page.wait("!!document.querySelector('#output a.cmd[data-cmd=\"@quit\"]')", "marked links")
    page.click("#output a.cmd[data-cmd='@quit']")
    assert page.js("document.getElementById('command').value") == "@quit", \
        "a link not labelled as its command is offered"
    page.js("document.getElementById('command').value = ''")
    page.click("#output a.cmd[data-cmd='south']")
    page.wait("document.getElementById('room-name').textContent === 'The First Room'", "a marked link runs its command")
    assert page.js("document.getElementById('status').textContent") == "connected", "@quit was not sent"
    # #N opens the inspector for a programmer (the wizard).
    page.wait("document.body.dataset.builder === 'yes'", "the wizard is a programmer")
    page.type_command("say see #1")
    page.wait("!!document.querySelector('#output a.ref[data-inspect=\"1\"]')", "an object number is a link")
    page.click("#output a.ref[data-inspect='1']")
    page.wait("!document.getElementById('build').hidden && "
              "document.getElementById('inspector-body').innerText.includes('#1')", "#1 opens in the inspector")
    page.click("#tab-play")


SCROLLBACK = 10000  # lines the pane keeps at least (client.js)
BLOCK = 100  # lines a block of the pane holds (narrative.js)


def frames(page, n=2):
    """Waits for n animation frames (scroll events and queued lines are done)."""
    page.js("new Promise((done) => { let n = %d; const f = () => --n ? requestAnimationFrame(f) : done(1); "
            "requestAnimationFrame(f); })" % n)


def notify_lines(page, api, prefix, n):
    """The world sends n lines `PREFIX i` to the wizard; waits until the last
    is the pane's last line."""
    code = ('for i in [1..%d] notify(player, tostr("%s ", i)); if (i %% 500 == 0) suspend(0); endif endfor '
            'return 1;' % (n, prefix))
    st, doc = api.call("POST", "/api/eval", {"code": code})
    assert st in (200, 202), (st, doc)
    page.wait("document.querySelector('#output > .block:last-child > div:last-child')?.textContent === %s"
              % json.dumps("%s %d" % (prefix, n)), "the last of %d lines" % n, 60)


def scrollback(page, api):
    """A burst of more lines than the scrollback: the pane keeps the last
    10,000 or a block more (old lines go in whole blocks), the newest at the
    bottom in view; the screen reader's live region says only the last few
    lines, the pane itself is not live. Scrolled up, the reader keeps the
    line they were reading while lines come and old ones go; back at the
    bottom, new lines are followed again."""
    # Room for the burst (the server drops what a client has not taken past
    # this): the lines are to reach the page.
    st, doc = api.call("POST", "/api/eval", {"code": "$server_options.max_queued_output = 4000000; "
                                                     "load_server_options(); return 1;"})
    assert st == 200, (st, doc)
    # Out of view, a full block is laid out at an estimated height; other
    # fonts than this machine's make the real one differ. An estimate a
    # third short makes that so here too (a rule added to client.css's
    # sheet: the page's policy refuses inline styles).
    page.js("(s => s.insertRule('#output > .block.full { contain-intrinsic-size: auto 100em; }', "
            "s.cssRules.length))([...document.styleSheets].find(s => s.href.endsWith('/client.css')))")
    n = SCROLLBACK + 450
    notify_lines(page, api, "scrollback", n)
    page.wait("!!document.getElementById('announce')?.textContent.endsWith('scrollback %d')" % n,
              "the live region says the last line")
    s = page.js("""(() => {
      const out = document.getElementById('output');
      const lines = out.querySelectorAll(':scope > .block > div');
      const r = out.getBoundingClientRect(), l = lines[lines.length - 1].getBoundingClientRect();
      return {lines: lines.length, blocks: out.childElementCount, first: lines[0].textContent,
              bottom: out.scrollTop + out.clientHeight >= out.scrollHeight - 4,
              visible: l.top >= r.top && l.bottom <= r.bottom + 1,
              live: out.getAttribute('aria-live'), said: document.getElementById('announce').textContent};
    })()""")
    assert SCROLLBACK <= s["lines"] <= SCROLLBACK + BLOCK, s["lines"]
    assert s["blocks"] <= SCROLLBACK // BLOCK + 2, s["blocks"]
    first = int(s["first"].split()[1])
    assert n - SCROLLBACK - BLOCK < first <= n - SCROLLBACK + 1, s["first"]
    assert s["bottom"] and s["visible"], "the newest line is at the bottom, in view: %r" % s
    assert s["live"] == "off", "the pane is not read out line by line"
    assert len(s["said"]) <= 1100 and "more lines before" in s["said"], s["said"]
    # Reading further up: the line at the top of the view stays there while
    # 300 more lines come and the three oldest blocks go.
    page.js("document.querySelectorAll('#output > .block > div')[%d].scrollIntoView()" % (SCROLLBACK // 2))
    frames(page)
    read = page.js("""(() => { const l = document.querySelectorAll('#output > .block > div')[%d];
                               window.reading = l; return [l.textContent, l.getBoundingClientRect().top]; })()"""
                   % (SCROLLBACK // 2))
    notify_lines(page, api, "later", 300)
    frames(page)
    now = page.js("[window.reading.isConnected, window.reading.getBoundingClientRect().top]")
    assert now[0] and abs(now[1] - read[1]) < 2, "the line being read moved: %r -> %r" % (read, now)
    out = "document.getElementById('output')"
    assert page.js("%s.scrollTop + %s.clientHeight < %s.scrollHeight - 1000" % (out, out, out)), \
        "lines arriving scrolled a reader down"
    # Back at the bottom, the pane follows new lines again.
    page.js("%s.scrollTop = %s.scrollHeight" % (out, out))
    frames(page)
    notify_lines(page, api, "again", 50)
    frames(page)
    assert page.js("%s.scrollTop + %s.clientHeight >= %s.scrollHeight - 4" % (out, out, out)), \
        "the pane follows new lines at the bottom"


class BrowserWorld:
    """Chromium and a server on a fresh default world in `work` (store w.db,
    log server.log), on free telnet and HTTP ports."""

    def __init__(self, repl, work, chromium):
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        self.chromium = chromium
        self.store = os.path.join(work, "w.db")
        self.log = os.path.join(work, "server.log")
        subprocess.run([repl, "new-world", self.store], check=True, stdout=subprocess.DEVNULL)
        self.telnet, self.http = free_port(), free_port()
        self.server = Server(repl, self.store, self.log, self.telnet, self.http)


def browser_world(repl, work, what):
    """A BrowserWorld, or None (saying the test `what` is skipped) when
    Chromium is not installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("e2e %s: SKIPPED, chromium is not installed (apt-get install chromium)" % what)
        return None
    return BrowserWorld(repl, work, chromium)


def main():
    repl, work = sys.argv[1], sys.argv[2]
    bw = browser_world(repl, work, "browser client")
    if not bw:
        return
    chromium, store, log, telnet, http, server = bw.chromium, bw.store, bw.log, bw.telnet, bw.http, bw.server
    page = None
    try:
        page = Page(chromium, "http://127.0.0.1:%d/" % http, work)
        # Shown by the HTML before client.js runs: submitted before then, the
        # form would reload the page rather than log in.
        page.wait("document.documentElement?.dataset.scripts === 'ready' && !document.getElementById('login').hidden",
                  "the login form is shown and live")
        page.js("document.getElementById('name').value = 'wizard';"
                "document.getElementById('password').value = 'wizard';"
                "document.getElementById('login').requestSubmit()")
        page.wait("document.getElementById('status').textContent === 'connected'", "the page connects")
        page.wait("getComputedStyle(document.getElementById('login')).display === 'none'",
                  "the login form goes away")
        page.wait(page.output_has("The First Room"), "user_connected shows the room")
        page.type_command("look")
        page.wait(page.output_has("> look"), "the command is echoed")
        page.wait(page.output_has("brass plaque[\\s\\S]*brass plaque"), "look shows the room again")
        # A telnet player in the same room: each hears the other.
        alice = Client(telnet, "alice")
        alice.expect(r"connect wizard wizard")
        alice.command("create Alice secret", r"\*\*\* Created \*\*\*")
        alice.drain()
        page.type_command("say hello from the browser")
        alice.expect(r'Wizard says, "hello from the browser"')
        alice.send("say hello from telnet")
        page.wait(page.output_has('Alice says, "hello from telnet"'), "the browser hears telnet")
        # Who is here, live: Alice came over telnet.
        page.wait(page.person("Alice", "active"), "Alice shows in the side panel as she arrives")
        check_panel(page)
        # The world changes the page.
        api = Api(http)
        api.login("wizard", "wizard")
        st, doc = api.call("POST", "/api/eval", {"code": 'return client_event(player, "ui_update", '
                                                         '["element" -> "button1", "property" -> "text", '
                                                         '"value" -> "Click Me!"]);'})
        assert st == 200 and doc["result"] == 1, (st, doc)
        page.wait("document.getElementById('ui').innerText.includes('Click Me!')", "ui_update reaches the page")
        api.call("POST", "/api/eval",
                 {"code": 'notify(player, "The manual: https://example.org/echo (or ask in #1\'s help)."); return 1;'})
        page.wait("!!document.querySelector('#output a[href=\"https://example.org/echo\"]')", "a URL is a link")
        page.screenshot(os.path.join(work, "client.png"))
        alice.close()
        page.wait("!(%s)" % page.person("Alice", "active"), "Alice is no longer shown awake once she hangs up")
        links(page, api)
        # The server restarts on the same ports: the page reconnects with its token.
        assert server.stop() == 0
        page.wait("document.getElementById('status').textContent !== 'connected'", "the page sees the drop")
        server = Server(repl, store, log, telnet, http)
        page.wait("document.getElementById('status').textContent === 'connected'", "the page reconnects", 40)
        page.type_command("say back again")
        page.wait(page.output_has('You say, "back again"'), "commands work after the restart")
        page.screenshot(os.path.join(work, "after-restart.png"))
        api = Api(http)
        api.login("wizard", "wizard")
        scrollback(page, api)
        page.screenshot(os.path.join(work, "scrollback.png"))
        assert server.stop() == 0
    except Exception:
        server.proc.kill()
        raise
    finally:
        if page:
            page.close()
    print("e2e browser client: login, look, say both ways, who is here, links, ui_update, reconnect after a restart "
          "and 10,000 lines of scrollback")


if __name__ == "__main__":
    main()
