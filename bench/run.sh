#!/bin/sh
# `make bench`: locust-run side by side with wrk and Locust 2.12.1
# (FastHttpUser and HttpUser) against the same nginx, in one run, and the
# scale figures of locust-run: memory per user, 50k users in one process,
# start-up time, a master absorbing 100 slaves, and what more processes add.
# The report is BUILD/bench/report.md (README-ready markdown).
#
# nginx runs one worker pinned to CPU 0; every generator is pinned to CPU 1,
# so each gets one core and the generators' CPU per request is comparable.
# Each throughput run is repeated and the report shows medians: the machine
# may be shared, and CPU per request (from wait4) is the steadier figure.
#
# Environment:
#   BENCH_DURATION  seconds per throughput run (default 15, as the HttpSession issue asks)
#   BENCH_REPEAT    throughput runs per tool and path (default 3)
#   BENCH_USERS     users of the throughput runs (default 50)
#   BENCH_HOPS_DURATION, BENCH_HOPS_ROUNDS
#                   seconds per run (default 5) and rounds (default 3) of the hops
#   BENCH_TOOLS     default "floor wrk locust-run locust-fast locust-http"
#                   (floor: bench/floor.c, send and receive only: the
#                   kernel's cost per request, the least any tool can pay)
#   BENCH_PARTS     default "throughput hops tlsidle memory big startup processes master openmodel"
#                   (hops: bench/hops.sh, a host name, a cookie session,
#                   https and HTTP/2 against wrk, h2load and FastHttpUser;
#                   tlsidle: bench/tls_idle.sh, RSS per idle https user
#                   over the wire and through curl)
#   BENCH_MEM_USERS users of the memory run (default 10000)
#   BENCH_BIG_USERS users of the one-process run (default 50000)
#   BENCH_MASTER_REPEAT runs of the master with 100 simulated slaves
#                   (default 5; the report shows the median)
#
# The "big" part needs root: it raises vm.max_map_count to 262144 with
# sysctl (each user's stack is two memory maps; the default 65530 allows
# ~32k users) and the open-file limit, and puts the first back afterwards.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
DUR=${BENCH_DURATION:-15}
REPEAT=${BENCH_REPEAT:-3}
USERS=${BENCH_USERS:-50}
TOOLS=${BENCH_TOOLS:-"floor wrk locust-run locust-fast locust-http"}
PARTS=${BENCH_PARTS:-"throughput hops tlsidle memory big startup processes master openmodel"}
MEM_USERS=${BENCH_MEM_USERS:-10000}
# The hops run every row BENCH_HOPS_ROUNDS times (default 3): shorter runs keep them to minutes.
HOPS_DUR=${BENCH_HOPS_DURATION:-5}
BIG_USERS=${BENCH_BIG_USERS:-50000}
OUT=$BUILD/bench
rm -rf "$OUT/runs" "$OUT/scale" "$OUT/hops.md" "$OUT/tlsidle.md"
mkdir -p "$OUT/runs" "$OUT/scale"
. "$SRC/bench/nginx.sh"

has() { case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# One nginx on four loopback addresses (the 50k run spreads users over them
# to stay under the ephemeral-port limit of one address pair).
PORT=$(free_port)
start_nginx "$OUT" 127.0.0.1:$PORT 127.0.0.2:$PORT 127.0.0.3:$PORT 127.0.0.4:$PORT
MAPS=$(cat /proc/sys/vm/max_map_count)
cleanup() {
    stop_nginx "$OUT"
    [ "$(cat /proc/sys/vm/max_map_count)" = "$MAPS" ] || sysctl -qw vm.max_map_count="$MAPS" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# The locust-run scenario, built the way a user would build one.
${CC:-cc} -O2 -shared -fPIC -I"$SRC/include" -o "$OUT/scenario.so" "$SRC/bench/scenario.c"
${CC:-cc} -O2 -std=c11 -o "$OUT/floor" "$SRC/bench/floor.c"
find_locust_run "$BUILD"
ulimit -n 65536 2>/dev/null || true
SYSPY=/usr/bin/python3

run() { # tag -- command...
    tag=$1; shift 2
    python3 "$SRC/bench/measure.py" "$OUT/runs/$tag.json" -- "$@" >"$OUT/runs/$tag.out" 2>"$OUT/runs/$tag.err" || true
}

# ---- throughput: 50 users, zero wait -------------------------------------------
if has throughput "$PARTS"; then
    for rep in $(seq 1 "$REPEAT"); do
        for path in / /10k.bin; do
            tagp=$(echo "$path" | tr '/.' '__')
            export BENCH_PATH=$path
            for tool in $TOOLS; do
                echo "bench: $tool $path (${DUR}s, $USERS users, run $rep of $REPEAT)" >&2
                t=$tool$tagp.$rep
                case $tool in
                floor) run "$t" -- taskset -c 1 "$OUT/floor" "$URL$path" "$USERS" "$DUR" ;;
                wrk) run "$t" -- taskset -c 1 wrk -t1 -c"$USERS" -d"${DUR}s" --latency "$URL$path" ;;
                locust-run) run "$t" -- taskset -c 1 "$LOCUST_RUN" -f "$OUT/scenario.so" --no-web \
                    -c "$USERS" -r 100000 -t "${DUR}s" -H "$URL" --csv "$OUT/runs/$t" --only-summary ;;
                locust-fast) run "$t" -- taskset -c 1 locust -f "$SRC/bench/locustfile_fast.py" \
                    --headless -u "$USERS" -r "$USERS" -t "${DUR}s" -H "$URL" --csv "$OUT/runs/$t" --only-summary ;;
                locust-http) run "$t" -- taskset -c 1 locust -f "$SRC/bench/locustfile_http.py" \
                    --headless -u "$USERS" -r "$USERS" -t "${DUR}s" -H "$URL" --csv "$OUT/runs/$t" --only-summary ;;
                esac
            done
        done
    done
    unset BENCH_PATH
