#!/bin/sh
# proxy_bench.sh - wrk against meshproxy, nginx and HAProxy, each a reverse
# proxy with one worker in front of the same upstream (proxy_upstream, 1 KiB
# responses) on loopback, keep-alive on both sides, 64 connections; plus wrk
# straight at the upstream as the ceiling.  Prints one table: requests/s,
# p50, p99 and the proxy's CPU use (% of one core) during the run.
#
#   tools/bench/proxy_bench.sh [BUILD_DIR] [SECONDS] [ROUNDS]
#
# A loopback benchmark on a shared machine drifts by 10-20% from one minute to
# the next, so the targets take turns: ROUNDS rounds (default 5), each running
# every target once, and the table gives each target's median figures with
# the range of its requests/s.
#
# Needs wrk, nginx and haproxy (Debian packages wrk, nginx-light, haproxy);
# a missing one is reported and its row skipped.  A figure, not a test.
set -u
BUILD=${1:-build}
DUR=${2:-10}
ROUNDS=${3:-5}
CONNS=64
UP=18080 MP=18081 NG=18082 HA=18083
if ! command -v wrk >/dev/null; then
  echo "proxy_bench: wrk is not installed (apt-get install wrk); nothing measured" >&2
  exit 1
fi
BENCH_NAME=proxy_bench
. "$(dirname "$0")/proxy_common.sh"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# wrk's latency ("236.00us", "1.94ms", "1.02s") in milliseconds
to_ms() { awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); n = v + 0;
  if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.3f", n }'; }

# run NAME PORT PID: wrk at the port, CPU of PID during the run; appends
# "NAME<TAB>rps<TAB>p50_ms<TAB>p99_ms<TAB>cpu%<TAB>errors" to $TMP/results
run() {
  name=$1 port=$2 pid=$3
  wrk -t1 -c$CONNS -d2s -H "Host: bench" "http://127.0.0.1:$port/" >/dev/null 2>&1
  t0=$(cpu_ticks "$pid")
  out=$(wrk -t1 -c$CONNS -d${DUR}s --latency -H "Host: bench" "http://127.0.0.1:$port/" 2>&1)
  t1=$(cpu_ticks "$pid")
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")
  p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
  errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {printf "%s ", $0}')
  hz=$(getconf CLK_TCK)
  cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v d="$DUR" 'BEGIN {printf "%.0f", (b - a) / hz / d * 100}')
  printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$rps" "$p50" "$p99" "$cpu" "$errs" >> "$TMP/results"
}

# the median of column COL of NAME's rows
median() {
  awk -F '\t' -v n="$1" -v c="$2" '$1 == n {print $c}' "$TMP/results" | sort -g |
    awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# one table row: medians, the requests/s range, any errors seen
row() {
  name=$1
  lo=$(awk -F '\t' -v n="$name" '$1 == n {print $2}' "$TMP/results" | sort -g | head -1)
  hi=$(awk -F '\t' -v n="$name" '$1 == n {print $2}' "$TMP/results" | sort -g | tail -1)
  errs=$(awk -F '\t' -v n="$name" '$1 == n && $6 != "" {print $6}' "$TMP/results" | head -1)
  printf "%-22s %12.0f %17s %9.2fms %9.2fms %6.0f%% %s\n" "$name" "$(median "$name" 2)" \
    "$(printf "%.0f-%.0f" "$lo" "$hi")" "$(median "$name" 3)" "$(median "$name" 4)" "$(median "$name" 5)" "$errs"
}

"$BUILD/tools/proxy_upstream" $UP 1024 & UPID=$!
PIDS="$PIDS $UPID"

write_mesh_yaml "$TMP/mesh.yaml" $UP
"$BUILD/tools/meshproxy" -c "$TMP/mesh.yaml" --listen 127.0.0.1:$MP --admin none --workers 1 \
  2>"$TMP/meshproxy.err" & MPID=$!
PIDS="$PIDS $MPID"

NGPID=""
if command -v nginx >/dev/null; then
  mkdir -p "$TMP/nginx/logs"
  cat > "$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  upstream up { server 127.0.0.1:$UP; keepalive 64; }
  server {
    listen 127.0.0.1:$NG;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
  nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx.err" &
  sleep 0.3
  NGPID=$(cat "$TMP/nginx/nginx.pid" 2>/dev/null)
  NGW=$(pgrep -P "$NGPID" | head -1)
  PIDS="$PIDS $NGPID"
else
  echo "proxy_bench: nginx is not installed (apt-get install nginx-light); its row is skipped" >&2
fi

HAPID=""
if command -v haproxy >/dev/null; then
  cat > "$TMP/haproxy.cfg" <<CONF
global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:$HA
  default_backend be
backend be
  server s1 127.0.0.1:$UP
CONF
  haproxy -f "$TMP/haproxy.cfg" -db 2>"$TMP/haproxy.err" & HAPID=$!
  PIDS="$PIDS $HAPID"
else
  echo "proxy_bench: haproxy is not installed (apt-get install haproxy); its row is skipped" >&2
fi
sleep 0.5

echo "proxy_bench: wrk -t1 -c$CONNS -d${DUR}s, $ROUNDS rounds, 1 KiB responses, keep-alive, loopback, $(nproc) cores"
: > "$TMP/results"
for round in $(seq 1 "$ROUNDS"); do
  run "upstream (ceiling)" $UP $UPID
  run "meshproxy 1 worker" $MP $MPID
  [ -n "$NGPID" ] && run "nginx 1 worker" $NG "${NGW:-$NGPID}"
  [ -n "$HAPID" ] && run "haproxy 1 thread" $HA $HAPID
done
printf "%-22s %12s %17s %11s %11s %7s\n" "target (median)" "requests/s" "range" "p50" "p99" "CPU"
row "upstream (ceiling)"
row "meshproxy 1 worker"
[ -n "$NGPID" ] && row "nginx 1 worker"
[ -n "$HAPID" ] && row "haproxy 1 thread"
exit 0
