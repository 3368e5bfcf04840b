#!/bin/sh
# Applies (fix) or checks (check) .clang-format over every C/C++ file git
# tracks. `check` prints each file that is not formatted and fails, so the
# style holds without anyone policing it (make check runs it).
set -eu
mode=${1:-check}
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
    echo "format: clang-format is not installed (apt-get install clang-format)" >&2
    exit 1
fi
files=$(git ls-files '*.c' '*.h' '*.cpp' 2>/dev/null || find include liblocust cli demo tests examples bench -name '*.[ch]' -o -name '*.cpp')
[ -n "$files" ] || { echo "format: no sources found" >&2; exit 1; }
if [ "$mode" = fix ]; then
    # shellcheck disable=SC2086
    clang-format -i $files
    exit 0
fi
bad=0
for f in $files; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "format: $f is not formatted (make format)"
        bad=$((bad + 1))
    fi
done
[ "$bad" -eq 0 ] || { echo "format: $bad file(s) differ from .clang-format"; exit 1; }
echo "format: every C file follows .clang-format"
