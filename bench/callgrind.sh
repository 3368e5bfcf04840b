#!/bin/sh
# Instructions per request of locust-run, counted by valgrind's callgrind:
# the stable figure for comparing optimisations on a shared machine (wall
# time and CPU time vary with the other load; instruction counts do not).
#
#   sh bench/callgrind.sh BUILD [USERS] [N1] [N2]
#
# Runs the bench scenario twice against nginx, USERS users (default 50)
# making N1 (default 20) and then N2 (default 100) requests each, and
# prints (instructions(N2) - instructions(N1)) / (USERS * (N2 - N1)): the
# start-up and shutdown costs cancel out. The N2 profile is kept in
# BUILD/bench/callgrind.out for callgrind_annotate.
#
# The scenario's environment (bench/scenario.c) selects the hop, e.g.
# BENCH_LOGIN=/login for a session that holds a cookie. BENCH_HOSTNAME=NAME
# (e.g. localhost) addresses nginx by that name instead of 127.0.0.1, for
# the host-name hop; NAME must resolve to 127.0.0.1.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
USERS=${2:-50}
N1=${3:-20}
N2=${4:-100}
OUT=$BUILD/bench
mkdir -p "$OUT"
. "$SRC/bench/nginx.sh"
start_nginx "$OUT/cg"
trap 'stop_nginx "$OUT/cg"' EXIT INT TERM
${CC:-cc} -O2 -shared -fPIC -I"$SRC/include" -o "$OUT/scenario.so" "$SRC/bench/scenario.c"
find_locust_run "$BUILD"
if [ -n "${BENCH_HOSTNAME:-}" ]; then URL=$(echo "$URL" | sed "s|//127.0.0.1:|//$BENCH_HOSTNAME:|"); fi

count() { # requests-per-user -> instructions
    BENCH_REQUESTS=$1 valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$1.out" \
        "$LOCUST_RUN" -f "$OUT/scenario.so" --no-web -c "$USERS" -r 100000 -t 120s -H "$URL" \
        --only-summary >"$OUT/callgrind.$1.log" 2>&1 || true
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/callgrind.$1.log"
}
# Users stop after their requests; the run time only bounds a hung run.
i1=$(count "$N1")
i2=$(count "$N2")
cp "$OUT/callgrind.$N2.out" "$OUT/callgrind.out"
python3 -c "import sys; a,b,u,n1,n2=map(int,sys.argv[1:]); print(f'{(b-a)/(u*(n2-n1)):.0f} instructions per request ({u} users, {n1} vs {n2} requests each)')" \
    "$i1" "$i2" "$USERS" "$N1" "$N2"
