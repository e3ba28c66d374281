#!/bin/sh
# module_symbols.sh -- every built module exports exactly one symbol: keel_module_descriptor.
set -eu
dir=${KEEL_MODULE_DIR:?KEEL_MODULE_DIR is not set}
found=0
status=0
for so in "$dir"/*.so; do
    [ -e "$so" ] || continue
    found=$((found + 1))
    syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
    if [ "$syms" != "keel_module_descriptor " ]; then
        echo "FAIL: $so exports: $syms"
        status=1
    else
        echo "ok: $(basename "$so") exports only keel_module_descriptor"
    fi
done
if [ "$found" -eq 0 ]; then
    echo "FAIL: no modules in $dir"
    exit 1
fi
exit $status
