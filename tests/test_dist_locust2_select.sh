#!/bin/sh
# What a stock Debian python3-locust 2.12.1 master selects, a locust-run
# worker (--master-protocol 2) runs (tests/cli_scenarios/select2x.c: each
# task run is a request named "read" or "write"; the master's --csv shows
# which ran):
#  1. a LoadTestShape whose tick() returns (users, rate, [Reader]): the
#     master's spawn messages name only Reader users, and the worker runs
#     no Writer;
#  2. the master's --tags read: the worker runs only the tagged task (2.12.1
#     sends its options with every spawn; its worker filters by them);
#  3. a master without --tags and a worker with -T write: the master's
#     options win, as with 2.12.1's own worker, so every task runs;
#  4. fixed_count = 1 on the master's Reader: of 4 users, the worker runs
#     1 Reader and 3 Writers (the master's dispatcher places them).
# Skipped (77) when the locust program is missing.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
. "$S/tests/dist_script.sh"
script_need_locust2
script_setup locust2select

# user CLASS TASK [ATTRIBUTE]: a User class that waits 1 s between runs of its one task TASK
# (the worker's request name), with ATTRIBUTE (e.g. "fixed_count = 1") when given.
user() {
    printf '\n\nclass %s(User):\n    wait_time = constant(1)\n' "$1"
    [ -z "${3:-}" ] || printf '    %s\n' "$3"
    printf '\n    @task\n    def %s(self):\n        pass\n' "$2"
}

# 1. Readers and Writers, and a shape that names only Readers.
{
    echo "from locust import LoadTestShape, User, constant, task"
    user Reader read
    user Writer write
    cat <<'PYEOF'


class OnlyReaders(LoadTestShape):
    def tick(self):
        if self.get_run_time() < 4:
            return (4, 4, [Reader])
        return None
PYEOF
} >"$tmp/shape.py"

# 2. and 3. One class with a task tagged "read" and one tagged "write".
cat >"$tmp/tags.py" <<'PYEOF'
from locust import User, constant, tag, task


class Mixed(User):
    wait_time = constant(1)

    @tag("read")
    @task
    def read(self):
        pass

    @tag("write")
    @task
    def write(self):
        pass
PYEOF

# 4. Readers, one of them at most, and Writers.
{
    echo "from locust import User, constant, task"
    user Reader read "fixed_count = 1"
    user Writer write
} >"$tmp/fixed.py"

# run NAME LOCUSTFILE "MASTER ARGS" WORKER ARGS...: one master and one worker; the master's CSV is $tmp/NAME_stats.csv.
run() {
    name=$1 file=$2 margs=$3
    shift 3
    port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # shellcheck disable=SC2086
    (cd "$tmp" && exec timeout 60 "$LOCUST" -f "$file" --master --headless --expect-workers 1 $margs \
        --master-bind-host 127.0.0.1 --master-bind-port "$port" --csv "$tmp/$name" --exit-code-on-error 0 \
        >"$tmp/$name-master.log" 2>&1) &
    master=$!
    pids="$pids $master"
    LOCUST_CACHE_DIR="$tmp/cache" timeout 60 "$B/locust-run" -f "$S/tests/cli_scenarios/select2x.c" --slave \
        --master-protocol 2 --master-port "$port" "$@" >"$tmp/$name-worker.log" 2>&1 &
    worker=$!
    pids="$pids $worker"
    wait "$master" || fail "$name: the locust master failed"
    wait "$worker" || fail "$name: the worker failed"
}

# count NAME TASK: the master's request count of TASK (0 without a row).
count() {
    $PY - "$tmp/$1_stats.csv" "$2" <<'PYEOF'
import csv, sys
n = 0
for row in csv.DictReader(open(sys.argv[1])):
    if row["Name"] == sys.argv[2]:
        n = int(row["Request Count"])
print(n)
PYEOF
}

run shape shape.py "" Reader Writer
grep -q "Shape test updating to 4 users" "$tmp/shape-master.log" || fail "the master's shape did not run"
echo "shape: read $(count shape read), write $(count shape write)"
[ "$(count shape read)" -gt 0 ] || fail "shape: the worker ran no Reader"
[ "$(count shape write)" -eq 0 ] || fail "shape: the worker ran Writers the shape did not name"

run tags tags.py "-u 2 -r 2 -t 3s --tags read" Mixed
echo "tags: read $(count tags read), write $(count tags write)"
[ "$(count tags read)" -gt 0 ] || fail "tags: the tagged task did not run"
[ "$(count tags write)" -eq 0 ] || fail "tags: the worker ran a task the master's --tags excluded"
grep -q "Tag filter for this test: --tags read" "$tmp/tags-worker.log" || fail "tags: the worker did not say its filter"

run notags tags.py "-u 2 -r 2 -t 3s" -T write Mixed
echo "no tags on the master, -T write on the worker: read $(count notags read), write $(count notags write)"
[ "$(count notags read)" -gt 0 ] && [ "$(count notags write)" -gt 0 ] ||
    fail "notags: the master's options (no tags) did not replace the worker's -T"
run fixed fixed.py "-u 4 -r 4 -t 3s" Reader Writer
grep -q "All locusts hatched: Reader: 1, Writer: 3" "$tmp/fixed-worker.log" ||
    fail "fixed: the worker did not run 1 Reader and 3 Writers"
echo "1 passed, 0 failed"
