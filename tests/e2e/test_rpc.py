#!/usr/bin/env python3
"""End to end: the Cap'n Proto RPC API (docs/rpc.md) on the default world,
driven by `echo-repl rpc` against the real server on loopback.

- The wizard key file beside the store (mode 0600) logs the CLI in with no
  flags; every command of the CLI gives the world's answer, its exit status
  and its --json form.
- Permissions: a plain player's session (a token from POST /api/login) gets
  E_PERM where MOO says so; a bad token, a wrong key and calls on the
  bootstrap capability that only a Session has are refused with a clear
  error.
- Bad input: garbage bytes, a segment table claiming gigabytes, a message
  past the traversal limit, a client that sends calls and never reads its
  answers: each costs its own connection only; the server's memory stays
  bounded and an honest client is answered throughout.
- Figures: eval round trips a second (one connection, calls in a row).
Usage: test_rpc.py ECHO_REPL WORK_DIR
"""
import json
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_client import Api, WebServer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "net", "rpc", "echo.capnp")
RPC_CAPNP = "/usr/include/capnp/rpc.capnp"


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class Cli:
    def __init__(self, repl, where, *flags):
        self.repl, self.where, self.flags = repl, where, list(flags)

    def run(self, *args, stdin=None, timeout=30):
        p = subprocess.run([self.repl, "rpc", *self.flags, self.where, *args], input=stdin,
                           capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout.strip(), p.stderr.strip()

    def ok(self, *args, **kw):
        rc, out, err = self.run(*args, **kw)
        assert rc == 0, "rpc %s: exit %d, %s %s" % (" ".join(args), rc, out, err)
        return out

    def fails(self, rc_expected, pattern, *args, **kw):
        rc, out, err = self.run(*args, **kw)
        assert rc == rc_expected and re.search(pattern, err), \
            "rpc %s: expected exit %d and /%s/, got %d: %s | %s" % (" ".join(args), rc_expected, pattern, rc, out, err)
        return err


def box_ref(obj):
    """{"obj": 12} -> "#12"."""
    return "#%d" % obj["obj"]


def interface_ids():
    out = subprocess.run(["capnp", "compile", "-ocapnp", SCHEMA], capture_output=True, text=True,
                         check=True).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"interface (\w+) @(0x[0-9a-f]+)", out)}


def encode(text):
    """One rpc.capnp Message, framed as on the wire."""
    return subprocess.run(["capnp", "encode", RPC_CAPNP, "Message"], input=text.encode(),
                          capture_output=True, check=True).stdout


