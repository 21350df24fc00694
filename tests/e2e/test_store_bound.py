#!/usr/bin/env python3
"""End to end: suspend() loops do not grow the store without bound.

Two background tasks run for RUN_SECONDS on a real server:
  - `while (1) n = n + 1; suspend(0); endwhile` holding a 1 MB string, which
    changes nothing but itself (its record need not be written each time);
  - the same with a 256 KB string that also sets a property each time, so
    every segment must be written (the write-ahead log has to be reclaimed).
The store's disk use, sampled meanwhile, must stay under GROWTH_LIMIT above
its size at the start (the old server wrote the whole task at every
suspend() and never reclaimed the log: over 1 GB in these 10 s). Then the
server is killed (SIGKILL): it must start again within START_LIMIT seconds
(no gigabytes of log to replay), with both tasks still running.
Usage: test_store_bound.py ECHO_REPL WORK_DIR
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, ServerProcess, new_world_server, serving  # noqa: E402

RUN_SECONDS = 10
GROWTH_LIMIT = 256 << 20
START_LIMIT = 5.0  # seconds; about 0.2 here, with slack for a loaded CI machine

LOOP = ('fork (0) big = "0123456789abcdef"; for i in [1..%d] big = big + big; endfor '
        'n = 0; while (1) n = n + 1; %s suspend(0); endwhile endfork')


def disk_use(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
            except FileNotFoundError:  # RocksDB deleted it meanwhile
                pass
    return total


def wizard(port):
    c = Client(port, "wizard")
    c.command("connect wizard wizard", r"\*\*\* Connected \*\*\*")
    c.drain()
    return c


def ev(c, code):
    m = c.command(";;" + code, r"^(=> |Error: )(.*)$")
    assert m.group(1) == "=> ", m.group(0)
    return m.group(2)


def main():
    repl, work = sys.argv[1], sys.argv[2]
    server = new_world_server(repl, work, "bound")
    store = os.path.join(work, "bound.db")
    try:
        c = wizard(server.port)
        ev(c, 'add_property(#0, "bound_count", 0, {player, "rw"});')
        ev(c, LOOP % (16, ""))  # 16 bytes doubled 16 times: 1 MB
        ev(c, LOOP % (14, "#0.bound_count = #0.bound_count + 1;"))  # 256 KB
        start = disk_use(store)
        high, t0 = start, time.time()
        while time.time() - t0 < RUN_SECONDS:
            time.sleep(0.25)
            high = max(high, disk_use(store))
        count = int(ev(c, "return #0.bound_count;"))
        print("store: %.1f MB at the start, high-water %.1f MB over %d s; %d property writes"
              % (start / 1e6, high / 1e6, RUN_SECONDS, count))
        assert count > 100, "the writing loop hardly ran (%d writes): nothing was measured" % count
        assert high - start < GROWTH_LIMIT, "the store grew by %.1f MB (limit %.1f MB)" % (
            (high - start) / 1e6, GROWTH_LIMIT / 1e6)
        c.close()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        server.log.close()
    except Exception:
        print("server exit status: %r" % server.proc.poll(), file=sys.stderr)
        server.stop(sig=signal.SIGKILL, timeout=10)
        raise

    t1 = time.time()
    server = ServerProcess(repl, store, os.path.join(work, "server.log"))
    took = time.time() - t1
    print("restart after SIGKILL: %.2f s, store %.1f MB" % (took, disk_use(store) / 1e6))
    assert took < START_LIMIT, "the restart took %.1f s" % took
    with serving(server):
        c = wizard(server.port)
        assert ev(c, "return length(queued_tasks());") == "2"
        before = int(ev(c, "return #0.bound_count;"))
        deadline = time.time() + 10
        while int(ev(c, "return #0.bound_count;")) <= before:
            assert time.time() < deadline, "the restored writing loop does not run"
            time.sleep(0.1)
        c.close()
    print("e2e store bound: all checks passed")


if __name__ == "__main__":
    main()
