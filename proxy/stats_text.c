/*
 * stats_text.c - the admin port's /stats in Envoy's plain-text form: every
 * counter and gauge as "name: value", sorted by name, then every histogram as
 * "name: P0(interval,cumulative) P25(...) ... P100(...)" with Envoy's
 * quantiles (0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100).  An optional
 * filter (/stats?filter=REGEX) keeps the names it matches anywhere.
 *
 * Names follow Envoy's stats tree: cluster.<name>.<stat>,
 * cluster.<name>.circuit_breakers.default.<gauge>,
 * cluster.<name>.outlier_detection.<stat>, http.meshproxy.<stat> for the
 * connection manager and its filters, server.<stat>; Istio's metrics carry
 * their labels inside the name as Istio's stats filter encodes them
 * ("label=.=value;.;" ... then the metric name).
 *
 * With `json` (/stats?format=json) the same stats in Envoy's JSON form:
 * {"stats":[{"name":N,"value":V},...,{"histograms":{"supported_quantiles":
 * [0,25,...,100],"computed_quantiles":[{"name":N,"values":[{"cumulative":X,
 * "interval":null},...]}]}}]}, numbers printed with %g and a nan (the
 * interval values) as null, as Envoy's JSON streamer does; the histograms
 * element is absent when no histogram is listed.
 *
 * Histograms: the duration histogram keeps Envoy's bucket counts plus the
 * smallest and largest sample, so P0 and P100 are exact and the others are
 * interpolated linearly inside their bucket.  meshproxy has no stats sink,
 * hence no flush interval: the interval values are "nan", as Envoy prints
 * before its first flush.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "proxy/server_int.h"

typedef struct stat_line {
    char *name;
    uint64_t value;
} stat_line;

typedef struct stat_list {
    stat_line *items;
    size_t n, cap;
    bool oom;
    const pcre2_code *filter;  /* keep only the names it matches (or NULL) */
    pcre2_match_data *md;
} stat_list;

static void add(stat_list *l, const char *name, uint64_t v)
{
    if (l->oom)
        return;
    if (l->filter && pcre2_match(l->filter, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, l->md, NULL) < 0)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        stat_line *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            l->oom = true;
            return;
        }
        l->items = items;
        l->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy) {
        l->oom = true;
        return;
    }
    l->items[l->n++] = (stat_line){copy, v};
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(((const stat_line *)a)->name, ((const stat_line *)b)->name);
}

/* Istio's label encoding of one metric's key, then `metric`, into name. */
static void istio_name(char *name, size_t cap, const char *key, const char *ns, const char *metric)
{
    static const char *const labels[] = {"destination_service", "destination_service_name",
                                         "destination_service_namespace", "destination_version",
                                         "response_code", "response_flags"};
    int n = snprintf(name, cap, "reporter=.=source;.;source_workload=.=meshproxy;.;source_workload_namespace=.=%s;.;",
                     ns);
    const char *p = key;
    for (int i = 0; i < 6 && n >= 0 && (size_t)n < cap; i++) {
        const char *e = strchr(p, '\x1f');
        int len = e ? (int)(e - p) : (int)strlen(p);
        n += snprintf(name + n, cap - (size_t)n, "%s=.=%.*s;.;", labels[i], len, p);
        p = e ? e + 1 : p + len;
    }
    if (n >= 0 && (size_t)n < cap)
        snprintf(name + n, cap - (size_t)n, "request_protocol=.=http;.;%s", metric);
}

/* The q-quantile of a bucketed histogram with known extremes. */
static double quantile(const px_metric *m, double q)
{
    if (q <= 0)
        return m->min_ms;
    if (q >= 1)
        return m->max_ms;
    double rank = q * (double)m->count, cum = 0;
    for (int b = 0; b <= PX_NBUCKETS; b++) {
        double c = (double)m->buckets[b];
        if (c > 0 && cum + c >= rank) {
            double lo = b ? px_buckets_ms[b - 1] : m->min_ms;
            double hi = b < PX_NBUCKETS ? px_buckets_ms[b] : m->max_ms;
            if (lo < m->min_ms)
                lo = m->min_ms;
            if (hi > m->max_ms)
                hi = m->max_ms;
            return lo + (hi - lo) * (rank - cum) / c;
        }
        cum += c;
    }
    return m->max_ms;
}

static const double quantiles[] = {0, 0.25, 0.5, 0.75, 0.90, 0.95, 0.99, 0.995, 0.999, 1};
#define NQUANTILES (sizeof quantiles / sizeof quantiles[0])

