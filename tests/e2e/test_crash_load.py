#!/usr/bin/env python3
"""End to end: every acknowledged write survives kill -9 under load.

WRITERS players, each on its own telnet connection, append 1, 2, 3, ... to a
list property of their own object, one `;;` command at a time; a write counts
as acknowledged when its `=> N` came back (the server sends output only after
the WAL sync that covers it). Meanwhile two background tasks run suspend()
loops (one holding a 1 MB string) and a third counts in a property. After a
random 0.5-2.5 s the server is killed with SIGKILL, started again, and each
list must be 1..M with M at least the last acknowledged N: every
acknowledged write is there, and none is there without those before it. The
background tasks must survive every restart. The writers go on from M + 1.

The CI form runs CYCLES=3; a longer one by hand, e.g. 100 cycles:
    ECHO_CRASH_CYCLES=100 test_crash_load.py ECHO_REPL WORK_DIR
It prints the restart times and the writes verified.
Usage: test_crash_load.py ECHO_REPL WORK_DIR
"""
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, ServerProcess, new_world_server, serving  # noqa: E402

CYCLES = int(os.environ.get("ECHO_CRASH_CYCLES", "3"))
WRITERS = 4


def login(port, name, line, expect=r"\*\*\* (Connected|Created) \*\*\*"):
    c = Client(port, name)
    c.command(line, expect)
    c.drain(0.1)
    return c


def ev(c, code, timeout=30):
    m = c.command(";;" + code, r"^(=> |Error: )(.*)$", timeout)
    assert m.group(1) == "=> ", "%s: %s" % (code, m.group(0))
    return m.group(2)


class Writer(threading.Thread):
    """Appends next, next + 1, ... to OBJ.log until its connection dies."""

    def __init__(self, port, index, obj, first):
        super().__init__(daemon=True)
        self.port, self.index, self.obj, self.next = port, index, obj, first
        self.acked = first - 1  # the last N whose `=> N` came back
        self.error = None

    def run(self):
        try:
            c = login(self.port, "writer%d" % self.index,
                      "connect writer%d secret%d" % (self.index, self.index))
            while True:
                n = self.next
                m = c.command(";;%s.log = {@%s.log, %d}; return %d;" % (self.obj, self.obj, n, n),
                              r"^(=> |Error: )(.*)$", timeout=30)
                if m.group(0) != "=> %d" % n:
                    self.error = "writer %d: %r" % (self.index, m.group(0))
                    return
                self.acked = n
                self.next = n + 1
        except (EOFError, OSError):
            return  # the server was killed
        except AssertionError as e:  # no answer: only a failure while the server lives
            self.error = str(e)


def setup(port):
    """Players, their log objects and the background tasks; returns the objects."""
    a = login(port, "wizard", "connect wizard wizard")
    objs = []
    for i in range(1, WRITERS + 1):
        c = login(port, "writer%d" % i, "create writer%d secret%d" % (i, i))
        c.close()
        p = ev(a, 'return $util:find_player("writer%d");' % i)
        ev(a, "%s.programmer = 1;" % p)
        o = ev(a, 'o = create($nothing); o.name = "log %d"; add_property(o, "log", {}, {%s, "rw"}); '
                  'return o;' % (i, p))
        objs.append(o)
    ev(a, 'add_property(#0, "crash_count", 0, {player, "rw"});')
    ev(a, 'fork (0) n = 0; while (1) n = n + 1; suspend(0); endwhile endfork')
    ev(a, 'fork (0) big = "0123456789abcdef"; for i in [1..16] big = big + big; endfor '
          'while (1) suspend(0); endwhile endfork')
    ev(a, 'fork (0) while (1) #0.crash_count = #0.crash_count + 1; suspend(0); endwhile endfork')
    a.close()
    return objs


def check(port, objs, acked):
    """Each log is 1..M with M >= the last acknowledged write; returns the Ms."""
    a = login(port, "wizard", "connect wizard wizard")
    assert ev(a, "return length(queued_tasks());") == "3", "a background task was lost"
    lengths = []
    for i, o in enumerate(objs):
        n = int(ev(a, "return length(%s.log);" % o))
        bad = ev(a, "l = %s.log; for i in [1..length(l)] if (l[i] != i) return i; endif endfor return 0;" % o)
        assert bad == "0", "log %d: entry %s is not %s" % (i + 1, bad, bad)
        assert n >= acked[i], "log %d: %d entries, but %d was acknowledged" % (i + 1, n, acked[i])
        lengths.append(n)
    a.close()
    return lengths


def main():
    repl, work = sys.argv[1], sys.argv[2]
    seed = int(os.environ.get("ECHO_CRASH_SEED", str(int(time.time()))))
    print("ECHO_CRASH_SEED=%d (the kill times)" % seed, flush=True)
    rng = random.Random(seed)
    server = new_world_server(repl, work, "crash")
    store = os.path.join(work, "crash.db")
    log = os.path.join(work, "server.log")
    objs = setup(server.port)
    lengths = [0] * WRITERS
    starts, verified, unanswered_kept = [], 0, 0
    for cycle in range(CYCLES):
        writers = [Writer(server.port, i + 1, objs[i], lengths[i] + 1) for i in range(WRITERS)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.5, 2.5))
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        server.log.close()
        for w in writers:
            w.join(60)
            assert not w.is_alive(), "writer %d hangs" % w.index
            assert w.error is None, w.error
        acked = [w.acked for w in writers]
        t0 = time.time()
        server = ServerProcess(repl, store, log)
        starts.append(time.time() - t0)
        try:
            new = check(server.port, objs, acked)
        except Exception:
            server.stop(sig=signal.SIGKILL, timeout=10)
            raise
        verified += sum(a - l for a, l in zip(acked, lengths))
        for w, n in zip(writers, new):
            assert n <= w.next, "log %d: %d entries, but only %d were sent" % (w.index, n, w.next)
        unanswered_kept += sum(n - a for n, a in zip(new, acked))  # committed, killed before the answer
        lengths = new
        if CYCLES > 10 and (cycle + 1) % 10 == 0:
            print("cycle %d: %d acknowledged writes verified so far" % (cycle + 1, verified), flush=True)
    with serving(server):
        pass
    print("%d kill -9 cycles, %d writers: %d acknowledged writes all found (and %d committed "
          "but killed before the answer); restart %.2f s mean, %.2f s max"
          % (CYCLES, WRITERS, verified, unanswered_kept,
             sum(starts) / len(starts), max(starts)))
    print("e2e crash under load: all checks passed")


if __name__ == "__main__":
    main()
