#!/bin/sh
# Runs the Python Locust 0.9 test master (tests/pymaster/master09.py) against
# a C slave. Skipped (77) without Debian's python3-zmq and python3-msgpack.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
PY=/usr/bin/python3
if ! $PY -c 'import zmq, msgpack' 2>/dev/null; then
    echo "SKIP: python3-zmq and python3-msgpack are needed (scripts/install-deps.sh installs them)"
    exit 77
fi
exec timeout 60 $PY "$S/tests/pymaster/master09.py" --node "$B/tests/test_dist_node"
