/*
 * export_csv.c - series.csv: one line per (series, window) with traffic, in
 * series order (results.sqlite's series.id) then time order.  RFC 4180:
 * comma-separated, CRLF-free (LF line ends, as most tools expect), fields
 * quoted only when they hold a comma, a quote or a line break.  Numbers are
 * formatted as summary.json formats them.
 */
#include <string.h>

#include "reports/export.h"
#include "reports/figures.h"
#include "reports/json.h"

static const char header[] =
    "series_id,t_s,length_s,source_workload,destination_service,destination_workload,"
    "destination_version,request_host,route,requests,errors,retries,timeouts,ejections,"
    "pool_overflows,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,"
    "latency_max_ms\n";

static void field(FILE *f, const char *s)
{
    fputc(',', f);
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void number(FILE *f, double v)
{
    char buf[32];
    rpt_json_format_number(buf, sizeof buf, v);
    fputc(',', f);
    fputs(buf, f);
}

void rpt_export_csv(FILE *f, const mdl_results *r)
{
    const mdl_series_set *set = &r->series;
    fputs(header, f);
    for (size_t i = 0; i < set->nseries; i++) {
        const mdl_series *s = set->series[i];
        const char *key[] = {s->source, s->destination, s->workload, s->version, s->host, s->route};
        for (size_t k = 0; k < s->nwindows; k++) {
            const mdl_window *w = &s->windows[k];
            double len_s = (double)mdl_series_window_length(set, w->index) / 1e9;
            rpt_figures fig = rpt_window_figures(w, len_s);
            fprintf(f, "%zu", i + 1);
            number(f, (double)mdl_series_window_start(set, w->index) / 1e9);
            number(f, len_s);
            for (int c = 0; c < 6; c++)
                field(f, key[c]);
            fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu", (unsigned long long)w->requests,
                    (unsigned long long)w->errors, (unsigned long long)w->retries,
                    (unsigned long long)w->timeouts, (unsigned long long)w->ejections,
                    (unsigned long long)w->pool_overflows);
            number(f, fig.mean_ms);
            number(f, fig.p50_ms);
            number(f, fig.p90_ms);
            number(f, fig.p99_ms);
            number(f, fig.max_ms);
            fputc('\n', f);
        }
    }
}
