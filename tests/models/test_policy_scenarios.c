/*
 * test_policy_scenarios.c - the traffic-policy library seen end to end
 * through the simulator: small scenarios under tests/models/data/ whose
 * outcome Istio's and Envoy's semantics fix (policy-semantics.md), checked
 * exactly where the outcome is deterministic and within a 99.9% confidence
 * interval (z = 3.29) where it is a proportion:
 *   - a 10% abort / 50% delay fault (FI, DI; no retry, no route timeout);
 *   - PeerAuthentication STRICT refusing plaintext, AuthorizationPolicy 403;
 *   - a local rate limit per pod (429 RL, not retried), and at the gateway;
 *   - retries hiding a flaky pod (1 - p^(attempts+1));
 *   - outlier detection ejecting and returning a failing pod, on time;
 *   - a tight connection pool giving 503 UO (Erlang's loss formula);
 *   - a route timeout giving 504 UT;
 *   - Istio's Bookinfo fixtures, unchanged: jason -> v2 / others -> v3, and
 *     the 90/10 split;
 *   - a rewrite (uri prefix, authority) seen by the upstream.
 */
#include "fault_fixture.h"
#include "reports/assertions.h"

static const mdl_cluster_counters *find_counters(const mdl_mesh *m, const char *client,
                                                 const char *cluster)
{
    const mdl_results *res = mdl_mesh_results(m);
    for (size_t i = 0; i < res->nclusters; i++)
        if (!strcmp(res->clusters[i].client, client) && !strcmp(res->clusters[i].cluster, cluster))
            return &res->clusters[i];
    print_error("no counters for %s %s\n", client, cluster);
    return NULL;
}

#define BACKEND "outbound|80||backend.default.svc.cluster.local"

/* 10% abort: 10% +- noise of 503 FI; 50% delay: DI on about half, and neither
 * the delay nor the abort reaches the router (no UT from a 10ms route timeout
 * with a 20ms delay, no retry of an aborted 503). */
static void test_fault_abort_and_delay(void **state)
{
    run r;
    run_file(&r, "fault-abort.yaml", 0);
    const mdl_row *row = find_row(r.m, "load", "backend", NULL);
    assert_non_null(row);
    assert_true(row->requests > 10000);
    assert_proportion(row->flags[POL_FLAG_FI], row->requests, 0.10);
    assert_int_equal(row->codes[503], row->flags[POL_FLAG_FI]);
    assert_int_equal(row->errors, row->flags[POL_FLAG_FI]);
    assert_proportion(row->flags[POL_FLAG_DI], row->requests, 0.50);
    assert_int_equal(row->flags[POL_FLAG_UT], 0);
    assert_int_equal(row->retries, 0);
    assert_int_equal(row->codes[200] + row->codes[503], row->requests);
    /* about half wait 20ms more: the mean is above 10ms */
    assert_true(sim_hist_mean(&row->latency) > 10e6);
    run_close(&r);
}

/* STRICT refuses plaintext (503 UC, no retry), RBAC answers 403 to a caller
 * it does not allow, and lets the allowed one through. */
static void test_peer_authentication_and_authorization(void **state)
{
    run r;
    run_file(&r, "security.yaml", 0);
    const mdl_row *ok = find_row(r.m, "from-trusted", "backend", NULL);
    const mdl_row *denied = find_row(r.m, "from-stranger", "backend", NULL);
    const mdl_row *plain = find_row(r.m, "from-plain", "backend", NULL);
    assert_non_null(ok);
    assert_non_null(denied);
    assert_non_null(plain);
    assert_true(ok->requests > 900);
    assert_int_equal(ok->codes[200], ok->requests);
    assert_int_equal(denied->codes[403], denied->requests);
    assert_int_equal(plain->codes[503], plain->requests);
    assert_int_equal(plain->flags[POL_FLAG_UC], plain->requests);
    assert_int_equal(plain->retries, 0);
    run_close(&r);
}

/* Istio's local rate limit task shape: per pod 10 tokens a second, two pods
 * over 20s pass exactly 2 x 10 x 20 requests; the rest are 429 RL and are
 * not retried (x-envoy-ratelimited without envoy-ratelimited in retryOn). */
static void test_local_rate_limit_per_pod(void **state)
{
    run r;
    run_file(&r, "ratelimit.yaml", 0);
    const mdl_row *row = find_row(r.m, "load", "backend", NULL);
    assert_non_null(row);
    assert_true(row->requests > 1800);
    assert_int_equal(row->codes[200], 400);
    assert_int_equal(row->codes[429], row->requests - 400);
    assert_int_equal(row->flags[POL_FLAG_RL], row->codes[429]);
    assert_int_equal(row->errors, row->codes[429]);
    assert_int_equal(row->retries, 0);
    run_close(&r);
}

