#!/bin/sh
# Installs the Debian packages that liblocust needs, only those that are
# missing, so that a second run costs nothing. The argument says for what:
#   build  the library, locust-run, the demo target (and make demo)
#   check  build + the test suite (make check, check-asan, fuzz, distcheck)
#   bench  check + the benchmarks' peers (make bench)
set -eu
what=${1:-check}

# Building: the toolchain, the libraries, Chart.js for the web UI page.
BUILD_PKGS="build-essential autoconf automake libtool pkg-config
libcurl4-openssl-dev libev-dev libzmq3-dev libmsgpack-dev libcjson-dev
libmicrohttpd-dev zlib1g-dev libc-ares-dev libpsl-dev libssl-dev libnghttp2-dev libjs-chart.js"
# Testing: Check, clang and its sanitizer runtime (check-asan, fuzzers),
# clang-format (the format check), Python with Locust 0.9-style and Debian's
# Locust 2.12.1 peers, nginx as a second target.
CHECK_PKGS="check clang libclang-rt-14-dev clang-format python3 python3-zmq python3-msgpack
python3-locust nginx prometheus"
# Benchmarking: the other load generators and the profilers.
BENCH_PKGS="wrk valgrind nghttp2-client"

case $what in
build) PKGS=$BUILD_PKGS ;;
check) PKGS="$BUILD_PKGS $CHECK_PKGS" ;;
bench) PKGS="$BUILD_PKGS $CHECK_PKGS $BENCH_PKGS" ;;
*) echo "install-deps: unknown set '$what' (build, check or bench)" >&2; exit 2 ;;
esac

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# nginx's package starts a server on :80; our tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
if [ -x /usr/sbin/nginx ] && pgrep -x nginx >/dev/null 2>&1; then /usr/sbin/nginx -s quit 2>/dev/null || true; fi
exit 0
