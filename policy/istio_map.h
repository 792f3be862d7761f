/*
 * istio_map.h - Istio's translation of VirtualService / DestinationRule blocks
 * (policy/resources.h) into the runtime configs of the retry, timeout, outlier,
 * circuit and fault modules, as pilot's networking/core code does it
 * (policy-semantics.md sections 1.10, 2, 3.7, 5.2, 6.1; summary in section 10).
 *
 * Version choices (see each function): Istio >= 1.24 behaviour (no 503 in the
 * default retriable codes, Istio PR #52111), retryIgnorePreviousHosts and backoff
 * honoured (2025 API), MeshConfig defaults (defaultHttpRetryPolicy,
 * defaultTrafficPolicy) not applied: the caller passes the DR block in force.
 *
 * All functions write complete values into caller storage; nothing is allocated
 * and the inputs are only read (strings are not kept).
 */
#ifndef POL_ISTIO_MAP_H
#define POL_ISTIO_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/circuit.h"
#include "policy/fault.h"
#include "policy/outlier.h"
#include "policy/resources.h"
#include "policy/retry.h"
#include "policy/timeout.h"

#define POL_ISTIO_CONNECT_TIMEOUT_NS INT64_C(10000000000) /* mesh connectTimeout 10 s */
#define POL_ISTIO_IDLE_TIMEOUT_NS INT64_C(3600000000000)  /* 1 h */

/* HTTPRetry -> route retry_policy (1.10).
 *   - in NULL or !in->set: Istio's default policy (2 retries on
 *     connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,
 *     no status code since 1.24, previous_hosts, 5 host re-picks);
 *   - attempts unset or <= 0: retries disabled (retry_on = 0, no retry state);
 *   - otherwise the default policy overridden by attempts, retryOn (codes split
 *     out, retriable-status-codes appended when missing; the default string is
 *     kept when retryOn is unset), perTryTimeout, retryRemoteLocalities
 *     (previous_priorities, update frequency 2), retryIgnorePreviousHosts false
 *     (drops the predicate), backoff (base only; max = 10 x base).
 * `single_consistent_hash_destination`: the route has exactly one destination
 * whose DR uses consistentHash, so the previous_hosts predicate is left out.
 * Returns the number of retryOn tokens Istio's validation would reject (they are
 * ignored, as Envoy ignores them); 0 normally. */
int pol_istio_map_retry(const pol_http_retry *in, bool single_consistent_hash_destination,
                        pol_retry_policy *out);

/* Route timeout and per-try timeout (2): VS timeout, else 0 = disabled (Istio
 * always writes a timeout); max_grpc_timeout = the same; per-try from the retry
 * block only when retries are enabled.  `timeout` may be NULL (unset). */
pol_timeout_config pol_istio_map_timeouts(const pol_opt_duration *timeout, const pol_http_retry *retries);

/* The cluster's healthy_panic_threshold in percent, as Istio writes it (3.7,
 * 4.6): with an outlierDetection block `od`, minHealthPercent, written even when
 * 0 (the default, which disables panic); without one (od NULL), Envoy's 50; and
 * 0 in both cases when `always_send_unhealthy` (the service must always receive
 * unhealthy endpoints: Istio 1.31-dev sends not-ready endpoints by default). */
uint32_t pol_istio_panic_threshold(const pol_outlier_detection *od, bool always_send_unhealthy);

/* OutlierDetection -> outlier_detection (3.7).  `in` must be a present block (no
 * block: no outlier detection at all).  *panic_threshold_pct receives
 * pol_istio_panic_threshold(in, always_send_unhealthy). */
void pol_istio_map_outlier(const pol_outlier_detection *in, bool always_send_unhealthy,
                           pol_outlier_config *out, uint32_t *panic_threshold_pct);

/* The non-threshold connection-pool values a model needs (5.2). */
typedef struct pol_istio_pool_settings {
    int64_t connect_timeout_ns;           /* tcp.connectTimeout, else 10 s */
    int64_t idle_timeout_ns;              /* http.idleTimeout, else tcp.idleTimeout, else 1 h; 0: disabled */
    int64_t max_connection_duration_ns;   /* 0: none */
    uint64_t max_requests_per_connection; /* 0: unlimited */
    uint64_t max_concurrent_streams;      /* 0: Envoy default 2^31-1 */
    pol_h2_upgrade h2_upgrade_policy;
    bool use_client_protocol;
} pol_istio_pool_settings;

/* ConnectionPoolSettings -> circuit_breakers thresholds (5.2).  in NULL: no block.
 * Starts from 2^32-1 for max_connections, max_pending_requests, max_requests and
 * max_retries with track_remaining; a field > 0 replaces its threshold (0 or
 * unset means the default: unlimited, never "zero allowed").  `settings` may be
 * NULL. */
void pol_istio_map_connection_pool(const pol_connection_pool *in, pol_circuit_thresholds *out,
                                   pol_istio_pool_settings *settings);

/* HTTPFaultInjection -> fault filter config (6.1).  in NULL or !set: no fault.
 * Unset percentage means 0 % (percentage, else the deprecated integer `percent`,
 * default 0); a delay needs fixedDelay (exponentialDelay is dropped); an abort
 * uses httpStatus or the numeric value of grpcStatus.  Returns 0, or -1 if
 * grpcStatus is not a gRPC code name (the abort is then dropped). */
int pol_istio_map_fault(const pol_fault_injection *in, pol_fault_config *out);

#endif
