/*
 * outlier.h - Envoy's outlier detector (passive health checking) for one cluster
 * of N hosts (policy-semantics.md section 3, traps 11.7-11.11).
 *
 * What it models:
 *   - per-host consecutive 5xx / gateway-failure / local-origin counters, fed
 *     by pol_outlier_report(); a counter that reaches its threshold (equality)
 *     signals a detection at once (Envoy runs it on the main thread right after the
 *     worker's report; we run it inline);
 *   - ejectHost: the strict max_ejection_percent rule (active+1)/total <= max%,
 *     ejections_overflow, enforcement draws, duration min(base x multiplier, max)
 *     + jitter, multiplier += 1 while multiplier x base < max + base;
 *   - pol_outlier_tick(): the interval sweep: un-ejection (only here), bucket
 *     swap, success-rate (population stdev) and failure-percentage detection for
 *     the external and local-origin monitors, then multiplier decay by 1 per
 *     healthy interval;
 *   - stats named as Envoy names outlier_detection.* (pol_outlier_stats).
 * The caller runs the timer: call pol_outlier_tick() every cfg.interval_ns (Envoy
 * re-arms the timer with `interval` after each sweep).
 *
 * Host set: fixed at create (ids 0..n_hosts-1); every host counts in the
 * max-ejection total.  Hosts removed from a cluster are not modelled.
 *
 * Randomness: one ms_rng_u64() per detection whose enforcing percentage is
 * strictly between 0 and 100 (draw: u64 mod 100 < pct), and one per enforced
 * ejection when max_ejection_time_jitter > 0.  rng may be NULL when neither can
 * happen.  No allocation after create; no clock.
 */
#ifndef POL_OUTLIER_H
#define POL_OUTLIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "policy/cluster_stats.h"

typedef struct pol_outlier_config {
    int64_t interval_ns;                 /* 10 s */
    int64_t base_ejection_time_ns;       /* 30 s */
    int64_t max_ejection_time_ns;        /* 0: max(300 s, base) */
    int64_t max_ejection_time_jitter_ns; /* 0 */
    uint32_t max_ejection_percent;       /* 10, capped at 100 */
    bool always_eject_one_host;          /* false */
    uint32_t consecutive_5xx;            /* 5 */
    uint32_t enforcing_consecutive_5xx;  /* 100 */
    uint32_t consecutive_gateway_failure;           /* 5 */
    uint32_t enforcing_consecutive_gateway_failure; /* 0 */
    bool split_external_local_origin_errors;        /* false */
    uint32_t consecutive_local_origin_failure;           /* 5 */
    uint32_t enforcing_consecutive_local_origin_failure; /* 100 */
    uint32_t success_rate_minimum_hosts;   /* 5 */
    uint32_t success_rate_request_volume;  /* 100 */
    uint32_t success_rate_stdev_factor;    /* 1900 (= 1.9) */
    uint32_t enforcing_success_rate;       /* 100 */
    uint32_t enforcing_local_origin_success_rate; /* 100 */
    uint32_t failure_percentage_threshold;        /* 85 */
    uint32_t failure_percentage_minimum_hosts;    /* 5 */
    uint32_t failure_percentage_request_volume;   /* 50 */
    uint32_t enforcing_failure_percentage;        /* 0 */
    uint32_t enforcing_failure_percentage_local_origin; /* 0 */
} pol_outlier_config;

/* Envoy's defaults (section 3.1). */
pol_outlier_config pol_outlier_config_envoy(void);
/* What Istio writes for an `outlierDetection: {}` block: Envoy's defaults with
 * enforcing_success_rate 0 (section 3.7).  (Istio's minHealthPercent 0 goes to the
 * LB's panic threshold, see policy/istio_map.h.) */
pol_outlier_config pol_outlier_config_istio(void);
/* 0 if Envoy accepts the config; -1 if max_ejection_time < base_ejection_time,
 * interval <= 0 or base <= 0. */
int pol_outlier_config_check(const pol_outlier_config *c);
/* max_ejection_time in force: the configured value or max(300 s, base). */
int64_t pol_outlier_config_max_ejection_ns(const pol_outlier_config *c);

/* What one attempt reports.  A non-negative value is an HTTP status; these
 * negative values are the router's non-HTTP results. */
enum {
    POL_OUTLIER_LOCAL_CONNECT_FAILED = -1,   /* upstream reset (not overflow), connect failure */
    POL_OUTLIER_LOCAL_TIMEOUT = -2,          /* per-try or global timeout: 504 unless split */
    POL_OUTLIER_LOCAL_CONNECT_SUCCESS = -3,  /* connected; ignored unless split */
    POL_OUTLIER_LOCAL_CONNECT_SUCCESS_FINAL = -4, /* connected, nothing more will come: 200 */
    POL_OUTLIER_EXT_REQUEST_FAILED = -5,     /* 500 */
    POL_OUTLIER_EXT_REQUEST_SUCCESS = -6,    /* 200 */
};

