#!/usr/bin/env python3
"""Bounded connection floods on loopback, and an honest client's latency meanwhile.

Used by test_network_limits.py, and by hand to measure:

    flood.py PORT MODE COUNT [WIDTH]      # one flood; prints what it saw as JSON

MODE is `bare` (connect, close), `random` (connect, send 1 KiB of random bytes
with CRs and LFs among them, close) or `hold` (connect, send a few random
bytes, keep the connection open until all COUNT are made, then report the
first line each one got). At most WIDTH (default 200) connections are being
made at once; everything goes to 127.0.0.1 and stops after 120 s whatever
happens.
"""
import errno
import json
import os
import selectors
import socket
import sys
import threading
import time

DEADLINE = 120


def flood(port, mode, count, width=200, seconds=DEADLINE):
    """Runs one flood; returns counts of what happened and, for `hold`, the
    first line each connection received (None: nothing, connection kept)."""
    sel = selectors.DefaultSelector()
    stop = time.time() + seconds
    started = finished = failed = 0
    held = []  # `hold`: sockets kept open
    firsts = {}  # `hold`: socket -> bytes received
    pending = {}  # connecting sockets
    while (started < count or pending) and time.time() < stop:
        while started < count and len(pending) < width:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            started += 1
            rc = s.connect_ex(("127.0.0.1", port))
            if rc not in (0, errno.EINPROGRESS):
                failed += 1
                s.close()
                continue
            pending[s] = True
            sel.register(s, selectors.EVENT_WRITE)
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            del pending[s]
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                failed += 1
                s.close()
                continue
            try:
                if mode == "random":
                    s.send(os.urandom(1024))
                elif mode == "hold":
                    s.send(os.urandom(16))
            except OSError:
                pass
            if mode == "hold":
                held.append(s)
                firsts[s] = b""
            else:
                s.close()
            finished += 1
    for s in pending:
        s.close()
        failed += 1
    result = {"mode": mode, "count": count, "connected": finished, "failed": failed,
              "seconds": round(DEADLINE - (stop - time.time()), 2)}
    if mode == "hold":
        # What each held connection got within a few seconds: the refused
        # ones a message and a close.
        for s in held:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        quiet_until = time.time() + 5
        closed = set()
        while time.time() < quiet_until and len(closed) < len(held):
            for key, _ in sel.select(timeout=0.5):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data:
                    firsts[s] += data
                else:
                    closed.add(s)
                    sel.unregister(s)
        result["closed"] = len(closed)
        result["refusals"] = sorted({firsts[s].decode("latin-1").strip() for s in closed})
        result["kept"] = len(held) - len(closed)
        for s in held:
            s.close()
    sel.close()
    return result


class Latency:
    """An honest logged-in client evaluating `;1` every `period` seconds in a
    thread; `stop()` returns the round trips (seconds) and the ones that never
    came back within 30 s."""

    def __init__(self, client, period=0.05):
        self.client = client
        self.period = period
        self.samples = []
        self.lost = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        n = 0
        while not self._stop.is_set():
            n += 1
            t0 = time.monotonic()
            try:
                self.client.command(";%d" % n, r"^=> %d$" % n, timeout=30)
                self.samples.append(time.monotonic() - t0)
            except AssertionError:
                self.lost += 1
            time.sleep(self.period)

    def stop(self):
        self._stop.set()
        self._thread.join(60)
        return self.samples, self.lost


def percentile(samples, p):
    if not samples:
        return float("nan")
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


if __name__ == "__main__":
    port, mode, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    width = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    print(json.dumps(flood(port, mode, count, width)))
