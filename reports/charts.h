/*
 * charts.h - the run's charts, drawn by gnuplot from a results file read back
 * (charts_data.h):
 *
 *   latency.svg   p50/p90/p99 per window, one panel per route
 *   traffic.svg   request rate and error rate per window by destination
 *                 service, with the timeline (faults, ejections, pushes,
 *                 rollout steps, failed assertions) drawn over them
 *   split.svg     share of each service's requests per destination version
 *                 over time (stacked)
 *   cdf.svg       latency CDF per route over the whole run, log axis
 *   domains.svg   mean latency per route split by domain (stacked bars)
 *
 * SVG always, PNG (pngcairo) too when asked.  Each file is written under a
 * temporary name (.NAME.tmp) and renamed once gnuplot succeeded, so a
 * directory never holds half a chart.  Charts are an extra: when gnuplot is
 * missing or fails, a one-line note goes to `notes` and the caller carries on.
 */
#ifndef RPT_CHARTS_H
#define RPT_CHARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reports/charts_data.h"

#define RPT_NCHARTS 5

typedef struct rpt_charts_drawn {
    bool gnuplot_missing;
    bool svg[RPT_NCHARTS]; /* NAME.svg was written */
    bool png[RPT_NCHARTS]; /* NAME.png was written */
    size_t count;          /* charts with their SVG written */
} rpt_charts_drawn;

/* Chart i's file stem ("latency") and its title, for i < RPT_NCHARTS. */
const char *rpt_chart_name(size_t i);
const char *rpt_chart_title(size_t i);

/* Draw every chart of `d` into directory `dir` (which must exist).  Problems
 * are reported to `notes` (one line each, "meshsim: warning: ..."); *out says
 * what was written.  Never fails the caller. */
void rpt_charts_draw(const rpt_chart_data *d, const char *dir, bool png, FILE *notes,
                     rpt_charts_drawn *out);

#endif
