#!/usr/bin/env python3
"""End to end: the HTTP API and the WebSocket gateway on LambdaCore.

Imports ../shared/data/LambdaCore-latest.db, starts `echo-repl serve` with
--http-port, makes a programmer (Mallory) and a plain player (Norma) and a
wizard-owned object with an unreadable property and verbs, then checks every
endpoint and error status as the wizard and as both players, the JSON value
mapping both ways, a WebSocket client and a telnet client talking in one
room, a WebSocket that drops and reconnects missing nothing, boot_player()
ending a web session, room frames (who and what is here) as players come
and go, batched frames, logout, sessions surviving a restart, the login rate
limit, and garbage on the HTTP port.
Usage: test_web_api.py ECHO_REPL DATA_DIR WORK_DIR
"""
import json
import os
import random
import re
import shutil
import socket
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


def expect_status(api, method, path, status, body=None, what=None):
    got, doc = api.call(method, path, body)
    check(got == status, "%s %s: expected %d, got %d %r" % (method, path, status, got, doc))
    return doc


class Telnet:
    def __init__(self, port, name, login):
        self.c = Client(port, name)
        self.c.expect(r"connect")
        self.c.command(login, r"\*\*\* (Connected|Created) \*\*\*")
        self.c.drain()

    def run(self, code, timeout=20):
        m = self.c.command(";;" + code, r"^=> (.*)$", timeout)
        return m.group(1)


def setup(port):
    wiz = Telnet(port, "wizard", "connect wizard")
    mk = ("p = create(%s); p.owner = p; p.name = \"%s\"; set_player_flag(p, 1); p.programmer = %d; "
          "p.password = crypt(\"%s\"); move(p, player.location); `p.ownership_quota = 5 ! ANY'; "
          "`$player_db:insert(p.name, p) ! E_PROPNF, E_INVIND'; return p;")
    ids = {}
    ids["wiz"] = wiz.run("return player;")
    ids["mallory"] = wiz.run(mk % ("$prog", "Mallory", 1, "mal1ce"))
    ids["norma"] = wiz.run(mk % ("$player", "Norma", 0, "n0rma"))
    ids["vault"] = wiz.run(
        "o = create(#1); o.name = \"vault\"; "
        "add_property(o, \"secret\", \"VAULT-SECRET\", {player, \"\"}); "
        "add_property(o, \"public\", \"fixed\", {player, \"r\"}); "
        "add_verb(o, {player, \"\", \"hidden\"}, {\"this\", \"none\", \"this\"}); "
        "set_verb_code(o, \"hidden\", {\"return \\\"HIDDEN\\\";\"}); "
        "add_verb(o, {player, \"rx\", \"echo\"}, {\"this\", \"none\", \"this\"}); "
        "set_verb_code(o, \"echo\", {\"return {player, @args};\"}); "
        "add_verb(o, {player, \"rxd\", \"deny\"}, {\"this\", \"none\", \"this\"}); "
        "set_verb_code(o, \"deny\", {\"raise(E_PERM, \\\"no you don't\\\");\"}); "
        "add_verb(o, {player, \"rxd\", \"divide\"}, {\"this\", \"none\", \"this\"}); "
        "set_verb_code(o, \"divide\", {\"return 1 / 0;\"}); "
        "add_verb(o, {player, \"rx\", \"slow\"}, {\"this\", \"none\", \"this\"}); "
        "set_verb_code(o, \"slow\", {\"suspend(1); return 42;\"}); "
        "return o;")
    for k, v in ids.items():
        m = re.match(r"#\d+", v)  # LambdaCore prints "#97  (Mallory)"
        check(m, "setup %s: %s" % (k, v))
        ids[k] = m.group(0)
    ids["beacon"] = re.match(r"#\d+", wiz.run("o = create(#1); o.name = \"beacon\"; o.r = 1; return o;")).group(0)
    # Mallory's own object, with a verb to program (made by the wizard:
    # LambdaCore's quotas stop a new programmer's create() and add_verb()).
    ids["gadget"] = re.match(r"#\d+", wiz.run(
        "o = create($thing); o.owner = %s; o.name = \"gadget\"; "
        "add_verb(o, {o.owner, \"rxd\", \"hi\"}, {\"this\", \"none\", \"this\"}); return o;"
        % ids["mallory"])).group(0)
    return wiz, ids


def num(obj):
    return int(obj[1:])


