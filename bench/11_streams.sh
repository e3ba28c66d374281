#!/bin/bash
# 11_streams.sh HOST PORT [SERVER_PID]     (RESP; needs the streams module)
# Streams, as issue 13 asks:
#   stream_bytes_per_entry  used_memory growth / N (1,000,000) after XADD s * user <8 bytes>
#                           event <8 bytes> ts <int> (streams.py load, pipelined)
#   xadd_p1, xadd_p16       redis-benchmark -c 50 -P 1 / -P 16 of XADD on one stream (requests/s)
#   xreadgroup_xack         CONSUMERS (4) processes looping XREADGROUP COUNT 10 + XACK over
#                           CONSUME_N (200,000) entries (entries/s, streams.py consume)
# Lines starting with RESULT are what run.sh collects.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"
HOST=$1 PORT=$2 SPID=${3:-$(pid_of_port "$2")}
N=${N:-1000000} BENCH_N=${BENCH_N:-200000} CONSUME_N=${CONSUME_N:-200000} CONSUMERS=${CONSUMERS:-4}
echo "# $(date -Is) streams $HOST:$PORT server_pid=$SPID N=$N"
cli() { redis-cli -h "$HOST" -p "$PORT" "$@"; }
used() { cli INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p'; }
cli FLUSHALL >/dev/null

before=$(used)
secs=$($PY "$HERE/streams.py" load "$HOST" "$PORT" s "$N")
after=$(used)
echo "## load: $N entries in ${secs}s; used_memory $before -> $after; XLEN $(cli XLEN s)"
echo "RESULT stream_bytes_per_entry $(awk -v a="$after" -v b="$before" -v n="$N" 'BEGIN{printf "%.1f", (a - b) / n}') bytes (N=$N)"
cli DEL s >/dev/null

for p in 1 16; do
  echo "## redis-benchmark -n $BENCH_N -c 50 -P $p -r 100000000 --csv XADD tput * user abcdefgh event clickxyz ts __rand_int__"
  out=$(with_cpu "$SPID" -- timeout 300 redis-benchmark -h "$HOST" -p "$PORT" -n "$BENCH_N" -c 50 -P "$p" \
        -r 100000000 --csv XADD tput '*' user abcdefgh event clickxyz ts __rand_int__)
  echo "$out"
  echo "RESULT xadd_p$p $(echo "$out" | awk -F'"' '/^"XADD/{print $4}') req/s $(echo "$out" | grep -o 'other_cores=[0-9.]*')"
done
cli DEL tput >/dev/null

$PY "$HERE/streams.py" load "$HOST" "$PORT" q "$CONSUME_N" >/dev/null
cli XGROUP CREATE q g 0 >/dev/null
echo "## $CONSUMERS consumers: XREADGROUP COUNT 10 + XACK over $CONSUME_N entries"
j=$(with_cpu "$SPID" -- $PY "$HERE/streams.py" consume "$HOST" "$PORT" q g "$CONSUMERS" 10)
echo "$j"
echo "RESULT xreadgroup_xack $(echo "$j" | head -1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["per_second"])') entries/s $(echo "$j" | grep -o 'other_cores=[0-9.]*')"
echo "## pending after: $(cli XPENDING q g | head -1)"
