/*
 * cluster_stats.h - per-cluster counters named exactly like Envoy's
 * cluster.<name>.* statistics (policy-semantics.md section 9.1).
 *
 * A plain value struct the caller embeds (one per client proxy and destination
 * cluster).  policy/ modules that produce a stat take a `pol_cluster_stats *`
 * (NULL: do not count) and only ever increment counters; gauges are computed by
 * their owners (pol_circuit, pol_outlier) and copied in at snapshot time.
 *
 * pol_cluster_stats_table() lists every field with its Envoy name and its offset,
 * so that reports can print "cluster.<name>.<stat> <value>" without a switch.
 * Invariant: every uint64_t field of the struct has exactly one table row.
 */
#ifndef POL_CLUSTER_STATS_H
#define POL_CLUSTER_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pol_cluster_stats {
    /* requests (every attempt counts in upstream_rq_total) */
    uint64_t upstream_rq_total;
    uint64_t upstream_rq_active;          /* gauge */
    uint64_t upstream_rq_pending_total;
    uint64_t upstream_rq_pending_active;  /* gauge */
    uint64_t upstream_rq_pending_overflow;
    uint64_t upstream_rq_timeout;
    uint64_t upstream_rq_per_try_timeout;
    uint64_t upstream_rq_rx_reset;
    uint64_t upstream_rq_tx_reset;
    uint64_t upstream_rq_completed;
    uint64_t upstream_rq_1xx;
    uint64_t upstream_rq_2xx;
    uint64_t upstream_rq_3xx;
    uint64_t upstream_rq_4xx;
    uint64_t upstream_rq_5xx;
    uint64_t upstream_rq_maintenance_mode;
    /* retries */
    uint64_t upstream_rq_retry;
    uint64_t upstream_rq_retry_success;
    uint64_t upstream_rq_retry_limit_exceeded;
    uint64_t upstream_rq_retry_overflow;
    uint64_t upstream_rq_retry_backoff_exponential;
    uint64_t upstream_rq_retry_backoff_ratelimited;
    uint64_t retry_upstream_rq_1xx; /* Envoy: retry.upstream_rq_<N>xx */
    uint64_t retry_upstream_rq_2xx;
    uint64_t retry_upstream_rq_3xx;
    uint64_t retry_upstream_rq_4xx;
    uint64_t retry_upstream_rq_5xx;
    uint64_t retry_or_shadow_abandoned;
    /* connections */
    uint64_t upstream_cx_total;
    uint64_t upstream_cx_active;          /* gauge */
    uint64_t upstream_cx_connect_fail;
    uint64_t upstream_cx_connect_timeout;
    uint64_t upstream_cx_overflow;
    uint64_t upstream_cx_pool_overflow;
    uint64_t upstream_cx_destroy;
    uint64_t upstream_cx_max_requests;
    uint64_t upstream_cx_idle_timeout;
    uint64_t upstream_cx_none_healthy;
    /* load balancing and membership */
    uint64_t lb_healthy_panic;
    uint64_t membership_total;            /* gauge */
    uint64_t membership_healthy;          /* gauge, outlier ejection included */
} pol_cluster_stats;

typedef enum pol_stat_kind {
    POL_STAT_COUNTER,
    POL_STAT_GAUGE,
} pol_stat_kind;

/* One row of a stats name table: the Envoy name below the cluster prefix and the
 * byte offset of its uint64_t field. */
typedef struct pol_stat_desc {
    const char *name;
    size_t offset;
    pol_stat_kind kind;
} pol_stat_desc;

/* Read the field a descriptor names. */
static inline uint64_t pol_stat_value(const void *stats, const pol_stat_desc *d)
{
    return *(const uint64_t *)(const void *)((const char *)stats + d->offset);
}

/* Zero every counter a table describes, leaving its gauges (Envoy's
 * /reset_counters). */
static inline void pol_stats_zero_counters(void *stats, const pol_stat_desc *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].kind == POL_STAT_COUNTER)
            *(uint64_t *)(void *)((char *)stats + t[i].offset) = 0;
}

#define POL_CS_(f, k) {#f, offsetof(pol_cluster_stats, f), POL_STAT_##k}

/* The table of every pol_cluster_stats field, in struct order; *n receives its
 * length.  Static storage: never freed. */
