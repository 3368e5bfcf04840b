#!/bin/sh
# Memory of idle https users (issue 17): N users (default 10000) each make
# one https request (the certificate verified against the tests' CA) and
# then wait 60-70 s with their connection kept alive, once over the
# session's own connection (the wire) and once through curl; RSS is sampled
# when every user is connected and waiting:
#     RSS per idle https user = (RSS at N users - RSS at 1 user) / (N - 1)
# The first response is slow (8 KiB at nginx's limit_rate of 1 KiB/s), so
# that every user's request is still running when the last user starts:
# curl's users share the runner's connection pool, and with fast responses
# a user that starts takes an idle one's connection (10,000 users held ~300
# connections), which measures curl handles, not idle https connections.
# Prints a markdown table to stdout and keeps the runs in
# BUILD/bench/tlsidle/. Called by run.sh (BENCH_PARTS=tlsidle) or alone:
#     sh bench/tls_idle.sh build [users]
# BENCH_TLS_H2=1 makes them HTTP/2 users (nginx offers h2 in ALPN, the
# users ask for it): an nghttp2 session on top of each TLS connection; the
# runs are kept in BUILD/bench/tlsidle_h2/.
# Through curl: a proxy variable in the environment sends every hop to curl
# (the wire leaves proxies to it), and no_proxy='*' has curl connect
# directly, so that both runs talk to the same nginx the same way.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
USERS=${2:-${BENCH_TLS_USERS:-10000}}
H2=${BENCH_TLS_H2:-0}
OUT=$BUILD/bench/tlsidle
# HTTP/2 users keep their runs apart from the https ones.
[ "$H2" != 1 ] || OUT=$BUILD/bench/tlsidle_h2
rm -rf "$OUT"
mkdir -p "$OUT/nginx" "$OUT/www"
. "$SRC/bench/nginx.sh"
head -c 8192 /dev/zero | tr '\0' 'x' >"$OUT/www/index.html"
PORT=$(free_port)
LISTEN=" backlog=65535" KIND=https
if [ "$H2" = 1 ]; then LISTEN="$LISTEN http2" KIND=HTTP/2; fi
nginx_conf "$OUT" 1 "    limit_rate 1k;
$(tls_server "127.0.0.1:$PORT" "$OUT/www" "$LISTEN")" >"$OUT/nginx/nginx.conf"
run_nginx "$OUT"
trap 'stop_nginx "$OUT"' EXIT INT TERM
find_locust_run "$BUILD"
${CC:-cc} -O2 -shared -fPIC -I"$SRC/include" -o "$OUT/scenario.so" "$SRC/bench/scenario.c"
ulimit -n $((USERS + 1000)) 2>/dev/null || true

# idle TAG USERS [env...]: hatched at RATE/s (BENCH_TLS_RATE, default 1000), sampled 40 s after
# the last user started (its slow response is over by then, also through curl on a loaded machine).
RATE=${BENCH_TLS_RATE:-1000}
idle() {
    tag=$1 n=$2
    shift 2
    at=$((n / RATE + 40))
    echo "bench: $tag ($n idle $KIND users)" >&2
    env BENCH_CA="$SRC/tests/data/tls-server.pem" BENCH_WAIT_MS=60000-70000 BENCH_HTTP2="$H2" "$@" python3 "$SRC/bench/sample.py" \
        "$OUT/$tag.json" "$PORT" "$at" -- taskset -c 1 "$LOCUST_RUN" -f "$OUT/scenario.so" --no-web -c "$n" \
        -r "$RATE" -t "$((at + 3))s" -H "https://127.0.0.1:$PORT" --csv "$OUT/$tag" --only-summary \
        >"$OUT/$tag.out" 2>&1 || true
}
idle wire1 1
idle wire "$USERS"
idle curl1 1 https_proxy=http://127.0.0.1:9 'no_proxy=*'
idle curl "$USERS" https_proxy=http://127.0.0.1:9 'no_proxy=*'

python3 - "$OUT" "$USERS" "$KIND" <<'PY'
import json, os, sys
out, n, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def load(tag):
    try:
        return json.load(open(os.path.join(out, tag + ".json")))
    except (OSError, ValueError):
        return {}
print(f"| path | idle {kind} users | connections | RSS MiB | RSS per idle {kind} user |")
print("|---|---:|---:|---:|---:|")
for tag, name in (("wire", "the session's own connection (OpenSSL on the wire)"), ("curl", "through curl")):
    one, many = load(tag + "1"), load(tag)
    if not one.get("rss_kib") or not many.get("rss_kib"):
        print(f"| {name} | {n} | - | - | - |")
        continue
    per = (many["rss_kib"] - one["rss_kib"]) / max(n - 1, 1)
    print(f"| {name} | {n:,} | {many['connections']:,} | {many['rss_kib'] / 1024:.0f} | {per:.1f} KiB |")
PY
