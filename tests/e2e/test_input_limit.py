#!/usr/bin/env python3
"""End to end: input typed ahead is bounded, as in LambdaMOO.

LambdaMOO stops reading a connection once MAX_QUEUED_INPUT (65,536) bytes of
its lines wait to run, and reads again when half of them have (tasks.c
INPUT_HIWAT / INPUT_LOWAT): a client that types faster than its commands run
is held back by TCP, not queued in the server. Here Typist's input is held
(the hold-input connection option) while it sends as much as it can for a few
seconds: the server must take no more than its socket buffers and the 64 KB
mark (the old server took all of it, and its memory grew with it), and an
honest player is answered meanwhile. Then the hold ends and every line Typist
sent runs, in order: reading resumed each time the queue drained.
Usage: test_input_limit.py ECHO_REPL WORK_DIR
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import login, new_world_server, rss_mb, serving  # noqa: E402

FLOOD_SECONDS = 3
FLOOD_BYTES = 64 << 20      # what Typist tries to send while held
ACCEPT_LIMIT = 24 << 20     # loopback's socket buffers are a few MB each way
RSS_GROWTH_LIMIT = 64       # MB, while the flood is held back


def ev(c, code, timeout=30):
    m = c.command(";;" + code, r"^(=> |Error: )(.*)$", timeout)
    assert m.group(1) == "=> ", "%s: %s" % (code, m.group(0))
    return m.group(2)


def main():
    repl, work = sys.argv[1], sys.argv[2]
    server = new_world_server(repl, work, "input")
    with serving(server):
        wiz = login(server.port, "wizard", "connect wizard wizard")
        typist = login(server.port, "Typist", "create Typist typ1st")
        honest = login(server.port, "Honest", "create Honest h0nest")
        ev(wiz, "for p in (players()) p.programmer = 1; endfor "
                "add_property(#0, \"typed\", 0, {player, \"rw\"}); return 1;")
        who = ev(typist, "return player;")
        ev(wiz, "set_connection_option(%s, \"hold-input\", 1); return 1;" % who)

        # 1. Held: Typist sends as fast as the server takes it.
        # Long lines, so that the few MB the sockets hold are few commands.
        line = b";;#0.typed = #0.typed + 1;" + b" " * 4000 + b"\r\n"
        block = line * 16
        typist.sock.setblocking(False)
        rss0 = rss_mb(server.proc.pid)
        sent, end = 0, time.time() + FLOOD_SECONDS
        lat = []
        while time.time() < end and sent < FLOOD_BYTES:
            try:
                sent += typist.sock.send(block[sent % len(block):])  # a stream: from where it stopped
            except BlockingIOError:
                t0 = time.time()
                honest.command(";1 + 1", r"^=> 2$", 10)
                lat.append(time.time() - t0)
        grown = rss_mb(server.proc.pid) - rss0
        print("held for %d s: the server took %.1f MB of %d MB offered; RSS +%.1f MB; "
              "an honest client's worst round trip %.1f ms (%d commands)"
              % (FLOOD_SECONDS, sent / 1e6, FLOOD_BYTES >> 20, grown, 1000 * max(lat or [0]), len(lat)))
        assert sent < ACCEPT_LIMIT, "the server took %.1f MB of typed-ahead input" % (sent / 1e6)
        assert lat, "the flood was never held back"
        if not os.environ.get("ASAN_OPTIONS"):  # ASan's quarantine keeps freed memory
            assert grown < RSS_GROWTH_LIMIT, "the server grew by %.1f MB" % grown

        # 2. Released: every line runs, so reading resumed as the queue drained.
        typist.sock.setblocking(True)
        typist.sock.settimeout(30)
        lines = sent // len(line)
        tail = sent % len(line)
        ev(wiz, "set_connection_option(%s, \"hold-input\", 0); return 1;" % who)
        if tail:  # finish the last line cut short (once the server reads again)
            typist.sock.sendall(line[tail:])
            lines += 1
        deadline = time.time() + 120
        while True:
            n = int(ev(wiz, "return #0.typed;"))
            if n >= lines:
                break
            assert time.time() < deadline, "only %d of %d typed lines ran" % (n, lines)
            typist.drain(0.2)
        assert n == lines, "%d lines ran, %d were sent" % (n, lines)
        print("released: all %d typed lines ran" % lines)
        for c in (wiz, typist, honest):
            c.close()
    print("e2e input limit: all checks passed")


if __name__ == "__main__":
    main()
