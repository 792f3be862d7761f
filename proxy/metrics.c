/*
 * metrics.c - Istio's standard request metrics (istio_requests_total,
 * istio_request_duration_milliseconds with Envoy's default buckets) kept per
 * worker under the worker's metrics mutex, the Prometheus text exposition
 * (format 0.0.4) of them and of every cluster's Envoy counters, and access
 * log lines in Envoy's default format (reference 2g, 5a, 5b).
 *
 * A label set is keyed by one string (its values joined with 0x1f); each
 * worker's table is open addressing on that key; a scrape copies every
 * worker's entries, sorts them by key and merges equal keys, so the output
 * order is stable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/hash.h"
#include "proxy/server_int.h"

const double px_buckets_ms[PX_NBUCKETS] = {0.5,  1,    5,     10,    25,     50,     100,
                                               250,  500,  1000,  2500,  5000,   10000,  30000,
                                               60000, 300000, 600000, 1800000, 3600000};

static uint64_t key_hash(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
    return h;
}

static px_metric *lookup(px_metrics *m, const char *key, size_t n)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        px_metric *items = calloc(cap, sizeof *items);
        if (!items)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->items[i].key) {
                size_t j = key_hash(m->items[i].key, strlen(m->items[i].key)) & (cap - 1);
                while (items[j].key)
                    j = (j + 1) & (cap - 1);
                items[j] = m->items[i];
            }
        free(m->items);
        m->items = items;
        m->cap = cap;
    }
    size_t j = key_hash(key, n) & (m->cap - 1);
    while (m->items[j].key) {
        if (!strncmp(m->items[j].key, key, n) && m->items[j].key[n] == 0)
            return &m->items[j];
        j = (j + 1) & (m->cap - 1);
    }
    m->items[j].key = strndup(key, n);
    if (!m->items[j].key)
        return NULL;
    m->n++;
    return &m->items[j];
}

void px_metrics_free(px_metrics *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->items[i].key);
    free(m->items);
    memset(m, 0, sizeof *m);
}

void px_metrics_record(px_worker *w, const px_req *r, int64_t now)
{
    char flags[POL_FLAGS_FORMAT_MAX];
    pol_flags_format(r->flags, false, flags, sizeof flags);
    char key[1024];
    const px_cluster *cl = r->cl;
    const char *auth = px_req_str(r, r->authority_off);
    size_t alen = pol_host_strip_port(auth, r->authority_len);
    int n;
    if (cl)
        n = snprintf(key, sizeof key, "%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%s", cl->fqdn, cl->service_name,
                     cl->service_ns, r->version ? r->version : "unknown", r->status, flags);
    else
        n = snprintf(key, sizeof key, "%.*s\x1funknown\x1funknown\x1funknown\x1f%d\x1f%s", (int)alen,
                     alen ? auth : "unknown", r->status, flags);
    if (n < 0 || (size_t)n >= sizeof key)
        return;
    double ms = (double)(now - r->start_ns) / 1e6;
    pthread_mutex_lock(&w->mmu);
    px_metric *m = lookup(&w->metrics, key, (size_t)n);
    if (m) {
        if (!m->count || ms < m->min_ms)
            m->min_ms = ms;
        if (!m->count || ms > m->max_ms)
            m->max_ms = ms;
        m->count++;
        m->requests++;
        m->sum_ms += ms;
        size_t b = 0;
        while (b < PX_NBUCKETS && ms > px_buckets_ms[b])
            b++;
        m->buckets[b]++;
    }
    pthread_mutex_unlock(&w->mmu);
}

void px_access_log(px_worker *w, const px_req *r, int64_t now)
{
    int fd = w->srv->log_fd;
    if (fd < 0)
        return;
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    int64_t start_real = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - (now - r->start_ns);
    time_t secs = (time_t)(start_real / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[40];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    char flags[POL_FLAGS_FORMAT_MAX];
    pol_flags_format(r->flags, false, flags, sizeof flags);
    char ust[24] = "-";
    if (r->upstream_time_ms >= 0)
        snprintf(ust, sizeof ust, "%lld", (long long)r->upstream_time_ms);
#define OR_DASH(off, len) (int)((len) ? (len) : 1), ((len) ? px_req_str(r, off) : "-")
    char line[4096];
    int n = snprintf(line, sizeof line,
                     "[%s.%03dZ] \"%.*s %.*s HTTP/1.%d\" %d %s %llu %llu %lld %s \"%.*s\" \"%.*s\" \"%.*s\" "
                     "\"%.*s\" \"%s\"\n",
                     ts, (int)((start_real / 1000000) % 1000), OR_DASH(r->method_off, r->method_len),
                     OR_DASH(r->path_off, r->path_len), r->minor, r->status, flags,
                     (unsigned long long)r->bytes_received, (unsigned long long)r->bytes_sent,
                     (long long)((now - r->start_ns) / 1000000), ust, OR_DASH(r->xff_off, r->xff_len),
                     OR_DASH(r->ua_off, r->ua_len), OR_DASH(r->rid_off, r->rid_len),
                     OR_DASH(r->authority_off, r->authority_len), r->upstream_host ? r->upstream_host : "-");
#undef OR_DASH
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        ssize_t wr = write(fd, line, len);
        (void)wr;
    }
}

static int cmp_metric(const void *a, const void *b)
{
    return strcmp(((const px_metric *)a)->key, ((const px_metric *)b)->key);
}

/* Write one label value, escaped (\\, \", \n). */
static void put_label(px_buf *out, const char *name, const char *v, size_t n, bool comma)
{
    if (comma)
        px_buf_append(out, ",", 1);
    px_buf_puts(out, name);
    px_buf_append(out, "=\"", 2);
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\\' || v[i] == '"')
            px_buf_append(out, "\\", 1);
        if (v[i] == '\n') {
            px_buf_append(out, "\\n", 2);
            continue;
        }
        px_buf_append(out, &v[i], 1);
    }
    px_buf_append(out, "\"", 1);
}

