/*
 * test_istio_decode.c - the Kubernetes/Istio decoder (config/k8s_istio.h):
 * decoded values, Istio defaults left unset, leniency for Kubernetes objects,
 * and the exact text of every validation and cross-reference message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/diag.h"
#include "config/k8s_istio.h"
#include "config/yaml.h"

typedef struct fx {
    ms_diag *d;
    cfg_loader *l;
    struct cfg_k8s_istio *m;
    int decoded; /* documents for which decode returned 1 */
    int skipped; /* documents for which it returned 0 */
} fx;

static int setup(void **state)
{
    fx *f = test_calloc(1, sizeof(*f));
    f->d = ms_diag_create();
    f->l = cfg_loader_create(f->d);
    f->m = cfg_k8s_istio_create();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    cfg_k8s_istio_destroy(f->m);
    cfg_loader_destroy(f->l);
    ms_diag_destroy(f->d);
    test_free(f);
    return 0;
}

/* Load `text` as "t.yaml" and decode every document. */
static void load(fx *f, const char *text)
{
    size_t first = cfg_doc_count(f->l);
    assert_int_equal(cfg_load_string(f->l, "t.yaml", text, strlen(text)), 0);
    for (size_t i = first; i < cfg_doc_count(f->l); i++) {
        const cfg_doc *doc = cfg_doc_at(f->l, i);
        const char *api = cfg_str(cfg_map_get(doc->root, "apiVersion"));
        const char *kind = cfg_str(cfg_map_get(doc->root, "kind"));
        if (cfg_k8s_istio_decode(f->m, f->l, doc, api, kind, f->d))
            f->decoded++;
        else
            f->skipped++;
    }
}

static void print_all(const fx *f)
{
    for (size_t i = 0; i < ms_diag_count(f->d); i++)
        print_message("  diag: %s\n", ms_diag_message(f->d, i));
}

/* Exactly one message, equal to `want`. */
static void expect_one(fx *f, const char *want)
{
    if (ms_diag_count(f->d) != 1 || strcmp(ms_diag_message(f->d, 0), want) != 0) {
        print_message("want: %s\n", want);
        print_all(f);
    }
    assert_int_equal(ms_diag_count(f->d), 1);
    assert_string_equal(ms_diag_message(f->d, 0), want);
}

static void expect_clean(fx *f)
{
    if (ms_diag_count(f->d) != 0)
        print_all(f);
    assert_int_equal(ms_diag_count(f->d), 0);
}

#define VS_HEAD                                                                \
    "apiVersion: networking.istio.io/v1\n"                                    \
    "kind: VirtualService\n"                                                  \
    "metadata:\n"                                                             \
    "  name: reviews\n"                                                       \
    "spec:\n"                                                                 \
    "  hosts: [reviews]\n"                                                    \
    "  http:\n"
/* VS_HEAD is 7 lines: the first http rule starts on line 8. */

#define DR_HEAD                                                                \
    "apiVersion: networking.istio.io/v1beta1\n"                               \
    "kind: DestinationRule\n"                                                 \
    "metadata: {name: reviews, namespace: shop}\n"                            \
    "spec:\n"                                                                 \
    "  host: reviews\n"

/* --- values ----------------------------------------------------------------- */

