#!/bin/sh
# Soak test (not part of `make check`): moderate load for a long time
# against locust-demo-target, watching locust-run's memory.
#
#   sh scripts/soak.sh [BUILD]          (BUILD: the build tree, default build)
#
# Runs tests/reliability/rely.c's Rely class (GET /, waits 100-500 ms) with
# SOAK_USERS users (default 200) for SOAK_MINUTES minutes (default 30),
# samples locust-run's resident memory (VmRSS) every SOAK_SAMPLE seconds
# (default 60) into $SOAK_DIR/rss.csv, and prints the growth from the end of
# the warm-up (SOAK_WARMUP_MINUTES, default a third of the run, at most 5)
# to the end. It fails (exit 1) when that growth exceeds SOAK_MAX_GROWTH
# percent (default 1) or when locust-run fails; it prints the request count
# locust-run reported next to the target's.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
MINUTES=${SOAK_MINUTES:-30}
USERS=${SOAK_USERS:-200}
SAMPLE=${SOAK_SAMPLE:-60}
MAX_GROWTH=${SOAK_MAX_GROWTH:-1}
WARMUP=${SOAK_WARMUP_MINUTES:-$(awk -v m="$MINUTES" 'BEGIN { w = m / 3; print (w > 5 ? 5 : w) }')}
DIR=${SOAK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/locust-soak-XXXXXX")}
mkdir -p "$DIR"
RUN=$BUILD/locust-run
TARGET=$BUILD/locust-demo-target
[ -x "$RUN" ] && [ -x "$TARGET" ] || { echo "soak: build $BUILD first (make BUILD=$BUILD build)" >&2; exit 2; }

target_pid=""
run_pid=""
cleanup() {
    [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null || true
    [ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$TARGET" --port 0 --port-file "$DIR/port" --threads 2 >"$DIR/target.log" 2>&1 &
target_pid=$!
for _ in $(seq 100); do [ -s "$DIR/port" ] && break; sleep 0.1; done
[ -s "$DIR/port" ] || { echo "soak: the demo target did not start" >&2; exit 1; }
host="http://127.0.0.1:$(cat "$DIR/port")"
counter() { curl -s "$host/counter" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p'; }

echo "soak: $USERS users, waits 100-500 ms, $MINUTES min against $host; warm-up $WARMUP min; files in $DIR"
# Compile the scenario first, so that the run itself starts at once.
LOCUST_CACHE_DIR=$DIR/cache "$RUN" -f "$SRC/tests/reliability/rely.c" --list >/dev/null
LOCUST_CACHE_DIR=$DIR/cache RELY_MIN_WAIT=100 RELY_MAX_WAIT=500 "$RUN" -f "$SRC/tests/reliability/rely.c" \
    -H "$host" --no-web -c "$USERS" -r 50 -t "${MINUTES}m" --only-summary --csv "$DIR/soak" Rely \
    >"$DIR/locust-run.out" 2>"$DIR/locust-run.log" &
run_pid=$!

echo "minute,elapsed_s,rss_kb,target_requests" >"$DIR/rss.csv"
start=$(date +%s)
sample() {
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$run_pid/status" 2>/dev/null || true)
    [ -n "$rss" ] || return 1
    now=$(date +%s)
    el=$((now - start))
    line="$(awk -v e="$el" 'BEGIN { printf "%.2f", e / 60 }'),$el,$rss,$(counter)"
    echo "$line" >>"$DIR/rss.csv"
    echo "soak: $line"
}
sleep 1
sample || true
while kill -0 "$run_pid" 2>/dev/null; do
    # Sleep in steps of a second so that the end of the run is noticed at once.
    i=0
    while [ "$i" -lt "$SAMPLE" ] && kill -0 "$run_pid" 2>/dev/null; do sleep 1; i=$((i + 1)); done
    [ "$i" -eq "$SAMPLE" ] && { sample || true; }
done
status=0
wait "$run_pid" || status=$?
run_pid=""
served=$(counter)
reported=$(sed -n 's/^"None","Total",\([0-9]*\),\([0-9]*\),.*/\1 \2/p' "$DIR/soak_requests.csv")
echo "soak: locust-run exit status $status; reported (requests failures): $reported; the target served $served"
rc=0
[ "$status" -eq 0 ] || { echo "soak: FAIL: locust-run exited $status (see $DIR/locust-run.log)"; rc=1; }
if [ -n "$reported" ] && [ -n "$served" ]; then
    # shellcheck disable=SC2086
    set -- $reported
    echo "soak: the target served $((served - $1 - $2)) requests more than were reported"
fi
grep "abandoned" "$DIR/locust-run.log" || true
# The growth from the first sample after the warm-up to the last.
awk -F, -v w="$WARMUP" -v max="$MAX_GROWTH" '
    NR > 1 && $1 >= w && base == "" { base = $3; bmin = $1 }
    NR > 1 { last = $3; lmin = $1; if ($3 > peak) peak = $3 }
    END {
        if (base == "") { print "soak: no sample after the warm-up: run longer"; exit 2 }
        g = (last - base) * 100 / base
        printf "soak: RSS %d kB at %.1f min (after warm-up), %d kB at %.1f min, peak %d kB: growth %+.2f%% (limit %s%%)\n", base, bmin, last, lmin, peak, g, max
        exit (g > max) ? 1 : 0
    }' "$DIR/rss.csv" || rc=1
exit $rc
