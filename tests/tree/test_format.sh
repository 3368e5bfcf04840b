#!/bin/sh
# Every C file follows .clang-format (make format fixes what differs).
# A tarball has no git: the check runs on a checkout only.
if [ ! -e "${LOCUST_SRCDIR:?}/.git" ]; then
    echo "format: not a git checkout; skipped"
    exit 77
fi
exec sh "$LOCUST_SRCDIR/scripts/format.sh" check
