#!/bin/sh
# Checks `meshsim test` end to end: how scenarios are found in directories,
# the one line per scenario in the order found (the same with -j 3 as with
# -j 1), "N passed, N failed", exit statuses (0 all pass, 1 one failed, 2 bad
# input with nothing run), JUnit XML validated against tests/tools/junit.xsd
# with xmllint, report directories with -o, and replications: the interval in
# the verdicts, one report directory per replication, replication 0 equal to
# the single run, and --replications 1 byte-identical to a plain run.
# usage: harness.sh MESHSIM SOURCE_DIR WORK_DIR
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
lacks() { # name file text
  if grep -qF -- "$3" "$2"; then
    echo "FAIL $1: output has: $3"; sed 's/^/  | /' "$2"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
}
same() { # name file1 file2
  if cmp -s "$2" "$3"; then passes=$((passes + 1)); else
    echo "FAIL $1: $2 and $3 differ"; diff "$2" "$3" | head -20; fails=$((fails + 1)); fi
}

# scenario NAME RATE MAXMS: a one-server queue, 3 simulated seconds
scenario() {
  cat <<YAML
apiVersion: meshsim/v1alpha1
kind: Scenario
metadata: {name: $1}
spec:
  duration: 3s
  warmup: 500ms
  seed: 5
  assertions:
    - {name: mean under $3ms, metric: latency.mean, select: {source: load}, max: $3ms}
    - {name: nearly all served, metric: success_rate, select: {source: load}, min: 99%}
---
YAML
  model "$2"
}
model() {
  cat <<YAML
apiVersion: v1
kind: Service
metadata: {name: server}
spec: {selector: {app: server}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: server}
spec: {replicas: 1, template: {metadata: {labels: {app: server}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client}
spec: {replicas: 1, template: {metadata: {labels: {app: client}}}}
---
apiVersion: meshsim/v1alpha1
kind: WorkloadModel
metadata: {name: server}
spec: {selector: {app: server}, concurrency: 1, serviceTime: {dist: exponential, mean: 1ms}}
---
apiVersion: meshsim/v1alpha1
kind: Traffic
metadata: {name: load}
spec:
  sources: [{name: load, from: {app: client}, url: http://server/, rate: $1rps}]
YAML
}

# --- usage --------------------------------------------------------------------
"$meshsim" test --help >"$work/out" 2>&1; check help 0 $?
contains help "$work/out" "--junit FILE"
"$meshsim" help test >"$work/out" 2>&1; check help-test 0 $?
contains help-test "$work/out" "-j, --jobs N"
"$meshsim" --help >"$work/out" 2>&1
contains main-help "$work/out" "test FILE|DIR..."
"$meshsim" test >"$work/out" 2>&1; check no-paths 2 $?
contains no-paths "$work/out" "meshsim: error: test needs at least one FILE or DIR"
"$meshsim" test -j 0 "$src/scenarios" >"$work/out" 2>&1; check jobs-zero 2 $?
contains jobs-zero "$work/out" 'meshsim: error: -j takes a whole number from 1 to 256, not "0"'
"$meshsim" test --replications x "$src/scenarios" >"$work/out" 2>&1; check bad-reps 2 $?
"$meshsim" test "$work/nowhere" >"$work/out" 2>&1; check missing 2 $?
contains missing "$work/out" "$work/nowhere: error: cannot open: No such file or directory"

# --- finding scenarios ----------------------------------------------------------
# t/a: one Scenario file plus a file it does not include -> the directory is one
#      scenario, loaded whole (as `meshsim run t/a`);
# t/b: two Scenario files and a subdirectory with one -> three scenarios, in
#      name order (sub/ before x.yaml).
t=$work/t
mkdir -p "$t/a/parts" "$t/b/sub"
printf 'apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: dir-a}\nspec:\n  duration: 2s\n  assertions:\n    - {name: served, metric: requests, select: {source: load}, min: 1}\n' >"$t/a/scenario.yaml"
model 100 >"$t/a/parts/model.yaml"
scenario sub-z 100 50 >"$t/b/sub/z.yaml"
scenario b-x 100 50 >"$t/b/x.yaml"
scenario b-y 100 50 >"$t/b/y.yaml"
printf '# not a scenario\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n' >"$t/b/extra.yaml"
"$meshsim" test "$t" >"$work/out" 2>&1; check find 0 $?
awk '{print $1, $2}' "$work/out" | head -4 >"$work/names"
printf 'PASS dir-a\nPASS sub-z\nPASS b-x\nPASS b-y\n' >"$work/names.want"
same find-order "$work/names" "$work/names.want"
contains find "$work/out" "4 passed, 0 failed"
"$meshsim" test "$t/b/x.yaml" "$t/a" >"$work/out" 2>&1; check find-args 0 $?
awk '{print $2}' "$work/out" | head -2 | tr '\n' ' ' >"$work/names"
printf 'b-x dir-a ' >"$work/names.want"
same find-arg-order "$work/names" "$work/names.want"
"$meshsim" test "$t/b/extra.yaml" >"$work/out" 2>&1; check no-scenario-file 2 $?
contains no-scenario-file "$work/out" "$t/b/extra.yaml: error: no Scenario document in this file"
"$meshsim" test "$t" --exclude "$t/b/sub" --exclude "$t/b/y.yaml" >"$work/out" 2>&1; check exclude 0 $?
awk '{print $2}' "$work/out" | head -2 | tr '\n' ' ' >"$work/names"
printf 'dir-a b-x ' >"$work/names.want"
same exclude-names "$work/names" "$work/names.want"
contains exclude "$work/out" "2 passed, 0 failed"
"$meshsim" test "$t" --exclude "$t/nowhere" >"$work/out" 2>&1; check exclude-missing 2 $?
contains exclude-missing "$work/out" "$t/nowhere: error: cannot open: No such file or directory"
mkdir -p "$work/empty"
"$meshsim" test "$work/empty" >"$work/out" 2>&1; check no-scenario-dir 2 $?
contains no-scenario-dir "$work/out" "$work/empty: error: no Scenario document in this directory or below"

# --- bad input anywhere: positioned error, exit 2, nothing run --------------------
mkdir -p "$work/bad"
scenario good 100 50 >"$work/bad/a.yaml"
scenario broken 100 50 | sed 's/concurrency: 1/concurrncy: 1/' >"$work/bad/b.yaml"
"$meshsim" test "$work/bad" --junit "$work/bad.xml" >"$work/out" 2>&1; check bad-input 2 $?
contains bad-input "$work/out" "$work/bad/b.yaml:30:33: error: unknown field \"concurrncy\"; did you mean \"concurrency\"?"
lacks bad-input "$work/out" "PASS"
lacks bad-input "$work/out" "passed"
[ ! -e "$work/bad.xml" ]; check bad-input-no-junit 0 $?

# --- pass and fail, -j, JUnit ---------------------------------------------------------
mkdir -p "$work/mix"
scenario fast 200 50 >"$work/mix/1-fast.yaml"
scenario strict 200 0.5 >"$work/mix/2-strict.yaml"
scenario slow 600 50 >"$work/mix/3-slow.yaml"
"$meshsim" test "$work/mix" --junit "$work/j1.xml" >"$work/out1" 2>&1; check mixed 1 $?
contains mixed "$work/out1" "2 passed, 1 failed"
contains mixed "$work/out1" "strict ($work/mix/2-strict.yaml): FAIL mean under 0.5ms: latency.mean observed"
contains mixed "$work/out1" "limit max 0.5ms"
grep -q '^FAIL   strict .*1/2 held  worst: mean under 0.5ms (.*% beyond the limit)$' "$work/out1"
check fail-line 0 $?
grep -q '^PASS   fast .*2/2 held  tightest: ' "$work/out1"; check pass-line 0 $?
"$meshsim" test "$work/mix" -j 3 --junit "$work/j3.xml" >"$work/out3" 2>&1; check mixed-j3 1 $?
sed 's/ *[0-9.]*s  / T  /' "$work/out1" >"$work/o1"
sed 's/ *[0-9.]*s  / T  /' "$work/out3" >"$work/o3"
same jobs-same-output "$work/o1" "$work/o3"
xmllint --noout --schema "$src/tests/tools/junit.xsd" "$work/j1.xml" 2>"$work/xl"; check junit-valid 0 $?
xmllint --noout --schema "$src/tests/tools/junit.xsd" "$work/j3.xml" 2>"$work/xl"; check junit-valid-j3 0 $?
contains junit "$work/j1.xml" '<testsuite name="meshsim" tests="6" failures="1" errors="0"'
contains junit "$work/j1.xml" '<testcase name="mean under 0.5ms" classname="strict"'
contains junit "$work/j1.xml" '<failure message="latency.mean observed'
contains junit "$work/j1.xml" 'limit max 0.5ms" type="assertion">'
[ "$(grep -c '<testcase ' "$work/j1.xml")" = 6 ]; check junit-cases 0 $?
ls "$work" | grep -q 'xml.tmp'; check junit-no-temp 1 $?
"$meshsim" test "$work/mix/1-fast.yaml" --junit "$work/nodir/j.xml" >"$work/out" 2>&1
check junit-unwritable 2 $?
contains junit-unwritable "$work/out" "meshsim: error: cannot create $work/nodir/j.xml.tmp."

# --- a scenario without assertions; a scenario whose report cannot be written ----------
printf 'apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: quiet}\nspec: {duration: 1s}\n---\n' >"$work/quiet.yaml"
model 50 >>"$work/quiet.yaml"
"$meshsim" test "$work/quiet.yaml" --junit "$work/jq.xml" >"$work/out" 2>&1; check no-assertions 0 $?
contains no-assertions "$work/out" "0/0 held  (no assertions)"
contains no-assertions "$work/jq.xml" '<testcase name="scenario runs" classname="quiet"'
xmllint --noout --schema "$src/tests/tools/junit.xsd" "$work/jq.xml" 2>"$work/xl"; check junit-quiet-valid 0 $?
touch "$work/afile"
"$meshsim" test "$work/mix/1-fast.yaml" "$work/quiet.yaml" -j 2 -o "$work/afile" --junit "$work/je.xml" >"$work/out" 2>&1
check report-error 1 $?
grep -q "^ERROR  fast .*cannot create $work/afile/fast.tmp" "$work/out"; check report-error-line 0 $?
contains report-error "$work/out" "0 passed, 2 failed"
contains report-error "$work/je.xml" 'errors="3"'
contains report-error "$work/je.xml" '<error message="cannot create'
xmllint --noout --schema "$src/tests/tools/junit.xsd" "$work/je.xml" 2>"$work/xl"; check junit-error-valid 0 $?

# --- report directories ----------------------------------------------------------------
"$meshsim" test "$work/mix/1-fast.yaml" "$work/mix/1-fast.yaml" -o "$work/reports" >"$work/out" 2>&1
check reports 0 $?
[ -s "$work/reports/fast/summary.json" ] && [ -s "$work/reports/fast/results.sqlite" ] &&
  [ -s "$work/reports/fast-2/summary.json" ]; check report-files 0 $?
"$meshsim" run "$work/mix/1-fast.yaml" --quiet -o "$work/run-fast" >"$work/out" 2>&1
same report-equals-run "$work/reports/fast/summary.json" "$work/run-fast/summary.json"

# --- replications ------------------------------------------------------------------------
"$meshsim" test "$work/mix" --replications 4 -j 2 -o "$work/rep" --junit "$work/jr.xml" >"$work/out" 2>&1
check reps 1 $?
contains reps "$work/out" "2/2 held, 4 replications"
contains reps "$work/out" "latency.mean mean "
contains reps "$work/out" "95% CI ["
contains reps "$work/out" "over 4 replications, limit max 0.5ms"
contains reps "$work/out" "an assertion holds only when its whole 95% interval is within the limit"
xmllint --noout --schema "$src/tests/tools/junit.xsd" "$work/jr.xml" 2>"$work/xl"; check junit-reps-valid 0 $?
contains junit-reps "$work/jr.xml" "4 replications from seed 5"
for i in 0000 0001 0002 0003; do
  [ -s "$work/rep/fast/replications/$i/results.sqlite" ] && [ -s "$work/rep/fast/replications/$i/summary.json" ]
  check "replication-dir-$i" 0 $?
done
[ ! -e "$work/rep/fast/replications/0004" ]; check replication-count 0 $?
same replication-0-is-the-run "$work/rep/fast/replications/0000/summary.json" "$work/run-fast/summary.json"
contains rep-summary "$work/rep/fast/summary.json" '"count": 4'
contains rep-summary "$work/rep/fast/summary.json" '"ci95": {'
"$meshsim" run "$work/mix/1-fast.yaml" --replications 1 --quiet -o "$work/run-fast-1" >"$work/out" 2>&1
check run-reps-1 0 $?
same replications-1-unchanged "$work/run-fast/summary.json" "$work/run-fast-1/summary.json"
"$meshsim" run "$work/mix/1-fast.yaml" --replications 4 -o "$work/run-rep" >"$work/out" 2>&1
check run-reps 0 $?
same run-and-test-reps "$work/rep/fast/summary.json" "$work/run-rep/summary.json"
contains run-reps "$work/out" "(figures: mean ± half-width of the 95% confidence interval)"
# the same directory again with fewer replications: the extra ones go
"$meshsim" run "$work/mix/1-fast.yaml" --replications 2 --quiet -o "$work/run-rep" >"$work/out" 2>&1
check reuse-dir 0 $?
[ -d "$work/run-rep/replications/0001" ] && [ ! -e "$work/run-rep/replications/0002" ]
check reuse-dir-stale-removed 0 $?
contains reuse-dir "$work/run-rep/summary.json" '"count": 2'
sed 's/seed: 5/seed: 5\n  replications: 4/' "$work/mix/1-fast.yaml" >"$work/fast-r4.yaml"
"$meshsim" run "$work/fast-r4.yaml" --quiet -o "$work/run-rep-yaml" >"$work/out" 2>&1
check scenario-replications 0 $?
same scenario-replications-same "$work/rep/fast/summary.json" "$work/run-rep-yaml/summary.json"

# Ctrl-C during replications: exit 130, every replication run so far has its
# report (the stopped one marked interrupted), the summary combines the
# complete ones (or the stopped one alone)
timeout --preserve-status -s INT 5 "$meshsim" run "$src/scenarios/long/bookinfo-1h.yaml" --quiet \
  -o "$work/int" >"$work/out" 2>&1
check interrupted 130 $?
contains interrupted "$work/out" "meshsim: interrupted: report $work/int keeps the replications run so far"
n=$(ls "$work/int/replications" | wc -l)
last=$(ls "$work/int/replications" | tail -1)
[ "$(sqlite3 "$work/int/replications/$last/results.sqlite" "SELECT value FROM run WHERE key = 'status'")" = interrupted ]
check interrupted-last 0 $?
[ "$(sqlite3 "$work/int/replications/$last/results.sqlite" "SELECT value FROM run WHERE key = 'replication'")" = "$((n - 1))" ]
check interrupted-index 0 $?
want=$((n > 1 ? n - 1 : 1))
contains interrupted-count "$work/int/summary.json" "\"count\": $want,"

echo "harness: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
