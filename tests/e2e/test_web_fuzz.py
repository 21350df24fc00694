#!/usr/bin/env python3
"""Fuzzed HTTP and WebSocket input on a real server: nothing crashes it.

Starts `echo-repl serve` with --http-port on the default world, logs in, then
sends mutated requests (bit flips, cuts, insertions, bad lengths, huge
headers, hostile JSON) and, on logged-in WebSockets, mutated frames (random
opcodes, lengths past the data, unmasked and fragmented frames, oversized
control frames, random JSON). After each batch the server must still answer
GET /api/health, and at the end a login, a call and a WebSocket command must
still work. ECHO_WEB_FUZZ_CASES sets the number of cases (default 1500).
Usage: test_web_fuzz.py ECHO_REPL WORK_DIR
"""
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_client import Api, WebServer, WebSocket  # noqa: E402

SEED = 20261207


def mutate(rnd, data):
    data = bytearray(data)
    for _ in range(rnd.randint(1, 6)):
        op = rnd.randrange(6)
        if not data:
            data += bytes([rnd.randrange(256)])
        at = rnd.randrange(len(data))
        if op == 0:
            data[at] ^= 1 << rnd.randrange(8)
        elif op == 1:
            data[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
        elif op == 2:
            del data[at:at + rnd.randint(1, 16)]
        elif op == 3:
            data = data[:at]
        elif op == 4:
            data[at:at] = rnd.choice([b"\r\n", b"\r\n\r\n", b"\x00", b"%", b"{", b"\"", b"\\u", b"9" * 40])
        else:
            data[at:at] = data[at:at + rnd.randint(1, 64)] * rnd.randint(2, 50)
    return bytes(data)


def hostile_json(rnd):
    return rnd.choice([
        "[" * 5000, "{\"a\":" * 300, "\"\\ud800\"", "1e999999", "-", "{\"verb\": \"x\", \"args\": [" + "[" * 200 + "]",
        "{\"verb\": \"" + "x" * 70000 + "\"}", "{\"args\": {\"map\": [[[1], 2]]}, \"verb\": \"a\"}",
        "{\"args\": [{\"obj\": \"#99999999999999999999\"}], \"verb\": \"look\"}", "\xff\xfe", "{\"verb\": null}",
        json.dumps({"verb": "look", "args": [{"error": "E_NOPE"}]}), json.dumps({"code": "while (1) endwhile"}),
        json.dumps({"name": "wizard", "password": "\x00" * 10}),
    ])


def requests(token):
    auth = "Authorization: Bearer %s\r\n" % token

    def req(method, path, body=b"", extra=""):
        return (("%s %s HTTP/1.1\r\nHost: x\r\n%s%sContent-Length: %d\r\n\r\n" % (method, path, auth, extra, len(body)))
                .encode() + body)
    return [
        req("GET", "/api/objects/%230"),
        req("GET", "/api/objects/$room"),
        req("POST", "/api/objects/%230/methods", b'{"verb": "look", "args": [1, 2.5, {"obj": 1}]}'),
        req("POST", "/api/eval", b'{"code": "return 1 + 1;"}'),
        req("PUT", "/api/objects/%231/properties/x", b'{"value": {"map": [[1, 2]]}}'),
        req("POST", "/api/login", b'{"name": "wizard", "password": "nope"}'),
        req("GET", "/api/events?since=0&limit=5&type=login"),
        req("GET", "/metrics"),
        req("POST", "/api/events", b'{"target": "#1", "name": "poke", "data": [1]}'),
        req("POST", "/api/objects/%231/methods", b"", "Transfer-Encoding: chunked\r\n"),
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/health HTTP/1.1\r\n" + b"X-Long: " + b"y" * 20000 + b"\r\n\r\n",
    ]


def send_http(port, data, rnd):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(data)
        if rnd.random() < 0.5:
            s.shutdown(socket.SHUT_WR)
        s.settimeout(0.05 if rnd.random() < 0.9 else 0.01)
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
    except OSError:
        pass
    finally:
        s.close()


def ws_frame(rnd, payload, opcode=1, masked=True, fin=True, lie=False):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    m = 0x80 if masked else 0
    shown = n + rnd.randint(1, 1 << 20) if lie else n
    if shown < 126:
        head += bytes([m | shown])
    elif shown < 65536:
        head += bytes([m | 126]) + struct.pack("!H", shown)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", shown)
    if not masked:
        return head + payload
    mask = bytes(rnd.randrange(256) for _ in range(4))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def fuzz_ws(port, token, rnd):
    try:
        ws = WebSocket(port)
    except (OSError, ConnectionError):
        return
    try:
        if rnd.random() < 0.8:
            ws.send({"type": "auth", "token": token})
        valid = [{"type": "command", "command": "look"}, {"type": "ping"},
                 {"type": "event", "name": "poke", "target": "#1", "data": {"x": [1]}},
                 {"type": "subscribe", "target": "#2"}, {"type": "command", "command": ";1 + 1"}]
        for _ in range(rnd.randint(1, 8)):
            kind = rnd.randrange(7)
            body = json.dumps(rnd.choice(valid)).encode()
            if kind == 0:
                data = ws_frame(rnd, mutate(rnd, body))
            elif kind == 1:
                data = ws_frame(rnd, body, opcode=rnd.randrange(16))
            elif kind == 2:
                data = ws_frame(rnd, body, masked=False)
            elif kind == 3:
                data = ws_frame(rnd, body[:5], fin=False) + ws_frame(rnd, body[5:], opcode=0)
            elif kind == 4:
                data = ws_frame(rnd, b"p" * 200, opcode=9)
            elif kind == 5:
                data = ws_frame(rnd, body, lie=True)[:rnd.randint(2, 40)]
            else:
                data = ws_frame(rnd, hostile_json(rnd).encode("utf-8", "surrogateescape"))
            ws.sock.sendall(data)
        ws.sock.settimeout(0.05)
        try:
            while ws.sock.recv(65536):
                pass
        except OSError:
            pass
    except OSError:
        pass
    finally:
        ws.sock.close()


def healthy(port):
    st, doc = Api(port).call("GET", "/api/health")
    return st == 200 and doc["status"] == "ok"


def main():
    repl, work = sys.argv[1], sys.argv[2]
    cases = int(os.environ.get("ECHO_WEB_FUZZ_CASES", "1500"))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "w.db")
    subprocess.run([repl, "new-world", store], check=True, stdout=subprocess.DEVNULL)
    server = WebServer(repl, store, os.path.join(work, "server.log"))
    rnd = random.Random(SEED)
    t0 = time.time()
    try:
        api = Api(server.http_port)
        token = api.login("wizard", "wizard")["token"]
        base = requests(token)
        for i in range(cases):
            if i % 5 == 4:
                fuzz_ws(server.http_port, token, rnd)
            else:
                r = rnd.random()
                data = rnd.choice(base)
                if r < 0.7:
                    data = mutate(rnd, data)
                elif r < 0.85:
                    body = hostile_json(rnd).encode("utf-8", "surrogateescape")
                    data = (b"POST /api/objects/%230/methods HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                            + token.encode() + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                else:
                    data = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4000)))
                send_http(server.http_port, data, rnd)
            if i % 100 == 99:
                assert server.proc.poll() is None, "the server died at case %d" % i
                assert healthy(server.http_port), "no health at case %d" % i
        # Still whole: a call, and a WebSocket command.
        st, doc = api.call("POST", "/api/eval", {"code": "return 6 * 7;"})
        assert st == 200 and doc["result"] == 42, (st, doc)
        ws = WebSocket(server.http_port)
        ws.send({"type": "auth", "token": token})
        ws.expect(lambda f: f["type"] == "welcome")
        ws.command("look", r"First Room")
        ws.close()
        assert server.stop() == 0, "server exit status"
    except Exception:
        server.stop(timeout=10)
        raise
    print("e2e web fuzz: %d cases in %.1f s, the server answered throughout" % (cases, time.time() - t0))


if __name__ == "__main__":
    main()
