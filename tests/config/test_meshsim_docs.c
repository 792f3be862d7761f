/*
 * test_meshsim_docs.c - decoding of the meshsim/v1alpha1 documents: the
 * examples of scenario-format.md (tests/config/data/format-examples.yaml) with
 * every value checked exactly, the embedded defaults, fault ordering, call
 * steps, and documents of other API groups being left alone.
 */
#include "cfg_test.h"

#define US 1000.0
#define MS 1000000.0
#define SEC 1000000000.0

/* Decode every loaded document; there must be no message at all. */
static void decode_all(cfg_fx *f)
{
    cfg_fx_decode_meshsim(f);
    cfg_expect_no_diags(f->d, "decode_all");
}

static void load_text(cfg_fx *f, const char *text)
{
    assert_int_equal(cfg_load_string(f->l, "d.yaml", text, strlen(text)), 0);
    decode_all(f);
}

#define assert_dbl(a, b) assert_true((a) == (b))
#define S(x) ((int64_t)((x) * 1000000000LL))

static void assert_lognormal(const ms_dist_spec *d, double median, double p99)
{
    assert_int_equal(d->kind, MS_DIST_LOGNORMAL);
    assert_dbl(d->median, median);
    assert_dbl(d->p99, p99);
}

static void assert_constant(const ms_dist_spec *d, double v)
{
    assert_int_equal(d->kind, MS_DIST_CONSTANT);
    assert_dbl(d->value, v);
}

static void assert_label(const cfg_label_set *s, size_t i, const char *k, const char *v)
{
    assert_true(i < s->len);
    assert_string_equal(s->items[i].key, k);
    assert_string_equal(s->items[i].value, v);
}