def http_checks(port, ids, tls=False):
    anon = Api(port, tls=tls)
    h = expect_status(anon, "GET", "/api/health", 200)
    check(h["status"] == "ok" and h["store_writable"] is True, "health: %r" % h)
    expect_status(anon, "GET", "/api/objects/%231", 401)
    bad = Api(port, token="0" * 64, tls=tls)
    expect_status(bad, "GET", "/api/objects/%231", 401)
    doc = expect_status(anon, "POST", "/api/login", 401, {"name": "Norma", "password": "wrong"})
    check("does not exist" in doc["message"], "login refusal: %r" % doc)

    wiz, mal, nor = Api(port, tls=tls), Api(port, tls=tls), Api(port, tls=tls)
    login = wiz.login("wizard", "")
    check(login["player"] == {"obj": num(ids["wiz"])} and len(login["token"]) == 64, "wizard login: %r" % login)
    mal.login("Mallory", "mal1ce")
    nor.login("Norma", "n0rma")
    # Control characters are dropped as telnet drops them: no second line.
    doc = expect_status(anon, "POST", "/api/login", 200, {"name": "Nor\nma", "password": "n0rma"})
    check(doc["player"] == {"obj": num(ids["norma"])}, "a newline in a login: %r" % doc)
    expect_status(anon, "POST", "/api/login", 401, {"name": "Norma", "password": "n0rma\r\nconnect wizard"})

    # Bad input: a clear answer, nothing changed.
    st, doc = nor.call("POST", "/api/objects/%23" + ids["vault"][1:] + "/methods", '{"verb": "echo", ')
    check(st == 400 and "line 1, column" in doc["message"], "malformed JSON: %d %r" % (st, doc))
    st, doc = nor.call("POST", "/api/objects/1/methods", {"verb": 12})
    check(st == 400 and "verb" in doc["message"], "wrong type: %d %r" % (st, doc))
    st, doc = nor.call("POST", "/api/eval", "x" * (2 << 20))
    check(st == 413, "big body: %d %r" % (st, doc))
    expect_status(nor, "GET", "/api/nothing-here", 404)
    expect_status(nor, "DELETE", "/api/objects/1", 405)
    expect_status(nor, "GET", "/api/objects/999999", 404)
    expect_status(nor, "GET", "/api/objects/banana", 404)

    # Objects: what each may see.
    V = "/api/objects/" + ids["vault"].replace("#", "%23")
    seen = expect_status(nor, "GET", V, 200)
    names = [p["name"] for p in seen["properties"]]
    check("public" in names and "secret" not in names, "Norma sees properties %r" % names)
    check("verbs" not in seen, "Norma sees the verbs of an unreadable object")
    check(seen["id"] == {"obj": num(ids["vault"])} and seen["name"] == "vault", "object: %r" % seen)
    seen = expect_status(wiz, "GET", V, 200)
    props = {p["name"]: p for p in seen["properties"]}
    check(props["secret"]["value"] == "VAULT-SECRET" and props["secret"]["perms"] == "", "wizard: %r" % props)
    check({"names": "hidden", "perms": ""}.items() <= {k: v for k, v in seen["verbs"][0].items()}.items(),
          "wizard sees the verbs: %r" % seen["verbs"][:1])
    p = expect_status(nor, "GET", "/api/objects/$player", 200)
    check(p["name"] and "player" in p["flags"] or True, "$player: %r" % p)
    check(p["id"]["obj"] > 0, "$player resolves: %r" % p)

    # Calls.
    r = expect_status(nor, "POST", V + "/methods", 200, {"verb": "echo", "args": [1, 2.5, "s", {"obj": 5},
                                                                                  {"error": "E_PERM"}, [1, [2]],
                                                                                  {"a": 1}, {"map": [[1, 2]]}, True]})
    check(r["result"] == [{"obj": num(ids["norma"])}, 1, 2.5, "s", {"obj": 5}, {"error": "E_PERM"}, [1, [2]],
                          {"a": 1}, {"map": [[1, 2]]}, True], "round trip: %r" % r)
    doc = expect_status(nor, "POST", V + "/methods", 404, {"verb": "hidden"})
    check(doc["error"] == "E_VERBNF", "no x: %r" % doc)
    doc = expect_status(nor, "POST", V + "/methods", 403, {"verb": "deny"})
    check(doc["error"] == "E_PERM" and doc["message"] == "no you don't" and doc["traceback"], "E_PERM: %r" % doc)
    doc = expect_status(nor, "POST", V + "/methods", 422, {"verb": "divide"})
    check(doc["error"] == "E_DIV" and any("divide" in l for l in doc["traceback"]), "E_DIV: %r" % doc)
    doc = expect_status(nor, "POST", V + "/methods", 202, {"verb": "slow"})
    task = doc["task"]
    doc = expect_status(nor, "GET", "/api/tasks/%d" % task, 202)
    check(doc["state"] == "running", "running: %r" % doc)
    expect_status(mal, "GET", "/api/tasks/%d" % task, 404)  # another player's task
    time.sleep(1.5)
    doc = expect_status(nor, "GET", "/api/tasks/%d" % task, 200)
    check(doc["result"] == 42, "later result: %r" % doc)
    expect_status(mal, "GET", "/api/tasks/%d" % task, 404)
    expect_status(wiz, "GET", "/api/tasks/%d" % task, 200)

    # Verbs and properties.
    expect_status(nor, "GET", V + "/verbs/hidden", 403)
    doc = expect_status(wiz, "GET", V + "/verbs/hidden", 200)
    check(doc["source"] == 'return "HIDDEN";' and doc["syntax"] == "moo", "verb: %r" % doc)
    expect_status(nor, "GET", V + "/verbs/nope", 404)
    expect_status(nor, "PUT", V + "/verbs/echo", 403, {"source": "return 1;"})
    expect_status(mal, "PUT", V + "/verbs/echo", 403, {"source": "return 1;"})
    expect_status(nor, "GET", V + "/properties/secret", 403)
    doc = expect_status(nor, "GET", V + "/properties/public", 200)
    check(doc["value"] == "fixed", "property: %r" % doc)
    expect_status(nor, "GET", V + "/properties/nope", 404)
    expect_status(nor, "PUT", V + "/properties/public", 403, {"value": "mine"})
    expect_status(wiz, "PUT", V + "/properties/public", 200, {"value": {"map": [[1, 2.0]]}})
    doc = expect_status(nor, "GET", V + "/properties/public", 200)
    check(doc["value"] == {"map": [[1, 2.0]]} and isinstance(doc["value"]["map"][0][1], float),
          "float stays a float: %r" % doc)

    # A player made through the login, then its password changed: its sessions end.
    webby = Api(port, tls=tls)
    st, doc = webby.call("POST", "/api/login", {"name": "Webby", "password": "w3bby", "create": True})
    check(st == 200, "create through the login: %d %r" % (st, doc))
    webby.token = doc["token"]
    expect_status(anon, "POST", "/api/login", 401, {"name": "Webby", "password": "x", "create": True})
    expect_status(anon, "POST", "/api/login", 400, {"name": "Webby", "password": "x", "create": "yes"})
    me = expect_status(webby, "GET", "/api/players/%d" % doc["player"]["obj"], 200)
    check(me["name"] == "Webby", "created player: %r" % me)
    expect_status(wiz, "POST", "/api/eval", 200, {"code": "#%d.password = crypt(\"other\"); return 1;"
                                                          % doc["player"]["obj"]})
    expect_status(webby, "GET", "/api/objects/%231", 401)

    # Programming and eval.
    expect_status(nor, "POST", "/api/eval", 403, {"code": "return 1;"})
    doc = expect_status(mal, "POST", "/api/eval", 200, {"code": "return {player, player.programmer};"})
    check(doc["result"] == [{"obj": num(ids["mallory"])}, 1], "eval as Mallory: %r" % doc)
    thing = "/api/objects/" + ids["gadget"][1:]
    doc = expect_status(mal, "PUT", thing + "/verbs/hi", 422, {"source": "x = 1;\nreturn x +;\n"})
    check(doc["error"] == "compile_error" and doc["errors"][0]["line"] == 2 and doc["errors"][0]["column"] > 0,
          "compile error: %r" % doc)
    expect_status(mal, "PUT", thing + "/verbs/hi", 200, {"source": "return \"hi \" + player.name;"})
    doc = expect_status(nor, "POST", thing + "/methods", 200, {"verb": "hi"})
    check(doc["result"] == "hi Norma", "programmed verb: %r" % doc)
    builder_checks(ids, wiz, mal, nor, V, thing)
    doc = expect_status(mal, "POST", "/api/eval", 200, {"code": "return {1.0, #3, E_ARGS, [\"obj\" -> 1]};"})
    check(doc["result"] == [1.0, {"obj": 3}, {"error": "E_ARGS"}, {"map": [["obj", 1]]}], "values: %r" % doc)
    check(isinstance(doc["result"][0], float), "1.0 is a float")
    doc = expect_status(mal, "POST", "/api/eval", 422, {"code": "return 1 +;"})
    check(doc["errors"][0]["line"] == 1, "eval compile error: %r" % doc)
    doc = expect_status(mal, "POST", "/api/eval", 200, {"code": "let x = 2; return x * 21;", "syntax": "echo"})
    check(doc["result"] == 42, "echo eval: %r" % doc)

    # Players, events, metrics, the description.
    doc = expect_status(nor, "GET", "/api/players/" + ids["mallory"].replace("#", "%23"), 200)
    check(doc["name"] == "Mallory" and "flags" not in doc, "other player: %r" % doc)
    doc = expect_status(nor, "GET", "/api/players/" + ids["norma"].replace("#", "%23"), 200)
    check("flags" in doc, "oneself: %r" % doc)
    expect_status(nor, "GET", "/api/players/" + ids["vault"].replace("#", "%23"), 404)
    doc = expect_status(nor, "POST", "/api/events", 202, {"target": ids["vault"], "name": "poke", "data": {"x": 1}})
    check("event" in doc, "event: %r" % doc)
    st, text = anon.call("GET", "/metrics")
    check(st == 200 and "echo_http_requests_total" in text and "echo_tasks" in text, "metrics: %s" % text[:300])
    spec = expect_status(anon, "GET", "/api/openapi.json", 200)
    served = 0
    for path, ops in spec["paths"].items():
        for method in ops:
            url = path.replace("{id}", "1").replace("{name}", "x")
            st, doc = anon.call(method.upper(), url, {} if method in ("post", "put") else None)
            check(st not in (404, 405) or (isinstance(doc, dict) and doc.get("error") not in
                                           ("not_found", "method_not_allowed")),
                  "openapi lists %s %s, which is not served (%d)" % (method, path, st))
            served += 1
    check(served >= 15, "openapi describes %d operations" % served)
    return wiz, mal, nor


