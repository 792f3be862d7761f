/*
 * results.c - rows of measured outcomes, keyed by (source, destination,
 * version, host).  Every finished request looks its row up, so rows are found
 * through a hash index (key_index.h) in O(1), whatever the number of rows; the
 * index never decides an order.
 */
#include "models/results.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static const char *const domain_names[MDL_NPARTS] = {"ingress", "mesh", "node", "app",
                                                     "app_queue"};

const char *mdl_domain_name(mdl_domain d)
{
    return (unsigned)d < MDL_NPARTS ? domain_names[d] : "?";
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
    mdl_key_index_fini(&r->_index);
    for (size_t i = 0; i < r->ntimeline; i++) {
        free((char *)r->timeline[i].kind);
        free((char *)r->timeline[i].subject);
        free((char *)r->timeline[i].detail);
    }
    free(r->timeline);
    mdl__results_clusters_fini(r);
    mdl_series_set_fini(&r->series);
    free((char *)r->scenario);
    *r = (mdl_results){0};
}

static const char *nz(const char *s) { return s ? s : ""; }

static bool same_row(const void *item, const char *const *key)
{
    const mdl_row *row = item;
    const char *have[4] = {row->source, row->destination, row->version, row->host};
    return !mdl_key_cmp(have, key, 4);
}

mdl_row *mdl_results_row(mdl_results *r, const char *source, const char *destination,
                         const char *version, const char *host)
{
    const char *key[4] = {nz(source), nz(destination), nz(version), nz(host)};
    uint64_t h = mdl_key_hash(key, 4);
    mdl_row *row = mdl_key_index_find(&r->_index, h, key, same_row);
    if (row)
        return row;
    row = ms_xcalloc(1, sizeof *row);
    row->source = ms_xstrdup(key[0]);
    row->destination = ms_xstrdup(key[1]);
    row->version = ms_xstrdup(key[2]);
    row->host = ms_xstrdup(key[3]);
    sim_hist_init(&row->latency);
    MS_VEC_GROW(r->rows, r->nrows, r->_cap);
    r->rows[r->nrows++] = row;
    mdl_key_index_add(&r->_index, h, row);
    return row;
}

void mdl_results_event(mdl_results *r, sim_time at, sim_time end, const char *kind,
                       const char *subject, const char *detail)
{
    MS_VEC_GROW(r->timeline, r->ntimeline, r->_timeline_cap);
    r->timeline[r->ntimeline++] = (mdl_event){at, end < at ? at : end, ms_xstrdup(nz(kind)),
                                              ms_xstrdup(nz(subject)), ms_xstrdup(nz(detail))};
}

static int row_cmp(const void *a, const void *b)
{
    const mdl_row *x = *(mdl_row *const *)a, *y = *(mdl_row *const *)b;
    const char *kx[4] = {x->source, x->destination, x->version, x->host};
    const char *ky[4] = {y->source, y->destination, y->version, y->host};
    return mdl_key_cmp(kx, ky, 4);
}

void mdl_results_finish(mdl_results *r)
{
    if (r->nrows > 1)
        qsort(r->rows, r->nrows, sizeof r->rows[0], row_cmp);
    mdl__results_clusters_sort(r);
    mdl_series_set_finish(&r->series);
}

int mdl_outcome_is_error(const mdl_outcome *o)
{
    if (o->status == 0 || o->status >= 500)
        return 1;
    /* 4xx the mesh itself produced are failures of the request as routed
     * (an injected abort counts when its status is an error). */
    return pol_flags_has(o->flags, POL_FLAG_NR) || pol_flags_has(o->flags, POL_FLAG_RL) ||
           (o->status >= 400 && pol_flags_has(o->flags, POL_FLAG_FI));
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
    for (int d = 0; d < MDL_NPARTS; d++)
        row->domain_ns[d] += (double)o->domain_ns[d];
}
