#!/bin/bash
# 15_bgsave_writes.sh [TARGET...] -- BGSAVE while clients write, on Keel and redis-server 7.0 in
# the same run (default targets: keel redis), each a fresh server:
#   loads N (300,000) keys 'key:%012d' -> 250-byte values, then runs redis-benchmark SET over the
#   same keys (-c 8 -P 4, 250-byte values) for the whole measurement, a GET probe (latprobe.py,
#   one GET a millisecond: SECS seconds without a save, then during the saves) and bgsave_mem.py: 1 s of steady memory under the writes, then
#   BGSAVEs back to back for SECS (5) seconds, the PSS of the server and its fork's child summed
#   every 5 ms.  Then SECS more seconds of BGSAVEs with the probe but without the PSS sampler
#   (reading smaps_rollup every 5 ms delays the server's requests by itself): the GET p99 a
#   client sees when nobody walks the server's page tables, and in the same pass the server's
#   exact peak RSS (the kernel's high-water mark, reset before the first save; given only for a
#   server that does not fork, since it leaves the child out).  Target (issue 14): peak <= 1.1x
#   steady, GET p99 <= 2 ms throughout.
# KEEL_SERVER, KEEL_ARGS as in targets.sh; DATA_DIR puts the data directories elsewhere (e.g.
# /dev/shm, to see the cost without the disk: Keel's worker threads write the files themselves).  Lines "RESULT <target> ..." carry the figures.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"
source "$BASE_DIR/targets.sh"
SRV_PIN=()
N=${N:-300000} SECS=${SECS:-5}
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(keel redis)
echo "# $(date -Is) bgsave under writes: n=$N v250, SET -c 8 -P 4, ${SECS}s of BGSAVEs; $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for target in "${TARGETS[@]}"; do
  dir=$(mktemp -d "${DATA_DIR:-$RUN_DIR}/bgw.XXXX")
  if [ "$target" = keel ]; then start_keel "$dir"; else start_redis "$dir"; fi
  $PY "$BASE_DIR/kvload.py" 127.0.0.1 "$T_RESP_PORT" resp v250 "$N" --batch 1000 \
    --key 'key:%012d' >/dev/null  # redis-benchmark -r's names: the writes overwrite these keys
  timeout $((2 * SECS + 30)) redis-benchmark -h 127.0.0.1 -p "$T_RESP_PORT" -t set -c 8 -P 4 -d 250 \
    -r "$N" -n 100000000 -q >/dev/null 2>&1 &
  BPID=$!
  sleep 1
  base=$($PY "$BASE_DIR/latprobe.py" 127.0.0.1 "$T_RESP_PORT" resp "$SECS" 1 key:000000000001)
  $PY "$BASE_DIR/latprobe.py" 127.0.0.1 "$T_RESP_PORT" resp $((SECS + 1)) 1 key:000000000001 >"$dir/lat.json" &
  LPID=$!
  mem=$($PY "$HERE/bgsave_mem.py" 127.0.0.1 "$T_RESP_PORT" "$T_PID" "$SECS")
  wait "$LPID"
  $PY "$BASE_DIR/latprobe.py" 127.0.0.1 "$T_RESP_PORT" resp "$SECS" 1 key:000000000001 >"$dir/lat2.json" &
  LPID=$!
  unsampled=$($PY "$HERE/bgsave_mem.py" 127.0.0.1 "$T_RESP_PORT" "$T_PID" "$SECS" --no-sample)
  wait "$LPID"
  kill "$BPID" 2>/dev/null; wait "$BPID" 2>/dev/null
  echo "RESULT $target mem $mem"
  echo "RESULT $target get_latency_ms_writes_only $base"
  echo "RESULT $target get_latency_ms_writes_and_bgsave $(cat "$dir/lat.json")"
  echo "RESULT $target get_latency_ms_writes_and_bgsave_unsampled $(cat "$dir/lat2.json") saves $unsampled"
  "$BASE_DIR/stop_server.sh" "$T_PID"; rm -rf "$dir"
done
