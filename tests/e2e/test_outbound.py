#!/usr/bin/env python3
"""End to end: open_network_connection() (LambdaMOO's server.c and
net_bsd_tcp.c), on a server started with --outbound, against a small TCP
server in this script: the connection object, its name, notify() and read()
on it, boot_player() closing it, and the errors (E_PERM for a programmer,
E_TYPE, E_INVARG for a refused port or an unknown host). Without --outbound
(the default) even a wizard gets E_PERM: e2e-server-semantics checks that.

Usage: test_outbound.py ECHO_REPL WORK_DIR
"""
import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import login, new_world_server, serving  # noqa: E402


def ev(c, code, timeout=15):
    m = c.command(";;" + code, r"^(=> |Error: )(.*)$", timeout)
    return m.group(2) if m.group(1) == "=> " else "Error: " + m.group(2)


class Remote:
    """Accepts one connection; answers "250 <what it read>" to each line, and
    notes when the connection closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.lines = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.sock.accept()
        conn.settimeout(30)
        buf = b""
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    line = line.rstrip(b"\r").decode()
                    self.lines.append(line)
                    conn.sendall(("250 " + line + "\r\n").encode())
        finally:
            conn.close()
            self.closed.set()


def main():
    repl, work = sys.argv[1], sys.argv[2]
    with serving(new_world_server(repl, work, "outbound", ["--outbound"])) as server:
        wiz = login(server.port, "wizard", "connect wizard wizard")
        prog = login(server.port, "alice", "create Alice secret")
        alice = ev(wiz, 'return $util:find_player("Alice");')
        assert ev(wiz, "%s.programmer = 1;" % alice) == "0"
        remote = Remote()
        assert ev(prog, 'return `open_network_connection("127.0.0.1", %d) ! ANY\';' % remote.port) == "E_PERM"
        assert ev(wiz, 'return `open_network_connection(1, 2) ! ANY\';') == "E_TYPE"
        assert ev(wiz, 'return `open_network_connection("127.0.0.1", 0) ! ANY\';') == "E_INVARG"
        # A port nobody listens on, and a host that does not exist: the caller's mistakes.
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
        closed.close()
        assert ev(wiz, 'return `open_network_connection("127.0.0.1", %d) ! ANY\';' % dead) == "E_INVARG"
        assert ev(wiz, 'return `open_network_connection("no-such-host.invalid", 25) ! ANY\';') == "E_INVARG"

        got = ev(wiz, 'c = open_network_connection("127.0.0.1", %d); notify(c, "HELO echo"); '
                      'return {c, connection_name(c), read(c), c in connected_players(1)};' % remote.port)
        m = re.match(r'\{(#-\d+), "port (\d+) to 127\.0\.0\.1, port %d", "250 HELO echo", (\d+)\}$' % remote.port, got)
        assert m, got
        conn = m.group(1)
        assert m.group(3) != "0", got  # listed among the unlogged-in connections
        assert remote.lines == ["HELO echo"], remote.lines
        assert ev(wiz, "boot_player(%s);" % conn) == "0"
        assert remote.closed.wait(10), "boot_player() left the outbound connection open"
        assert ev(wiz, "return %s in connected_players(1);" % conn) == "0"
        wiz.close()
        prog.close()
    print("e2e outbound: all checks passed")


if __name__ == "__main__":
    main()
