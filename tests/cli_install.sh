#!/bin/sh
# `make install` into a temporary DESTDIR, then, against that tree only:
# compile examples/embed.c with pkg-config and run it against
# locust-demo-target; check that the installed locust-run compiles a
# scenario with the installed headers; check that the man pages are there.
# Bounded: every step has a timeout.
set -eu
build=${LOCUST_BUILDDIR:?LOCUST_BUILDDIR is not set}
src=${LOCUST_SRCDIR:?LOCUST_SRCDIR is not set}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli-install-XXXXXX")
target=
cleanup() {
    [ -n "$target" ] && kill "$target" 2>/dev/null && wait "$target" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The install must not take part in the running `make check`'s job server.
unset MAKEFLAGS MFLAGS MAKELEVEL
root=$tmp/root
timeout 300 make -C "$build" install DESTDIR="$root" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "make install DESTDIR=$root"; }

pc=$(find "$root" -name liblocust.pc | head -n 1)
[ -n "$pc" ] || fail "liblocust.pc was not installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
bindir=$root$prefix/bin
[ -x "$bindir/locust-run" ] || fail "locust-run was not installed in $bindir"
for page in man1/locust-run.1 man3/liblocust.3; do
    [ -f "$root$prefix/share/man/$page" ] || fail "man page $page was not installed"
done
[ -f "$root$prefix/include/locust/locust.h" ] || fail "the headers were not installed"

# A static-only build (the sanitizer build) installs no liblocust.so to link against plainly.
if ! ls "$root$prefix"/lib*/liblocust.so >/dev/null 2>&1 && ! ls "$root$prefix"/lib/*/liblocust.so >/dev/null 2>&1; then
    echo "SKIP: no shared liblocust was installed (a --disable-shared build)"
    exit 77
fi

# Compile the embedding example against the installed tree only.
# The .pc file names the final prefix; point it at the DESTDIR copy.
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pc_config() {
    pkg-config --define-variable=prefix="$root$prefix" "$@" liblocust
}
cflags=$(pc_config --cflags) || fail "pkg-config --cflags liblocust"
libs=$(pc_config --libs) || fail "pkg-config --libs liblocust"
case "$cflags" in *"$root"*) ;; *) fail "pkg-config's flags do not point into the install: $cflags" ;; esac
# Code built against liblocust runs on guarded fiber stacks: a big frame must touch its stack page by
# page so that an overflow hits the guard (and is reported) instead of another user's stack.
case " $cflags " in *" -fstack-clash-protection "*) ;; *) fail "pkg-config's flags lack -fstack-clash-protection: $cflags" ;; esac
# shellcheck disable=SC2086
timeout 120 ${CC:-cc} -o "$tmp/embed" "$src/examples/embed.c" $cflags $libs || fail "compiling examples/embed.c"
libdir=$(pc_config --variable=libdir)
export LD_LIBRARY_PATH="$libdir"
ldd "$tmp/embed" | grep -q "$root.*liblocust" || fail "embed does not use the installed liblocust"

# Run it against the demo target for 2 s.
"$build/locust-demo-target" --host 127.0.0.1 --port 0 --port-file "$tmp/port" >"$tmp/target.log" 2>&1 &
target=$!
i=0
while [ ! -s "$tmp/port" ]; do
    i=$((i + 1))
    [ "$i" -le 100 ] || fail "locust-demo-target did not start"
    sleep 0.1
done
host=http://127.0.0.1:$(cat "$tmp/port")
timeout 60 "$tmp/embed" "$host" 2 >"$tmp/embed.out" 2>&1 || { cat "$tmp/embed.out" >&2; fail "embed exited $?"; }
grep -q '^       Total ' "$tmp/embed.out" || fail "embed printed no Total row"

# The installed locust-run finds the installed headers (next to it) to compile a scenario.
LOCUST_CACHE_DIR=$tmp/cache timeout 120 "$bindir/locust-run" -f "$src/examples/basic.c" --list \
    >"$tmp/list.out" 2>"$tmp/list.err" || { cat "$tmp/list.err" >&2; fail "installed locust-run -f basic.c"; }
grep -qx '    WebsiteUser' "$tmp/list.out" || fail "installed locust-run listed: $(cat "$tmp/list.out")"
echo "PASS: installed into $root$prefix; embed ran against $host; locust-run compiled examples/basic.c"
