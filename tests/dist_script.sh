# Sourced by the distributed tests written in sh (test_dist_pyslave.sh,
# test_dist_locust2.sh): `script_setup NAME` makes the scratch folder $tmp,
# kills every process whose pid is added to $pids when the script exits and
# removes $tmp (unless KEEP is set); `fail MESSAGE` shows the logs and ends
# the script with the summary line the test driver reads.
script_setup() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX")
    pids=""
    trap script_cleanup EXIT
}

script_cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}

fail() {
    echo "FAIL: $*"
    for f in "$tmp"/*.log "$tmp"/*.txt; do [ -f "$f" ] && { echo "==== $f"; tail -n 30 "$f"; }; done
    echo "0 passed, 1 failed"
    exit 1
}
