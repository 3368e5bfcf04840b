#!/bin/sh
# locust-run's Locust 2.x CSV files (BASE_stats_history.csv, BASE_failures.csv,
# BASE_exceptions.csv) checked field by field against the files Debian's
# locust 2.12.1 writes for the same load (tests/cli_scenarios/reports2x.py
# and the Web and Boom classes of reports.c) on the demo target: the same
# headers and line ends, the same columns in each row with the same kind of
# value (int, float, "N/A", %f rate), the same (Type, Name) rows, the same
# error text, the same exception message and nodes, and in each file's last
# Aggregated row half the requests failed.
# Skipped (77) when Debian's python3-locust is missing.
set -u
B=${LOCUST_BUILDDIR:-.}
S=${LOCUST_SRCDIR:-$(dirname "$0")/..}
PY=/usr/bin/python3
if ! $PY -c 'import locust' 2>/dev/null; then
    echo "SKIP: Debian's python3-locust is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
. "$S/tests/dist_script.sh"
script_setup csv2
script_start_target

# 2.12.1 flushes its history file every 10 s (and not at exit): 16 s of load give
# rows with numbers even on a loaded machine.
(cd "$tmp" && timeout 60 $PY -m locust -f "$S/tests/cli_scenarios/reports2x.py" --headless -u 2 -r 2 -t 16s \
    --csv "$tmp/py" --csv-full-history -H "$host" --exit-code-on-error 0 Web Boom >"$tmp/py.log" 2>&1) ||
    fail "locust 2.12.1 failed: $(tail -5 "$tmp/py.log")"
(cd "$tmp" && timeout 60 "$B/locust-run" -f "$S/tests/cli_scenarios/reports.c" --headless -u 2 -r 2 -t 3s \
    --csv "$tmp/c" --csv-full-history --csv-interval 1 -H "$host" --exit-code-on-error 0 --only-summary Web Boom \
    >"$tmp/c.log" 2>&1) || fail "locust-run failed: $(tail -5 "$tmp/c.log")"

$PY - "$tmp/py" "$tmp/c" <<'PYEOF' || fail "the files differ from 2.12.1's (see above)"
import csv, re, sys

py, c = sys.argv[1], sys.argv[2]

def kind(v):
    if v == "N/A": return "N/A"
    if re.fullmatch(r"-?\d+", v): return "int"
    if re.fullmatch(r"\d+\.\d{6}", v): return "rate"
    if re.fullmatch(r"-?\d+\.\d+(e[-+]\d+)?", v): return "float"
    return "str"

def rows(path):
    raw = open(path, "rb").read()
    # Records end in CRLF; only a quoted field (Python's traceback) may hold a bare LF.
    unquoted = b"".join(raw.split(b'"')[0::2])
    assert raw.endswith(b"\r\n") and b"\n" not in unquoted.replace(b"\r\n", b""), path + ": line ends are not CRLF"
    return list(csv.reader(open(path, newline="")))

ok = True
def check(cond, msg):
    global ok
    if not cond:
        print("MISMATCH:", msg)
        ok = False

for suffix in ("_stats_history.csv", "_failures.csv", "_exceptions.csv"):
    a, b = rows(py + suffix), rows(c + suffix)
    check(a[0] == b[0], suffix + ": headers differ: %r / %r" % (a[0], b[0]))

hp, hc = rows(py + "_stats_history.csv")[1:], rows(c + "_stats_history.csv")[1:]
check({(r[2], r[3]) for r in hp} == {(r[2], r[3]) for r in hc}, "history rows: %r / %r" % (
    sorted({(r[2], r[3]) for r in hp}), sorted({(r[2], r[3]) for r in hc})))
# Column kinds, row by row, for rows with numbers (2.x times failures, 0.9 does not:
# an entry of failures only has no percentiles here, so compare /-rows and Aggregated rows).
def kinds(rs, name):
    out = set()
    for r in rs:
        if r[3] == name and r[17] != "0":
            k = [kind(v) for v in r]
            # the percentiles of a row with requests are ints in both
            out.add(tuple(k))
    return out
for name in ("/", "Aggregated"):
    kp, kc = kinds(hp, name), kinds(hc, name)
    check(kc and kc <= kp, "%s: kinds %r not among 2.12.1's %r" % (name, kc, kp))
for h, who in ((hp, "2.12.1"), (hc, "locust-run")):
    last = [r for r in h if r[3] == "Aggregated"][-1]
    total, failed = int(last[17]), int(last[18])
    check(total > 10 and abs(total - 2 * failed) <= 2, "%s: last Aggregated row %r" % (who, last))
fp, fc = rows(py + "_failures.csv")[1:], rows(c + "_failures.csv")[1:]
check([r[:3] for r in fp] == [r[:3] for r in fc], "failures: %r / %r" % (fp, fc))
check(all(kind(r[3]) == "int" for r in fp + fc), "occurrences are not ints")
# One row per exception: a count, the message as str(exception) gives it, a traceback (Python's
# stack, the task's path here) and the node ("local" when not distributed).
xp, xc = rows(py + "_exceptions.csv")[1:], rows(c + "_exceptions.csv")[1:]
check(len(xp) == 1 and len(xc) == 1, "exception rows: %r / %r" % (xp, xc))
check([[kind(r[0]), r[1], bool(r[2]), r[3]] for r in xp] == [[kind(r[0]), r[1], bool(r[2]), r[3]] for r in xc],
      "exceptions: %r / %r" % (xp, xc))
check(all(int(r[0]) > 0 for r in xp + xc), "exception counts are not positive")
sys.exit(0 if ok else 1)
PYEOF
echo "PASS: 2.x CSV files match 2.12.1's field by field"