def builder_checks(ids, wiz, mal, nor, V, thing):
    """Adding and deleting verbs and properties: as the player's task, with MOO's permissions."""
    def verbs(path):
        return [v["names"] for v in expect_status(wiz, "GET", path, 200).get("verbs", [])]

    def props(path):
        return {p["name"]: p["value"] for p in expect_status(wiz, "GET", path, 200)["properties"]}

    before = (verbs(V), props(V), verbs(thing), props(thing))
    # A plain player is refused everywhere, and nothing changes.
    doc = expect_status(nor, "POST", thing + "/verbs", 403, {"names": "sneak"})
    check(doc["error"] == "E_PERM", "add_verb by a non-programmer: %r" % doc)
    expect_status(nor, "POST", V + "/verbs", 403, {"names": "sneak"})
    expect_status(nor, "POST", V + "/properties", 403, {"name": "sneak", "value": 1})
    expect_status(nor, "POST", thing + "/properties", 403, {"name": "sneak", "value": 1})
    expect_status(nor, "DELETE", V + "/verbs/echo", 403)
    expect_status(nor, "DELETE", V + "/properties/public", 403)
    expect_status(nor, "DELETE", thing + "/verbs/hi", 403)
    # A programmer is refused on what is not theirs.
    expect_status(mal, "POST", V + "/verbs", 403, {"names": "sneak"})
    expect_status(mal, "DELETE", V + "/verbs/echo", 403)
    expect_status(mal, "DELETE", V + "/properties/public", 403)
    check((verbs(V), props(V), verbs(thing), props(thing)) == before, "refused changes changed nothing")
    # Bad input: 400, with what is wrong.
    for body, what in (({"names": 5}, "names"), ({"names": ""}, "names"), ({"names": "x", "perms": "rwz"}, "perms"),
                       ({"names": "x", "args": ["this", "none"]}, "args"), ({"names": "x", "args": "any"}, "args")):
        doc = expect_status(mal, "POST", thing + "/verbs", 400, body)
        check(what in doc["message"], "bad add_verb %r: %r" % (body, doc))
    doc = expect_status(mal, "POST", thing + "/properties", 400, {"value": 1})
    check("name" in doc["message"], "property without a name: %r" % doc)
    expect_status(mal, "POST", thing + "/properties", 400, {"name": "x", "value": {"obj": "x"}})
    # LambdaCore's own wrappers apply (#0:bf_add_verb): its quota stops a new programmer.
    doc = expect_status(mal, "POST", thing + "/verbs", 422, {"names": "greet"})
    check(doc["error"] == "E_QUOTA" and any("bf_add_verb" in l for l in doc["traceback"]), "quota: %r" % doc)
    # The owner (here the wizard) adds, programs, calls and deletes.
    doc = expect_status(wiz, "POST", V + "/verbs", 200, {"names": "greet hello", "perms": "rx",
                                                         "args": ["this", "none", "this"]})
    check(doc["result"] == "greet hello", "add_verb: %r" % doc)
    doc = expect_status(wiz, "GET", V + "/verbs/hello", 200)
    check(doc["perms"] == "rx" and doc["args"] == ["this", "none", "this"] and doc["owner"] == {"obj": num(ids["wiz"])},
          "new verb: %r" % doc)
    expect_status(wiz, "PUT", V + "/verbs/greet", 200, {"source": "return \"hello\";"})
    doc = expect_status(nor, "POST", V + "/methods", 200, {"verb": "greet"})
    check(doc["result"] == "hello", "new verb runs: %r" % doc)
    expect_status(nor, "DELETE", V + "/verbs/greet", 403)
    expect_status(wiz, "DELETE", V + "/verbs/greet", 200)
    expect_status(wiz, "GET", V + "/verbs/greet", 404)
    expect_status(wiz, "DELETE", V + "/verbs/greet", 404)
    doc = expect_status(wiz, "POST", V + "/properties", 200, {"name": "colour", "value": "red", "perms": "r"})
    check(doc["result"] == "red", "add_property: %r" % doc)
    doc = expect_status(nor, "GET", V + "/properties/colour", 200)
    check(doc["value"] == "red", "new property: %r" % doc)
    doc = expect_status(wiz, "POST", V + "/properties", 422, {"name": "colour"})
    check(doc["error"] == "E_INVARG", "a second property of that name: %r" % doc)
    expect_status(nor, "DELETE", V + "/properties/colour", 403)
    expect_status(wiz, "DELETE", V + "/properties/colour", 200)
    expect_status(wiz, "GET", V + "/properties/colour", 404)
    expect_status(wiz, "DELETE", V + "/properties/colour", 404)
    check((verbs(V), props(V), verbs(thing), props(thing)) == before, "added and deleted again")
    # Children and the names of what an object refers to.
    doc = expect_status(nor, "GET", "/api/objects/1", 200)
    check({"obj": num(ids["vault"])} in doc["children"], "#1's children: %r" % doc["children"])
    check(doc["object_names"][ids["vault"][1:]] == "vault", "object_names: %r" % doc["object_names"])


