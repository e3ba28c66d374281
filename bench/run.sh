#!/bin/bash
# run.sh WHAT TARGET...   (see README.md) -- each of Keel's own bench scripts against each target,
# a fresh server per script and target, targets interleaved; RESULT lines collected in summary.txt.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export SHARED_BENCH=${SHARED_BENCH:-$(cd "$HERE/../../shared/bench" 2>/dev/null && pwd)}
[ -f "$SHARED_BENCH/lib.sh" ] || { echo "run.sh: set SHARED_BENCH to ../shared/bench" >&2; exit 2; }
WHAT=$1; shift
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(keel redis)
SRV_PIN=()
ROUNDS=${ROUNDS:-1}   # rounds of every script on every target in turn; rows then give medians
# medians < LINES: "TARGET ROW VALUE UNIT..." lines, several per target and row, become one line
# each, in first-seen order, with the median VALUE and every round's value (rows whose third
# field is not a number, e.g. "p99=1.65ms", list each round's line instead)
medians() {
  /usr/bin/python3 -c '
import statistics, sys
rows = {}
for line in sys.stdin:
    f = line.split()
    if len(f) >= 3:
        rows.setdefault((f[0], f[1]), []).append(f[2:])
for (target, row), runs in rows.items():
    try:
        vals = [float(r[0]) for r in runs]
    except ValueError:
        for r in runs:
            print(target, row, " ".join(r))
        continue
    print(target, row, "%.2f" % statistics.median(vals), runs[0][1] if len(runs[0]) > 1 else "",
          "(median of: %s)" % " ".join(r[0] for r in runs))
'
}
source "$SHARED_BENCH/lib.sh"
source "$SHARED_BENCH/targets.sh"
OUT="$RES_DIR/keel-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$OUT"
{ echo "date: $(date -Is)"; echo "host: $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)";
  echo "redis: $(redis-server --version)"; echo "keel: ${KEEL_SERVER:-keel-server}"; } > "$OUT/summary.txt"
declare -A SCRIPT=([bigvalue]=06_bigvalue_latency.sh [unread]=07_unread_replies.sh [tx]=08_tx_scripts.sh
                   [streams]=11_streams.sh [zset]=12_zrange_bigop.sh [btree]=13_btree_agg.sh)
# 09_expiry_lag.sh --run and 10_cache_mode.sh start their own servers (several per target): run
# them directly.  14_aof.sh starts its own too (one per log mode and target): "aof" runs it once
# with the targets given; so do "sbitset" (15_sbitset.sh: one server per target) and "rdbimport"
# (15_rdb_import.sh: a fresh server per load).
declare -A SELF_STARTING=([aof]=14_aof.sh [sbitset]=15_sbitset.sh [rdbimport]=15_rdb_import.sh)
for what in $WHAT; do
  if [ -n "${SELF_STARTING[$what]:-}" ]; then
    echo "== $what on ${TARGETS[*]}"
    "$HERE/${SELF_STARTING[$what]}" "${TARGETS[@]}" > "$OUT/${what}.log" 2>&1
    grep '^RESULT' "$OUT/${what}.log" | sed 's/^RESULT //' | tee -a "$OUT/summary.txt"
    continue
  fi
  script=${SCRIPT[$what]:-}
  [ -n "$script" ] || { echo "run.sh: unknown measurement '$what'" >&2; exit 2; }
  : > "$OUT/${what}.rounds"
  for round in $(seq 1 "$ROUNDS"); do
    for t in "${TARGETS[@]}"; do
      T_DIR=$(mktemp -d "$RUN_DIR/$t.XXXX")
      "start_$t" "$T_DIR" || { echo "start_$t failed" >&2; exit 1; }
      log="$OUT/${what}_$t.log"; [ "$ROUNDS" -gt 1 ] && log="$OUT/${what}_$t.$round.log"
      echo "== $what on $t (pid $T_PID, port $T_RESP_PORT), round $round of $ROUNDS"
      "$HERE/$script" 127.0.0.1 "$T_RESP_PORT" "$T_PID" > "$log" 2>&1
      grep '^RESULT' "$log" | sed "s/^RESULT/$t/" | tee -a "$OUT/${what}.rounds"
      "$SHARED_BENCH/stop_server.sh" "$T_PID"; rm -rf "$T_DIR"
    done
  done
  if [ "$ROUNDS" -gt 1 ]; then
    echo "-- $what: medians of $ROUNDS rounds"
    medians < "$OUT/${what}.rounds" | tee -a "$OUT/summary.txt"
  else
    cat "$OUT/${what}.rounds" >> "$OUT/summary.txt"
  fi
done
echo "summary -> $OUT/summary.txt"
