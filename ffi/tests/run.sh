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

# One test: compile, run, run under valgrind. Prints one line starting with ok or FAIL.
run_one() {
    local name=$1 exe="$OUT_DIR/$1" start mid end
    if ! "$CC" -Wall -Wextra -Werror -std=c11 -g -pthread -I"$here/../include" -I"$here" \
        "$here/$name.c" -o "$exe" -L"$LIB_DIR" -Wl,-rpath,"$LIB_DIR" -lkafkette; then
        echo "FAIL $name (compile)"; return
    fi
    start=$EPOCHREALTIME
    if ! "$exe" > "$OUT_DIR/$name.log" 2>&1; then
        cat "$OUT_DIR/$name.log"; echo "FAIL $name"; return
    fi
    mid=$EPOCHREALTIME
    if ! "${valgrind_cmd[@]}" "$exe" > "$OUT_DIR/$name.valgrind.log" 2>&1; then
        cat "$OUT_DIR/$name.valgrind.log"; echo "FAIL $name (valgrind)"; return
    fi
    end=$EPOCHREALTIME
    awk -v n="$name" -v a="$start" -v b="$mid" -v c="$end" \
        'BEGIN { printf "ok   %-22s %5.2fs, under valgrind %5.2fs\n", n, b - a, c - b }'
}

# Two at a time (the machines have two cores); results printed in name order.
jobs_max=${FFI_TEST_JOBS:-2}
for name in "${names[@]}"; do
    run_one "$name" > "$OUT_DIR/$name.result" 2>&1 &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
done
wait
passed=0 failed=0
for name in "${names[@]}"; do
    cat "$OUT_DIR/$name.result"
    if tail -n 1 "$OUT_DIR/$name.result" | grep -q '^ok '; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done

# The same API from the static library, and the header from C++ (cbindgen's extern "C" guards).
if [ $# -eq 0 ]; then
    if "$CC" -Wall -Wextra -Werror -std=c11 -pthread -I"$here/../include" -I"$here" "$here/null_args.c" \
        -o "$OUT_DIR/null_args_static" "$LIB_DIR/libkafkette.a" -lpthread -ldl -lm \
        && "$OUT_DIR/null_args_static" > "$OUT_DIR/null_args_static.log" 2>&1; then
        echo "ok   static library (null_args linked with libkafkette.a)"; passed=$((passed + 1))
    else
        echo "FAIL static library"; failed=$((failed + 1))
    fi
    CXX="${CXX:-c++}"
    if ! command -v "$CXX" > /dev/null; then
        echo "skip header as C++ ($CXX not found)"
    elif "$CXX" -fsyntax-only -Wall -Wextra -Werror -x c++ "$here/../include/kafkette.h"; then
        echo "ok   header compiles as C++"; passed=$((passed + 1))
    else
        echo "FAIL header as C++"; failed=$((failed + 1))
    fi
fi
echo "ffi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
