#!/bin/sh
# `make demo`: runs examples/basic.c headless for 15 s (50 users, 10 per
# second) against locust-demo-target on 127.0.0.1, prints locust-run's
# console tables, stops the target and says where the CSV files are.
#
#   sh scripts/demo.sh BUILD_DIR
#
# Bounded: the target must listen within 10 s, and locust-run is stopped
# (gracefully, then for good) if it runs past 60 s. The target is stopped on
# every exit path.
set -eu

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: sh scripts/demo.sh BUILD_DIR (a configured and built tree)" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
out=$build/demo
for prog in locust-run locust-demo-target; do
    if [ ! -x "$build/$prog" ]; then
        echo "demo: $build/$prog is missing: run 'make BUILD=$1 build' first" >&2
        exit 1
    fi
done
mkdir -p "$out"
portfile=$out/target.port
rm -f "$portfile" "$out/demo_requests.csv" "$out/demo_distribution.csv"

"$build/locust-demo-target" --host 127.0.0.1 --port 0 --port-file "$portfile" >"$out/target.log" 2>&1 &
target=$!
cleanup() {
    kill "$target" 2>/dev/null || true
    wait "$target" 2>/dev/null || true
    rm -f "$portfile"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tries=0
while [ ! -s "$portfile" ]; do
    if ! kill -0 "$target" 2>/dev/null; then
        echo "demo: locust-demo-target exited; its log:" >&2
        cat "$out/target.log" >&2
        exit 1
    fi
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
        echo "demo: locust-demo-target did not listen within 10 s (see $out/target.log)" >&2
        exit 1
    fi
    sleep 0.1
done
host=http://127.0.0.1:$(cat "$portfile")

echo "demo: locust-demo-target is serving $host"
echo "demo: running examples/basic.c for 15 s: 50 users, hatched at 10 per second"
echo
status=0
# The scenario is compiled by locust-run itself, into a cache inside the build tree.
LOCUST_CACHE_DIR=$out/cache timeout -k 10 60 "$build/locust-run" -f "$src/examples/basic.c" -H "$host" \
    --no-web -c 50 -r 10 -t 15s --csv "$out/demo" || status=$?
echo
if [ -f "$out/demo_requests.csv" ]; then
    echo "demo: CSV files: $out/demo_requests.csv"
    echo "                 $out/demo_distribution.csv"
fi
echo "demo: locust-run exited with status $status"
exit "$status"
