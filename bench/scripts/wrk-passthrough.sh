#!/usr/bin/env bash
# Pass-through throughput, latency and memory: pause-proxy vs HAProxy vs nginx alone, in one run,
# as ratios (issue 13's table).
#
# Starts nginx (one worker; the upstream: a 3-byte and a 16 KiB body, X-Req-Id echoed), HAProxy 2.6
# (nbthread 1, keep-alive to nginx, http-reuse always) and pause-proxy (--event-loops 1, the
# launcher's default JVM settings) on free loopback ports with configs generated in a temporary
# directory; pins nginx and the proxies to one core and the load generators to the other; then
#  - closed loop: `wrk -t1 -c64 --latency` against each target (after a warm-up of --warmup, then
#    2 s probes until two successive ones agree within 5 % and, for pause-proxy, its JIT compilers
#    used at most 1 % of the last probe, at most --warmup-max seconds; pause-proxy is warmed so on
#    both bodies before the first round), --rounds times in
#    turn so that a burst of someone else's load does not land on one target only; the table shows
#    each one's median requests/s and median p99;
#  - RSS of each server process: the largest seen while wrk ran (sampled every 0.5 s) and after;
#  - open loop (unless --no-open-loop): `pause-bench openloop` at 50 % and 80 % of HAProxy's median
#    closed-loop requests/s, against HAProxy and pause-proxy (and nginx), latency from each
#    request's intended send time (wrk2 is not packaged here; the bench's generator is open loop).
#    pause-proxy is first warmed with open-loop traffic at both rates until its JIT compilers are
#    quiet (as before the closed loop: open-loop traffic opens connections on both of its sides
#    and runs code a closed loop never does; a proxy warmed by wrk alone still made 956
#    compilations, 190 of them after a deoptimization, in its first two open-loop windows; at most
#    twice --warmup-max).
#    One generator per body measures every target at both rates after warming on every target at
#    both rates until its own JIT is quiet (a fresh generator spent half its core compiling and
#    measured nginx alone at 6,000/s with a p99 of 96-227 ms); it runs C1-compiled code only
#    (-XX:TieredStopAtLevel=1): with C2, answers of another target made it deoptimize and
#    recompile again in every window, 640-840 ms in pause-proxy's; each row says the generator's
#    own JIT and GC ms in its window (GENERATOR_JVM_OPTS sets its JVM options);
#  - pause-proxy's own collections (young and full: count and ms, from its /metrics) in each of its
#    closed-loop windows and in each round of open-loop windows: a full collection stops every
#    exchange for 15-60 ms on this machine, which can be a whole window's p99;
# prints every run and the tables, and stops everything it started.
#
# Usage: bench/scripts/wrk-passthrough.sh [--duration 10s] [--warmup 5s] [--warmup-max 60] [--connections 64]
#          [--rounds 3] [--proxy-cpu 1] [--wrk-cpu 0] [--proxy-jvm-opts "..."]
#          [--no-open-loop] [--open-loop-duration 10s] [--open-loop-rounds 1]
# Needs: nginx, haproxy, wrk, taskset, python3; proxy/target/pause-proxy and bench/target/pause-bench
# (mvn -q -DskipTests package).
set -euo pipefail

DURATION=10s
WARMUP=5s
WARMUP_MAX=60
CONNECTIONS=64
PROXY_CPU=1
WRK_CPU=0
ROUNDS=3
OPEN_LOOP=1
OPEN_DURATION=10s
OPEN_ROUNDS=1
PROXY_JVM_OPTS="${PROXY_JVM_OPTS:-}"
# The open-loop generator is a JVM on one core: its own collections and compilations count against
# every target, so a young generation large enough for a second or more of its garbage, a collector
# without concurrent threads, and C1's code only: C1 without profiles never deoptimizes when another
# target's answers take other branches, and compiles in a millisecond what C2 compiles in tens;
# leak detection's sampled stack traces off (the bench's, not the proxy's).
GENERATOR_JVM_OPTS="${GENERATOR_JVM_OPTS:--XX:+UseSerialGC -Xmn64m -XX:TieredStopAtLevel=1 -Dio.netty.leakDetection.level=disabled}"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --warmup-max) WARMUP_MAX="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --proxy-cpu) PROXY_CPU="$2"; shift 2 ;;
    --wrk-cpu) WRK_CPU="$2"; shift 2 ;;
    --proxy-jvm-opts) PROXY_JVM_OPTS="$2"; shift 2 ;;
    --no-open-loop) OPEN_LOOP=0; shift ;;
    --open-loop-duration) OPEN_DURATION="$2"; shift 2 ;;
    --open-loop-rounds) OPEN_ROUNDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "wrk-passthrough: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PROXY="$ROOT/proxy/target/pause-proxy"
