/*
 * summary.c - summary.json and the terminal table from a finished mesh.
 *
 * summary.json carries no wall-clock time and no host name, and its numbers
 * are printed with a fixed precision: the same inputs and seed give the same
 * bytes.  Rows come sorted (models/results.c); per-row numbers come from
 * reports/figures.h, shared with results.sqlite.
 */
#include "reports/summary.h"

#include <string.h>

#include "reports/figures.h"
#include "reports/json.h"

/* The four domains, then the application's split: "app_queue" + "app_service"
 * = "app" (`ms` holds MDL_NPARTS means). */
static void domains_obj(rpt_json *j, const double *ms)
{
    rpt_json_begin_object(j);
    for (int d = 0; d < MDL_NDOMAINS; d++)
        rpt_json_key(j, mdl_domain_name((mdl_domain)d)), rpt_json_number(j, ms[d]);
    rpt_json_key(j, "app_queue"), rpt_json_number(j, ms[MDL_DOM_APP_QUEUE]);
    rpt_json_key(j, "app_service"), rpt_json_number(j, ms[MDL_DOM_APP] - ms[MDL_DOM_APP_QUEUE]);
    rpt_json_end_object(j);
}

static void row_obj(rpt_json *j, const mdl_row *row, double secs)
{
    rpt_figures f = rpt_row_figures(row, secs);
    rpt_json_begin_object(j);
    rpt_json_key(j, "source"), rpt_json_string(j, row->source);
    rpt_json_key(j, "destination"), rpt_json_string(j, row->destination);
    rpt_json_key(j, "version"), rpt_json_string(j, row->version);
    rpt_json_key(j, "host"), rpt_json_string(j, row->host);
    rpt_json_key(j, "requests"), rpt_json_uint(j, row->requests);
    rpt_json_key(j, "errors"), rpt_json_uint(j, row->errors);
    rpt_json_key(j, "error_rate"), rpt_json_number(j, f.error_rate);
    rpt_json_key(j, "success_rate"), rpt_json_number(j, f.success_rate);
    rpt_json_key(j, "rps"), rpt_json_number(j, f.rps);
    rpt_json_key(j, "retries"), rpt_json_uint(j, row->retries);
    rpt_json_key(j, "timeouts"), rpt_json_uint(j, row->timeouts);
    rpt_json_key(j, "latency_ms");
    rpt_json_begin_object(j);
    rpt_json_key(j, "mean"), rpt_json_number(j, f.mean_ms);
    rpt_json_key(j, "p50"), rpt_json_number(j, f.p50_ms);
    rpt_json_key(j, "p90"), rpt_json_number(j, f.p90_ms);
    rpt_json_key(j, "p99"), rpt_json_number(j, f.p99_ms);
    rpt_json_key(j, "p999"), rpt_json_number(j, f.p999_ms);
    rpt_json_key(j, "max"), rpt_json_number(j, f.max_ms);
    rpt_json_end_object(j);
    rpt_json_key(j, "responses");
    rpt_json_begin_object(j);
    for (int c = 0; c < MDL_MAX_STATUS; c++) {
        if (!row->codes[c])
            continue;
        char key[8];
        snprintf(key, sizeof key, "%d", c);
        rpt_json_key(j, key), rpt_json_uint(j, row->codes[c]);
    }
    rpt_json_end_object(j);
    rpt_json_key(j, "flags");
    rpt_json_begin_object(j);
    for (int fl = 0; fl < POL_FLAG_COUNT; fl++)
        if (row->flags[fl])
            rpt_json_key(j, pol_flag_short_name((pol_flag)fl)), rpt_json_uint(j, row->flags[fl]);
    rpt_json_end_object(j);
    rpt_json_key(j, "domains_ms"), domains_obj(j, f.domain_ms);
    rpt_json_end_object(j);
}

