#!/usr/bin/env bash
# echo-repl end to end: one-shot evaluation with its exit statuses, and the
# interactive loop fed through a pipe (multi-line input, variables kept).
set -u
repl=$1
data=${2:-}
fails=0
passes=0
check() {  # check NAME EXPECTED_STATUS EXPECTED_OUTPUT_SUBSTRING -- command...
  local name=$1 want_status=$2 want_out=$3
  shift 4
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [[ $status -ne $want_status || $out != *"$want_out"* ]]; then
    echo "FAIL $name: status $status (want $want_status), output: $out"
    fails=$((fails + 1))
  else
    echo "ok   $name"
    passes=$((passes + 1))
  fi
}
check "expression"        0 "=> 3"                  -- "$repl" -e '1 + 2'
check "statements"        0 '=> {2, 1}'             -- "$repl" -e '{a, b} = {1, 2}; return {b, a};'
check "raise"             1 "Division by zero"      -- "$repl" -e 'return 1/0;'
check "traceback end"     1 "(End of traceback)"    -- "$repl" -e 'return 1/0;'
check "compile error"     2 "Line 1"                -- "$repl" -e 'return (1;'
check "out of ticks"      1 "ran out of ticks"      -- "$repl" -e 'while (1) endwhile'
check "bytecode"          0 "RETURN"                -- "$repl" -d 'return 1;'
check "bad command"       2 "unknown command"       -- "$repl" --frobnicate
check "world"             0 '=> {#4, "w", 1}'     -- "$repl" -e 'o = create(#1); o.name = "w"; return {o, o.name, player == #3};'
session=$(printf 'x = 40\nif (x)\n  x = x + 2;\nendif\nx\n' | "$repl" 2>&1)
if [[ $session == *"=> 42"* ]]; then echo "ok   interactive"; passes=$((passes + 1)); else echo "FAIL interactive: $session"; fails=$((fails + 1)); fi

# import / export / snapshot of a real core, through a store in a scratch dir.
if [[ -z $data || ! -f $data/Minimal.db ]]; then
  echo "FAIL no shared data directory at '$data'"; fails=$((fails + 1))
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  check "import"          0 "97 objects"            -- "$repl" import "$data/LambdaCore-latest.db" --to "$tmp/lc.db"
  check "import refuses"  1 "exists"                -- "$repl" import "$data/LambdaCore-latest.db" --to "$tmp/lc.db"
  check "export"          0 "exported"              -- "$repl" export "$tmp/lc.db" --format 4 "$tmp/out.db"
  if cmp -s "$tmp/out.db" "$data/LambdaCore-latest.db"; then echo "ok   round trip"; passes=$((passes + 1)); else echo "FAIL round trip differs"; fails=$((fails + 1)); fi
  check "export 17"       0 "exported"              -- "$repl" export "$tmp/lc.db" --format 17 "$tmp/out17.db"
  check "export json"     0 "exported"              -- "$repl" export "$tmp/lc.db" --json "$tmp/lc.json"
  if ! command -v python3 >/dev/null; then
    echo "skip json parses (no python3 to parse it)"
  elif python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['objects'])==97 and d['objects'][0]['name']=='The System Object' and any(v['code'] for o in d['objects'] if 'verbs' in o for v in o['verbs'])" "$tmp/lc.json"; then
    echo "ok   json parses"; passes=$((passes + 1))
  else
    echo "FAIL json export does not parse or lacks objects"; fails=$((fails + 1))
  fi
  check "snapshot"        0 "snap."                 -- "$repl" snapshot "$tmp/lc.db" --keep 1
  printf '** LambdaMOO Database, Format Version 4 **\nnot a number\n' > "$tmp/bad.db"
  check "broken input"    1 "line 2"                -- "$repl" import "$tmp/bad.db" --to "$tmp/bad-store.db"
  if [[ -e $tmp/bad-store.db ]]; then echo "FAIL broken import left a store"; fails=$((fails + 1)); fi
  # load and dump on a world that does not exist: refused, nothing made.
  printf 'object $gizmo\nendobject\n' > "$tmp/gizmo.echo"
  check "load no world"   1 "no world at"           -- "$repl" load "$tmp/gizmo.echo" --world "$tmp/none.db"
  check "dump no world"   1 "new-world"             -- "$repl" dump '#0' --world "$tmp/none.db"
  if [[ -e $tmp/none.db ]]; then echo "FAIL load made an empty store"; fails=$((fails + 1)); fi
  check "new-world"       0 "wrote"                 -- "$repl" new-world "$tmp/w.db"
  check "load one"        0 ": 1 object ("          -- "$repl" load "$tmp/gizmo.echo" --world "$tmp/w.db"
  # A snapshot of a store a server is running on: the server takes it
  # (SIGUSR2, LambdaMOO's remote checkpoint signal); SIGUSR1 stops it.
  "$repl" serve "$tmp/w.db" --telnet-port 0 >"$tmp/serve.out" 2>"$tmp/serve.log" &
  server=$!
  for _ in $(seq 100); do grep -q "port" "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
  check "snapshot running" 0 "is taking a snapshot"  -- "$repl" snapshot "$tmp/w.db"
  check "export running"   0 "exported"              -- "$repl" export "$tmp/w.db" --json "$tmp/w.json"
  check "dump running"     0 "gizmo"                 -- "$repl" dump '$gizmo' --world "$tmp/w.db"
  if ls -d "$tmp"/w.db/view.* >/dev/null 2>&1; then echo "FAIL a scratch store was left"; fails=$((fails + 1)); fi
  kill -USR1 "$server"
  if wait "$server" && grep -q "CHECKPOINT: requested by a signal" "$tmp/serve.log"; then
    echo "ok   remote checkpoint and shutdown signals"; passes=$((passes + 1))
  else
    echo "FAIL the server did not take the signalled checkpoint or stop on SIGUSR1"; fails=$((fails + 1))
  fi
fi
echo "cli: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