fi

# ---- the hops users write besides http://IP (issue 17) --------------------------
# bench/hops.sh starts nginx instances of its own (plain, https and HTTP/2 over TLS).
if has hops "$PARTS"; then
    echo "bench: hops (host name, cookie session, https, HTTP/2; ${HOPS_DUR}s each, ${BENCH_HOPS_ROUNDS:-3} rounds)" >&2
    sh "$SRC/bench/hops.sh" "$BUILD" "$HOPS_DUR" >"$OUT/hops.md.tmp" 2>"$OUT/hops.err" && mv "$OUT/hops.md.tmp" "$OUT/hops.md" || true
fi

# ---- idle https users: RSS per user, the wire against curl (bench/tls_idle.sh) ----
if has tlsidle "$PARTS"; then
    echo "bench: $MEM_USERS idle https users, the wire and curl" >&2
    sh "$SRC/bench/tls_idle.sh" "$BUILD" "$MEM_USERS" >"$OUT/tlsidle.md.tmp" 2>"$OUT/tlsidle.err" &&
        mv "$OUT/tlsidle.md.tmp" "$OUT/tlsidle.md" || true
fi

# ---- memory: 10k users waiting 1-2 s, keep-alive connections --------------------
# RSS per user = (RSS at N users - RSS at 1 user) / (N - 1), both sampled
# once every user is running; the connection count shows keep-alive held.
mem_run() { # tag users hatch-rate seconds sample-at -- extra env...
    tag=$1 users=$2 rate=$3 secs=$4 at=$5
    shift 6
    echo "bench: $tag ($users users)" >&2
    env BENCH_WAIT_MS=1000-2000 "$@" python3 "$SRC/bench/sample.py" "$OUT/scale/$tag.json" "$PORT" "$at" -- \
        taskset -c 1 "$LOCUST_RUN" -f "$OUT/scenario.so" --no-web -c "$users" -r "$rate" -t "${secs}s" \
        -H "$URL" --csv "$OUT/scale/$tag" --only-summary >"$OUT/scale/$tag.out" 2>&1 || true
}
if has memory "$PARTS"; then
    mem_run mem1 1 1 8 6 --
    mem_run mem "$MEM_USERS" 2000 20 15 --
    if has locust-fast "$TOOLS"; then
        echo "bench: Locust FastHttpUser memory (1000 users)" >&2
        for n in 1 1000; do
            BENCH_PATH=/ python3 "$SRC/bench/sample.py" "$OUT/scale/memlf$n.json" "$PORT" 25 -- taskset -c 1 \
                locust -f "$SRC/bench/locustfile_wait.py" --headless -u "$n" -r 200 -t 30s -H "$URL" \
                --only-summary >"$OUT/scale/memlf$n.out" 2>&1 || true
        done
    fi
fi

