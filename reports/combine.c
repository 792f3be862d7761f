/*
 * combine.c - replications added into per-figure running means and variances
 * (sim/stats.h's Welford accumulators), and assertions judged on the 95%
 * Student-t intervals (combine.h).
 *
 * Rows are matched across replications by their key and kept sorted, so the
 * output order does not depend on which replication saw a row first.  Counts
 * of replications that lacked a row are filled with zeros when read.
 */
#include "reports/combine_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hash.h"
#include "models/key_index.h"
#include "reports/figures.h"

uint64_t rpt_replication_seed(uint64_t seed, unsigned i)
{
    if (i == 0)
        return seed;
    char name[32];
    snprintf(name, sizeof name, "replication.%u", i);
    return ms_stream_seed(seed, name) >> 1; /* fits a Scenario's seed field (0..2^63-1) */
}

rpt_combined *rpt_combined_create(const cfg_scenario_spec *sc)
{
    rpt_combined *c = ms_xcalloc(1, sizeof *c);
    c->sc = sc;
    size_t na = sc->nassertions ? sc->nassertions : 1;
    c->values = ms_xcalloc(na, sizeof *c->values);
    c->unmatched = ms_xcalloc(na, sizeof *c->unmatched);
    return c;
}

void rpt_combined_destroy(rpt_combined *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nrows; i++) {
        rpt__crow *r = c->rows[i];
        free(r->source);
        free(r->destination);
        free(r->version);
        free(r->host);
        free(r);
    }
    free(c->rows);
    free(c->seeds);
    free(c->scenario);
    free(c->values);
    free(c->unmatched);
    free(c);
}

unsigned rpt_combined_count(const rpt_combined *c)
{
    return c->n;
}

static int key_cmp(const rpt__crow *r, const mdl_row *row)
{
    const char *a[4] = {r->source, r->destination, r->version, r->host};
    const char *b[4] = {row->source, row->destination, row->version, row->host};
    return mdl_key_cmp(a, b, 4);
}

