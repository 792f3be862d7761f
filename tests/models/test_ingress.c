/*
 * test_ingress.c - the ingress domain (models/ingress.c) on a scenario whose
 * costs are all constant (data/ingress/gateway.yaml):
 *   - TLS termination costs the gateway's handshake once per new client
 *     connection: two users over HTTPS pay 2 x (20ms TCP + 3ms TLS) in the
 *     whole run, over plain HTTP 2 x 20ms;
 *   - a host no Gateway server accepts gets 404 NR from the gateway, without
 *     reaching any service;
 *   - an open-loop crowd's connections, spread by the load balancer, spread
 *     the requests over the gateway replicas (data/ingress/replicas.yaml).
 */
#include "fault_fixture.h"

#define MS 1e6

static void assert_mean(const mdl_row *row, double conns, double setup_ms)
{
    double n = (double)row->requests;
    double expect = 21.0 * MS + setup_ms * MS * conns / n;
    double mean = sim_hist_mean(&row->latency);
    printf("# %s: %llu requests, mean %.6f ms, expected %.6f ms\n", row->source,
           (unsigned long long)row->requests, mean / MS, expect / MS);
    assert_true(fabs(mean - expect) < 1.0);
}

static void test_gateway(void **state)
{
    run r;
    run_file(&r, "ingress/gateway.yaml", 0);
    const mdl_mesh *m = r.m;

    const mdl_row *tls = source_row(m, "tls-users"), *plain = source_row(m, "plain-users");
    assert_true(tls->requests > 400);
    assert_int_equal(tls->codes[200], tls->requests);
    assert_mean(tls, 2, 23.0);
    assert_mean(plain, 2, 20.0);
    /* every millisecond of it outside the application is ingress time */
    assert_true(fabs(plain->domain_ns[0] / (double)plain->requests + 1.0 * MS -
                     sim_hist_mean(&plain->latency)) < 1.0);

    const mdl_row *stray = source_row(m, "stray");
    assert_true(stray->requests > 50);
    assert_int_equal(stray->codes[404], stray->requests);
    assert_int_equal(stray->flags[POL_FLAG_NR], stray->requests);
    assert_true(stray->destination == NULL || stray->destination[0] == '\0');
    run_close(&r);
}

static void test_replicas_share_the_load(void **state)
{
    run r;
    run_file(&r, "ingress/replicas.yaml", 0);
    const mdl_mesh *m = r.m;
    const mdl_row *crowd = source_row(m, "crowd");
    int64_t total = 0;
    int64_t n[3];
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "istio-ingressgateway-%d", i);
        n[i] = mdl_mesh_proxy_requests(m, name);
        total += n[i];
    }
    assert_int_equal(mdl_mesh_proxy_requests(m, "istio-ingressgateway-3"), -1);
    printf("# replicas took %lld, %lld, %lld of %llu\n", (long long)n[0], (long long)n[1],
           (long long)n[2], (unsigned long long)crowd->requests);
    assert_true(total >= (int64_t)crowd->requests);
    for (int i = 0; i < 3; i++)
        assert_true(n[i] > total / 5 && n[i] < total / 2);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway),
        cmocka_unit_test(test_replicas_share_the_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