static void test_format_examples(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(cfg_load_path(f->l, DATA "/format-examples.yaml", NULL), 0);
    decode_all(f);
    struct cfg_meshsim *m = f->m;

    /* Scenario */
    const cfg_scenario_spec *s = &m->scenario;
    assert_true(m->has_scenario);
    assert_string_equal(s->name.str, "bookinfo-reviews-canary");
    assert_int_equal(s->pos.line, 3);
    assert_int_equal(s->ninclude, 2);
    assert_string_equal(cfg_str(s->include[0]), "manifests/bookinfo.yaml");
    assert_string_equal(cfg_str(s->include[1]), "manifests/networking/");
    assert_true(s->duration.ns == S(600));
    assert_true(s->warmup.ns == S(30));
    assert_true(s->seed.v == 42);
    assert_true(s->replications.v == 1);
    assert_true(s->window.ns == S(10));
    assert_int_equal(s->nassertions, 2);
    const cfg_assertion_spec *a = &s->assertions[0];
    assert_string_equal(a->name.str, "product page p99 under 300ms");
    assert_string_equal(a->metric.str, "latency.p99");
    assert_int_equal(a->kind, CFG_METRIC_LATENCY_QUANTILE);
    assert_int_equal(a->unit, CFG_UNIT_DURATION_NS);
    assert_dbl(a->quantile, 0.99);
    assert_string_equal(a->select.source.str, "browsers");
    assert_string_equal(a->select.host.str, "bookinfo.example.com");
    assert_null(a->select.destination.str);
    assert_null(a->select.domain.str);
    assert_true(a->has_during);
    assert_true(a->during_from.ns == S(60) && a->during_to.ns == S(600));
    assert_true(a->has_max && !a->has_min);
    assert_dbl(a->max.v, 300 * MS);
    assert_int_equal(a->max.node->pos.line, 23);
    a = &s->assertions[1];
    assert_string_equal(a->name.str, "reviews nearly error-free");
    assert_int_equal(a->kind, CFG_METRIC_ERROR_RATE);
    assert_int_equal(a->unit, CFG_UNIT_FRACTION);
    assert_string_equal(a->select.destination.str, "reviews");
    assert_false(a->has_during);
    assert_dbl(a->max.v, 0.001);

    /* Cluster */
    const cfg_cluster_spec *c = &m->cluster;
    assert_true(m->has_cluster);
    assert_string_equal(c->name.str, "prod");
    assert_int_equal(c->nzones, 2);
    assert_string_equal(c->zones[0].name.str, "zone-a");
    assert_string_equal(c->zones[0].region.str, "eu");
    assert_true(c->zones[0].nodes.v == 3);
    assert_string_equal(c->zones[1].name.str, "zone-b");
    assert_int_equal(c->placement, CFG_PLACEMENT_SPREAD);
    assert_constant(&c->network.same_node.latency.spec, 20 * US);
    assert_dbl(c->network.same_node.bandwidth.v, 40e9);
    assert_lognormal(&c->network.same_zone.latency.spec, 150 * US, 600 * US);
    assert_dbl(c->network.same_zone.bandwidth.v, 10e9);
    assert_lognormal(&c->network.cross_zone.latency.spec, 700 * US, 2 * MS);
    assert_dbl(c->network.cross_zone.bandwidth.v, 5e9);
    assert_lognormal(&c->network.cross_region.latency.spec, 30 * MS, 60 * MS);
    assert_dbl(c->network.cross_region.bandwidth.v, 1e9);
    assert_lognormal(&c->network.internet.latency.spec, 30 * MS, 120 * MS);
    assert_dbl(c->network.internet.bandwidth.v, 1e9);
    assert_int_equal(c->network.overlay, CFG_OVERLAY_VXLAN);
    assert_true(c->network.mtu.v == 1500);
    assert_dbl(c->network.loss.v, 0);
    assert_non_null(c->network.loss.node);
    assert_true(c->mesh.sidecar.workers.v == 2);
    assert_lognormal(&c->mesh.sidecar.cost.spec, 150 * US, 800 * US);
    assert_constant(&c->mesh.mtls_handshake.spec, 2 * MS);
    assert_constant(&c->mesh.mtls_per_kib.spec, 2 * US);
    assert_true(c->mesh.ingress_gateway.replicas.v == 2);
    assert_true(c->mesh.ingress_gateway.workers.v == 4);
    assert_constant(&c->mesh.ingress_gateway.cost.spec, 200 * US);
    assert_constant(&c->mesh.ingress_gateway.tls_handshake.spec, 3 * MS);
    assert_true(c->mesh.egress_gateway.replicas.v == 1);
    assert_true(c->mesh.egress_gateway.workers.v == 2);
    assert_constant(&c->mesh.egress_gateway.cost.spec, 200 * US);
    assert_lognormal(&c->mesh.push_delay.spec, 500 * MS, 3 * SEC);
    assert_int_equal(c->mesh.outbound, CFG_OUTBOUND_ALLOW_ANY);

    /* WorkloadModel */
    assert_int_equal(m->nworkloads, 1);
    const cfg_workload_spec *w = &m->workloads[0];
    assert_string_equal(w->name.str, "reviews-v2");
    assert_int_equal(w->selector.len, 2);
    assert_label(&w->selector, 0, "app", "reviews");
    assert_label(&w->selector, 1, "version", "v2");
    assert_true(w->concurrency.v == 16);
    assert_true(w->queue_limit.v == 1000);
    assert_lognormal(&w->service_time.spec, 8 * MS, 60 * MS);
    assert_dbl(w->error_rate.v, 0.002);
    assert_true(w->error_status.v == 500);
    assert_true(w->response_size.bytes == 2048);
    assert_constant(&w->startup.spec, 20 * SEC);
    assert_int_equal(w->ncalls, 2);
    const cfg_call_spec *call = &w->calls[0].calls[0];
    assert_false(w->calls[0].parallel);
    assert_int_equal(w->calls[0].ncalls, 1);
    assert_string_equal(call->host.str, "ratings");
    assert_true(call->port.v == 9080);
    assert_string_equal(call->path.str, "/ratings/0");
    assert_string_equal(call->method.str, "GET");
    assert_int_equal(call->nforward_headers, 1);
    assert_string_equal(call->forward_headers[0].str, "end-user");
    assert_dbl(call->probability.v, 1.0);
    assert_true(call->timeout.ns == S(10));
    assert_true(call->retries.v == 1);
    assert_int_equal(call->on_error, CFG_ON_ERROR_FAIL);
    assert_true(w->calls[1].parallel);
    assert_int_equal(w->calls[1].ncalls, 2);
    assert_string_equal(w->calls[1].calls[0].host.str, "details");
    assert_string_equal(w->calls[1].calls[0].path.str, "/details/0");
    assert_true(w->calls[1].calls[0].port.v == 0);
    assert_string_equal(w->calls[1].calls[1].host.str, "reviews");

    /* Traffic */
    assert_int_equal(m->nsources, 1);
    const cfg_source_spec *src = &m->sources[0];
    assert_string_equal(src->name.str, "browsers");
    assert_string_equal(src->traffic, "users");
    assert_true(src->external);
    assert_string_equal(src->url.str, "http://bookinfo.example.com/productpage");
    assert_string_equal(src->scheme, "http");
    assert_string_equal(src->host, "bookinfo.example.com");
    assert_int_equal(src->port, 80);
    assert_string_equal(src->path, "/productpage");
    assert_false(src->closed_loop);
    assert_dbl(src->rate.v, 200);
    assert_int_equal(src->npattern, 2);
    assert_true(src->pattern[0].at.ns == 0);
    assert_dbl(src->pattern[0].rate.v, 100);
    assert_true(src->pattern[0].ramp.ns == 0);
    assert_true(src->pattern[1].at.ns == S(120));
    assert_dbl(src->pattern[1].rate.v, 400);
    assert_true(src->pattern[1].ramp.ns == S(60));
    assert_int_equal(src->nrequests, 2);
    assert_dbl(src->requests[0].weight.v, 90);
    assert_string_equal(src->requests[0].method.str, "GET");
    assert_string_equal(src->requests[0].path.str, "/productpage");
    assert_int_equal(src->requests[0].nheaders, 0);
    assert_dbl(src->requests[1].weight.v, 10);
    assert_int_equal(src->requests[1].nheaders, 1);
    assert_string_equal(src->requests[1].headers[0].name, "end-user");
    assert_string_equal(src->requests[1].headers[0].value, "jason");
    assert_true(src->timeout.ns == S(30));

    /* FaultSchedule */
    assert_int_equal(m->nfaults, 8);
    const cfg_fault_spec *ft = m->faults;
    assert_int_equal(ft[0].kind, CFG_FAULT_POD_KILL);
    assert_string_equal(ft[0].schedule, "game-day");
    assert_true(ft[0].at.ns == S(120));
    assert_label(&ft[0].selector, 0, "app", "reviews");
    assert_label(&ft[0].selector, 1, "version", "v1");
    assert_true(ft[0].count.v == 1);
    assert_constant(&ft[0].restart_after.spec, 30 * SEC);
    assert_int_equal(ft[1].kind, CFG_FAULT_NODE_DOWN);
    assert_true(ft[1].at.ns == S(180) && ft[1].duration.ns == S(60));
    assert_string_equal(ft[1].node.str, "zone-a-2");
    assert_int_equal(ft[2].kind, CFG_FAULT_LINK_DEGRADE);
    assert_int_equal(ft[2].between.kind, CFG_SCOPE_ZONE);
    assert_string_equal(ft[2].between.name.str, "zone-a");
    assert_string_equal(ft[2].and_.name.str, "zone-b");
    assert_constant(&ft[2].add_latency.spec, 50 * MS);
    assert_dbl(ft[2].loss.v, 0.01);
    assert_dbl(ft[2].bandwidth.v, 100e6);
    assert_true(ft[2].duration.ns == S(30));
    assert_int_equal(ft[3].kind, CFG_FAULT_PARTITION);
    assert_string_equal(ft[3].and_.name.str, "zone-b");
    assert_int_equal(ft[4].kind, CFG_FAULT_SLOWDOWN);
    assert_dbl(ft[4].factor.v, 5);
    assert_label(&ft[4].selector, 0, "app", "ratings");
    assert_int_equal(ft[5].kind, CFG_FAULT_ERRORS);
    assert_dbl(ft[5].rate.v, 0.2);
    assert_true(ft[5].status.v == 503);
    assert_int_equal(ft[6].kind, CFG_FAULT_EXTERNAL_OUTAGE);
    assert_string_equal(ft[6].host.str, "api.example.com");
    assert_int_equal(ft[7].kind, CFG_FAULT_CONTROL_PLANE_DOWN);
    assert_true(ft[7].at.ns == S(540) && ft[7].duration.ns == S(30));
    assert_string_equal(cfg_fault_kind_name(ft[7].kind), "control-plane-down");

    /* Endpoints */
    assert_int_equal(m->nupstreams, 1);
    const cfg_upstream_spec *u = &m->upstreams[0];
    assert_string_equal(u->host.str, "reviews");
    assert_true(u->port.v == 9080);
    assert_int_equal(u->nendpoints, 2);
    assert_string_equal(u->endpoints[0].address.str, "127.0.0.1:19081");
    assert_label(&u->endpoints[0].labels, 0, "version", "v1");
    assert_string_equal(u->endpoints[0].zone.str, "zone-a");
    assert_string_equal(u->endpoints[1].zone.str, "zone-b");
    assert_true(u->endpoints[1].weight.v == 1);
}