static inline const pol_stat_desc *pol_cluster_stats_table(size_t *n)
{
    static const pol_stat_desc table[] = {
        POL_CS_(upstream_rq_total, COUNTER),
        POL_CS_(upstream_rq_active, GAUGE),
        POL_CS_(upstream_rq_pending_total, COUNTER),
        POL_CS_(upstream_rq_pending_active, GAUGE),
        POL_CS_(upstream_rq_pending_overflow, COUNTER),
        POL_CS_(upstream_rq_timeout, COUNTER),
        POL_CS_(upstream_rq_per_try_timeout, COUNTER),
        POL_CS_(upstream_rq_rx_reset, COUNTER),
        POL_CS_(upstream_rq_tx_reset, COUNTER),
        POL_CS_(upstream_rq_completed, COUNTER),
        POL_CS_(upstream_rq_1xx, COUNTER),
        POL_CS_(upstream_rq_2xx, COUNTER),
        POL_CS_(upstream_rq_3xx, COUNTER),
        POL_CS_(upstream_rq_4xx, COUNTER),
        POL_CS_(upstream_rq_5xx, COUNTER),
        POL_CS_(upstream_rq_maintenance_mode, COUNTER),
        POL_CS_(upstream_rq_retry, COUNTER),
        POL_CS_(upstream_rq_retry_success, COUNTER),
        POL_CS_(upstream_rq_retry_limit_exceeded, COUNTER),
        POL_CS_(upstream_rq_retry_overflow, COUNTER),
        POL_CS_(upstream_rq_retry_backoff_exponential, COUNTER),
        POL_CS_(upstream_rq_retry_backoff_ratelimited, COUNTER),
        {"retry.upstream_rq_1xx", offsetof(pol_cluster_stats, retry_upstream_rq_1xx), POL_STAT_COUNTER},
        {"retry.upstream_rq_2xx", offsetof(pol_cluster_stats, retry_upstream_rq_2xx), POL_STAT_COUNTER},
        {"retry.upstream_rq_3xx", offsetof(pol_cluster_stats, retry_upstream_rq_3xx), POL_STAT_COUNTER},
        {"retry.upstream_rq_4xx", offsetof(pol_cluster_stats, retry_upstream_rq_4xx), POL_STAT_COUNTER},
        {"retry.upstream_rq_5xx", offsetof(pol_cluster_stats, retry_upstream_rq_5xx), POL_STAT_COUNTER},
        POL_CS_(retry_or_shadow_abandoned, COUNTER),
        POL_CS_(upstream_cx_total, COUNTER),
        POL_CS_(upstream_cx_active, GAUGE),
        POL_CS_(upstream_cx_connect_fail, COUNTER),
        POL_CS_(upstream_cx_connect_timeout, COUNTER),
        POL_CS_(upstream_cx_overflow, COUNTER),
        POL_CS_(upstream_cx_pool_overflow, COUNTER),
        POL_CS_(upstream_cx_destroy, COUNTER),
        POL_CS_(upstream_cx_max_requests, COUNTER),
        POL_CS_(upstream_cx_idle_timeout, COUNTER),
        POL_CS_(upstream_cx_none_healthy, COUNTER),
        POL_CS_(lb_healthy_panic, COUNTER),
        POL_CS_(membership_total, GAUGE),
        POL_CS_(membership_healthy, GAUGE),
    };
    _Static_assert(sizeof table / sizeof table[0] == sizeof(pol_cluster_stats) / sizeof(uint64_t),
                   "every pol_cluster_stats field needs a table row");
    *n = sizeof table / sizeof table[0];
    return table;
}

#undef POL_CS_

/* Count a final response code in upstream_rq_<N>xx and upstream_rq_completed,
 * or, for a response that was retried, in retry.upstream_rq_<N>xx only. */
static inline void pol_cluster_stats_count_status(pol_cluster_stats *s, int status, int retried)
{
    int c = status / 100;
    if (!s || c < 1 || c > 5)
        return;
    uint64_t *f;
    switch (c) {
    case 1: f = retried ? &s->retry_upstream_rq_1xx : &s->upstream_rq_1xx; break;
    case 2: f = retried ? &s->retry_upstream_rq_2xx : &s->upstream_rq_2xx; break;
    case 3: f = retried ? &s->retry_upstream_rq_3xx : &s->upstream_rq_3xx; break;
    case 4: f = retried ? &s->retry_upstream_rq_4xx : &s->upstream_rq_4xx; break;
    default: f = retried ? &s->retry_upstream_rq_5xx : &s->upstream_rq_5xx; break;
    }
    (*f)++;
    if (!retried)
        s->upstream_rq_completed++;
}

#endif
