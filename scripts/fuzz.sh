#!/bin/sh
# `make fuzz`: builds every libFuzzer harness of tests/fuzz with clang
# (ASan + UBSan + libFuzzer) and runs each for FUZZ_SECONDS (default 60),
# starting from the seed corpus in tests/fuzz/corpus/NAME (plus generated
# seeds). A crash leaves its input in build-fuzz/; add it to the corpus and
# as a regression test (tests/fuzz/corpus/NAME/ is replayed by
# tests/test_faults_fuzz).
#
# A harness that needs sources beyond the library (the CLI's) names them in
# a line "FUZZ-SOURCES: path ..." (paths from the top of the tree).
# FUZZ_ONLY=NAME runs one harness; FUZZ_JOBS=N runs N harnesses at once.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${FUZZ_BUILD:-$SRC/build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
mkdir -p "$OUT"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# The library itself is built once, instrumented for coverage, in its own
# autotools tree; every harness links its static core.
make -C "$SRC" --no-print-directory configure >/dev/null
if [ ! -f "$OUT/lib/Makefile" ]; then
    mkdir -p "$OUT/lib"
    (cd "$OUT/lib" && CC=clang CXX=clang++ CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $SAN" \
        "$SRC/configure" --disable-shared >"$OUT/configure.log" 2>&1)
fi
make -C "$OUT/lib" -j"$(nproc)" liblocust-core.la >"$OUT/build.log" 2>&1 || { tail -n 30 "$OUT/build.log"; exit 1; }
CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer $SAN"
INC="-I$SRC/include -I$SRC/liblocust -I$SRC/cli -I$OUT/lib $(pkg-config --cflags libcurl libzmq msgpack libcjson libmicrohttpd \
    libnghttp2)"
LIBS="$OUT/lib/.libs/liblocust-core.a $(pkg-config --libs libcurl libzmq msgpack libcjson libmicrohttpd zlib libpsl \
    libcares openssl libnghttp2) -lev -lm -ldl"

run_one() {
    h=$1
    name=$(basename "$h" .c)
    extra=$(sed -n 's/.*FUZZ-SOURCES:[[:space:]]*//p' "$h" | head -n 1)
    srcs=""
    for f in $extra; do srcs="$srcs $SRC/$f"; done
    echo "fuzz: building $name"
    # shellcheck disable=SC2086
    clang $CFLAGS $INC -o "$OUT/$name" "$h" $srcs $LIBS || return 1
    corpus="$OUT/corpus-$name"
    mkdir -p "$corpus"
    if [ -d "$SRC/tests/fuzz/corpus/$name" ]; then cp "$SRC/tests/fuzz/corpus/$name"/* "$corpus/" 2>/dev/null || true; fi
    # Seeds made by a program: seed_NAME.c, or seed_FIRSTWORD.c (seed_stats.c for fuzz_stats_merge).
    seeder="$SRC/tests/fuzz/seed_${name#fuzz_}.c"
    first=${name#fuzz_}
    [ -f "$seeder" ] || seeder="$SRC/tests/fuzz/seed_${first%%_*}.c"
    if [ -f "$seeder" ]; then
        # shellcheck disable=SC2086
        clang -g -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link $SAN $INC -o "$OUT/seed_$name" "$seeder" $LIBS
        "$OUT/seed_$name" "$corpus"
    fi
    echo "fuzz: running $name for ${SECONDS_EACH}s"
    if ! (cd "$OUT" && ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
            "./$name" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
            "$corpus" >"$OUT/$name.log" 2>&1); then
        echo "fuzz: $name FOUND A PROBLEM, see $OUT/$name.log"; tail -n 30 "$OUT/$name.log"; return 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$name.log" | tail -n 1)
    echo "fuzz: $name: ${runs:-?} runs, no crash; $(grep -E '^#[0-9]+' "$OUT/$name.log" | tail -n 1)"
}

status=0
jobs=${FUZZ_JOBS:-1}
pids=""
for h in "$SRC"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$h" .c)
    if [ -n "${FUZZ_ONLY:-}" ] && [ "$FUZZ_ONLY" != "$name" ]; then continue; fi
    if [ "$jobs" -le 1 ]; then
        run_one "$h" || status=1
    else
        run_one "$h" >"$OUT/$name.summary" 2>&1 &
        pids="$pids $!"
        if [ "$(echo "$pids" | wc -w)" -ge "$jobs" ]; then
            for p in $pids; do wait "$p" || status=1; done
            pids=""
        fi
    fi
done
for p in $pids; do wait "$p" || status=1; done
if [ "$jobs" -gt 1 ]; then cat "$OUT"/fuzz_*.summary 2>/dev/null; fi
exit $status
