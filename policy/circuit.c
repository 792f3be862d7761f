/*
 * circuit.c - cluster circuit breakers (policy-semantics.md sections 1.8, 5.1).
 *
 * Counting is exact: Envoy's atomics may briefly exceed a limit across worker
 * threads; a single-threaded simulator never does, which is the behaviour Envoy
 * aims at.  The retry budget limit is recomputed on every query from the current
 * requests + pending counts, as Envoy does.
 */
#include "policy/circuit.h"

#include <assert.h>
#include <stddef.h>

pol_circuit_thresholds pol_circuit_thresholds_envoy(void)
{
    pol_circuit_thresholds th = {
        .max_connections = 1024,
        .max_pending_requests = 1024,
        .max_requests = 1024,
        .max_retries = 3,
        .max_connection_pools = POL_CB_UNLIMITED,
        .retry_budget = false,
        .budget_percent = 20.0,
        .min_retry_concurrency = 3,
        .track_remaining = false,
    };
    return th;
}

pol_circuit_thresholds pol_circuit_thresholds_istio(void)
{
    pol_circuit_thresholds th = pol_circuit_thresholds_envoy();
    th.max_connections = POL_CB_ISTIO_UNLIMITED;
    th.max_pending_requests = POL_CB_ISTIO_UNLIMITED;
    th.max_requests = POL_CB_ISTIO_UNLIMITED;
    th.max_retries = POL_CB_ISTIO_UNLIMITED;
    th.track_remaining = true;
    return th;
}

void pol_circuit_thresholds_set_budget(pol_circuit_thresholds *th, double percent,
                                       uint32_t min_retry_concurrency)
{
    th->retry_budget = true;
    th->budget_percent = percent > 0 ? percent : 20.0;
    th->min_retry_concurrency = min_retry_concurrency > 0 ? min_retry_concurrency : 3;
}

void pol_circuit_init(pol_circuit *cb, const pol_circuit_thresholds *th, pol_cluster_stats *stats)
{
    cb->_th = *th;
    for (int r = 0; r < POL_CB_RESOURCE_COUNT; r++)
        cb->_count[r] = 0;
    cb->_stats = stats;
}

uint64_t pol_circuit_limit(const pol_circuit *cb, pol_cb_resource r)
{
    switch (r) {
    case POL_CB_CONNECTIONS:
        return cb->_th.max_connections;
    case POL_CB_PENDING:
        return cb->_th.max_pending_requests;
    case POL_CB_REQUESTS:
        return cb->_th.max_requests;
    case POL_CB_RETRIES:
        if (cb->_th.retry_budget) {
            uint64_t active = cb->_count[POL_CB_REQUESTS] + cb->_count[POL_CB_PENDING];
            uint64_t by_budget = (uint64_t)(cb->_th.budget_percent / 100.0 * (double)active);
            return by_budget > cb->_th.min_retry_concurrency ? by_budget
                                                             : cb->_th.min_retry_concurrency;
        }
        return cb->_th.max_retries;
    case POL_CB_POOLS:
        return cb->_th.max_connection_pools;
    default:
        assert(!"bad circuit resource");
        return 0;
    }
}

uint64_t pol_circuit_count(const pol_circuit *cb, pol_cb_resource r)
{
    assert((unsigned)r < POL_CB_RESOURCE_COUNT);
    return (unsigned)r < POL_CB_RESOURCE_COUNT ? cb->_count[r] : UINT64_MAX;
}

bool pol_circuit_can_acquire(const pol_circuit *cb, pol_cb_resource r)
{
    return pol_circuit_count(cb, r) < pol_circuit_limit(cb, r);
}

static void count_overflow(pol_circuit *cb, pol_cb_resource r)
{
    pol_cluster_stats *s = cb->_stats;
    if (!s)
        return;
    switch (r) {
    case POL_CB_CONNECTIONS:
        s->upstream_cx_overflow++;
        break;
    case POL_CB_PENDING:
    case POL_CB_REQUESTS: /* Envoy counts max_requests overflow here too */
        s->upstream_rq_pending_overflow++;
        break;
    case POL_CB_RETRIES:
        s->upstream_rq_retry_overflow++;
        break;
    case POL_CB_POOLS:
        s->upstream_cx_pool_overflow++;
        break;
    default:
        break;
    }
}

bool pol_circuit_try_acquire(pol_circuit *cb, pol_cb_resource r)
{
    if ((unsigned)r >= POL_CB_RESOURCE_COUNT || !pol_circuit_can_acquire(cb, r)) {
        count_overflow(cb, r);
        return false;
    }
    cb->_count[r]++;
    return true;
}

void pol_circuit_release(pol_circuit *cb, pol_cb_resource r)
{
    assert((unsigned)r < POL_CB_RESOURCE_COUNT);
    assert(cb->_count[r] > 0 && "circuit release without acquire");
    if ((unsigned)r < POL_CB_RESOURCE_COUNT && cb->_count[r] > 0)
        cb->_count[r]--;
}

bool pol_circuit_cx_try_acquire(pol_circuit *cb, bool pool_is_empty)
{
    if (pol_circuit_can_acquire(cb, POL_CB_CONNECTIONS)) {
        cb->_count[POL_CB_CONNECTIONS]++;
        return true;
    }
    count_overflow(cb, POL_CB_CONNECTIONS);
    if (pool_is_empty) {
        cb->_count[POL_CB_CONNECTIONS]++;
        return true;
    }
    return false;
}

bool pol_circuit_is_open(const pol_circuit *cb, pol_cb_resource r)
{
    return pol_circuit_count(cb, r) >= pol_circuit_limit(cb, r);
}

uint64_t pol_circuit_remaining(const pol_circuit *cb, pol_cb_resource r)
{
    if (r == POL_CB_RETRIES && cb->_th.retry_budget)
        return 0;
    uint64_t lim = pol_circuit_limit(cb, r), n = pol_circuit_count(cb, r);
    return n < lim ? lim - n : 0;
}

const char *pol_circuit_open_gauge_name(pol_cb_resource r)
{
    static const char *const names[POL_CB_RESOURCE_COUNT] = {
        "cx_open", "rq_pending_open", "rq_open", "rq_retry_open", "cx_pool_open",
    };
    return (unsigned)r < POL_CB_RESOURCE_COUNT ? names[r] : NULL;
}

const char *pol_circuit_remaining_gauge_name(pol_cb_resource r)
{
    static const char *const names[POL_CB_RESOURCE_COUNT] = {
        "remaining_cx", "remaining_pending", "remaining_rq", "remaining_retries", NULL,
    };
    return (unsigned)r < POL_CB_RESOURCE_COUNT ? names[r] : NULL;
}