static void put_istio_labels(px_buf *out, const char *key, const char *ns)
{
    static const char *const names[] = {"destination_service", "destination_service_name",
                                        "destination_service_namespace", "destination_version",
                                        "response_code", "response_flags"};
    px_buf_puts(out, "reporter=\"source\",source_workload=\"meshproxy\"");
    put_label(out, "source_workload_namespace", ns, strlen(ns), true);
    const char *p = key;
    for (int i = 0; i < 6; i++) {
        const char *e = strchr(p, '\x1f');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        put_label(out, names[i], p, n, true);
        p = e ? e + 1 : p + n;
    }
    px_buf_puts(out, ",request_protocol=\"http\",connection_security_policy=\"unknown\"");
}

/* One Prometheus group per descriptor of `st`: its TYPE line, then a sample
 * per cluster read from snaps (one snapshot of `size` bytes a cluster); only
 * the clusters with outlier detection when `outlier_only` (Envoy creates the
 * outlier_detection stats with the detector, as /stats lists them).  Dots in
 * descriptor names become underscores. */
static void put_stat_groups(px_buf *out, const px_conf *c, const char *prefix, const pol_stat_desc *st, size_t nst,
                            const void *snaps, size_t size, bool outlier_only)
{
    char name[192], line[256];
    size_t shown = 0;
    for (size_t i = 0; i < c->nclusters; i++)
        shown += !outlier_only || c->clusters[i].od;
    for (size_t t = 0; t < nst && shown; t++) {
        snprintf(name, sizeof name, "%s%s", prefix, st[t].name);
        for (char *p = name; *p; p++)
            if (*p == '.')
                *p = '_';
        snprintf(line, sizeof line, "# TYPE %s %s\n", name, st[t].kind == POL_STAT_GAUGE ? "gauge" : "counter");
        px_buf_puts(out, line);
        for (size_t i = 0; i < c->nclusters; i++) {
            if (outlier_only && !c->clusters[i].od)
                continue;
            px_buf_puts(out, name);
            px_buf_append(out, "{", 1);
            put_label(out, "envoy_cluster_name", c->clusters[i].name, strlen(c->clusters[i].name), false);
            uint64_t v = pol_stat_value((const char *)snaps + i * size, &st[t]);
            snprintf(line, sizeof line, "} %llu\n", (unsigned long long)v);
            px_buf_puts(out, line);
        }
    }
}

