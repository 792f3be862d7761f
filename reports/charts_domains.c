/*
 * charts_domains.c - domains.svg: where each route's time went, as horizontal
 * stacked bars of the mean time per request spent in each domain (ingress,
 * mesh, node network, then the application split into its queue, waiting for
 * one of its concurrency slots, and its service), which add up to the mean
 * latency.  The page's domain table has the same columns.  The
 * busiest routes (up to MAX_BARS) are drawn, the busiest on top; each route's
 * label is its y tic and its mean latency is written at the end of its bar.
 */
#include "reports/charts_int.h"

#define MAX_BARS 24

static const char *const colors[RPT_CHART_NPARTS] = {"#4e79a7", "#f28e2b", "#59a14f", "#ff9d9a",
                                                     "#e15759"};
static const char *const keys[RPT_CHART_NPARTS] = {"ingress", "mesh (sidecars)", "node network",
                                                   "app queue", "app service"};

static void size(const rpt_chart_data *d, int *w, int *h)
{
    size_t idx[MAX_BARS];
    size_t n = rpt__busiest_series(d, idx, MAX_BARS, NULL);
    *w = 1100;
    *h = 170 + 34 * (int)(n ? n : 1);
}

/* One block per domain: bar index, left and right end of the segment. */
static void data(FILE *gp, const rpt_chart_data *d)
{
    size_t idx[MAX_BARS];
    size_t n = rpt__busiest_series(d, idx, MAX_BARS, NULL);
    for (int k = 0; k < RPT_CHART_NPARTS; k++) {
        fprintf(gp, "$dom%d << EOD\n", k);
        for (size_t b = 0; b < n; b++) {
            const rpt_chart_series *s = &d->series[idx[b]];
            double left = 0;
            for (int j = 0; j < k; j++)
                left += s->domain_ms[j] > 0 ? s->domain_ms[j] : 0;
            double len = s->domain_ms[k] > 0 ? s->domain_ms[k] : 0;
            fprintf(gp, "%zu ", n - b); /* the busiest on top */
            rpt__gp_number(gp, left);
            fputc(' ', gp);
            rpt__gp_number(gp, left + len);
            fputc('\n', gp);
        }
        fputs("EOD\n", gp);
    }
    fputs("$domtotal << EOD\n", gp); /* bar index, mean latency */
    for (size_t b = 0; b < n; b++) {
        double sum = 0;
        for (int k = 0; k < RPT_CHART_NPARTS; k++)
            sum += d->series[idx[b]].domain_ms[k] > 0 ? d->series[idx[b]].domain_ms[k] : 0;
        fprintf(gp, "%zu ", n - b);
        rpt__gp_number(gp, sum);
        fputc('\n', gp);
    }
    fputs("EOD\n", gp);
}

static void plot(FILE *gp, const rpt_chart_data *d)
{
    size_t idx[MAX_BARS], total;
    size_t n = rpt__busiest_series(d, idx, MAX_BARS, &total);
    if (!n) {
        rpt__gp_empty(gp, "Latency split by domain", "no request was measured");
        return;
    }
    double max = 0;
    for (size_t b = 0; b < n; b++) {
        double sum = 0;
        for (int k = 0; k < RPT_CHART_NPARTS; k++)
            sum += d->series[idx[b]].domain_ms[k] > 0 ? d->series[idx[b]].domain_ms[k] : 0;
        max = sum > max ? sum : max;
    }
    char title[160];
    if (total > n)
        snprintf(title, sizeof title, "Mean latency split by domain: the %zu busiest of %zu routes",
                 n, total);
    else
        snprintf(title, sizeof title, "Mean latency per route, split by domain");
    fputs("set title ", gp);
    rpt__gp_string(gp, title);
    fputs(" font ',14'\nset xlabel 'mean time per request (ms)'\nset xrange [0:", gp);
    rpt__gp_number(gp, rpt__axis_max(max * 1.1, 1)); /* room for the totals */
    fprintf(gp, "]\nset yrange [0.4:%zu.6]\nset grid xtics lc rgb '#dddddd'\n"
                "set key outside bottom center horizontal\nset bmargin 6\nset style fill solid 0.9 noborder\n"
                "set ytics scale 0 (",
            n);
    for (size_t b = 0; b < n; b++) {
        fputs(b ? ", " : "", gp);
        rpt__gp_string(gp, d->series[idx[b]].label);
        fprintf(gp, " %zu", n - b);
    }
    fputs(")\nset lmargin 34\nplot ", gp);
    for (int k = 0; k < RPT_CHART_NPARTS; k++)
        fprintf(gp, "%s$dom%d using (($2+$3)/2):1:2:3:($1-0.35):($1+0.35) with boxxyerror"
                    " lc rgb '%s' title '%s'",
                k ? ", " : "", k, colors[k], keys[k]);
    fputs(", $domtotal using 2:1:(sprintf('%.3g ms', $2)) with labels left offset 0.6,0"
          " notitle\n",
          gp);
}

const rpt__chart rpt__chart_domains = {"domains", "Mean latency per route, split by domain", size,
                                       data, plot};
