#!/bin/bash
# 13_btree_agg.sh HOST PORT [SERVER_PID]     (RESP; Keel with btree.so only)
# Keel's B-tree tables (btree.so) with ROWS (1,000,000) rows, one day of millisecond timestamps:
#   btree_mem       used_memory growth per row: plain integer values (BTSET) and two-field
#                   records (BTSETF kind, amount); load rate (pipelined, 1000 per batch)
#   btree_agg       BTAGG over every row, GROUPBY BUCKET 1 h, COUNT SUM @amount, looped LOOP_S (10)
#                   seconds on one connection: ms per call (btree_agg.py)
#   btree_agg_get   GET p99/max of another key (latprobe.py, one GET per ms) during that loop
# A target without btree.so (redis) prints RESULT btree_skipped.  Lines starting with RESULT are
# what run.sh collects.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"
HOST=$1 PORT=$2 SPID=${3:-$(pid_of_port "$2")}
ROWS=${ROWS:-1000000} LOOP_S=${LOOP_S:-10}
echo "# $(date -Is) btree tables $HOST:$PORT server_pid=$SPID ROWS=$ROWS LOOP_S=$LOOP_S"
cli() { redis-cli -h "$HOST" -p "$PORT" "$@"; }
cli FLUSHALL >/dev/null
if ! cli BTCARD probe 2>&1 | grep -q '^0$'; then
  echo "RESULT btree_skipped no btree.so on this target"
  exit 0
fi
cli SET key:0000000001 0123456789abcdef >/dev/null
# the loader runs first (memory is measured on a quiet server), then the loop and the probe together
$PY "$HERE/btree_agg.py" "$HOST" "$PORT" "$ROWS" "$LOOP_S" > "$RUN_DIR/btree.$$" 2>&1 &
bp=$!
while kill -0 $bp 2>/dev/null && [ "$(cli BTCARD ev)" != "$ROWS" ]; do sleep 0.5; done
sleep 0.2
j=$($PY "$BASE_DIR/latprobe.py" "$HOST" "$PORT" resp "$LOOP_S" 1 key:0000000001)
wait $bp
b=$(cat "$RUN_DIR/btree.$$"); rm -f "$RUN_DIR/btree.$$"
echo "btree_agg.py: $b"
echo "latprobe_GET_ms: $j"
echo "RESULT btree_mem $(echo "$b" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("rows=%d plain=%.1fB/row fields=%.1fB/row load=%d/%d rows/s" % (j["rows"], j["plain_bytes_per_row"], j["fields_bytes_per_row"], j["plain_rows_per_s"], j["fields_rows_per_s"]))')"
echo "RESULT btree_agg $(echo "$b" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("avg=%.1fms min=%.1fms max=%.1fms n=%d" % (j["agg_ms_avg"], j["agg_ms_min"], j["agg_ms_max"], j["agg_iterations"]))')"
echo "RESULT btree_agg_get $(echo "$j" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("p99=%.2fms co_p99=%.2fms max=%.2fms n=%d" % (j["p99"], j["co_p99"], j["max"], j["n"]))')"
