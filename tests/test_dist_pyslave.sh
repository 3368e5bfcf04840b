#!/bin/sh
# A liblocust master (tests/test_dist_node master, run headless: --expect 2,
# 6 users, 3 s) with one C slave and one Python slave that packs as Locust
# 0.9.0 did (tests/pymaster/slave09.py): both get half the users, and the
# master's merged totals are what the two slaves reported. Skipped (77)
# without Debian's python3-zmq and python3-msgpack.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
PY=/usr/bin/python3
if ! $PY -c 'import zmq, msgpack' 2>/dev/null; then
    echo "SKIP: python3-zmq and python3-msgpack are needed (scripts/install-deps.sh installs them)"
    exit 77
fi
. "$S/tests/dist_script.sh"
script_setup pyslave
port=$($PY -c '
import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError:
        pass
    finally:
        a.close(); b.close()
')
timeout 60 "$B/tests/test_dist_node" master --port "$port" --expect 2 --users 6 --rate 60 --run-time 3 \
    --summary-file "$tmp/summary.txt" 2>"$tmp/master.log" &
master=$!
pids="$pids $master"
timeout 60 "$B/tests/test_dist_node" slave --port "$port" --report-interval 0.5 --count-file "$tmp/c.count" \
    2>"$tmp/cslave.log" &
pids="$pids $!"
timeout 60 $PY "$S/tests/pymaster/slave09.py" --port "$port" --report-file "$tmp/py.txt" 2>"$tmp/pyslave.log" &
pyslave=$!
pids="$pids $pyslave"
wait "$master" || fail "the master failed (exit $?)"
wait "$pyslave" || fail "the Python slave failed"
i=0
while [ ! -s "$tmp/c.count" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/c.count" ] || fail "the C slave did not exit"

c_made=$(cat "$tmp/c.count")
py_req=$(awk '$1 == "requests" {print $2}' "$tmp/py.txt")
py_fail=$(awk '$1 == "failures" {print $2}' "$tmp/py.txt")
m_req=$(awk '$1 == "requests" {print $2}' "$tmp/summary.txt")
m_fail=$(awk '$1 == "failures" {print $2}' "$tmp/summary.txt")
echo "C slave made $c_made, Python slave reported $py_req + $py_fail failures; master merged $m_req + $m_fail failures"
grep -q "^hatch 3 30.0 None" "$tmp/py.txt" || fail "the Python slave did not get 3 users at 30.0/s"
[ "$py_req" -gt 0 ] && [ "$c_made" -gt 0 ] || fail "a slave did nothing"
[ "$m_req" -eq $((c_made + py_req)) ] || fail "merged requests $m_req != $c_made + $py_req"
[ "$m_fail" -eq "$py_fail" ] || fail "merged failures $m_fail != $py_fail"
grep -q "Client '.*' quit" "$tmp/master.log" || fail "the master did not see the slaves quit"
echo "1 passed, 0 failed"
