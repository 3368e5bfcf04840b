#!/bin/sh
# Custom messages under a stock Debian python3-locust 2.12.1 master: a
# locust-run worker (--master-protocol 2) sends ("hello", {"n": 42}) when its
# test starts; the master's locustfile registers a handler, which answers
# with ("welcome_back", {"text": "welcome"}) to that worker, whose handler logs it.
# Skipped (77) when the locust program is missing.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
. "$S/tests/dist_script.sh"
script_need_locust2
script_setup locust2msg
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$tmp/master.py" <<'PYEOF'
from locust import User, constant, events, task
from locust.runners import MasterRunner


class Dummy(User):
    wait_time = constant(1)

    @task
    def nothing(self):
        pass


def on_hello(environment, msg, **kwargs):
    print("HELLO from %s: %r" % (msg.node_id, msg.data), flush=True)
    environment.runner.send_message("welcome_back", {"text": "welcome"}, msg.node_id)


@events.init.add_listener
def on_init(environment, **kwargs):
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message("hello", on_hello)
PYEOF

(cd "$tmp" && exec timeout 60 "$LOCUST" -f master.py --master --headless --expect-workers 1 -u 1 -r 1 \
    -t 4s --master-bind-host 127.0.0.1 --master-bind-port "$port" --exit-code-on-error 0 \
    >"$tmp/master.log" 2>&1) &
master=$!
pids="$pids $master"
LOCUST_CACHE_DIR="$tmp/cache" timeout 60 "$B/locust-run" -f "$S/tests/cli_scenarios/message2x.c" --slave \
    --master-protocol 2 --master-port "$port" >"$tmp/worker.log" 2>&1 &
worker=$!
pids="$pids $worker"
wait "$master" || fail "the locust master failed"
wait "$worker"
grep -q "HELLO from .*{'n': 42}" "$tmp/master.log" || fail "the master's handler did not get the worker's hello"
grep -q "message: got welcome_back: welcome" "$tmp/worker.log" || fail "the worker's handler did not get the master's ack"
echo "1 passed, 0 failed"
