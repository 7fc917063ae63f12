#!/usr/bin/env bash
# CPU time of one short pausectl call: user+system seconds of `pausectl status` against a closed
# loopback port (the call itself costs next to nothing, so this is start-up), median of --runs, for
# each executable given, measured in turn (round-robin) so that a burst of someone else's load does
# not land on one of them only. An executable may be given as NAME=PATH; ENV=VALUE pairs before it
# (e.g. PAUSECTL_CDS=off) apply to it.
#
# Usage: bench/scripts/pausectl-startup.sh [--runs 21] [NAME=]PATH [[ENV=VALUE ...] [NAME=]PATH ...]
# e.g.   bench/scripts/pausectl-startup.sh before=/tmp/pausectl-main after=control-cli/target/pausectl
# Needs: GNU time (/usr/bin/time).
set -euo pipefail

RUNS=21
if [ "${1:-}" = --runs ]; then RUNS=$2; shift 2; fi
[ $# -gt 0 ] || { sed -n '2,10p' "$0"; exit 2; }
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

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
declare -A cpu
for ((r = 0; r < RUNS; r++)); do
  for i in "${!paths[@]}"; do
    t=$(env ${envs[$i]} /usr/bin/time -f "%U %S" "${paths[$i]}" --target "http://127.0.0.1:$port" status 2>&1 >/dev/null \
        | tail -1 | awk '{printf "%.2f", $1 + $2}') || true
    cpu[$i]="${cpu[$i]:-} $t"
  done
done

printf "%-24s %8s %8s %8s   (user+sys CPU seconds of 'status', %d runs, load average %s)\n" \
  "executable" "median" "min" "max" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!paths[@]}"; do
  read -r median min max < <(tr ' ' '\n' <<<"${cpu[$i]}" | grep -v '^$' | sort -n \
    | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}')
  printf "%-24s %8s %8s %8s   %s\n" "${names[$i]}" "$median" "$min" "$max" "${envs[$i]}"
done