static void test_defaults(void **state)
{
    cfg_fx *f = *state;
    load_text(f, API "kind: WorkloadModel\nspec:\n  selector: {app: x}\n"
                 "---\n" API "kind: Traffic\nspec:\n  sources:\n"
                 "  - {name: u, url: 'https://shop.example.com:8443', users: 50}\n");
    struct cfg_meshsim *m = f->m;
    /* Scenario */
    assert_false(m->has_scenario);
    assert_string_equal(m->scenario.name.str, "scenario");
    assert_true(m->scenario.duration.ns == S(60));
    assert_true(m->scenario.warmup.ns == 0);
    assert_true(m->scenario.seed.v == 1);
    assert_true(m->scenario.replications.v == 1);
    assert_true(m->scenario.window.ns == S(10));
    assert_int_equal(m->scenario.nassertions, 0);
    assert_int_equal(m->scenario.ninclude, 0);
    /* Cluster */
    const cfg_cluster_spec *c = &m->cluster;
    assert_false(m->has_cluster);
    assert_int_equal(c->nzones, 1);
    assert_string_equal(c->zones[0].name.str, "zone-a");
    assert_string_equal(c->zones[0].region.str, "region-1");
    assert_true(c->zones[0].nodes.v == 3);
    assert_null(c->zones[0].name.node);
    assert_int_equal(c->placement, CFG_PLACEMENT_SPREAD);
    assert_constant(&c->network.same_node.latency.spec, 20 * US);
    assert_lognormal(&c->network.same_zone.latency.spec, 150 * US, 600 * US);
    assert_lognormal(&c->network.cross_zone.latency.spec, 700 * US, 2 * MS);
    assert_lognormal(&c->network.cross_region.latency.spec, 30 * MS, 60 * MS);
    assert_lognormal(&c->network.internet.latency.spec, 30 * MS, 120 * MS);
    assert_dbl(c->network.same_node.bandwidth.v, 40e9);
    assert_dbl(c->network.same_zone.bandwidth.v, 10e9);
    assert_dbl(c->network.cross_zone.bandwidth.v, 5e9);
    assert_dbl(c->network.cross_region.bandwidth.v, 1e9);
    assert_dbl(c->network.internet.bandwidth.v, 1e9);
    assert_int_equal(c->network.overlay, CFG_OVERLAY_NONE);
    assert_true(c->network.mtu.v == 1500);
    assert_dbl(c->network.loss.v, 0);
    assert_true(c->mesh.sidecar.workers.v == 2);
    assert_lognormal(&c->mesh.sidecar.cost.spec, 150 * US, 800 * US);
    assert_constant(&c->mesh.mtls_handshake.spec, 2 * MS);
    assert_constant(&c->mesh.mtls_per_kib.spec, 2 * US);
    assert_true(c->mesh.ingress_gateway.replicas.v == 2 && c->mesh.ingress_gateway.workers.v == 4);
    assert_constant(&c->mesh.ingress_gateway.cost.spec, 200 * US);
    assert_constant(&c->mesh.ingress_gateway.tls_handshake.spec, 3 * MS);
    assert_true(c->mesh.egress_gateway.replicas.v == 1 && c->mesh.egress_gateway.workers.v == 2);
    assert_constant(&c->mesh.egress_gateway.cost.spec, 200 * US);
    assert_lognormal(&c->mesh.push_delay.spec, 500 * MS, 3 * SEC);
    assert_int_equal(c->mesh.outbound, CFG_OUTBOUND_ALLOW_ANY);
    /* WorkloadModel */
    const cfg_workload_spec *w = &m->workloads[0];
    assert_string_equal(w->name.str, "");
    assert_true(w->concurrency.v == 16 && w->queue_limit.v == 1000);
    assert_null(w->concurrency.node);
    assert_constant(&w->service_time.spec, 1 * MS);
    assert_dbl(w->error_rate.v, 0);
    assert_true(w->error_status.v == 500);
    assert_true(w->response_size.bytes == 1024);
    assert_constant(&w->startup.spec, 5 * SEC);
    assert_int_equal(w->ncalls, 0);
    assert_null(w->zone.str);
    cfg_workload_spec w2;
    cfg_workload_spec_default(&w2);
    assert_true(w2.concurrency.v == 16);
    /* Traffic */
    const cfg_source_spec *src = &m->sources[0];
    assert_true(src->closed_loop);
    assert_true(src->users.v == 50);
    assert_int_equal(src->think_time.spec.kind, MS_DIST_EXPONENTIAL);
    assert_dbl(src->think_time.spec.mean, 1 * SEC);
    assert_true(src->timeout.ns == S(30));
    assert_string_equal(src->scheme, "https");
    assert_string_equal(src->host, "shop.example.com");
    assert_int_equal(src->port, 8443);
    assert_string_equal(src->path, "/");
    assert_int_equal(src->nrequests, 1);
    assert_dbl(src->requests[0].weight.v, 1);
    assert_string_equal(src->requests[0].method.str, "GET");
    assert_string_equal(src->requests[0].path.str, "/");
    assert_string_equal(src->traffic, "");
}

