#!/usr/bin/env python3
"""End to end: a connection flood from one address does not starve the others.

On a fresh default world an honest wizard, connected from 127.0.0.2, evaluates
`;N` every 20 ms while 127.0.0.1 floods the server: 300 connections held open
(past $server_options.max_connections_per_ip, default 20, each is told "***
Sorry, but the server cannot accept any more connections from your address
right now." and closed), then 1,500 that send 1 KB of random bytes and close,
then 1,500 bare connect/close. The honest client's round trips stay short
(the sessions no longer wait for the world lock on CAF's one network thread,
and the flood cannot queue more than 20 connections' work), and a newcomer
from 127.0.0.2 gets its welcome at once after the floods. The old server
accepted them all and left the newcomer waiting seconds.
Usage: test_connection_flood.py ECHO_REPL WORK_DIR
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flood import Latency, flood, percentile  # noqa: E402
from moo_client import Client, new_world_server, serving  # noqa: E402

PER_IP = 20
P99_MS = 250      # the old server: 200-400 ms on LambdaCore
WELCOME_S = 1.0   # the old server: seconds


class OtherAddressClient(Client):
    """A client from 127.0.0.2: not the flooding address."""

    def __init__(self, port, name):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=("127.0.0.2", 0))
        self.buf = b""
        self.lines = []


def run(port):
    wiz = OtherAddressClient(port, "honest")
    wiz.expect(r"connect wizard wizard")
    wiz.command("connect wizard wizard", r"\*\*\* (Connected|Created) \*\*\*")
    wiz.drain()
    lat = Latency(wiz, period=0.02)
    time.sleep(1)
    baseline = list(lat.samples)
    held = flood(port, "hold", 300)
    rand = flood(port, "random", 1500)
    bare = flood(port, "bare", 1500)
    t_end = time.time()
    newcomer = OtherAddressClient(port, "newcomer")
    newcomer.expect(r"connect wizard wizard", timeout=60)
    welcome = time.time() - t_end
    newcomer.close()
    time.sleep(1)
    samples, lost = lat.stop()
    during = samples[len(baseline):]
    p50, p99 = percentile(during, 50) * 1e3, percentile(during, 99) * 1e3
    print("held: %r" % held)
    print("random: %r" % rand)
    print("bare: %r" % bare)
    print("honest client: baseline p50 %.1f ms; during the floods p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d, %d lost)"
          % (percentile(baseline, 50) * 1e3, p50, p99, max(during) * 1e3, len(during), lost))
    print("newcomer's welcome %.2f s after the floods" % welcome)

    # The per-address limit: 20 open (one of them may still be going from
    # an earlier flood), the rest told why and closed.
    assert held["kept"] <= PER_IP, "only %d may stay open from one address: %d did" % (PER_IP, held["kept"])
    assert held["closed"] >= 300 - PER_IP
    refusal = ("*** Sorry, but the server cannot accept any more connections from your address right now.\r\n"
               "*** Please try again later.")
    assert held["refusals"] == [refusal], "the refused are told why: %r" % held["refusals"][:3]
    assert lost == 0 and len(during) >= 20, "the honest client was not answered: %d lost" % lost
    assert p99 < P99_MS, "the honest client waited: p99 %.0f ms" % p99
    assert welcome < WELCOME_S, "a new client waited %.1f s for its welcome" % welcome
    m = wiz.command(";$server_options.max_connections_per_ip", r"^(=>|Error:) (.*)$")
    assert m.group(2) == str(PER_IP), "the default world lists the default: %s" % m.group(2)
    wiz.close()


def main():
    with serving(new_world_server(sys.argv[1], sys.argv[2], "connection-flood")) as server:
        run(server.port)
    print("e2e connection flood: all checks passed")


if __name__ == "__main__":
    main()