# ---- 50k users in one process ----------------------------------------------------
# Every keep-alive connection is a descriptor: with an open-file hard limit
# below the user count (raising it needs CAP_SYS_RESOURCE, which some
# containers withhold even from root), the run holds as many connections as
# the limit allows ("bigconn"), and 50k users run in one process without
# HTTP ("big", BENCH_NOHTTP) to show the rest of the runtime at that scale.
if has big "$PARTS"; then
    if [ "$(id -u)" = 0 ]; then
        echo "bench: raising vm.max_map_count to 262144 (was $MAPS) for $BIG_USERS users" >&2
        sysctl -qw vm.max_map_count=262144
        ulimit -n "$((BIG_USERS + 1000))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
        fds=$(ulimit -n)
        echo "$fds" >"$OUT/scale/fdlimit"
        conn_users=$BIG_USERS
        [ "$fds" -ge $((BIG_USERS + 1000)) ] || conn_users=$((fds - 1000))
        echo "bench: $conn_users users with keep-alive connections (open-file limit $fds)" >&2
        env BENCH_HOSTS=4 BENCH_WAIT_MS=5000-10000 python3 "$SRC/bench/sample.py" "$OUT/scale/bigconn.json" \
            "$PORT" 35 -- taskset -c 1 "$LOCUST_RUN" -f "$OUT/scenario.so" --no-web -c "$conn_users" \
            -r 2000 -t 40s -H "$URL" --csv "$OUT/scale/bigconn" --only-summary >"$OUT/scale/bigconn.out" 2>&1 || true
        if [ "$conn_users" -lt "$BIG_USERS" ]; then
            # The open-file limit is per process: 3 local slaves (--processes)
            # hold the connections of all the users, against a second nginx
            # whose 4 workers have an open-file limit each as well.
            echo "bench: $BIG_USERS users with keep-alive connections in --processes 3" >&2
            BPORT=$(free_port)
            NGINX_WORKERS=4 start_nginx "$OUT/bignginx" 127.0.0.1:$BPORT 127.0.0.2:$BPORT 127.0.0.3:$BPORT \
                127.0.0.4:$BPORT
            env BENCH_HOSTS=4 BENCH_WAIT_MS=5000-10000 python3 "$SRC/bench/sample.py" "$OUT/scale/bigproc.json" \
                "$BPORT" 45 -- "$LOCUST_RUN" -f "$OUT/scenario.so" --processes 3 --no-web -c "$BIG_USERS" \
                -r 3000 -t 50s -H "$URL" --csv "$OUT/scale/bigproc" --only-summary >"$OUT/scale/bigproc.out" 2>&1 || true
            stop_nginx "$OUT/bignginx"
            URL=http://127.0.0.1:$PORT
            echo "bench: $BIG_USERS users without HTTP" >&2
            env BENCH_NOHTTP=1 BENCH_WAIT_MS=1000-2000 python3 "$SRC/bench/sample.py" "$OUT/scale/big.json" \
                "$PORT" 25 -- taskset -c 1 "$LOCUST_RUN" -f "$OUT/scenario.so" --no-web -c "$BIG_USERS" \
                -r 10000 -t 30s -H "$URL" --csv "$OUT/scale/big" --only-summary >"$OUT/scale/big.out" 2>&1 || true
        fi
        sysctl -qw vm.max_map_count="$MAPS"
    else
        echo "bench: skipping $BIG_USERS users (needs root for vm.max_map_count)" >&2
    fi
fi

# ---- start-up: exec to the first request -----------------------------------------
if has startup "$PARTS"; then
    echo "bench: start-up" >&2
    python3 "$SRC/bench/startup.py" "$OUT/scale/startup-lr.json" 20 -- "$LOCUST_RUN" -f "$OUT/scenario.so" \
        --no-web -c 1 -r 1 -t 10s -H "{URL}" >/dev/null
    if has locust-fast "$TOOLS"; then
        python3 "$SRC/bench/startup.py" "$OUT/scale/startup-lf.json" 5 -- locust -f "$SRC/bench/locustfile_fast.py" \
            --headless -u 1 -r 1 -t 10s -H "{URL}" >/dev/null
    fi
fi

# ---- more processes: --processes 2 vs one process ----------------------------------
# A CPU-heavy task (BENCH_CPU_US) makes the generator, not nginx, the limit;
# --processes 2 runs the users in two local slaves under a master.
if has processes "$PARTS"; then
    CPU_US=${BENCH_CPU_US:-300}
    for n in 1 2; do
        echo "bench: --processes $n (${CPU_US} us of CPU per task)" >&2
        BENCH_CPU_US=$CPU_US python3 "$SRC/bench/measure.py" "$OUT/scale/proc$n.json" -- "$LOCUST_RUN" \
            -f "$OUT/scenario.so" --processes "$n" --no-web -c "$USERS" -r 100000 -t "${DUR}s" -H "$URL" \
            --csv "$OUT/scale/proc$n" --only-summary >"$OUT/scale/proc$n.out" 2>&1 || true
    done
fi

