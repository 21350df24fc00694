"""Security issue 14 end to end: a value nested far deeper than the C++ stack
could recurse, stored in a property and held by a queued task, survives a
restart of the real server (it used to crash the server at commit)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, ServerProcess, new_world_server, serving  # noqa: E402

# Builds LIST nested N deep, suspending now and then for fresh ticks.
BUILD = 'l = {}; for i in [1..%d] l = {l}; if (i %% 2000 == 0) suspend(0); endif endfor '


def login(port):
    c = Client(port)
    c.send("connect wizard wizard")
    time.sleep(1)
    c.drain()
    return c


def evs(c, code, timeout=60):
    m = c.command(";;" + code, r"^(=> |Error: )(.*)$", timeout)
    return m.group(1) + m.group(2)[:200]


def check(got, want, what):
    assert got == want, "%s: expected %r, got %r" % (what, want, got)


def main():
    repl, work = sys.argv[1], sys.argv[2]
    with serving(new_world_server(repl, work, "deep")) as server:
        c = login(server.port)
        check(evs(c, 'add_property(#0, "deep", 0, {player, "r"}); return 1;'), "=> 1", "add_property")
        check(evs(c, BUILD % 100000 + '#0.deep = l; return value_bytes(l);'), "=> 3200032", "store 100,000 deep")
        check(evs(c, BUILD % 30000 + 'fork (1000) return l; endfork return 1;'), "=> 1", "fork holding 30,000 deep")
        c.close()
    server = ServerProcess(repl, os.path.join(work, "deep.db"), os.path.join(work, "server2.log"))
    with serving(server):
        c = login(server.port)
        check(evs(c, "return value_bytes(#0.deep);"), "=> 3200032", "the property after a restart")
        check(evs(c, "return length(queued_tasks());"), "=> 1", "the forked task after a restart")
        c.close()
    print("e2e deep values: all checks passed")


if __name__ == "__main__":
    main()
