#!/usr/bin/env python3
"""Shrinks a MOO program that makes echo-fuzz fail, keeping the failure.

    tests/fuzz/minimize.py --fuzz build-asan/tests/fuzz/echo-fuzz crash.moo
    tests/fuzz/minimize.py --fuzz ... --match 'heap-use-after-free' crash.moo -o small.moo

The program is run with `echo-fuzz --repro FILE`; it is "still failing" when the
output matches --match (by default: the sanitizer SUMMARY line, else the
`FAIL[kind]` line, else the `==echo-fuzz==` crash line of the first run).
Delta debugging over lines, then tokens, then characters.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def run(fuzz, extra, src, timeout):
    with tempfile.NamedTemporaryFile("wb", suffix=".moo", delete=False) as f:
        f.write(src)
        path = f.name
    try:
        p = subprocess.run([fuzz, "--repro", path, "--hang-seconds", str(timeout)] + extra,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout * 3)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return -999, "TIMEOUT"
    finally:
        os.unlink(path)


def signature(out):
    m = re.search(r"SUMMARY: \w+Sanitizer: [^\n]*", out)
    if m:
        # The kind and the place, without addresses.
        return re.escape(re.sub(r"0x[0-9a-f]+", "", m.group(0)).split(" in ")[0].strip())
    m = re.search(r"runtime error: [^\n]*", out)
    if m:
        return re.escape(m.group(0)[:60])
    m = re.search(r"FAIL\[([\w-]+)\]", out)
    if m:
        return re.escape(m.group(0))
    if "HANG" in out or out == "TIMEOUT":
        return "HANG|TIMEOUT"
    m = re.search(r"==echo-fuzz== [^\n]*while", out)
    if m:
        return re.escape(m.group(0))
    return None


def ddmin(units, test, joiner):
    n = 2
    while len(units) >= 2:
        chunk = max(1, len(units) // n)
        removed = False
        for start in range(0, len(units), chunk):
            cand = units[:start] + units[start + chunk:]
            if cand and test(joiner(cand)):
                units = cand
                n = max(n - 1, 2)
                removed = True
                break
        if not removed:
            if chunk == 1:
                break
            n = min(len(units), n * 2)
    return units


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fuzz", required=True)
    ap.add_argument("--match")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--extra", default="", help="extra echo-fuzz arguments, e.g. '--fallback'")
    ap.add_argument("-o", "--output")
    ap.add_argument("input")
    a = ap.parse_args()
    extra = a.extra.split()
    src = open(a.input, "rb").read()
    rc, out = run(a.fuzz, extra, src, a.timeout)
    pat = a.match or signature(out)
    if not pat or rc == 0:
        print("the input does not fail (rc=%d):\n%s" % (rc, out[-2000:]))
        return 1
    print("keeping failures that match: %s" % pat, file=sys.stderr)
    rx = re.compile(pat)
    tries = [0]

    def test(cand):
        tries[0] += 1
        rc, out = run(a.fuzz, extra, cand, a.timeout)
        return rc != 0 and rx.search(out) is not None

    lines = src.split(b"\n")
    lines = ddmin(lines, test, lambda u: b"\n".join(u))
    cur = b"\n".join(lines)
    toks = re.findall(rb'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\s+|.',
                      cur, re.S)
    toks = ddmin(toks, test, lambda u: b"".join(u))
    cur = b"".join(toks)
    chars = [bytes([c]) for c in cur]
    if len(chars) < 400:
        chars = ddmin(chars, test, lambda u: b"".join(u))
        cur = b"".join(chars)
    print("%d tries; %d -> %d bytes" % (tries[0], len(src), len(cur)), file=sys.stderr)
    if a.output:
        open(a.output, "wb").write(cur)
    sys.stdout.buffer.write(cur + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
