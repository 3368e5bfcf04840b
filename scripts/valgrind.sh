#!/bin/sh
# `make valgrind`: the core suites under valgrind's memcheck, no fork (so
# leaks are seen), errors are fatal.
set -eu
build=$1
status=0
for t in test_core test_tasks test_runner test_stats test_stats_report test_stats_wire; do
    exe=$build/tests/$t
    [ -x "$exe" ] || continue
    echo "valgrind: $t"
    if ! (cd "$build" && CK_FORK=no valgrind -q --leak-check=full \
            --errors-for-leak-kinds=definite --error-exitcode=9 "$exe" >"$build/$t.valgrind.log" 2>&1); then
        tail -n 40 "$build/$t.valgrind.log"
        status=1
    else
        grep -E '^[0-9]+%: Checks' "$build/$t.valgrind.log" || true
    fi
done
exit $status
