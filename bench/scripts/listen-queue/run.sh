#!/usr/bin/env bash
# A release into an upstream with a small listen queue (issue 9): python3 -m http.server's server
# (ThreadingHTTPServer, listen queue 5, one accepting thread; upstream.py adds a POST that reads its
# body), pause-proxy in front of it, 300 requests held and released at once: first 300 GETs, then
# 300 POSTs of 2 MB. Prints what the clients got and how many POSTs the upstream logged.
#
# Usage: bench/scripts/listen-queue/run.sh [PAUSE_PROXY] [LISTEN_QUEUE]
#   PAUSE_PROXY defaults to proxy/target/pause-proxy; LISTEN_QUEUE to 5.
# Needs: python3, curl.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PROXY="${1:-$ROOT/proxy/target/pause-proxy}"
QUEUE="${2:-5}"
WORK="$(mktemp -d -t listen-queue.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
read -r UP LISTEN ADMIN < <(python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
python3 "$HERE/upstream.py" "$UP" "$QUEUE" 2>"$WORK/upstream.log" & PIDS+=($!)
"$PROXY" --listen "127.0.0.1:$LISTEN" --admin-listen "127.0.0.1:$ADMIN" --upstream "http://127.0.0.1:$UP" \
  >"$WORK/proxy.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$LISTEN/" && break; sleep 0.3; done
python3 "$HERE/release.py" "127.0.0.1:$LISTEN" "http://127.0.0.1:$ADMIN" 300 GET 0
: >"$WORK/upstream.log"
python3 "$HERE/release.py" "127.0.0.1:$LISTEN" "http://127.0.0.1:$ADMIN" 300 POST 2000000
echo "the upstream logged $(grep -c '^POST' "$WORK/upstream.log") POSTs"
