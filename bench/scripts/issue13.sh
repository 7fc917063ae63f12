#!/usr/bin/env bash
# Every row of issue 13 in one run: pause-proxy's everyday cost and its hold and drain, each beside
# HAProxy 2.6 measured in the same run.
#  1. pass-through (bench/scripts/wrk-passthrough.sh): wrk closed loop, 3-byte and 16 KiB bodies,
#     nginx / HAProxy / pause-proxy, medians of --rounds; open loop at 50 % and 80 % of HAProxy's
#     maximum, also medians of --rounds (one round's p99 moved with the machine's noise: the
#     generator's floor against nginx alone was 4-10 ms in one run); RSS during and after;
#  2. hold: `pause-bench hold --haproxy` at 1,000, 5,000 and 10,000 held requests (RSS per held
#     request, pause-proxy with the launcher's default JVM settings vs HAProxy with the Lua gate);
#  3. drain: `pause-bench drain --haproxy --count 10000` (release of 10,000 held requests vs the
#     proxy's own pass-through rate vs HAProxy's gate; medians of 3 trials alternated in one run).
# Each part starts what it measures itself on loopback and stops it. Hold and drain are not pinned
# (the bench, its upstream and the proxies share both cores).
#
# Usage: bench/scripts/issue13.sh [--rounds 3] [--only passthrough,hold,drain] [--hold-counts 1000,5000,10000]
#          [--autogroup-nice N]
# Needs what wrk-passthrough.sh needs, a JDK (jcmd) and 'ulimit -n' of at least 11,100 (raised here
# up to the hard limit).
# --autogroup-nice N (root; Linux with kernel.sched_autogroup_enabled=1): runs everything in a
# session of its own whose scheduler group gets nice N. With autogroups a process's own nice only
# weighs against processes of its session: 'nice -n 15 mvn' in another shell still gets a full
# share against the benchmark. N=-20 gives the benchmark most of the CPU on a shared machine.
set -euo pipefail
ROUNDS=3
ONLY=passthrough,hold,drain
HOLD_COUNTS=1000,5000,10000
DRAIN_COUNT=10000
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --hold-counts) HOLD_COUNTS="$2"; shift 2 ;;
    --drain-count) DRAIN_COUNT="$2"; shift 2 ;;
    --autogroup-nice)
      if [ -z "${ISSUE13_AUTOGROUP:-}" ]; then
        export ISSUE13_AUTOGROUP="$2"
        exec setsid -w bash -c 'echo "$ISSUE13_AUTOGROUP" > /proc/self/autogroup && exec "$@"' bash "$0" "${ARGS[@]}"
      fi
      shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "issue13: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH="$ROOT/bench/target/pause-bench"
[ -x "$BENCH" ] || { echo "issue13: $BENCH missing: run mvn -q -DskipTests package" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "issue13: $(date -u +%FT%TZ), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), load average $(cut -d' ' -f1-3 /proc/loadavg), scheduler group $(cat /proc/self/autogroup 2>/dev/null || echo '?')"
case ",$ONLY," in *,passthrough,*)
  echo; echo "== pass-through =="
  "$ROOT/bench/scripts/wrk-passthrough.sh" --rounds "$ROUNDS" --open-loop-rounds "$ROUNDS" ;;
esac
case ",$ONLY," in *,hold,*)
  for count in ${HOLD_COUNTS//,/ }; do
    echo; echo "== hold $count (load average $(cut -d' ' -f1-3 /proc/loadavg)) =="
    "$BENCH" hold --haproxy --count "$count" | grep -v '^    '
  done ;;
esac
case ",$ONLY," in *,drain,*)
  echo; echo "== drain $DRAIN_COUNT (load average $(cut -d' ' -f1-3 /proc/loadavg)) =="
  "$BENCH" drain --haproxy --count "$DRAIN_COUNT" ;;
esac
echo; echo "issue13: done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
