# Sourced by the tests written in sh (test_dist_pyslave.sh,
# test_dist_locust2.sh, test_cli_csv2.sh, test_metrics_prom.sh): `script_setup NAME` makes the scratch folder $tmp,
# kills every process whose pid is added to $pids when the script exits and
# removes $tmp (unless KEEP is set); `fail MESSAGE` shows the logs and ends
# the script with the summary line the test driver reads.
script_setup() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX")
    pids=""
    trap script_cleanup EXIT
}

# script_need_locust2: sets $PY and $LOCUST to Debian's python3-locust
# (Locust 2.12.1), or skips the test (77) when it is not installed.
script_need_locust2() {
    PY=/usr/bin/python3
    LOCUST=/usr/bin/locust
    if [ ! -x "$LOCUST" ] || ! $PY -c 'import locust' 2>/dev/null; then
        echo "SKIP: Debian's python3-locust is not installed (scripts/install-deps.sh installs it)"
        exit 77
    fi
}

script_cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}

# script_start_target: starts locust-demo-target on a free loopback port and
# sets $host to its URL.
script_start_target() {
    "$B/locust-demo-target" --port 0 --port-file "$tmp/target.port" >/dev/null 2>"$tmp/target.log" &
    pids="$pids $!"
    i=0
    while [ ! -s "$tmp/target.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -s "$tmp/target.port" ] || fail "the demo target did not start"
    host="http://127.0.0.1:$(cat "$tmp/target.port")"
}

fail() {
    echo "FAIL: $*"
    for f in "$tmp"/*.log "$tmp"/*.txt; do [ -f "$f" ] && { echo "==== $f"; tail -n 30 "$f"; }; done
    echo "0 passed, 1 failed"
    exit 1
}
