#!/bin/sh
# api_module_fresh.sh -- include/keel/api_module.h is what scripts/gen-api-module.sh makes of
# api.h (regenerate it with: scripts/gen-api-module.sh include/keel/api.h > include/keel/api_module.h).
set -eu
src=${KEEL_SRCDIR:?KEEL_SRCDIR is not set}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sh "$src/scripts/gen-api-module.sh" "$src/include/keel/api.h" > "$tmp"
if ! diff -u "$src/include/keel/api_module.h" "$tmp"; then
    echo "FAIL: include/keel/api_module.h is stale"
    exit 1
fi
echo "ok: api_module.h matches api.h ($(grep -c '^#define keel_' "$tmp") entries)"