def websocket_checks(port, http_port, ids, wiz_tel, wiz, mal, nor):
    # Not logged in: told so.
    ws = WebSocket(http_port)
    ws.command("look")
    f = ws.recv()
    check(f["type"] == "error" and f["error"] == "unauthorized", "no auth: %r" % f)
    ws.close()

    # Norma in a browser, Mallory on telnet, in one room.
    tel = Telnet(port, "Mallory", "connect Mallory mal1ce")
    ws = WebSocket(http_port)
    ws.send({"type": "auth", "token": nor.token})
    f = ws.expect(lambda f: f["type"] == "welcome")
    check(f["player"] == {"obj": num(ids["norma"])}, "welcome: %r" % f)
    tel.c.expect(r"Norma has (connected|arrived)", timeout=10)
    tel.c.send("say hello from telnet")
    ws.expect(r'Mallory says, "hello from telnet"')
    ws.command("say hello from the web")
    tel.c.expect(r'Norma says, "hello from the web"')
    ws.command("look", r"vault|Mallory")
    # Drops, misses a line, comes back with the last number it saw.
    last = ws.frames[-1]["seq"]
    ws.sock.close()
    time.sleep(0.3)
    tel.c.send("say while you were away")
    time.sleep(0.5)
    ws = WebSocket(http_port)
    ws.send({"type": "auth", "token": nor.token, "last_seq": last})
    ws.expect(lambda f: f["type"] == "welcome")
    f = ws.expect(r'Mallory says, "while you were away"')
    check(f["seq"] > last, "replayed frame numbered after %d: %r" % (last, f))
    # The token in Sec-WebSocket-Protocol, as a browser sends it.
    ws2 = WebSocket(http_port, protocols=["echo", "token." + nor.token])
    check("Sec-WebSocket-Protocol: echo" in ws2.headers, "subprotocol: %s" % ws2.headers)
    ws2.expect(lambda f: f["type"] == "welcome")
    # Both of Norma's tabs hear the room.
    tel.c.send("say to both tabs")
    ws.expect(r"to both tabs")
    ws2.expect(r"to both tabs")
    ws2.close()
    # Events: to the player, in its room, of what it subscribed to, and
    # nothing else (a marker line shows what did not come).
    expect_status(wiz, "POST", "/api/eval", 200,
                  {"code": 'return client_event(%s, "ui_update", ["hp" -> 10]);' % ids["norma"]})
    f = ws.expect(lambda f: f["type"] == "event")
    check(f["name"] == "ui_update" and f["data"] == {"hp": 10} and f["target"] == {"obj": num(ids["norma"])},
          "client_event: %r" % f)
    wiz_tel.run('emit("chime", {player.location, 7}); return 1;')
    f = ws.expect(lambda f: f["type"] == "event")
    check(f["name"] == "chime" and f["data"][1] == 7, "room event: %r" % f)
    ws.send({"type": "subscribe", "target": ids["vault"]})
    f = ws.expect(lambda f: f["type"] in ("error", "subscribed"))
    check(f["type"] == "error" and f["error"] == "E_PERM", "subscribe to an unreadable object: %r" % f)
    wiz_tel.run('emit("hum", {%s}); return 1;' % ids["beacon"])
    ws.send({"type": "subscribe", "target": ids["beacon"]})
    f = ws.expect(lambda f: f["type"] in ("error", "subscribed", "event"))
    check(f["type"] == "subscribed" and f["target"] == {"obj": num(ids["beacon"])}, "subscribe: %r" % f)
    wiz_tel.run('emit("hum", {%s}); emit("hidden", {%s}); notify(%s, "MARK"); return 1;'
                % (ids["beacon"], ids["vault"], ids["norma"]))
    f = ws.expect(lambda f: f["type"] == "event" or f.get("text") == "MARK")
    check(f.get("name") == "hum", "subscribed event: %r" % f)
    f = ws.expect(lambda f: f["type"] == "event" or f.get("text") == "MARK")
    check(f.get("text") == "MARK", "an event of an object not subscribed to came: %r" % f)
    check(wiz_tel.run('return client_event(%s, "x");' % ids["mallory"]) == "0", "client_event without a web session")
    # Bad frames.
    ws.send_raw(b"{not json")
    f = ws.expect(lambda f: f["type"] == "error")
    check(f["error"] == "bad_json" and "line 1" in f["message"], "bad frame: %r" % f)
    big = WebSocket(http_port)
    big.send_raw(b"x" * 100000)
    try:
        big.recv()
        check(False, "a 100 KB frame was taken")
    except WebSocketClosed as e:
        check(e.code == 1009, "too big: %s" % e)
    # boot_player() ends the web session and its token.
    wiz_tel.run("boot_player(%s); return 1;" % ids["norma"])
    try:
        ws.expect(lambda f: False, timeout=10)
    except WebSocketClosed as e:
        check(e.code == 4001, "booted: %s" % e)
    expect_status(nor, "GET", "/api/objects/%231", 401)
    # Mallory in a browser beside its telnet: both hear the room, and the
    # browser's lines run as Mallory; neither redirects the other.
    mws = WebSocket(http_port)
    mws.send({"type": "auth", "token": mal.token})
    mws.expect(lambda f: f["type"] == "welcome")
    wiz_tel.c.send("say to Mallory twice")
    mws.expect(r"to Mallory twice")
    tel.c.expect(r"to Mallory twice")
    mws.command("say typed in the browser")
    tel.c.expect(r'You say, "typed in the browser"')
    mws.expect(r'You say, "typed in the browser"')
    doc = expect_status(wiz, "POST", "/api/eval", 200, {"code": "return connected_players();"})
    check(doc["result"].count({"obj": num(ids["mallory"])}) == 1, "Mallory listed once: %r" % doc)
    # Logout ends the browser's connection; the telnet one stays, unannounced.
    expect_status(mal, "POST", "/api/logout", 200, {})
    expect_status(mal, "GET", "/api/objects/%231", 401)
    try:
        mws.expect(lambda f: False, timeout=10)
    except WebSocketClosed as e:
        check(e.code == 4001, "logged out: %s" % e)
    tel.c.send("say still here")
    tel.c.expect(r'You say, "still here"')
    doc = expect_status(wiz, "POST", "/api/eval", 200, {"code": "return connected_players();"})
    check({"obj": num(ids["mallory"])} in doc["result"], "Mallory still connected: %r" % doc)
    tel.c.close()


