#!/usr/bin/env bash
# Echo's one entry point on a Debian 12 machine.
#   ./echo.sh run     install what the build needs, build, serve the default world
#                     (made into default-world.db the first time) on telnet port 7777
#                     and HTTP port 8080 (the API and WebSocket)
#   ./echo.sh repl    install, build, start the MOO REPL on an in-memory world
#   ./echo.sh test    install, build, and run every test (also under ASan/UBSan)
#   ./echo.sh build   install and build only
#   ./echo.sh bench   install, build, and run the benchmarks
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(cmake ninja-build ccache g++ pkg-config
  libcaf-dev libtree-sitter-dev librocksdb-dev capnproto libcapnp-dev llvm-14-dev python3
  libcivetweb-dev civetweb catch2 libedit-dev libssl-dev libcrypt-dev zlib1g-dev libargon2-dev libpcre2-dev
  libaspell-dev aspell-en libhttp-parser-dev libsqlite3-dev libcurl4-openssl-dev
  openssl chromium)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "echo.sh: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  ninja -C "$dir"
}

case "${1:-}" in
  run)
    deps
    build build
    # The world lives in default-world.db (gitignored); made once from the
    # object files compiled into echo-repl (config/world/*.echo), then kept.
    [[ -d default-world.db ]] || build/cli/echo-repl new-world default-world.db
    exec build/cli/echo-repl serve default-world.db --http-port 8080 "${@:2}"
    ;;
  repl)
    deps
    build build
    exec build/cli/echo-repl
    ;;
  test)
    deps
    build build
    # -j2: the CPU-bound suites run side by side; the end-to-end tests,
    # which time round trips, are RUN_SERIAL and run alone.
    (cd build && ctest --output-on-failure -j2)
    echo "== the same tests under AddressSanitizer and UBSan =="
    # No benchmarks there: their figures mean nothing under the sanitizers.
    # Line tables (-g1) are all a sanitizer report needs (file, line,
    # function), and they compile faster than -g.
    build build-asan -DECHO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DECHO_JIT=OFF -DECHO_BENCH=OFF \
      -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2)
    ;;
  build)
    deps
    build build
    ;;
  bench)
    deps
    build build
    build/bench/echo-bench-kernels "${@:2}"
    ;;
  *)
    echo "usage: ./echo.sh run|repl|test|build|bench" >&2
    exit 2
    ;;
esac
