#!/bin/sh
# A stock Debian python3-locust 2.12.1 master, run headless, with two C
# workers (tests/test_dist_node --protocol 2) loading the demo target: the
# master's "Aggregated" request count (its --csv output) must equal what the
# workers made and the target served, but for requests cut off by the quit
# (at most one per user). Skipped (77) when the locust program is missing.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
USERS=4
. "$S/tests/dist_script.sh"
script_need_locust2
script_setup locust2

# The demo target on a free port.
"$B/locust-demo-target" --port 0 --port-file "$tmp/target.port" >/dev/null 2>"$tmp/target.log" &
pids="$pids $!"
i=0
while [ ! -s "$tmp/target.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/target.port" ] || fail "the demo target did not start"
tport=$(cat "$tmp/target.port")
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$tmp/dummy.py" <<'PYEOF'
from locust import User, constant, task


class Dummy(User):
    """Only named here: the C workers run the users."""
    wait_time = constant(1)

    @task
    def nothing(self):
        pass
PYEOF

(cd "$tmp" && exec timeout 60 "$LOCUST" -f dummy.py --master --headless --expect-workers 2 -u $USERS -r $USERS \
    -t 5s --master-bind-host 127.0.0.1 --master-bind-port "$port" --csv "$tmp/m" --exit-code-on-error 0 \
    >"$tmp/master.log" 2>&1) &
master=$!
pids="$pids $master"
for w in 1 2; do
    timeout 60 "$B/tests/test_dist_node" slave --protocol 2 --port "$port" --host "http://127.0.0.1:$tport" \
        --classes Dummy --count-file "$tmp/w$w.count" 2>"$tmp/w$w.log" &
    pids="$pids $!"
done
wait "$master" || fail "the locust master failed (exit $?)"
i=0
while { [ ! -s "$tmp/w1.count" ] || [ ! -s "$tmp/w2.count" ]; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/w1.count" ] && [ -s "$tmp/w2.count" ] || fail "the workers did not exit after the master's quit"
grep -q "Got quit message from master" "$tmp/w1.log" || fail "worker 1 did not get quit"
grep -q "Got quit message from master" "$tmp/w2.log" || fail "worker 2 did not get quit"

made=$(($(cat "$tmp/w1.count") + $(cat "$tmp/w2.count")))
served=$($PY -c "import json, urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$tport/counter'))['requests'])")
aggregated=$($PY - "$tmp/m_stats.csv" <<'PYEOF'
import csv, sys
for row in csv.DictReader(open(sys.argv[1])):
    if row["Name"] == "Aggregated":
        print(int(row["Request Count"]) )
PYEOF
)
echo "workers made $made requests, the target served $served, the master counted $aggregated"
[ -n "$aggregated" ] && [ "$aggregated" -gt 0 ] || fail "no Aggregated row in the master's CSV"
# The target's /counter request itself is not counted by the target (it reports the count so far).
[ "$aggregated" -le "$served" ] || fail "the master counted more than the target served"
[ "$served" -le $((aggregated + USERS)) ] || fail "the master lost requests: $served served, $aggregated counted"
[ "$made" -ge "$served" ] && [ "$made" -le $((served + USERS)) ] || fail "made $made vs served $served"
grep -q "All users spawned" "$tmp/master.log" || fail "the master did not spawn all users"
echo "1 passed, 0 failed"