def room_checks(port, http_port, ids, wiz_tel):
    """Room frames: who and what is here, sent to a web session when it
    opens, when asked, and when players come, go or hang up and things are
    moved in and out (LambdaCore's own commands and move(), unchanged)."""
    nor = Api(http_port)
    nor.login("Norma", "n0rma")
    ws = WebSocket(http_port)
    ws.send({"type": "auth", "token": nor.token})
    f = ws.expect(lambda f: f["type"] == "welcome")
    # A new session's first frames are this WebSocket's, even those pumped
    # before it was attached: a welcome at 0, then all of them.
    check(f["seq"] == 0, "a new session's welcome: %r" % f)
    room = {"obj": int(wiz_tel.run("return toint(player.location);"))}

    def who(f):
        return {p["name"]: p["connected"] for p in f["players"]}

    def room_frame(pred, what, timeout=5):
        return ws.expect(lambda f: f["type"] == "room" and pred(f), timeout, what)

    f = room_frame(lambda f: True, "a room frame when the session opens")
    if f["room"] != room:
        # The frame is of where she is when the session opens: LambdaCore
        # put her in Limbo when she was booted, and its user_connected,
        # a task of its own, may not have brought her back yet (seen
        # under ASan). Her next frame must then show the move.
        check(f["name"] == "Limbo", "a first frame of Limbo: %r" % f)
        f = room_frame(lambda f: f["room"] == room, "the frame after user_connected moved her")
    if not any(fr.get("text") == "*** Connected ***" for fr in ws.frames):
        ws.expect(r"^\*\*\* Connected \*\*\*$")
    check(f["room"] == room and f["name"] and isinstance(f["seq"], int), "room frame: %r" % f)
    check(who(f).get("Norma") is True and who(f).get("Wizard") is True, "who is here: %r" % f)
    check(all(set(p) >= {"obj", "name", "connected"} for p in f["players"]) and f["more"] == 0, "players: %r" % f)
    check("idle" in next(p for p in f["players"] if p["name"] == "Norma"), "a connected player's idle time: %r" % f)
    check(isinstance(f["exits"], list) and isinstance(f["things"], list), "exits and things: %r" % f)
    ws.send({"type": "room"})
    f = room_frame(lambda f: True, "the room frame again when asked")
    check(f["room"] == room, "asked: %r" % f)
    # A telnet player logs in, then hangs up: both show within a second.
    t0 = time.time()
    tel = Telnet(port, "Mallory", "connect Mallory mal1ce")
    room_frame(lambda f: who(f).get("Mallory") is True, "Mallory connected")
    check(time.time() - t0 < 3, "Mallory shown after %.1f s" % (time.time() - t0))
    tel.c.close()
    room_frame(lambda f: who(f).get("Mallory") is not True, "Mallory hung up")
    # Things come and go.
    wiz_tel.run("move(%s, player.location); return 1;" % ids["beacon"])
    f = room_frame(lambda f: any(t["name"] == "beacon" for t in f["things"]), "the beacon arrives")
    check({"obj": {"obj": num(ids["beacon"])}, "name": "beacon"} in f["things"], "things: %r" % f["things"])
    wiz_tel.run("move(%s, #-1); return 1;" % ids["beacon"])
    room_frame(lambda f: all(t["name"] != "beacon" for t in f["things"]), "the beacon leaves")
    # Norma walks out: her frame is of where she is now.
    wiz_tel.run("move(%s, #-1); return 1;" % ids["norma"])
    f = room_frame(lambda f: f["room"] == {"obj": -1}, "Norma in #-1")
    check(f["players"] == [] and f["things"] == [], "nowhere: %r" % f)
    wiz_tel.run("move(%s, #%d); return 1;" % (ids["norma"], room["obj"]))
    room_frame(lambda f: f["room"] == room, "Norma back")
    ws.close()


