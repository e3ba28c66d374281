#!/bin/bash
# 18_instr.sh [TEST...] -- instructions each request costs the server, Keel beside redis-server,
# counted by valgrind's callgrind (user-space instructions, so the figure does not depend on how
# busy the machine is).  For each redis-benchmark test (default: the issue-18 rows) a fresh server
# runs under callgrind; the counters are zeroed after the fill, N requests run at pipeline P, and
# the dump's total is divided by N.  Prints "RESULT instr <test> P<p> keel=K redis=R ratio=K/R".
# Two more tests, not in the default list: "tx" (MULTI; INCR key:__rand_int__; EXEC, counted per
# transaction, with bench/cmdseq.c) and "evalsha" (a script of INCR then GET of KEYS[1]).  And
# "mget16" (MGET of 16 key:__rand_int__ keys, after N uncounted SETs over 100,000 keys), and
# three set reads and removes, counted after N uncounted SADDs fill redis-benchmark's myset:
# "sismember" and "srem" (of element:__rand_int__, as SADD adds them) and "spop" (N/2 of them).
# Env: N (default 20000), PIPES ("1 16"), KEEL_SERVER, KEEL_ARGS (e.g. --module-dir), THREADS (2),
# KEEP=DIR keeps the callgrind dumps (callgrind_annotate DIR/keel.incr.P16 shows where they go).
set -uo pipefail
N=${N:-20000}
PIPES=${PIPES:-"1 16"}
TESTS=("$@"); [ ${#TESTS[@]} -eq 0 ] && TESTS=(get set incr lpush lrange_100 sadd hset)
KEEL=${KEEL_SERVER:-keel-server}
OUT=${KEEP:-$(mktemp -d)}; mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "18_instr.sh: needs valgrind" >&2; exit 2; }
CMDSEQ="$OUT/cmdseq"
case " ${TESTS[*]} " in *" tx "*) gcc -O2 -Wall -Wextra -o "$CMDSEQ" "$(dirname "$0")/cmdseq.c" || exit 1 ;; esac

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 600); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }

# run_one TARGET TEST P -> prints instructions per request
run_one() {
  local target=$1 test=$2 pl=$3 port dump pid
  port=$(free_port); dump="$OUT/$target.$test.P$pl"
  local cmd
  # shellcheck disable=SC2206
  if [ "$target" = keel ]; then cmd=("$KEEL" --port "$port" --memcache-port 0 --threads "${THREADS:-2}" ${KEEL_ARGS:-})
  else cmd=(redis-server --port "$port" --save '' --appendonly no); fi
  valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file="$dump.%p" "${cmd[@]}" >"$dump.log" 2>&1 &
  pid=$!
  wait_up "$port" || { echo "server did not start: $dump.log" >&2; kill "$pid"; return 1; }
  # the fill LRANGE needs, outside the count
  [ "$test" = lrange_100 ] && redis-benchmark -p "$port" -t lpush -n 600 -c 1 -P 1 -q >/dev/null 2>&1
  [ "$test" = mget16 ] && redis-benchmark -p "$port" -t set -n "$N" -c 50 -r 100000 -P 16 -q >/dev/null 2>&1
  case $test in sismember | srem | spop)
    redis-benchmark -p "$port" -t sadd -n "$N" -c 50 -r 1000000 -P 16 -q >/dev/null 2>&1 ;;
  esac
  redis-cli -p "$port" config set slowlog-log-slower-than -1 >/dev/null   # valgrind is slow: every request would be logged
  local sha=""
  [ "$test" = evalsha ] && sha=$(redis-cli -p "$port" SCRIPT LOAD "redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1])")
  callgrind_control -z "$pid" >/dev/null 2>&1
  case $test in
  tx) "$CMDSEQ" -p "$port" -c 50 -n "$N" -r 1000000 MULTI "INCR key:__rand_int__" EXEC >/dev/null ;;
  mget16) redis-benchmark -p "$port" -n "$N" -c 50 -r 100000 -P "$pl" mget $(printf 'key:__rand_int__ %.0s' $(seq 16)) >/dev/null 2>&1 ;;
  evalsha) redis-benchmark -p "$port" -n "$N" -c 50 -r 1000000 -P "$pl" evalsha "$sha" 1 'key:__rand_int__' >/dev/null 2>&1 ;;
  sismember | srem) redis-benchmark -p "$port" -n "$N" -c 50 -r 1000000 -P "$pl" "$test" myset 'element:__rand_int__' >/dev/null 2>&1 ;;
  spop) redis-benchmark -p "$port" -n "$((N / 2))" -c 50 -P "$pl" spop myset >/dev/null 2>&1 ;;
  *) redis-benchmark -p "$port" -t "$test" -n "$N" -c 50 -r 1000000 -P "$pl" -q >/dev/null 2>&1 ;;
  esac
  callgrind_control -d "$pid" >/dev/null 2>&1
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1; wait "$pid" 2>/dev/null
  # the dump made by -d (part 1) holds the counted window only
  local f; f=$(ls "$dump".*.1 2>/dev/null | head -1)
  [ -n "$f" ] || f=$(ls "$dump".* | grep -v '\.log$' | head -1)
  local n=$N; [ "$test" = spop ] && n=$((N / 2))
  awk -v n="$n" '/^summary:|^totals:/{print int($2/n); exit}' "$f"
}

for test in "${TESTS[@]}"; do
  pipes=$PIPES; [ "$test" = tx ] && pipes=1   # cmdseq sends one transaction at a time
  for pl in $pipes; do
    k=$(run_one keel "$test" "$pl"); r=$(run_one redis "$test" "$pl")
    ratio=$(awk -v k="$k" -v r="$r" 'BEGIN{ if (r > 0) printf "%.2f", k/r; else print "?" }')
    echo "RESULT instr $test P$pl keel=$k redis=$r ratio=$ratio"
  done
done
[ -z "${KEEP:-}" ] && rm -rf "$OUT"
exit 0