# ---- a master absorbing 100 slaves' reports ------------------------------------------
# bench/fake_slaves.py plays 100 slaves reporting once a second and reads the
# master's CPU time (user + system, all threads) over the steady 19 s of each
# 25 s run. The machine may be shared, and on a virtual machine that does
# not account stolen time, some runs show several times the system time of
# the others, so the run is repeated (BENCH_MASTER_REPEAT, default 5) and the
# report shows the median.
if has master "$PARTS"; then
    if $SYSPY -c 'import zmq, msgpack' 2>/dev/null; then
        MREPEAT=${BENCH_MASTER_REPEAT:-5}
        for rep in $(seq 1 "$MREPEAT"); do
            echo "bench: master with 100 simulated slaves, 1 report/s each (run $rep of $MREPEAT)" >&2
            MPORT=$(free_port)
            "$LOCUST_RUN" -f "$OUT/scenario.so" --master --master-bind-host 127.0.0.1 --master-bind-port "$MPORT" \
                --expect-slaves 100 --no-web -c 1000 -r 1000 -t 60s -H "$URL" --only-summary \
                >"$OUT/scale/master.$rep.out" 2>&1 &
            mpid=$!
            sleep 0.5
            $SYSPY "$SRC/bench/fake_slaves.py" "$OUT/scale/master.$rep.json" "$mpid" "$MPORT" 100 25 1 || true
            kill "$mpid" 2>/dev/null || true
            wait "$mpid" 2>/dev/null || true
        done
    else
        echo "bench: skipping the master run (needs python3-zmq and python3-msgpack)" >&2
    fi
fi

# ---- the open model: rate accuracy and the precise histogram's cost ------------------
# --rate R with task runs that make no request (the schedule itself is measured):
# the achieved rate, how late runs started (p50/p99/max) and the dropped runs,
# from locust-run's own summary line. Then the instructions the precise histogram
# adds per request, counted by callgrind over bench/hdr_cost.c.
rm -f "$OUT/openmodel.md"
if has openmodel "$PARTS"; then
    {
        echo
        echo "### Open model: rate accuracy (one process, CPU 1, runs without requests, ${DUR} s)"
        echo
        echo "| target runs/s | achieved runs/s | started | dropped | start lateness p50 / p99 / max (ms) |"
        echo "| ---: | ---: | ---: | ---: | ---: |"
    } >"$OUT/openmodel.md"
    for rate in 1000 10000 50000; do
        echo "bench: --rate $rate" >&2
        taskset -c 1 "$LOCUST_RUN" -f "$SRC/tests/cli_scenarios/openmodel.c" --no-web --only-summary -c 1000 \
            --rate "$rate" -t "${DUR}s" Empty >"$OUT/scale/rate$rate.out" 2>&1 || true
        sed -n 's/.*target \([0-9.]*\) runs\/s, achieved \([0-9.]*\) runs\/s, \([0-9]*\) started.*p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms max \([0-9.]*\) ms; \([0-9]*\) runs dropped.*/| \1 | \2 | \3 | \7 | \4 \/ \5 \/ \6 |/p' \
            "$OUT/scale/rate$rate.out" | tail -n 1 >>"$OUT/openmodel.md"
    done
    if command -v valgrind >/dev/null; then
        echo "bench: the precise histogram's instructions per request" >&2
        ${CC:-cc} -O2 -I"$SRC/include" -o "$OUT/hdr_cost" "$SRC/bench/hdr_cost.c" -L"$BUILD/.libs" -llocust \
            -Wl,-rpath,"$BUILD/.libs"
        valgrind --tool=callgrind --callgrind-out-file="$OUT/hdr_cost.cg" "$OUT/hdr_cost" 200000 >/dev/null 2>&1
        ir=$(callgrind_annotate "$OUT/hdr_cost.cg" 2>/dev/null | grep -E '^ *[0-9,]+ \([ 0-9.]+%\) .*:locust__hdr_record( |$)' | grep -v '=>' |
            sed 's/^ *\([0-9,]*\).*/\1/' | tr -d , | awk '{ s += $1 } END { print s }')
        echo "" >>"$OUT/openmodel.md"
        echo "Precise histogram: $((ir / 200000)) instructions per request (self cost of its two records, the entry's and the Total's)," \
            "measured by callgrind over bench/hdr_cost.c." >>"$OUT/openmodel.md"
    fi
fi

{
    python3 "$SRC/bench/report.py" "$OUT" "$DUR" "$USERS"
    [ ! -f "$OUT/openmodel.md" ] || cat "$OUT/openmodel.md"
} | tee "$OUT/report.md"
python3 "$SRC/bench/report.py" "$OUT" "$DUR" "$USERS" | tee "$OUT/report.md"
if [ -f "$OUT/hops.md" ]; then
    printf '\n**The hops besides http://IP** (bench/hops.sh, %s rounds of %ss runs):\n\n' "${BENCH_HOPS_ROUNDS:-3}" "$HOPS_DUR" |
        tee -a "$OUT/report.md"
    tee -a "$OUT/report.md" <"$OUT/hops.md"
fi
if [ -f "$OUT/tlsidle.md" ]; then
    printf '\n**Idle https users** (bench/tls_idle.sh, %s users waiting 60-70 s after one request):\n\n' \
        "$MEM_USERS" | tee -a "$OUT/report.md"
    tee -a "$OUT/report.md" <"$OUT/tlsidle.md"
fi
