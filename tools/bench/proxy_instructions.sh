#!/bin/sh
# proxy_instructions.sh - instructions meshproxy executes per proxied request
# (keep-alive GETs through one worker to proxy_upstream, 1 KiB responses),
# counted by valgrind's callgrind: a figure that does not depend on the
# machine's load, unlike proxy_bench.sh's requests/s.  Counters are zeroed
# once meshproxy is up (startup excluded), wrk runs for SECONDS, the count is
# divided by the requests meshproxy served (its downstream_rq_total).
#
#   tools/bench/proxy_instructions.sh [BUILD_DIR] [SECONDS] [MESHPROXY_OPTION...]
#
# Needs valgrind, wrk and curl (Debian packages).  A figure, not a test.
set -u
BUILD=${1:-build}
DUR=${2:-5}
[ $# -ge 2 ] && shift 2 || set --
UP=18090 MP=18091 AD=18092
for t in valgrind callgrind_control wrk curl; do
  command -v $t >/dev/null || { echo "proxy_instructions: $t is not installed; nothing measured" >&2; exit 1; }
done
BENCH_NAME=proxy_instructions
. "$(dirname "$0")/proxy_common.sh"

"$BUILD/tools/proxy_upstream" $UP 1024 & PIDS="$PIDS $!"
write_mesh_yaml "$TMP/mesh.yaml" $UP
valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" \
  "$BUILD/tools/meshproxy" -c "$TMP/mesh.yaml" --listen 127.0.0.1:$MP --admin 127.0.0.1:$AD --workers 1 \
  "$@" 2>"$TMP/valgrind.err" & MPID=$!
PIDS="$PIDS $MPID"
i=0
until wrk -t1 -c1 -d1s -H "Host: bench" "http://127.0.0.1:$MP/" 2>/dev/null | grep -q "Requests/sec"; do
  i=$((i + 1))
  [ $i -lt 60 ] || { echo "proxy_instructions: meshproxy did not start" >&2; cat "$TMP/valgrind.err" >&2; exit 1; }
  sleep 1
done
stats() { curl -s "http://127.0.0.1:$AD/stats" | awk -F': ' '$1 == "http.meshproxy.downstream_rq_total" {print $2}'; }
before=$(stats)
callgrind_control -z "$MPID" >/dev/null 2>&1
wrk -t1 -c16 -d"${DUR}s" -H "Host: bench" "http://127.0.0.1:$MP/" >/dev/null 2>&1
callgrind_control -d "$MPID" >/dev/null 2>&1
after=$(stats)
sleep 1
ir=$(for f in "$TMP"/cg.out*; do awk '/^summary:/ {print $2}' "$f"; done | sort -n | tail -1)
n=$((after - before))
[ "$n" -gt 0 ] || { echo "proxy_instructions: no request served" >&2; exit 1; }
awk -v ir="$ir" -v n="$n" 'BEGIN {printf "requests %d  instructions %.0f  per request %.0f\n", n, ir, ir / n}'
