#!/bin/bash
# 15_sbitset.sh [TARGET...] -- memory of sparse bitsets (issue 15): Keel's SSETBIT (sbitset.so)
# beside redis-server 7.0's SETBIT in the same run (default targets: keel redis), one fresh server
# each, persistence off, the same seeded positions on both (sbitset_mem.py):
#   one bit at 1,000,000,000 (Keel <= 4 KB; Redis allocates 125 MB), 1% of N1 (100,000,000)
#   positions at random (Keel <= 1.1x the smaller of a sorted 16-bit array or an 8 KiB bitmap per
#   2^16-bit block), 50% of N50 (4,194,304) positions at random (Keel <= a plain bitmap + 3%).
# Each: MEMORY USAGE of the key and the server's RSS growth while it was loaded.  About 3M
# pipelined commands per target: a minute or two.  KEEL_SERVER, KEEL_ARGS as in targets.sh
# (KEEL_ARGS must carry --module-dir when the modules are not installed).
# Lines starting with RESULT: "RESULT <target> <load> bits=<n> memory_usage=<bytes> rss_delta_kb=<kB>",
# then Keel's three ratios against the limits.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # BASE_DIR (the shared bench), RUN_DIR, PY
source "$BASE_DIR/targets.sh"
SRV_PIN=()
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(keel redis)
echo "# $(date -Is) sbitset memory: N1=${N1:-100000000} N50=${N50:-4194304}; $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for target in "${TARGETS[@]}"; do
  dir=$(mktemp -d "$RUN_DIR/sbitset.XXXX")
  "start_$target" "$dir" || { echo "start $target failed" >&2; rm -rf "$dir"; continue; }
  $PY "$HERE/sbitset_mem.py" 127.0.0.1 "$T_RESP_PORT" "$T_PID" "$target"
  "$BASE_DIR/stop_server.sh" "$T_PID"; rm -rf "$dir"
done
