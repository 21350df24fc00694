#!/usr/bin/env python3
"""End to end: output for a client that does not read is bounded, as in LambdaMOO.

On a fresh default world the wizard floods Victim (who has stopped reading,
with a small receive window) with 100,000 lines of 1 KB. As LambdaMOO's
net_multi.c enqueue_output does with MAX_QUEUED_OUTPUT, the server keeps at
most $server_options.max_queued_output bytes (default 65536) queued for the
connection and drops the oldest lines to make room, so its memory stays
bounded (the old server held all 100 MB); buffered_output_length(victim)
reports what is really queued (it said 0); notify(victim, line, 1), the
no-flush form, returns 0 rather than drop anything; and when Victim reads
again it gets ">> Network buffer overflow: N lines of output to you have been
lost <<" before what was kept, the lines it got and the N lost adding up to
the 100,000 sent. buffered_output_length() and the option follow ToastStunt
(a positive value under 2048 counts as 2048). Sleeper, flooded alike, never
reads again: the server must still stop promptly (it used to wait for ever).
Usage: test_output_limit.py ECHO_REPL WORK_DIR
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, new_world_server, rss_mb, serving  # noqa: E402

LINES = 100000
FILL = 6000  # lines sent slowly first, to fill the kernel's buffers
LIMIT = 65536
CHUNK = 16 * 1024  # what the session hands to the socket at once (net/telnet.cpp)


def ev(c, expr, timeout=30):
    m = c.command(";" + expr, r"^(=> |Error: )(.*)$", timeout)
    return m.group(2) if m.group(1) == "=> " else "Error: " + m.group(2)


def evs(c, code, timeout=30):
    m = c.command(";;" + code, r"^(=> |Error: )(.*)$", timeout)
    return m.group(2) if m.group(1) == "=> " else "Error: " + m.group(2)


class SlowClient(Client):
    """A client with a small receive window, so that the server's socket
    fills after a few KB when it does not read."""

    def __init__(self, port, name):
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.lines = []


def run(server):
    port, pid = server.port, server.proc.pid
    wiz = Client(port, "wizard")
    wiz.expect(r"connect wizard wizard")
    wiz.command("connect wizard wizard", r"\*\*\* (Connected|Created) \*\*\*")
    wiz.drain()
    victim = SlowClient(port, "victim")
    victim.expect(r"connect wizard wizard")
    victim.command("create Victim secret", r"\*\*\* Created \*\*\*")
    victim.drain()
    v = ev(wiz, '$util:find_player("Victim")')
    assert re.match(r"#\d+$", v), v
    # Sleeper gets the same and never reads again, not even at shutdown.
    sleeper = SlowClient(port, "sleeper")
    sleeper.expect(r"connect wizard wizard")
    sleeper.command("create Sleeper secret", r"\*\*\* Created \*\*\*")
    sleeper.drain()
    z = ev(wiz, '$util:find_player("Sleeper")')

    assert ev(wiz, "buffered_output_length()") == str(LIMIT), "the default limit is LambdaMOO's"
    # The running segment's output counts (it goes out after the commit).
    assert evs(wiz, 'b = buffered_output_length(%s); notify(%s, "abc"); return buffered_output_length(%s) - b;'
               % (v, v, v)) == "5", "a queued line counts with its CRLF"
    before = rss_mb(pid)
    # Victim reads nothing from here on. First the kernel's socket buffers
    # fill (a few MB on loopback), 30 lines a segment, each sent before the
    # next comes; then the flood, faster than anything can go out.
    code = ('fork (0) s = "x"; while (length(s) < 1000) s = s + s; endwhile s = s[1..1000]; '
            'for i in [1..%d] notify(%s, tostr(i, " ", s)); notify(%s, s); '
            'if (i %% 30 == 0 && i <= %d) suspend(0.02); elseif (i %% 250 == 0) suspend(0); endif endfor '
            'notify(player, "flood done"); endfork' % (LINES, v, z, FILL))
    wiz.command(";;" + code, r"^=> ")
    wiz.expect(r"^flood done$", timeout=120)
    time.sleep(1)
    after = rss_mb(pid)
    grew = after - before
    print("server RSS %.1f MB before the flood, %.1f MB after (%.1f MB more)" % (before, after, grew))
    # 200 MB was sent; a bounded queue keeps 64 KB of each 100. Under
    # AddressSanitizer freed memory waits in its quarantine (256 MB) and the
    # RSS says nothing about what the server keeps: the plain build checks it.
    if os.environ.get("ASAN_OPTIONS"):
        print("(AddressSanitizer: the RSS bound is checked in the plain build)")
    else:
        assert grew < 40, "the server kept the output of a client that does not read: %.1f MB more" % grew

    queued = int(ev(wiz, "buffered_output_length(%s)" % v))
    print("buffered_output_length(victim) = %d" % queued)
    # The kernel's buffers are full by now, so the queue is (about) full.
    assert LIMIT // 2 <= queued <= LIMIT + CHUNK + 1100, \
        "buffered_output_length() should be the real queued length, near the limit: %d" % queued
    # notify()'s no-flush argument: nothing is dropped, the line is refused.
    refused = "refused " + "y" * 1000
    assert ev(wiz, 'notify(%s, "%s", 1)' % (v, refused)) == "0", "notify(conn, line, 1) must refuse when full"
    assert ev(wiz, 'notify(%s, "last line")' % v) == "1"

    # ToastStunt's option: cached, read again by load_server_options().
    assert ev(wiz, "$server_options.max_queued_output = 100") == "100"
    assert ev(wiz, "load_server_options()") == "0"
    assert ev(wiz, "buffered_output_length()") == "2048", "a positive limit under 2048 counts as 2048"
    assert ev(wiz, "$server_options.max_queued_output = %d" % LIMIT) == str(LIMIT)
    assert ev(wiz, "load_server_options()") == "0"

    # Victim reads again: the notice, then what was kept, to the last line.
    victim.expect(r"^last line$", timeout=60)
    got = [l for l in victim.consumed if re.match(r"^\d+ x", l)]
    notices = [re.match(r"^>> Network buffer overflow: (\d+) lines? of output to you (has|have) been lost <<$", l)
               for l in victim.consumed if l.startswith(">> Network")]
    assert notices and all(notices), "no overflow notice, or a malformed one: %r" % notices[:3]
    lost = sum(int(m.group(1)) for m in notices)
    numbers = [int(l.split()[0]) for l in got]
    print("victim got %d lines, %d notice(s) saying %d were lost" % (len(got), len(notices), lost))
    assert numbers == sorted(numbers), "the lines kept are in order"
    assert numbers[-1] == LINES, "the newest lines are kept"
    assert len(got) + lost == LINES, "every line is either received or counted lost: %d + %d" % (len(got), lost)
    assert refused not in victim.consumed and "abc" in victim.consumed
    victim.command("say still here", r'You say, "still here"')
    victim.close()
    wiz.close()
    return sleeper  # open, full, unread: the server must still stop


def main():
    server = new_world_server(sys.argv[1], sys.argv[2], "output-limit")
    with serving(server):
        sleeper = run(server)
        t0 = time.time()
        # serving() stops it (SIGTERM) and wants it gone with status 0: CAF
        # used to wait for ever to write to a client that does not read.
    print("the server stopped in %.1f s with Sleeper's output unread" % (time.time() - t0))
    sleeper.close()
    print("e2e output limit: all checks passed")


if __name__ == "__main__":
    main()