static void put_histogram(px_buf *out, const char *name, const px_metric *m)
{
    char part[96];
    px_buf_puts(out, name);
    px_buf_puts(out, ":");
    for (size_t i = 0; i < NQUANTILES; i++) {
        snprintf(part, sizeof part, " P%g(nan,%g)", quantiles[i] * 100, quantile(m, quantiles[i]));
        px_buf_puts(out, part);
    }
    px_buf_puts(out, "\n");
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void put_json_str(px_buf *out, const char *s)
{
    px_buf_append(out, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            px_buf_append(out, "\\", 1);
        if ((unsigned char)*s < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", (unsigned)(unsigned char)*s);
            px_buf_puts(out, e);
            continue;
        }
        px_buf_append(out, s, 1);
    }
    px_buf_append(out, "\"", 1);
}

static void put_json_stat(px_buf *out, const stat_line *st, bool first)
{
    char num[48];
    px_buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
    put_json_str(out, st->name);
    snprintf(num, sizeof num, ",\"value\":%llu}", (unsigned long long)st->value);
    px_buf_puts(out, num);
}

static void put_json_histogram(px_buf *out, const char *name, const px_metric *m, bool first)
{
    char part[96];
    px_buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
    put_json_str(out, name);
    px_buf_puts(out, ",\"values\":[");
    for (size_t i = 0; i < NQUANTILES; i++) {
        snprintf(part, sizeof part, "%s{\"cumulative\":%g,\"interval\":null}", i ? "," : "",
                 quantile(m, quantiles[i]));
        px_buf_puts(out, part);
    }
    px_buf_puts(out, "]}");
}

static void put_json_supported_quantiles(px_buf *out)
{
    char part[32];
    px_buf_puts(out, "\"supported_quantiles\":[");
    for (size_t i = 0; i < NQUANTILES; i++) {
        snprintf(part, sizeof part, "%s%g", i ? "," : "", quantiles[i] * 100);
        px_buf_puts(out, part);
    }
    px_buf_puts(out, "]");
}

static void cluster_stats(stat_list *l, px_conf *c)
{
    size_t nst, nod;
    const pol_stat_desc *st = pol_cluster_stats_table(&nst);
    const pol_stat_desc *od = pol_outlier_stats_table(&nod);
    char name[512];
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        px_cluster_lock(cl);
        pol_cluster_stats cs = cl->stats;
        pol_outlier_stats os = {0};
        if (cl->od)
            os = *pol_outlier_stats_get(cl->od);
        uint64_t open[POL_CB_RESOURCE_COUNT], remaining[POL_CB_RESOURCE_COUNT];
        for (int r = 0; r < POL_CB_RESOURCE_COUNT; r++) {
            open[r] = pol_circuit_is_open(&cl->cb, (pol_cb_resource)r);
            remaining[r] = pol_circuit_remaining(&cl->cb, (pol_cb_resource)r);
        }
        px_cluster_unlock(cl);
        for (size_t t = 0; t < nst; t++) {
            snprintf(name, sizeof name, "cluster.%s.%s", cl->name, st[t].name);
            add(l, name, pol_stat_value(&cs, &st[t]));
        }
        for (int r = 0; r < POL_CB_RESOURCE_COUNT; r++) {
            const char *g = pol_circuit_open_gauge_name((pol_cb_resource)r);
            if (g) {
                snprintf(name, sizeof name, "cluster.%s.circuit_breakers.default.%s", cl->name, g);
                add(l, name, open[r]);
            }
            g = pol_circuit_remaining_gauge_name((pol_cb_resource)r);
            if (g) {
                snprintf(name, sizeof name, "cluster.%s.circuit_breakers.default.%s", cl->name, g);
                add(l, name, remaining[r]);
            }
        }
        if (!cl->od)
            continue;
        for (size_t t = 0; t < nod; t++) {
            snprintf(name, sizeof name, "cluster.%s.outlier_detection.%s", cl->name, od[t].name);
            add(l, name, pol_stat_value(&os, &od[t]));
        }
    }
}

