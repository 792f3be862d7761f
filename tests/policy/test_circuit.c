/*
 * test_circuit.c - cluster circuit breakers (policy-semantics.md 1.8, 5; traps
 * 11.4, 11.19, 11.20): defaults, overflow at exactly the limit with the Envoy
 * counter each resource increments, the empty-pool connection exception, the
 * retry budget, gauges, and Istio's ConnectionPoolSettings mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/circuit.h"
#include "policy/istio_map.h"

#define SEC INT64_C(1000000000)

static void test_defaults(void **state)
{
    (void)state;
    pol_circuit_thresholds e = pol_circuit_thresholds_envoy();
    assert_int_equal(e.max_connections, 1024);
    assert_int_equal(e.max_pending_requests, 1024);
    assert_int_equal(e.max_requests, 1024);
    assert_int_equal(e.max_retries, 3);
    assert_true(e.max_connection_pools == UINT64_MAX);
    assert_false(e.retry_budget);
    pol_circuit_thresholds i = pol_circuit_thresholds_istio();
    assert_int_equal(i.max_connections, 4294967295u);
    assert_int_equal(i.max_pending_requests, 4294967295u);
    assert_int_equal(i.max_requests, 4294967295u);
    assert_int_equal(i.max_retries, 4294967295u);
    assert_true(i.track_remaining);
}

/* Each resource: `limit` acquisitions succeed, the next one overflows and
 * increments exactly its Envoy counter. */
