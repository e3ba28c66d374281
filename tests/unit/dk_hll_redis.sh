#!/bin/sh
# dk_hll_redis.sh -- datakit HLL against redis-server: identical replies (dk_hll_compare.py).
srcdir=${KEEL_SRCDIR:-$(dirname "$0")/../..}
builddir=${KEEL_BUILDDIR:-.}
[ -x /usr/bin/python3 ] || exit 77
exec /usr/bin/python3 "$srcdir/tests/unit/dk_hll_compare.py" "$builddir/tests/unit/dk_hll_tool"
