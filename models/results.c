/*
 * results.c - rows of measured outcomes, keyed by (source, destination,
 * version, host).  Row lookup is a linear scan over a handful of rows with an
 * FNV hash check first; runs have tens of rows, not thousands.
 */
#include "models/results.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static const char *const domain_names[MDL_NDOMAINS] = {"ingress", "mesh", "node", "app"};

const char *mdl_domain_name(mdl_domain d)
{
    return (unsigned)d < MDL_NDOMAINS ? domain_names[d] : "?";
}

void mdl_results_init(mdl_results *r, const char *scenario, uint64_t seed, sim_time duration,
                      sim_time warmup)
{
    *r = (mdl_results){0};
    r->scenario = ms_xstrdup(scenario ? scenario : "");
    r->seed = seed;
    r->duration_ns = duration;
    r->warmup_ns = warmup;
}

void mdl_results_fini(mdl_results *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        mdl_row *row = r->rows[i];
        sim_hist_fini(&row->latency);
        free((char *)row->source);
        free((char *)row->destination);
        free((char *)row->version);
        free((char *)row->host);
        free(row);
    }
    free(r->rows);
    free((char *)r->scenario);
    *r = (mdl_results){0};
}

static const char *nz(const char *s) { return s ? s : ""; }

mdl_row *mdl_results_row(mdl_results *r, const char *source, const char *destination,
                         const char *version, const char *host)
{
    source = nz(source), destination = nz(destination), version = nz(version), host = nz(host);
    for (size_t i = 0; i < r->nrows; i++) {
        mdl_row *row = r->rows[i];
        if (!strcmp(row->source, source) && !strcmp(row->destination, destination) &&
            !strcmp(row->version, version) && !strcmp(row->host, host))
            return row;
    }
    mdl_row *row = ms_xcalloc(1, sizeof *row);
    row->source = ms_xstrdup(source);
    row->destination = ms_xstrdup(destination);
    row->version = ms_xstrdup(version);
    row->host = ms_xstrdup(host);
    sim_hist_init(&row->latency);
    MS_VEC_GROW(r->rows, r->nrows, r->_cap);
    r->rows[r->nrows++] = row;
    return row;
}

static int row_cmp(const void *a, const void *b)
{
    const mdl_row *x = *(mdl_row *const *)a, *y = *(mdl_row *const *)b;
    int c = strcmp(x->source, y->source);
    if (!c)
        c = strcmp(x->destination, y->destination);
    if (!c)
        c = strcmp(x->version, y->version);
    if (!c)
        c = strcmp(x->host, y->host);
    return c;
}

void mdl_results_finish(mdl_results *r)
{
    if (r->nrows > 1)
        qsort(r->rows, r->nrows, sizeof r->rows[0], row_cmp);
}

int mdl_outcome_is_error(const mdl_outcome *o)
{
    if (o->status == 0 || o->status >= 500)
        return 1;
    /* 4xx the mesh itself produced are failures of the request as routed. */
    return pol_flags_has(o->flags, POL_FLAG_NR) || pol_flags_has(o->flags, POL_FLAG_RL);
}

void mdl_row_record(mdl_row *row, const mdl_outcome *o)
{
    row->requests++;
    if (mdl_outcome_is_error(o))
        row->errors++;
    row->retries += o->retries;
    if (o->status == 0 || pol_flags_has(o->flags, POL_FLAG_UT))
        row->timeouts++;
    int st = o->status >= 0 && o->status < MDL_MAX_STATUS ? o->status : 0;
    row->codes[st]++;
    for (int f = 0; f < POL_FLAG_COUNT; f++)
        if (pol_flags_has(o->flags, (pol_flag)f))
            row->flags[f]++;
    sim_hist_record(&row->latency, o->latency_ns > 0 ? o->latency_ns : 0);
    for (int d = 0; d < MDL_NDOMAINS; d++)
        row->domain_ns[d] += (double)o->domain_ns[d];
}
