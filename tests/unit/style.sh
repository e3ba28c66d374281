#!/bin/sh
# style.sh -- house rules checked like tests: every C file opens with a one-line comment saying
# what it is for, no line ends in spaces or holds a tab, and every file is formatted as
# .clang-format says (clang-format 14, installed by scripts/deps.sh; the check says it is skipped
# where clang-format is missing).  include/keel/api_module.h is generated, and left out.
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
if command -v clang-format >/dev/null 2>&1; then
    for f in $(find core datakit include proto modules sdk tests/unit tests/fuzz -name '*.[ch]' ! -name api_module.h 2>/dev/null | sort); do
        if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
            echo "FAIL: $f: not formatted as .clang-format says (run: clang-format -i $f)"
            status=1
        fi
    done
else
    echo "skipped: the format check (clang-format is not installed: scripts/deps.sh installs it)"
fi
[ $status -eq 0 ] && echo "ok: style rules hold"
exit $status
