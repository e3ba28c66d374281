#!/bin/bash
# 17_monitor.sh [TARGET...] -- what one attached MONITOR costs: redis-benchmark GET and SET at
# pipeline 16 (-c 50, -n N, keys from -r KEYSPACE) on a fresh server without a monitor, then with
# one `redis-cli MONITOR` reading everything (to /dev/null), on Keel and redis-server 7.0 in the
# same run (default targets: keel redis).  KEEL_SERVER, KEEL_ARGS as in targets.sh.
# Lines starting with RESULT: "RESULT <target> <GET|SET> <plain|monitor> <requests/s>", then the
# drop per target and command (issue 17's target: Keel's drop <= 10%, with redis's beside it).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # BASE_DIR (the shared bench), RUN_DIR, PY
source "$BASE_DIR/targets.sh"
SRV_PIN=()
N=${N:-2000000} KEYSPACE=${KEYSPACE:-100000}
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(keel redis)
echo "# $(date -Is) monitor: GET/SET -c 50 -P 16 n=$N -r $KEYSPACE; $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RPS

start() {   # start TARGET DIR: a fresh server without persistence
  local target=$1 dir=$2 port
  if [ "$target" = keel ]; then
    KEEL_MC=0 start_keel "$dir"
  else
    port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no \
      --dir "$dir" --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
    T_PID=$!; T_RESP_PORT=$port
    wait_ready 127.0.0.1 "$port" resp 60
  fi
}

for target in "${TARGETS[@]}"; do
  for mode in plain monitor; do
    dir=$(mktemp -d "$RUN_DIR/monitor.XXXX")
    start "$target" "$dir" || { echo "start $target failed" >&2; continue; }
    mon=""
    if [ "$mode" = monitor ]; then
      redis-cli -p "$T_RESP_PORT" MONITOR >/dev/null 2>&1 &
      mon=$!
      sleep 0.5
    fi
    out=$(timeout 600 redis-benchmark -h 127.0.0.1 -p "$T_RESP_PORT" -t set,get -c 50 -P 16 -n "$N" \
          -r "$KEYSPACE" --csv)
    echo "$out" | sed 's/^/#   /'
    for cmd in SET GET; do
      rps=$(echo "$out" | awk -F'"' -v c="$cmd" '$2 == c {print $4}')
      echo "RESULT $target $cmd $mode ${rps:-failed}"
      RPS[$target.$cmd.$mode]=${rps:-0}
    done
    [ -n "$mon" ] && kill "$mon" 2>/dev/null
    "$BASE_DIR/stop_server.sh" "$T_PID"; rm -rf "$dir"
  done
done

for target in "${TARGETS[@]}"; do
  for cmd in SET GET; do
    $PY -c "a, b = float('${RPS[$target.$cmd.monitor]:-0}'), float('${RPS[$target.$cmd.plain]:-0}')
print('DROP $target $cmd %s' % ('%.1f%%' % (100 * (1 - a / b)) if b else 'n/a'))"
  done
done
