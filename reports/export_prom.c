/*
 * export_prom.c - metrics.prom: Prometheus text exposition format 0.0.4.
 *
 * What a scrape of the client proxies (reporter="source") would show at the
 * end of the measured window, with Istio's standard metric and label names:
 *   istio_requests_total{reporter, source_workload, destination_service,
 *       destination_workload, destination_version, response_code,
 *       response_flags}                                            counter
 *   istio_request_duration_milliseconds_{bucket,sum,count}{reporter,
 *       source_workload, destination_service, destination_workload,
 *       destination_version[, le]}                                 histogram
 * Series that differ only by request host or route are summed into one label
 * set (Istio has no such labels), so every sample line is unique.  Histogram
 * buckets are Istio's defaults (series.h), counted exactly as requests were
 * recorded, cumulative, the `+Inf` bucket equal to `_count`; `_sum` is in ms.
 * Samples carry no timestamp (the scrape time is the end of the run).
 * Then Envoy's cluster statistics, as Istio's scrape names them:
 *   envoy_cluster_<stat>{source_workload, cluster_name}        counter/gauge
 * (e.g. envoy_cluster_upstream_rq_retry,
 * envoy_cluster_outlier_detection_ejections_active), summed over the client
 * workload's pods and, as Envoy's counters are, over the whole run.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "reports/export.h"

typedef struct group {
    const char *source, *destination, *workload, *version;
    mdl_response_count *responses; /* summed over windows and series; sorted */
    size_t nresponses, cap;
    uint64_t buckets[MDL_ISTIO_NBOUNDS + 1];
    uint64_t count;
    double sum_ms;
} group;

static int group_cmp(const void *a, const void *b)
{
    const group *x = a, *y = b;
    int c = strcmp(x->source, y->source);
    if (!c)
        c = strcmp(x->destination, y->destination);
    if (!c)
        c = strcmp(x->workload, y->workload);
    if (!c)
        c = strcmp(x->version, y->version);
    return c;
}

static int response_cmp(const void *a, const void *b)
{
    const mdl_response_count *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return (x->flags > y->flags) - (x->flags < y->flags);
}

static group *group_for(group **gs, size_t *n, size_t *cap, const mdl_series *s)
{
    group key = {s->source, s->destination, s->workload, s->version, NULL, 0, 0, {0}, 0, 0};
    for (size_t i = 0; i < *n; i++)
        if (!group_cmp(&(*gs)[i], &key))
            return &(*gs)[i];
    MS_VEC_GROW(*gs, *n, *cap);
    (*gs)[*n] = key;
    return &(*gs)[(*n)++];
}

static void add_response(group *g, const mdl_response_count *rc)
{
    for (size_t i = 0; i < g->nresponses; i++)
        if (g->responses[i].code == rc->code && g->responses[i].flags == rc->flags) {
            g->responses[i].count += rc->count;
            return;
        }
    MS_VEC_GROW(g->responses, g->nresponses, g->cap);
    g->responses[g->nresponses++] = *rc;
}

