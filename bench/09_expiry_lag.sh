#!/bin/bash
# 09_expiry_lag.sh HOST PORT [SERVER_PID]     one server (RESP only; flushes it)
# 09_expiry_lag.sh --run [TARGET...]          fresh servers from targets.sh (default: keel redis),
#                                             targets interleaved per N, same run; writes
#                                             results/explag-<time>/{explag_<target>.log,summary.md}
# Expiry lag of keys nobody touches: for N in EXP_NS (default "0 100000 1000000") other volatile
# keys (1 h TTL), EXP_PROBES (1000) probe keys share one PXAT deadline EXP_LEAD_MS (2000) ahead;
# each probe's lag (removal - deadline) is taken from its `expired` keyspace event (after CONFIG SET
# notify-keyspace-events Ex; reported as unsupported where the server refuses it) and from DBSIZE
# polling, for at most EXP_WAIT_S (60) s after the deadline.  One JSON line per N and method (see
# expiry_lag_probe.py): arrived (probes seen within EXP_WAIT_S), p50/p99/max ms over all probes
# (null: not reached within the wait), info_lag (INFO stats expired_lag_* where the server has
# them: Keel's own removal-lag histogram, since the server started).
#   EXP_METHODS (env) "events poll" (default), or one of them.  NICE/PIN as run_all.sh (--run only).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "${SHARED_BENCH:-$HERE/../../shared/bench}/lib.sh"   # sets BASE_DIR (the shared bench), RUN_DIR, PY
EXP_NS=${EXP_NS:-0 100000 1000000} EXP_PROBES=${EXP_PROBES:-1000} EXP_LEAD_MS=${EXP_LEAD_MS:-2000}
EXP_WAIT_S=${EXP_WAIT_S:-60} EXP_METHODS=${EXP_METHODS:-events poll}

one_n() {  # one_n HOST PORT PID N
  with_cpu "$3" -- $PY "$HERE/expiry_lag_probe.py" "$1" "$2" "$4" "$EXP_PROBES" "$EXP_LEAD_MS" \
    "$EXP_WAIT_S" "$EXP_METHODS" | sed 's/^{/explag: {/'
  echo "rss_kb: $(rss_kb "$3")"
}

if [ "${1:-}" != --run ]; then
  HOST=$1 PORT=$2 SPID=${3:-$(pid_of_port "$2")}
  echo "# $(date -Is) expiry lag $HOST:$PORT server_pid=$SPID probes=$EXP_PROBES lead_ms=$EXP_LEAD_MS wait_s=$EXP_WAIT_S methods=$EXP_METHODS"
  for n in $EXP_NS; do one_n "$HOST" "$PORT" "$SPID" "$n"; done
  proto_cmd "$HOST" "$PORT" resp FLUSHALL >/dev/null
  exit 0
fi

shift
NICE=${NICE:--10} PIN=${PIN:-0}
if [ "$NICE" != 0 ] && [ -z "${_EXP_NICED:-}" ]; then
  exec env _EXP_NICED=1 nice -n "$NICE" "$0" --run "$@"
fi
SRV_PIN=()
[ "$PIN" = 1 ] && SRV_PIN=(taskset -c "${SERVER_CPUS:-1}")
source "$BASE_DIR/targets.sh"
TARGETS=("$@"); [ ${#TARGETS[@]} -eq 0 ] && TARGETS=(keel redis)
OUT="$RES_DIR/explag-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$OUT"
{ echo "date: $(date -Is)"; echo "host: $(getconf _NPROCESSORS_ONLN) cores, kernel $(uname -r)";
  echo "redis: $(redis-server --version)"; echo "keel: ${KEEL_SERVER:-keel-server} ${KEEL_ARGS:-}"; echo "nice: $(nice) pin: $PIN";
  echo "params: EXP_NS=$EXP_NS EXP_PROBES=$EXP_PROBES EXP_LEAD_MS=$EXP_LEAD_MS EXP_WAIT_S=$EXP_WAIT_S EXP_METHODS=$EXP_METHODS";
  echo "targets: ${TARGETS[*]}"; } > "$OUT/env.txt"
echo "results -> $OUT   targets: ${TARGETS[*]}"
for n in $EXP_NS; do
  for t in "${TARGETS[@]}"; do
    T_DIR=$(mktemp -d "$RUN_DIR/$t.XXXX")
    KEEL_MC=0 "start_$t" "$T_DIR" || { echo "start_$t failed" >&2; continue; }
    echo "  $t N=$n (pid $T_PID)"
    one_n 127.0.0.1 "$T_RESP_PORT" "$T_PID" "$n" >> "$OUT/explag_$t.log" 2>&1
    "$BASE_DIR/stop_server.sh" "$T_PID"; rm -rf "$T_DIR"
  done
done
$PY "$HERE/expiry_lag_summary.py" "$OUT" > "$OUT/summary.md"
cat "$OUT/summary.md"
