/*
 * circuit.h - Envoy's cluster resource manager: the circuit-breaker thresholds
 * max_connections, max_pending_requests, max_requests, max_retries (or a retry
 * budget) and max_connection_pools (policy-semantics.md sections 1.8 and 5).
 *
 * One pol_circuit per (client proxy, destination cluster, routing priority): the
 * limits are cluster-wide, not per endpoint (trap 11.19).  It only counts; the
 * caller decides what an overflow means, as Envoy does:
 *   - pending / requests overflow: the request fails at once with 503 and flag UO
 *     (POL_CB_OVERFLOW_STATUS, POL_FLAG_UO), is never retried and never reported to
 *     outlier detection;
 *   - connections overflow: the request waits as pending instead (see
 *     pol_circuit_cx_try_acquire for the "empty pool" exception);
 *   - retries overflow: the retry does not happen, UO is added to the response
 *     (pol_retry_state does this through this module).
 * Each failed try-acquire increments the matching Envoy overflow counter in the
 * pol_cluster_stats given at init: upstream_cx_overflow, upstream_rq_pending_overflow
 * (pending AND requests), upstream_rq_retry_overflow, upstream_cx_pool_overflow.
 *
 * Invariants: count[r] only changes through acquire/release; release never takes
 * a count below zero (assert).  A count may exceed the limit only through the
 * empty-pool connection exception.  Exact integers, unlike Envoy's fuzzy atomics.
 */
#ifndef POL_CIRCUIT_H
#define POL_CIRCUIT_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/cluster_stats.h"

/* Istio writes 2^32-1 for every threshold it leaves unlimited (section 5.2). */
#define POL_CB_ISTIO_UNLIMITED UINT64_C(4294967295)
/* Envoy's max_connection_pools default: unlimited. */
#define POL_CB_UNLIMITED UINT64_MAX
#define POL_CB_OVERFLOW_STATUS 503

typedef enum pol_cb_resource {
    POL_CB_CONNECTIONS = 0, /* max_connections */
    POL_CB_PENDING,         /* max_pending_requests */
    POL_CB_REQUESTS,        /* max_requests */
    POL_CB_RETRIES,         /* max_retries or the retry budget */
    POL_CB_POOLS,           /* max_connection_pools */
    POL_CB_RESOURCE_COUNT
} pol_cb_resource;

typedef struct pol_circuit_thresholds {
    uint64_t max_connections;      /* Envoy 1024 */
    uint64_t max_pending_requests; /* Envoy 1024 */
    uint64_t max_requests;         /* Envoy 1024 */
    uint64_t max_retries;          /* Envoy 3; ignored when retry_budget is set */
    uint64_t max_connection_pools; /* Envoy unlimited */
    bool retry_budget;             /* retry_budget present */
    double budget_percent;         /* default 20 */
    uint32_t min_retry_concurrency; /* default 3 */
    bool track_remaining;          /* Istio: true */
} pol_circuit_thresholds;

/* Raw Envoy defaults: 1024/1024/1024/3, pools unlimited, no budget. */
pol_circuit_thresholds pol_circuit_thresholds_envoy(void);
/* What Istio writes with no DestinationRule: 2^32-1 for the four thresholds,
 * pools unlimited, track_remaining on. */
pol_circuit_thresholds pol_circuit_thresholds_istio(void);
/* Set a retry budget with Envoy's defaults for the values that are 0 / negative:
 * percent 20, min concurrency 3. */
void pol_circuit_thresholds_set_budget(pol_circuit_thresholds *th, double percent,
                                       uint32_t min_retry_concurrency);

/* Caller-embedded value (no allocation); fields are private. */
typedef struct pol_circuit {
    pol_circuit_thresholds _th;
    uint64_t _count[POL_CB_RESOURCE_COUNT];
    pol_cluster_stats *_stats; /* borrowed, may be NULL */
} pol_circuit;

/* Initialise with all counts 0.  `th` is copied; `stats` is borrowed (may be NULL)
 * and must outlive cb.  There is no _fini: nothing is owned. */
void pol_circuit_init(pol_circuit *cb, const pol_circuit_thresholds *th, pol_cluster_stats *stats);

/* The limit in force for r: the threshold, or for POL_CB_RETRIES with a budget
 * max(floor(percent/100 * (requests + pending)), min_retry_concurrency), recomputed
 * at every call. */
uint64_t pol_circuit_limit(const pol_circuit *cb, pol_cb_resource r);
uint64_t pol_circuit_count(const pol_circuit *cb, pol_cb_resource r);
/* Envoy's canCreate: count < limit. */
bool pol_circuit_can_acquire(const pol_circuit *cb, pol_cb_resource r);

/* Take one unit of r if count < limit and return true; otherwise count the
 * overflow stat of r and return false.  Never blocks. */
bool pol_circuit_try_acquire(pol_circuit *cb, pol_cb_resource r);
/* Give back one unit taken by a successful try_acquire (assert count > 0). */
void pol_circuit_release(pol_circuit *cb, pol_cb_resource r);

/* Connection creation for one host's pool.  When the limit is reached this counts
 * upstream_cx_overflow, and still creates the connection (returns true) when that
 * host's pool has no connection at all (`pool_is_empty`), so that its pending
 * requests cannot starve (section 5.1).  Otherwise returns false: the request
 * stays pending. */
bool pol_circuit_cx_try_acquire(pol_circuit *cb, bool pool_is_empty);

/* Gauge circuit_breakers.<p>.<name>_open: 1 while count >= limit. */
bool pol_circuit_is_open(const pol_circuit *cb, pol_cb_resource r);
/* Gauge remaining_<x>: limit - count (0 when over); always 0 for retries while a
 * budget is in use, as Envoy does. */
uint64_t pol_circuit_remaining(const pol_circuit *cb, pol_cb_resource r);

/* Gauge names below circuit_breakers.<default|high>.: "cx_open", "rq_pending_open",
 * "rq_open", "rq_retry_open", "cx_pool_open", and "remaining_cx",
 * "remaining_pending", "remaining_rq", "remaining_retries" (pools have no
 * remaining gauge: NULL).  Static strings. */
const char *pol_circuit_open_gauge_name(pol_cb_resource r);
const char *pol_circuit_remaining_gauge_name(pol_cb_resource r);

#endif