/* The same at the ingress gateway (context GATEWAY): two gateway pods pass
 * 2 x 10 a second over 20s (a few more: requests sent just before the end
 * reach a gateway after its 20s refill); the rest are 429 RL answered there. */
static void test_gateway_local_rate_limit(void **state)
{
    run r;
    run_file(&r, "gateway-ratelimit.yaml", 0);
    const mdl_row *row = find_row(r.m, "outside", "backend", NULL);
    assert_non_null(row);
    assert_true(row->requests > 1800);
    assert_true(row->codes[200] >= 400 && row->codes[200] <= 420);
    assert_int_equal(row->codes[429], row->requests - row->codes[200]);
    assert_int_equal(row->flags[POL_FLAG_RL], row->codes[429]);
    /* the limited requests never reached the backend */
    const mdl_cluster_counters *c = find_counters(r.m, "istio-ingressgateway", BACKEND);
    assert_non_null(c);
    assert_int_equal(c->stats.upstream_rq_total, row->codes[200]);
    run_close(&r);
}

/* The gateway's chain order: a limit inserted before the router runs after
 * rbac, so the requests the gateway's AuthorizationPolicy denies (403) take
 * no token and the allowed ones get all 2 x 10 a second; inserted first, it
 * runs before rbac and the denied requests take their share of the tokens. */
static void test_gateway_rate_limit_and_authorization_order(void **state)
{
    run r;
    run_file(&r, "gateway-ratelimit-authz.yaml", 0);
    const mdl_row *row = find_row(r.m, "outside", "backend", NULL);
    assert_non_null(row);
    printf("# limit after rbac: %llu requests, %llu 200, %llu 403, %llu 429\n",
           (unsigned long long)row->requests, (unsigned long long)row->codes[200],
           (unsigned long long)row->codes[403], (unsigned long long)row->codes[429]);
    assert_true(row->requests > 1800);
    assert_true(row->codes[200] >= 400 && row->codes[200] <= 420);
    assert_true(row->codes[403] > 800); /* about half of the requests */
    assert_int_equal(row->codes[200] + row->codes[403] + row->codes[429], row->requests);
    const mdl_cluster_counters *c = find_counters(r.m, "istio-ingressgateway", BACKEND);
    assert_non_null(c);
    assert_int_equal(c->stats.upstream_rq_total, row->codes[200]);
    run_close(&r);

    const char *files[] = {"gateway-ratelimit-authz.yaml", "gateway-ratelimit-first.yaml"};
    run_files(&r, files, 2, 0);
    row = find_row(r.m, "outside", "backend", NULL);
    assert_non_null(row);
    printf("# limit before rbac: %llu requests, %llu 200, %llu 403, %llu 429\n",
           (unsigned long long)row->requests, (unsigned long long)row->codes[200],
           (unsigned long long)row->codes[403], (unsigned long long)row->codes[429]);
    /* the tokens go to both halves; 429 to the rest, denied or not */
    uint64_t passed = row->codes[200] + row->codes[403];
    assert_true(passed >= 400 && passed <= 420);
    assert_true(row->codes[200] > 150 && row->codes[200] < 260);
    assert_int_equal(row->codes[429], row->requests - passed);
    run_close(&r);
}

/* Retries hiding a flaky pod: 3 tries at p = 0.3 succeed with 1 - p^3, and
 * take p + p^2 retries per request on average. */
static void test_retries_hide_a_flaky_pod(void **state)
{
    run r;
    run_file(&r, "retry-flaky.yaml", 0);
    const mdl_row *row = find_row(r.m, "load", "backend", NULL);
    assert_non_null(row);
    assert_true(row->requests > 5000);
    double p = 0.3;
    assert_proportion(row->codes[200], row->requests, 1 - p * p * p);
    assert_int_equal(row->codes[200] + row->codes[503], row->requests);
    assert_int_equal(row->flags[POL_FLAG_URX], row->codes[503]); /* retries exhausted */
    /* retries per request: mean p + p^2, variance of {0,1,2} w.p. {1-p, p(1-p), p^2} */
    double mean = p + p * p, var = p * (1 - p) + 4 * p * p - mean * mean;
    double got = (double)row->retries / (double)row->requests;
    assert_true(fabs(got - mean) <= Z999 * sqrt(var / (double)row->requests));
    /* Envoy's counters: every attempt in upstream_rq_total, retries counted */
    const mdl_cluster_counters *c = find_counters(r.m, "client", BACKEND);
    assert_non_null(c);
    assert_true(c->stats.upstream_rq_total >= row->requests + row->retries); /* warm-up too */
    assert_int_equal(c->stats.upstream_rq_retry, c->stats.upstream_rq_total - c->stats.upstream_rq_completed);
    assert_int_equal(c->stats.retry_upstream_rq_5xx, c->stats.upstream_rq_retry);
    assert_int_equal(c->stats.upstream_rq_completed, c->stats.upstream_rq_2xx + c->stats.upstream_rq_5xx);
    assert_int_equal(c->stats.membership_total, 1);
    run_close(&r);
}

