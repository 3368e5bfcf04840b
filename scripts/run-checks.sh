#!/bin/sh
# Runs the automake test suite in build dir $1 and prints the result the way
# Check and CI read it: every test program's Check summary line, then one
# closing line "N passed, N failed".
set -u
build=$1
jobs=${2:-2}
rc=0
make -C "$build" -j"$jobs" check >"$build/check.out" 2>&1 || rc=$?
grep -E '^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR):' "$build/check.out" || true
passed=0; failed=0; skipped=0
for log in $(find "$build/tests" -name '*.log' ! -name 'test-suite.log' 2>/dev/null | sort); do
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        echo "$(basename "$log" .log): $line"
        n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/')
        set -- $n
        passed=$((passed + $1 - $2 - $3)); failed=$((failed + $2 + $3))
    else
        # A test without Check output (a script) counts as one check.
        trs=${log%.log}.trs
        [ -f "$trs" ] || continue
        case $(sed -n 's/^:test-result: //p' "$trs") in
        PASS|XFAIL) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
        esac
    fi
done
if [ "$rc" -ne 0 ]; then
    # Show what failed: the failing tests' logs, or the build error.
    for log in $(grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' $(find "$build/tests" -name '*.trs' 2>/dev/null) 2>/dev/null | sed 's/\.trs$/.log/'); do
        echo "==== $log"; tail -n 60 "$log"
    done
    grep -q -E '^(PASS|FAIL|ERROR):' "$build/check.out" || tail -n 60 "$build/check.out"
    [ "$failed" -eq 0 ] && failed=1
fi
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