static void test_virtual_service_values(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - name: jason\n"
         "    match:\n"
         "    - headers: {end-user: {exact: jason}, x-any: {}}\n"
         "      uri: {prefix: /api}\n"
         "      ignoreUriCase: true\n"
         "      sourceLabels: {app: productpage}\n"
         "    route:\n"
         "    - destination: {host: reviews, subset: v2, port: {number: 9080}}\n"
         "      weight: 90\n"
         "    - destination: {host: reviews, subset: v3}\n"
         "      weight: 10\n"
         "    timeout: 0.5s\n"
         "    retries: {attempts: 3, perTryTimeout: 100ms, retryOn: \"5xx,503, reset\"}\n"
         "    fault:\n"
         "      delay: {fixedDelay: 7s, percentage: {value: 100.0}}\n"
         "    mirror: {host: reviews, subset: v1}\n");
    expect_clean(f);
    assert_int_equal(f->m->nvirtual_services, 1);
    const pol_virtual_service *vs = &f->m->virtual_services[0];
    assert_string_equal(vs->meta.name, "reviews");
    assert_string_equal(vs->meta.ns, "default");
    assert_int_equal(vs->hosts.len, 1);
    assert_int_equal(vs->nhttp, 1);
    const pol_http_route *r = &vs->http[0];
    assert_string_equal(r->name, "jason");
    assert_int_equal(r->nmatch, 1);
    assert_int_equal(r->match[0].headers.len, 2);
    assert_int_equal(r->match[0].headers.items[0].match.kind, POL_MATCH_EXACT);
    assert_int_equal(r->match[0].headers.items[1].match.kind, POL_MATCH_PRESENT);
    assert_int_equal(r->match[0].uri.kind, POL_MATCH_PREFIX);
    assert_true(r->match[0].ignore_uri_case);
    assert_string_equal(pol_labels_get(&r->match[0].source_labels, "app"), "productpage");
    assert_int_equal(r->nroute, 2);
    assert_string_equal(r->route[0].destination.subset, "v2");
    assert_int_equal(r->route[0].destination.port.v, 9080);
    assert_int_equal(r->route[0].destination.subset_pos.line, 15);
    assert_int_equal(r->route[1].weight.v, 10);
    assert_true(r->timeout.set);
    assert_int_equal(r->timeout.ns, 500000000);
    assert_true(r->retries.set);
    assert_int_equal(r->retries.attempts.v, 3);
    assert_int_equal(r->retries.per_try_timeout.ns, 100000000);
    assert_false(r->retries.retry_ignore_previous_hosts.set);
    assert_true(r->fault.delay.set);
    assert_int_equal(r->fault.delay.fixed_delay.ns, 7000000000LL);
    assert_true(r->fault.delay.percentage.v == 100.0);
    assert_false(r->fault.abort.set);
    assert_true(r->has_mirror);
    assert_false(r->mirror.percentage.set); /* unset: 100 % */
}

static void test_destination_rule_values(void **state)
{
    fx *f = *state;
    load(f, DR_HEAD
         "  trafficPolicy:\n"
         "    loadBalancer:\n"
         "      consistentHash: {httpCookie: {name: user, ttl: 0s}, ringHash: {minimumRingSize: 2048}}\n"
         "    connectionPool:\n"
         "      tcp: {maxConnections: 100, connectTimeout: 30ms}\n"
         "      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1, h2UpgradePolicy: UPGRADE}\n"
         "    outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 100}\n"
         "    portLevelSettings:\n"
         "    - port: {number: 443}\n"
         "      tls: {mode: SIMPLE, sni: reviews.example.com}\n"
         "  subsets:\n"
         "  - name: v1\n"
         "    labels: {version: v1}\n"
         "    trafficPolicy:\n"
         "      loadBalancer: {simple: ROUND_ROBIN}\n");
    expect_clean(f);
    assert_int_equal(f->m->ndestination_rules, 1);
    const pol_destination_rule *dr = &f->m->destination_rules[0];
    assert_string_equal(dr->meta.ns, "shop");
    const pol_policy_blocks *b = &dr->traffic_policy.blocks;
    assert_true(b->has_load_balancer);
    assert_int_equal(b->load_balancer.kind, POL_LB_KIND_CONSISTENT_HASH);
    assert_int_equal(b->load_balancer.consistent_hash.key, POL_HASH_KEY_COOKIE);
    assert_true(b->load_balancer.consistent_hash.http_cookie.ttl.set);
    assert_int_equal(b->load_balancer.consistent_hash.minimum_ring_size.v, 2048);
    assert_int_equal(b->connection_pool.tcp.max_connections.v, 100);
    assert_int_equal(b->connection_pool.tcp.connect_timeout.ns, 30000000);
    assert_false(b->connection_pool.http.http2_max_requests.set);
    assert_int_equal(b->connection_pool.http.h2_upgrade_policy, POL_H2_UPGRADE);
    assert_int_equal(b->outlier_detection.consecutive_5xx_errors.v, 7);
    assert_false(b->outlier_detection.min_health_percent.set);
    assert_int_equal(dr->traffic_policy.nport_level_settings, 1);
    assert_int_equal(dr->traffic_policy.port_level_settings[0].port.v, 443);
    assert_int_equal(dr->traffic_policy.port_level_settings[0].blocks.tls.mode,
                     POL_CLIENT_TLS_SIMPLE);
    assert_int_equal(dr->nsubsets, 1);
    assert_true(dr->subsets[0].has_traffic_policy);
    assert_int_equal(dr->subsets[0].traffic_policy.blocks.load_balancer.simple, POL_LB_ROUND_ROBIN);
}

