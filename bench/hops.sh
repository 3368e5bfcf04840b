#!/bin/sh
# The hops users write besides http://IP (issue 17): a host name, a session
# holding a cookie (a login first), https (HTTP/1.1 over TLS, the
# certificate verified against the tests' CA) and HTTP/2 over TLS, each side
# by side with wrk (h2load for HTTP/2) and Locust 2.x's FastHttpUser in one
# run, with the http://IP hop as the reference for CPU per request. Prints a
# markdown table to stdout and keeps the runs in BUILD/bench/hops/. Called
# by run.sh (BENCH_PARTS=hops) or alone:
#     sh bench/hops.sh build [seconds]
# nginx runs one worker on CPU 0, every generator on CPU 1, 50 users.
# BENCH_HOPS_FAST=0 leaves FastHttpUser out (Debian's python3-locust).
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
DUR=${2:-${BENCH_DURATION:-5}}
USERS=${BENCH_USERS:-50}
OUT=$BUILD/bench/hops
rm -rf "$OUT"
mkdir -p "$OUT"
. "$SRC/bench/nginx.sh"
PORT=$(free_port)
start_nginx "$OUT" 127.0.0.1:$PORT
# A second nginx speaking TLS (the tests' certificate): HTTP/2 for h2load, the wire and curl, HTTP/1.1 for
# the wire's https and wrk.
TPORT=$(free_port)
SPORT=$(free_port)
mkdir -p "$OUT/h2/nginx"
cat >"$OUT/h2/nginx/nginx.conf" <<CONF
worker_processes 1;
worker_cpu_affinity 01;
daemon on;
pid $OUT/h2/nginx/nginx.pid;
error_log $OUT/h2/nginx/error.log warn;
events { worker_connections 10000; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $OUT/h2/nginx/body;
    server {
        listen 127.0.0.1:$TPORT ssl http2;
        ssl_certificate $SRC/tests/data/tls-server.pem;
        ssl_certificate_key $SRC/tests/data/tls-server.key;
        root $OUT/www;
        location / { }
    }
$(tls_server "127.0.0.1:$SPORT" "$OUT/www")
}
CONF
/usr/sbin/nginx -p "$OUT/h2/nginx" -c "$OUT/h2/nginx/nginx.conf"
trap 'stop_nginx "$OUT"; stop_nginx "$OUT/h2"' EXIT INT TERM
find_locust_run "$BUILD"
${CC:-cc} -O2 -shared -fPIC -I"$SRC/include" -o "$OUT/scenario.so" "$SRC/bench/scenario.c"

# locust-run: tag host [env...] -> "req/s cpu_us_per_req"
lr() {
    tag=$1 host=$2
    shift 2
    env "$@" python3 "$SRC/bench/measure.py" "$OUT/$tag.json" -- taskset -c 1 "$LOCUST_RUN" -f "$OUT/scenario.so" \
        --no-web -c "$USERS" -r 100000 -t "${DUR}s" -H "$host" --csv "$OUT/$tag" --only-summary \
        >"$OUT/$tag.out" 2>&1 || true
    python3 - "$OUT/$tag.json" "$OUT/${tag}_requests.csv" <<'PY'
import csv, json, sys
m = json.load(open(sys.argv[1]))
rows = list(csv.reader(open(sys.argv[2])))
h = rows[0]
n = sum(int(r[h.index("# requests")]) for r in rows[1:] if r[1] not in ("Total", "login"))
print(f"{n / m['wall']:.0f} {(m['user'] + m['sys']) * 1e6 / max(n, 1):.1f}")
PY
}

# wrk or h2load: tag -- command... -> "req/s cpu_us_per_req"
gen() {
    tag=$1
    shift 2
    python3 "$SRC/bench/measure.py" "$OUT/$tag.json" -- taskset -c 1 "$@" >"$OUT/$tag.out" 2>&1 || true
    python3 - "$OUT/$tag.json" "$OUT/$tag.out" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
t = open(sys.argv[2]).read()
n = re.search(r"(\d+) requests in", t) or re.search(r"requests: \d+ total, \d+ started, (\d+) done", t)
n = int(n.group(1)) if n else 0
print(f"{n / m['wall']:.0f} {(m['user'] + m['sys']) * 1e6 / max(n, 1):.1f}")
PY
}

