#!/usr/bin/env python3
"""End to end: resource attacks by a programmer on the default world.

Each attack runs in a task of the attacker's for ATTACK_SECONDS (or until the
server stops it) while an honest player's commands are timed: value bombs
(nesting stored and suspended, list and string doubling, a map grown across
suspend()s, a big sort), a fork bomb (under the world's
queued_task_limit and without one), a suspend() loop, and an output flood
to a client that does not read. After each: the server still answers, the
attack ended with the error the limits give (E_QUOTA, E_MAXREC, ...) or was
stopped, and the server's memory and store stayed bounded. Prints, per
attack, the honest client's p50/p99/max, the server's peak RSS and the
store's peak size.
Usage: test_resource_attacks.py ECHO_REPL WORK_DIR
"""
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import login, new_world_server, serving  # noqa: E402

ATTACK_SECONDS = 4
RSS_LIMIT = 1536 << 20     # the server's resident memory, at any moment
if os.environ.get("ASAN_OPTIONS"):  # AddressSanitizer's shadow and quarantine
    RSS_LIMIT *= 3
STORE_LIMIT = 512 << 20    # the store's disk use
LATENCY_LIMIT = 2.0        # the honest client's worst round trip, seconds
P99_LIMIT = 0.1            # ... and its 99th percentile: issue 14's "within 100 ms"
if os.environ.get("ASAN_OPTIONS"):  # every instruction and allocation costs several times more
    P99_LIMIT *= 5
# Attacks whose stall is known and open (docs/security.md): their worst round
# trip is printed, not bounded, and so is their p99 under ASan (where the
# stall leaves the honest player a dozen commands in all); a hang still fails (each command
# waits 30 s at most), as does a crash or memory past the limit. With no
# queued_task_limit, the fork bomb's first segment makes 15,000 tasks and
# commits their records holding the token, 0.3-0.4 s here and 7-9 s under
# ASan (-O0), where the honest player, timed from before the attack starts,
# then makes a dozen commands in all. Its stalls after that (the forks'
# held-back records) are gone.
KNOWN_STALLS = {"fork bomb, no queued_task_limit"}

# (name, MOO statements run by the attacker in a forked task, a regex of how it
# must end, or None when it is killed after ATTACK_SECONDS). Doubling is
# aborted as if out of time unless $server_options.max_concat_catchable.
ATTACKS = [
    ("nesting 15,000 deep, stored",
     "l = {}; for i in [1..15000] l = {l}; if (ticks_left() < 2000) suspend(0); endif endfor "
     "player.loot = l; suspend(0); player.loot = 0;", None),
    ("list doubling", "l = {1}; while (1) l = {@l, @l}; endwhile", "E_QUOTA|ran out of seconds"),
    ("string doubling", "s = \"xxxxxxxx\"; while (1) s = s + s; endwhile", "E_QUOTA|ran out of seconds"),
    ("map grown across suspend()",
     "m = []; i = 0; while (1) i = i + 1; m[i] = \"0123456789abcdef0123456789abcdef\"; "
     "if (ticks_left() < 2000) suspend(0); endif endwhile", None),
    ("list of strings grown across suspend()",
     "l = {}; s = \"0123456789\"; for i in [1..20] s = s + s; endfor "
     "while (1) l = {@l, s + tostr(length(l))}; if (ticks_left() < 2000) suspend(0); endif endwhile",
     None),
    ("fork bomb", "while (1) fork (0) suspend(30); endfork endwhile", "E_QUOTA"),
    # The same where the world sets no queued_task_limit (the wizard lifts
    # the default world's 300 for it): 15,000 tasks from one segment.
    ("fork bomb, no queued_task_limit", "while (1) fork (0) suspend(30); endfork endwhile", None),
    ("suspend loop holding 1 MB",
     "s = \"0123456789abcdef\"; for i in [1..16] s = s + s; endfor n = 0; "
     "while (1) n = n + 1; suspend(0); endwhile", None),
]


class Sampler(threading.Thread):
    """Samples the server's RSS and the store's disk use every 50 ms."""

    def __init__(self, pid, store):
        super().__init__(daemon=True)
        self.pid, self.store = pid, store
        self.rss = self.disk = 0
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
                    if m:
                        self.rss = max(self.rss, int(m.group(1)) * 1024)
            except OSError:
                pass
            total = 0
            for root, _, files in os.walk(self.store):
                for name in files:
                    try:
                        total += os.lstat(os.path.join(root, name)).st_blocks * 512
                    except FileNotFoundError:
                        pass
            self.disk = max(self.disk, total)
            time.sleep(0.05)


