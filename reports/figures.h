/*
 * figures.h - the numbers every report shows for a results row, computed in
 * one place so the terminal table, summary.json, results.sqlite and the
 * exports agree.  Latencies in milliseconds; quantiles from the histograms.
 */
#ifndef RPT_FIGURES_H
#define RPT_FIGURES_H

#include "models/results.h"

typedef struct rpt_figures {
    double rps;          /* requests per measured second */
    double error_rate;   /* 0 when no request */
    double success_rate; /* 0 when no request */
    double mean_ms, p50_ms, p90_ms, p99_ms, p999_ms, max_ms;
    /* mean per request: the four domains, then the application's queue
     * (domain_ms[MDL_DOM_APP_QUEUE], part of domain_ms[MDL_DOM_APP]) */
    double domain_ms[MDL_NPARTS];
    double app_service_ms; /* the application's time outside its queue */
} rpt_figures;

/* The rates of `requests` with `errors` over `seconds` (> 0, else rps is 0),
 * shared by a row's and a window's figures. */
static inline rpt_figures rpt_rate_figures(uint64_t requests, uint64_t errors, double seconds)
{
    rpt_figures f = {0};
    double n = (double)requests;
    f.rps = seconds > 0 ? n / seconds : 0;
    if (requests) {
        f.error_rate = (double)errors / n;
        f.success_rate = 1 - f.error_rate;
    }
    return f;
}

/* `seconds`: the measured window's length (> 0, else rps is 0). */
static inline rpt_figures rpt_row_figures(const mdl_row *row, double seconds)
{
    rpt_figures f = rpt_rate_figures(row->requests, row->errors, seconds);
    const sim_hist *h = &row->latency;
    double n = (double)row->requests;
    if (row->requests) {
        for (int d = 0; d < MDL_NPARTS; d++)
            f.domain_ms[d] = row->domain_ns[d] / n / 1e6;
        f.app_service_ms = (row->domain_ns[MDL_DOM_APP] - row->domain_ns[MDL_DOM_APP_QUEUE]) / n / 1e6;
    }
    f.mean_ms = sim_hist_mean(h) / 1e6;
    f.p50_ms = (double)sim_hist_quantile(h, 0.50) / 1e6;
    f.p90_ms = (double)sim_hist_quantile(h, 0.90) / 1e6;
    f.p99_ms = (double)sim_hist_quantile(h, 0.99) / 1e6;
    f.p999_ms = (double)sim_hist_quantile(h, 0.999) / 1e6;
    f.max_ms = (double)sim_hist_max(h) / 1e6;
    return f;
}

/* The same latency figures for one window of a series (series_hist.h). */
static inline rpt_figures rpt_window_figures(const mdl_window *w, double seconds)
{
    rpt_figures f = rpt_rate_figures(w->requests, w->errors, seconds);
    const mdl_whist *h = &w->latency;
    f.mean_ms = mdl_whist_mean(h) / 1e6;
    f.p50_ms = (double)mdl_whist_quantile(h, 0.50) / 1e6;
    f.p90_ms = (double)mdl_whist_quantile(h, 0.90) / 1e6;
    f.p99_ms = (double)mdl_whist_quantile(h, 0.99) / 1e6;
    f.p999_ms = (double)mdl_whist_quantile(h, 0.999) / 1e6;
    f.max_ms = (double)h->max / 1e6;
    return f;
}

#endif
