#!/usr/bin/env bash
# CPU time of one short pausectl call: user+system seconds of `pausectl status` (or of --call ARGS,
# e.g. --call "pause --ttl 30s" --cleanup "resume --force"), median of --runs,
# for each executable given, measured in turn (round-robin) so that a burst of someone else's load
# does not land on one of them only. Against --target URL (a running pause-proxy's admin API: the
# call then reads and prints a real answer, as an operator's does), else against a closed loopback
# port (the call costs next to nothing but leaves out reading the answer). An executable may be
# given as NAME=PATH; ENV=VALUE pairs before it (e.g. PAUSECTL_CDS=off) apply to it.
#
# --cleanup ARGS runs after each measured call, with the same executable, unmeasured (a pause's resume).
#
# Usage: bench/scripts/pausectl-startup.sh [--runs 21] [--target URL] [--call ARGS] [--cleanup ARGS]
#            [NAME=]PATH [[ENV=VALUE ...] [NAME=]PATH ...]
# e.g.   bench/scripts/pausectl-startup.sh --target http://127.0.0.1:9901 before=/tmp/pausectl-main \
#            after=control-cli/target/pausectl
# Needs: GNU time (/usr/bin/time).
set -euo pipefail

RUNS=21
TARGET=
CALL=status
CLEANUP=
while :; do
  case "${1:-}" in
    --runs) RUNS=$2; shift 2 ;;
    --target) TARGET=$2; shift 2 ;;
    --call) CALL=$2; shift 2 ;;
    --cleanup) CLEANUP=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { sed -n '2,16p' "$0"; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }

names=(); paths=(); envs=()
pending=()
for arg in "$@"; do
  case "$arg" in
    *=*/*|*=./*|*=/*) names+=("${arg%%=*}"); paths+=("${arg#*=}"); envs+=("${pending[*]:-}"); pending=() ;;
    *=*) pending+=("$arg") ;;
    *) names+=("$arg"); paths+=("$arg"); envs+=("${pending[*]:-}"); pending=() ;;
  esac
done

if [ -z "$TARGET" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  TARGET="http://127.0.0.1:$port"
fi
declare -A cpu
for ((r = 0; r < RUNS; r++)); do
  for i in "${!paths[@]}"; do
    t=$(env ${envs[$i]} /usr/bin/time -f "%U %S" "${paths[$i]}" --target "$TARGET" $CALL 2>&1 >/dev/null \
        | tail -1 | awk '{printf "%.2f", $1 + $2}') || true
    cpu[$i]="${cpu[$i]:-} $t"
    if [ -n "$CLEANUP" ]; then
      env ${envs[$i]} "${paths[$i]}" --target "$TARGET" $CLEANUP >/dev/null 2>&1 || true
    fi
  done
done

printf "%-24s %8s %8s %8s   (user+sys CPU seconds of '--target %s %s', %d runs, load average %s)\n" \
  "executable" "median" "min" "max" "$TARGET" "$CALL" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!paths[@]}"; do
  read -r median min max < <(tr ' ' '\n' <<<"${cpu[$i]}" | grep -v '^$' | sort -n \
    | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}')
  printf "%-24s %8s %8s %8s   %s\n" "${names[$i]}" "$median" "$min" "$max" "${envs[$i]}"
done
