#!/bin/sh
# style.sh -- house rules checked like tests: every C file opens with a one-line comment saying
# what it is for, no line ends in spaces or holds a tab, and every file is formatted as
# .clang-format says (clang-format 14, installed by scripts/deps.sh; the check says it is skipped
# where clang-format is missing).  include/keel/api_module.h is generated, and left out.
# One awk and one clang-format run cover every file; only on a failure is each file named.
set -eu
src=${KEEL_SRCDIR:?KEEL_SRCDIR is not set}
cd "$src"
status=0
files=$(find core datakit include proto modules sdk tests/unit tests/fuzz -name '*.[ch]' 2>/dev/null | sort)
# shellcheck disable=SC2086
awk '
    FNR == 1 && !/^\/\* [A-Za-z0-9_.\/-]* -- / {
        n = split(FILENAME, part, "/")
        printf "FAIL: %s: the first line must be \"/* %s -- what it is for\"\n", FILENAME, part[n]
        bad = 1
    }
    /[[:space:]]$/ { trailing[FILENAME] = trailing[FILENAME] FNR " " }
    /\t/ { tabs[FILENAME] = 1 }
    END {
        for (f in trailing) { printf "FAIL: %s: trailing whitespace on line(s) %s\n", f, trailing[f]; bad = 1 }
        for (f in tabs) { printf "FAIL: %s: tab characters (indent with spaces)\n", f; bad = 1 }
        exit bad
    }' $files || status=1
if command -v clang-format >/dev/null 2>&1; then
    formatted=$(printf '%s\n' $files | grep -v '/api_module\.h$')
    # shellcheck disable=SC2086
    if ! clang-format --dry-run --Werror $formatted >/dev/null 2>&1; then
        for f in $formatted; do
            if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
                echo "FAIL: $f: not formatted as .clang-format says (run: clang-format -i $f)"
                status=1
            fi
        done
    fi
else
    echo "skipped: the format check (clang-format is not installed: scripts/deps.sh installs it)"
fi
[ $status -eq 0 ] && echo "ok: style rules hold"
exit $status
