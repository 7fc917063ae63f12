#!/usr/bin/env bash
# Pass-through throughput and latency: pause-proxy vs HAProxy vs direct, in one run, as ratios.
#
# Starts nginx (the upstream: a 3-byte and a 16 KiB body), HAProxy 2.6 (nbthread 1, keep-alive
# to nginx, http-reuse always) and pause-proxy (--event-loops 1) on loopback ports with configs
# generated in a temporary directory; pins nginx and the proxies to one core and wrk to another;
# runs `wrk -t1 -c64 -d10s --latency` against each target (after a warm-up), prints a table and
# cleans up. On a shared, noisy machine use --rounds: the targets are measured in turn that many
# times and the table shows each one's median requests/s and median p99, so a burst of someone
# else's load does not land on one target only.
#
# Usage: bench/scripts/wrk-passthrough.sh [--duration 10s] [--warmup 5s] [--connections 64]
#                                          [--rounds 1] [--proxy-cpu 0] [--wrk-cpu 1]
#                                          [--proxy-jvm-opts "..."]
# Needs: nginx, haproxy, wrk, taskset; proxy/target/pause-proxy (mvn -q -DskipTests package).
set -euo pipefail

DURATION=10s
WARMUP=5s
CONNECTIONS=64
PROXY_CPU=0
WRK_CPU=1
ROUNDS=1
PROXY_JVM_OPTS="${PROXY_JVM_OPTS:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --proxy-cpu) PROXY_CPU="$2"; shift 2 ;;
    --wrk-cpu) WRK_CPU="$2"; shift 2 ;;
    --proxy-jvm-opts) PROXY_JVM_OPTS="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "wrk-passthrough: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PROXY="$ROOT/proxy/target/pause-proxy"
for tool in nginx haproxy wrk taskset python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "wrk-passthrough: $tool is not installed" >&2; exit 2; }
done
[ -x "$PROXY" ] || { echo "wrk-passthrough: $PROXY missing: run mvn -q -DskipTests package" >&2; exit 2; }

WORK="$(mktemp -d -t wrk-passthrough.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "wrk-passthrough: nothing listens on port $1 ($2)" >&2
  exit 1
}

NGINX_PORT=$(free_port)
HAPROXY_PORT=$(free_port)

mkdir -p "$WORK/www" "$WORK/nginx"
head -c 16384 /dev/zero | tr '\0' 'x' > "$WORK/www/16k"
# nginx workers drop root: they must be able to read the document root.
chmod 755 "$WORK" "$WORK/www"
chmod 644 "$WORK/www/16k"
cat > "$WORK/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx;
  proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx;
  scgi_temp_path $WORK/nginx;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    location = /small { default_type text/plain; return 200 "abc"; }
    location = /16k { default_type application/octet-stream; }
  }
}
EOF

cat > "$WORK/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend bench
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend nginx
backend nginx
  server s1 127.0.0.1:$NGINX_PORT
EOF

taskset -c "$PROXY_CPU" nginx -c "$WORK/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)
taskset -c "$PROXY_CPU" haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
JAVA_OPTS="$PROXY_JVM_OPTS" taskset -c "$PROXY_CPU" "$PROXY" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --upstream "http://127.0.0.1:$NGINX_PORT" --event-loops 1 >"$WORK/proxy.log" 2>&1 &
PIDS+=($!)

wait_port "$NGINX_PORT" nginx
wait_port "$HAPROXY_PORT" haproxy
PROXY_PORT=""
for _ in $(seq 1 200); do
  PROXY_PORT=$(sed -n 's/.*pause-proxy listening for clients on [^ ]*:\([0-9]*\).*/\1/p' "$WORK/proxy.log" | head -n1)
  [ -n "$PROXY_PORT" ] && break
  sleep 0.1
done
[ -n "$PROXY_PORT" ] || { echo "wrk-passthrough: pause-proxy did not start:" >&2; cat "$WORK/proxy.log" >&2; exit 1; }

# wrk prints latency as 1.23us / 1.23ms / 1.23s; the table uses milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n = n / 1000; else if (u == "s") n = n * 1000; else if (u == "m") n = n * 60000;
    printf "%.3f", n }'
}

run_wrk() { # name port path round
  if [ "$4" = 1 ]; then
    taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$2$3" >/dev/null 2>&1 || true
  fi
  local out
  out=$(taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$2$3")
  echo "$out" > "$WORK/wrk-$1-${3#/}-$4.txt"
  local rps p99 errors
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  echo "$1 $3 $rps $(to_ms "$p99") ${errors:-none}"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "wrk -t1 -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up), $ROUNDS round(s); servers on cpu $PROXY_CPU, wrk on cpu $WRK_CPU"
echo "nginx $NGINX_PORT, haproxy $HAPROXY_PORT ($(haproxy -v | head -n1 | awk '{print $3}')), pause-proxy $PROXY_PORT"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
RAW="$WORK/raw.txt"
: > "$RAW"
for round in $(seq 1 "$ROUNDS"); do
  for path in /small /16k; do
    run_wrk direct "$NGINX_PORT" "$path" "$round" | tee -a "$RAW"
    run_wrk haproxy "$HAPROXY_PORT" "$path" "$round" | tee -a "$RAW"
    run_wrk pause-proxy "$PROXY_PORT" "$path" "$round" | tee -a "$RAW"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '\n| target | body | requests/s | p99 ms | rps vs haproxy | p99 vs haproxy | errors |\n|---|---|---|---|---|---|---|\n'
for path in /small /16k; do
  ha_rps=$(awk -v p="$path" '$1 == "haproxy" && $2 == p {print $3}' "$RAW" | median)
  ha_p99=$(awk -v p="$path" '$1 == "haproxy" && $2 == p {print $4}' "$RAW" | median)
  for name in direct haproxy pause-proxy; do
    rps=$(awk -v n="$name" -v p="$path" '$1 == n && $2 == p {print $3}' "$RAW" | median)
    p99=$(awk -v n="$name" -v p="$path" '$1 == n && $2 == p {print $4}' "$RAW" | median)
    errors=$(awk -v n="$name" -v p="$path" '$1 == n && $2 == p { $1 = $2 = $3 = $4 = ""; print }' "$RAW" | sort -u | tr -s ' ' | tr '\n' ' ')
    body=$([ "$path" = /small ] && echo "3 B" || echo "16 KiB")
    awk -v n="$name" -v b="$body" -v r="$rps" -v p="$p99" -v hr="$ha_rps" -v hp="$ha_p99" -v e="$errors" \
      'BEGIN { printf "| %s | %s | %.0f | %.2f | %.2fx | %.2fx | %s |\n", n, b, r, p, r / hr, p / hp, e }'
  done
done