px_metric *px_metrics_merged(px_server *s, size_t *nout)
{
    size_t total = 0, k = 0;
    for (int i = 0; i < s->nworkers; i++) {
        pthread_mutex_lock(&s->workers[i].mmu);
        total += s->workers[i].metrics.n;
        pthread_mutex_unlock(&s->workers[i].mmu);
    }
    px_metric *all = calloc(total + 1, sizeof *all);
    if (!all)
        return NULL;
    for (int i = 0; i < s->nworkers; i++) {
        px_worker *w = &s->workers[i];
        pthread_mutex_lock(&w->mmu);
        for (size_t j = 0; j < w->metrics.cap && k < total; j++)
            if (w->metrics.items[j].key) {
                all[k] = w->metrics.items[j];
                all[k].key = strdup(w->metrics.items[j].key);
                k += all[k].key != NULL;
            }
        pthread_mutex_unlock(&w->mmu);
    }
    qsort(all, k, sizeof *all, cmp_metric);
    size_t n = 0;
    for (size_t i = 0; i < k; i++) {
        px_metric *last = n ? &all[n - 1] : NULL;
        if (last && !strcmp(last->key, all[i].key)) {
            if (all[i].count && (!last->count || all[i].min_ms < last->min_ms))
                last->min_ms = all[i].min_ms;
            if (all[i].count && (!last->count || all[i].max_ms > last->max_ms))
                last->max_ms = all[i].max_ms;
            last->count += all[i].count;
            last->requests += all[i].requests;
            last->sum_ms += all[i].sum_ms;
            for (int b = 0; b <= PX_NBUCKETS; b++)
                last->buckets[b] += all[i].buckets[b];
            free(all[i].key);
        } else {
            all[n++] = all[i];
        }
    }
    *nout = n;
    return all;
}

void px_metrics_merged_free(px_metric *all, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(all[i].key);
    free(all);
}

void px_metrics_reset_counters(px_server *s, px_conf *c)
{
    for (int i = 0; i < s->nworkers; i++) {
        px_worker *w = &s->workers[i];
        atomic_store(&w->downstream_rq_total, 0);
        atomic_store(&w->downstream_cx_total, 0);
        atomic_store(&w->downstream_cx_upgrades_total, 0);
        atomic_store(&w->downstream_rq_ws_on_non_ws_route, 0);
        atomic_store(&w->downstream_rq_idle_timeout, 0);
        pthread_mutex_lock(&w->mmu);
        for (size_t j = 0; j < w->metrics.cap; j++)
            w->metrics.items[j].requests = 0;
        w->fault_stats = (pol_fault_stats){0};
        pthread_mutex_unlock(&w->mmu);
    }
    if (s->opt.rate_limit) {
        pthread_mutex_lock(&s->rl_mu);
        pol_ratelimit_reset_stats(&s->rl);
        pthread_mutex_unlock(&s->rl_mu);
    }
    if (!c)
        return;
    size_t nst;
    const pol_stat_desc *st = pol_cluster_stats_table(&nst);
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        px_cluster_lock(cl);
        pol_stats_zero_counters(&cl->stats, st, nst);
        if (cl->od)
            pol_outlier_reset_counters(cl->od);
        px_cluster_unlock(cl);
    }
}