static void test_overflow_at_limit(void **state)
{
    (void)state;
    static const struct {
        pol_cb_resource r;
        uint64_t limit;
        size_t counter; /* offset in pol_cluster_stats */
    } rows[] = {
        {POL_CB_CONNECTIONS, 3, offsetof(pol_cluster_stats, upstream_cx_overflow)},
        {POL_CB_PENDING, 2, offsetof(pol_cluster_stats, upstream_rq_pending_overflow)},
        {POL_CB_REQUESTS, 5, offsetof(pol_cluster_stats, upstream_rq_pending_overflow)},
        {POL_CB_RETRIES, 3, offsetof(pol_cluster_stats, upstream_rq_retry_overflow)},
        {POL_CB_POOLS, 1, offsetof(pol_cluster_stats, upstream_cx_pool_overflow)},
        {POL_CB_RETRIES, 1, offsetof(pol_cluster_stats, upstream_rq_retry_overflow)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_circuit_thresholds th = pol_circuit_thresholds_envoy();
        th.max_connections = th.max_pending_requests = th.max_requests = th.max_retries = 1000;
        th.max_connection_pools = 1000;
        switch (rows[i].r) {
        case POL_CB_CONNECTIONS: th.max_connections = rows[i].limit; break;
        case POL_CB_PENDING: th.max_pending_requests = rows[i].limit; break;
        case POL_CB_REQUESTS: th.max_requests = rows[i].limit; break;
        case POL_CB_RETRIES: th.max_retries = rows[i].limit; break;
        default: th.max_connection_pools = rows[i].limit; break;
        }
        pol_cluster_stats cs;
        memset(&cs, 0, sizeof cs);
        pol_circuit cb;
        pol_circuit_init(&cb, &th, &cs);
        for (uint64_t k = 0; k < rows[i].limit; k++) {
            assert_false(pol_circuit_is_open(&cb, rows[i].r));
            assert_int_equal(pol_circuit_remaining(&cb, rows[i].r), rows[i].limit - k);
            assert_true(pol_circuit_try_acquire(&cb, rows[i].r));
        }
        assert_true(pol_circuit_is_open(&cb, rows[i].r));
        assert_int_equal(pol_circuit_remaining(&cb, rows[i].r), 0);
        assert_false(pol_circuit_try_acquire(&cb, rows[i].r));
        assert_false(pol_circuit_try_acquire(&cb, rows[i].r));
        assert_int_equal(pol_circuit_count(&cb, rows[i].r), rows[i].limit);
        /* exactly one counter moved, by 2 */
        size_t n;
        const pol_stat_desc *t = pol_cluster_stats_table(&n);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(pol_stat_value(&cs, &t[k]), t[k].offset == rows[i].counter ? 2 : 0);
        pol_circuit_release(&cb, rows[i].r);
        assert_false(pol_circuit_is_open(&cb, rows[i].r));
        assert_true(pol_circuit_try_acquire(&cb, rows[i].r));
    }
}

/* A host pool without any connection opens one even at the limit (and the
 * overflow is still counted). */
static void test_empty_pool_exception(void **state)
{
    (void)state;
    pol_circuit_thresholds th = pol_circuit_thresholds_envoy();
    th.max_connections = 1;
    pol_cluster_stats cs = {0};
    pol_circuit cb;
    pol_circuit_init(&cb, &th, &cs);
    assert_true(pol_circuit_cx_try_acquire(&cb, true));
    assert_int_equal(cs.upstream_cx_overflow, 0);
    assert_false(pol_circuit_cx_try_acquire(&cb, false)); /* stays pending */
    assert_int_equal(cs.upstream_cx_overflow, 1);
    assert_true(pol_circuit_cx_try_acquire(&cb, true));   /* another host's empty pool */
    assert_int_equal(cs.upstream_cx_overflow, 2);
    assert_int_equal(pol_circuit_count(&cb, POL_CB_CONNECTIONS), 2);
    assert_int_equal(pol_circuit_remaining(&cb, POL_CB_CONNECTIONS), 0);
}

/* Budget: max(floor(pct/100 x (active + pending)), min concurrency), recomputed
 * at each check; max_retries ignored; remaining_retries forced to 0. */
static void test_retry_budget(void **state)
{
    (void)state;
    static const struct {
        double pct;
        uint32_t min;
        uint64_t active, pending;
        uint64_t limit;
    } rows[] = {
        {20, 3, 0, 0, 3},     {20, 3, 10, 0, 3},  {20, 3, 10, 10, 4}, {20, 3, 50, 0, 10},
        {20, 3, 19, 0, 3},    {20, 3, 24, 0, 4},  {50, 1, 3, 0, 1},   {100, 0, 7, 2, 9},
        {0, 0, 100, 0, 20},   /* 0 / 0 mean the defaults 20 % and 3 */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_circuit_thresholds th = pol_circuit_thresholds_istio();
        th.max_retries = 1;
        pol_circuit_thresholds_set_budget(&th, rows[i].pct, rows[i].min);
        pol_circuit cb;
        pol_circuit_init(&cb, &th, NULL);
        for (uint64_t k = 0; k < rows[i].active; k++)
            assert_true(pol_circuit_try_acquire(&cb, POL_CB_REQUESTS));
        for (uint64_t k = 0; k < rows[i].pending; k++)
            assert_true(pol_circuit_try_acquire(&cb, POL_CB_PENDING));
        if (pol_circuit_limit(&cb, POL_CB_RETRIES) != rows[i].limit)
            fail_msg("row %zu: limit %llu", i, (unsigned long long)pol_circuit_limit(&cb, POL_CB_RETRIES));
        for (uint64_t k = 0; k < rows[i].limit; k++)
            assert_true(pol_circuit_try_acquire(&cb, POL_CB_RETRIES));
        assert_false(pol_circuit_try_acquire(&cb, POL_CB_RETRIES));
        assert_int_equal(pol_circuit_remaining(&cb, POL_CB_RETRIES), 0);
    }
}

static void test_gauge_names(void **state)
{
    (void)state;
    assert_string_equal(pol_circuit_open_gauge_name(POL_CB_CONNECTIONS), "cx_open");
    assert_string_equal(pol_circuit_open_gauge_name(POL_CB_PENDING), "rq_pending_open");
    assert_string_equal(pol_circuit_open_gauge_name(POL_CB_REQUESTS), "rq_open");
    assert_string_equal(pol_circuit_open_gauge_name(POL_CB_RETRIES), "rq_retry_open");
    assert_string_equal(pol_circuit_open_gauge_name(POL_CB_POOLS), "cx_pool_open");
    assert_string_equal(pol_circuit_remaining_gauge_name(POL_CB_PENDING), "remaining_pending");
    assert_null(pol_circuit_remaining_gauge_name(POL_CB_POOLS));
}

/* Istio: 0 or unset = 2^32-1 (never "zero allowed"); > 0 replaces. */
static void test_istio_connection_pool(void **state)
{
    (void)state;
    pol_circuit_thresholds th;
    pol_istio_pool_settings s;
    pol_istio_map_connection_pool(NULL, &th, &s);
    assert_int_equal(th.max_connections, 4294967295u);
    assert_int_equal(th.max_retries, 4294967295u);
    assert_int_equal(s.connect_timeout_ns, 10 * SEC);
    assert_int_equal(s.idle_timeout_ns, 3600 * SEC);

    pol_connection_pool cp;
    memset(&cp, 0, sizeof cp);
    cp.tcp.max_connections = (pol_opt_int){0, true};
    cp.http.http1_max_pending_requests = (pol_opt_int){1, true};
    cp.http.http2_max_requests = (pol_opt_int){0, true};
    cp.http.max_retries = (pol_opt_int){0, true};
    cp.tcp.connect_timeout = (pol_opt_duration){250000000, true};
    cp.tcp.idle_timeout = (pol_opt_duration){30 * SEC, true};
    cp.http.max_requests_per_connection = (pol_opt_int){1, true};
    pol_istio_map_connection_pool(&cp, &th, &s);
    assert_int_equal(th.max_connections, 4294967295u); /* 0 = unlimited */
    assert_int_equal(th.max_pending_requests, 1);
    assert_int_equal(th.max_requests, 4294967295u);
    assert_int_equal(th.max_retries, 4294967295u);
    assert_int_equal(s.connect_timeout_ns, 250000000);
    assert_int_equal(s.idle_timeout_ns, 30 * SEC); /* tcp.idleTimeout as fallback */
    assert_int_equal(s.max_requests_per_connection, 1);
    cp.http.idle_timeout = (pol_opt_duration){5 * SEC, true};
    cp.tcp.max_connections = (pol_opt_int){100, true};
    cp.http.max_retries = (pol_opt_int){7, true};
    cp.http.http2_max_requests = (pol_opt_int){2, true};
    pol_istio_map_connection_pool(&cp, &th, &s);
    assert_int_equal(s.idle_timeout_ns, 5 * SEC);
    assert_int_equal(th.max_connections, 100);
    assert_int_equal(th.max_retries, 7);
    assert_int_equal(th.max_requests, 2);

    /* http1MaxPendingRequests: 1 -> the second pending request overflows: 503 UO */
    pol_circuit cb;
    pol_cluster_stats cs = {0};
    pol_circuit_init(&cb, &th, &cs);
    assert_true(pol_circuit_try_acquire(&cb, POL_CB_PENDING));
    assert_false(pol_circuit_try_acquire(&cb, POL_CB_PENDING));
    assert_int_equal(cs.upstream_rq_pending_overflow, 1);
    assert_int_equal(POL_CB_OVERFLOW_STATUS, 503);
}

static void test_cluster_stats_table(void **state)
{
    (void)state;
    size_t n;
    const pol_stat_desc *t = pol_cluster_stats_table(&n);
    assert_int_equal(n, sizeof(pol_cluster_stats) / sizeof(uint64_t));
    static const char *const want[] = {"upstream_rq_total", "upstream_rq_retry", "upstream_rq_retry_success",
                                       "upstream_rq_retry_overflow", "upstream_rq_pending_overflow",
                                       "upstream_rq_timeout", "upstream_rq_per_try_timeout",
                                       "upstream_cx_connect_fail", "upstream_rq_5xx", "retry.upstream_rq_5xx"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(t[i].name, want[w]) == 0;
        if (!found)
            fail_msg("missing %s", want[w]);
    }
    pol_cluster_stats cs = {0};
    pol_cluster_stats_count_status(&cs, 503, 1);
    pol_cluster_stats_count_status(&cs, 200, 0);
    pol_cluster_stats_count_status(&cs, 404, 0);
    assert_int_equal(cs.retry_upstream_rq_5xx, 1);
    assert_int_equal(cs.upstream_rq_5xx, 0);
    assert_int_equal(cs.upstream_rq_2xx, 1);
    assert_int_equal(cs.upstream_rq_4xx, 1);
    assert_int_equal(cs.upstream_rq_completed, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_overflow_at_limit),
        cmocka_unit_test(test_empty_pool_exception),
        cmocka_unit_test(test_retry_budget),
        cmocka_unit_test(test_gauge_names),
        cmocka_unit_test(test_istio_connection_pool),
        cmocka_unit_test(test_cluster_stats_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
