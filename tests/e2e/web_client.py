"""Clients for Echo's web layer, in plain Python (no packages to install):
JSON over HTTP with http.client, and a small RFC 6455 WebSocket client.

WebServer starts `echo-repl serve STORE --telnet-port 0 --http-port 0` and
learns both ports from what it prints.
"""
import base64
import http.client
import json
import os
import re
import select
import signal
import socket
import ssl
import struct
import subprocess
import time


class WebServer:
    def __init__(self, repl, store, log_path, extra=()):
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen([repl, "serve", store, "--telnet-port", "0", "--http-port", "0", *extra],
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.port = self.http_port = self.rpc_port = None
        self.tls = False
        rpc = "--rpc-port" in extra  # then its line comes last, and is waited for
        deadline = time.time() + 60
        while time.time() < deadline and (self.port is None or self.http_port is None or
                                          (rpc and self.rpc_port is None)):
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            m = re.search(rb"telnet on \S+ port (\d+)", line)
            if m:
                self.port = int(m.group(1))
            m = re.search(rb"serving RPC on \S+ port (\d+)", line)
            if m:
                self.rpc_port = int(m.group(1))
            m = re.search(rb"serving HTTP on (https?)://[^:]+:(\d+)", line)
            if m:
                self.http_port = int(m.group(2))
                self.tls = m.group(1) == b"https"
        if self.port is None or self.http_port is None:
            raise RuntimeError("server did not start (see %s)" % log_path)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc


class Api:
    """JSON requests on one keep-alive connection."""

    def __init__(self, port, token=None, tls=False):
        self.port, self.token, self.tls = port, token, tls
        self.conn = self._connect()

    def _connect(self):
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def raw(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.token and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data, r
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = self._connect()

    def call(self, method, path, body=None, headers=None):
        status, data, r = self.raw(method, path, body, headers)
        ctype = r.getheader("Content-Type", "")
        doc = json.loads(data) if ctype.startswith("application/json") else data.decode()
        return status, doc

    def login(self, name, password):
        status, doc = self.call("POST", "/api/login", {"name": name, "password": password})
        assert status == 200, (status, doc)
        self.token = doc["token"]
        return doc


class WebSocketClosed(Exception):
    def __init__(self, code, reason):
        super().__init__("closed %s %s" % (code, reason))
        self.code, self.reason = code, reason


class WebSocket:
    def __init__(self, port, protocols=None, path="/ws"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (path, port, key))
        if protocols:
            req += "Sec-WebSocket-Protocol: %s\r\n" % ", ".join(protocols)
        self.sock.sendall((req + "\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("handshake refused: %r" % head)
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n")[0]
        if b" 101 " not in status:
            raise ConnectionError("handshake refused: %r" % status)
        self.headers = head.decode(errors="replace")
        self.frames = []  # every frame received, for failure messages
        self.closed = None

    def send_raw(self, payload, opcode=1, fin=True):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode())

    def _need(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no frame in time; got %r" % self.frames[-5:])
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketClosed(1006, "connection dropped")
            self.buf += chunk

    def recv(self, timeout=10):
        """The next text frame as a dict; raises WebSocketClosed at a close frame."""
        deadline = time.time() + timeout
        while True:
            self._need(2, deadline)
            b0, b1 = self.buf[0], self.buf[1]
            n, at = b1 & 0x7F, 2
            if n == 126:
                self._need(4, deadline)
                n, at = struct.unpack("!H", self.buf[2:4])[0], 4
            elif n == 127:
                self._need(10, deadline)
                n, at = struct.unpack("!Q", self.buf[2:10])[0], 10
            self._need(at + n, deadline)
            payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
            opcode = b0 & 0x0F
            if opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self.closed = (code, payload[2:].decode(errors="replace"))
                raise WebSocketClosed(*self.closed)
            if opcode == 9:  # ping: answer
                self.send_raw(payload, opcode=10)
                continue
            if opcode == 1:
                frame = json.loads(payload)
                self.frames.append(frame)
                return frame

    def expect(self, pred, timeout=10, what="a frame"):
        """Frames until one satisfies pred (a regex on output text, or a function)."""
        deadline = time.time() + timeout
        if isinstance(pred, str):
            rx = re.compile(pred)
            test = lambda f: f.get("type") == "output" and rx.search(f.get("text", ""))  # noqa: E731
            what = pred
        else:
            test = pred
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("no %s; last frames: %r" % (what, self.frames[-8:]))
            f = self.recv(left)
            if test(f):
                return f

    def command(self, line, expect=None, timeout=10):
        self.send({"type": "command", "command": line})
        if expect:
            return self.expect(expect, timeout)

    def close(self):
        try:
            self.send_raw(struct.pack("!H", 1000), opcode=8)
        except OSError:
            pass
        self.sock.close()
