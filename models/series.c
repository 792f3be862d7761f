/*
 * series.c - per-window time series (see series.h).
 *
 * Series are found through a hash index over their six key strings
 * (key_index.h), as results.c's rows are; the index never decides an order.
 * Requests finish roughly in the order they started, so the window a request
 * belongs to is almost always the last or next-to-last of its series: the
 * search runs from the end of the sorted vector.
 */
#include "models/series.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/results.h"

#define NKEY 6

const double mdl_istio_bounds_ms[MDL_ISTIO_NBOUNDS] = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
    300000, 600000, 1800000, 3600000};

static const char *nz(const char *s) { return s ? s : ""; }

static void key_strings(const mdl_series_key *k, const char *out[NKEY])
{
    out[0] = nz(k->source);
    out[1] = nz(k->destination);
    out[2] = nz(k->workload);
    out[3] = nz(k->version);
    out[4] = nz(k->host);
    out[5] = nz(k->route);
}

static bool same_series(const void *item, const char *const *key)
{
    const mdl_series *s = item;
    const char *have[NKEY];
    key_strings(&(mdl_series_key){s->source, s->destination, s->workload, s->version, s->host, s->route},
                have);
    return !mdl_key_cmp(have, key, NKEY);
}

void mdl_series_set_init(mdl_series_set *s, sim_time start, sim_time end, sim_time width)
{
    assert(width > 0);
    *s = (mdl_series_set){.start_ns = start, .end_ns = end > start ? end : start, .width_ns = width};
    sim_time span = s->end_ns - s->start_ns;
    sim_time n = span / width + (span % width != 0);
    s->nwindows = (uint64_t)n;
}

static void window_fini(mdl_window *w)
{
    free(w->responses);
    mdl_whist_fini(&w->latency);
}

static void series_free(mdl_series *s)
{
    for (size_t i = 0; i < s->nwindows; i++)
        window_fini(&s->windows[i]);
    free(s->windows);
    free(s->_clients);
    sim_hist_fini(&s->total->latency);
    free(s->total);
    free((char *)s->source);
    free((char *)s->destination);
    free((char *)s->workload);
    free((char *)s->version);
    free((char *)s->host);
    free((char *)s->route);
    free(s);
}

void mdl_series_set_fini(mdl_series_set *s)
{
    for (size_t i = 0; i < s->nseries; i++)
        series_free(s->series[i]);
    free(s->series);
    mdl_key_index_fini(&s->_index);
    for (size_t i = 0; i < s->_nejections; i++) {
        free((char *)s->_ejections[i].destination);
        free((char *)s->_ejections[i].workload);
        free((char *)s->_ejections[i].version);
    }
    free(s->_ejections);
    *s = (mdl_series_set){0};
}

mdl_series *mdl_series_get(mdl_series_set *s, const mdl_series_key *k)
{
    const char *key[NKEY];
    key_strings(k, key);
    uint64_t h = mdl_key_hash(key, NKEY);
    mdl_series *ser = mdl_key_index_find(&s->_index, h, key, same_series);
    if (ser)
        return ser;
    ser = ms_xcalloc(1, sizeof *ser);
    ser->source = ms_xstrdup(key[0]);
    ser->destination = ms_xstrdup(key[1]);
    ser->workload = ms_xstrdup(key[2]);
    ser->version = ms_xstrdup(key[3]);
    ser->host = ms_xstrdup(key[4]);
    ser->route = ms_xstrdup(key[5]);
    ser->total = ms_xcalloc(1, sizeof *ser->total);
    ser->total->source = ser->source;
    ser->total->destination = ser->destination;
    ser->total->version = ser->version;
    ser->total->host = ser->host;
    sim_hist_init(&ser->total->latency);
    MS_VEC_GROW(s->series, s->nseries, s->_cap);
    s->series[s->nseries++] = ser;
    mdl_key_index_add(&s->_index, h, ser);
    return ser;
}

/* The window `index` of a series, inserted (empty) where it belongs if new. */
static mdl_window *window_at(mdl_series *ser, uint64_t index)
{
    size_t i = ser->nwindows;
    while (i > 0 && ser->windows[i - 1].index > index)
        i--;
    if (i > 0 && ser->windows[i - 1].index == index)
        return &ser->windows[i - 1];
    MS_VEC_GROW(ser->windows, ser->nwindows, ser->_windows_cap);
    memmove(&ser->windows[i + 1], &ser->windows[i], (ser->nwindows - i) * sizeof *ser->windows);
    ser->nwindows++;
    ser->windows[i] = (mdl_window){.index = index};
    return &ser->windows[i];
}

static void note_client(mdl_series *ser, int32_t client)
{
    for (size_t i = 0; i < ser->_nclients; i++)
        if (ser->_clients[i] == client)
            return;
    MS_VEC_GROW(ser->_clients, ser->_nclients, ser->_clients_cap);
    ser->_clients[ser->_nclients++] = client;
}

