/*
 * charts_int.h - what the chart modules (charts_*.c) share: the table entry
 * each chart provides, and helpers that write gnuplot script text.
 *
 * A chart writes its data once (`data`: `$name << EOD` blocks) and its plot
 * commands once per output terminal (`plot`: SVG, then PNG), so the two
 * files show the same thing.  Every range is set explicitly from the data, so
 * gnuplot never has to guess one and never prints a warning about it.
 */
#ifndef RPT_CHARTS_INT_H
#define RPT_CHARTS_INT_H

#include <stddef.h>
#include <stdio.h>

#include "reports/charts_data.h"

typedef struct rpt__chart {
    const char *name;  /* file stem */
    const char *title; /* for the page */
    /* size in pixels for this data */
    void (*size)(const rpt_chart_data *d, int *width, int *height);
    void (*data)(FILE *gp, const rpt_chart_data *d);
    void (*plot)(FILE *gp, const rpt_chart_data *d);
} rpt__chart;

extern const rpt__chart rpt__chart_latency, rpt__chart_traffic, rpt__chart_split, rpt__chart_cdf,
    rpt__chart_domains;

#define RPT__MAX_PANELS 12 /* routes or services drawn as panels or lines */

/* Write `s` as a gnuplot single-quoted string (quotes doubled). */
void rpt__gp_string(FILE *gp, const char *s);
/* Write a number the way the data blocks need it ("%.9g"). */
void rpt__gp_number(FILE *gp, double v);

/* The measured interval, [warmup, duration), never empty. */
void rpt__time_range(const rpt_chart_data *d, double *lo, double *hi);
/* The window length: window_s, else the smallest gap between window starts,
 * else the measured interval. */
double rpt__window_s(const rpt_chart_data *d);
/* The measured part of the window starting at t: the last window of a run
 * may end at the run's end, before t + window. */
double rpt__window_len(const rpt_chart_data *d, double t);
/* "set xrange / xlabel" for a time axis over the measured interval. */
void rpt__gp_time_axis(FILE *gp, const rpt_chart_data *d);
/* A value's upper axis bound: 10% headroom, at least `floor_` when all is 0. */
double rpt__axis_max(double max, double floor_);

/* Indexes of up to `cap` series with traffic, busiest first (ties by id).
 * Returns how many; *total gets how many series had traffic. */
size_t rpt__busiest_series(const rpt_chart_data *d, size_t *out, size_t cap, size_t *total);

/* The distinct window starts of all series, sorted: the time grid. */
typedef struct rpt__grid {
    double *t;
    size_t n;
} rpt__grid;
void rpt__grid_init(rpt__grid *g, const rpt_chart_data *d);
void rpt__grid_fini(rpt__grid *g);
/* Index of time t in the grid (t must be one of its values). */
size_t rpt__grid_index(const rpt__grid *g, double t);

/* Distinct destination services with traffic, busiest first, at most `cap`;
 * names borrowed from the series.  Returns how many. */
size_t rpt__services(const rpt_chart_data *d, const char **out, size_t cap, size_t *total);

/* Timeline objects (faults, ejections and pods down shaded; pushes, rollout
 * steps and failed assertions as vertical lines) for the current plot, and the legend
 * entries for the kinds present (`keyentry` plot items, each preceded by ", "). */
void rpt__gp_timeline_objects(FILE *gp, const rpt_chart_data *d);
void rpt__gp_timeline_keys(FILE *gp, const rpt_chart_data *d);
void rpt__gp_timeline_clear(FILE *gp);

/* Panel grid for n panels: 1 column for 1 panel, else 2. */
void rpt__panel_layout(size_t n, int *rows, int *cols);

/* A plot saying `message` in place of an empty chart. */
void rpt__gp_empty(FILE *gp, const char *title, const char *message);

#endif
