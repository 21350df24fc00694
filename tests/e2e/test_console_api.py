#!/usr/bin/env python3
"""End to end: the operator console's endpoints (/api/monitor...) and its
socket (/ws/console), on a fresh default world.

A wizard and a plain player (Norma, made through the API's create) log in.
Every console endpoint answers 401 without a token and 403 to Norma, whose
console socket is closed with 4403. The wizard sees the actors (object
actors, the monitor, a telnet session) with rates and percentiles, filtered
and limited; the tasks, a suspended fork and a telnet command waiting in
read(), each with its state, owner, verb, line and stack; who is connected
from where; the last seconds' samples, with the telnet commands' latency.
Killing the suspended task through the console kills it (it leaves the list;
killing it again is a 404); killing the reading one frees its connection. A
snapshot taken appears in the list. The socket sends a frame a second,
follows `watch` filters, and closes when its session ends.
Usage: test_console_api.py ECHO_REPL WORK_DIR
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client  # noqa: E402
from web_client import Api, WebServer, WebSocket, WebSocketClosed  # noqa: E402

checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


def wait_for(fn, what, timeout=10):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError("%s; last seen: %r" % (what, last))


def closed_with(ws, timeout=10):
    try:
        while True:
            ws.recv(timeout)
    except WebSocketClosed as e:
        return e.code
    except TimeoutError:
        return None


ENDPOINTS = [("GET", "/api/monitor"), ("GET", "/api/monitor/series"), ("GET", "/api/monitor/snapshots"),
             ("POST", "/api/monitor/snapshots"), ("POST", "/api/monitor/tasks/1/kill")]


def refusals(port, norma):
    anon = Api(port)
    for method, path in ENDPOINTS:
        st, doc = anon.call(method, path)
        check(st == 401, "%s %s without a token: %d %r" % (method, path, st, doc))
        st, doc = norma.call(method, path)
        check(st == 403 and doc["error"] == "E_PERM", "%s %s as a plain player: %d %r" % (method, path, st, doc))
    ws = WebSocket(port, path="/ws/console")
    ws.send({"type": "auth", "token": norma.token})
    frame = ws.recv()
    check(frame["type"] == "error" and frame["error"] == "E_PERM", "Norma's console socket: %r" % frame)
    check(closed_with(ws) == 4403, "Norma's console socket closes with 4403: %r" % (ws.closed,))
    ws = WebSocket(port, path="/ws/console")
    ws.send({"type": "auth", "token": "0" * 64})
    check(closed_with(ws) == 4401, "a bad token's console socket closes with 4401: %r" % (ws.closed,))


def main():
    repl, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "w.db")
    subprocess.run([repl, "new-world", store], check=True, stdout=subprocess.DEVNULL)
    server = WebServer(repl, store, os.path.join(work, "server.log"))
    try:
        port = server.http_port
        wiz = Api(port)
        wiz.login("wizard", "wizard")
        norma = Api(port)
        st, doc = norma.call("POST", "/api/login", {"name": "Norma", "password": "secret", "create": True})
        check(st == 200, "Norma is created: %d %r" % (st, doc))
        norma.token = doc["token"]
        refusals(port, norma)

        # A telnet wizard types commands (their latency is sampled), then
        # one that waits in read().
        tel = Client(server.port, "wizard")
        tel.expect(r"connect")
        tel.send("connect wizard wizard")
        tel.expect(r"\*\*\* Connected \*\*\*")
        # Sampled from the monitor's second tick on: the commands come after it.
        wait_for(lambda: wiz.call("GET", "/api/monitor/series")[1]["samples"], "a first sample")
        for i in range(5):
            tel.send("look")
        tel.send(";;player:tell(\"before read\"); return read();")
        tel.expect(r"before read")
        # Norma plays in the browser: a web session.
        play = WebSocket(port, protocols=["echo", "token." + norma.token])
        play.expect(lambda f: f.get("type") == "welcome", what="Norma's welcome")
        play.send({"type": "command", "command": "look"})
        play.expect(r"First Room")
        # A suspended fork, as the wizard.
        st, doc = wiz.call("POST", "/api/eval", {"code": "fork t (0) suspend(); endfork return t;"})
        check(st == 200 and isinstance(doc["result"], int), "the fork starts: %d %r" % (st, doc))
        fork = doc["result"]

        def monitor(query=""):
            st, doc = wiz.call("GET", "/api/monitor" + query)
            check(st == 200, "GET /api/monitor%s: %d %r" % (query, st, doc))
            return doc

        def tasks_by_state():  # once the fork has run into its suspend() (until then it waits to start)
            states = {t["state"]: t for t in monitor()["tasks"]}
            return states if "reading" in states and states.get("suspended", {}).get("wakes") == -1 else None

        states = wait_for(tasks_by_state, "the suspended and the reading task are listed")
        sus, rd = states.get("suspended"), states.get("reading")
        check(sus and sus["id"] == fork and sus["owner"] == {"obj": 3} and sus["wakes"] == -1 and
              sus["verb"] == "#-1:eval" and sus["line"] == 1 and sus["stack"][0]["verb"] == "#-1:eval",
              "the suspended fork: %r" % states)
        check(rd and rd["owner"] == {"obj": 3} and rd["line"] >= 1 and len(rd["stack"]) >= 1,
              "the reading command: %r" % states)

        def every_kind():  # in the next sample
            d = monitor()
            names = [a["name"] for a in d["actors"]]
            return d if ({"object", "monitor", "session", "sessions", "listener"} <= {a["kind"] for a in d["actors"]}
                         and any(n.startswith("web session ") for n in names)
                         and any(n.startswith("listener port ") for n in names)) else None
        doc = wait_for(every_kind, "object actors, the monitor, the inbox, a telnet and a web session, a listener")
        for a in doc["actors"]:
            check(all(k in a for k in ("name", "mailbox", "handled", "rate", "busy", "p50", "p99")), "actor row: %r" % a)
            check(a["p99"] >= a["p50"] >= 0, "percentiles in order: %r" % a)
        busy = [a["busy"] for a in doc["actors"]]
        check(busy == sorted(busy, reverse=True), "heaviest first: %r" % busy)
        mon = [a for a in doc["actors"] if a["name"] == "monitor"]
        check(mon and mon[0]["handled"] >= 1 and mon[0]["p50"] > 0, "the monitor actor: %r" % mon)
        conns = doc["connections"]
        check(any(c["player"] == {"obj": 3} and c["name"] == "Wizard" and "127.0.0.1" in c["connection"] and
                  not c["web"] for c in conns), "the telnet wizard is connected from 127.0.0.1: %r" % conns)
        only = monitor("?filter=SESSION")
        check(only["actors"] and all("session" in (a["name"] + a["kind"]).lower() for a in only["actors"]),
              "the filter: %r" % only["actors"])
        one = monitor("?limit=1")
        check(len(one["actors"]) == 1 and one["actors_matched"] >= 3, "limit=1: %r" % one["actors"])
        for q in ("?limit=0", "?limit=x", "?limit=1001"):
            st, _ = wiz.call("GET", "/api/monitor" + q)
            check(st == 400, "GET /api/monitor%s: %d" % (q, st))

        def latency_seen():
            st, doc = wiz.call("GET", "/api/monitor/series")
            check(st == 200 and doc["interval"] == 1, "series: %d %r" % (st, doc))
            s = doc["samples"]
            return s if any(x["commands"] > 0 and x["command_p99"] >= x["command_p50"] > 0 for x in s) else None
        samples = wait_for(latency_seen, "a sample with the telnet commands' latency")
        check(len(samples) <= 300 and all(b["time"] > a["time"] for a, b in zip(samples, samples[1:])),
              "samples in order, 300 at most")
        check(any(x["commits"] > 0 for x in samples) and samples[-1]["resident_objects"] > 0 and
              samples[-1]["connections"] >= 1 and samples[-1]["tasks"] >= 2, "sample figures: %r" % samples[-1])

        # Killing through the console.
        st, doc = wiz.call("POST", "/api/monitor/tasks/%d/kill" % fork)
        check(st == 200 and doc == {"result": 0}, "kill: %d %r" % (st, doc))
        check(all(t["id"] != fork for t in monitor()["tasks"]), "the killed task is gone")
        st, doc = wiz.call("POST", "/api/monitor/tasks/%d/kill" % fork)
        check(st == 404, "killing it again: %d %r" % (st, doc))
        st, _ = wiz.call("POST", "/api/monitor/tasks/abc/kill")
        check(st == 400, "a task id that is not a number: %d" % st)
        st, doc = wiz.call("POST", "/api/monitor/tasks/%d/kill" % rd["id"])
        check(st == 200, "killing the reader: %d %r" % (st, doc))
        tel.send("look")  # the connection takes commands again
        tel.expect(r"The First Room|First Room|You see|Obvious", 10)

        # Snapshots.
        st, doc = wiz.call("GET", "/api/monitor/snapshots")
        check(st == 200, "snapshots: %d %r" % (st, doc))
        before = len(doc["snapshots"])
        st, doc = wiz.call("POST", "/api/monitor/snapshots")
        check(st == 202 and doc == {"requested": True}, "take a snapshot: %d %r" % (st, doc))
        snaps = wait_for(lambda: (lambda d: d if len(d) > before else None)(
            wiz.call("GET", "/api/monitor/snapshots")[1]["snapshots"]), "the new snapshot is listed")
        newest = snaps[-1]
        check(newest["name"].startswith("snap.") and os.path.isdir(newest["path"]) and newest["bytes"] > 0 and
              abs(newest["time"] - time.time()) < 60, "the snapshot: %r" % newest)

        # The socket: a frame a second, following watch.
        ws = WebSocket(port, path="/ws/console")
        ws.send({"type": "auth", "token": wiz.token})
        f1 = ws.expect(lambda f: f.get("type") == "monitor", what="a monitor frame")
        check(f1["actors"] and "tasks" in f1 and "connections" in f1 and f1["sample"]["time"] > 0, "frame: %r" % f1)
        ws.send({"type": "watch", "filter": "object #", "limit": 2})
        f2 = ws.expect(lambda f: f.get("type") == "monitor" and len(f["actors"]) <= 2 and
                       all(a["kind"] == "object" for a in f["actors"]), what="a filtered frame")
        t0 = time.time()
        f3 = ws.expect(lambda f: f.get("type") == "monitor" and f["time"] > f2["time"] + 0.5, what="the next frame")
        check(time.time() - t0 < 3 and len(f3["actors"]) <= 2, "a frame a second, still filtered")
        ws.send({"type": "watch", "limit": 0})
        ws.expect(lambda f: f.get("type") == "error" and f["error"] == "bad_request", what="a bad watch refused")
        ws.close()
        # A console ends with its session.
        other = Api(port)
        other.login("wizard", "wizard")
        ws = WebSocket(port, path="/ws/console", protocols=["echo", "token." + other.token])
        ws.expect(lambda f: f.get("type") == "monitor", what="a frame for the token in the protocol list")
        st, _ = other.call("POST", "/api/logout")
        check(st == 200, "logout: %d" % st)
        check(closed_with(ws, 5) == 4401, "the console closes at logout with 4401: %r" % (ws.closed,))

        # Described, and the page is served with its policy.
        st, doc = Api(port).call("GET", "/api/openapi.json")
        check("/api/monitor/tasks/{id}/kill" in doc["paths"] and "post" in doc["paths"]["/api/monitor/snapshots"],
              "openapi lists the console")
        st, body, r = Api(port).raw("GET", "/console")
        check(st == 200 and b"Wizards only" in body and "default-src 'self'" in r.getheader("Content-Security-Policy"),
              "the console page: %d" % st)
        tel.close()
        play.close()
        check(server.stop() == 0, "server exit status")
    except Exception:
        server.stop(timeout=10)
        raise
    print("e2e console API: %d checks passed" % checks)


if __name__ == "__main__":
    main()
