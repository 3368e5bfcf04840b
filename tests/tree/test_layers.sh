#!/bin/sh
# The dependency rule of docs/architecture.md holds: by includes in the
# source tree and by the symbols the built object files need.
exec /usr/bin/python3 "${LOCUST_SRCDIR:?}/tests/tree/layers.py" "$LOCUST_SRCDIR" "${LOCUST_BUILDDIR:?}"
