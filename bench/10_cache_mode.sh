#!/bin/bash
# 10_cache_mode.sh -- cache mode: Zipf (s=0.99) GET, SET on a miss, over KEYS keys with the memory
# limit at 10% of the data, against Keel (allkeys-lru, allkeys-lfu), redis-server 7.0 (the same
# policies) and memcached 1.6 (-m equal).  Each server starts fresh and empty; reports hit ratio,
# throughput and peak RSS (VmHWM) over the limit.
#   POLICIES (env, default "allkeys-lru allkeys-lfu") the policies run on Keel and redis.
#   KEYS (env, default 10000000) distinct keys; OPS (default 3 x KEYS) requests; VALUE (default 100)
#   bytes a value; CONNS (default 4) client connections (one thread each); KEEL_SERVER, KEEL_ARGS
#   as in targets.sh (KEEL_ARGS must carry --module-dir when the modules are not installed).
# Output: one CSV line per run: server,policy,maxmemory,keys,ops,seconds,ops_per_s,hits,misses,
#   hit_ratio,set_errors,peak_rss,rss_over_maxmemory
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # sets BASE_DIR (the shared bench), RUN_DIR, PY
source "$BASE_DIR/targets.sh"
SRV_PIN=()
KEYS=${KEYS:-10000000} OPS=${OPS:-$((KEYS * 3))} VALUE=${VALUE:-100} CONNS=${CONNS:-4}
CB="$RUN_DIR/cachebench"
[ -x "$CB" ] && [ "$CB" -nt "$HERE/cachebench.c" ] || gcc -O2 -pthread -o "$CB" "$HERE/cachebench.c" -lm || exit 1
# the data: KEYS x (value + "key:" + 16 hex digits)
DATA=$((KEYS * (VALUE + 20)))
MAXMEM=$((DATA / 10))
echo "# $(date -Is) cache mode keys=$KEYS ops=$OPS value=$VALUE conns=$CONNS data=$DATA maxmemory=$MAXMEM"
echo "server,policy,maxmemory,keys,ops,seconds,ops_per_s,hits,misses,hit_ratio,set_errors,peak_rss,rss_over_maxmemory"

run() {   # run NAME POLICY PROTO PORT PID
  local name=$1 policy=$2 proto=$3 port=$4 pid=$5 out hwm
  out=$("$CB" -H 127.0.0.1 -p "$port" -P "$proto" -k "$KEYS" -n "$OPS" -d "$VALUE" -c "$CONNS") || { echo "$name,$policy,failed"; return; }
  hwm=$(awk '/^VmHWM:/{print $2 * 1024}' "/proc/$pid/status")
  echo "$name,$policy,$MAXMEM,$(echo "$out" | cut -d, -f2-),$hwm,$(awk -v a="$hwm" -v b="$MAXMEM" 'BEGIN{printf "%.3f", a / b}')"
}

for policy in ${POLICIES:-allkeys-lru allkeys-lfu}; do
  for target in keel redis; do
    dir=$(mktemp -d "$RUN_DIR/cache.XXXX")
    "start_$target" "$dir" || { echo "start_$target failed" >&2; continue; }
    proto_cmd 127.0.0.1 "$T_RESP_PORT" resp CONFIG SET maxmemory-policy "$policy" >/dev/null
    proto_cmd 127.0.0.1 "$T_RESP_PORT" resp CONFIG SET maxmemory "$MAXMEM" >/dev/null
    run "$target" "$policy" resp "$T_RESP_PORT" "$T_PID"
    "$BASE_DIR/stop_server.sh" "$T_PID"; rm -rf "$dir"
  done
done
dir=$(mktemp -d "$RUN_DIR/cache.XXXX")
MC_MEM_MB=$(( (MAXMEM + 1048575) / 1048576 )) start_memcached "$dir" && {
  run memcached lru memcache "$T_MC_PORT" "$T_PID"
  "$BASE_DIR/stop_server.sh" "$T_PID"; }
rm -rf "$dir"
