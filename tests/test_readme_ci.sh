#!/bin/sh
# The CI example of README.md ("Reports and CI") runs as written: the shell
# of its "Load test with thresholds" step, taken from the README, runs in a
# fresh folder (a checkout has no results/ folder) against the demo target,
# with the target's address and a short run (-u 4 -t 3s) put in its place.
# The step must fail the build on a threshold (exit 3) and leave the four
# reports in results/ for the upload step. The scenario is
# tests/cli_scenarios/reports.c, whose Web class fails half its requests.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
B=$(cd "$B" && pwd)
. "$S/tests/dist_script.sh"
script_setup readme-ci
script_start_target

# The step's "run: |" block: its lines up to the next step, without their indent.
awk '/^```yaml/ { y = 1; next } /^```/ { y = 0 } !y { next }
     /- name: Load test with thresholds/ { s = 1; next }
     s && /^ *- (name|uses):/ { s = 0 }
     s && /^ *run: \|/ { r = 1; next }
     s && r { sub(/^          /, ""); print }' "$S/README.md" >"$tmp/step.sh"
grep -q 'locust-run ' "$tmp/step.sh" || fail "no locust-run command in the README's CI step: $(cat "$tmp/step.sh")"
for from in 'http://127.0.0.1:8080' '-u 200 -r 20 -t 2m' 'loadtest/scenario.c'; do
    grep -qF -- "$from" "$tmp/step.sh" || fail "the README's CI step has no '$from' to replace"
done
sed -e "s|http://127.0.0.1:8080|$host|" -e 's|-u 200 -r 20 -t 2m|-u 4 -r 20 -t 3s|' "$tmp/step.sh" >"$tmp/run.sh"
mkdir -p "$tmp/repo/loadtest"
cp "$S/tests/cli_scenarios/reports.c" "$tmp/repo/loadtest/scenario.c"

(cd "$tmp/repo" && PATH="$B:$PATH" timeout 120 sh -e "$tmp/run.sh" >"$tmp/step.log" 2>&1)
rc=$?
[ $rc -eq 3 ] || fail "the README's CI step exited $rc, not 3 (a failed threshold)"
for f in run_requests.csv run_stats_history.csv report.html summary.json junit.xml; do
    [ -s "$tmp/repo/results/$f" ] || fail "results/$f is missing after the README's CI step"
done
grep -q '<failure message="fail_ratio&lt;0.01: measured' "$tmp/repo/results/junit.xml" ||
    fail "junit.xml has no failed fail_ratio case: $(cat "$tmp/repo/results/junit.xml")"
echo "PASS: the README's CI step fails the build on a threshold and keeps its reports"