static void label(FILE *f, const char *name, const char *value, bool first)
{
    fprintf(f, "%s%s=\"", first ? "" : ",", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"')
            fputc('\\', f), fputc(*p, f);
        else if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void group_labels(FILE *f, const group *g)
{
    label(f, "reporter", "source", true);
    label(f, "source_workload", g->source, false);
    label(f, "destination_service", g->destination, false);
    label(f, "destination_workload", g->workload, false);
    label(f, "destination_version", g->version, false);
}

static void write_requests(FILE *f, const group *gs, size_t n)
{
    fputs("# HELP istio_requests_total Requests started in the measured window, by response.\n"
          "# TYPE istio_requests_total counter\n", f);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < gs[i].nresponses; k++) {
            const mdl_response_count *rc = &gs[i].responses[k];
            char code[16], flags[POL_FLAGS_FORMAT_MAX];
            snprintf(code, sizeof code, "%d", rc->code);
            pol_flags_format(rc->flags, false, flags, sizeof flags);
            fputs("istio_requests_total{", f);
            group_labels(f, &gs[i]);
            label(f, "response_code", code, false);
            label(f, "response_flags", flags, false);
            fprintf(f, "} %llu\n", (unsigned long long)rc->count);
        }
}

static void write_durations(FILE *f, const group *gs, size_t n)
{
    fputs("# HELP istio_request_duration_milliseconds Request duration as the client saw it, "
          "in milliseconds.\n"
          "# TYPE istio_request_duration_milliseconds histogram\n", f);
    for (size_t i = 0; i < n; i++) {
        const group *g = &gs[i];
        uint64_t cum = 0;
        for (int b = 0; b <= MDL_ISTIO_NBOUNDS; b++) {
            char le[32];
            if (b < MDL_ISTIO_NBOUNDS)
                snprintf(le, sizeof le, "%g", mdl_istio_bounds_ms[b]);
            else
                snprintf(le, sizeof le, "+Inf");
            cum += g->buckets[b];
            fputs("istio_request_duration_milliseconds_bucket{", f);
            group_labels(f, g);
            label(f, "le", le, false);
            fprintf(f, "} %llu\n", (unsigned long long)cum);
        }
        fputs("istio_request_duration_milliseconds_sum{", f);
        group_labels(f, g);
        fprintf(f, "} %.17g\n", g->sum_ms);
        fputs("istio_request_duration_milliseconds_count{", f);
        group_labels(f, g);
        fprintf(f, "} %llu\n", (unsigned long long)g->count);
    }
}

/* Envoy's cluster statistics as Istio's Prometheus scrape names them: stat
 * cluster.<name>.<a.b> becomes envoy_cluster_<a_b>{cluster_name="<name>"}; the
 * client workload is a label, since one file holds every proxy. */
static void write_cluster_family(FILE *f, const mdl_results *r, const pol_stat_desc *d,
                                 const char *prefix, bool outlier)
{
    char name[160];
    int k = snprintf(name, sizeof name, "envoy_cluster_%s%s", prefix, d->name);
    for (int i = 0; i < k && i < (int)sizeof name; i++)
        if (name[i] == '.')
            name[i] = '_';
    fprintf(f, "# TYPE %s %s\n", name, d->kind == POL_STAT_GAUGE ? "gauge" : "counter");
    for (size_t i = 0; i < r->nclusters; i++) {
        const mdl_cluster_counters *c = &r->clusters[i];
        fprintf(f, "%s{", name);
        label(f, "source_workload", c->client, true);
        label(f, "cluster_name", c->cluster, false);
        fprintf(f, "} %llu\n",
                (unsigned long long)pol_stat_value(outlier ? (const void *)&c->outlier
                                                           : (const void *)&c->stats, d));
    }
}

static void write_cluster_stats(FILE *f, const mdl_results *r)
{
    if (!r->nclusters)
        return;
    size_t ncs, nos;
    const pol_stat_desc *cs = pol_cluster_stats_table(&ncs);
    const pol_stat_desc *os = pol_outlier_stats_table(&nos);
    for (size_t i = 0; i < ncs; i++)
        write_cluster_family(f, r, &cs[i], "", false);
    for (size_t i = 0; i < nos; i++)
        write_cluster_family(f, r, &os[i], "outlier_detection_", true);
}

void rpt_export_prom(FILE *f, const mdl_results *r)
{
    const mdl_series_set *set = &r->series;
    group *gs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < set->nseries; i++) {
        const mdl_series *s = set->series[i];
        if (!s->total->requests)
            continue;
        group *g = group_for(&gs, &n, &cap, s);
        for (size_t k = 0; k < s->nwindows; k++)
            for (size_t c = 0; c < s->windows[k].nresponses; c++)
                add_response(g, &s->windows[k].responses[c]);
        for (int b = 0; b <= MDL_ISTIO_NBOUNDS; b++)
            g->buckets[b] += s->istio_buckets[b];
        g->count += s->total->requests;
        g->sum_ms += sim_hist_sum(&s->total->latency) / 1e6;
    }
    if (n > 1)
        qsort(gs, n, sizeof *gs, group_cmp);
    for (size_t i = 0; i < n; i++)
        if (gs[i].nresponses > 1)
            qsort(gs[i].responses, gs[i].nresponses, sizeof *gs[i].responses, response_cmp);
    write_requests(f, gs, n);
    write_durations(f, gs, n);
    write_cluster_stats(f, r);
    for (size_t i = 0; i < n; i++)
        free(gs[i].responses);
    free(gs);
}
