/*
 * charts_cdf.c - cdf.svg: for each route (the busiest RPT__MAX_PANELS), the
 * share of its requests answered within a given latency, over the whole
 * measured run, from the series' whole-run histogram (latency_buckets rows
 * with t_s NULL).  The latency axis is logarithmic.  The curve is exact at
 * every bucket edge, linear within a bucket (buckets are at most 1% wide) and
 * flat across empty buckets.  Dotted lines mark 50% and 99%.
 */
#include <math.h>

#include "reports/charts_int.h"

static size_t pick(const rpt_chart_data *d, size_t *idx, size_t *total)
{
    size_t busiest[RPT__MAX_PANELS], n = rpt__busiest_series(d, busiest, RPT__MAX_PANELS, total);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (d->series[busiest[i]].nbuckets)
            idx[k++] = busiest[i];
    return k;
}

static void size(const rpt_chart_data *d, int *w, int *h)
{
    *w = 1000;
    *h = 560;
}

static void point(FILE *gp, double x, double y)
{
    rpt__gp_number(gp, x);
    fputc(' ', gp);
    rpt__gp_number(gp, y);
    fputc('\n', gp);
}

static void data(FILE *gp, const rpt_chart_data *d)
{
    size_t idx[RPT__MAX_PANELS];
    size_t n = pick(d, idx, NULL);
    for (size_t p = 0; p < n; p++) {
        const rpt_chart_series *s = &d->series[idx[p]];
        const rpt_chart_bucket *b = &d->buckets[s->first_bucket];
        uint64_t total = 0, run = 0;
        for (size_t i = 0; i < s->nbuckets; i++)
            total += b[i].count;
        fprintf(gp, "$cdf%zu << EOD\n", p);
        double prev_hi = 0;
        for (size_t i = 0; i < s->nbuckets; i++) {
            double lo_ms = (double)b[i].lo_ns / 1e6, hi_ms = (double)b[i].hi_ns / 1e6;
            double before = total ? 100.0 * (double)run / (double)total : 0;
            run += b[i].count;
            double after = total ? 100.0 * (double)run / (double)total : 0;
            /* flat across a gap of empty buckets, linear within a bucket */
            if (lo_ms > 0 && (i == 0 || lo_ms > prev_hi))
                point(gp, lo_ms, before);
            if (hi_ms > 0) /* a zero-latency bucket has no place on a log axis */
                point(gp, hi_ms, after);
            prev_hi = hi_ms;
        }
        fputs("EOD\n", gp);
    }
}

static void plot(FILE *gp, const rpt_chart_data *d)
{
    size_t idx[RPT__MAX_PANELS], total;
    size_t n = pick(d, idx, &total);
    if (!n) {
        rpt__gp_empty(gp, "Latency distribution", "no latency histogram was stored");
        return;
    }
    double lo = INFINITY, hi = 0;
    for (size_t p = 0; p < n; p++) {
        const rpt_chart_series *s = &d->series[idx[p]];
        const rpt_chart_bucket *b = &d->buckets[s->first_bucket];
        for (size_t i = 0; i < s->nbuckets; i++) {
            double a = (double)b[i].lo_ns / 1e6, z = (double)b[i].hi_ns / 1e6;
            if (a > 0 && a < lo)
                lo = a;
            if (z > 0 && z < lo)
                lo = z;
            if (z > hi)
                hi = z;
        }
    }
    if (!(hi > 0))
        hi = 1;
    if (!isfinite(lo) || lo >= hi)
        lo = hi / 10;
    /* whole decades around the data, so the log axis has labelled ticks */
    lo = pow(10, floor(log10(lo)));
    hi = pow(10, ceil(log10(hi)));
    char title[160];
    if (total > n)
        snprintf(title, sizeof title, "Latency distribution: the %zu busiest of %zu routes", n,
                 total);
    else
        snprintf(title, sizeof title, "Latency distribution per route (whole run)");
    fputs("set title ", gp);
    rpt__gp_string(gp, title);
    fputs(" font ',14'\nset logscale x 10\nset format x '%g'\nset xrange [", gp);
    rpt__gp_number(gp, lo);
    fputc(':', gp);
    rpt__gp_number(gp, hi);
    fputs("]\nset xlabel 'latency (ms, log scale)'\nset yrange [0:100]\nset ytics 0,10,100\n"
          "set ylabel 'requests answered within (%)'\nset grid xtics mxtics ytics lc rgb '#dddddd'\n"
          "set mxtics 10\nset key outside right top vertical\n"
          "set arrow from graph 0, first 50 to graph 1, first 50 nohead back dt 3 lc rgb '#888888'\n"
          "set arrow from graph 0, first 99 to graph 1, first 99 nohead back dt 3 lc rgb '#888888'\n"
          "set label 'p50' at graph 0.01, first 52 textcolor rgb '#666666'\n"
          "set label 'p99' at graph 0.01, first 96 textcolor rgb '#666666'\n"
          "plot ",
          gp);
    for (size_t p = 0; p < n; p++) {
        fprintf(gp, "%s$cdf%zu using 1:2 with lines lw 2 lt %zu title ", p ? ", " : "", p, p + 1);
        rpt__gp_string(gp, d->series[idx[p]].label);
    }
    fputs("\nunset arrow\nunset label\n", gp);
}

const rpt__chart rpt__chart_cdf = {"cdf", "Latency distribution per route (CDF)", size, data, plot};