/* The combined row for `row`'s key, inserted in order on first sight. */
static rpt__crow *row_for(rpt_combined *c, const mdl_row *row)
{
    size_t lo = 0, hi = c->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int k = key_cmp(c->rows[mid], row);
        if (k == 0)
            return c->rows[mid];
        if (k < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    MS_VEC_GROW(c->rows, c->nrows, c->rows_cap);
    memmove(&c->rows[lo + 1], &c->rows[lo], (c->nrows - lo) * sizeof *c->rows);
    c->nrows++;
    rpt__crow *r = ms_xcalloc(1, sizeof *r);
    r->source = ms_xstrdup(row->source);
    r->destination = ms_xstrdup(row->destination);
    r->version = ms_xstrdup(row->version);
    r->host = ms_xstrdup(row->host);
    c->rows[lo] = r;
    return r;
}

static void add_row(rpt__crow *r, const mdl_row *row, double secs)
{
    rpt_figures f = rpt_row_figures(row, secs);
    sim_welford_add(&r->fig[RPT__FIG_REQUESTS], (double)row->requests);
    sim_welford_add(&r->fig[RPT__FIG_ERRORS], (double)row->errors);
    sim_welford_add(&r->fig[RPT__FIG_RETRIES], (double)row->retries);
    sim_welford_add(&r->fig[RPT__FIG_TIMEOUTS], (double)row->timeouts);
    sim_welford_add(&r->fig[RPT__FIG_RPS], f.rps);
    for (int k = 0; k < MDL_MAX_STATUS; k++)
        sim_welford_add(&r->codes[k], (double)row->codes[k]);
    for (int k = 0; k < POL_FLAG_COUNT; k++)
        sim_welford_add(&r->flags[k], (double)row->flags[k]);
    if (!row->requests)
        return;
    sim_welford_add(&r->fig[RPT__FIG_ERROR_RATE], f.error_rate);
    sim_welford_add(&r->fig[RPT__FIG_SUCCESS_RATE], f.success_rate);
    sim_welford_add(&r->fig[RPT__FIG_MEAN_MS], f.mean_ms);
    sim_welford_add(&r->fig[RPT__FIG_P50_MS], f.p50_ms);
    sim_welford_add(&r->fig[RPT__FIG_P90_MS], f.p90_ms);
    sim_welford_add(&r->fig[RPT__FIG_P99_MS], f.p99_ms);
    sim_welford_add(&r->fig[RPT__FIG_P999_MS], f.p999_ms);
    sim_welford_add(&r->fig[RPT__FIG_MAX_MS], f.max_ms);
    for (int d = 0; d < MDL_NDOMAINS; d++)
        sim_welford_add(&r->fig[RPT__FIG_DOMAIN_MS + d], f.domain_ms[d]);
    sim_welford_add(&r->fig[RPT__FIG_DOMAIN_MS + MDL_NDOMAINS], f.domain_ms[MDL_DOM_APP_QUEUE]);
    sim_welford_add(&r->fig[RPT__FIG_DOMAIN_MS + MDL_NDOMAINS + 1], f.app_service_ms);
}

const char *rpt__domain_fig_name(int k)
{
    if (k == MDL_NDOMAINS)
        return "app_queue";
    if (k == MDL_NDOMAINS + 1)
        return "app_service";
    return mdl_domain_name((mdl_domain)k);
}

void rpt_combined_add(rpt_combined *c, const mdl_mesh *m, const rpt_assertion *a, size_t na)
{
    const mdl_results *r = mdl_mesh_results(m);
    if (c->n == 0) {
        c->scenario = ms_xstrdup(r->scenario);
        c->seed = r->seed;
        c->duration_ns = r->duration_ns;
        c->warmup_ns = r->warmup_ns;
    }
    MS_VEC_GROW(c->seeds, c->n, c->seeds_cap);
    c->seeds[c->n++] = r->seed;
    double secs = mdl_mesh_measured_seconds(m);
    for (size_t i = 0; i < r->nrows; i++)
        add_row(row_for(c, r->rows[i]), r->rows[i], secs);
    sim_welford_add(&c->requests, (double)r->requests);
    if (r->requests) {
        double n = (double)r->requests, queue = r->domain_ns[MDL_DOM_APP_QUEUE];
        for (int d = 0; d < MDL_NDOMAINS; d++)
            sim_welford_add(&c->domain_ms[d], r->domain_ns[d] / n / 1e6);
        sim_welford_add(&c->domain_ms[MDL_NDOMAINS], queue / n / 1e6);
        sim_welford_add(&c->domain_ms[MDL_NDOMAINS + 1], (r->domain_ns[MDL_DOM_APP] - queue) / n / 1e6);
    }
    for (size_t i = 0; i < na && i < c->sc->nassertions; i++) {
        if (a[i].observed_valid)
            sim_welford_add(&c->values[i], a[i].value);
        else
            c->unmatched[i]++;
    }
}

sim_welford rpt__filled(const sim_welford *w, unsigned n)
{
    sim_welford f = *w;
    while (f.n < n)
        sim_welford_add(&f, 0);
    return f;
}

double rpt__hw(const sim_welford *w)
{
    return sim_welford_ci_halfwidth(w, RPT_CONFIDENCE);
}

size_t rpt_combined_assertions(const rpt_combined *c, rpt_assertion **out)
{
    const cfg_scenario_spec *sc = c->sc;
    /* names, units and limits as a single run words them */
    size_t na = sc->nassertions;
    rpt_assertion *res = ms_xcalloc(na ? na : 1, sizeof *res);
    for (size_t i = 0; i < na; i++) {
        const cfg_assertion_spec *s = &sc->assertions[i];
        rpt_assertion *r = &res[i];
        rpt_assertion_describe(s, r);
        const sim_welford *w = &c->values[i];
        /* one replication (the others interrupted) is judged as a single run */
        double mean = sim_welford_mean(w), hw = c->n == 1 ? 0 : rpt__hw(w);
        r->replications = c->n;
        r->unmatched = c->unmatched[i];
        r->observed_valid = w->n > 0;
        r->value = mean;
        r->passed = r->observed_valid && !r->unmatched && isfinite(hw) &&
                    rpt_assertion_within(s, mean - hw) && rpt_assertion_within(s, mean + hw);
        double scale = s->unit == CFG_UNIT_DURATION_NS ? 1e6 : 1;
        r->observed = mean / scale;
        r->half_width = hw / scale;
    }
    *out = res;
    return na;
}
