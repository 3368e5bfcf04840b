#!/bin/sh
# `make fuzz`: builds every libFuzzer harness of tests/fuzz with clang
# (ASan + UBSan + libFuzzer) and runs each for FUZZ_SECONDS (default 60),
# starting from the seed corpus in tests/fuzz/corpus/NAME (plus generated
# seeds). A crash leaves its input in build-fuzz/; add it to the corpus and
# as a regression test.
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
INC="-I$SRC/include -I$SRC/liblocust -I$OUT/lib $(pkg-config --cflags libcurl libzmq msgpack libcjson libmicrohttpd)"
LIBS="$OUT/lib/.libs/liblocust-core.a $(pkg-config --libs libcurl libzmq msgpack libcjson libmicrohttpd zlib) -lev -lm -ldl"

status=0
for h in "$SRC"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$h" .c)
    echo "fuzz: building $name"
    # shellcheck disable=SC2086
    clang $CFLAGS $INC -o "$OUT/$name" "$h" $LIBS
    corpus="$OUT/corpus-$name"
    mkdir -p "$corpus"
    [ -d "$SRC/tests/fuzz/corpus/$name" ] && cp "$SRC/tests/fuzz/corpus/$name"/* "$corpus/" 2>/dev/null || true
    seeder="$SRC/tests/fuzz/seed_${name#fuzz_}.c"
    if [ -f "$seeder" ]; then
        # shellcheck disable=SC2086
        clang -g -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link $SAN $INC -o "$OUT/seed_$name" "$seeder" $LIBS
        "$OUT/seed_$name" "$corpus"
    fi
    echo "fuzz: running $name for ${SECONDS_EACH}s"
    if ! (cd "$OUT" && ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
            "./$name" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=65536 "$corpus" \
            >"$OUT/$name.log" 2>&1); then
        echo "fuzz: $name FOUND A PROBLEM, see $OUT/$name.log"; tail -n 30 "$OUT/$name.log"; status=1
    else
        tail -n 1 "$OUT/$name.log"
    fi
done
exit $status
