/*
 * test_ingress.c - the ingress domain (models/ingress.c) on a scenario whose
 * costs are all constant (data/ingress/gateway.yaml):
 *   - TLS termination costs the gateway's handshake once per new client
 *     connection: two users over HTTPS pay 2 x (20ms TCP + 3ms TLS) in the
 *     whole run, over plain HTTP 2 x 20ms;
 *   - a host no Gateway server accepts gets 404 NR from the gateway, without
 *     reaching any service;
 *   - an open-loop crowd's connections, spread by the load balancer, spread
 *     the requests over the gateway replicas (data/ingress/replicas.yaml);
 *   - AuthorizationPolicies selecting the gateway are evaluated there: a DENY
 *     on paths answers 403 to exactly those paths, an ALLOW on a host 403 to
 *     the other hosts, none of them reaching the service, while the
 *     service's sidecar policy still applies behind the gateway
 *     (data/ingress/authz.yaml).
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

/* All of a source's requests answered `code`, and nothing else. */
static const mdl_row *all_answered(const mdl_mesh *m, const char *source, int code)
{
    const mdl_row *row = source_row(m, source);
    printf("# %s: %llu requests, %llu answered %d\n", source, (unsigned long long)row->requests,
           (unsigned long long)row->codes[code], code);
    assert_true(row->requests > 100);
    assert_int_equal(row->codes[code], row->requests);
    assert_int_equal(row->retries, 0);
    return row;
}

static void test_gateway_authorization(void **state)
{
    run r;
    run_file(&r, "ingress/authz.yaml", 0);
    const mdl_mesh *m = r.m;
    const mdl_row *pages = all_answered(m, "pages", 200);
    const mdl_row *near = all_answered(m, "administrators", 200);
    const mdl_row *admin = all_answered(m, "admin", 403);
    const mdl_row *shop = all_answered(m, "shop", 403);
    const mdl_row *posts = all_answered(m, "posts", 403);
    /* the gateway answered admin and shop itself: only the allowed pages and
     * the posts (denied by web's sidecar) went upstream to web */
    pol_cluster_stats st;
    assert_int_equal(mdl_mesh_upstream_stats(m, "web", &st), 0);
    printf("# upstream to web: %llu requests, %llu 4xx\n", (unsigned long long)st.upstream_rq_total,
           (unsigned long long)st.upstream_rq_4xx);
    assert_int_equal(st.upstream_rq_total, pages->requests + near->requests + posts->requests);
    assert_int_equal(st.upstream_rq_4xx, posts->requests);
    /* a gateway's 403 costs only the internet round trip (20ms); a request
     * that reached web also its service time (1ms) */
    assert_true(fabs(sim_hist_mean(&admin->latency) - 20.0 * MS) < 1.0 * MS);
    assert_true(fabs(sim_hist_mean(&shop->latency) - 20.0 * MS) < 1.0 * MS);
    assert_true(sim_hist_mean(&pages->latency) >= 21.0 * MS);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway),
        cmocka_unit_test(test_replicas_share_the_load),
        cmocka_unit_test(test_gateway_authorization),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
