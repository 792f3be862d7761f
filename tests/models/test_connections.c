/*
 * test_connections.c - upstream connections between proxies
 * (models/connections.c), on a scenario where every cost is a constant so
 * that latencies are exact (data/connections/base.yaml): one user, one
 * request in flight at a time, 1.2ms per request on a reused connection and
 * 2.2ms more (2 x 100us TCP handshake + 2ms mTLS handshake) on a new one.
 *   - keep-alive: one connection for the whole run, one handshake in total;
 *   - maxRequestsPerConnection 1 and 3: a new connection every 1 or 3 requests;
 *   - idleTimeout shorter than the think time: every connection closes idle;
 *   - mTLS adds exactly its handshake per new connection: without TLS (DR
 *     DISABLE, PeerAuthentication DISABLE) a new connection costs 0.2ms only;
 *   - maxConnections 1 keeps one connection; requests wait as pending, and
 *     http1MaxPendingRequests overflows into 503 UO.
 */
#include "fault_fixture.h"

#define MS 1e6

/* connections/base.yaml, with connections/`overlay` over it (NULL: none). */
static void run_overlay(run *r, const char *overlay)
{
    char extra[256];
    snprintf(extra, sizeof extra, "connections/%s", overlay ? overlay : "");
    const char *files[2] = {"connections/base.yaml", extra};
    run_files(r, files, overlay ? 2 : 1, 0);
}

/* Every request of `row` took 1.2ms, plus `setup` ms for each of `conns`
 * connections opened: the mean is exact (to histogram rounding of none: the
 * mean is kept as a sum). */
static void assert_mean(const mdl_row *row, uint64_t conns, double setup_ms)
{
    double n = (double)row->requests;
    double expect = 1.2 * MS + setup_ms * MS * (double)conns / n;
    double mean = sim_hist_mean(&row->latency);
    printf("# %llu requests, %llu connections: mean %.6f ms, expected %.6f ms\n",
           (unsigned long long)row->requests, (unsigned long long)conns, mean / MS, expect / MS);
    assert_true(fabs(mean - expect) < 1.0); /* within a nanosecond */
}

static void test_keep_alive_one_handshake(void **state)
{
    run r;
    run_overlay(&r, NULL);
    pol_cluster_stats st;
    assert_int_equal(mdl_mesh_upstream_stats(r.m, "server", &st), 0);
    const mdl_row *row = source_row(r.m, "load");
    assert_true(row->requests > 1500);
    assert_int_equal(st.upstream_cx_total, 1);
    assert_int_equal(st.upstream_cx_max_requests, 0);
    assert_mean(row, 1, 2.2);
    assert_int_equal(sim_hist_max(&row->latency), (int64_t)(3.4 * MS));
    run_close(&r);
}

static void test_max_requests_per_connection(void **state)
{
    run r;
    run_overlay(&r, "max-requests-1.yaml");
    pol_cluster_stats st;
    assert_int_equal(mdl_mesh_upstream_stats(r.m, "server", &st), 0);
    const mdl_row *row = source_row(r.m, "load");
    assert_int_equal(st.upstream_cx_total, row->requests);
    assert_int_equal(st.upstream_cx_max_requests, row->requests);
    assert_mean(row, row->requests, 2.2);
    run_close(&r);

    run_overlay(&r, "max-requests-3.yaml");
    assert_int_equal(mdl_mesh_upstream_stats(r.m, "server", &st), 0);
    row = source_row(r.m, "load");
    assert_int_equal(st.upstream_cx_total, (row->requests + 2) / 3);
    assert_int_equal(st.upstream_cx_max_requests, row->requests / 3);
    assert_mean(row, st.upstream_cx_total, 2.2);
    run_close(&r);
}

static void test_idle_timeout_closes_connections(void **state)
{
    run r;
    run_overlay(&r, "idle-timeout.yaml");
    pol_cluster_stats st;
    assert_int_equal(mdl_mesh_upstream_stats(r.m, "server", &st), 0);
    const mdl_row *row = source_row(r.m, "load");
    assert_int_equal(st.upstream_cx_total, row->requests);
    /* each connection but the last was found expired by the next request */
    assert_int_equal(st.upstream_cx_idle_timeout, row->requests - 1);
    assert_mean(row, row->requests, 2.2);
    run_close(&r);
}

static void test_plain_text_costs_tcp_handshake_only(void **state)
{
    static const char *const overlays[] = {"tls-disable.yaml", "peer-auth-disable.yaml"};
    for (size_t i = 0; i < 2; i++) {
        run r;
        run_overlay(&r, overlays[i]);
        const mdl_row *row = source_row(r.m, "load");
        assert_mean(row, row->requests, 0.2);
        run_close(&r);
    }
}

static void test_max_connections_and_pending_overflow(void **state)
{
    run r;
    run_overlay(&r, "max-connections.yaml");
    pol_cluster_stats st;
    assert_int_equal(mdl_mesh_upstream_stats(r.m, "server", &st), 0);
    /* the starvation exception never applies: the pool always has its one */
    assert_int_equal(st.upstream_cx_total, 1);
    assert_true(st.upstream_rq_pending_total > 1000);
    assert_true(st.upstream_rq_pending_overflow > 100);
    const mdl_row *crowd = source_row(r.m, "crowd");
    assert_int_equal(crowd->codes[503] + source_row(r.m, "load")->codes[503], st.upstream_rq_pending_overflow);
    assert_true(crowd->flags[POL_FLAG_UO] > 0);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep_alive_one_handshake),
        cmocka_unit_test(test_max_requests_per_connection),
        cmocka_unit_test(test_idle_timeout_closes_connections),
        cmocka_unit_test(test_plain_text_costs_tcp_handshake_only),
        cmocka_unit_test(test_max_connections_and_pending_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
