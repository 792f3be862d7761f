#!/bin/sh
# Checks the meshsim command line end to end: exit statuses (0 pass, 1 an
# assertion failed, 2 bad input or usage), positioned error messages, and that
# bad input leaves no report directory behind.
# usage: cli.sh MESHSIM SOURCE_DIR WORK_DIR
meshsim=$1 src=$2 work=$3
fails=0 passes=0
rm -rf "$work" && mkdir -p "$work"

check() { # name expected-status actual-status
  if [ "$2" = "$3" ]; then passes=$((passes + 1)); else
    echo "FAIL $1: exit status $3, expected $2"; fails=$((fails + 1)); fi
}
contains() { # name file text
  if grep -qF -- "$3" "$2"; then passes=$((passes + 1)); else
    echo "FAIL $1: output lacks: $3"; sed 's/^/  | /' "$2"; fails=$((fails + 1)); fi
}

"$meshsim" --help >"$work/out" 2>&1; check help 0 $?
contains help "$work/out" "run FILE|DIR..."
"$meshsim" run --help >"$work/out" 2>&1; check run-help 0 $?
contains run-help "$work/out" "--duration D"
"$meshsim" frobnicate >"$work/out" 2>&1; check unknown-command 2 $?
"$meshsim" run >"$work/out" 2>&1; check no-paths 2 $?
contains no-paths "$work/out" "meshsim: error: run needs at least one FILE or DIR"
"$meshsim" run "$src/scenarios/bookinfo" --duration 5mss -o "$work/x" >"$work/out" 2>&1
check bad-duration 2 $?
contains bad-duration "$work/out" 'meshsim: error: unknown duration unit "mss" in "5mss"'
"$meshsim" run "$src/scenarios/bookinfo" --seed -3 -o "$work/x" >"$work/out" 2>&1
check bad-seed 2 $?

# bad input: positioned message, exit 2, no report directory
cat >"$work/bad.yaml" <<'YAML'
apiVersion: meshsim/v1alpha1
kind: WorkloadModel
metadata: {name: w}
spec:
  selector: {app: w}
  serviceTim: 5ms
YAML
"$meshsim" run "$work/bad.yaml" -o "$work/bad-out" >"$work/out" 2>&1; check bad-input 2 $?
contains bad-input "$work/out" "$work/bad.yaml:6:3: error: unknown field \"serviceTim\"; did you mean \"serviceTime\"?"
if [ -e "$work/bad-out" ] || ls "$work" | grep -q tmp; then
  echo "FAIL bad-input: a report was left behind"; fails=$((fails + 1)); else passes=$((passes + 1)); fi

# a passing run writes the report; a failing assertion exits 1 with its figures
"$meshsim" run "$src/scenarios/bookinfo" --duration 10s --quiet -o "$work/ok" >"$work/out" 2>&1
check pass 0 $?
[ -s "$work/ok/summary.json" ] && [ -s "$work/ok/results.sqlite" ]; check report-files 0 $?
sed 's/max: 250ms/max: 1ms/' "$src/scenarios/bookinfo/scenario.yaml" >"$work/strict.yaml"
cp "$src/scenarios/bookinfo/manifests.yaml" "$src/scenarios/bookinfo/networking.yaml" \
   "$src/scenarios/bookinfo/behaviour.yaml" "$work/"
"$meshsim" run "$work/strict.yaml" --duration 10s --quiet -o "$work/strict" >"$work/out" 2>&1
check assertion-fails 1 $?
contains assertion-fails "$work/out" "FAIL product page p99 under 250ms: latency.p99 observed"
contains assertion-fails "$work/out" "limit max 1ms"

# --export: a bad format is refused before anything runs; good ones add their files
"$meshsim" run "$src/scenarios/bookinfo" --export xml -o "$work/exp-bad" >"$work/out" 2>&1
check export-bad 2 $?
contains export-bad "$work/out" 'meshsim: error: --export takes csv, json or prom (or a comma list), not "xml"'
"$meshsim" run "$src/scenarios/bookinfo" --duration 10s --quiet --export csv,prom --export json \
  -o "$work/exp" >"$work/out" 2>&1
check export 0 $?
[ -s "$work/exp/series.csv" ] && [ -s "$work/exp/series.jsonl" ] && [ -s "$work/exp/metrics.prom" ]
check export-files 0 $?

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