int px_metrics_prometheus(px_server *s, px_conf *c, px_buf *out)
{
    char line[512];
    /* merged Istio metrics */
    size_t n = 0;
    px_metric *all = px_metrics_merged(s, &n);
    if (!all)
        return -1;
    const char *ns = c ? c->ns : "default";
    px_buf_puts(out, "# HELP istio_requests_total Requests by source and destination.\n"
                     "# TYPE istio_requests_total counter\n");
    for (size_t i = 0; i < n; i++) {
        px_buf_puts(out, "istio_requests_total{");
        put_istio_labels(out, all[i].key, ns);
        snprintf(line, sizeof line, "} %llu\n", (unsigned long long)all[i].requests);
        px_buf_puts(out, line);
    }
    px_buf_puts(out, "# HELP istio_request_duration_milliseconds Request duration.\n"
                     "# TYPE istio_request_duration_milliseconds histogram\n");
    for (size_t i = 0; i < n; i++) {
        uint64_t cum = 0;
        for (int b = 0; b <= PX_NBUCKETS; b++) {
            cum += all[i].buckets[b];
            px_buf_puts(out, "istio_request_duration_milliseconds_bucket{");
            put_istio_labels(out, all[i].key, ns);
            if (b < PX_NBUCKETS)
                snprintf(line, sizeof line, ",le=\"%g\"} %llu\n", px_buckets_ms[b], (unsigned long long)cum);
            else
                snprintf(line, sizeof line, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
            px_buf_puts(out, line);
        }
        px_buf_puts(out, "istio_request_duration_milliseconds_sum{");
        put_istio_labels(out, all[i].key, ns);
        snprintf(line, sizeof line, "} %.3f\n", all[i].sum_ms);
        px_buf_puts(out, line);
        px_buf_puts(out, "istio_request_duration_milliseconds_count{");
        put_istio_labels(out, all[i].key, ns);
        snprintf(line, sizeof line, "} %llu\n", (unsigned long long)all[i].count);
        px_buf_puts(out, line);
    }
    px_metrics_merged_free(all, n);
    /* downstream, fault filter, local rate limit */
    uint64_t rq = 0, cx = 0, delays = 0, aborts = 0, up = 0, up_active = 0, non_ws = 0, idle = 0;
    for (int i = 0; i < s->nworkers; i++) {
        idle += s->workers[i].downstream_rq_idle_timeout;
        rq += s->workers[i].downstream_rq_total;
        cx += s->workers[i].downstream_cx_total;
        up += s->workers[i].downstream_cx_upgrades_total;
        up_active += s->workers[i].downstream_cx_upgrades_active;
        non_ws += s->workers[i].downstream_rq_ws_on_non_ws_route;
        pthread_mutex_lock(&s->workers[i].mmu);
        delays += s->workers[i].fault_stats.delays_injected;
        aborts += s->workers[i].fault_stats.aborts_injected;
        pthread_mutex_unlock(&s->workers[i].mmu);
    }
    snprintf(line, sizeof line,
             "# TYPE envoy_http_fault_delays_injected counter\nenvoy_http_fault_delays_injected %llu\n"
             "# TYPE envoy_http_fault_aborts_injected counter\nenvoy_http_fault_aborts_injected %llu\n",
             (unsigned long long)delays, (unsigned long long)aborts);
    px_buf_puts(out, line);
    if (s->opt.rate_limit) {
        pthread_mutex_lock(&s->rl_mu);
        pol_ratelimit_stats rs = s->rl.stats;
        pthread_mutex_unlock(&s->rl_mu);
        snprintf(line, sizeof line,
                 "# TYPE envoy_http_local_rate_limit_enabled counter\nenvoy_http_local_rate_limit_enabled %llu\n"
                 "# TYPE envoy_http_local_rate_limit_ok counter\nenvoy_http_local_rate_limit_ok %llu\n"
                 "# TYPE envoy_http_local_rate_limit_rate_limited counter\n"
                 "envoy_http_local_rate_limit_rate_limited %llu\n"
                 "# TYPE envoy_http_local_rate_limit_enforced counter\nenvoy_http_local_rate_limit_enforced %llu\n",
                 (unsigned long long)rs.enabled, (unsigned long long)rs.ok, (unsigned long long)rs.rate_limited,
                 (unsigned long long)rs.enforced);
        px_buf_puts(out, line);
    }
    snprintf(line, sizeof line,
             "# TYPE envoy_http_downstream_rq_total counter\nenvoy_http_downstream_rq_total %llu\n"
             "# TYPE envoy_http_downstream_cx_total counter\nenvoy_http_downstream_cx_total %llu\n"
             "# TYPE envoy_http_downstream_rq_idle_timeout counter\nenvoy_http_downstream_rq_idle_timeout %llu\n",
             (unsigned long long)rq, (unsigned long long)cx, (unsigned long long)idle);
    px_buf_puts(out, line);
    snprintf(line, sizeof line,
             "# TYPE envoy_http_downstream_cx_upgrades_total counter\nenvoy_http_downstream_cx_upgrades_total %llu\n"
             "# TYPE envoy_http_downstream_cx_upgrades_active gauge\nenvoy_http_downstream_cx_upgrades_active %llu\n"
             "# TYPE envoy_http_downstream_rq_ws_on_non_ws_route counter\n"
             "envoy_http_downstream_rq_ws_on_non_ws_route %llu\n",
             (unsigned long long)up, (unsigned long long)up_active, (unsigned long long)non_ws);
    px_buf_puts(out, line);
    if (!c)
        return 0;
    /* Envoy cluster statistics: one group per stat, a sample per cluster */
    size_t nst;
    const pol_stat_desc *st = pol_cluster_stats_table(&nst);
    pol_cluster_stats *snap = calloc(c->nclusters + 1, sizeof *snap);
    pol_outlier_stats *osnap = calloc(c->nclusters + 1, sizeof *osnap);
    if (!snap || !osnap) {
        free(snap);
        free(osnap);
        return -1;
    }
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        px_cluster_lock(cl);
        snap[i] = cl->stats;
        if (cl->od)
            osnap[i] = *pol_outlier_stats_get(cl->od);
        px_cluster_unlock(cl);
    }
    put_stat_groups(out, c, "envoy_cluster_", st, nst, snap, sizeof *snap, false);
    /* circuit breakers (default priority): *_open and remaining_* gauges */
    for (int r = 0; r < POL_CB_RESOURCE_COUNT; r++) {
        for (int kind = 0; kind < 2; kind++) {
            const char *g = kind ? pol_circuit_remaining_gauge_name((pol_cb_resource)r)
                                 : pol_circuit_open_gauge_name((pol_cb_resource)r);
            if (!g)
                continue;
            snprintf(line, sizeof line, "# TYPE envoy_cluster_circuit_breakers_default_%s gauge\n", g);
            px_buf_puts(out, line);
            for (size_t i = 0; i < c->nclusters; i++) {
                px_cluster *cl = &c->clusters[i];
                px_cluster_lock(cl);
                uint64_t v = kind ? pol_circuit_remaining(&cl->cb, (pol_cb_resource)r)
                                  : pol_circuit_is_open(&cl->cb, (pol_cb_resource)r);
                px_cluster_unlock(cl);
                snprintf(line, sizeof line, "envoy_cluster_circuit_breakers_default_%s{", g);
                px_buf_puts(out, line);
                put_label(out, "envoy_cluster_name", cl->name, strlen(cl->name), false);
                snprintf(line, sizeof line, "} %llu\n", (unsigned long long)v);
                px_buf_puts(out, line);
            }
        }
    }
    size_t nod;
    const pol_stat_desc *od = pol_outlier_stats_table(&nod);
    put_stat_groups(out, c, "envoy_cluster_outlier_detection_", od, nod, osnap, sizeof *osnap, true);
    free(snap);
    free(osnap);
    return 0;
}
