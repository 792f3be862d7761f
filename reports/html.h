/*
 * html.h - report.html: one self-contained page for a run, made from the
 * results file read back (charts_data.h) and the charts drawn from it.
 *
 * Top to bottom: the scenario, seed, meshsim version and run facts; the
 * verdict and the assertion table (pass/fail, observed value, limit); the
 * per-route summary; where the time went (domains); the timeline; every
 * chart, its SVG inlined.  The page loads nothing (a Content-Security-Policy
 * forbids any fetch) and runs no script, so it opens from disk, offline.  It
 * is also well-formed XML (every element closed, only XML's five named
 * entities), which lets tests check it with an XML parser.  All text from the
 * results file is escaped.
 */
#ifndef RPT_HTML_H
#define RPT_HTML_H

#include <stdio.h>

#include "reports/charts.h"
#include "reports/charts_data.h"

/* Write the page to `out`.  Charts are read from DIR/NAME.svg for each chart
 * drawn->svg[] marks; one that cannot be read is replaced by a note.  Returns
 * 0, or -1 when writing to `out` failed. */
int rpt_html_write(FILE *out, const rpt_chart_data *d, const char *dir,
                   const rpt_charts_drawn *drawn);

#endif