void rpt_summary_json(FILE *f, const mdl_mesh *m, const rpt_assertion *a, size_t na)
{
    const mdl_results *r = mdl_mesh_results(m);
    double secs = mdl_mesh_measured_seconds(m);
    rpt_json j;
    rpt_json_init(&j, f, true);
    rpt_json_begin_object(&j);
    rpt_json_key(&j, "scenario"), rpt_json_string(&j, r->scenario);
    rpt_json_key(&j, "seed"), rpt_json_uint(&j, r->seed);
    rpt_json_key(&j, "duration_s"), rpt_json_number(&j, (double)r->duration_ns / 1e9);
    rpt_json_key(&j, "warmup_s"), rpt_json_number(&j, (double)r->warmup_ns / 1e9);
    rpt_json_key(&j, "requests"), rpt_json_uint(&j, r->requests);
    if (r->stopped) { /* only then: a complete run's bytes stay as they were */
        rpt_json_key(&j, "status"), rpt_json_string(&j, "interrupted");
        rpt_json_key(&j, "simulated_s"), rpt_json_number(&j, (double)r->simulated_ns / 1e9);
    }
    rpt_json_key(&j, "routes");
    rpt_json_begin_array(&j);
    for (size_t i = 0; i < r->nrows; i++)
        row_obj(&j, r->rows[i], secs);
    rpt_json_end_array(&j);
    double dom[MDL_NPARTS];
    for (int d = 0; d < MDL_NPARTS; d++)
        dom[d] = r->requests ? r->domain_ns[d] / (double)r->requests / 1e6 : 0;
    rpt_json_key(&j, "domains_ms"), domains_obj(&j, dom);
    rpt_json_key(&j, "assertions");
    rpt_summary_assertions_json(&j, a, na, false);
    rpt_json_end_object(&j);
}

void rpt_summary_assertions_json(rpt_json *j, const rpt_assertion *a, size_t na, bool interval)
{
    rpt_json_begin_array(j);
    for (size_t i = 0; i < na; i++) {
        rpt_json_begin_object(j);
        rpt_json_key(j, "name"), rpt_json_string(j, a[i].name);
        rpt_json_key(j, "metric"), rpt_json_string(j, a[i].metric);
        rpt_json_key(j, "passed"), rpt_json_bool(j, a[i].passed);
        rpt_json_key(j, "observed");
        if (a[i].observed_valid)
            rpt_json_number(j, a[i].observed);
        else
            rpt_json_null(j);
        if (interval) {
            rpt_json_key(j, "ci95");
            if (a[i].observed_valid)
                rpt_json_number(j, a[i].half_width);
            else
                rpt_json_null(j);
            rpt_json_key(j, "interval");
            rpt_json_begin_array(j);
            if (a[i].observed_valid) {
                rpt_json_number(j, a[i].observed - a[i].half_width);
                rpt_json_number(j, a[i].observed + a[i].half_width);
            }
            rpt_json_end_array(j);
            rpt_json_key(j, "unmatched_replications"), rpt_json_uint(j, a[i].unmatched);
        }
        rpt_json_key(j, "unit"), rpt_json_string(j, a[i].unit);
        rpt_json_key(j, "limit"), rpt_json_string(j, a[i].limit);
        rpt_json_end_object(j);
    }
    rpt_json_end_array(j);
}

void rpt_summary_text(FILE *f, const mdl_mesh *m, const rpt_assertion *a, size_t na)
{
    const mdl_results *r = mdl_mesh_results(m);
    double secs = mdl_mesh_measured_seconds(m);
    fprintf(f, "scenario %s  seed %llu  %.6g s simulated  %llu requests from sources\n\n",
            r->scenario, (unsigned long long)r->seed, (double)r->duration_ns / 1e9,
            (unsigned long long)r->requests);
    fprintf(f, "%-14s %-14s %-7s %9s %8s %8s %8s %8s %8s %8s  %s\n", "SOURCE", "DESTINATION",
            "VERSION", "REQUESTS", "RPS", "SUCCESS", "P50ms", "P90ms", "P99ms", "MAXms",
            "ingress/mesh/node/app(queue+service) ms");
    for (size_t i = 0; i < r->nrows; i++) {
        const mdl_row *row = r->rows[i];
        rpt_figures fg = rpt_row_figures(row, secs);
        fprintf(f, "%-14s %-14s %-7s %9llu %8.1f %7.2f%% %8.2f %8.2f %8.2f %8.2f  %.2f/%.2f/%.2f/%.2f(%.2f+%.2f)\n",
                row->source, row->destination[0] ? row->destination : "-",
                row->version[0] ? row->version : "-", (unsigned long long)row->requests, fg.rps,
                100.0 * fg.success_rate, fg.p50_ms, fg.p90_ms, fg.p99_ms, fg.max_ms,
                fg.domain_ms[0], fg.domain_ms[1], fg.domain_ms[2], fg.domain_ms[3],
                fg.domain_ms[MDL_DOM_APP_QUEUE], fg.app_service_ms);
    }
    if (na) {
        fprintf(f, "\nassertions:\n");
        for (size_t i = 0; i < na; i++) {
            if (a[i].observed_valid)
                fprintf(f, "  %s  %-40s observed %.6g %s, limit %s\n", a[i].passed ? "pass" : "FAIL",
                        a[i].name, a[i].observed, a[i].unit, a[i].limit);
            else
                fprintf(f, "  %s  %-40s no request matched, limit %s\n", a[i].passed ? "pass" : "FAIL",
                        a[i].name, a[i].limit);
        }
    }
}
