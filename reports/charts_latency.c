/*
 * charts_latency.c - latency.svg: p50, p90 and p99 of each window, one panel
 * per route (the busiest RPT__MAX_PANELS), drawn at the window's middle.  A
 * window without requests breaks the lines instead of bridging the gap.
 */
#include "reports/charts_int.h"

static const double PANEL_H = 250, TOP_H = 50;

static size_t pick(const rpt_chart_data *d, size_t *idx, size_t *total)
{
    return rpt__busiest_series(d, idx, RPT__MAX_PANELS, total);
}

static void size(const rpt_chart_data *d, int *w, int *h)
{
    size_t idx[RPT__MAX_PANELS];
    int rows, cols;
    rpt__panel_layout(pick(d, idx, NULL), &rows, &cols);
    *w = cols > 1 ? 1100 : 800;
    *h = (int)(TOP_H + PANEL_H * rows);
}

static void data(FILE *gp, const rpt_chart_data *d)
{
    size_t idx[RPT__MAX_PANELS];
    size_t n = pick(d, idx, NULL);
    double w = rpt__window_s(d);
    for (size_t p = 0; p < n; p++) {
        const rpt_chart_series *s = &d->series[idx[p]];
        fprintf(gp, "$lat%zu << EOD\n", p);
        double prev = 0;
        for (size_t i = 0; i < s->nwindows; i++) {
            const rpt_chart_window *win = &d->windows[s->first_window + i];
            if (!win->requests)
                continue;
            if (i && win->t_s - prev > 1.5 * w)
                fputc('\n', gp); /* a gap: break the lines */
            prev = win->t_s;
            rpt__gp_number(gp, win->t_s + rpt__window_len(d, win->t_s) / 2);
            fputc(' ', gp);
            rpt__gp_number(gp, win->p50_ms);
            fputc(' ', gp);
            rpt__gp_number(gp, win->p90_ms);
            fputc(' ', gp);
            rpt__gp_number(gp, win->p99_ms);
            fputc('\n', gp);
        }
        fputs("EOD\n", gp);
    }
}

static void plot(FILE *gp, const rpt_chart_data *d)
{
    size_t idx[RPT__MAX_PANELS], total;
    size_t n = pick(d, idx, &total);
    if (!n) {
        rpt__gp_empty(gp, "Latency over time", "no request was measured");
        return;
    }
    int rows, cols;
    rpt__panel_layout(n, &rows, &cols);
    char title[160];
    if (total > n)
        snprintf(title, sizeof title, "Latency per window (ms): the %zu busiest of %zu routes", n,
                 total);
    else
        snprintf(title, sizeof title, "Latency per window (ms), per route");
    fprintf(gp, "set multiplot layout %d,%d title ", rows, cols);
    rpt__gp_string(gp, title);
    fputs(" font ',14'\n", gp);
    rpt__gp_time_axis(gp, d);
    fputs("set ylabel 'latency (ms)'\nset grid ytics lc rgb '#dddddd'\n"
          "set key top left horizontal opaque box lc rgb '#cccccc'\nset yrange [0:*]\n",
          gp);
    for (size_t p = 0; p < n; p++) {
        const rpt_chart_series *s = &d->series[idx[p]];
        double max = 0;
        for (size_t i = 0; i < s->nwindows; i++) {
            const rpt_chart_window *win = &d->windows[s->first_window + i];
            if (win->requests && win->p99_ms > max)
                max = win->p99_ms;
        }
        fputs("set title ", gp);
        rpt__gp_string(gp, s->label);
        fputs("\nset yrange [0:", gp);
        rpt__gp_number(gp, rpt__axis_max(max * 1.15, 1)); /* room for the key */
        /* points too while they are few, so a lone window still shows */
        const char *style = s->nwindows <= 120 ? "linespoints pt 7 ps 0.5" : "lines";
        fprintf(gp, "]\nplot $lat%zu using 1:2 with %s lw 2 lc rgb '#2ca02c' title 'p50',"
                    " $lat%zu using 1:3 with %s lw 2 lc rgb '#ff7f0e' title 'p90',"
                    " $lat%zu using 1:4 with %s lw 2 lc rgb '#d62728' title 'p99'\n",
                p, style, p, style, p, style);
    }
    fputs("unset multiplot\n", gp);
}

const rpt__chart rpt__chart_latency = {"latency", "Latency per window, per route", size, data,
                                       plot};