BENCH="$ROOT/bench/target/pause-bench"
for tool in nginx haproxy wrk taskset python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "wrk-passthrough: $tool is not installed" >&2; exit 2; }
done
[ -x "$PROXY" ] || { echo "wrk-passthrough: $PROXY missing: run mvn -q -DskipTests package" >&2; exit 2; }
if [ "$OPEN_LOOP" = 1 ] && [ ! -x "$BENCH" ]; then
  echo "wrk-passthrough: $BENCH missing (needed for the open-loop rows): run mvn -q -DskipTests package" >&2; exit 2
fi

WORK="$(mktemp -d -t wrk-passthrough.XXXXXX)"
PIDS=()
SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
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
# X-Req-Id is echoed for pause-bench's generator (it checks every answer is its own); wrk sends
# none, so its responses are unchanged.
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
    add_header X-Req-Id \$http_x_req_id;
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
NGINX_PID=$!
PIDS+=($NGINX_PID)
taskset -c "$PROXY_CPU" haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
PIDS+=($HAPROXY_PID)
# The launcher execs java (and taskset execs the launcher): $! is the proxy's JVM.
JAVA_OPTS="$PROXY_JVM_OPTS" taskset -c "$PROXY_CPU" "$PROXY" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --upstream "http://127.0.0.1:$NGINX_PORT" --event-loops 1 >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)

wait_port "$NGINX_PORT" nginx
wait_port "$HAPROXY_PORT" haproxy
PROXY_PORT=""
for _ in $(seq 1 300); do
  PROXY_PORT=$(sed -n 's/.*pause-proxy listening for clients on [^ ]*:\([0-9]*\).*/\1/p' "$WORK/proxy.log" | head -n1)
  [ -n "$PROXY_PORT" ] && break
  sleep 0.1
done
[ -n "$PROXY_PORT" ] || { echo "wrk-passthrough: pause-proxy did not start:" >&2; cat "$WORK/proxy.log" >&2; exit 1; }
ADMIN_PORT=$(sed -n 's/.*admin API listening on [^ ]*:\([0-9]*\).*/\1/p' "$WORK/proxy.log" | head -n1)
# pause-proxy's collections so far, from its /metrics: "young-count young-ms full-count full-ms
# idle-count" (the serial collector's Copy and MarkSweepCompact; a full collection stops every
# exchange; the idle ones, pauseproxy_idle_collections_total, came when nothing was in flight).
proxy_gcs() {
  { curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" || true; } | awk '
    /^jvm_gc_collection_seconds_count\{gc="Copy"\}/ {yc = $2} /^jvm_gc_collection_seconds_sum\{gc="Copy"\}/ {ys = $2}
    /^jvm_gc_collection_seconds_count\{gc="MarkSweepCompact"\}/ {fc = $2} /^jvm_gc_collection_seconds_sum\{gc="MarkSweepCompact"\}/ {fs = $2}
    /^pauseproxy_idle_collections_total / {ic = $2}
    END {printf "%d %d %d %d %d\n", yc, ys * 1000, fc, fs * 1000, ic}'
}
gc_delta() {  # gc_delta "BEFORE" "AFTER": what was collected in between, in words
  awk -v b="$1" -v a="$2" 'BEGIN { split(b, x, " "); split(a, y, " ");
    printf "%d full (%d ms; %d of them idle), %d young (%d ms)", y[3] - x[3], y[4] - x[4], y[5] - x[5], y[1] - x[1], y[2] - x[2] }'
}
# nginx's worker (the master only forks it) is the process that serves.
NGINX_WORKER=""
for _ in $(seq 1 50); do
  NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -n1 || true)
  [ -n "$NGINX_WORKER" ] && break
  sleep 0.1
