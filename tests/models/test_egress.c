/*
 * test_egress.c - traffic leaving the mesh (models/egress.c), on
 * data/egress/: external services over the internet link (10ms each way,
 * 5ms of service, nothing else costs), with their own WorkloadModels (host:).
 *   - a ServiceEntry host is reached directly: 25ms a request once the
 *     connection is up;
 *   - a host without a ServiceEntry passes through under ALLOW_ANY and gets
 *     502 (BlackHoleCluster) under REGISTRY_ONLY, while the registered host
 *     still works;
 *   - with Istio's egress gateway task applied, the registered host's traffic
 *     goes through the egress gateway: the sidecar's requests go to
 *     istio-egressgateway, whose replicas send every one of them on to the
 *     external host, adding their 1ms;
 *   - an AuthorizationPolicy on the egress gateway admits the caller whose
 *     identity it lists (mTLS from the sidecar) and answers 403 to another,
 *     whose requests never reach the external host;
 *   - a NetworkPolicy selects the egress gateway's pods by their own labels:
 *     one closing the ingress gateway's pods leaves it alone, one closing
 *     its own makes the sidecars' connections to it fail;
 *   - an external-outage makes the host fail during the outage only.
 */
#include "fault_fixture.h"

#define MS 1e6

/* egress/base.yaml with egress/`cluster` and egress/`extra` (NULL: none). */
static void run_egress(run *r, const char *cluster, const char *extra)
{
    char p[2][256];
    snprintf(p[0], sizeof p[0], "egress/%s", cluster);
    snprintf(p[1], sizeof p[1], "egress/%s", extra ? extra : "");
    const char *files[3] = {"egress/base.yaml", p[0], p[1]};
    run_files(r, files, extra ? 3 : 2, 0);
}

static const mdl_row *find(const run *r, const char *source, const char *dest)
{
    const mdl_results *res = mdl_mesh_results(r->m);
    for (size_t i = 0; i < res->nrows; i++)
        if (!strcmp(res->rows[i]->source, source) &&
            (!dest || !strcmp(res->rows[i]->destination ? res->rows[i]->destination : "", dest)))
            return res->rows[i];
    return NULL;
}

static void test_service_entry_and_passthrough(void **state)
{
    run r;
    run_egress(&r, "allow-any.yaml", NULL);
    const mdl_row *reg = find(&r, "registered", "api.example.com");
    const mdl_row *unreg = find(&r, "unregistered", "unknown.example.org");
    assert_non_null(reg);
    assert_non_null(unreg);
    assert_true(reg->requests > 200);
    assert_int_equal(reg->codes[200], reg->requests);
    assert_int_equal(unreg->codes[200], unreg->requests);
    /* one connection (its 20ms handshake once), then 25ms per request */
    double expect = 25.0 * MS + 20.0 * MS / (double)reg->requests;
    assert_true(fabs(sim_hist_mean(&reg->latency) - expect) < 1.0);
    run_close(&r);
}

static void test_registry_only_blackholes_unknown_hosts(void **state)
{
    run r;
    run_egress(&r, "registry-only.yaml", NULL);
    const mdl_row *reg = find(&r, "registered", "api.example.com");
    const mdl_row *unreg = find(&r, "unregistered", NULL);
    assert_non_null(reg);
    assert_non_null(unreg);
    assert_int_equal(reg->codes[200], reg->requests);
    assert_true(unreg->requests > 200);
    assert_int_equal(unreg->codes[502], unreg->requests);
    assert_true(sim_hist_max(&unreg->latency) < 1 * 1000 * 1000); /* a local reply */
    run_close(&r);
}

static void test_egress_gateway_path(void **state)
{
    run r;
    run_egress(&r, "registry-only.yaml", "egress-gateway.yaml");
    const mdl_row *reg = find(&r, "registered", "istio-egressgateway");
    const mdl_row *relay = find(&r, "istio-egressgateway", "api.example.com");
    assert_non_null(reg);
    assert_non_null(relay);
    assert_null(find(&r, "registered", "api.example.com"));
    assert_true(reg->requests > 200);
    assert_int_equal(reg->codes[200], reg->requests);
    assert_int_equal(relay->codes[200], relay->requests);
    assert_true(llabs((long long)relay->requests - (long long)reg->requests) <= 1);
    /* the gateway's 1ms on top of the 25ms, and two connections set up
     * (the gateway replicas' to the host; the sidecar's to the gateway is free) */
    double mean = sim_hist_mean(&reg->latency) / MS;
    printf("# through the egress gateway: mean %.4f ms\n", mean);
    assert_true(mean > 26.0 && mean < 26.5);
    run_close(&r);
}

