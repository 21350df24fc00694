#!/usr/bin/env python3
"""A Python client of Echo's RPC API through `echo-repl rpc --json`
(docs/rpc.md): the API from a second language, with nothing to install but
echo-repl. Values come back in the web API's JSON form (docs/web.md,
"Values in JSON"): {"obj": 12}, {"error": "E_PERM"}, {"map": [[k, v]]}.

    from echo_rpc import Echo, EchoError
    world = Echo("mine.db")                       # the wizard key beside the store
    world = Echo("127.0.0.1:7780", token=TOKEN)   # or a web session's token
    world.eval("1 + 1")                           # 2
    world.call("#12:rub", '"gently"')             # arguments are MOO literals
    try:
        world.prop("#3.name", '"mine"')
    except EchoError as e:
        print(e.error, e.message)                 # E_PERM Permission denied

Run as a script it prints the wizard's view of an object:
    tools/echo_rpc.py ECHO_REPL WHERE OBJ
"""
import json
import subprocess
import sys


class EchoError(Exception):
    """The world refused or failed: `error` is a MOO error's name (E_PERM,
    E_VERBNF ...) or compile_error, not_found ...; `errors` the compile
    errors ({"line", "column", "message"}), `traceback` an uncaught error's."""

    def __init__(self, doc):
        super().__init__("%s: %s" % (doc.get("error"), doc.get("message")))
        self.error = doc.get("error")
        self.message = doc.get("message")
        self.errors = doc.get("errors", [])
        self.traceback = doc.get("traceback", [])


class Refused(Exception):
    """No connection, a refused login or a malformed request (exit 3), or bad usage (exit 2)."""


class Echo:
    def __init__(self, where, token=None, key_file=None, repl="echo-repl", timeout=60):
        self.where, self.repl, self.timeout = where, repl, timeout
        self.flags = ["--json"]
        if token:
            self.flags += ["--token", token]
        if key_file:
            self.flags += ["--key", key_file]

    def _run(self, *args, stdin=None):
        p = subprocess.run([self.repl, "rpc", *self.flags, self.where, *args], input=stdin,
                           capture_output=True, text=True, timeout=self.timeout)
        if p.returncode == 0:
            return json.loads(p.stdout) if p.stdout.strip() else None
        if p.returncode == 1:
            raise EchoError(json.loads(p.stdout.splitlines()[0]))
        raise Refused(p.stderr.strip())

    def eval(self, code, syntax="moo"):
        return self._run("eval", code, "--syntax", syntax)

    def call(self, verb_ref, *literals):
        return self._run("call", verb_ref, *literals)

    def get(self, obj):
        return self._run("get", obj)

    def prop(self, prop_ref, literal=None):
        return self._run("prop", prop_ref, *([] if literal is None else [literal]))

    def verbs(self, obj):
        return self._run("verbs", obj)

    def program(self, verb_ref, source, syntax="moo"):
        return self._run("program", verb_ref, "--syntax", syntax, stdin=source)

    def create(self, parent):
        return self._run("create", parent)

    def recycle(self, obj):
        return self._run("recycle", obj)

    def tasks(self):
        return self._run("tasks")

    def kill(self, task):
        return self._run("kill", str(task))


def main():
    repl, where, obj = sys.argv[1:4]
    o = Echo(where, repl=repl).get(obj)
    print("%s (%s), owned by #%d, %d properties" % (o["name"], obj, o["owner"]["obj"], len(o["properties"])))


if __name__ == "__main__":
    main()
