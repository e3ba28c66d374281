#!/bin/bash
# 12_zrange_bigop.sh HOST PORT [SERVER_PID]     (RESP; needs ZADD ZRANGE ZPOPMIN ZRANGEBYSCORE)
# Sorted sets (issue 12):
#   zrange_bigop   a sorted set of ZSET_N (3,000,000) members; another client's GET latency
#                  (latprobe.py, one GET per ms, PROBE_S (10) seconds) idle, then while one client
#                  loops ZRANGE bigz 0 RANGE_STOP (999999) (zset_tool.py loop)
#   zadd, zpopmin  redis-benchmark -t zadd,zpopmin -n N (200,000) -c 50 (requests/s)
#   zrangebyscore  redis-benchmark -n N -c 50: ZRANGEBYSCORE zr -inf +inf LIMIT 0 10 on a sorted set
#                  of 1,000 members (requests/s)
# Lines starting with RESULT are what run.sh collects.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # sets BASE_DIR, RUN_DIR, PY
HOST=$1 PORT=$2 SPID=${3:-$(pid_of_port "$2")}
ZSET_N=${ZSET_N:-3000000} PROBE_S=${PROBE_S:-10} RANGE_STOP=${RANGE_STOP:-999999} N=${N:-200000}
echo "# $(date -Is) sorted sets $HOST:$PORT server_pid=$SPID zset=$ZSET_N zrange=0..$RANGE_STOP probe=${PROBE_S}s N=$N"
cli() { redis-cli -h "$HOST" -p "$PORT" "$@"; }
cli FLUSHALL >/dev/null
cli SET key:0000000001 0123456789abcdef >/dev/null

echo "## load: zset_tool.py load bigz $ZSET_N"
$PY "$HERE/zset_tool.py" "$HOST" "$PORT" load bigz "$ZSET_N"
echo "ZCARD bigz = $(cli ZCARD bigz)"
latency() {  # prints latprobe's JSON for PROBE_S seconds
  $PY "$BASE_DIR/latprobe.py" "$HOST" "$PORT" resp "$PROBE_S" 1 key:0000000001
}
summary() {  # latprobe JSON on stdin -> one line
  $PY -c 'import json,sys; j=json.loads(sys.stdin.readline()); print("p50=%.2fms p99=%.2fms max=%.2fms n=%d" % (j["p50"], j["p99"], j["max"], j["n"]))'
}
echo "## phase 1: idle"
j=$(with_cpu "$SPID" -- latency); echo "$j"
echo "RESULT zrange_idle_get_latency $(echo "$j" | head -1 | summary)"
echo "## phase 2: zset_tool.py loop bigz $((PROBE_S + 3))s 0 $RANGE_STOP"
o=$(mktemp)
$PY "$HERE/zset_tool.py" "$HOST" "$PORT" loop bigz $((PROBE_S + 3)) 0 "$RANGE_STOP" >"$o" &
lp=$!
sleep 1
j=$(with_cpu "$SPID,$lp" -- latency)
wait $lp
echo "$j"; echo "zrange_loop: $(cat "$o")"
echo "RESULT zrange_bigop_get_latency $(echo "$j" | head -1 | summary) $(cat "$o" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("zranges=%d avg=%.0fms" % (j["iterations"], j["avg_ms"]))')"
rm -f "$o"
cli DEL bigz >/dev/null

echo "## redis-benchmark -n $N -c 50 -t zadd,zpopmin --csv"
out=$(with_cpu "$SPID" -- timeout 300 redis-benchmark -h "$HOST" -p "$PORT" -n "$N" -c 50 -t zadd,zpopmin --csv)
echo "$out"
for t in ZADD ZPOPMIN; do
  echo "RESULT ${t,,} $(echo "$out" | awk -F'"' -v t="$t" '$2==t{print $4}') req/s"
done
echo "## ZRANGEBYSCORE zr -inf +inf LIMIT 0 10 on 1,000 members"
$PY "$HERE/zset_tool.py" "$HOST" "$PORT" load zr 1000 >/dev/null
out=$(with_cpu "$SPID" -- timeout 300 redis-benchmark -h "$HOST" -p "$PORT" -n "$N" -c 50 --csv ZRANGEBYSCORE zr -inf +inf LIMIT 0 10)
echo "$out"
echo "RESULT zrangebyscore_limit10 $(echo "$out" | awk -F'"' 'NR==2{print $4}') req/s $(echo "$out" | grep -o 'other_cores=[0-9.]*')"
cli FLUSHALL >/dev/null