typedef enum pol_outlier_type {
    POL_OUTLIER_CONSECUTIVE_5XX = 0,
    POL_OUTLIER_CONSECUTIVE_GATEWAY_FAILURE,
    POL_OUTLIER_CONSECUTIVE_LOCAL_ORIGIN_FAILURE,
    POL_OUTLIER_SUCCESS_RATE,
    POL_OUTLIER_LOCAL_ORIGIN_SUCCESS_RATE,
    POL_OUTLIER_FAILURE_PERCENTAGE,
    POL_OUTLIER_FAILURE_PERCENTAGE_LOCAL_ORIGIN,
    POL_OUTLIER_TYPE_COUNT
} pol_outlier_type;

/* cluster.<name>.outlier_detection.* */
typedef struct pol_outlier_stats {
    uint64_t ejections_active; /* gauge */
    uint64_t ejections_overflow;
    uint64_t ejections_enforced_total;
    uint64_t ejections_total;            /* deprecated: consecutive_5xx and success_rate
                                            ejections that passed the max% check */
    uint64_t ejections_consecutive_5xx;  /* deprecated: the consecutive_5xx part of
                                            ejections_total */
    uint64_t ejections_detected[POL_OUTLIER_TYPE_COUNT];
    uint64_t ejections_enforced[POL_OUTLIER_TYPE_COUNT];
} pol_outlier_stats;

/* Name table for reports: "ejections_active", ..., "ejections_detected_consecutive_5xx",
 * "ejections_enforced_success_rate", ... with offsets into pol_outlier_stats
 * (pol_stat_desc from policy/cluster_stats.h).  Static storage. */
const pol_stat_desc *pol_outlier_stats_table(size_t *n);

typedef struct pol_outlier pol_outlier;

/* Create a detector for n_hosts >= 1 hosts, all healthy.  cfg is copied (an
 * unset max_ejection_time is resolved here).  Caller frees with
 * pol_outlier_destroy().  Dies on out of memory (ms_xmalloc). */
pol_outlier *pol_outlier_create(const pol_outlier_config *cfg, uint32_t n_hosts);
void pol_outlier_destroy(pol_outlier *det); /* NULL is fine */
/* Back to the state after create (all counters, stats and ejections cleared). */
void pol_outlier_reset(pol_outlier *det);

/* Report one attempt's outcome for `host` at now_ns.  `status_or_event` is an
 * HTTP status, or one of the POL_OUTLIER_* results above; never report a
 * circuit-breaker overflow (Envoy does not).  A 1xx-4xx status is a success.
 * Returns true if this report ejected the host (consecutive detectors). */
bool pol_outlier_report(pol_outlier *det, uint32_t host, int status_or_event, int64_t now_ns,
                        ms_rng *rng);

/* The interval sweep at now_ns.  Returns the number of hosts ejected during it. */
uint32_t pol_outlier_tick(pol_outlier *det, int64_t now_ns, ms_rng *rng);

bool pol_outlier_is_ejected(const pol_outlier *det, uint32_t host);
uint32_t pol_outlier_ejections_active(const pol_outlier *det);
/* The host's ejection multiplier ("eject_time_backoff"). */
uint32_t pol_outlier_host_multiplier(const pol_outlier *det, uint32_t host);
/* Duration of the host's current ejection (min(base x multiplier, max) + jitter);
 * 0 if not ejected.  The host is un-ejected at the first tick at or after
 * last ejection + this. */
int64_t pol_outlier_host_ejection_ns(const pol_outlier *det, uint32_t host);
/* Consecutive counters of a host, for tests and /clusters-style dumps. */
void pol_outlier_host_counters(const pol_outlier *det, uint32_t host, uint32_t *c5xx, uint32_t *gw,
                               uint32_t *local_origin);
/* Success rate (0..100) published by the last sweep for the external-origin
 * monitor, or -1 when the host was not a valid success-rate host. */
double pol_outlier_host_success_rate(const pol_outlier *det, uint32_t host);
/* The success-rate ejection threshold computed at the last sweep (-1: none). */
double pol_outlier_success_rate_threshold(const pol_outlier *det);
const pol_outlier_stats *pol_outlier_stats_get(const pol_outlier *det);
/* Zero the counters of the stats (ejections_active, a gauge, stays); nothing
 * else of the detector changes. */
void pol_outlier_reset_counters(pol_outlier *det);
const pol_outlier_config *pol_outlier_config_get(const pol_outlier *det);

#endif
