#!/bin/bash
# 15_rdb_import.sh [TARGET...] -- how long a Redis RDB file of KEYS keys (default 1,000,000 strings
# of SIZE = 100 bytes, made by redis-server 7.0's DEBUG POPULATE and SAVE) takes to load at start:
# `keel-server --load-rdb FILE` into an empty --dir against `redis-server` starting on the same
# file (default targets: keel redis), REPEAT (3) runs each, interleaved.  Each run is timed from
# the exec until PING answers and DBSIZE is KEYS (both answer -LOADING to DBSIZE until loaded:
# shared/bench/time_restart.py).  KEEL_SERVER, KEEL_ARGS as in targets.sh (KEEL_ARGS must carry
# --module-dir when the modules are not installed).
# Lines starting with RESULT: "RESULT <target> load_s <median> runs=<a,b,c> other_cores=<x>";
# then keel / redis.  Noisy on a shared machine: other_cores says how much CPU others took.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LIB="${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"
[ -f "$LIB" ] || { echo "15_rdb_import.sh: set SHARED_BENCH to the shared bench folder" >&2; exit 2; }
source "$LIB"   # BASE_DIR (the shared bench), RUN_DIR, PY
KEYS=${KEYS:-1000000} SIZE=${SIZE:-100} REPEAT=${REPEAT:-3}
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(keel redis)
echo "# $(date -Is) rdb import: $KEYS keys x $SIZE B, $REPEAT runs; $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

src=$(mktemp -d "$RUN_DIR/rdbsrc.XXXX")
port=$(free_port)
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$src" \
  --enable-debug-command yes --daemonize no --logfile "$src/redis.log" </dev/null >/dev/null 2>&1 &
pid=$!
wait_ready 127.0.0.1 "$port" resp 60 || { echo "redis-server did not start" >&2; exit 1; }
proto_cmd 127.0.0.1 "$port" resp DEBUG POPULATE "$KEYS" key "$SIZE" >/dev/null
proto_cmd 127.0.0.1 "$port" resp SAVE >/dev/null
"$BASE_DIR/stop_server.sh" "$pid"
RDB="$src/dump.rdb"
echo "# file: $RDB $(stat -c %s "$RDB") bytes"

declare -A TIMES OTHER
for run in $(seq 1 "$REPEAT"); do
  for target in "${TARGETS[@]}"; do
    dir=$(mktemp -d "$RUN_DIR/rdbload.XXXX")
    port=$(free_port)
    if [ "$target" = keel ]; then
      # shellcheck disable=SC2206
      cmd=("${KEEL_SERVER:-keel-server}" --bind 127.0.0.1 --port "$port" --memcache-port 0
           --dir "$dir" --logfile "$dir/keel.log" --load-rdb "$RDB" ${KEEL_ARGS:-})
    else
      cp "$RDB" "$dir/dump.rdb"
      cmd=(redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir"
           --dbfilename dump.rdb --daemonize no --logfile "$dir/redis.log")
    fi
    b0=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat); t0=$(now_s)
    out=$($PY "$BASE_DIR/time_restart.py" 127.0.0.1 "$port" "$KEYS" 300 -- "${cmd[@]}")
    t1=$(now_s); b1=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)
    spid=$($PY -c "import json,sys; print(json.loads(sys.argv[1]).get('pid',''))" "$out")
    secs=$($PY -c "import json,sys; print(json.loads(sys.argv[1]).get('dbsize_match_s') or 'failed')" "$out")
    # cores busy meanwhile beyond the server's own CPU (the 5 ms poller is in it: a little)
    scpu=0; [ -n "$spid" ] && scpu=$(awk '{print $14+$15}' "/proc/$spid/stat" 2>/dev/null || echo 0)
    other=$($PY -c "hz=$(getconf CLK_TCK); w=$t1-$t0; print('%.2f' % max(0.0, (($b1-$b0)-$scpu)/hz/w))")
    echo "#   run $run $target: $out (other_cores~$other)"
    [ "$target" = keel ] && grep -h -- "--load-rdb: imported" "$dir/keel.log" 2>/dev/null | sed 's/^/#     /'
    TIMES[$target]="${TIMES[$target]:-}${TIMES[$target]:+,}$secs"
    OTHER[$target]=$other
    [ -n "$spid" ] && "$BASE_DIR/stop_server.sh" "$spid"
    rm -rf "$dir"
  done
done
rm -rf "$src"

median() { $PY -c "import sys,statistics; v=[float(x) for x in sys.argv[1].split(',') if x!='failed']; print('%.3f' % statistics.median(v) if v else 'failed')" "$1"; }
declare -A MED
for target in "${TARGETS[@]}"; do
  MED[$target]=$(median "${TIMES[$target]}")
  echo "RESULT $target load_s ${MED[$target]} runs=${TIMES[$target]} other_cores=${OTHER[$target]}"
done
if [ -n "${MED[keel]:-}" ] && [ -n "${MED[redis]:-}" ]; then
  echo "RESULT keel/redis load time $($PY -c "a, b = '${MED[keel]}', '${MED[redis]}'; print('%.2f' % (float(a) / float(b)) if 'failed' not in (a, b) else 'n/a')")"
fi