# Locust 2.x FastHttpUser (Debian's locust, /usr/bin/python3): tag host [env...] -> "req/s cpu_us_per_req"
# (the process's CPU, start-up included). At least 10 s: its 50 TLS handshakes alone can take
# seconds on a loaded machine, and a shorter run then counts no request at all.
FAST=${BENCH_HOPS_FAST:-1}
FAST_DUR=$DUR
[ "$FAST_DUR" -ge 10 ] || FAST_DUR=10
/usr/bin/python3 -c 'import locust' 2>/dev/null || FAST=0
lf() {
    tag=$1 host=$2
    shift 2
    [ "$FAST" = 1 ] || { echo "0 0"; return; }
    env "$@" python3 "$SRC/bench/measure.py" "$OUT/$tag.json" -- taskset -c 1 /usr/bin/python3 -m locust \
        -f "$SRC/bench/locustfile_fast.py" --headless -u "$USERS" -r "$USERS" -t "${FAST_DUR}s" -H "$host" \
        --csv "$OUT/$tag" --only-summary >"$OUT/$tag.out" 2>&1 || true
    python3 - "$OUT/$tag.json" "$OUT/${tag}_stats.csv" <<'PY'
import csv, json, sys
m = json.load(open(sys.argv[1]))
try:
    rows = list(csv.DictReader(open(sys.argv[2])))
    n = sum(int(r["Request Count"]) for r in rows if r["Name"] not in ("Aggregated", "login"))
except (OSError, KeyError, ValueError):
    n = 0
print(f"{n / m['wall']:.0f} {(m['user'] + m['sys']) * 1e6 / max(n, 1):.1f}")
PY
}

U=http://127.0.0.1:$PORT
N=http://localhost:$PORT
T=https://127.0.0.1:$TPORT
S=https://127.0.0.1:$SPORT
CA=$SRC/tests/data/tls-server.pem
COOKIE="session=0123456789abcdef"
set -- \
    "http://127.0.0.1 (the wire)|$(lr ip "$U")|$(gen wrk-ip -- wrk -t1 -c"$USERS" -d"${DUR}s" "$U/")|$(lf fast-ip "$U")" \
    "http://localhost (host name)|$(lr name "$N")|$(gen wrk-name -- wrk -t1 -c"$USERS" -d"${DUR}s" "$N/")|$(lf fast-name \
        "$N")" \
    "after a login that set a cookie|$(lr cookie "$N" BENCH_LOGIN=/login)|$(gen wrk-cookie -- wrk -t1 -c"$USERS" \
        -d"${DUR}s" -H "Cookie: $COOKIE" "$N/")|$(lf fast-cookie "$N" BENCH_LOGIN=/login)" \
    "https://127.0.0.1 (the wire, TLS verified)|$(lr https "$S" BENCH_CA="$CA")|$(gen wrk-https -- wrk -t1 -c"$USERS" \
        -d"${DUR}s" "$S/")|$(lf fast-https "$S")"
if command -v h2load >/dev/null 2>&1; then
    # HTTP/2 goes over the session's own connection; curl's row sends it through curl by naming a proxy
    # in the environment (the wire leaves such hops to curl) that no_proxy then bypasses for 127.0.0.1.
    H2LOAD=$(gen h2load -- h2load -c"$USERS" -m1 -D"$DUR" "$T/")
    set -- "$@" "HTTP/2 over TLS (the wire; h2load)|$(lr h2 "$T" BENCH_HTTP2=1)|$H2LOAD|0 0" \
        "HTTP/2 over TLS (curl; h2load)|$(lr h2curl "$T" BENCH_HTTP2=1 https_proxy=http://127.0.0.1:9 \
            no_proxy=127.0.0.1)|$H2LOAD|0 0"
fi
ip_cpu=$(echo "$1" | cut -d'|' -f2 | cut -d' ' -f2)
echo "| hop | locust-run req/s | CPU us/req | wrk req/s | CPU us/req | vs wrk | CPU vs the IP hop |" \
    "FastHttpUser req/s | CPU us/req | its CPU vs ours |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for row in "$@"; do
    echo "$row" | awk -F'|' -v ip="$ip_cpu" '{
        split($2, a, " "); split($3, b, " "); split($4, f, " ");
        fast = f[1] > 0 ? sprintf("%d | %.1f | %.1fx", f[1], f[2], (a[2] > 0 ? f[2] / a[2] : 0)) : "- | - | -";
        printf "| %s | %d | %.1f | %d | %.1f | %.2fx | %.2fx | %s |\n", $1, a[1], a[2], b[1], b[2],
            (b[1] > 0 ? a[1] / b[1] : 0), (ip > 0 ? a[2] / ip : 0), fast }'
done
