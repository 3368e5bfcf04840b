#!/bin/sh
# `make bench`: locust-run side by side with wrk and Locust 2.12.1
# (FastHttpUser and HttpUser) against the same nginx, in one run.
#
# nginx runs one worker pinned to CPU 0; every generator is pinned to CPU 1,
# so each gets one core and the generators' CPU per request is comparable.
# Environment: BENCH_DURATION (s, default 15), BENCH_USERS (default 50),
# BENCH_TOOLS (default "wrk locust-run locust-fast locust-http").
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
DUR=${BENCH_DURATION:-15}
USERS=${BENCH_USERS:-50}
TOOLS=${BENCH_TOOLS:-"wrk locust-run locust-fast locust-http"}
OUT=$BUILD/bench
rm -rf "$OUT"; mkdir -p "$OUT/www" "$OUT/nginx" "$OUT/runs"

# The target: nginx with a small index and a 10 KiB file.
head -c 612 /dev/zero | tr '\0' 'x' >"$OUT/www/index.html"
head -c 10240 /dev/zero | tr '\0' 'y' >"$OUT/www/10k.bin"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$OUT/nginx/nginx.conf" <<CONF
worker_processes 1;
worker_cpu_affinity 01;
worker_rlimit_nofile 200000;
daemon on;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
events { worker_connections 65536; multi_accept on; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $OUT/nginx/body;
    proxy_temp_path $OUT/nginx/proxy;
    fastcgi_temp_path $OUT/nginx/fastcgi;
    uwsgi_temp_path $OUT/nginx/uwsgi;
    scgi_temp_path $OUT/nginx/scgi;
    server {
        listen 127.0.0.1:$PORT backlog=65535;
        root $OUT/www;
        location / { }
    }
}
CONF
/usr/sbin/nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf"
cleanup() { [ -f "$OUT/nginx/nginx.pid" ] && kill "$(cat "$OUT/nginx/nginx.pid")" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
sleep 0.3
URL=http://127.0.0.1:$PORT

# The locust-run scenario, built the way a user would build one.
${CC:-cc} -O2 -shared -fPIC -I"$SRC/include" -o "$OUT/scenario.so" "$SRC/bench/scenario.c"
LOCUST_RUN=$BUILD/locust-run
[ -x "$LOCUST_RUN" ] || LOCUST_RUN=$BUILD/cli/locust-run
ulimit -n 65536 2>/dev/null || true

run() { # name path -- command...
    name=$1; path=$2; shift 3
    tag=$(echo "$name$path" | tr '/.' '__')
    echo "bench: $name $path (${DUR}s, $USERS users)" >&2
    BENCH_PATH=$path python3 "$SRC/bench/measure.py" "$OUT/runs/$tag.json" -- "$@" \
        >"$OUT/runs/$tag.out" 2>"$OUT/runs/$tag.err" || true
}

for path in / /10k.bin; do
    tagp=$(echo "$path" | tr '/.' '__')
    for tool in $TOOLS; do
        case $tool in
        wrk) run wrk "$path" -- taskset -c 1 wrk -t1 -c"$USERS" -d"${DUR}s" --latency "$URL$path" ;;
        locust-run) run locust-run "$path" -- taskset -c 1 "$LOCUST_RUN" -f "$OUT/scenario.so" --no-web \
            -c "$USERS" -r 100000 -t "${DUR}s" -H "$URL" --csv "$OUT/runs/lr$tagp" --only-summary ;;
        locust-fast) run locust-fast "$path" -- taskset -c 1 locust -f "$SRC/bench/locustfile_fast.py" \
            --headless -u "$USERS" -r "$USERS" -t "${DUR}s" -H "$URL" --csv "$OUT/runs/lf$tagp" --only-summary ;;
        locust-http) run locust-http "$path" -- taskset -c 1 locust -f "$SRC/bench/locustfile_http.py" \
            --headless -u "$USERS" -r "$USERS" -t "${DUR}s" -H "$URL" --csv "$OUT/runs/lh$tagp" --only-summary ;;
        esac
    done
done
python3 "$SRC/bench/report.py" "$OUT/runs" "$DUR" "$USERS" | tee "$OUT/report.md"