/* Every assertion of a scenario holds (the scenario states its expectations
 * window by window). */
static void assert_scenario_assertions(run *r)
{
    rpt_assertion *a = NULL;
    size_t na = rpt_assertions_evaluate(r->m, &r->b.sim->scenario, &a);
    assert_true(na > 0);
    for (size_t k = 0; k < na; k++) {
        if (!a[k].passed)
            print_error("%s failed (observed %g %s, %s)\n", a[k].name, a[k].observed, a[k].unit, a[k].limit);
        assert_true(a[k].passed);
    }
    free(a);
}

/* Outlier detection: the failing pod answers exactly consecutive5xxErrors
 * requests, is ejected, returns at the first interval tick after 10s, fails
 * 5 more, is ejected for 20s (base x 2), and returns again. */
static void test_outlier_detection_ejects_and_returns(void **state)
{
    run r;
    run_file(&r, "outlier.yaml", 0);
    assert_scenario_assertions(&r);
    const mdl_row *bad = find_row(r.m, "load", "backend", "bad");
    const mdl_row *good = find_row(r.m, "load", "backend", "good");
    assert_non_null(bad);
    assert_non_null(good);
    assert_int_equal(bad->requests, 15); /* three ejections in 40s */
    assert_int_equal(bad->codes[503], 15);
    assert_int_equal(good->errors, 0);
    const mdl_cluster_counters *c = find_counters(r.m, "client", BACKEND);
    assert_non_null(c);
    assert_int_equal(c->outlier.ejections_enforced_total, 3);
    assert_int_equal(c->outlier.ejections_enforced[POL_OUTLIER_CONSECUTIVE_5XX], 3);
    assert_int_equal(c->outlier.ejections_active, 1); /* ejected again at 32s, for 30s */
    assert_int_equal(c->stats.membership_healthy, 3);
    run_close(&r);
}

/* Erlang's loss formula B(c, a). */
static double erlang_b(int c, double a)
{
    double b = 1;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b;
}

/* http2MaxRequests 2: a loss system with two servers; the overflow is 503 UO,
 * answered at once and never retried. */
static void test_tight_pool_overflows_with_uo(void **state)
{
    run r;
    run_file(&r, "pool-overflow.yaml", 0);
    const mdl_row *row = find_row(r.m, "load", "backend", NULL);
    assert_non_null(row);
    assert_int_equal(row->flags[POL_FLAG_UO], row->codes[503]);
    assert_int_equal(row->codes[200] + row->codes[503], row->requests);
    assert_int_equal(row->retries, 0);
    /* 100 rps x (50ms + about 1ms of network and sidecars) */
    double b = erlang_b(2, 100 * 0.0508);
    double frac = (double)row->codes[503] / (double)row->requests;
    assert_true(fabs(frac - b) <= Z999 * sqrt(b * (1 - b) / (double)row->requests) + 0.005);
    /* two in flight at most: at most 2 / 50ms successes a second */
    assert_true((double)row->codes[200] / mdl_mesh_measured_seconds(r.m) <= 40.0);
    const mdl_cluster_counters *c = find_counters(r.m, "client", BACKEND);
    assert_non_null(c);
    assert_int_equal(c->stats.upstream_rq_pending_overflow, row->flags[POL_FLAG_UO]);
    assert_int_equal(c->stats.upstream_rq_total, row->codes[200]);
    assert_int_equal(c->stats.upstream_rq_retry, 0);
    run_close(&r);
}

/* Route timeout 20ms, one pod in four taking 100ms, round robin: exactly the
 * quarter sent to it ends 504 UT, after 20ms, not retried. */
