"""A line-oriented telnet client and server launcher for Echo's end-to-end tests."""
import contextlib
import os
import re
import shutil
import select
import signal
import socket
import subprocess
import sys
import time


class ServerProcess:
    """Runs `echo-repl serve STORE --telnet-port 0` and learns its port."""

    def __init__(self, repl, store, log_path, extra=()):
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen([repl, "serve", store, "--telnet-port", "0", *extra],
                                     stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 60
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            m = re.search(rb"port (\d+)", line)
            if m:
                self.port = int(m.group(1))
                return
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("server did not start: %r (see %s)" % (line, log_path))

    def stop(self, sig=signal.SIGTERM, timeout=60):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc


class Client:
    def __init__(self, port, name="client"):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.lines = []  # every line received, for failure messages

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def _read_some(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return False
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("%s: connection closed; got %r" % (self.name, self.lines[-20:]))
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.lines.append(line.rstrip(b"\r").decode("latin-1"))
        return True

    def expect(self, pattern, timeout=15):
        """Reads until a line matches `pattern` (a regex); returns the match."""
        rx = re.compile(pattern)
        start = seen = 0  # lines already received but not yet expected count too
        deadline = time.time() + timeout
        while True:
            for i in range(seen, len(self.lines)):
                m = rx.search(self.lines[i])
                if m:
                    self.consumed = self.lines[start:i + 1]
                    del self.lines[:i + 1]
                    return m
            seen = len(self.lines)
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("%s: no line matching %r in %s seconds; got:\n  %s"
                                     % (self.name, pattern, timeout, "\n  ".join(self.lines[-30:])))
            self._read_some(left)

    def drain(self, quiet=0.3):
        """Reads until nothing arrives for `quiet` seconds; returns the lines."""
        while self._read_some(quiet):
            pass
        out, self.lines = self.lines, []
        return out

    def command(self, line, pattern, timeout=15):
        self.send(line)
        return self.expect(pattern, timeout)

    def close(self):
        self.sock.close()


def login(port, name, line, expect=r"\*\*\* (Connected|Created) \*\*\*"):
    """A client that waited for the default world's welcome, sent the login
    `line` and its answer, and drained what followed."""
    c = Client(port, name)
    c.expect(r"connect wizard wizard")
    c.command(line, expect)
    c.drain()
    return c


def rss_mb(pid):
    """The resident memory of process `pid`, in MB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS for %d" % pid)


def new_world_server(repl, work, name, extra=()):
    """A server on a fresh default world in WORK (emptied first); `extra`:
    more `serve` options."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, name + ".db")
    subprocess.run([repl, "new-world", store], check=True, stdout=subprocess.DEVNULL)
    return ServerProcess(repl, store, os.path.join(work, "server.log"), extra)


def expect_all(c, patterns, timeout=15):
    """One line matching each pattern, in any order (tasks that may run at once)."""
    left = list(patterns)
    while left:
        m = c.expect("|".join("(?:%s)" % p for p in left), timeout)
        left = [p for p in left if not re.search(p, m.group(0))]


@contextlib.contextmanager
def serving(server):
    """Stops the server at the end (it must exit 0); on a failure, says how it
    exited and stops it anyway."""
    try:
        yield server
        assert server.stop() == 0
    except Exception:
        print("server exit status: %r" % server.proc.poll(), file=sys.stderr)
        server.stop(timeout=10)
        raise
