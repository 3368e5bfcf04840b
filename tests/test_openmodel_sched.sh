#!/bin/sh
# Scheduled starts beyond a fixed --rate, against the stall server (tests/openmodel/stall_server.py:
# 50 ms per response, one 2 s stall of the whole server 3 s after the first request):
#  1. constant_pacing users (5 users, 20 runs/s each): each user's own schedule; the stall holds one
#     request per user, too few for the service-time p99 to show it, but the run due after it starts
#     2 s late, so the corrected p99 shows it; the slots the stall covered are counted as dropped;
#  2. --rate with --stages (duration:rate): 3 s at 50 runs/s then 3 s at 150 runs/s is 600 runs, in a
#     single process and split by a master over 2 slaves (--processes 2);
#  3. --rate on a worker of a stock Locust 2.12.1 master (--master-protocol 2): the master knows no
#     rate, so the worker keeps its own and says so (skipped without Debian's python3-locust).
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
PY=/usr/bin/python3
. "$S/tests/dist_script.sh"
script_setup openmodel-sched
. "$S/tests/openmodel/common.sh"

# 1. Paced users. 5 users x 20 runs/s over 8 s: 800 slots, about 5 x 39 of them covered by the stall, and a
# few more because a 50 ms response just misses the next 50 ms slot, so lateness builds up to a dropped slot.
start_server paced
CLASS=OpenPaced run paced -c 5 -r 100 --csv "$tmp/paced" --json-file "$tmp/paced-report.json" --html "$tmp/paced.html"
stop_server paced
n=$(row "$tmp/paced.txt" service 1)
nc=$(row "$tmp/paced.txt" corrected 1)
p99=$(row "$tmp/paced.txt" service 4)
cp99=$(row "$tmp/paced.txt" corrected 4)
d=$(dropped "$tmp/paced.txt")
echo "paced, 5 users at 20 runs/s: $n requests (server $srv_n), service p99 $p99 ms, corrected p99 $cp99 ms," \
    "$d slots dropped"
grep -q "^Scheduled runs (constant_pacing/constant_throughput):" "$tmp/paced.txt" ||
    fail "no scheduled-runs block for paced users"
[ "$n" = "$nc" ] || fail "$n service samples but $nc corrected ones: every paced request has both"
near "$n" "$srv_n" "$(($srv_n / 100 + 1))" || fail "$n requests counted, the server saw $srv_n"
ge "$cp99" 1500 || fail "the corrected p99 ($cp99 ms) does not show the 2 s stall"
ge 1000 "$p99" || fail "the service-time p99 ($p99 ms) should hide the stall (5 samples of $n)"
near "$d" 210 40 || fail "$d slots dropped; about 5 x 39 came due while the users waited on the stall"
# The reports say the same, labelled: the JSON summary, the HTML report (which embeds it) and
# BASE_scheduled_history.csv, next to 2.x's BASE_stats_history.csv, whose columns stay 2.x's.
$PY - "$tmp" "$d" <<'PYEOF' || fail "the reports do not show the dropped runs and the corrected times"
import csv, json, sys
tmp, dropped = sys.argv[1], int(sys.argv[2])
j = json.load(open(tmp + "/paced-report.json"))
t = j["total"]
assert j["open_model"]["dropped_runs"] == dropped, j["open_model"]
assert t["corrected_time"]["p99"] >= 1500 and t["service_time"]["p99"] < 1000, (t["service_time"], t["corrected_time"])
assert t["corrected_time"]["samples"] == t["service_time"]["samples"]
html = open(tmp + "/paced.html").read()
assert "corrected (from intended start)" in html and "service time" in html and '"corrected_time":{' in html
assert '"dropped_runs":%d,"corrected_response_time_percentile_99":' % dropped in html  # the chart's last sample
rows = list(csv.DictReader(open(tmp + "/paced_scheduled_history.csv", newline="")))
last = [r for r in rows if r["Name"] == "Aggregated"][-1]
assert int(last["Runs Dropped"]) == dropped, last
assert float(last["Corrected Time 99%"]) >= 1500 and float(last["Service Time 99%"]) < 1000, last
head = open(tmp + "/paced_stats_history.csv", newline="").readline()
assert head.startswith("Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,") and head.endswith(
    "Total Average Content Size\r\n"), head
print("reports: JSON, HTML and BASE_scheduled_history.csv agree (%d dropped)" % dropped)
PYEOF

