#!/bin/sh
# Installs what the web UI's end-to-end test needs: Debian's chromium and
# playwright-core (the driver library only, no browser download) from npm
# into tests/e2e/node_modules. Idempotent: when both are there it only
# checks and exits, so the test can call it on every run.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
e2e="$src/tests/e2e"
want=$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' "$e2e/package.json")

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-e2e: /usr/bin/chromium is missing; run as root or: sudo apt-get install chromium" >&2
        exit 1
    fi
    echo "install-e2e: installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

have=""
pkg="$e2e/node_modules/playwright-core/package.json"
[ -f "$pkg" ] && have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg" | head -n 1)
if [ "$have" != "$want" ]; then
    command -v npm >/dev/null 2>&1 || { echo "install-e2e: npm is missing (apt-get install npm)" >&2; exit 1; }
    echo "install-e2e: installing playwright-core $want into tests/e2e/node_modules"
    # The browser comes from Debian: never let playwright download one.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$e2e" --no-audit --no-fund \
        --no-package-lock --loglevel=error >/dev/null
fi
exit 0
