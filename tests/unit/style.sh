#!/bin/sh
# style.sh -- house rules checked like tests: every C file opens with a one-line comment saying
# what it is for, and no line ends in spaces or holds a tab.
set -eu
src=${KEEL_SRCDIR:?KEEL_SRCDIR is not set}
cd "$src"
status=0
for f in $(find core datakit include proto modules sdk tests/unit tests/fuzz -name '*.[ch]' 2>/dev/null | sort); do
    if ! head -n 1 "$f" | grep -q '^/\* [A-Za-z0-9_./-]* -- '; then
        echo "FAIL: $f: the first line must be '/* $(basename "$f") -- what it is for'"
        status=1
    fi
    if grep -n '[[:space:]]$' "$f" >/dev/null; then
        echo "FAIL: $f: trailing whitespace on line(s) $(grep -n '[[:space:]]$' "$f" | cut -d: -f1 | tr '\n' ' ')"
        status=1
    fi
    if grep -n "$(printf '\t')" "$f" >/dev/null; then
        echo "FAIL: $f: tab characters (indent with spaces)"
        status=1
    fi
done
[ $status -eq 0 ] && echo "ok: style rules hold"
exit $status
