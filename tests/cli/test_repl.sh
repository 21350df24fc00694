#!/usr/bin/env bash
# echo-repl end to end: one-shot evaluation with its exit statuses, and the
# interactive loop fed through a pipe (multi-line input, variables kept).
set -u
repl=$1
fails=0
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
if [[ $session == *"=> 42"* ]]; then echo "ok   interactive"; else echo "FAIL interactive: $session"; fails=$((fails + 1)); fi
echo "cli: $((10 - fails)) passed, $fails failed"
[[ $fails -eq 0 ]]
