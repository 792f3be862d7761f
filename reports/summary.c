/*
 * summary.c - summary.json and the terminal table from a finished mesh.
 *
 * summary.json carries no wall-clock time and no host name, and its numbers
 * are printed with a fixed precision: the same inputs and seed give the same
 * bytes.  Rows come sorted (models/results.c).
 */
#include "reports/summary.h"

#include <string.h>

#include "reports/json.h"

static double ms(double ns) { return ns / 1e6; }

static void latency_obj(rpt_json *j, const sim_hist *h)
{
    rpt_json_begin_object(j);
    rpt_json_key(j, "mean"), rpt_json_number(j, ms(sim_hist_mean(h)));
    rpt_json_key(j, "p50"), rpt_json_number(j, ms((double)sim_hist_quantile(h, 0.50)));
    rpt_json_key(j, "p90"), rpt_json_number(j, ms((double)sim_hist_quantile(h, 0.90)));
    rpt_json_key(j, "p99"), rpt_json_number(j, ms((double)sim_hist_quantile(h, 0.99)));
    rpt_json_key(j, "p999"), rpt_json_number(j, ms((double)sim_hist_quantile(h, 0.999)));
    rpt_json_key(j, "max"), rpt_json_number(j, ms((double)sim_hist_max(h)));
    rpt_json_end_object(j);
}

static void domains_obj(rpt_json *j, const double *sum_ns, uint64_t n)
{
    rpt_json_begin_object(j);
    for (int d = 0; d < MDL_NDOMAINS; d++) {
        rpt_json_key(j, mdl_domain_name((mdl_domain)d));
        rpt_json_number(j, n ? ms(sum_ns[d] / (double)n) : 0);
    }
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
    rpt_json_key(&j, "routes");
    rpt_json_begin_array(&j);
    for (size_t i = 0; i < r->nrows; i++) {
        const mdl_row *row = r->rows[i];
        rpt_json_begin_object(&j);
        rpt_json_key(&j, "source"), rpt_json_string(&j, row->source);
        rpt_json_key(&j, "destination"), rpt_json_string(&j, row->destination);
        rpt_json_key(&j, "version"), rpt_json_string(&j, row->version);
        rpt_json_key(&j, "host"), rpt_json_string(&j, row->host);
        rpt_json_key(&j, "requests"), rpt_json_uint(&j, row->requests);
        rpt_json_key(&j, "errors"), rpt_json_uint(&j, row->errors);
        double er = row->requests ? (double)row->errors / (double)row->requests : 0;
        rpt_json_key(&j, "error_rate"), rpt_json_number(&j, er);
        rpt_json_key(&j, "success_rate"), rpt_json_number(&j, row->requests ? 1 - er : 0);
        rpt_json_key(&j, "rps"), rpt_json_number(&j, secs > 0 ? (double)row->requests / secs : 0);
        rpt_json_key(&j, "retries"), rpt_json_uint(&j, row->retries);
        rpt_json_key(&j, "timeouts"), rpt_json_uint(&j, row->timeouts);
        rpt_json_key(&j, "latency_ms"), latency_obj(&j, &row->latency);
        rpt_json_key(&j, "responses");
        rpt_json_begin_object(&j);
        for (int c = 0; c < MDL_MAX_STATUS; c++) {
            if (!row->codes[c])
                continue;
            char key[8];
            snprintf(key, sizeof key, "%d", c);
            rpt_json_key(&j, key), rpt_json_uint(&j, row->codes[c]);
        }
        rpt_json_end_object(&j);
        rpt_json_key(&j, "flags");
        rpt_json_begin_object(&j);
        for (int fl = 0; fl < POL_FLAG_COUNT; fl++)
            if (row->flags[fl])
                rpt_json_key(&j, pol_flag_short_name((pol_flag)fl)), rpt_json_uint(&j, row->flags[fl]);
        rpt_json_end_object(&j);
        rpt_json_key(&j, "domains_ms"), domains_obj(&j, row->domain_ns, row->requests);
        rpt_json_end_object(&j);
    }
    rpt_json_end_array(&j);
    rpt_json_key(&j, "domains_ms"), domains_obj(&j, r->domain_ns, r->requests);
    rpt_json_key(&j, "assertions");
    rpt_json_begin_array(&j);
    for (size_t i = 0; i < na; i++) {
        rpt_json_begin_object(&j);
        rpt_json_key(&j, "name"), rpt_json_string(&j, a[i].name);
        rpt_json_key(&j, "metric"), rpt_json_string(&j, a[i].metric);
        rpt_json_key(&j, "passed"), rpt_json_bool(&j, a[i].passed);
        rpt_json_key(&j, "observed");
        if (a[i].observed_valid)
            rpt_json_number(&j, a[i].observed);
        else
            rpt_json_null(&j);
        rpt_json_key(&j, "unit"), rpt_json_string(&j, a[i].unit);
        rpt_json_key(&j, "limit"), rpt_json_string(&j, a[i].limit);
        rpt_json_end_object(&j);
    }
    rpt_json_end_array(&j);
    rpt_json_end_object(&j);
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
            "ingress/mesh/node/app ms");
    for (size_t i = 0; i < r->nrows; i++) {
        const mdl_row *row = r->rows[i];
        double n = row->requests ? (double)row->requests : 1;
        fprintf(f, "%-14s %-14s %-7s %9llu %8.1f %7.2f%% %8.2f %8.2f %8.2f %8.2f  %.2f/%.2f/%.2f/%.2f\n",
                row->source, row->destination[0] ? row->destination : "-",
                row->version[0] ? row->version : "-", (unsigned long long)row->requests,
                secs > 0 ? (double)row->requests / secs : 0,
                row->requests ? 100.0 * (double)(row->requests - row->errors) / n : 0,
                ms((double)sim_hist_quantile(&row->latency, 0.5)),
                ms((double)sim_hist_quantile(&row->latency, 0.9)),
                ms((double)sim_hist_quantile(&row->latency, 0.99)),
                ms((double)sim_hist_max(&row->latency)), ms(row->domain_ns[0] / n),
                ms(row->domain_ns[1] / n), ms(row->domain_ns[2] / n), ms(row->domain_ns[3] / n));
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
