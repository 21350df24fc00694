#!/usr/bin/env python3
"""echo-repl's interactive loop as a user meets it (issue 17).

- Echo lines: top-level let, const and fn bindings last to the next line
  (`let sq = x => x * x;` then `sq(9)`), constants stay constant, and a
  nested block's bindings stay in their block.
- A line that leaves a string open says that strings end on their line;
  an expression's compile errors count the columns as typed.
- On a terminal (a pty): Ctrl-C cancels the input being typed, even an
  unfinished multi-line statement, and the prompt comes back; Ctrl-C while
  a line runs stops it (a loop of slow builtins, forks still waiting) and
  the prompt comes back at once; Ctrl-D on an empty line exits with status
  0; :help lists the REPL's commands.
Usage: test_repl_session.py ECHO_REPL
"""
import os
import pty
import select
import subprocess
import sys
import tempfile
import time


def session(repl, lines):
    """The outputs of feeding `lines` to the REPL in Echo syntax, one
    result per complete input, in order."""
    out = subprocess.run([repl, "--syntax", "echo"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, HOME=tempfile.mkdtemp())).stdout
    return out.splitlines()[3:]  # after the banner


def check_bindings(repl):
    lines = [
        "let sq = x => x * x;",
        "sq(9)",                          # a function from the line before
        "const k = 3;",
        "k = 4;",                         # a constant stays one
        "k",
        "let k = 5;",                     # a new let replaces it, as in a JS console
        "k = k + 1;",
        "k",
        "let base = 10;",
        "let add = x => x + base;",       # captures base from an earlier line
        "add(5)",
        "if true { let inner = 1; }",
        "inner",                          # block-scoped: gone
        "fn fact(n)",
        "  return n <= 1 ? 1 | n * fact(n - 1);",
        "endfn",
        "fact(5)",
        "let {a, ?b = 2} = [1];",         # destructuring declares both
        "a + b",
    ]
    got = session(repl, lines)
    want = [
        "=> 0", "=> 81",
        "=> 0", "Line 1, column 1: cannot assign to `k': it is a constant", "=> 3",
        "=> 0", "=> 0", "=> 6",
        "=> 0", "=> 0", "=> 15",
        "=> 0", "#-1:eval (this == #3), line 1:  Variable not found",
    ]
    assert got[:len(want)] == want, "bindings:\n  got  %r\n  want %r" % (got[:len(want)], want)
    rest = [l for l in got[len(want):] if l]  # the REPL ends with an empty line
    assert rest[:1] == ["(End of traceback)"] and "=> 120" in rest and rest[-1] == "=> 3", rest


def check_messages(repl):
    got = session(repl, ['"abc', '"abc"', "  nosuch(9)"])
    want = ["That line leaves a string open, and a string must end on the line it starts on",
            "(write \\n for a line break). Type the line again.",
            '=> "abc"',
            "Line 1, column 3: Unknown built-in function: nosuch"]  # counted as typed
    assert got[:len(want)] == want, "messages:\n  got  %r\n  want %r" % (got, want)


def check_keys(repl):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["HOME"] = tempfile.mkdtemp()
        os.execv(repl, [repl, "--syntax", "echo"])
    seen = b""

    def wait_for(text, timeout=10):
        nonlocal seen
        deadline = time.time() + timeout
        while text.encode() not in seen:
            left = deadline - time.time()
            assert left > 0, "no %r in %r" % (text, seen)
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    seen += os.read(fd, 4096)
                except OSError:  # the child has gone
                    break
        found = seen.index(text.encode()) + len(text)
        before, seen = seen[:found], seen[found:]
        # The prompt is printed before editline puts the terminal in its own
        # mode; a key typed in between may be read in the old mode (a Ctrl-D
        # is then lost). A person types later than that.
        time.sleep(0.2)
        return before.decode("latin-1")

    def exit_status(timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.05)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError("echo-repl did not exit; it printed %r" % seen)

    wait_for("echo> ")
    os.write(fd, b"if 1 == 1\r")          # unfinished: the REPL asks for more
    wait_for("...> ")
    os.write(fd, b"  return 99;")
    os.write(fd, b"\x03")                 # Ctrl-C: the statement is dropped
    wait_for("input dropped")
    wait_for("echo> ")
    os.write(fd, b"1 + 1\r")
    out = wait_for("echo> ")
    assert "=> 2" in out and "99" not in out.split("1 + 1", 1)[1], out
    # Ctrl-C stops a running line. This loop of 1 MB strsub()s runs for
    # minutes within the REPL's 60000 ticks; what it did before stays done.
    os.write(fd, b'moo: s = "x"; for i in [1..20] s = s + s; endfor n = 0;\r')
    wait_for("echo> ")
    os.write(fd, b'moo: while (1) y = strsub(s, "x", "yy"); n = n + 1; endwhile\r')
    time.sleep(0.5)                       # it is running
    t0 = time.time()
    os.write(fd, b"\x03")
    out = wait_for("echo> ", timeout=10)
    took = time.time() - t0 - 0.2         # wait_for's pause after the prompt
    assert took < 2, "the prompt came back after %.1f s" % took
    assert "Task interrupted" in out and "line 1" in out and "=>" not in out, out
    os.write(fd, b"n > 0 && length(y) == 2 * length(s)\r")
    out = wait_for("echo> ")
    assert "=> 1" in out, out
    # A fork waits for its delay after the line; Ctrl-C drops it.
    os.write(fd, b"moo: fork (600) n = 0; endfork\r")
    time.sleep(0.5)
    t0 = time.time()
    os.write(fd, b"\x03")
    out = wait_for("echo> ", timeout=10)
    assert time.time() - t0 - 0.2 < 2, out
    assert "=> 0" in out and "1 forked task not run" in out, out
    os.write(fd, b"1 + 1\r")
    out = wait_for("echo> ")
    assert "=> 2" in out and "input dropped" not in out, out
    os.write(fd, b":help\r")              # the REPL's own commands
    out = wait_for("echo> ")
    assert ":quit" in out and "Ctrl-C" in out and "new-world" in out, out
    os.write(fd, b"\x04")                 # Ctrl-D on an empty line: exit
    status = exit_status()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "exit status %r" % status


def main():
    repl = sys.argv[1]
    check_bindings(repl)
    check_messages(repl)
    check_keys(repl)
    print("repl session: all checks passed")


if __name__ == "__main__":
    main()
