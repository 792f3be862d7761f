/*
 * charts_traffic.c - traffic.svg: requests per second (top) and the error rate
 * in percent (bottom) of each window, one line per destination service (the
 * busiest RPT__MAX_PANELS), with the run's timeline over both panels: faults
 * and outlier ejections shaded, pushes, rollout steps and failed assertions
 * as dashed vertical lines.  A window where a service had no request has no
 * point (no rate to show), which breaks its line.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "reports/charts_int.h"

static void size(const rpt_chart_data *d, int *w, int *h)
{
    *w = 1100;
    *h = 720;
}

typedef struct sums {
    uint64_t *requests, *errors; /* [service][grid index] */
    rpt__grid grid;
    const char *names[RPT__MAX_PANELS];
    size_t n, total;
} sums;

static void sums_init(sums *s, const rpt_chart_data *d)
{
    rpt__grid_init(&s->grid, d);
    s->n = rpt__services(d, s->names, RPT__MAX_PANELS, &s->total);
    size_t cells = (s->n ? s->n : 1) * (s->grid.n ? s->grid.n : 1);
    s->requests = ms_xcalloc(cells, sizeof *s->requests);
    s->errors = ms_xcalloc(cells, sizeof *s->errors);
    for (size_t k = 0; k < d->nseries; k++) {
        const rpt_chart_series *se = &d->series[k];
        size_t v = 0;
        while (v < s->n && strcmp(s->names[v], se->service) != 0)
            v++;
        if (v == s->n)
            continue;
        for (size_t i = 0; i < se->nwindows; i++) {
            const rpt_chart_window *w = &d->windows[se->first_window + i];
            size_t g = rpt__grid_index(&s->grid, w->t_s);
            s->requests[v * s->grid.n + g] += w->requests;
            s->errors[v * s->grid.n + g] += w->errors;
        }
    }
}

static void sums_fini(sums *s)
{
    free(s->requests);
    free(s->errors);
    rpt__grid_fini(&s->grid);
}

static void data(FILE *gp, const rpt_chart_data *d)
{
    sums s;
    sums_init(&s, d);
    for (size_t v = 0; v < s.n; v++) {
        fprintf(gp, "$svc%zu << EOD\n", v);
        bool gap = false;
        for (size_t g = 0; g < s.grid.n; g++) {
            uint64_t r = s.requests[v * s.grid.n + g], e = s.errors[v * s.grid.n + g];
            if (!r) {
                if (!gap && g)
                    fputc('\n', gp);
                gap = true;
                continue;
            }
            gap = false;
            double len = rpt__window_len(d, s.grid.t[g]);
            rpt__gp_number(gp, s.grid.t[g] + len / 2);
            fputc(' ', gp);
            rpt__gp_number(gp, (double)r / len);
            fputc(' ', gp);
            rpt__gp_number(gp, 100.0 * (double)e / (double)r);
            fputc('\n', gp);
        }
        fputs("EOD\n", gp);
    }
    sums_fini(&s);
}

static void plot(FILE *gp, const rpt_chart_data *d)
{
    sums s;
    sums_init(&s, d);
    if (!s.n) {
        sums_fini(&s);
        rpt__gp_empty(gp, "Requests and errors over time", "no request was measured");
        return;
    }
    double max_rps = 0, max_err = 0;
    for (size_t i = 0; i < s.n * s.grid.n; i++) {
        if (!s.requests[i])
            continue;
        double rps = (double)s.requests[i] / rpt__window_len(d, s.grid.t[i % s.grid.n]), err = 100.0 * (double)s.errors[i] / (double)s.requests[i];
        max_rps = rps > max_rps ? rps : max_rps;
        max_err = err > max_err ? err : max_err;
    }
    char title[160];
    if (s.total > s.n)
        snprintf(title, sizeof title, "Requests and errors per window: the %zu busiest of %zu services",
                 s.n, s.total);
    else
        snprintf(title, sizeof title, "Requests and errors per window, by destination service");
    fputs("set multiplot layout 2,1 title ", gp);
    rpt__gp_string(gp, title);
    fputs(" font ',14'\n", gp);
    rpt__gp_time_axis(gp, d);
    rpt__gp_timeline_objects(gp, d);
    fputs("set grid ytics lc rgb '#dddddd'\nset key outside right top vertical\n"
          "set lmargin 10\nset rmargin 28\n",
          gp);
    for (int panel = 0; panel < 2; panel++) {
        fputs(panel == 0 ? "set title 'Request rate'\nset ylabel 'requests/s'\n"
                         : "set title 'Error rate'\nset ylabel 'errors (% of requests)'\n",
              gp);
        fputs("set yrange [0:", gp);
        rpt__gp_number(gp, panel == 0 ? rpt__axis_max(max_rps, 1) : rpt__axis_max(max_err, 1));
        fputs("]\nplot ", gp);
        for (size_t v = 0; v < s.n; v++) {
            fprintf(gp, "%s$svc%zu using 1:%d with linespoints lw 2 pt 7 ps 0.4 lt %zu title ",
                    v ? ", " : "", v, panel == 0 ? 2 : 3, v + 1);
            rpt__gp_string(gp, s.names[v][0] ? s.names[v] : "(no service)");
        }
        if (panel == 0)
            rpt__gp_timeline_keys(gp, d);
        fputc('\n', gp);
        fputs("unset key\n", gp); /* one legend, beside the top panel, serves both */
    }
    fputs("unset multiplot\n", gp);
    rpt__gp_timeline_clear(gp);
    sums_fini(&s);
}

const rpt__chart rpt__chart_traffic = {"traffic", "Requests and errors over time, with the timeline",
                                       size, data, plot};