static void server_stats(stat_list *l, px_server *s, px_conf *c)
{
    uint64_t rq = 0, cx = 0, delays = 0, aborts = 0, up = 0, up_active = 0, non_ws = 0, idle = 0;
    for (int i = 0; i < s->nworkers; i++) {
        idle += atomic_load(&s->workers[i].downstream_rq_idle_timeout);
        rq += atomic_load(&s->workers[i].downstream_rq_total);
        cx += atomic_load(&s->workers[i].downstream_cx_total);
        up += atomic_load(&s->workers[i].downstream_cx_upgrades_total);
        up_active += atomic_load(&s->workers[i].downstream_cx_upgrades_active);
        non_ws += atomic_load(&s->workers[i].downstream_rq_ws_on_non_ws_route);
        pthread_mutex_lock(&s->workers[i].mmu);
        delays += s->workers[i].fault_stats.delays_injected;
        aborts += s->workers[i].fault_stats.aborts_injected;
        pthread_mutex_unlock(&s->workers[i].mmu);
    }
    add(l, "http.meshproxy.downstream_rq_total", rq);
    add(l, "http.meshproxy.downstream_cx_total", cx);
    add(l, "http.meshproxy.downstream_cx_upgrades_total", up);
    add(l, "http.meshproxy.downstream_cx_upgrades_active", up_active);
    add(l, "http.meshproxy.downstream_rq_ws_on_non_ws_route", non_ws);
    add(l, "http.meshproxy.downstream_rq_idle_timeout", idle);
    add(l, "http.meshproxy.fault.delays_injected", delays);
    add(l, "http.meshproxy.fault.aborts_injected", aborts);
    if (s->opt.rate_limit) {
        pthread_mutex_lock(&s->rl_mu);
        pol_ratelimit_stats rs = s->rl.stats;
        pthread_mutex_unlock(&s->rl_mu);
        add(l, "http.meshproxy.local_rate_limit.enabled", rs.enabled);
        add(l, "http.meshproxy.local_rate_limit.enforced", rs.enforced);
        add(l, "http.meshproxy.local_rate_limit.ok", rs.ok);
        add(l, "http.meshproxy.local_rate_limit.rate_limited", rs.rate_limited);
    }
    bool live = !atomic_load(&s->draining) && !atomic_load(&s->hc_failed);
    add(l, "server.concurrency", (uint64_t)s->nworkers);
    add(l, "server.live", live);
    add(l, "server.uptime", (uint64_t)((px_clock_ns() - s->start_ns) / 1000000000));
    (void)c;
}

int px_stats_text(px_server *s, px_conf *c, const pcre2_code *filter, bool json, px_buf *out)
{
    pcre2_match_data *md = filter ? pcre2_match_data_create_from_pattern(filter, NULL) : NULL;
    if (filter && !md)
        return -1;
    stat_list l = {.filter = filter, .md = md};
    size_t n = 0;
    px_metric *all = px_metrics_merged(s, &n);
    const char *ns = c ? c->ns : "default";
    char name[2048];
    if (!all) {
        pcre2_match_data_free(md);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        istio_name(name, sizeof name, all[i].key, ns, "istio_requests_total");
        add(&l, name, all[i].requests);
    }
    if (c)
        cluster_stats(&l, c);
    server_stats(&l, s, c);
    /* histograms, sorted by name as well: the value is the index in `all` */
    stat_list h = {.filter = filter, .md = md};
    for (size_t i = 0; i < n; i++) {
        istio_name(name, sizeof name, all[i].key, ns, "istio_request_duration_milliseconds");
        add(&h, name, i);
    }
    int rc = l.oom || h.oom ? -1 : 0;
    if (l.n)
        qsort(l.items, l.n, sizeof *l.items, cmp_line);
    if (h.n)
        qsort(h.items, h.n, sizeof *h.items, cmp_line);
    char num[32];
    if (json)
        px_buf_puts(out, "{\"stats\":[");
    for (size_t i = 0; i < l.n; i++) {
        if (json) {
            put_json_stat(out, &l.items[i], i == 0);
        } else {
            px_buf_puts(out, l.items[i].name);
            snprintf(num, sizeof num, ": %llu\n", (unsigned long long)l.items[i].value);
            px_buf_puts(out, num);
        }
    }
    if (json && h.n) {
        px_buf_puts(out, l.n ? ",{\"histograms\":{" : "{\"histograms\":{");
        put_json_supported_quantiles(out);
        px_buf_puts(out, ",\"computed_quantiles\":[");
    }
    for (size_t i = 0; i < h.n; i++) {
        if (json)
            put_json_histogram(out, h.items[i].name, &all[h.items[i].value], i == 0);
        else
            put_histogram(out, h.items[i].name, &all[h.items[i].value]);
    }
    if (json)
        px_buf_puts(out, h.n ? "]}}]}" : "]}");
    for (size_t i = 0; i < l.n; i++)
        free(l.items[i].name);
    for (size_t i = 0; i < h.n; i++)
        free(h.items[i].name);
    free(l.items);
    free(h.items);
    px_metrics_merged_free(all, n);
    pcre2_match_data_free(md);
    return rc;
}