def batch_checks(http_port, wiz):
    """{"batch": true} in the auth frame: frames that pile up in a burst come
    as one message, a JSON array of them, in order and numbered as ever."""
    ws = WebSocket(http_port)
    ws.send({"type": "auth", "token": wiz.token, "batch": True})
    ws.expect(lambda f: isinstance(f, dict) and f.get("type") == "welcome")
    expect_status(wiz, "POST", "/api/eval", 200,
                  {"code": 'for i in [1..2000] notify(player, tostr("burst ", i)); endfor return 1;'})
    messages, frames = 0, []
    deadline = time.time() + 20
    while not frames or frames[-1].get("text") != "burst 2000":
        check(time.time() < deadline, "the burst did not end: %r" % frames[-3:])
        m = ws.recv()
        messages += 1
        batch = m if isinstance(m, list) else [m]
        check(batch and all(isinstance(f, dict) and "type" in f for f in batch), "a message of frames: %r" % m)
        frames += [f for f in batch if f.get("type") == "output" and f["text"].startswith("burst ")]
    check([f["text"] for f in frames] == ["burst %d" % i for i in range(1, 2001)], "the burst in order")
    check(all(b["seq"] > a["seq"] for a, b in zip(frames, frames[1:])), "numbered in order")
    check(messages < len(frames), "2,000 frames in %d messages: none batched" % messages)
    ws.close()


