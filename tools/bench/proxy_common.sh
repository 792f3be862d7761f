# proxy_common.sh - sourced by proxy_bench.sh and proxy_instructions.sh: the
# temporary folder and background processes both scripts clean up on exit,
# the check that meshproxy and proxy_upstream are built, and the meshproxy
# configuration that routes host "bench" to the upstream.  Not run alone.
#
# The sourcing script sets BENCH_NAME (its name in messages) and BUILD first.

TMP=$(mktemp -d)
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

for b in "$BUILD/tools/meshproxy" "$BUILD/tools/proxy_upstream"; do
  [ -x "$b" ] || { echo "$BENCH_NAME: $b not built (cmake --build $BUILD)" >&2; exit 1; }
done

# write_mesh_yaml FILE UPSTREAM_PORT: host "bench", port 80 -> 127.0.0.1:UPSTREAM_PORT
write_mesh_yaml() {
  cat > "$1" <<YAML
apiVersion: meshsim/v1alpha1
kind: Endpoints
metadata: {name: bench}
spec:
  services:
    - host: bench
      port: 80
      endpoints:
        - {address: "127.0.0.1:$2"}
YAML
}
