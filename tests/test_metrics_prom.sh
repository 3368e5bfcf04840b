#!/bin/sh
# /metrics scraped by a real Prometheus (Debian's prometheus package) on
# loopback, for a single process and for a master (--processes 2: the local
# master serves its slaves' merged numbers): once the test has stopped, the
# values Prometheus stored, read through its query API, equal the final
# _requests.csv: requests (successes + failures) and failures per entry and
# for the Aggregated row, the histogram's count (successes), the users (0)
# and the state (stopped). The scrape uses the web UI's basic auth.
# Skipped (77) when Prometheus is not installed.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
PY=/usr/bin/python3
PROM=/usr/bin/prometheus
PROMTOOL=/usr/bin/promtool
if [ ! -x "$PROM" ]; then
    echo "SKIP: Debian's prometheus is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
. "$S/tests/dist_script.sh"
script_setup prom
script_start_target
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run_case() { # NAME EXTRA-OPTIONS...
    name=$1
    shift
    web=$(free_port)
    prom=$(free_port)
    mkdir -p "$tmp/$name"
    cat >"$tmp/$name/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: locust
    basic_auth: {username: ci, password: secret}
    static_configs:
      - targets: ['127.0.0.1:$web']
YML
    $PROM --config.file="$tmp/$name/prometheus.yml" --storage.tsdb.path="$tmp/$name/data" \
        --web.listen-address="127.0.0.1:$prom" >"$tmp/$name/prom.log" 2>&1 &
    ppid=$!
    pids="$pids $ppid"
    timeout 90 "$B/locust-run" -f "$S/tests/cli_scenarios/reports.c" --autostart -u 4 -r 20 -t 4s --autoquit 6 \
        -H "$host" --web-host 127.0.0.1 -P "$web" --web-auth ci:secret --csv "$tmp/$name/x" --only-summary \
        --exit-code-on-error 0 "$@" Web >"$tmp/$name/run.log" 2>&1 &
    lpid=$!
    pids="$pids $lpid"
    i=0
    while ! grep -q "quitting in 6 seconds" "$tmp/$name/run.log" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q "quitting in 6 seconds" "$tmp/$name/run.log" || fail "$name: the test did not stop: $(tail -5 "$tmp/$name/run.log")"
    # Prometheus's own linter on the page: only the name of locust_current_fail_per_sec (Locust's own
    # name, kept) may be remarked on; a problem of the format itself (a "quantile" label on a gauge,
    # a sample without its family) fails the test.
    $PY - "http://127.0.0.1:$web/metrics" >"$tmp/$name/metrics.txt" <<'PYEOF' || fail "$name: cannot GET /metrics"
import base64, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Authorization": "Basic " + base64.b64encode(b"ci:secret").decode()})
sys.stdout.write(urllib.request.urlopen(req, timeout=10).read().decode())
PYEOF
    $PROMTOOL check metrics <"$tmp/$name/metrics.txt" >"$tmp/$name/promtool.txt" 2>&1
    grep -v "^locust_current_fail_per_sec metric names should not contain abbreviated units" "$tmp/$name/promtool.txt" |
        grep -q . && fail "$name: promtool check metrics: $(cat "$tmp/$name/promtool.txt")"
    # Three scrapes of the stopped test's final numbers.
    sleep 3
    $PY - "http://127.0.0.1:$prom" >"$tmp/$name/prom.txt" <<'PYEOF' || fail "$name: Prometheus query failed"
import json, sys, urllib.parse, urllib.request
base = sys.argv[1]
def q(expr):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    r = json.load(urllib.request.urlopen(url, timeout=10))
    assert r["status"] == "success", r
    return {(m["metric"].get("method", ""), m["metric"].get("name", ""), m["metric"].get("state", "")): m["value"][1]
            for m in r["data"]["result"]}
for metric in ("locust_requests_total", "locust_request_failures_total", "locust_response_time_seconds_count",
               "locust_users", "locust_state"):
    for k, v in sorted(q(metric + '{job="locust"}').items()):
        print(metric, "|".join(k), v)
PYEOF
    wait $lpid || fail "$name: locust-run failed: $(tail -5 "$tmp/$name/run.log")"
    kill $ppid 2>/dev/null
    $PY - "$tmp/$name/x_requests.csv" "$tmp/$name/prom.txt" "$name" <<'PYEOF' || fail "$name: Prometheus's values differ from the CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
got = {}
for line in open(sys.argv[2]):
    metric, key, value = line.rsplit(None, 2)[0], line.split()[1], line.split()[2]
    got[(metric, key)] = float(value)
want = {}
for method, name, reqs, fails, *_ in rows:
    key = ("" if method == "None" else method) + "|" + ("Aggregated" if method == "None" else name) + "|"
    want[("locust_requests_total", key)] = int(reqs) + int(fails)
    want[("locust_request_failures_total", key)] = int(fails)
    want[("locust_response_time_seconds_count", key)] = int(reqs)
want[("locust_users", "||")] = 0
want[("locust_state", "||stopped")] = 1
bad = [(k, v, got.get(k)) for k, v in want.items() if got.get(k) != v]
total = want[("locust_requests_total", "|Aggregated|")]
if bad or total < 20:
    print(sys.argv[3], "MISMATCH (metric, CSV, Prometheus):", bad, "total", total)
    sys.exit(1)
print(sys.argv[3] + ":", len(want), "series equal the CSV;", total, "requests")
PYEOF
}

run_case single
run_case master --processes 2
echo "PASS: Prometheus scraped /metrics and its values equal the CSV"
