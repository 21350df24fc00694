#!/usr/bin/env bash
# Regenerates src/ from grammar.js with the tree-sitter CLI (ABI 14, which
# Debian 12's libtree-sitter 0.20 loads), drops the npm/binding scaffolding the
# CLI writes, and runs the corpus tests (arguments go to `tree-sitter test`).
set -euo pipefail
cd "$(dirname "$0")"
ts=${TREE_SITTER:-../../../shared/tools/tree-sitter}
"$ts" generate --abi 14 --no-bindings
rm -f package.json src/tree_sitter/alloc.h src/tree_sitter/array.h
"$ts" test "$@"
