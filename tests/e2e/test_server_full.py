#!/usr/bin/env python3
"""End to end: a server that runs out of file descriptors refuses, as LambdaMOO does.

The server runs with a soft and hard limit of 128 file descriptors and no
per-address limit; 300 connections arrive. It must keep descriptors for its
store and listeners, and refuse the connections past its limit with
LambdaMOO's server_full_msg ("*** Sorry, but the server cannot accept any
more connections right now.") and a "SERVER FULL" log line, rather than fail
to accept again and again (CAF's listener then spins: the old server burned
70% of a core while full). A player already connected is answered meanwhile,
and once the crowd goes a newcomer gets the welcome.
Usage: test_server_full.py ECHO_REPL WORK_DIR
"""
import os
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, new_world_server, serving  # noqa: E402

FDS = 128
CROWD = 300
CPU_LIMIT = 0.25  # of one core, while full


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    repl, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    wrapper = os.path.join(os.path.dirname(work.rstrip("/")), "server-full-repl.sh")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec prlimit --nofile=%d:%d "%s" "$@"\n' % (FDS, FDS, os.path.abspath(repl)))
    os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
    server = new_world_server(wrapper, work, "full")
    with serving(server):
        wiz = Client(server.port, "wizard")
        wiz.expect(r"connect wizard wizard")
        wiz.command("connect wizard wizard", r"\*\*\* Connected \*\*\*")
        wiz.drain()
        wiz.command(";;$server_options.max_connections_per_ip = 0; load_server_options(); return 1;", r"^=> 1$")
        crowd, refused = [], 0
        for _ in range(CROWD):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            crowd.append(s)
        time.sleep(1)
        for s in crowd:
            s.settimeout(0.2)
            try:
                if b"cannot accept any more connections right now" in s.recv(4096):
                    refused += 1
            except OSError:
                pass
        t0 = cpu_seconds(server.proc.pid)
        time.sleep(2)
        used = (cpu_seconds(server.proc.pid) - t0) / 2
        t1 = time.time()
        wiz.command(";1 + 1", r"^=> 2$", 10)
        print("%d of %d refused as the server is full; the server used %.0f%% of a core meanwhile; "
              "a connected player answered in %.1f ms" % (refused, CROWD, 100 * used, 1000 * (time.time() - t1)))
        assert refused > 0, "nobody was refused: the limit did not apply"
        assert refused < CROWD, "everybody was refused"
        assert used < CPU_LIMIT, "the server used %.0f%% of a core while full" % (100 * used)
        for s in crowd:
            s.close()
        time.sleep(1)
        late = Client(server.port, "late")
        late.expect(r"connect wizard wizard", 10)
        late.close()
        wiz.close()
    with open(os.path.join(work, "server.log")) as f:
        assert "SERVER FULL" in f.read(), "no SERVER FULL line in the log"
    print("e2e server full: all checks passed")


if __name__ == "__main__":
    main()