static void test_kubernetes_objects_lenient(void **state)
{
    fx *f = *state;
    load(f, "apiVersion: v1\n"
            "kind: Service\n"
            "metadata: {name: reviews, labels: {app: reviews}, annotations: {x: y}}\n"
            "spec:\n"
            "  clusterIP: None\n"
            "  ports:\n"
            "  - {port: 9080, name: http, targetPort: 8080}\n"
            "  - {port: 9090, targetPort: metrics}\n"
            "  selector: {app: reviews}\n"
            "---\n"
            "apiVersion: apps/v1\n"
            "kind: Deployment\n"
            "metadata: {name: reviews-v1, namespace: shop}\n"
            "spec:\n"
            "  strategy: {type: RollingUpdate}\n"
            "  template:\n"
            "    metadata: {labels: {app: reviews, version: v1}}\n"
            "    spec:\n"
            "      serviceAccountName: bookinfo-reviews\n"
            "      containers: [{name: reviews, image: x, imagePullPolicy: Always}]\n"
            "---\n"
            "apiVersion: v1\n"
            "kind: ServiceAccount\n"
            "metadata: {name: bookinfo-reviews}\n"
            "---\n"
            "apiVersion: networking.istio.io/v1alpha3\n"
            "kind: Sidecar\n"
            "metadata: {name: default}\n"
            "spec: {egress: [{hosts: [\"./*\"]}]}\n");
    expect_clean(f);
    assert_int_equal(f->decoded, 2);
    assert_int_equal(f->skipped, 2);
    const cfg_k8s_service *s = &f->m->services[0];
    assert_int_equal(s->nports, 2);
    assert_int_equal(s->ports[0].target_port, 8080);
    assert_string_equal(s->ports[0].protocol, "TCP");
    assert_string_equal(s->ports[1].target_port_name, "metrics");
    assert_string_equal(pol_labels_get(&s->selector, "app"), "reviews");
    const cfg_k8s_workload *w = &f->m->workloads[0];
    assert_int_equal(w->replicas, 1);
    assert_string_equal(w->meta.ns, "shop");
    assert_string_equal(pol_labels_get(&w->pod_labels, "version"), "v1");
    assert_int_equal(w->containers.len, 1);
    assert_string_equal(w->containers.items[0].s, "reviews");
}

/* --- errors ------------------------------------------------------------------ */

static void test_unknown_field_did_you_mean(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route:\n"
         "    - destination: {host: reviews}\n"
         "      wieght: 10\n");
    expect_one(f, "t.yaml:10:7: error: unknown field \"wieght\"; did you mean \"weight\"?");
}

static void test_bad_lb_enum(void **state)
{
    fx *f = *state;
    load(f, DR_HEAD
         "  trafficPolicy:\n"
         "    loadBalancer: {simple: ROUND_ROBBIN}\n");
    expect_one(f, "t.yaml:7:28: error: invalid value \"ROUND_ROBBIN\" for field \"simple\"; "
                  "did you mean \"ROUND_ROBIN\"?");
}

static void test_bad_enum_without_hint(void **state)
{
    fx *f = *state;
    load(f, "apiVersion: networking.istio.io/v1\n"
            "kind: ServiceEntry\n"
            "metadata: {name: ext}\n"
            "spec:\n"
            "  hosts: [api.example.com]\n"
            "  resolution: MAGIC\n");
    expect_one(f, "t.yaml:6:15: error: invalid value \"MAGIC\" for field \"resolution\"; "
                  "expected one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS");
}

static void test_negative_weight(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route:\n"
         "    - destination: {host: reviews, subset: v1}\n"
         "      weight: -5\n"
         "    - destination: {host: reviews, subset: v2}\n"
         "      weight: 105\n");
    expect_one(f, "t.yaml:10:15: error: weight must not be negative, found -5");
}