static void test_egress_gateway_authorization(void **state)
{
    run r;
    const char *allowed[] = {"egress/base.yaml", "egress/registry-only.yaml",
                             "egress/egress-gateway.yaml", "egress/gateway-authz-client.yaml"};
    run_files(&r, allowed, 4, 0);
    const mdl_row *reg = find(&r, "registered", "istio-egressgateway");
    const mdl_row *relay = find(&r, "istio-egressgateway", "api.example.com");
    assert_non_null(reg);
    assert_non_null(relay);
    assert_true(reg->requests > 200);
    assert_int_equal(reg->codes[200], reg->requests);
    assert_int_equal(relay->codes[200], relay->requests);
    run_close(&r);

    const char *denied[] = {"egress/base.yaml", "egress/registry-only.yaml",
                            "egress/egress-gateway.yaml", "egress/gateway-authz-sleep.yaml"};
    run_files(&r, denied, 4, 0);
    reg = find(&r, "registered", "istio-egressgateway");
    relay = find(&r, "istio-egressgateway", "api.example.com");
    assert_non_null(reg);
    assert_non_null(relay);
    assert_true(reg->requests > 200);
    assert_int_equal(reg->codes[403], reg->requests);
    assert_int_equal(relay->codes[403], relay->requests);
    assert_int_equal(reg->retries, 0);
    /* answered by the gateway after its 1ms: no connection to the host, no
     * internet time */
    printf("# denied by the egress gateway: mean %.4f ms, max %.4f ms\n",
           sim_hist_mean(&reg->latency) / MS, (double)sim_hist_max(&reg->latency) / MS);
    assert_true(fabs(sim_hist_mean(&reg->latency) - 1.0 * MS) < 1.0);
    assert_true(sim_hist_max(&reg->latency) < 1.5 * MS);
    pol_cluster_stats st;
    assert_int_equal(mdl_mesh_upstream_stats(r.m, "api.example.com", &st), -1);
    run_close(&r);
}

static void test_egress_gateway_network_policy(void **state)
{
    run r;
    const char *other[] = {"egress/base.yaml", "egress/registry-only.yaml",
                           "egress/egress-gateway.yaml", "egress/netpol-ingress-gateway.yaml"};
    run_files(&r, other, 4, 0);
    const mdl_row *reg = find(&r, "registered", "istio-egressgateway");
    assert_non_null(reg);
    assert_true(reg->requests > 200);
    assert_int_equal(reg->codes[200], reg->requests);
    run_close(&r);

    const char *own[] = {"egress/base.yaml", "egress/registry-only.yaml",
                         "egress/egress-gateway.yaml", "egress/netpol-egress-gateway.yaml"};
    run_files(&r, own, 4, 0);
    reg = find(&r, "registered", "istio-egressgateway");
    assert_non_null(reg);
    assert_true(reg->requests > 0);
    assert_int_equal(reg->codes[200], 0);
    assert_null(find(&r, "istio-egressgateway", "api.example.com"));
    run_close(&r);
}

static void test_external_outage(void **state)
{
    run r;
    run_egress(&r, "allow-any.yaml", "outage.yaml");
    const mdl_row *reg = find(&r, "registered", NULL);
    const mdl_row *unreg = find(&r, "unregistered", NULL);
    assert_non_null(reg);
    /* the outage spans 4s of 20: some requests fail, most succeed */
    uint64_t failed = reg->requests - reg->codes[200];
    printf("# %llu of %llu failed\n", (unsigned long long)failed, (unsigned long long)reg->requests);
    assert_true(failed > 0);
    assert_true(reg->codes[200] > reg->requests / 2);
    /* the other host is not affected */
    assert_int_equal(unreg->codes[200], unreg->requests);
    const mdl_results *res = mdl_mesh_results(r.m);
    bool seen = false;
    for (size_t i = 0; i < res->ntimeline; i++)
        seen |= !strcmp(res->timeline[i].kind, "fault") && strstr(res->timeline[i].detail, "external-outage");
    assert_true(seen);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_entry_and_passthrough),
        cmocka_unit_test(test_registry_only_blackholes_unknown_hosts),
        cmocka_unit_test(test_egress_gateway_path),
        cmocka_unit_test(test_egress_gateway_authorization),
        cmocka_unit_test(test_egress_gateway_network_policy),
        cmocka_unit_test(test_external_outage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
