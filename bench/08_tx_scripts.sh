#!/bin/bash
# 08_tx_scripts.sh HOST PORT [SERVER_PID]     (RESP; needs MULTI/EXEC and EVAL)
# Transactions and scripts at pipeline 1 with 50 connections, N (200,000) each:
#   tx_one_key      cmdseq: MULTI; INCR counter; EXEC                    (sequences/s)
#   tx_random_keys  cmdseq -r 1000000: MULTI; INCR key:__rand_int__; EXEC
#   evalsha_one_key redis-benchmark evalsha of "INCR KEYS[1]; GET KEYS[1]" on one key (requests/s)
#   evalsha_random  the same with -r 1000000 over key:__rand_int__
#   script_loop     GET p99/max of another key (latprobe.py, one GET per ms) while one client's
#                   script loops LOOP_S (5) seconds over its own key
# Lines starting with RESULT are what run.sh collects.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"
HOST=$1 PORT=$2 SPID=${3:-$(pid_of_port "$2")}
N=${N:-200000} LOOP_S=${LOOP_S:-5}
CMDSEQ="$RUN_DIR/cmdseq"
if [ ! -x "$CMDSEQ" ] || [ "$HERE/cmdseq.c" -nt "$CMDSEQ" ]; then
  gcc -O2 -Wall -Wextra -o "$CMDSEQ" "$HERE/cmdseq.c" || exit 1
fi
echo "# $(date -Is) tx and scripts $HOST:$PORT server_pid=$SPID N=$N"
cli() { redis-cli -h "$HOST" -p "$PORT" "$@"; }
cli FLUSHALL >/dev/null

for keys in one_key random_keys; do
  if [ $keys = one_key ]; then args=(MULTI "INCR counter" EXEC); else args=(-r 1000000 MULTI "INCR key:__rand_int__" EXEC); fi
  echo "## cmdseq -c 50 -n $N ${args[*]}"
  out=$(with_cpu "$SPID" -- "$CMDSEQ" -h "$HOST" -p "$PORT" -c 50 -n "$N" "${args[@]}")
  echo "$out"
  echo "RESULT tx_$keys $(echo "$out" | sed -n 's/.*per_second=\([0-9]*\).*/\1/p') seq/s $(echo "$out" | grep -o 'other_cores=[0-9.]*')"
done

sha=$(cli SCRIPT LOAD "redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1])")
for keys in one_key random; do
  if [ $keys = one_key ]; then key=counter; r=(); else key='key:__rand_int__'; r=(-r 1000000); fi
  echo "## redis-benchmark -n $N -c 50 -P 1 ${r[*]} --csv evalsha $sha 1 $key"
  out=$(with_cpu "$SPID" -- timeout 300 redis-benchmark -h "$HOST" -p "$PORT" -n "$N" -c 50 -P 1 "${r[@]}" --csv evalsha "$sha" 1 "$key")
  echo "$out"
  echo "RESULT evalsha_$keys $(echo "$out" | awk -F'"' '/^"evalsha/{print $4}') req/s $(echo "$out" | grep -o 'other_cores=[0-9.]*')"
done

echo "## script loop: EVAL looping ${LOOP_S}s over its own key; latprobe GET key:0000000001 meanwhile"
cli SET key:0000000001 0123456789abcdef >/dev/null
loop="local t0 = redis.call('TIME') local s = tonumber(t0[1]) + tonumber(t0[2]) / 1e6 local n = 0
repeat redis.call('INCR', KEYS[1]) n = n + 1 local t = redis.call('TIME')
until tonumber(t[1]) + tonumber(t[2]) / 1e6 - s >= tonumber(ARGV[1]) return n"
cli EVAL "$loop" 1 loopkey "$LOOP_S" > "$RUN_DIR/loop.$$" 2>&1 &
lp=$!
sleep 0.2
j=$($PY "$BASE_DIR/latprobe.py" "$HOST" "$PORT" resp "$LOOP_S" 1 key:0000000001)
wait $lp
echo "script returned: $(cat "$RUN_DIR/loop.$$")"; rm -f "$RUN_DIR/loop.$$"
echo "latprobe_GET_ms: $j"
echo "RESULT script_loop_get $(echo "$j" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("p99=%.2fms co_p99=%.2fms max=%.2fms n=%d" % (j["p99"], j["co_p99"], j["max"], j["n"]))')"