static void test_zero_total_weight(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route:\n"
         "    - destination: {host: reviews, subset: v1}\n"
         "      weight: 0\n"
         "    - destination: {host: reviews, subset: v2}\n");
    expect_one(f, "t.yaml:9:5: error: total destination weight must be greater than 0");
}

static void test_wrong_type(void **state)
{
    fx *f = *state;
    load(f, "apiVersion: networking.istio.io/v1\n"
            "kind: VirtualService\n"
            "metadata: {name: r}\n"
            "spec:\n"
            "  hosts: reviews\n");
    assert_int_equal(ms_diag_error_count(f->d), 1);
    assert_true(strncmp(ms_diag_message(f->d, 0), "t.yaml:5:10: error: expected a sequence",
                        strlen("t.yaml:5:10: error: expected a sequence")) == 0);
}

static void test_bad_duration(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews}}]\n"
         "    timeout: 10 seconds\n");
    assert_int_equal(ms_diag_error_count(f->d), 1);
    assert_true(strncmp(ms_diag_message(f->d, 0), "t.yaml:9:14: error: ", 20) == 0);
}

static void test_retry_attempts_negative(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews}}]\n"
         "    retries: {attempts: -1}\n");
    expect_one(f, "t.yaml:9:25: error: attempts must not be negative, found -1");
}

static void test_retry_options_need_attempts(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews}}]\n"
         "    retries: {attempts: 0, perTryTimeout: 2s}\n");
    expect_one(f, "t.yaml:9:14: error: perTryTimeout, retryOn and retryRemoteLocalities need "
                  "attempts > 0");
}

static void test_retry_on_token(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews}}]\n"
         "    retries: {attempts: 2, retryOn: \"5xx,gateway-eror\"}\n");
    expect_one(f, "t.yaml:9:37: error: invalid retryOn policy \"gateway-eror\"");
}

static void test_fault_needs_delay_or_abort(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews}}]\n"
         "    fault: {}\n");
    expect_one(f, "t.yaml:9:12: error: fault must have a delay or an abort");
}

static void test_abort_status_range(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews}}]\n"
         "    fault:\n"
         "      abort: {httpStatus: 700, percentage: {value: 10}}\n");
    expect_one(f, "t.yaml:10:27: error: httpStatus must be in 200-599, found 700");
}

static void test_redirect_code(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - redirect: {uri: /v2, redirectCode: 305}\n");
    expect_one(f, "t.yaml:8:40: error: redirectCode must be 301, 302, 303, 307 or 308, found 305");
}

static void test_two_actions(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews}}]\n"
         "    redirect: {uri: /v2}\n");
    expect_one(f, "t.yaml:8:5: error: http route may have only one of route, redirect, "
                  "directResponse or delegate");
}

static void test_uppercase_header(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - match: [{headers: {End-User: {exact: jason}}}]\n"
         "    route: [{destination: {host: reviews}}]\n");
    expect_one(f, "t.yaml:8:34: error: header name \"End-User\" must be lowercase");
}

static void test_bad_api_version(void **state)
{
    fx *f = *state;
    load(f, "apiVersion: networking.istio.io/v2\n"
            "kind: Gateway\n"
            "metadata: {name: g}\n"
            "spec: {}\n");
    expect_one(f, "t.yaml:1:13: error: apiVersion \"networking.istio.io/v2\" does not serve kind "
                  "Gateway; expected networking.istio.io/v1 or networking.istio.io/v1beta1 or "
                  "v1alpha3");
    assert_int_equal(f->decoded, 1);
}

static void test_missing_destination_host(void **state)
{
    fx *f = *state;
    load(f, VS_HEAD
         "  - route:\n"
         "    - destination: {subset: v1}\n");
    expect_one(f, "t.yaml:9:20: error: missing field \"host\" in destination");
}

static void test_tls_mode_did_you_mean(void **state)
{
    fx *f = *state;
    load(f, DR_HEAD
         "  trafficPolicy:\n"
         "    tls:\n"
         "      mode: ISTIO_MUTUL\n");
    expect_one(f, "t.yaml:8:13: error: invalid value \"ISTIO_MUTUL\" for field \"mode\"; "
                  "did you mean \"ISTIO_MUTUAL\"?");
}