done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Samples every server's RSS every 0.5 s into $WORK/rss.<name> while the run lasts.
(
  while true; do
    echo "$(rss_kib "$HAPROXY_PID")" >> "$WORK/rss.haproxy"
    echo "$(rss_kib "${NGINX_WORKER:-$NGINX_PID}")" >> "$WORK/rss.nginx"
    echo "$(rss_kib "$PROXY_PID")" >> "$WORK/rss.pause-proxy"
    sleep 0.5
  done
) &
SAMPLER=$!

# wrk prints latency as 1.23us / 1.23ms / 1.23s; the table uses milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n = n / 1000; else if (u == "s") n = n * 1000; else if (u == "m") n = n * 60000;
    printf "%.3f", n }'
}

# CPU ticks (1/100 s) pause-proxy's JIT compiler threads used so far; 0 for the other targets.
jit_ticks() { # name
  local t s=0 c
  if [ "$1" = pause-proxy ]; then
    for t in /proc/"$PROXY_PID"/task/*; do
      case "$(cat "$t/comm" 2>/dev/null)" in
        C1\ CompilerThre*|C2\ CompilerThre*)
          # After "pid (comm) ", utime and stime are the 12th and 13th fields (comm holds a space).
          c=$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')
          s=$((s + ${c:-0})) ;;
      esac
    done
  fi
  echo "$s"
}

# Warms a target up to a steady state: 2 s probes until two successive ones agree within 5 %
# (after at least --warmup), at most --warmup-max. A JVM is still compiling after 20-30 s of load
# (session 6: a fresh pause-proxy did 4.6k, 15.5k, 18.2k, 16.6k, 24.4k requests/s in successive
# 5 s runs), so a fixed 5 s warm-up measured its first round before it was compiled. For pause-proxy
# the last probe must also find its JIT compilers (nearly) idle, at most 20 ms of their CPU in the
# 2 s: two probes agreeing within 5 % still left 13-26 C2 compilations for each later 10 s round
# (session 9: tiered promotions and recompilations, C2 bursts of a few ms on the core the proxy and
# nginx share, as many milliseconds as a p99 is made of). Prints the probes on stderr (with the
# compilers' milliseconds for pause-proxy); the table only counts the measured runs.
warm_up() { # name port path
  local start=$SECONDS last="" rps n=0 probes="" jit0 jit
  taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$2$3" >/dev/null 2>&1 || true
  while [ $((SECONDS - start)) -lt "$WARMUP_MAX" ]; do
    jit0=$(jit_ticks "$1")
    rps=$(taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$2$3" 2>/dev/null | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
    jit=$(( $(jit_ticks "$1") - jit0 ))
    n=$((n + 1))
    probes="$probes ${rps:-0}"
    [ "$1" = pause-proxy ] && probes="$probes (jit $((jit * 10)) ms)"
    if [ -n "$last" ] && [ -n "$rps" ] && [ "$jit" -le 2 ] && awk -v a="$last" -v b="$rps" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= 0.05 * a) }'; then
      echo "warm-up $1 $3: steady after $((SECONDS - start)) s (probes of 2 s:$probes)" >&2
      return 0
    fi
    last=$rps
  done
  echo "warm-up $1 $3: NOT steady after $((SECONDS - start)) s (probes of 2 s:$probes)" >&2
}

run_wrk() { # name port path round
  if [ "$4" = 1 ]; then
    warm_up "$1" "$2" "$3"
  fi
  local out gc0
  [ "$1" = pause-proxy ] && gc0=$(proxy_gcs)
  out=$(taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$2$3")
  [ "$1" = pause-proxy ] && echo "round $4 $3: pause-proxy's collections in its window: $(gc_delta "$gc0" "$(proxy_gcs)")" >> "$WORK/closed-gc.txt"
  echo "$out" > "$WORK/wrk-$1-${3#/}-$4.txt"
  local rps p99 errors
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  echo "$1 $3 $rps $(to_ms "$p99") ${errors:-none}"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
max_of() { sort -g "$1" | tail -n1; }

echo "wrk -t1 -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up, then 2 s probes until two agree within 5 % and pause-proxy's JIT compilers used at most 1 % of the last, at most ${WARMUP_MAX} s each; pause-proxy first on /small, /16k and /small again), $ROUNDS round(s); servers on cpu $PROXY_CPU, wrk on cpu $WRK_CPU"
echo "nginx $NGINX_PORT, haproxy $HAPROXY_PORT ($(haproxy -v | head -n1 | awk '{print $3}')), pause-proxy $PROXY_PORT (JAVA_OPTS='$PROXY_JVM_OPTS')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
RAW="$WORK/raw.txt"
: > "$RAW"
# A JVM compiles what each kind of answer runs, and the first answers of the other kind make it
# recompile what it had compiled for one (session 9: 70-106 compilations in the next 10 s): the proxy
# is warmed on both bodies, and on the first again, before any measured round.
for path in /small /16k /small; do
  warm_up pause-proxy "$PROXY_PORT" "$path"
done
for round in $(seq 1 "$ROUNDS"); do
  for path in /small /16k; do
    run_wrk nginx "$NGINX_PORT" "$path" "$round" | tee -a "$RAW"
    run_wrk haproxy "$HAPROXY_PORT" "$path" "$round" | tee -a "$RAW"
    run_wrk pause-proxy "$PROXY_PORT" "$path" "$round" | tee -a "$RAW"
  done
done
echo "load average after the closed loop: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$WORK/closed-gc.txt"
for name in haproxy nginx pause-proxy; do
  cp "$WORK/rss.$name" "$WORK/rss-closed.$name"
done

# name path -> median requests/s, median p99 (ms)
med_rps() { awk -v n="$1" -v p="$2" '$1 == n && $2 == p {print $3}' "$RAW" | median; }
med_p99() { awk -v n="$1" -v p="$2" '$1 == n && $2 == p {print $4}' "$RAW" | median; }

printf '\n| target | body | requests/s | p99 ms | rps vs haproxy | p99 vs haproxy | errors |\n|---|---|---|---|---|---|---|\n'
for path in /small /16k; do
  ha_rps=$(med_rps haproxy "$path")
  ha_p99=$(med_p99 haproxy "$path")
  for name in nginx haproxy pause-proxy; do
    rps=$(med_rps "$name" "$path")
    p99=$(med_p99 "$name" "$path")
    errors=$(awk -v n="$name" -v p="$path" '$1 == n && $2 == p { $1 = $2 = $3 = $4 = ""; print }' "$RAW" | sort -u | tr -s ' ' | tr '\n' ' ')
    body=$([ "$path" = /small ] && echo "3 B" || echo "16 KiB")
    awk -v n="$name" -v b="$body" -v r="$rps" -v p="$p99" -v hr="$ha_rps" -v hp="$ha_p99" -v e="$errors" \
      'BEGIN { printf "| %s | %s | %.0f | %.2f | %.2fx | %.2fx | %s |\n", n, b, r, p, r / hr, p / hp, e }'
  done
done

OPEN="$WORK/open.txt"
: > "$OPEN"
if [ "$OPEN_LOOP" = 1 ]; then
  echo
  echo "open loop: pause-bench openloop at 50 % and 80 % of HAProxy's median closed-loop requests/s, $OPEN_DURATION each, generator on cpu $WRK_CPU"
  echo "(one generator per body and round: it first warms until its own JIT is quiet, then warms each target for 2 s"
  echo " before each window and collects its own garbage; JAVA_OPTS='$GENERATOR_JVM_OPTS')"
  # pause-proxy warmed with open-loop traffic (both bodies, both rates, 3 s each) until its JIT
  # compilers used at most 1 % of a whole turn of 12 s (as the closed loop's warm-up), at most
  # twice --warmup-max seconds: each turn's generators open new connections, and the code that
  # sets one up runs a few hundred times a turn, so it reaches C2 over a minute or two (a proxy
  # warmed by wrk made 1,231, 263, 235, 67, 139, 54, 40, 26 compilations in successive turns).
  start=$SECONDS
  turns=""
  while [ $((SECONDS - start)) -lt $((2 * WARMUP_MAX)) ]; do
    jit0=$(jit_ticks pause-proxy)
    for path in /small /16k; do
      ha_rps=$(med_rps haproxy "$path")
      JAVA_OPTS="$GENERATOR_JVM_OPTS" taskset -c "$WRK_CPU" "$BENCH" openloop --url "http://127.0.0.1:$PROXY_PORT" \
        --path "$path" --rate "$(awk -v r="$ha_rps" 'BEGIN { printf "%.0f", r * 50 / 100 }')" \
        --rate "$(awk -v r="$ha_rps" 'BEGIN { printf "%.0f", r * 80 / 100 }')" --duration 3s --warmup 0 \
        --settle-max 0 >/dev/null
    done
    jit=$(( $(jit_ticks pause-proxy) - jit0 ))
    turns="$turns $((jit * 10))"
    [ "$jit" -le 12 ] && break
  done
  echo "open-loop warm-up of pause-proxy: $((SECONDS - start)) s, its JIT ms per turn of 12 s:$turns"
  for round in $(seq 1 "$OPEN_ROUNDS"); do
    for path in /small /16k; do
      ha_rps=$(med_rps haproxy "$path")
      rate50=$(awk -v r="$ha_rps" 'BEGIN { printf "%.0f", r * 50 / 100 }')
      rate80=$(awk -v r="$ha_rps" 'BEGIN { printf "%.0f", r * 80 / 100 }')
      json="$WORK/open-${path#/}-$round.json"
      gc0=$(proxy_gcs)
      JAVA_OPTS="$GENERATOR_JVM_OPTS" taskset -c "$WRK_CPU" "$BENCH" openloop --url "http://127.0.0.1:$NGINX_PORT" \
        --url "http://127.0.0.1:$HAPROXY_PORT" --url "http://127.0.0.1:$PROXY_PORT" --path "$path" \
        --rate "$rate50" --rate "$rate80" --duration "$OPEN_DURATION" --warmup 2s --json "$json" >/dev/null
      # one line per window: name path share offered achieved p50 p99 p99.9 max failed+lost generator-JIT-ms generator-GC-ms
      python3 - "$json" "$NGINX_PORT" "$HAPROXY_PORT" "$PROXY_PORT" "$path" "$rate50" <<'PY' | tee -a "$OPEN"
import json, sys
reports = json.load(open(sys.argv[1]))
names = {sys.argv[2]: "nginx", sys.argv[3]: "haproxy", sys.argv[4]: "pause-proxy"}
for r in reports:
    name = names[r["target"].rsplit(":", 1)[1]]
    share = 50 if round(r["offeredRps"]) == int(sys.argv[6]) else 80
    print(name, sys.argv[5], share, r["offeredRps"], r["achievedRps"], r["p50Ms"], r["p99Ms"], r["p999Ms"], r["maxMs"],
          r["failed"] + r["lost"], r["generatorCompileMs"], r["generatorGcMs"])
PY
      echo "round $round $path: pause-proxy's collections while this round's windows ran (its own and the others'): $(gc_delta "$gc0" "$(proxy_gcs)")" >> "$WORK/open-gc.txt"
    done
  done
  echo "load average after the open loop: $(cut -d' ' -f1-3 /proc/loadavg)"
  cat "$WORK/open-gc.txt"
  printf '\n| target | body | offered (share of HAProxy max) | achieved rps | p50 ms | p99 ms | p99.9 ms | max ms | p99 vs haproxy | failed | generator JIT / GC ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n'
  for path in /small /16k; do
    for share in 50 80; do
      ha_p99=$(awk -v p="$path" -v s="$share" '$1 == "haproxy" && $2 == p && $3 == s {print $7}' "$OPEN" | median)
      for name in nginx haproxy pause-proxy; do
        awk -v n="$name" -v p="$path" -v s="$share" '$1 == n && $2 == p && $3 == s' "$OPEN" > "$WORK/sel"
        [ -s "$WORK/sel" ] || continue
        body=$([ "$path" = /small ] && echo "3 B" || echo "16 KiB")
        offered=$(awk '{print $4}' "$WORK/sel" | median)
        achieved=$(awk '{print $5}' "$WORK/sel" | median)
        p50=$(awk '{print $6}' "$WORK/sel" | median)
        p99=$(awk '{print $7}' "$WORK/sel" | median)
        p999=$(awk '{print $8}' "$WORK/sel" | median)
        mx=$(awk '{print $9}' "$WORK/sel" | median)
        failed=$(awk '{s += $10} END {print s}' "$WORK/sel")
        generator=$(awk '{printf "%s%d / %d", (NR > 1 ? ", " : ""), $11, $12}' "$WORK/sel")
        awk -v n="$name" -v b="$body" -v o="$offered" -v s="$share" -v a="$achieved" -v p50="$p50" -v p99="$p99" \
          -v p999="$p999" -v mx="$mx" -v hp="$ha_p99" -v f="$failed" -v g="$generator" \
          'BEGIN { printf "| %s | %s | %.0f (%d %%) | %.0f | %.2f | %.2f | %.2f | %.2f | %.2fx | %d | %s |\n", n, b, o, s, a, p50, p99, p999, mx, p99 / hp, f, g }'
      done
    done
  done
fi

sleep 2
printf '\nRSS (MiB): the largest sampled while the closed loop ran, the largest over the whole run, and after it\n'
printf '| target | during closed loop | during the run | after |\n|---|---|---|---|\n'
for name in haproxy nginx pause-proxy; do
  case $name in haproxy) pid=$HAPROXY_PID ;; nginx) pid=${NGINX_WORKER:-$NGINX_PID} ;; *) pid=$PROXY_PID ;; esac
  awk -v n="$name" -v d="$(max_of "$WORK/rss-closed.$name")" -v w="$(max_of "$WORK/rss.$name")" -v a="$(rss_kib "$pid")" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.1f |\n", n, d / 1024, w / 1024, a / 1024 }'
done
echo "(nginx: its worker process; pause-proxy's peak RSS by the kernel's count (VmHWM): $(awk '/^VmHWM:/ {printf "%.1f MiB", $2 / 1024}' "/proc/$PROXY_PID/status"))"

# The issue's layout: one column per server, medians.
printf '\n| response | HAProxy | nginx | pause-proxy | pause-proxy vs HAProxy |\n|---|---|---|---|---|\n'
for path in /small /16k; do
  body=$([ "$path" = /small ] && echo "3 B" || echo "16 KiB")
  awk -v b="$body" -v h="$(med_rps haproxy "$path")" -v g="$(med_rps nginx "$path")" -v p="$(med_rps pause-proxy "$path")" \
    'BEGIN { printf "| %s, requests/s | %.1fk | %.1fk | %.1fk | %.2f× |\n", b, h / 1000, g / 1000, p / 1000, p / h }'
  awk -v b="$body" -v h="$(med_p99 haproxy "$path")" -v g="$(med_p99 nginx "$path")" -v p="$(med_p99 pause-proxy "$path")" \
    'BEGIN { printf "| %s, p99 | %.2f ms | %.2f ms | %.2f ms | %.2f× |\n", b, h, g, p, p / h }'
done
awk -v h="$(rss_kib "$HAPROXY_PID")" -v g="$(rss_kib "${NGINX_WORKER:-$NGINX_PID}")" -v p="$(rss_kib "$PROXY_PID")" \
  'BEGIN { printf "| RSS after the run | %.0f MiB | %.0f MiB | %.0f MiB | %.1f× |\n", h / 1024, g / 1024, p / 1024, p / h }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
