#!/bin/bash
# 14_aof.sh [TARGET...] -- SET throughput with the append-only log: no log, appendfsync everysec
# and appendfsync always, on Keel and redis-server 7.0 in the same run (default targets: keel
# redis), each a fresh empty server per mode with its data directory on the same disk.
#   redis-benchmark -t set -c 50 -P 1 -n N1 (100,000) and -P 16 -n N16 (1,000,000), keys drawn
#   from -r KEYSPACE (1,000,000), 3-byte values.  KEEL_SERVER, KEEL_ARGS as in targets.sh
#   (KEEL_ARGS must carry --module-dir when the modules are not installed).  ROUNDS (3) rounds,
#   each running every mode of every target once, in turn; a figure is the median of its rounds
#   (one round's figures swing by a third on a busy 2-core host).
# Lines starting with RESULT: "RESULT <target> <mode> P<pipeline> <requests/s> (median of: ...)";
# then the ratios the issue sets targets for: keel everysec / keel no log (>= 0.9) and keel always
# / redis always (>= 1).  The "# round" lines give each run's figure, with other_cores: how much
# CPU other processes took meanwhile.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # BASE_DIR (the shared bench), RUN_DIR, PY
source "$BASE_DIR/targets.sh"
SRV_PIN=()
N1=${N1:-100000} N16=${N16:-1000000} KEYSPACE=${KEYSPACE:-1000000} ROUNDS=${ROUNDS:-3}
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(keel redis)
echo "# $(date -Is) aof: SET -c 50, P1 n=$N1, P16 n=$N16, -r $KEYSPACE; $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RPS

start() {   # start TARGET MODE DIR: a fresh server with the log off (MODE off) or on with MODE
  local target=$1 mode=$2 dir=$3 port
  if [ "$target" = keel ]; then
    local saved=${KEEL_ARGS:-}
    [ "$mode" != off ] && KEEL_ARGS="$saved --appendonly yes --appendfsync $mode"
    KEEL_MC=0 start_keel "$dir"
    KEEL_ARGS=$saved
  else
    port=$(free_port)
    local ao=no fs=everysec
    [ "$mode" != off ] && { ao=yes; fs=$mode; }
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly "$ao" --appendfsync "$fs" \
      --daemonize no --dir "$dir" --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
    T_PID=$!; T_RESP_PORT=$port
    wait_ready 127.0.0.1 "$port" resp 60
  fi
}

for round in $(seq "$ROUNDS"); do
for mode in off everysec always; do
  for target in "${TARGETS[@]}"; do
    for p in 1 16; do
      dir=$(mktemp -d "$RUN_DIR/aof.XXXX")
      start "$target" "$mode" "$dir" || { echo "start $target failed" >&2; continue; }
      n=$N1; [ $p = 16 ] && n=$N16
      out=$(with_cpu "$T_PID" -- timeout 600 redis-benchmark -h 127.0.0.1 -p "$T_RESP_PORT" -t set \
            -c 50 -P "$p" -n "$n" -r "$KEYSPACE" --csv)
      rps=$(echo "$out" | awk -F'"' '/^"SET"/{print $4}')
      echo "$out" | sed 's/^/#   /'
      echo "# round $round: $target $mode P$p ${rps:-failed} $(echo "$out" | grep -o 'other_cores=[0-9.]*')"
      RPS[$target.$mode.$p]="${RPS[$target.$mode.$p]:-} ${rps:-0}"
      if [ "$target" = keel ] && [ "$mode" != off ]; then
        echo "#   log: $(du -sh "$dir/appendonlydir" 2>/dev/null | cut -f1)"
      fi
      "$BASE_DIR/stop_server.sh" "$T_PID"; rm -rf "$dir"
    done
  done
done
done

median() { $PY -c "import statistics, sys; v = [float(x) for x in sys.argv[1:]]; print('%.2f' % statistics.median(v) if v else '')" $1; }
for mode in off everysec always; do
  for target in "${TARGETS[@]}"; do
    for p in 1 16; do
      all=${RPS[$target.$mode.$p]:-}
      RPS[$target.$mode.$p]=$(median "$all")
      echo "RESULT $target $mode P$p ${RPS[$target.$mode.$p]:-failed} (median of:$all)"
    done
  done
done

ratio() { $PY -c "a, b = float('$1' or 0), float('$2' or 0); print('%.2f' % (a / b) if b else 'n/a')"; }
for p in 1 16; do
  echo "RESULT ratio keel_everysec/keel_off P$p $(ratio "${RPS[keel.everysec.$p]:-}" "${RPS[keel.off.$p]:-}") (target >= 0.9)"
  echo "RESULT ratio keel_always/redis_always P$p $(ratio "${RPS[keel.always.$p]:-}" "${RPS[redis.always.$p]:-}") (target >= 1)"
done
