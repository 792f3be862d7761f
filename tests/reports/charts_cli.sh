#!/bin/sh
# Checks the charts and report.html end to end through the command line:
#   - `meshsim run` leaves every chart (SVG; PNG too with --png) and
#     report.html in its report directory, all well-formed, nothing temporary,
#     and no warning from gnuplot;
#   - with a PATH that lacks gnuplot, the run still succeeds (exit 0), says so
#     in one line, and writes report.html without charts;
#   - `meshsim plot` redraws the same charts byte for byte from the stored
#     results.sqlite, into another directory; exits 1 without gnuplot and 2 on
#     bad usage or an unreadable file.
# usage: charts_cli.sh MESHSIM SOURCE_DIR WORK_DIR
meshsim=$1 src=$2 work=$3
fails=0 passes=0
rm -rf "$work" && mkdir -p "$work"
charts="latency traffic split cdf domains"

check() { # name expected-status actual-status
  if [ "$2" = "$3" ]; then passes=$((passes + 1)); else
    echo "FAIL $1: exit status $3, expected $2"; sed 's/^/  | /' "$work/err" 2>/dev/null
    fails=$((fails + 1)); fi
}
ok() { # name: the previous test command succeeded
  if [ "$2" = 0 ]; then passes=$((passes + 1)); else echo "FAIL $1"; fails=$((fails + 1)); fi
}
contains() { # name file text
  if grep -qF -- "$3" "$2"; then passes=$((passes + 1)); else
    echo "FAIL $1: output lacks: $3"; sed 's/^/  | /' "$2"; fails=$((fails + 1)); fi
}
lacks() { # name file text
  if grep -qF -- "$3" "$2"; then echo "FAIL $1: output has: $3"; sed 's/^/  | /' "$2"
    fails=$((fails + 1)); else passes=$((passes + 1)); fi
}

# a run draws every chart and the page
"$meshsim" run "$src/scenarios/bookinfo" --duration 20s --quiet -o "$work/run" >"$work/out" 2>"$work/err"
check run 0 $?
lacks run-no-chart-warning "$work/err" "meshsim: warning: chart"
lacks run-no-page-warning "$work/err" "report.html not written"
if grep -qE 'line [0-9]+:' "$work/err"; then echo "FAIL run-gnuplot-said-something"
  sed 's/^/  | /' "$work/err"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
lacks run-no-gnuplot-warning "$work/err" "gnuplot"
for c in $charts; do
  [ -s "$work/run/$c.svg" ] && xmllint --noout "$work/run/$c.svg"; ok "run-$c.svg" $?
  [ ! -e "$work/run/$c.png" ]; ok "run-no-$c.png" $?
done
xmllint --noout "$work/run/report.html"; ok run-report-html $?
[ "$(grep -c '<svg class="chart"' "$work/run/report.html")" = 5 ]; ok run-report-has-5-charts $?
[ -z "$(find "$work" -name '*.tmp*')" ]; ok run-no-temporary $?

# --png adds PNG files
"$meshsim" run "$src/scenarios/bookinfo" --duration 20s --quiet --png -o "$work/png" >"$work/out" 2>"$work/err"
check run-png 0 $?
for c in $charts; do
  [ "$(head -c 4 "$work/png/$c.png" | tail -c 3)" = PNG ]; ok "run-$c.png" $?
done

# no gnuplot on PATH: the run succeeds, one line says why there is no chart
empty="$work/empty-bin" && mkdir -p "$empty"
PATH="$empty" "$meshsim" run "$src/scenarios/bookinfo" --duration 20s --quiet -o "$work/nognuplot" \
  >"$work/out" 2>"$work/err"
check run-without-gnuplot 0 $?
[ "$(grep -c gnuplot "$work/err")" = 1 ]; ok run-without-gnuplot-one-line $?
contains run-without-gnuplot "$work/err" "meshsim: warning: gnuplot not found on PATH: no charts drawn (install gnuplot-nox)"
[ -s "$work/nognuplot/report.html" ] && [ -s "$work/nognuplot/results.sqlite" ]; ok run-without-gnuplot-report $?
[ -z "$(ls "$work/nognuplot" | grep -E '\.(svg|png)$')" ]; ok run-without-gnuplot-no-chart $?
contains run-without-gnuplot-page "$work/nognuplot/report.html" "No chart was drawn: gnuplot was not found"

# plot redraws the same charts from the stored file
"$meshsim" plot "$work/run/results.sqlite" -o "$work/replot" --png >"$work/out" 2>"$work/err"
check plot 0 $?
contains plot-says-where "$work/out" "report: $work/replot/report.html (5 of 5 charts drawn)"
for c in $charts; do
  cmp -s "$work/run/$c.svg" "$work/replot/$c.svg"; ok "plot-same-$c.svg" $?
  [ -s "$work/replot/$c.png" ]; ok "plot-$c.png" $?
done
cmp -s "$work/run/report.html" "$work/replot/report.html"; ok plot-same-report-html $?
# by default beside the results file
cp "$work/run/results.sqlite" "$work/beside.sqlite"
"$meshsim" plot "$work/beside.sqlite" >"$work/out" 2>"$work/err"; check plot-beside 0 $?
[ -s "$work/report.html" ] && [ -s "$work/latency.svg" ]; ok plot-beside-files $?

PATH="$empty" "$meshsim" plot "$work/run/results.sqlite" -o "$work/replot-nognuplot" >"$work/out" 2>"$work/err"
check plot-without-gnuplot 1 $?
contains plot-without-gnuplot "$work/out" "(0 of 5 charts drawn)"

"$meshsim" help plot >"$work/out" 2>&1; check plot-help 0 $?
contains plot-help "$work/out" "usage: meshsim plot RESULTS.sqlite [-o DIR] [--png]"
"$meshsim" plot >"$work/out" 2>&1; check plot-no-file 2 $?
contains plot-no-file "$work/out" "meshsim: error: plot needs a RESULTS.sqlite file"
"$meshsim" plot "$work/missing.sqlite" >"$work/out" 2>&1; check plot-missing 2 $?
contains plot-missing "$work/out" "meshsim: error: $work/missing.sqlite: No such file or directory"
"$meshsim" plot "$work/run/results.sqlite" --colour >"$work/out" 2>&1; check plot-bad-option 2 $?
contains plot-bad-option "$work/out" 'meshsim: error: unknown option "--colour"'
echo "not a database, only text long enough to be read as a header" >"$work/text.sqlite"
"$meshsim" plot "$work/text.sqlite" -o "$work/text-out" >"$work/out" 2>&1; check plot-not-db 2 $?
contains plot-not-db "$work/out" "meshsim: error: $work/text.sqlite: reading table run: file is not a database"
[ ! -e "$work/text-out/report.html" ]; ok plot-not-db-no-page $?

echo "charts_cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
