# Sourced by the open-model tests (test_openmodel.sh, test_openmodel_sched.sh) after
# tests/dist_script.sh: the stall server (tests/openmodel/stall_server.py) and readers of
# locust-run's open-model console block. Needs $B, $S, $PY and $tmp.

start_server() { # $1: name, $2: seconds from the first request to the stall (default 3)
    rm -f "$tmp/$1.port"
    $PY "$S/tests/openmodel/stall_server.py" "$tmp/$1.port" "$tmp/$1.json" 0.050 "${2:-3}" 2 2>"$tmp/$1-server.log" &
    server=$!
    pids="$pids $server"
    i=0
    while [ ! -s "$tmp/$1.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -s "$tmp/$1.port" ] || fail "the stall server did not start"
    port=$(cat "$tmp/$1.port")
}

stop_server() { # $1: name; leaves the server's count, p50 and max (ms) in srv_n, srv_p50, srv_max
    kill -TERM "$server"
    wait "$server" 2>/dev/null
    set -- $($PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
t = sorted((b - a) * 1000 for a, b in d["requests"])
print(len(t), "%.3f" % t[(len(t) + 1) // 2 - 1], "%.3f" % t[-1])' "$tmp/$1.json")
    srv_n=$1 srv_p50=$2 srv_max=$3
}

run() { # $1: name, then locust-run's options; runs class $CLASS (default OpenGet) for 8 s
    name=$1
    shift
    "$B/locust-run" -f "$S/tests/cli_scenarios/openmodel.c" -H "http://127.0.0.1:$port" --no-web --only-summary \
        -t 8s "$@" "${CLASS:-OpenGet}" >"$tmp/$name.txt" 2>&1 || fail "locust-run $* failed"
}

# A field of the last open-model row of a kind: $1 file, $2 "service" or "corrected", $3 column (1 = samples).
row() {
    grep "GET /  *$2 " "$1" | tail -n 1 | awk -v c="$3" '{ print $(3 + c) }'
}
dropped() { sed -n 's/.* \([0-9]*\) runs dropped.*/\1/p' "$1" | tail -n 1; }
started() { sed -n 's/.*runs\/s, \([0-9]*\) started.*/\1/p' "$1" | tail -n 1; }
# True when |a - b| <= tol (all in the same unit).
near() { $PY -c 'import sys; a, b, t = map(float, sys.argv[1:]); sys.exit(abs(a - b) > t)' "$@"; }
ge() { $PY -c 'import sys; a, b = map(float, sys.argv[1:]); sys.exit(not a >= b)' "$@"; }

