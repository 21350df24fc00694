#!/usr/bin/env python3
"""The player's client in headless Chromium: how soon the first narrative
line shows after a login, and how the page copes with 10,000 lines of
scrollback streamed in. Prints numbers; not a test.

Starts `echo-repl serve` on a fresh default world, opens the client in
Debian's chromium through the DevTools protocol (tests/e2e's small client),
then:

- first line: the login form submitted to the first line in the narrative
  pane (performance.now() in the page), over several logins;
- 10,000 lines: the world notify()s them in batches (suspend(--pause)
  between: 0, as fast as the server can, by default), while a requestAnimationFrame loop in the page records
  each frame's time since the one before; p50, p99 and max of those, the
  frames over 16.7 ms, the longest task the page ran (PerformanceObserver
  'longtask'), and the time until the last line was in the pane.

Usage: bench/browser-bench.py [build/cli/echo-repl] [--lines N] [--batch N] [--pause S] [--logins N]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from test_browser_client import Page, Server, free_port  # noqa: E402
from web_client import Api  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def login(page):
    """Submits the login form; ms until the first narrative line."""
    page.js("""(() => {
      window.benchT0 = performance.now(); window.benchFirst = null;
      const out = document.getElementById('output');
      const mo = new MutationObserver(() => {
        if (!out.childElementCount || window.benchFirst !== null) return;
        window.benchFirst = performance.now();
        mo.disconnect();
      });
      mo.observe(out, {childList: true});
      document.getElementById('name').value = 'wizard';
      document.getElementById('password').value = 'wizard';
      document.getElementById('login').requestSubmit();
    })()""")
    page.wait("window.benchFirst !== null", "a first line", 30)
    return page.js("window.benchFirst - window.benchT0")


def logout(page):
    page.js("document.getElementById('logout').click()")
    page.wait("!document.getElementById('login').hidden", "the login form again")


STREAM = """
for i in [1..%d]
  notify(player, tostr("line ", i, ": the quick brown fox jumps over the lazy dog; #", i %% 97,
                       " https://example.org/", i));
  if (i %% %d == 0)
    suspend(%s);
  endif
endfor
return 1;
"""


def stream(page, api, lines, batch, pause):
    page.js("""(() => {
      window.benchFrames = []; window.benchLong = 0; window.benchDone = null;
      let last = performance.now();
      const tick = (t) => { window.benchFrames.push(t - last); last = t;
                            if (window.benchDone === null) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
      try {
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) window.benchLong = Math.max(window.benchLong, e.duration);
        }).observe({type: 'longtask', buffered: false});
      } catch (e) {}
      window.benchT0 = performance.now();
      const out = document.getElementById('output');
      const rx = new RegExp('^line %d:');
      const mo = new MutationObserver(() => {
        const l = out.lastElementChild?.lastElementChild;  // the last block's last line
        if (l && rx.test(l.textContent)) { window.benchDone = performance.now(); mo.disconnect(); }
      });
      mo.observe(out, {childList: true, subtree: true});
    })()""" % lines)
    st, doc = api.call("POST", "/api/eval", {"code": STREAM % (lines, batch, repr(pause))})
    assert st in (200, 202), (st, doc)
    page.wait("window.benchDone !== null", "the last line", 300)
    time.sleep(0.3)  # a few frames after the last line
    return page.js("""({frames: window.benchFrames.slice(1), long: window.benchLong,
                        total: window.benchDone - window.benchT0,
                        kept: document.querySelectorAll('#output > .block > div').length})""")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repl", nargs="?", default=os.path.join(HERE, "..", "build", "cli", "echo-repl"))
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=100, help="lines between suspend(0)s")
    ap.add_argument("--pause", type=float, default=0.0,
                    help="seconds between batches (0: as fast as the server goes; 0.1 with --batch 100: 1,000 lines/s)")
    ap.add_argument("--logins", type=int, default=5)
    a = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed")
    work = tempfile.mkdtemp(prefix="echo-browser-bench-")
    store = os.path.join(work, "w.db")
    subprocess.run([a.repl, "new-world", store], check=True, stdout=subprocess.DEVNULL)
    telnet, http = free_port(), free_port()
    server = Server(a.repl, store, os.path.join(work, "server.log"), telnet, http)
    page = None
    try:
        api = Api(http)
        api.login("wizard", "wizard")
        # Room for a burst: the lines are measured, not dropped for a slow reader.
        st, doc = api.call("POST", "/api/eval", {"code": "$server_options.max_queued_output = 4000000; return 1;"})
        assert st == 200, (st, doc)
        page = Page(chromium, "http://127.0.0.1:%d/" % http, work)
        page.wait("document.documentElement?.dataset.scripts === 'ready'", "the page is live")
        firsts = []
        for i in range(a.logins):
            firsts.append(login(page))
            page.wait("document.getElementById('status').textContent === 'connected'", "connected")
            if i + 1 < a.logins:
                logout(page)
        print("first narrative line after login: %d logins, median %.1f ms, min %.1f, max %.1f"
              % (len(firsts), statistics.median(firsts), min(firsts), max(firsts)))
        idle = page.js("""new Promise((done) => {
          const d = []; let last = performance.now();
          const tick = (t) => {
            d.push(t - last); last = t;
            if (d.length < 120) requestAnimationFrame(tick); else done(d.slice(1));
          };
          requestAnimationFrame(tick);
        })""")
        print("frame time with nothing happening (the floor): p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              % (pct(idle, 50), pct(idle, 99), max(idle)))
        r = stream(page, api, a.lines, a.batch, a.pause)
        f = r["frames"]
        print("%d lines streamed (%d a batch, %gs apart): last line after %.0f ms; %d lines kept in the page"
              % (a.lines, a.batch, a.pause, r["total"], r["kept"]))
        # Over 16.7 ms counts a vsync's jitter too (an idle page has some at
        # 16.8); over 25 ms, a frame that missed one.
        print("frame time over %d frames: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d frames over 16.7 ms, "
              "%d over 25 ms; longest task %.0f ms; %.0f lines/s"
              % (len(f), pct(f, 50), pct(f, 99), max(f), sum(1 for x in f if x > 16.7),
                 sum(1 for x in f if x > 25), r["long"], a.lines / r["total"] * 1000))
        # Typing once the scrollback is full: a command's echo to its frame.
        t = page.js("""new Promise((done) => {
          const t0 = performance.now();
          const i = document.getElementById('command'); i.value = 'say hi';
          document.getElementById('command-form').requestSubmit();
          requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
        })""")
        print("a command with full scrollback: echoed and painted in %.1f ms" % t)
    finally:
        if page:
            page.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