def ev(c, code, timeout=30):
    return c.command(";;" + code, r"^(=> |Error: )(.*)$", timeout).group(0)


def timed(honest, seconds):
    lat = []
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.time()
        honest.command(";1 + 1", r"^=> 2$", 30)
        lat.append(time.time() - t0)
        time.sleep(0.005)
    lat.sort()
    return lat


def main():
    repl, work = sys.argv[1], sys.argv[2]
    server = new_world_server(repl, work, "attacks")
    store = os.path.join(work, "attacks.db")
    failures = []
    rows = []
    with serving(server):
        wiz = login(server.port, "wizard", "connect wizard wizard")
        attacker = login(server.port, "Mallory", "create Mallory mal1ce")
        honest = login(server.port, "Honest", "create Honest h0nest")
        ev(wiz, "for p in (players()) p.programmer = 1; endfor return 1;")
        ev(attacker, "add_property(player, \"loot\", 0, {player, \"rw\"}); return 1;")
        me = attacker_obj(attacker)
        only = os.environ.get("ECHO_ATTACK")  # by hand: the attacks whose name has this
        for name, code, ending in ATTACKS:
            if only and only not in name:
                continue
            unlimited = "no queued_task_limit" in name
            if unlimited:
                ev(wiz, "$server_options.queued_task_limit = -1; load_server_options(); return 1;")
            sampler = Sampler(server.proc.pid, store)
            sampler.start()
            # The honest player is already at it when the attack starts: a
            # stall at its start (the attack's first segment runs before its
            # own `=> task` is sent) is caught too.
            lat = []
            clock = threading.Thread(target=lambda: lat.extend(timed(honest, ATTACK_SECONDS)))
            clock.start()
            time.sleep(0.1)
            out = ev(attacker, "fork t (0) try %s except e (ANY) player:tell(\"ENDED \", toliteral(e[1])); "
                               "endtry endfork return t;" % code)
            task = re.search(r"=> (\d+)", out).group(1)
            clock.join()
            lat.sort()
            # Whatever is still running is killed, as a wizard would.
            ev(wiz, "`kill_task(%s) ! ANY'; for t in (queued_tasks()) if (t[5] == %s) kill_task(t[1]); endif "
                    "if (ticks_left() < 5000) suspend(0); endif endfor return 1;" % (task, me),
               timeout=120)
            if unlimited:
                ev(wiz, "$server_options.queued_task_limit = 300; load_server_options(); return 1;")
            ended = [l for l in attacker.drain(0.5) if l.startswith("ENDED ") or "ran out of" in l]
            sampler.stop = True
            sampler.join()
            assert honest.command(";1 + 1", r"^=> 2$", 30)
            p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            rows.append("  %-40s %5d commands: p50 %6.1f ms, p99 %7.1f ms, max %7.1f ms; "
                        "peak RSS %5d MB, store %4d MB; %s"
                        % (name, len(lat), 1000 * p50, 1000 * p99, 1000 * lat[-1], sampler.rss >> 20,
                           sampler.disk >> 20, ended[0] if ended else "no error (ended, or killed)"))
            if ending and not any(re.search(ending, l) for l in ended):
                failures.append("%s: ended with %s, not %s" % (name, ended or "nothing", ending))
            if lat[-1] > LATENCY_LIMIT and name not in KNOWN_STALLS:
                failures.append("%s: the honest client waited %.2f s" % (name, lat[-1]))
            if p99 > P99_LIMIT and not (name in KNOWN_STALLS and os.environ.get("ASAN_OPTIONS")):
                failures.append("%s: the honest client's p99 was %.0f ms" % (name, 1000 * p99))
            if sampler.rss > RSS_LIMIT:
                failures.append("%s: the server's RSS reached %d MB" % (name, sampler.rss >> 20))
            if sampler.disk > STORE_LIMIT:
                failures.append("%s: the store reached %d MB" % (name, sampler.disk >> 20))
        for c in (wiz, attacker, honest):
            c.close()
    print("resource attacks (default world, %d s each):" % ATTACK_SECONDS)
    print("\n".join(rows))
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print("e2e resource attacks: all checks passed")


def attacker_obj(c):
    m = c.command(";player", r"^=> (#\d+)$")
    return m.group(1)


if __name__ == "__main__":
    main()