# 1b. The web UI's stats JSON carries the same for paced users, and its page has the table for them.
start_server web 1000
wport=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 60 "$B/locust-run" -f "$S/tests/cli_scenarios/openmodel.c" -H "http://127.0.0.1:$port" --autostart \
    --autoquit 0 -t 4s -c 2 -r 10 --web-host 127.0.0.1 --web-port "$wport" OpenPaced >"$tmp/web.txt" 2>&1 &
webrun=$!
pids="$pids $webrun"
got=""
i=0
while [ $i -lt 60 ] && [ -z "$got" ]; do
    sleep 0.2
    i=$((i + 1))
    got=$($PY - "$wport" <<'PYEOF' 2>/dev/null
import json, sys, urllib.request
j = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats/requests" % sys.argv[1], timeout=5))
om = j["open_model"]
total = om["percentiles"][-1]
assert total["name"] == "Total" and total["corrected_ms"]["count"] > 0 and total["service_ms"]["count"] > 0
page = urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=5).read().decode()
assert 'id="open-model-table"' in page
print("web UI: open_model with %d corrected samples, %d runs dropped" % (total["corrected_ms"]["count"],
                                                                           om["dropped_runs"]))
PYEOF
)
done
wait "$webrun"
stop_server web
[ -n "$got" ] || fail "the web UI's stats JSON has no open_model for paced users"
echo "$got"

# 2. Rate stages, no stall (it would come after the run). The shape ticks every second, so each stage
# lasts its 3 s; the test ends with the last stage.
for mode in single procs; do
    start_server "stages-$mode" 1000
    extra=""
    [ "$mode" = procs ] && extra="--processes 2"
    # shellcheck disable=SC2086
    run "stages-$mode" $extra --rate 50 -c 100 --stages 3s:50,3s:150
    stop_server "stages-$mode"
    d=$(dropped "$tmp/stages-$mode.txt")
    echo "rate stages 3s:50,3s:150 ($mode): the server saw $srv_n requests (600 due), $d dropped"
    grep -q "Shape test updating to 150 task runs/s" "$tmp/stages-$mode.txt" ||
        fail "the second stage's rate was not set"
    [ "$d" = 0 ] || fail "$d runs dropped with a pool of 100"
    near "$srv_n" 600 12 || fail "$srv_n requests; 3 s x 50 + 3 s x 150 runs is 600"
done

# 3. A Locust 2.x master: each worker its own rate.
LOCUST=/usr/bin/locust
if [ ! -x "$LOCUST" ] || ! $PY -c 'import locust' 2>/dev/null; then
    echo "SKIP (part 3): Debian's python3-locust is not installed"
    echo "1 passed, 0 failed"
    exit 0
fi
start_server worker2 1000
mport=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/dummy.py" <<'PYEOF'
from locust import User, constant, task


class OpenGet(User):
    """Only named here: the C worker runs the users."""
    wait_time = constant(1)

    @task
    def nothing(self):
        pass
PYEOF
(cd "$tmp" && exec timeout 60 "$LOCUST" -f dummy.py --master --headless --expect-workers 1 -u 20 -r 20 -t 5s \
    --master-bind-host 127.0.0.1 --master-bind-port "$mport" --csv "$tmp/m" --exit-code-on-error 0 \
    >"$tmp/master.log" 2>&1) &
master=$!
pids="$pids $master"
timeout 60 "$B/locust-run" -f "$S/tests/cli_scenarios/openmodel.c" -H "http://127.0.0.1:$port" --slave \
    --master-protocol 2 --master-port "$mport" --rate 20 OpenGet >"$tmp/worker.log" 2>&1 &
worker=$!
pids="$pids $worker"
wait "$master" || fail "the locust master failed"
wait "$worker"
stop_server worker2
grep -q "a 2.x master does not split a rate" "$tmp/worker.log" || fail "the worker did not say how it runs --rate"
made=$($PY -c 'import csv, sys
print(next(int(r["Request Count"]) for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == "Aggregated"))' \
    "$tmp/m_stats.csv")
echo "2.x master, a worker with --rate 20 over the master's 5 s: the master counted $made, the server saw $srv_n"
near "$made" "$srv_n" 2 || fail "the master counted $made requests, the server saw $srv_n"
near "$srv_n" 100 15 || fail "$srv_n requests; 20 runs/s over the master's 5 s is about 100"
echo "1 passed, 0 failed"
