#!/usr/bin/env python3
"""End to end in a real browser: the operator's console (/console).

Starts `echo-repl serve` on a fresh default world, with a telnet player
typing commands and a suspended task forked through the API's eval. In
headless Chromium (test_browser_client.Page) the wizard logs in on
/console, sees the actors (object actors, the monitor, the telnet session)
and the suspended task, kills it with the page's two-click Kill and sees it
gone (the API agrees); opens a task's stack; filters the actors and the event
log; the plots have figures. Then a plain player logs in on
the same page and gets the "Wizards only" page, with no console shown.
Screenshots go to WORK_DIR (console.png, denied.png); with
ECHO_CONSOLE_WARMUP=SECONDS the traffic runs that long first, for a fuller
docs/images/console.png.
Skipped (exit 0, with a line saying so) when chromium is not installed.
Usage: test_browser_console.py ECHO_REPL WORK_DIR
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client  # noqa: E402
from test_browser_client import Page, browser_world  # noqa: E402
from web_client import Api  # noqa: E402


def traffic(port, stop):
    """A telnet player typing, so that the actors and plots have something to show."""
    c = Client(port, "traffic")
    c.expect(r"connect")
    c.send("create Tess secret")
    c.expect(r"\*\*\* Created \*\*\*")
    n = 0
    while not stop.is_set():
        c.send("look" if n % 3 else "say hello %d" % n)
        n += 1
        time.sleep(0.15)
    c.close()


def main():
    repl, work = sys.argv[1], sys.argv[2]
    bw = browser_world(repl, work, "browser console")
    if not bw:
        return
    chromium, telnet, http, server = bw.chromium, bw.telnet, bw.http, bw.server
    page = None
    stop = threading.Event()
    typist = threading.Thread(target=traffic, args=(telnet, stop), daemon=True)
    try:
        typist.start()
        api = Api(http)
        api.login("wizard", "wizard")
        st, doc = api.call("POST", "/api/eval", {"code": "fork t (0) suspend(); endfork return t;"})
        assert st == 200, (st, doc)
        task = doc["result"]
        time.sleep(float(os.environ.get("ECHO_CONSOLE_WARMUP", "4")))

        page = Page(chromium, "http://127.0.0.1:%d/console" % http, work)
        page.call("Emulation.setDeviceMetricsOverride", width=1360, height=780, deviceScaleFactor=1, mobile=False)
        page.call("Runtime.enable")  # the page's uncaught errors and console.error() come as events
        page.wait("document.getElementById('login') && !document.getElementById('login').hidden",
                  "the console asks for a login")
        page.js("document.getElementById('name').value = 'wizard';"
                "document.getElementById('password').value = 'wizard';"
                "document.getElementById('login').requestSubmit()")
        page.wait("!document.getElementById('console').hidden", "the wizard gets the console")
        page.wait("document.getElementById('status').textContent === 'live'", "the console's socket is live")
        rows = "document.querySelector('#actors tbody').innerText"
        page.wait("/object #/.test(%s) && /monitor/.test(%s) && /session/.test(%s)" % (rows, rows, rows),
                  "the actors are listed: objects, the monitor, the telnet session")
        task_row = "document.querySelector('#tasks tr.task[data-task=\"%d\"]')" % task
        page.wait("%s && /suspended/.test(%s.innerText)" % (task_row, task_row), "the suspended task is listed")
        page.wait("/Tess/.test(document.querySelector('#connections tbody').innerText)",
                  "the telnet player is among the connected")
        page.js("document.getElementById('snapshot-now').click()")
        page.wait("/snap\\./.test(document.querySelector('#snapshots tbody').innerText)",
                  "a snapshot taken from the page is listed")
        page.wait("document.querySelectorAll('#events tbody tr:not(.empty)').length > 0", "the event log shows")
        page.wait("[...document.querySelectorAll('figcaption .value')].some(v => /[1-9]/.test(v.textContent))",
                  "the plots have figures")
        # The actor filter goes to the server: only sessions come back.
        filter_js = ("(() => { const f = document.getElementById('actor-filter'); f.value = %s;"
                     " f.dispatchEvent(new Event('input')); })()")
        page.js(filter_js % json.dumps("session"))
        page.wait("[...document.querySelectorAll('#actors tbody tr')].every(r => /session/i.test(r.innerText))"
                  " && document.querySelectorAll('#actors tbody tr').length > 0", "the actor filter applies")
        page.js(filter_js % json.dumps(""))
        page.wait("/object #/.test(%s)" % rows, "the filter cleared")
        # A task's stack opens under its row.
        page.js("%s.click()" % task_row)
        page.wait("/#-1:eval +line 1/.test(document.querySelector('#tasks tr.stack').innerText)",
                  "clicking the task shows its stack")
        page.js("%s.click()" % task_row)
        page.wait("!document.querySelector('#tasks tr.stack')", "clicking again hides it")
        # With the keyboard: the row keeps its focus through the page's updates.
        page.js("%s.focus(); document.activeElement.dispatchEvent("
                "new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}))" % task_row)
        page.wait("!!document.querySelector('#tasks tr.stack')", "Enter on the task shows its stack")
        time.sleep(1.5)  # a frame or two later
        assert page.js("document.activeElement === %s" % task_row), "the task row keeps the focus"
        page.js("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: ' ', bubbles: true}))")
        page.wait("!document.querySelector('#tasks tr.stack')", "Space hides it")
        page.js("document.activeElement.blur()")
        # The event log by type (asked of the server) and by text (in the page).
        page.js("(() => { const t = document.getElementById('event-type'); t.value = 'connect';"
                " t.dispatchEvent(new Event('change')); })()")
        types = "[...document.querySelectorAll('#events tbody tr:not(.empty)')].map(r => r.cells[2].innerText)"
        page.wait("%s.length > 0 && %s.every(t => t === 'connect')" % (types, types), "the event log by type")
        page.js("(() => { const t = document.getElementById('event-type'); t.value = '';"
                " t.dispatchEvent(new Event('change')); const f = document.getElementById('event-filter');"
                " f.value = 'web 127'; f.dispatchEvent(new Event('input')); })()")
        page.wait("%s.length > 0 && %s.every(t => t === 'login')" % (types, types), "the event log by text")
        page.js("(() => { const f = document.getElementById('event-filter'); f.value = '';"
                " f.dispatchEvent(new Event('input')); })()")
        page.screenshot(os.path.join(work, "console.png"))
        # Kill: the first click asks, the second kills.
        kill = "document.querySelector('#tasks button.kill[data-task=\"%d\"]')" % task
        page.js("%s.click()" % kill)
        page.wait("/Confirm/.test(%s.textContent)" % kill, "Kill asks for confirmation")
        page.js("%s.click()" % kill)
        page.wait("!%s" % task_row, "the killed task leaves the list")
        page.wait("/task %d killed/.test(document.getElementById('status').textContent) || "
                  "document.getElementById('status').textContent === 'live'" % task, "the page says so")
        st, doc = api.call("GET", "/api/monitor")
        assert st == 200 and all(t["id"] != task for t in doc["tasks"]), ("the task is gone", st, doc)

        # A plain player on the same page: "Wizards only", no console.
        page.js("document.getElementById('logout').click()")
        page.wait("!document.getElementById('login').hidden", "logged out")
        st, doc = Api(http).call("POST", "/api/login", {"name": "Norma", "password": "secret", "create": True})
        assert st == 200, (st, doc)
        page.js("document.getElementById('name').value = 'Norma';"
                "document.getElementById('password').value = 'secret';"
                "document.getElementById('login').requestSubmit()")
        page.wait("!document.getElementById('denied').hidden && /Wizards only/.test(document.body.innerText)",
                  "a plain player sees 'Wizards only'")
        leaked = page.js("document.getElementById('summary').textContent + "
                         "document.querySelector('#actors tbody').innerText")
        assert "actors" not in leaked and "object #" not in leaked, "the wizard's view is gone: %r" % leaked
        visible = page.js("!document.getElementById('console').hidden")
        assert not visible, "the console is not shown to a plain player"
        page.screenshot(os.path.join(work, "denied.png"))
        errors = [f["params"] for f in page.ws.frames
                  if f.get("method") == "Runtime.exceptionThrown" or
                  (f.get("method") == "Runtime.consoleAPICalled" and f["params"].get("type") == "error")]
        assert not errors, "the page reported errors: %s" % json.dumps(errors)[:2000]
        stop.set()
        typist.join(10)
        assert server.stop() == 0
    except Exception:
        server.proc.kill()
        raise
    finally:
        stop.set()
        if page:
            page.close()
    print("e2e browser console: actors, a task killed from the page, filters, plots; a plain player refused")


if __name__ == "__main__":
    main()