static void test_faults_sorted_stably(void **state)
{
    cfg_fx *f = *state;
    load_text(f, API "kind: FaultSchedule\nmetadata: {name: one}\nspec:\n"
                 "  faults:\n"
                 "  - {at: 5m, kind: control-plane-down}\n"
                 "  - {at: 1m, kind: external-outage, host: a}\n"
                 "---\n" API "kind: FaultSchedule\nmetadata: {name: two}\nspec:\n"
                 "  faults:\n"
                 "  - {at: 1m, kind: external-outage, host: b}\n"
                 "  - {at: 0s, kind: node-down, node: zone-a-1}\n");
    const struct cfg_meshsim *m = f->m;
    assert_int_equal(m->nfaults, 4);
    assert_int_equal(m->faults[0].kind, CFG_FAULT_NODE_DOWN);
    assert_string_equal(m->faults[1].host.str, "a");
    assert_string_equal(m->faults[1].schedule, "one");
    assert_string_equal(m->faults[2].host.str, "b");
    assert_string_equal(m->faults[2].schedule, "two");
    assert_int_equal(m->faults[3].kind, CFG_FAULT_CONTROL_PLANE_DOWN);
    assert_true(m->faults[3].duration.ns == 0);
}

static void test_assertion_metrics(void **state)
{
    cfg_fx *f = *state;
    load_text(f, API "kind: Scenario\nspec:\n  assertions:\n"
                 "  - {metric: latency.p99.9, max: 1s}\n"
                 "  - {metric: latency.p50, max: 10ms, min: 1ms}\n"
                 "  - {metric: latency.mean, max: 5ms}\n"
                 "  - {metric: latency.max, max: 2s}\n"
                 "  - {metric: success_rate, min: 99.9%}\n"
                 "  - {metric: rps, min: 100rps}\n"
                 "  - {metric: requests, min: 1000}\n"
                 "  - {metric: retries, max: 10}\n"
                 "  - {metric: timeouts, max: 0}\n"
                 "  - {metric: ejections, max: 3}\n"
                 "  - {metric: 'responses{code=503}', max: 5}\n"
                 "  - {metric: 'responses{flag=UO}', max: 0, select: {domain: mesh, route: r, version: v1}}\n");
    const cfg_assertion_spec *a = f->m->scenario.assertions;
    assert_int_equal(f->m->scenario.nassertions, 12);
    assert_int_equal(a[0].kind, CFG_METRIC_LATENCY_QUANTILE);
    assert_true(a[0].quantile > 0.999 - 1e-12 && a[0].quantile < 0.999 + 1e-12);
    assert_dbl(a[0].max.v, 1 * SEC);
    assert_dbl(a[1].quantile, 0.5);
    assert_true(a[1].has_min && a[1].has_max);
    assert_dbl(a[1].min.v, 1 * MS);
    assert_int_equal(a[2].kind, CFG_METRIC_LATENCY_MEAN);
    assert_int_equal(a[3].kind, CFG_METRIC_LATENCY_MAX);
    assert_int_equal(a[4].kind, CFG_METRIC_SUCCESS_RATE);
    assert_true(a[4].min.v > 0.999 - 1e-12 && a[4].min.v < 0.999 + 1e-12);
    assert_int_equal(a[5].kind, CFG_METRIC_RPS);
    assert_int_equal(a[5].unit, CFG_UNIT_RATE);
    assert_dbl(a[5].min.v, 100);
    assert_int_equal(a[6].kind, CFG_METRIC_REQUESTS);
    assert_int_equal(a[6].unit, CFG_UNIT_COUNT);
    assert_int_equal(a[7].kind, CFG_METRIC_RETRIES);
    assert_int_equal(a[8].kind, CFG_METRIC_TIMEOUTS);
    assert_int_equal(a[9].kind, CFG_METRIC_EJECTIONS);
    assert_int_equal(a[10].kind, CFG_METRIC_RESPONSES_CODE);
    assert_int_equal(a[10].status_code, 503);
    assert_int_equal(a[11].kind, CFG_METRIC_RESPONSES_FLAG);
    assert_string_equal(a[11].flag, "UO");
    assert_string_equal(a[11].select.domain.str, "mesh");
    assert_string_equal(a[11].select.route.str, "r");
    assert_string_equal(a[11].select.version.str, "v1");
    assert_string_equal(a[11].name.str, "responses{flag=UO}");
}

