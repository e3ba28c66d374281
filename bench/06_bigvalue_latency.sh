#!/bin/bash
# 06_bigvalue_latency.sh HOST PORT [SERVER_PID]     (RESP)
# Another client's GET latency (latprobe.py, one GET per ms, PROBE_S seconds) while one client
# loops SET of a BIG_MB (512) MB value, then while it loops GET of it.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # sets BASE_DIR, RUN_DIR, PY
HOST=$1 PORT=$2 SPID=${3:-$(pid_of_port "$2")}
BIG_MB=${BIG_MB:-512} PROBE_S=${PROBE_S:-10}
echo "# $(date -Is) big value latency $HOST:$PORT server_pid=$SPID value=${BIG_MB}MB probe=${PROBE_S}s"
redis-cli -h "$HOST" -p "$PORT" CONFIG SET proto-max-bulk-len 1gb >/dev/null 2>&1
redis-cli -h "$HOST" -p "$PORT" SET key:0000000001 0123456789abcdef >/dev/null
for mode in set get; do
  o=$(mktemp)
  $PY "$HERE/bigvalue.py" "$HOST" "$PORT" "$BIG_MB" $((PROBE_S + 2)) "$mode" >"$o" &
  bp=$!
  sleep 1
  j=$(with_cpu "$SPID" -- $PY "$BASE_DIR/latprobe.py" "$HOST" "$PORT" resp "$PROBE_S" 1 key:0000000001)
  wait $bp
  echo "$j"; echo "bigvalue: $(cat "$o")"
  echo "RESULT big_${mode}_get_latency $(echo "$j" | head -1 | $PY -c 'import json,sys; j=json.load(sys.stdin); print("p99=%.2fms co_p99=%.2fms max=%.2fms n=%d" % (j["p99"], j["co_p99"], j["max"], j["n"]))') $(cat "$o" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("%d_ops avg=%.2fs" % (j["ops"], j["s_per_op_avg"]))')"
  rm -f "$o"
done
redis-cli -h "$HOST" -p "$PORT" DEL bigvalue >/dev/null
