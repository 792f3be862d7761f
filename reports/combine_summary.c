/*
 * combine_summary.c - summary.json and the terminal table of replications
 * (combine.h): the single-run summary's shape with every number a mean over
 * the replications, plus `ci95` half-widths beside them (docs/replications.md).
 * Like summary.json, a pure function of the inputs and the seed.
 */
#include "reports/combine_int.h"

#include <math.h>
#include <string.h>

#include "reports/evidence.h"
#include "reports/json.h"
#include "reports/summary.h"

static const char *const latency_keys[] = {"mean", "p50", "p90", "p99", "p999", "max"};

/* One printing pass over the figures: means, or (ci) their half-widths. */
typedef struct pass {
    rpt_json *j;
    bool ci; /* printing the ci95 object: half-widths instead of means */
    unsigned n;
} pass;

static void num(pass *p, const char *key, const sim_welford *w, bool count)
{
    sim_welford f = count ? rpt__filled(w, p->n) : *w;
    rpt_json_key(p->j, key);
    if (!f.n)
        rpt_json_null(p->j);
    else
        rpt_json_number(p->j, p->ci ? rpt__hw(&f) : sim_welford_mean(&f));
}

/* The route's numbers: once as means, once (p->ci) as half-widths. */
static void row_numbers(pass *p, const rpt__crow *r)
{
    num(p, "requests", &r->fig[RPT__FIG_REQUESTS], true);
    num(p, "errors", &r->fig[RPT__FIG_ERRORS], true);
    num(p, "error_rate", &r->fig[RPT__FIG_ERROR_RATE], false);
    num(p, "success_rate", &r->fig[RPT__FIG_SUCCESS_RATE], false);
    num(p, "rps", &r->fig[RPT__FIG_RPS], true);
    num(p, "retries", &r->fig[RPT__FIG_RETRIES], true);
    num(p, "timeouts", &r->fig[RPT__FIG_TIMEOUTS], true);
    rpt_json_key(p->j, "latency_ms");
    rpt_json_begin_object(p->j);
    for (int k = 0; k < 6; k++)
        num(p, latency_keys[k], &r->fig[RPT__FIG_MEAN_MS + k], false);
    rpt_json_end_object(p->j);
    rpt_json_key(p->j, "responses");
    rpt_json_begin_object(p->j);
    for (int c = 0; c < MDL_MAX_STATUS; c++) {
        if (sim_welford_mean(&r->codes[c]) == 0)
            continue;
        char key[8];
        snprintf(key, sizeof key, "%d", c);
        num(p, key, &r->codes[c], true);
    }
    rpt_json_end_object(p->j);
    rpt_json_key(p->j, "flags");
    rpt_json_begin_object(p->j);
    for (int fl = 0; fl < POL_FLAG_COUNT; fl++)
        if (sim_welford_mean(&r->flags[fl]) != 0)
            num(p, pol_flag_short_name((pol_flag)fl), &r->flags[fl], true);
    rpt_json_end_object(p->j);
    rpt_json_key(p->j, "domains_ms");
    rpt_json_begin_object(p->j);
    for (int d = 0; d < RPT__NDOMAIN_FIGS; d++)
        num(p, rpt__domain_fig_name(d), &r->fig[RPT__FIG_DOMAIN_MS + d], false);
    rpt_json_end_object(p->j);
}

static void domains(pass *p, const rpt_combined *c)
{
    rpt_json_begin_object(p->j);
    for (int d = 0; d < RPT__NDOMAIN_FIGS; d++)
        num(p, rpt__domain_fig_name(d), &c->domain_ms[d], false);
    rpt_json_end_object(p->j);
}