static void test_closed_loop_from_selector_and_pinning(void **state)
{
    cfg_fx *f = *state;
    load_text(f, API "kind: Traffic\nspec:\n  sources:\n"
                 "  - name: internal\n    from: {app: productpage}\n    url: http://reviews:9080/r?x=1\n"
                 "    users: 5\n    thinkTime: {dist: constant, value: 100ms}\n    timeout: 2s\n"
                 "---\n" API "kind: WorkloadModel\nspec:\n"
                 "  selector: {app: db}\n  zone: zone-a\n  node: zone-a-1\n"
                 "  calls:\n  - {host: cache, onError: ignore, probability: 0.5, method: POST}\n");
    const cfg_source_spec *s = &f->m->sources[0];
    assert_false(s->external);
    assert_label(&s->from, 0, "app", "productpage");
    assert_string_equal(s->host, "reviews");
    assert_int_equal(s->port, 9080);
    assert_string_equal(s->path, "/r?x=1");
    assert_constant(&s->think_time.spec, 100 * MS);
    assert_true(s->timeout.ns == S(2));
    const cfg_workload_spec *w = &f->m->workloads[0];
    assert_string_equal(w->zone.str, "zone-a");
    assert_string_equal(w->node.str, "zone-a-1");
    assert_int_equal(w->calls[0].calls[0].on_error, CFG_ON_ERROR_IGNORE);
    assert_dbl(w->calls[0].calls[0].probability.v, 0.5);
    assert_string_equal(w->calls[0].calls[0].method.str, "POST");
    assert_int_equal(w->calls[0].calls[0].host.node->pos.line, 19);
}

