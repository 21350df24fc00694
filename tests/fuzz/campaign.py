#!/usr/bin/env python3
"""Runs echo-fuzz over many seeds, restarting after each crash, and groups the
failures by kind and stack (the first frames in the project's own code).

    nice -n 10 tests/fuzz/campaign.py --fuzz build-asan/tests/fuzz/echo-fuzz \
        --seeds 1-20 --iterations 5000 --out /tmp/fuzz-run

Every crash leaves DIR/crash-S-I.log (the sanitizer report) and
DIR/crash-seed_S_iter_I_mode_M.moo (the program); invariant failures leave
DIR/fail-KIND-S-I.{moo,txt}. DIR/summary.txt lists one line per distinct
failure with its first example. Arguments for echo-fuzz go in one string:
--extra="--mode world --no-nested-forks".
"""
import argparse
import collections
import glob
import os
import re
import subprocess
import sys
import time


def crash_key(log):
    m = re.search(r"SUMMARY: (\w+Sanitizer): ([\w-]+)", log)
    kind = m.group(2) if m else None
    if not kind:
        m = re.search(r"runtime error: ([^\n]{0,80})", log)
        kind = "ubsan: " + re.sub(r"-?\d+", "N", m.group(1)) if m else None
    if not kind:
        if "HANG" in log:
            kind = "hang"
        else:
            m = re.search(r"==echo-fuzz== (signal \d+)", log)
            kind = m.group(1) if m else "unknown crash"
    frames = []
    for fm in re.finditer(r"#\d+ 0x[0-9a-f]+ in (.+?) (/\S+:\d+)", log):
        fn, where = re.sub(r"\(.*", "", fm.group(1)), fm.group(2)
        if "/lang/" in where or "/grammar/" in where:
            where = re.sub(r".*/(lang|grammar)/", r"\1/", where)
            frames.append("%s %s" % (fn, where))
        if len(frames) == 3:
            break
    m = re.search(r"runtime error: [^\n]*", log)
    src = re.search(r"(/\S+/(lang|grammar)/\S+:\d+:\d+): runtime error", log)
    if src:
        frames.insert(0, re.sub(r".*/(lang|grammar)/", r"\1/", src.group(1)))
    return kind + " | " + " <- ".join(frames[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fuzz", required=True)
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--iterations", type=int, default=5000)
    ap.add_argument("--budget", type=float, default=0, help="stop after this many seconds")
    ap.add_argument("--out", required=True)
    ap.add_argument("--extra", default="")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    lo, _, hi = a.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    extra = a.extra.split()
    crashes = collections.OrderedDict()
    programs = 0
    t0 = time.time()
    for seed in seeds:
        start = 0
        while start < a.iterations:
            if a.budget and time.time() - t0 > a.budget:
                break
            trace = os.path.join(a.out, "trace-%d.txt" % seed)
            cmd = [a.fuzz, "--seed", str(seed), "--start", str(start),
                   "--iterations", str(a.iterations - start), "--out", a.out,
                   "--trace", trace] + extra
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            log = p.stdout.decode("utf-8", "replace")
            m = re.search(r"echo-fuzz: (\d+) programs", log)
            if m:
                programs += int(m.group(1))
            elif os.path.exists(trace):
                # Died without the death callback (UBSan): the trace has the program.
                tr = open(trace, "rb").read().decode("utf-8", "replace")
                tag, _, prog = tr.partition("\n")
                log += "\n==echo-fuzz== died while running %s\n==echo-fuzz== program:\n%s\n" % (tag, prog)
                t = re.search(r"seed=(\d+) iter=(\d+) mode=(\w+)", tag)
                if t:
                    with open(os.path.join(a.out, "crash-seed_%s_iter_%s_mode_%s.moo" % t.groups()), "w") as f:
                        f.write(prog)
            with open(os.path.join(a.out, "run-%d-%d.log" % (seed, start)), "w") as f:
                f.write(log)
            m = re.search(r"while running seed=(\d+) iter=(\d+) mode=(\w+)", log)
            if not m:  # finished (exit 0, or 1 for invariant failures)
                break
            it = int(m.group(2))
            programs += it - start + 1
            path = os.path.join(a.out, "crash-%d-%d.log" % (seed, it))
            with open(path, "w") as f:
                f.write(log)
            key = crash_key(log)
            crashes.setdefault(key, []).append("seed=%d iter=%d mode=%s" % (seed, it, m.group(3)))
            print("crash: %s  (seed %d iter %d)" % (key, seed, it), flush=True)
            start = it + 1
        if a.budget and time.time() - t0 > a.budget:
            break
    fails = collections.OrderedDict()
    for txt in sorted(glob.glob(os.path.join(a.out, "fail-*.txt"))):
        kind = os.path.basename(txt).split("-")[1:-2]
        fails.setdefault("-".join(kind), []).append(os.path.basename(txt)[:-4])
    with open(os.path.join(a.out, "summary.txt"), "w") as f:
        f.write("about %d programs in %.0f s\n" % (programs, time.time() - t0))
        for k, v in crashes.items():
            f.write("CRASH %s: %d, first %s\n" % (k, len(v), v[0]))
        for k, v in fails.items():
            f.write("FAIL %s: %d, first %s\n" % (k, len(v), v[0]))
    sys.stdout.write(open(os.path.join(a.out, "summary.txt")).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
