#!/usr/bin/env bash
# Build each C test in ffi/tests against the header and libkafkette.so, run it,
# then run it again under valgrind's memcheck (no leaks, no invalid accesses).
# Usage: CC=cc LIB_DIR=target/debug OUT_DIR=target/ffi-tests bash ffi/tests/run.sh [test names...]
set -u
here="$(cd "$(dirname "$0")" && pwd)"
CC="${CC:-cc}"
LIB_DIR="${LIB_DIR:?LIB_DIR: the directory holding libkafkette.so}"
OUT_DIR="${OUT_DIR:?OUT_DIR: where to put the test programs}"
mkdir -p "$OUT_DIR"
valgrind_cmd=(valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1)

if [ $# -gt 0 ]; then names=("$@"); else names=(); for f in "$here"/*.c; do names+=("$(basename "$f" .c)"); done; fi

passed=0 failed=0
for name in "${names[@]}"; do
    exe="$OUT_DIR/$name"
    if ! "$CC" -Wall -Wextra -Werror -std=c11 -g -pthread -I"$here/../include" -I"$here" \
        "$here/$name.c" -o "$exe" -L"$LIB_DIR" -Wl,-rpath,"$LIB_DIR" -lkafkette; then
        echo "FAIL $name (compile)"; failed=$((failed + 1)); continue
    fi
    start=$EPOCHREALTIME
    if ! "$exe" > "$OUT_DIR/$name.log" 2>&1; then
        cat "$OUT_DIR/$name.log"; echo "FAIL $name"; failed=$((failed + 1)); continue
    fi
    mid=$EPOCHREALTIME
    if ! "${valgrind_cmd[@]}" "$exe" > "$OUT_DIR/$name.valgrind.log" 2>&1; then
        cat "$OUT_DIR/$name.valgrind.log"; echo "FAIL $name (valgrind)"; failed=$((failed + 1)); continue
    fi
    end=$EPOCHREALTIME
    awk -v n="$name" -v a="$start" -v b="$mid" -v c="$end" \
        'BEGIN { printf "ok   %-22s %5.2fs, under valgrind %5.2fs\n", n, b - a, c - b }'
    passed=$((passed + 1))
done
echo "ffi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
