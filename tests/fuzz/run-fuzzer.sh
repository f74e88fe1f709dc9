#!/usr/bin/env bash
# Builds one libFuzzer target with clang and runs it for a bounded time.
#   run-fuzzer.sh NAME SECONDS SOURCE_ROOT BUILD_ROOT TARGET.c [PROJECT_SOURCES…]
# Fails on any crash, leak or sanitizer report; prints the executions it made.
set -euo pipefail

name=$1 seconds=$2 src=$3 build=$4 target=$5
shift 5

command -v clang >/dev/null || { echo "Bail out! clang is not installed (tools/deps.sh installs it)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bw-fuzz-$name-XXXXXX")
trap 'rm -rf "$work"' EXIT

deps="glib-2.0 gio-2.0 json-glib-1.0"
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
  -I"$build" -I"$src/src" $(pkg-config --cflags $deps) \
  "$target" "$@" $(pkg-config --libs $deps) -lm -o "$work/fuzzer"

corpus="$src/tests/fuzz/corpus-$name"
mkdir -p "$work/corpus"
[ -d "$corpus" ] && cp -r "$corpus/." "$work/corpus/"

echo "1..1"
if ASAN_OPTIONS=detect_leaks=1 "$work/fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || true)
  [ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$work/log" | tail -1 | tr -d '#')
  echo "ok 1 - $name: no crash in ${seconds}s (${execs:-?} executions)"
else
  tail -60 "$work/log" | sed 's/^/# /'
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [ -e "$f" ] && { echo "# reproducer (base64):"; base64 "$f" | sed 's/^/# /'; }
  done
  echo "not ok 1 - $name: the fuzzer found a problem"
  exit 1
fi
