#!/bin/sh
/work/shared/tools/tree-sitter generate --abi 14 --no-bindings 2>&1 | grep -v -E '^ +[0-9]+: +(<unknown>|__libc)|^Stack backtrace' | head -${1:-30}
