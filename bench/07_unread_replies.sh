#!/bin/bash
# 07_unread_replies.sh HOST PORT [SERVER_PID]     (RESP)
# CLIENTS (1) connections each pipeline PIPELINE (100) `LRANGE biglist 0 -1` on a LIST_N
# (1,000,000) element list and never read; meanwhile another client's GET latency (latprobe.py)
# for PROBE_S seconds, and the server's RSS growth.  Then they close, and RSS is read again.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # sets BASE_DIR, RUN_DIR, PY
HOST=$1 PORT=$2 SPID=${3:-$(pid_of_port "$2")}
CLIENTS=${CLIENTS:-1} PIPELINE=${PIPELINE:-100} LIST_N=${LIST_N:-1000000} PROBE_S=${PROBE_S:-10}
echo "# $(date -Is) unread replies $HOST:$PORT server_pid=$SPID clients=$CLIENTS pipeline=$PIPELINE list=$LIST_N"
redis-cli -h "$HOST" -p "$PORT" DEL biglist >/dev/null
redis-cli -h "$HOST" -p "$PORT" SET key:0000000001 0123456789abcdef >/dev/null
$PY "$BASE_DIR/kvload.py" "$HOST" "$PORT" resp list "$LIST_N" --batch 10000 --list biglist
rss0=$(rss_kb "$SPID")
$PY "$HERE/unread.py" "$HOST" "$PORT" "$CLIENTS" "$PIPELINE" $((PROBE_S + 2)) LRANGE biglist 0 -1 &
up=$!
sleep 1
j=$($PY "$BASE_DIR/latprobe.py" "$HOST" "$PORT" resp "$PROBE_S" 1 key:0000000001)
rss1=$(rss_kb "$SPID")
wait $up
sleep 2
rss2=$(rss_kb "$SPID")
echo "$j"
echo "rss_kb before=$rss0 while=$rss1 after_close=$rss2"
echo "RESULT unread_lrange rss_growth=$(( (rss1 - rss0) / 1024 ))MB after_close=$(( (rss2 - rss0) / 1024 ))MB $(echo "$j" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("get_p99=%.2fms max=%.2fms n=%d" % (j["p99"], j["max"], j["n"]))')"
redis-cli -h "$HOST" -p "$PORT" DEL biglist >/dev/null
