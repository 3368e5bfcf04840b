#!/bin/sh
# bench/hops_table.py, the table of bench/hops.sh: a tool that counted no
# request (FastHttpUser still in its handshakes, wrk that could not connect)
# or left no figures at all is shown as "-", never as its whole CPU over one
# request; the figures of the tools that ran are the medians of the rounds.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/results.txt" <<'RESULTS'
1|ip|ours|38000 17.0
1|ip|wrk|38000 18.0
1|ip|floor|37000 12.5
1|ip|fast|0 1500000.0
1|name|ours|37000 17.0
1|name|wrk|0 2000.0
1|name|fast|8000 119.0
1|cookie|ours|
1|cookie|wrk|37000 18.0
1|cookie|fast|7000 146.0
RESULTS
python3 "${LOCUST_SRCDIR:?}/bench/hops_table.py" "$dir/results.txt" 1 >"$dir/table.md"
fail() {
    echo "hops_table: $1" >&2
    cat "$dir/table.md" >&2
    exit 1
}
grep -q '^| http://127.0.0.1 (the wire) | 38000 | 17.0 | 1.00x | 1.00x | 18.0 | 1.00x | - | - |$' "$dir/table.md" ||
    fail "the IP row should show no FastHttpUser figures: it counted no request"
grep -q '^| http://localhost (host name, on the wire) | 37000 | 17.0 | - | 1.00x | - | - | 119 | 7.0x |$' \
    "$dir/table.md" || fail "the host-name row should show no wrk figures: wrk counted no request"
grep -q '^| after a login that set a cookie (on the wire) | - | - | - | - | 18.0 | 1.00x | 146 | - |$' \
    "$dir/table.md" || fail "the cookie row should show none of ours: locust-run left no figures"
grep -q 'FastHttpUser - of it' "$dir/table.md" || fail "the floor line should show no FastHttpUser ratio"
if grep -q -e '1500000' -e '2000\.0' -e '83333' "$dir/table.md"; then
    fail "a run that counted no request was shown with figures"
fi