static void test_other_api_groups_are_not_ours(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(cfg_load_string(f->l, "k.yaml", "apiVersion: v1\nkind: Service\n---\n- a\n---\n", 24), 0);
    for (size_t i = 0; i < cfg_doc_count(f->l); i++)
        assert_int_equal(cfg_meshsim_decode(f->m, f->l, cfg_doc_at(f->l, i), NULL, f->d), 0);
    assert_int_equal(ms_diag_count(f->d), 0);
    cfg_meshsim_destroy(NULL);
}

static void test_many_documents(void **state)
{
    cfg_fx *f = *state;
    char text[256];
    for (int i = 0; i < 40; i++) {
        int n = snprintf(text, sizeof text,
                         API "kind: WorkloadModel\nmetadata: {name: w%d}\n"
                         "spec: {selector: {app: a%d}, concurrency: %d}\n",
                         i, i, i + 1);
        assert_int_equal(cfg_load_string(f->l, "m.yaml", text, (size_t)n), 0);
    }
    decode_all(f);
    assert_int_equal(f->m->nworkloads, 40);
    assert_string_equal(f->m->workloads[39].name.str, "w39");
    assert_true(f->m->workloads[39].concurrency.v == 40);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, cfg_fx_setup_meshsim, cfg_fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_format_examples),
        T(test_defaults),
        T(test_faults_sorted_stably),
        T(test_assertion_metrics),
        T(test_closed_loop_from_selector_and_pinning),
        T(test_other_api_groups_are_not_ours),
        T(test_many_documents),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