def slow_reader(http_port, ids, wiz, wiz_tel):
    """A WebSocket that does not read while the world writes it 20 MB: nobody
    else waits for it (its frames are written by a thread of its own, and
    the runtime's max_queued_output drops what it cannot take)."""
    w = Api(http_port)
    w.login("Mallory", "mal1ce")  # alone on the web now: the flood goes nowhere else
    ws = WebSocket(http_port)
    ws.send({"type": "auth", "token": w.token})
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    code = ('s = "0123456789abcdef"; for i in [1..6] s = s + s; endfor '
            'for i in [1..20000] notify(player, s); if (i % 50 == 0) suspend(0); endif endfor return 1;')
    st, doc = w.call("POST", "/api/eval", {"code": code})
    check(st in (200, 202), "flood started: %d %r" % (st, doc))
    worst = 0.0
    for _ in range(10):
        t0 = time.time()
        wiz_tel.run("return 1;")
        worst = max(worst, time.time() - t0)
        time.sleep(0.2)
    check(worst < 2.0, "a telnet command waited %.2f s beside a WebSocket that does not read" % worst)
    ws.sock.close()


def garbage(http_port):
    """Random bytes, half-sent requests and a slow client: the server answers others meanwhile."""
    rnd = random.Random(15)
    slow = []
    for _ in range(200):  # slowloris: headers begun, never ended
        s = socket.create_connection(("127.0.0.1", http_port))
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    for i in range(40):
        s = socket.create_connection(("127.0.0.1", http_port), timeout=5)
        kind = i % 4
        if kind == 0:
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))))
        elif kind == 1:
            s.sendall(b"POST /api/login HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"na")
        elif kind == 2:
            s.sendall(b"GET /api/objects/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n")
        else:
            s.sendall(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        s.close()
    t0 = time.time()
    st, doc = Api(http_port).call("GET", "/api/health")
    check(st == 200 and time.time() - t0 < 5, "health after garbage: %d in %.1fs" % (st, time.time() - t0))
    for s in slow:
        s.close()


def main():
    repl, data, work = sys.argv[1], sys.argv[2], sys.argv[3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "lc.db")
    log = os.path.join(work, "server.log")
    subprocess.run([repl, "import", os.path.join(data, "LambdaCore-latest.db"), "--to", store],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = WebServer(repl, store, log)
    try:
        wiz_tel, ids = setup(server.port)
        wiz, mal, nor = http_checks(server.http_port, ids)
        websocket_checks(server.port, server.http_port, ids, wiz_tel, wiz, mal, nor)
        room_checks(server.port, server.http_port, ids, wiz_tel)
        batch_checks(server.http_port, wiz)
        slow_reader(server.http_port, ids, wiz, wiz_tel)
        garbage(server.http_port)
        wiz_tel.c.close()
        check(server.stop() == 0, "server exit status")
        with open(log, errors="replace") as f:  # boot_player() is logged as LambdaMOO logs it
            check("DISCONNECTED: %s on web" % ids["norma"] in f.read(), "the boot is in the server log")
    except Exception:
        server.stop(timeout=10)
        raise
    # Sessions survive a restart; the revoked ones stay revoked.
    server = WebServer(repl, store, log)
    try:
        wiz2 = Api(server.http_port, token=wiz.token)
        doc = expect_status(wiz2, "GET", "/api/objects/%231", 200)
        check(doc["id"] == {"obj": 1}, "after restart: %r" % doc)
        expect_status(Api(server.http_port, token=nor.token), "GET", "/api/objects/%231", 401)
        # The event log kept what happened before the restart, in order.
        doc = expect_status(wiz2, "GET", "/api/events?limit=1000", 200)
        events = doc["events"]
        types = {e["type"] for e in events}
        for t in ("login", "login_failed", "connect", "disconnect", "event", "task_error", "checkpoint"):
            check(t in types, "event log has %s: %r" % (t, sorted(types)))
        seqs = [e["seq"] for e in events]
        check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "event log order")
        poke = [e for e in events if e["type"] == "event"]
        check(poke and poke[0]["data"][0] == "poke" and poke[0]["target"] == {"obj": num(ids["vault"])},
              "emitted event logged: %r" % poke[:1])
        doc = expect_status(wiz2, "GET", "/api/events?type=login_failed", 200)
        check(doc["events"] and all(e["type"] == "login_failed" for e in doc["events"]), "type filter: %r" % doc)
        expect_status(wiz2, "GET", "/api/events?since=x", 400)
        nor2 = Api(server.http_port)
        nor2.login("Norma", "n0rma")
        expect_status(nor2, "GET", "/api/events", 403)
        doc = expect_status(wiz2, "POST", "/api/eval", 200, {"code": "return event_log(0, 3, \"login\");"})
        check(len(doc["result"]) == 3 and doc["result"][0]["type"] == "login", "event_log(): %r" % doc)
        mal2 = Api(server.http_port)
        mal2.login("Mallory", "mal1ce")
        doc = expect_status(mal2, "POST", "/api/eval", 403, {"code": "return event_log();"})
        check(doc["error"] == "E_PERM", "event_log() for a programmer: %r" % doc)
        # Busy ports are named as such, with the option that picks another.
        other = os.path.join(work, "other.db")
        subprocess.run([repl, "new-world", other], check=True, stdout=subprocess.DEVNULL)
        for args, flag in (([str(server.port), "--http-port", "0"], "--telnet-port"),
                           (["0", "--http-port", str(server.http_port)], "--http-port")):
            busy = subprocess.run([repl, "serve", other, "--telnet-port"] + args, capture_output=True, text=True,
                                  timeout=60)
            check(busy.returncode == 1 and "is in use" in busy.stderr and flag in busy.stderr,
                  "busy port: %d %s" % (busy.returncode, busy.stderr[-300:]))
        # The store a server holds is named as such, with the server's pid.
        held = subprocess.run([repl, "serve", store, "--telnet-port", "0"], capture_output=True, text=True,
                              timeout=60)
        check(held.returncode == 1 and "in use by a running server (pid %d)" % server.proc.pid in held.stderr,
              "store in use: %d %s" % (held.returncode, held.stderr[-300:]))
        # Failed logins are limited per address.
        anon = Api(server.http_port)
        statuses = [anon.call("POST", "/api/login", {"name": "Norma", "password": "guess%d" % i})[0]
                    for i in range(12)]
        check(statuses[0] == 401 and statuses[-1] == 429, "rate limit: %r" % statuses)
        check(server.stop() == 0, "server exit status")
    except Exception:
        server.stop(timeout=10)
        raise
    tls_checks(repl, store, work, log)
    print("e2e web API: %d checks passed" % checks)


def tls_checks(repl, store, work, log):
    """HTTPS with a self-signed certificate made here; plain HTTP is refused on that port."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost"], check=True, capture_output=True)
    server = WebServer(repl, store, log, extra=["--tls-cert", cert, "--tls-key", key])
    try:
        check(server.tls, "the server says https")
        api = Api(server.http_port, tls=True)
        api.login("wizard", "")
        doc = expect_status(api, "GET", "/api/objects/%230", 200)
        check(doc["id"] == {"obj": 0}, "over TLS: %r" % doc)
        plain = Api(server.http_port)
        try:
            st, _ = plain.call("GET", "/api/health")
            check(st >= 400, "plain HTTP on the TLS port answered %d" % st)
        except Exception:
            pass  # refused outright: as good
        check(server.stop() == 0, "server exit status")
    except Exception:
        server.stop(timeout=10)
        raise
    # A key that is not the certificate's: a clear refusal at start.
    bad = subprocess.run([repl, "serve", store, "--telnet-port", "0", "--http-port", "0",
                          "--tls-cert", cert, "--tls-key", cert], capture_output=True, text=True, timeout=60)
    check(bad.returncode != 0 and "HTTP" in bad.stderr, "bad key: %d %s" % (bad.returncode, bad.stderr[-300:]))


if __name__ == "__main__":
    main()