static void test_route_timeout_gives_ut_504(void **state)
{
    run r;
    run_file(&r, "route-timeout.yaml", 0);
    const mdl_row *slow = find_row(r.m, "load", "backend", "");
    const mdl_row *fast = find_row(r.m, "load", "backend", "fast");
    assert_non_null(slow);
    assert_non_null(fast);
    uint64_t total = slow->requests + fast->requests;
    assert_int_equal(slow->codes[504], slow->requests);
    assert_int_equal(slow->flags[POL_FLAG_UT], slow->requests);
    assert_true(llabs((long long)(4 * slow->requests) - (long long)total) <= 4);
    assert_int_equal(fast->codes[200], fast->requests);
    assert_int_equal(slow->retries + fast->retries, 0);
    /* the caller waited the timeout, plus the way back from its own proxy */
    assert_true(sim_hist_min(&slow->latency) >= 20e6);
    assert_true(sim_hist_max(&slow->latency) < 23e6);
    const mdl_cluster_counters *c = find_counters(r.m, "client", BACKEND);
    assert_non_null(c);
    assert_int_equal(c->stats.upstream_rq_timeout, slow->requests);
    assert_int_equal(c->stats.upstream_rq_5xx, slow->requests);
    assert_int_equal(c->stats.upstream_rq_2xx, fast->requests);
    run_close(&r);
}

static void run_bookinfo(run *r, const char *vs)
{
    char platform[512], dr[512], vsp[512];
    snprintf(platform, sizeof platform, "%s/fixtures/istio/bookinfo/platform/bookinfo.yaml", MESHSIM_SHARED_DIR);
    snprintf(dr, sizeof dr, "%s/fixtures/istio/bookinfo/networking/destination-rule-all.yaml", MESHSIM_SHARED_DIR);
    snprintf(vsp, sizeof vsp, "%s/fixtures/istio/bookinfo/networking/%s", MESHSIM_SHARED_DIR, vs);
    const char *files[] = {platform, dr, vsp, "bookinfo-reviews-traffic.yaml"};
    run_files(r, files, 4, 0);
}

/* Istio's Bookinfo header route, unchanged: jason -> v2, everyone else -> v3. */
static void test_bookinfo_jason_v2_others_v3(void **state)
{
    run r;
    run_bookinfo(&r, "virtual-service-reviews-jason-v2-v3.yaml");
    const mdl_row *jason = find_row(r.m, "jason", "reviews", "v2");
    const mdl_row *others = find_row(r.m, "others", "reviews", "v3");
    assert_non_null(jason);
    assert_non_null(others);
    assert_true(jason->requests > 1000);
    assert_true(others->requests > 4000);
    assert_int_equal(jason->errors + others->errors, 0);
    const mdl_results *res = mdl_mesh_results(r.m);
    for (size_t i = 0; i < res->nrows; i++)
        assert_true(res->rows[i] == jason || res->rows[i] == others);
    run_close(&r);
}

/* Istio's Bookinfo weighted route, unchanged: 90% v1, 10% v2, for everyone. */
static void test_bookinfo_90_10(void **state)
{
    run r;
    run_bookinfo(&r, "virtual-service-reviews-90-10.yaml");
    uint64_t v[4] = {0}, total = 0;
    const char *ver[] = {"v1", "v2", "v3"};
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < 3; k++) {
            const mdl_row *row = find_row(r.m, s ? "jason" : "others", "reviews", ver[k]);
            v[k] += row ? row->requests : 0;
        }
    total = v[0] + v[1] + v[2];
    assert_true(total > 5000);
    assert_int_equal(v[2], 0);
    assert_proportion(v[1], total, 0.10);
    run_close(&r);
}

/* The rewrite reaches the upstream: the backend allows only paths under /v2 on host
 * backend-v2, which only the rewritten requests are. */
static void test_rewrite_reaches_the_upstream(void **state)
{
    run r;
    run_file(&r, "rewrite.yaml", 0);
    const mdl_row *api = find_row(r.m, "api", "backend", NULL);
    const mdl_row *other = find_row(r.m, "other", "backend", NULL);
    assert_non_null(api);
    assert_non_null(other);
    assert_int_equal(api->codes[200], api->requests);
    assert_int_equal(other->codes[403], other->requests);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_abort_and_delay),
        cmocka_unit_test(test_peer_authentication_and_authorization),
        cmocka_unit_test(test_local_rate_limit_per_pod),
        cmocka_unit_test(test_gateway_local_rate_limit),
        cmocka_unit_test(test_gateway_rate_limit_and_authorization_order),
        cmocka_unit_test(test_retries_hide_a_flaky_pod),
        cmocka_unit_test(test_outlier_detection_ejects_and_returns),
        cmocka_unit_test(test_tight_pool_overflows_with_uo),
        cmocka_unit_test(test_route_timeout_gives_ut_504),
        cmocka_unit_test(test_bookinfo_jason_v2_others_v3),
        cmocka_unit_test(test_bookinfo_90_10),
        cmocka_unit_test(test_rewrite_reaches_the_upstream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