static bool window_of(const mdl_series_set *s, sim_time t, uint64_t *index)
{
    if (t < s->start_ns || t >= s->end_ns)
        return false;
    *index = (uint64_t)((t - s->start_ns) / s->width_ns);
    return true;
}

void mdl_series_record(mdl_series_set *s, mdl_series *ser, int32_t client, sim_time t_start,
                       const mdl_outcome *o)
{
    uint64_t k;
    assert(!s->_finished);
    if (!window_of(s, t_start, &k))
        return;
    note_client(ser, client);
    mdl_row_record(ser->total, o);
    sim_time lat = o->latency_ns > 0 ? o->latency_ns : 0;
    size_t b = 0;
    while (b < MDL_ISTIO_NBOUNDS && (double)lat > mdl_istio_bounds_ms[b] * 1e6)
        b++;
    ser->istio_buckets[b]++;

    mdl_window *w = window_at(ser, k);
    w->requests++;
    if (mdl_outcome_is_error(o))
        w->errors++;
    w->retries += o->retries;
    if (o->status == 0 || pol_flags_has(o->flags, POL_FLAG_UT))
        w->timeouts++;
    if (pol_flags_has(o->flags, POL_FLAG_UO))
        w->pool_overflows++;
    int code = o->status >= 0 && o->status < MDL_MAX_STATUS ? o->status : 0;
    size_t i = 0;
    while (i < w->nresponses && (w->responses[i].code != code || w->responses[i].flags != o->flags))
        i++;
    if (i == w->nresponses) {
        MS_VEC_GROW(w->responses, w->nresponses, w->_responses_cap);
        w->responses[w->nresponses++] = (mdl_response_count){code, o->flags, 0};
    }
    w->responses[i].count++;
    mdl_whist_record(&w->latency, lat);
}

void mdl_series_mark_ejection(mdl_series_set *s, sim_time at, int32_t client,
                              const char *destination, const char *workload, const char *version)
{
    MS_VEC_GROW(s->_ejections, s->_nejections, s->_ejections_cap);
    s->_ejections[s->_nejections++] = (mdl_ejection_mark){
        at, client, ms_xstrdup(nz(destination)), ms_xstrdup(nz(workload)), ms_xstrdup(nz(version))};
}

static bool has_client(const mdl_series *ser, int32_t client)
{
    for (size_t i = 0; i < ser->_nclients; i++)
        if (ser->_clients[i] == client)
            return true;
    return false;
}

static void count_ejections(mdl_series_set *s)
{
    for (size_t e = 0; e < s->_nejections; e++) {
        const mdl_ejection_mark *ej = &s->_ejections[e];
        uint64_t k;
        if (!window_of(s, ej->at, &k))
            continue;
        for (size_t i = 0; i < s->nseries; i++) {
            mdl_series *ser = s->series[i];
            if (!strcmp(ser->destination, ej->destination) && !strcmp(ser->workload, ej->workload) &&
                !strcmp(ser->version, ej->version) && has_client(ser, ej->client))
                window_at(ser, k)->ejections++;
        }
    }
}

static int response_cmp(const void *a, const void *b)
{
    const mdl_response_count *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return (x->flags > y->flags) - (x->flags < y->flags);
}

static int series_cmp(const void *a, const void *b)
{
    const mdl_series *x = *(mdl_series *const *)a, *y = *(mdl_series *const *)b;
    const char *kx[] = {x->source, x->destination, x->version, x->host, x->route, x->workload};
    const char *ky[] = {y->source, y->destination, y->version, y->host, y->route, y->workload};
    return mdl_key_cmp(kx, ky, NKEY);
}

void mdl_series_set_finish(mdl_series_set *s)
{
    if (s->_finished)
        return;
    s->_finished = true;
    count_ejections(s);
    if (s->nseries > 1)
        qsort(s->series, s->nseries, sizeof *s->series, series_cmp);
    for (size_t i = 0; i < s->nseries; i++) {
        mdl_series *ser = s->series[i];
        for (size_t w = 0; w < ser->nwindows; w++) {
            mdl_window *win = &ser->windows[w];
            if (win->nresponses > 1)
                qsort(win->responses, win->nresponses, sizeof *win->responses, response_cmp);
            mdl_whist_seal(&win->latency);
        }
    }
}

sim_time mdl_series_window_start(const mdl_series_set *s, uint64_t index)
{
    return s->start_ns + (sim_time)index * s->width_ns;
}

sim_time mdl_series_window_length(const mdl_series_set *s, uint64_t index)
{
    sim_time t = mdl_series_window_start(s, index);
    sim_time end = t + s->width_ns < s->end_ns ? t + s->width_ns : s->end_ns;
    return end > t ? end - t : 0;
}
