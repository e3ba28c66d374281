#!/bin/bash
# 16_aggregate.sh [BUILD_DIR] -- the SDK's aggregator example against a client doing the same
# (issue 16): one fresh Keel server (persistence off) with resp, strings and the example
# aggregate.so from BUILD_DIR (default: ./build), KEYS (1,000,000) integer keys, then RUNS (3)
# interleaved runs of AGG.SUM agg:* and of SCAN MATCH agg:* COUNT 1000 + MGET per page summed by
# the client (aggregate.py); both must give the same sum.  KEEL_THREADS (2) worker threads.
# Lines starting with RESULT: "RESULT aggregate keys=<n> agg=<s> client=<s> ratio=<client/agg>"
# (the issue's target: ratio >= 10).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # BASE_DIR, RUN_DIR, PY
source "$BASE_DIR/targets.sh"
SRV_PIN=()
BUILD=$(cd "${1:-$HERE/../build}" && pwd)
KEYS=${KEYS:-1000000} RUNS=${RUNS:-3}
mods=$(mktemp -d "$RUN_DIR/aggmods.XXXX")
for m in resp strings; do ln -s "$(readlink -f "$BUILD/.modules/$m.so")" "$mods/$m.so"; done
ln -s "$BUILD/sdk/examples/.libs/aggregate.so" "$mods/aggregate.so"
echo "# $(date -Is) aggregate: KEYS=$KEYS RUNS=$RUNS; $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
dir=$(mktemp -d "$RUN_DIR/aggregate.XXXX")
KEEL_SERVER=${KEEL_SERVER:-$BUILD/core/keel-server} KEEL_MC=0 \
  KEEL_ARGS="--module-dir $mods --modules resp,strings,aggregate --threads ${KEEL_THREADS:-2}" start_keel "$dir" \
  || { echo "start keel failed" >&2; cat "$dir/keel.log" >&2; exit 1; }
j=$($PY "$HERE/aggregate.py" 127.0.0.1 "$T_RESP_PORT" "$KEYS" "$RUNS")
"$BASE_DIR/stop_server.sh" "$T_PID"; rm -rf "$dir" "$mods"
echo "aggregate.py: $j"
echo "RESULT aggregate $(echo "$j" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("keys=%d agg=%.3fs client=%.3fs ratio=%.1f" % (j["keys"], j["agg_s"], j["client_s"], j["ratio"]))')"