void rpt_combined_json(FILE *f, const rpt_combined *c, const rpt_assertion *a, size_t na)
{
    rpt_json j;
    rpt_json_init(&j, f, true);
    pass mean = {&j, false, c->n}, ci = {&j, true, c->n};
    rpt_json_begin_object(&j);
    rpt_json_key(&j, "scenario"), rpt_json_string(&j, c->scenario ? c->scenario : "");
    rpt_json_key(&j, "seed"), rpt_json_uint(&j, c->seed);
    rpt_json_key(&j, "duration_s"), rpt_json_number(&j, (double)c->duration_ns / 1e9);
    rpt_json_key(&j, "warmup_s"), rpt_json_number(&j, (double)c->warmup_ns / 1e9);
    rpt_json_key(&j, "replications");
    rpt_json_begin_object(&j);
    rpt_json_key(&j, "count"), rpt_json_uint(&j, c->n);
    rpt_json_key(&j, "confidence"), rpt_json_number(&j, RPT_CONFIDENCE);
    rpt_json_key(&j, "seeds");
    rpt_json_begin_array(&j);
    for (unsigned i = 0; i < c->n; i++)
        rpt_json_uint(&j, c->seeds[i]);
    rpt_json_end_array(&j);
    rpt_json_end_object(&j);
    num(&mean, "requests", &c->requests, true);
    num(&ci, "requests_ci95", &c->requests, true);
    rpt_json_key(&j, "routes");
    rpt_json_begin_array(&j);
    for (size_t i = 0; i < c->nrows; i++) {
        const rpt__crow *r = c->rows[i];
        rpt_json_begin_object(&j);
        rpt_json_key(&j, "source"), rpt_json_string(&j, r->source);
        rpt_json_key(&j, "destination"), rpt_json_string(&j, r->destination);
        rpt_json_key(&j, "version"), rpt_json_string(&j, r->version);
        rpt_json_key(&j, "host"), rpt_json_string(&j, r->host);
        row_numbers(&mean, r);
        rpt_json_key(&j, "ci95");
        rpt_json_begin_object(&j);
        row_numbers(&ci, r);
        rpt_json_end_object(&j);
        rpt_json_end_object(&j);
    }
    rpt_json_end_array(&j);
    rpt_json_key(&j, "domains_ms"), domains(&mean, c);
    rpt_json_key(&j, "domains_ms_ci95"), domains(&ci, c);
    rpt_json_key(&j, "assertions");
    rpt_summary_assertions_json(&j, a, na, true);
    rpt_json_end_object(&j);
}

/* "12.3±0.4" into a column of `width`; "-" when undefined. */
static void cell(FILE *f, int width, const sim_welford *w, unsigned n, bool count, double scale,
                 int prec)
{
    sim_welford v = count ? rpt__filled(w, n) : *w;
    char buf[64];
    if (!v.n)
        snprintf(buf, sizeof buf, "-");
    else
        snprintf(buf, sizeof buf, "%.*f±%.*f", prec, scale * sim_welford_mean(&v), prec,
                 scale * rpt__hw(&v));
    /* "±" is two bytes but one column */
    fprintf(f, " %*s", width + (strstr(buf, "±") ? 1 : 0), buf);
}

void rpt_combined_text(FILE *f, const rpt_combined *c, const rpt_assertion *a, size_t na)
{
    sim_welford req = rpt__filled(&c->requests, c->n);
    fprintf(f, "scenario %s  seed %llu  %u replications  %.6g s simulated each  %.6g ± %.3g requests "
               "from sources\n(figures: mean ± half-width of the 95%% confidence interval)\n\n",
            c->scenario ? c->scenario : "", (unsigned long long)c->seed, c->n,
            (double)c->duration_ns / 1e9, sim_welford_mean(&req), rpt__hw(&req));
    fprintf(f, "%-14s %-14s %-7s %16s %13s %15s %13s %13s %13s\n", "SOURCE", "DESTINATION",
            "VERSION", "REQUESTS", "RPS", "SUCCESS%", "P50ms", "P99ms", "MAXms");
    for (size_t i = 0; i < c->nrows; i++) {
        const rpt__crow *r = c->rows[i];
        fprintf(f, "%-14s %-14s %-7s", r->source, r->destination[0] ? r->destination : "-",
                r->version[0] ? r->version : "-");
        cell(f, 16, &r->fig[RPT__FIG_REQUESTS], c->n, true, 1, 0);
        cell(f, 13, &r->fig[RPT__FIG_RPS], c->n, true, 1, 1);
        cell(f, 15, &r->fig[RPT__FIG_SUCCESS_RATE], c->n, false, 100, 2);
        cell(f, 13, &r->fig[RPT__FIG_P50_MS], c->n, false, 1, 2);
        cell(f, 13, &r->fig[RPT__FIG_P99_MS], c->n, false, 1, 2);
        cell(f, 13, &r->fig[RPT__FIG_MAX_MS], c->n, false, 1, 2);
        fputc('\n', f);
    }
    if (na) {
        fprintf(f, "\nassertions (each holds only when its whole 95%% interval is within the "
                   "limit):\n");
        for (size_t i = 0; i < na; i++) {
            char ev[RPT_EVIDENCE_CAP];
            rpt_assertion_evidence(&a[i], ev, sizeof ev);
            fprintf(f, "  %s  %-40s %s\n", a[i].passed ? "pass" : "FAIL", a[i].name, ev);
        }
    }
}
