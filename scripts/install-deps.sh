#!/bin/sh
# Installs the Debian packages that liblocust's build, tests and demo need,
# only those that are missing, so that a second run costs nothing.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config clang libclang-rt-14-dev
libcurl4-openssl-dev libev-dev libzmq3-dev libmsgpack-dev libcjson-dev check
libmicrohttpd-dev zlib1g-dev libc-ares-dev libpsl-dev libjs-chart.js python3 python3-zmq python3-msgpack
python3-locust nginx wrk valgrind"

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