def read_frames(sock, timeout=5.0):
    """Every message the server sends until it goes quiet or closes, decoded
    as text (capnp decode), or the reason it closed."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) > 8 and b"exception" not in data and len(data) > 4096:
                break
    except socket.timeout:
        pass
    if not data:
        return ""
    return subprocess.run(["capnp", "decode", RPC_CAPNP, "Message"], input=data, capture_output=True).stdout.decode(
        errors="replace")


def raw_attacks(port, ids):
    """Speaks the RPC protocol by hand: what a client without the CLI could try."""
    failures = []
    # Session methods on the bootstrap capability: only a Gate is reachable.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(encode("(bootstrap = (questionId = 0))"))
    s.sendall(encode("(call = (questionId = 1, target = (promisedAnswer = (questionId = 0)), interfaceId = %s, "
                     "methodId = 1, params = (capTable = [])))" % ids["Session"]))
    got = read_frames(s)
    s.close()
    if "unimplemented" not in got.lower() and "not implemented" not in got.lower():
        failures.append("a Session call on the Gate was not refused as unimplemented: %r" % got[:400])
    # A call on an import the client was never given.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(encode("(call = (questionId = 0, target = (importedCap = 7), interfaceId = %s, methodId = 1, "
                     "params = (capTable = [])))" % ids["Session"]))
    got = read_frames(s)
    s.close()
    if "abort" not in got and "exception" not in got.lower() and got:
        failures.append("a call on a capability never given got: %r" % got[:400])
    # Garbage, a segment table claiming 2^31 words, and a message past the
    # traversal limit: the connection goes, nothing else.
    for what, payload in [
        ("garbage", os.urandom(4096)),
        ("a huge segment", struct.pack("<II", 0, 0x7FFFFFFF) + b"\0" * 64),
        ("512 segments", struct.pack("<I", 511) + b"\x01\x00\x00\x00" * 512),
        ("a message past the traversal limit",
         encode("(bootstrap = (questionId = 0))") + struct.pack("<II", 0, 2 << 20) + b"\0" * 4096),
    ]:
        s = socket.create_connection(("127.0.0.1", port))
        try:
            s.sendall(payload)
        except OSError:
            pass
        s.settimeout(5)
        closed = False
        try:
            while True:
                if not s.recv(65536):
                    closed = True
                    break
        except socket.timeout:
            pass
        except OSError:
            closed = True
        s.close()
        if what != "a message past the traversal limit" and not closed:
            failures.append("%s: the connection stayed open" % what)
    return failures


def never_reads(server, port, ids, honest):
    """A client that sends Gate.version calls without end and reads nothing:
    it is held back by TCP once 4 MiB of answers wait; the server's memory
    stays bounded and an honest client is answered meanwhile."""
    before = rss_mb(server.proc.pid)
    # One call encoded, its question id patched: every call asks anew.
    marker = 0x5EC0DE01
    one = encode("(call = (questionId = %d, target = (promisedAnswer = (questionId = 0)), "
                 "interfaceId = %s, methodId = 0, params = (capTable = [])))" % (marker, ids["Gate"]))
    at = one.index(struct.pack("<I", marker))
    fin = encode("(finish = (questionId = %d))" % marker)
    fin_at = fin.index(struct.pack("<I", marker))
    next_q = [1]

    def calls(n, finish=True):
        out = []
        for q in range(next_q[0], next_q[0] + n):
            out.append(one[:at] + struct.pack("<I", q) + one[at + 4:])
            if finish:  # finished at once, unread: only the answers pile up
                out.append(fin[:fin_at] + struct.pack("<I", q) + fin[fin_at + 4:])
        next_q[0] += n
        return b"".join(out)

    # Calls never finished: the server would hold each answer; past 256 the
    # connection is dropped.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(encode("(bootstrap = (questionId = 0))") + calls(300, finish=False))
    s.settimeout(10)
    dropped = False
    try:
        while True:
            if not s.recv(65536):
                dropped = True
                break
    except OSError:
        dropped = True
    s.close()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(encode("(bootstrap = (questionId = 0))"))
    s.setblocking(False)
    sent, blocked_at, start, cut = 0, None, time.time(), None
    pending = b""
    while time.time() - start < 20:
        if not pending:
            pending = calls(1000)
        try:
            n = s.send(pending)
            sent += n
            pending = pending[n:]
        except BlockingIOError:
            if blocked_at is None:
                blocked_at = time.time()
            if time.time() - blocked_at > 3:
                break
            time.sleep(0.05)
            continue
        except OSError as e:
            cut = str(e)
            break
        blocked_at = None
    t0 = time.time()
    out = honest.ok("eval", "1 + 1")
    honest_s = time.time() - t0
    peak = rss_mb(server.proc.pid)
    s.close()
    failures = [] if dropped else ["300 calls never finished: the connection was not dropped"]
    if cut:
        failures.append("a client that finishes its calls but never reads was cut off: %s" % cut)
    if out != "2":
        failures.append("an honest eval during the flood gave %r" % out)
    if honest_s > 5:
        failures.append("an honest eval waited %.1f s during the flood" % honest_s)
    if peak - before > 64:
        failures.append("the server grew by %.0f MB for a client that never reads" % (peak - before))
    print("  a client that never reads: %.1f MB sent before TCP held it back; server RSS %.0f -> %.0f MB; "
          "an honest eval meanwhile %.0f ms" % (sent / 1e6, before, peak, honest_s * 1000))
    return failures


def cli_cost(cli):
    """What one `echo-repl rpc ... eval` costs a shell script, all in."""
    t0 = time.time()
    for _ in range(20):
        cli.ok("eval", "1 + 1")
    per_process = (time.time() - t0) / 20
    return per_process


def main():
    repl, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "rpc.db")
    subprocess.run([repl, "new-world", store], check=True, stdout=subprocess.DEVNULL)
    failures = []
    server = WebServer(repl, store, os.path.join(work, "server.log"), extra=("--rpc-port", "0"))
    try:
        key_file = os.path.join(store, "rpc.key")
        mode = stat.S_IMODE(os.stat(key_file).st_mode)
        assert mode == 0o600, "the key file's mode is %o" % mode
        wiz = Cli(repl, store)  # the key beside the store, no flags
        where = "127.0.0.1:%d" % server.rpc_port

        # ---- every command, as the wizard ----
        assert wiz.ok("eval", "1 + 1") == "2"
        assert wiz.ok("eval", "return player;") == "#3"
        assert json.loads(Cli(repl, store, "--json").ok("eval", "{1, 2.5, \"x\", #3, E_PERM, [1 -> 2]}")) == \
            [1, 2.5, "x", {"obj": 3}, {"error": "E_PERM"}, {"map": [[1, 2]]}]
        wiz.fails(1, r"E_DIV", "eval", "return 1/0;")
        wiz.fails(1, r"line 1, column \d+", "eval", "x = ;")
        who = json.loads(Cli(repl, store, "--json").ok("whoami"))
        assert who["id"] == {"obj": 3} and "wizard" in who["flags"], who
        thing = wiz.ok("create", "$thing")
        assert re.fullmatch(r"#\d+", thing), thing
        assert wiz.ok("prop", thing + ".name", "\"lamp\"") == "\"lamp\""
        assert wiz.ok("prop", thing + ".name") == "\"lamp\""
        assert "\"name\" -> \"lamp\"" in wiz.ok("get", thing)
        wiz.ok("eval", "add_verb(%s, {player, \"rxd\", \"rub\"}, {\"this\", \"none\", \"this\"}); return 1;" % thing)
        err = wiz.fails(1, r"compile_error", "program", thing + ":rub", stdin="return 1 +;\n")
        assert re.search(r"line 1, column \d+", err), err
        assert wiz.ok("verb", thing + ":rub") == "", "a failed program stored something"
        wiz.ok("program", thing + ":rub", stdin="return {\"rubbed\", args};\n")
        assert wiz.ok("verb", thing + ":rub") == "return {\"rubbed\", args};"
        assert wiz.ok("call", thing + ":rub", "1", "\"two\"", "#3", "{4}") == "{\"rubbed\", {1, \"two\", #3, {4}}}"
        assert "\"names\" -> \"rub\"" in wiz.ok("verbs", thing)
        wiz.fails(1, r"E_VERBNF", "call", thing + ":nothing")
        wiz.fails(2, r"not a MOO literal", "call", thing + ":rub", "{1,")
        wiz.ok("program", thing + ":rub", "--syntax", "echo", stdin="return args[1] * 2;\n")
        assert wiz.ok("call", thing + ":rub", "21") == "42"
        # A call that suspends answers with its task, and its outcome later.
        out = wiz.ok("eval", "suspend(1); return 5;")
        task = re.search(r"task (\d+)", out).group(1)
        time.sleep(1.5)
        assert wiz.ok("result", task) == "5"
        wiz.ok("eval", "fork (600) endfork return 1;")
        tasks = json.loads(Cli(repl, store, "--json").ok("tasks"))
        assert len(tasks) == 1, tasks
        assert wiz.ok("kill", str(tasks[0][0])) == "0"
        assert wiz.ok("tasks") == "{}"
        assert wiz.ok("recycle", thing) == "0"
        wiz.fails(1, r"E_INVIND|not_found", "get", thing)
        assert "requested" in wiz.ok("snapshot")
        table = wiz.ok("monitor", "--once")
        assert "ACTOR" in table and "inbox" in table, table
        rc, out, err = wiz.run("tail", "--seconds", "2", "--command", "say hello over rpc")
        assert rc == 0 and "You say, \"hello over rpc\"" in out, (rc, out, err)
        # Events addressed to the player come too, in order with the lines.
        rc, out, err = Cli(repl, store, "--json").run(
            "tail", "--seconds", "2", "--command", ";client_event(player, \"ping\", {1, \"two\"})")
        frames = [json.loads(line) for line in out.splitlines()]
        assert {"type": "event", "name": "ping", "source": -1, "target": 3, "data": [1, "two"]} in frames, frames
        # A narrative ends when the world boots the player's connection.
        rc, out, err = wiz.run("tail", "--seconds", "10", "--command", ";boot_player(player)")
        assert rc == 0 and "the narrative ended" in err, (rc, out, err)

        # ---- permissions: a plain player's token ----
        wiz.ok("eval", "p = create($player); p.name = \"Norma\"; p.owner = p; set_player_flag(p, 1); "
                       "p.password = crypt(\"n0rma\"); move(p, #2); return p;")
        api = Api(server.http_port)
        api.login("Norma", "n0rma")
        norma = Cli(repl, where, "--token", api.token)
        assert "\"name\" -> \"Norma\"" in norma.ok("whoami")
        norma.fails(1, r"E_PERM", "eval", "1")
        norma.fails(1, r"E_PERM", "prop", "#3.name", "\"mine\"")
        norma.fails(1, r"E_PERM", "prop", "#3.password")
        norma.fails(1, r"E_PERM", "program", "#0:do_login_command", stdin="return 1;\n")
        norma.fails(1, r"E_PERM", "snapshot")
        norma.fails(1, r"E_PERM", "monitor", "--once")
        norma.fails(1, r"E_PERM", "recycle", "#3")
        wiz.ok("eval", "fork (600) endfork return 1;")
        wiz_task = json.loads(Cli(repl, store, "--json").ok("tasks"))[0][0]
        norma.fails(1, r"E_PERM", "kill", str(wiz_task))
        norma.fails(1, r"E_INVARG", "kill", "1")  # no such task, as kill_task() says
        assert norma.ok("tasks") == "{}"  # the wizard's task is not hers to see
        assert wiz.ok("kill", str(wiz_task)) == "0"
        assert wiz.ok("prop", "#3.name") == "\"Wizard\""
        # The same session over RPC and HTTP: a logout ends both.
        api.call("POST", "/api/logout", {})
        norma.fails(3, r"unknown, has expired or was revoked", "whoami")
        Cli(repl, where, "--token", "0" * 64).fails(3, r"unknown, has expired or was revoked", "eval", "1")
        Cli(repl, where, "--token", "x" * 65).fails(3, r"longer than 64", "eval", "1")
        bad_key = os.path.join(work, "bad.key")
        with open(bad_key, "w") as f:
            f.write("0" * 64 + "\n")
        Cli(repl, where, "--key", bad_key).fails(3, r"the key is wrong", "eval", "1")
        Cli(repl, where).fails(2, r"no credentials", "eval", "1")
        Cli(repl, "127.0.0.1:1", "--key", key_file).fails(3, r"(?i)refused|connect", "eval", "1")
        # A key session as a player who is not a wizard.
        Cli(repl, store, "--player", "2").fails(3, r"not a wizard player", "eval", "1")
        wiz.fails(3, r"longer than 256", "get", "#" + "1" * 300)
        print("rpc: every CLI command, permissions and refusals as expected")

        # ---- the Python client (tools/echo_rpc.py): the API from a second language ----
        sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
        import echo_rpc
        py = echo_rpc.Echo(store, repl=repl)
        assert py.eval("1 + 1") == 2
        box = py.create("$thing")
        assert py.prop("%s.name" % box_ref(box), '"box"') == "box"
        py.eval("add_verb(%s, {player, \"rxd\", \"open\"}, {\"this\", \"none\", \"this\"})" % box_ref(box))
        try:
            py.program(box_ref(box) + ":open", "return 1 +;\n")
            failures.append("python: a compile error was not raised")
        except echo_rpc.EchoError as e:
            assert e.error == "compile_error" and e.errors[0]["line"] == 1 and e.errors[0]["column"] > 0, e.errors
        py.program(box_ref(box) + ":open", "return [\"opened\" -> args];\n")
        assert py.call(box_ref(box) + ":open", "#3") == {"opened": [{"obj": 3}]}
        assert py.get(box_ref(box))["name"] == "box"
        assert py.recycle(box_ref(box)) == 0
        try:
            echo_rpc.Echo(where, token="0" * 64, repl=repl).eval("1")
            failures.append("python: a bad token was not refused")
        except echo_rpc.Refused as e:
            assert "unknown" in str(e), e
        print("rpc: the Python client (tools/echo_rpc.py) evals, creates, programs, calls and recycles")

        # ---- bad input ----
        ids = interface_ids()
        failures += raw_attacks(server.rpc_port, ids)
        failures += never_reads(server, server.rpc_port, ids, wiz)
        assert wiz.ok("eval", "1 + 1") == "2"

        per = cli_cost(wiz)
        print("  CLI: one eval (process start, connect, key login and the call) %.1f ms" % (per * 1000))
    finally:
        rc = server.stop()
    if rc != 0:
        failures.append("the server exited %d" % rc)
    if os.path.exists(os.path.join(store, "rpc.key")):
        failures.append("the key file is still there after the server stopped")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print("e2e rpc: all checks passed")


if __name__ == "__main__":
    main()
