#!/bin/sh
# run-fuzzers.sh --build DIR [--seconds N | --total N] [--jobs J] [--keep] [target ...] -- runs the
# libFuzzer binaries of build DIR (configured --enable-fuzzing) for N seconds each (default 20),
# or N seconds in all shared out among the targets, J at a time (default: the number of cores),
# each from its seed corpus tests/fuzz/corpus/<target> (read only: what a run finds goes to
# DIR/tests/fuzz/found/<target>, which --keep keeps for the next run).  Targets: those named, else
# every one in FUZZ_TARGETS (tests/fuzz/local.mk).  Extra libFuzzer flags for a target may sit in
# tests/fuzz/settings/<target>.flags, a dictionary in tests/fuzz/settings/<target>.dict.
# Prints a line per target; a crash, leak, hang or sanitizer report fails the run and prints
# the reproducer (kept in DIR/tests/fuzz/artifacts) and the command that replays it.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build="" seconds=20 total="" jobs=$(nproc) keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --total) total=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -*) echo "run-fuzzers.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
usage="run-fuzzers.sh --build DIR [--seconds N | --total N] [--jobs J] [--keep] [target ...]"
[ -n "$build" ] || { echo "usage: $usage" >&2; exit 2; }
targets=${*:-$(make -s -C "$build" fuzz-targets)}
count=$(echo $targets | wc -w)
if [ -n "$total" ]; then
    # J at a time: each target gets its share of J x total
    seconds=$((total * jobs / count))
    [ "$seconds" -ge 1 ] || seconds=1
fi
work="$build/tests/fuzz"
mkdir -p "$work/artifacts" "$work/logs"
export KEEL_MODULE_DIR="$build/.modules"
# intercept_tls_get_addr=0: see docs/testing.md, "LeakSanitizer and modules' thread-locals"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:intercept_tls_get_addr=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {   # run_one TARGET: fuzzes it; the log and exit status go to $work/logs
    t=$1
    bin="$work/fuzz_$t"
    found="$work/found/$t"
    [ "$keep" = 1 ] || rm -rf "$found" "$work/artifacts/$t"-*
    mkdir -p "$found"
    settings="$src/tests/fuzz/settings/$t"
    set -- -max_total_time="$seconds" -timeout=120 -rss_limit_mb=3072 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$t-"
    [ -f "$settings.dict" ] && set -- "$@" -dict="$settings.dict"
    # shellcheck disable=SC2046
    [ -f "$settings.flags" ] && set -- "$@" $(grep -v '^#' "$settings.flags")
    rc=0
    "$bin" "$@" "$found" "$src/tests/fuzz/corpus/$t" >"$work/logs/$t.log" 2>&1 || rc=$?
    echo "$rc" >"$work/logs/$t.rc"
}

summary() {   # summary TARGET: one line from its log
    t=$1 log="$work/logs/$1.log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    printf '  %-18s %10s runs %7s/s  cov %6s  corpus %5s+%s\n' "$t" "${runs:-?}" "${speed:-?}" \
        "${cov:-?}" "$(ls "$src/tests/fuzz/corpus/$t" | wc -l)" "$(ls "$work/found/$t" | wc -l)"
}

echo "run-fuzzers.sh: $count targets, ${seconds}s each, $jobs at a time (logs: $work/logs)"
failed=""
set -- $targets
while [ $# -gt 0 ]; do
    batch=""
    i=0
    while [ $# -gt 0 ] && [ $i -lt "$jobs" ]; do
        if [ ! -x "$work/fuzz_$1" ]; then
            echo "run-fuzzers.sh: no $work/fuzz_$1 (configure --enable-fuzzing CC=clang)" >&2
            exit 1
        fi
        run_one "$1" &
        batch="$batch $1"
        i=$((i + 1))
        shift
    done
    wait
    for t in $batch; do
        summary "$t"
        [ "$(cat "$work/logs/$t.rc")" = 0 ] || failed="$failed $t"
    done
done

[ -z "$failed" ] && { echo "run-fuzzers.sh: every target ran clean"; exit 0; }
for t in $failed; do
    echo
    echo "==== fuzz target $t FAILED (exit $(cat "$work/logs/$t.rc")); the end of its log"
    echo "     ($work/logs/$t.log):"
    grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse|INITED)' "$work/logs/$t.log" | tail -n 60
    for a in $(ls -t "$work/artifacts/$t"-* 2>/dev/null | head -3); do
        echo "---- reproducer $a ($(wc -c <"$a") bytes); replay it with"
        echo "     KEEL_MODULE_DIR=$build/.modules $work/fuzz_$t $a"
        head -c 2048 "$a" | od -A d -c | head -n 40
    done
done
exit 1
