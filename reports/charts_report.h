/*
 * charts_report.h - the drawn part of a report directory: the charts and
 * report.html, made from the directory's results file.  `meshsim run` calls it
 * before the report directory is renamed into place; `meshsim plot` calls it
 * on a stored results file.
 */
#ifndef RPT_CHARTS_REPORT_H
#define RPT_CHARTS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Read `results` (a results.sqlite), draw every chart into `dir` (SVG, and
 * PNG when `png`) and write DIR/report.html (under a temporary name, renamed
 * when complete).  A chart that cannot be drawn, gnuplot missing included, is
 * a one-line warning on `notes`, not a failure; *ncharts (when not NULL)
 * gets how many charts were drawn, of RPT_NCHARTS (charts.h).  Returns 0, or -1 with a
 * one-line reason in err (cap bytes) when the results cannot be read or the
 * page cannot be written (no report.html is left then). */
int rpt_report_draw(const char *results, const char *dir, bool png, FILE *notes,
                    size_t *ncharts, char *err, size_t cap);

/* Remove what rpt_report_draw may have written into `dir` (the charts, SVG
 * and PNG, and report.html), for a report directory abandoned half-built. */
void rpt_report_draw_remove(const char *dir);

#endif
