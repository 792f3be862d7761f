/*
 * export_json.c - series.jsonl: the rows of series.csv as JSON objects, one
 * per line (JSON Lines), each with a `responses` array of
 * {response_code, response_flags, count} in (code, flags) order.
 */
#include "reports/export.h"
#include "reports/figures.h"
#include "reports/json.h"

static void key_str(rpt_json *j, const char *k, const char *v)
{
    rpt_json_key(j, k);
    rpt_json_string(j, v);
}

static void key_uint(rpt_json *j, const char *k, uint64_t v)
{
    rpt_json_key(j, k);
    rpt_json_uint(j, v);
}

static void key_num(rpt_json *j, const char *k, double v)
{
    rpt_json_key(j, k);
    rpt_json_number(j, v);
}

static void window_line(FILE *f, size_t id, const mdl_series_set *set, const mdl_series *s,
                        const mdl_window *w)
{
    double len_s = (double)mdl_series_window_length(set, w->index) / 1e9;
    rpt_figures fig = rpt_window_figures(w, len_s);
    rpt_json j;
    rpt_json_init(&j, f, false);
    rpt_json_begin_object(&j);
    key_uint(&j, "series_id", id);
    key_num(&j, "t_s", (double)mdl_series_window_start(set, w->index) / 1e9);
    key_num(&j, "length_s", len_s);
    key_str(&j, "source_workload", s->source);
    key_str(&j, "destination_service", s->destination);
    key_str(&j, "destination_workload", s->workload);
    key_str(&j, "destination_version", s->version);
    key_str(&j, "request_host", s->host);
    key_str(&j, "route", s->route);
    key_uint(&j, "requests", w->requests);
    key_uint(&j, "errors", w->errors);
    key_uint(&j, "retries", w->retries);
    key_uint(&j, "timeouts", w->timeouts);
    key_uint(&j, "ejections", w->ejections);
    key_uint(&j, "pool_overflows", w->pool_overflows);
    key_num(&j, "latency_mean_ms", fig.mean_ms);
    key_num(&j, "latency_p50_ms", fig.p50_ms);
    key_num(&j, "latency_p90_ms", fig.p90_ms);
    key_num(&j, "latency_p99_ms", fig.p99_ms);
    key_num(&j, "latency_max_ms", fig.max_ms);
    rpt_json_key(&j, "responses");
    rpt_json_begin_array(&j);
    for (size_t i = 0; i < w->nresponses; i++) {
        char flags[POL_FLAGS_FORMAT_MAX];
        pol_flags_format(w->responses[i].flags, false, flags, sizeof flags);
        rpt_json_begin_object(&j);
        rpt_json_key(&j, "response_code");
        rpt_json_int(&j, w->responses[i].code);
        key_str(&j, "response_flags", flags);
        key_uint(&j, "count", w->responses[i].count);
        rpt_json_end_object(&j);
    }
    rpt_json_end_array(&j);
    rpt_json_end_object(&j);
    fputc('\n', f);
}

void rpt_export_jsonl(FILE *f, const mdl_results *r)
{
    const mdl_series_set *set = &r->series;
    for (size_t i = 0; i < set->nseries; i++)
        for (size_t k = 0; k < set->series[i]->nwindows; k++)
            window_line(f, i + 1, set, set->series[i], &set->series[i]->windows[k]);
}
