#!/usr/bin/env python3
"""echo-repl's interactive loop as a user meets it (issue 17).

- Echo lines: top-level let, const and fn bindings last to the next line
  (`let sq = x => x * x;` then `sq(9)`), constants stay constant, and a
  nested block's bindings stay in their block.
Usage: test_repl_session.py ECHO_REPL
"""
import os
import subprocess
import sys
import tempfile


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


def main():
    repl = sys.argv[1]
    check_bindings(repl)
    print("repl session: all checks passed")


if __name__ == "__main__":
    main()
