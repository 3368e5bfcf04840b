#!/bin/sh
# The hops users write besides http://IP (issue 17): a host name, a session
# holding a cookie (a login first), https (HTTP/1.1 over TLS, the
# certificate verified against the tests' CA) and HTTP/2 over TLS, each side
# by side with wrk (h2load for HTTP/2) and Locust 2.x's FastHttpUser in one
# run, with the http://IP hop as the reference for CPU per request (ours
# against our IP hop, wrk's and h2load's against wrk's), and bench/floor.c
# on the IP hop (what one send() and one recv() per request cost here).
# BENCH_HOPS_ROUNDS rounds (default 3) each measure every row; the table
# gives medians and ranges. Prints a markdown table to stdout and keeps the
# runs in BUILD/bench/hops/. Called by run.sh (BENCH_PARTS=hops) or alone:
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
nginx_conf "$OUT/h2" 1 "$(tls_server "127.0.0.1:$TPORT" "$OUT/www" " http2")
$(tls_server "127.0.0.1:$SPORT" "$OUT/www")" >"$OUT/h2/nginx/nginx.conf"
run_nginx "$OUT/h2"
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
n = (re.search(r"(\d+) requests in", t) or re.search(r"requests: \d+ total, \d+ started, (\d+) done", t)
     or re.search(r"^requests (\d+)$", t, re.M))
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
${CC:-cc} -O2 -std=c11 -o "$OUT/floor" "$SRC/bench/floor.c"
H2=0
command -v h2load >/dev/null 2>&1 && H2=1

# One round measures every row once, rows in turn; each line of results.txt is
# "round|row|tool|req/s cpu_us_per_req". This VM's speed drifts over tens of seconds, so a
# ratio is taken within a round (tools of a row run back to back) and then its median over
# the rounds is shown, with the range.
ROUNDS=${BENCH_HOPS_ROUNDS:-3}
case $ROUNDS in
'' | *[!0-9]* | 0) echo "hops.sh: BENCH_HOPS_ROUNDS must be a whole number of rounds, at least 1 (got '$ROUNDS')" >&2; exit 2 ;;
esac
: >"$OUT/results.txt"
put() { echo "$1|$2|$3|$4" >>"$OUT/results.txt"; }
r=1
while [ "$r" -le "$ROUNDS" ]; do
    echo "bench: hops round $r of $ROUNDS" >&2
    put "$r" ip ours "$(lr ip "$U")"
    put "$r" ip wrk "$(gen wrk-ip -- wrk -t1 -c"$USERS" -d"${DUR}s" "$U/")"
    # The floor (bench/floor.c: one send() and one recv() per request, nothing else): the least CPU per
    # request any client pays here, hence the most FastHttpUser's can be over anyone's.
    put "$r" ip floor "$(gen floor -- "$OUT/floor" "$U/" "$USERS" "$DUR")"
    put "$r" ip fast "$(lf fast-ip "$U")"
    put "$r" name ours "$(lr name "$N")"
    put "$r" name wrk "$(gen wrk-name -- wrk -t1 -c"$USERS" -d"${DUR}s" "$N/")"
    put "$r" name fast "$(lf fast-name "$N")"
    put "$r" cookie ours "$(lr cookie "$N" BENCH_LOGIN=/login)"
    put "$r" cookie wrk "$(gen wrk-cookie -- wrk -t1 -c"$USERS" -d"${DUR}s" -H "Cookie: $COOKIE" "$N/")"
    put "$r" cookie fast "$(lf fast-cookie "$N" BENCH_LOGIN=/login)"
    put "$r" https ours "$(lr https "$S" BENCH_CA="$CA")"
    put "$r" https wrk "$(gen wrk-https -- wrk -t1 -c"$USERS" -d"${DUR}s" "$S/")"
    put "$r" https fast "$(lf fast-https "$S")"
    if [ "$H2" = 1 ]; then
        # HTTP/2 goes over the session's own connection; curl's row sends it through curl by naming a proxy
        # in the environment (the wire leaves such hops to curl) that no_proxy then bypasses for 127.0.0.1.
        put "$r" h2 ours "$(lr h2 "$T" BENCH_HTTP2=1)"
        put "$r" h2 wrk "$(gen h2load -- h2load -c"$USERS" -m1 -D"$DUR" "$T/")"
        put "$r" h2curl ours "$(lr h2curl "$T" BENCH_HTTP2=1 https_proxy=http://127.0.0.1:9 no_proxy=127.0.0.1)"
    fi
    r=$((r + 1))
done

python3 "$SRC/bench/hops_table.py" "$OUT/results.txt" "$ROUNDS"