static void test_local_origin_needs_split(void **state)
{
    fx *f = *state;
    load(f, DR_HEAD
         "  trafficPolicy:\n"
         "    outlierDetection:\n"
         "      consecutiveLocalOriginFailures: 3\n");
    expect_one(f, "t.yaml:8:39: error: consecutiveLocalOriginFailures needs "
                  "splitExternalLocalOriginErrors: true");
}

static void test_duplicate_subset(void **state)
{
    fx *f = *state;
    load(f, DR_HEAD
         "  subsets:\n"
         "  - {name: v1, labels: {version: v1}}\n"
         "  - {name: v1, labels: {version: v2}}\n");
    expect_one(f, "t.yaml:8:12: error: duplicate subset name \"v1\"");
}

/* --- cross references ----------------------------------------------------------- */

static const char *const xref_world =
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata: {name: reviews}\n"
    "spec: {ports: [{port: 9080}], selector: {app: reviews}}\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\n"
    "kind: DestinationRule\n"
    "metadata: {name: reviews}\n"
    "spec:\n"
    "  host: reviews.default.svc.cluster.local\n"
    "  subsets: [{name: v1, labels: {version: v1}}]\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\n"
    "kind: Gateway\n"
    "metadata: {name: bookinfo-gateway}\n"
    "spec:\n"
    "  selector: {istio: ingressgateway}\n"
    "  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"]}]\n"
    "---\n";

static void test_xref_clean(void **state)
{
    fx *f = *state;
    load(f, xref_world);
    load(f, VS_HEAD
         "  - route: [{destination: {host: reviews, subset: v1}}]\n");
    cfg_k8s_istio_check(f->m, f->d);
    expect_clean(f);
}

static void test_xref_undefined_subset(void **state)
{
    fx *f = *state;
    load(f, xref_world);
    load(f, VS_HEAD
         "  - route:\n"
         "    - destination:\n"
         "        host: reviews\n"
         "        subset: v9\n");
    cfg_k8s_istio_check(f->m, f->d);
    expect_one(f, "t.yaml:11:17: error: subset \"v9\" of host \"reviews\" is not defined by any "
                  "DestinationRule");
}

static void test_xref_unknown_host(void **state)
{
    fx *f = *state;
    load(f, xref_world);
    load(f, VS_HEAD
         "  - route: [{destination: {host: ratings}}]\n");
    cfg_k8s_istio_check(f->m, f->d);
    expect_one(f, "t.yaml:8:34: error: destination host \"ratings\" is not provided by any "
                  "Service or ServiceEntry");
}

static void test_xref_unknown_gateway(void **state)
{
    fx *f = *state;
    load(f, xref_world);
    load(f, "apiVersion: networking.istio.io/v1\n"
            "kind: VirtualService\n"
            "metadata: {name: bookinfo}\n"
            "spec:\n"
            "  hosts: [\"*\"]\n"
            "  gateways: [bookinfo-gateway, bookinfo-gw]\n"
            "  http: [{route: [{destination: {host: reviews}}]}]\n");
    cfg_k8s_istio_check(f->m, f->d);
    expect_one(f, "t.yaml:6:32: error: gateway \"bookinfo-gw\" is not defined by any Gateway");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_virtual_service_values),
        T(test_destination_rule_values),
        T(test_kubernetes_objects_lenient),
        T(test_unknown_field_did_you_mean),
        T(test_bad_lb_enum),
        T(test_bad_enum_without_hint),
        T(test_negative_weight),
        T(test_zero_total_weight),
        T(test_wrong_type),
        T(test_bad_duration),
        T(test_retry_attempts_negative),
        T(test_retry_options_need_attempts),
        T(test_retry_on_token),
        T(test_fault_needs_delay_or_abort),
        T(test_abort_status_range),
        T(test_redirect_code),
        T(test_two_actions),
        T(test_uppercase_header),
        T(test_bad_api_version),
        T(test_missing_destination_host),
        T(test_tls_mode_did_you_mean),
        T(test_local_origin_needs_split),
        T(test_duplicate_subset),
        T(test_xref_clean),
        T(test_xref_undefined_subset),
        T(test_xref_unknown_host),
        T(test_xref_unknown_gateway),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
