/*
 * test_istio_decode.c - the Kubernetes/Istio decoder (config/k8s_istio.h):
 * decoded values, Istio defaults left unset, leniency for Kubernetes objects,
 * and the exact text of every validation and cross-reference message.  A case
 * that only compares the messages is a row of `cases` or `xref_cases`, run as
 * its own cmocka test under the row's name.
 */
#include "cfg_test.h"

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

#define EF_HEAD                                                                \
    "apiVersion: networking.istio.io/v1alpha3\n"                             \
    "kind: EnvoyFilter\n"                                                    \
    "metadata: {name: rl, namespace: shop}\n"                                \
    "spec:\n"                                                                \
    "  workloadSelector: {labels: {app: a}}\n"                               \
    "  configPatches:\n"                                                     \
    "  - applyTo: HTTP_FILTER\n"
/* EF_HEAD is 7 lines: the patch's match starts on line 8. */
#define EF_MATCH                                                              \
    "    match:\n"                                                           \
    "      context: SIDECAR_INBOUND\n"                                       \
    "      listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager}}}\n"
#define EF_VALUE                                                              \
    "      value:\n"                                                         \
    "        name: envoy.filters.http.local_ratelimit\n"                     \
    "        typed_config:\n"                                                \
    "          \"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit\n" \
    "          stat_prefix: rl\n"

#define AP_HEAD                                                                \
    "apiVersion: security.istio.io/v1\n"                                     \
    "kind: AuthorizationPolicy\n"                                            \
    "metadata: {name: p, namespace: shop}\n"                                 \
    "spec:\n"

/* --- values ----------------------------------------------------------------- */

static void test_virtual_service_values(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, VS_HEAD
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
    cfg_expect_no_diags(f->d, __func__);
    assert_int_equal(f->istio->nvirtual_services, 1);
    const pol_virtual_service *vs = &f->istio->virtual_services[0];
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
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, DR_HEAD
        "  trafficPolicy:\n"
        "    loadBalancer:\n"
        "      consistentHash: {httpCookie: {name: user, ttl: 0s, attributes: [{name: SameSite, value: Lax}, {name: Secure}]},\n"
        "                       ringHash: {minimumRingSize: 2048}}\n"
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
    cfg_expect_no_diags(f->d, __func__);
    assert_int_equal(f->istio->ndestination_rules, 1);
    const pol_destination_rule *dr = &f->istio->destination_rules[0];
    assert_string_equal(dr->meta.ns, "shop");
    const pol_policy_blocks *b = &dr->traffic_policy.blocks;
    assert_true(b->has_load_balancer);
    assert_int_equal(b->load_balancer.kind, POL_LB_KIND_CONSISTENT_HASH);
    assert_int_equal(b->load_balancer.consistent_hash.key, POL_HASH_KEY_COOKIE);
    assert_true(b->load_balancer.consistent_hash.http_cookie.ttl.set);
    assert_int_equal(b->load_balancer.consistent_hash.http_cookie.nattributes, 2);
    assert_string_equal(b->load_balancer.consistent_hash.http_cookie.attributes[0].name, "SameSite");
    assert_string_equal(b->load_balancer.consistent_hash.http_cookie.attributes[0].value, "Lax");
    assert_string_equal(b->load_balancer.consistent_hash.http_cookie.attributes[1].name, "Secure");
    assert_string_equal(b->load_balancer.consistent_hash.http_cookie.attributes[1].value, "");
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
    cfg_fx *f = *state;
    cfg_fx_load_istio(f,
        "apiVersion: v1\n"
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
    cfg_expect_no_diags(f->d, __func__);
    assert_int_equal(f->decoded, 2);
    assert_int_equal(f->skipped, 2);
    const cfg_k8s_service *s = &f->istio->services[0];
    assert_int_equal(s->nports, 2);
    assert_int_equal(s->ports[0].target_port, 8080);
    assert_string_equal(s->ports[0].protocol, "TCP");
    assert_string_equal(s->ports[1].target_port_name, "metrics");
    assert_string_equal(pol_labels_get(&s->selector, "app"), "reviews");
    const cfg_k8s_workload *w = &f->istio->workloads[0];
    assert_int_equal(w->replicas, 1);
    assert_string_equal(w->meta.ns, "shop");
    assert_string_equal(pol_labels_get(&w->pod_labels, "version"), "v1");
    assert_int_equal(w->containers.len, 1);
    assert_string_equal(w->containers.items[0].s, "reviews");
}

static void test_envoy_filter_values(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, EF_HEAD
        "    match:\n"
        "      context: SIDECAR_INBOUND\n"
        "      listener:\n"
        "        portNumber: 9080\n"
        "        filterChain:\n"
        "          filter:\n"
        "            name: envoy.filters.network.http_connection_manager\n"
        "            subFilter: {name: envoy.filters.http.router}\n"
        "    patch:\n"
        "      operation: INSERT_BEFORE\n"
        EF_VALUE
        "          status: {code: 302}\n"
        "          tokenBucket: {maxTokens: 4, fillInterval: 0.5s}\n"
        "          filter_enforced: {runtime_key: k, default_value: {numerator: 25, denominator: TEN_THOUSAND}}\n"
        "---\n"
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: EnvoyFilter\n"
        "metadata: {name: lua}\n"
        "spec:\n"
        "  configPatches:\n"
        "  - applyTo: HTTP_FILTER\n"
        "    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.lua}}\n");
    cfg_expect_no_diags(f->d, __func__);
    assert_int_equal(f->decoded, 1);
    assert_int_equal(f->skipped, 1);
    assert_int_equal(f->istio->nlocal_rate_limits, 1);
    const pol_local_ratelimit *rl = &f->istio->local_rate_limits[0];
    assert_string_equal(rl->meta.name, "rl");
    assert_string_equal(rl->meta.ns, "shop");
    assert_string_equal(pol_labels_get(&rl->workload_selector, "app"), "a");
    assert_true(rl->port.set);
    assert_int_equal(rl->port.v, 9080);
    assert_int_equal(rl->operation, POL_EF_INSERT_BEFORE);
    assert_string_equal(rl->sub_filter, "envoy.filters.http.router");
    assert_int_equal(rl->max_tokens, 4);
    assert_int_equal(rl->tokens_per_fill, 1);
    assert_int_equal(rl->fill_interval_ns, 500000000);
    assert_int_equal(rl->status, 429); /* < 400 becomes 429 */
    assert_int_equal(rl->enabled_numerator, 0);
    assert_int_equal(rl->enabled_denominator, 100);
    assert_int_equal(rl->enforced_numerator, 25);
    assert_int_equal(rl->enforced_denominator, 10000);
}

static void test_wrong_type(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f,
        "apiVersion: networking.istio.io/v1\n"
        "kind: VirtualService\n"
        "metadata: {name: r}\n"
        "spec:\n"
        "  hosts: reviews\n");
    assert_int_equal(ms_diag_error_count(f->d), 1);
    assert_true(strncmp(ms_diag_message(f->d, 0), "t.yaml:5:10: error: expected a sequence",
                        strlen("t.yaml:5:10: error: expected a sequence")) == 0);
}

/* --- errors ------------------------------------------------------------------ */

static void test_bad_duration(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, VS_HEAD
        "  - route: [{destination: {host: reviews}}]\n"
        "    timeout: 10 seconds\n");
    assert_int_equal(ms_diag_error_count(f->d), 1);
    assert_true(strncmp(ms_diag_message(f->d, 0), "t.yaml:9:14: error: ", 20) == 0);
}

static void test_bad_api_version(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f,
        "apiVersion: networking.istio.io/v2\n"
        "kind: Gateway\n"
        "metadata: {name: g}\n"
        "spec: {}\n");
    cfg_expect_diags(f->d, __func__,
                     CFG_WANT("t.yaml:1:13: error: apiVersion \"networking.istio.io/v2\" does not "
                              "serve kind Gateway; expected networking.istio.io/v1 or "
                              "networking.istio.io/v1beta1 or v1alpha3"));
    assert_int_equal(f->decoded, 1);
}

/* Each text alone must give exactly these messages. */
static const cfg_diag_case cases[] = {
    {"test_unknown_field_did_you_mean",
     VS_HEAD
     "  - route:\n"
     "    - destination: {host: reviews}\n"
     "      wieght: 10\n",
     {"t.yaml:10:7: error: unknown field \"wieght\"; did you mean \"weight\"?"}},
    {"test_bad_lb_enum",
     DR_HEAD
     "  trafficPolicy:\n"
     "    loadBalancer: {simple: ROUND_ROBBIN}\n",
     {"t.yaml:7:28: error: invalid value \"ROUND_ROBBIN\" for field \"simple\"; "
      "did you mean \"ROUND_ROBIN\"?"}},
    {"test_cookie_attribute_without_name",
     DR_HEAD
     "  trafficPolicy:\n"
     "    loadBalancer:\n"
     "      consistentHash:\n"
     "        httpCookie: {name: user, ttl: 10s, attributes: [{value: x}, {name: \"a;b\"}]}\n",
     {"t.yaml:9:57: error: a cookie attribute needs a name",
      "t.yaml:9:76: error: invalid cookie attribute name \"a;b\""}},
    {"test_bad_enum_without_hint",
     "apiVersion: networking.istio.io/v1\n"
     "kind: ServiceEntry\n"
     "metadata: {name: ext}\n"
     "spec:\n"
     "  hosts: [api.example.com]\n"
     "  resolution: MAGIC\n",
     {"t.yaml:6:15: error: invalid value \"MAGIC\" for field \"resolution\"; "
      "expected one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS"}},
    {"test_negative_weight",
     VS_HEAD
     "  - route:\n"
     "    - destination: {host: reviews, subset: v1}\n"
     "      weight: -5\n"
     "    - destination: {host: reviews, subset: v2}\n"
     "      weight: 105\n",
     {"t.yaml:10:15: error: weight must not be negative, found -5"}},
    {"test_zero_total_weight",
     VS_HEAD
     "  - route:\n"
     "    - destination: {host: reviews, subset: v1}\n"
     "      weight: 0\n"
     "    - destination: {host: reviews, subset: v2}\n",
     {"t.yaml:9:5: error: total destination weight must be greater than 0"}},
    {"test_retry_attempts_negative",
     VS_HEAD
     "  - route: [{destination: {host: reviews}}]\n"
     "    retries: {attempts: -1}\n",
     {"t.yaml:9:25: error: attempts must not be negative, found -1"}},
    {"test_retry_options_need_attempts",
     VS_HEAD
     "  - route: [{destination: {host: reviews}}]\n"
     "    retries: {attempts: 0, perTryTimeout: 2s}\n",
     {"t.yaml:9:14: error: perTryTimeout, retryOn and retryRemoteLocalities need "
      "attempts > 0"}},
    {"test_retry_on_token",
     VS_HEAD
     "  - route: [{destination: {host: reviews}}]\n"
     "    retries: {attempts: 2, retryOn: \"5xx,gateway-eror\"}\n",
     {"t.yaml:9:37: error: invalid retryOn policy \"gateway-eror\""}},
    {"test_fault_needs_delay_or_abort",
     VS_HEAD
     "  - route: [{destination: {host: reviews}}]\n"
     "    fault: {}\n",
     {"t.yaml:9:12: error: fault must have a delay or an abort"}},
    {"test_abort_status_range",
     VS_HEAD
     "  - route: [{destination: {host: reviews}}]\n"
     "    fault:\n"
     "      abort: {httpStatus: 700, percentage: {value: 10}}\n",
     {"t.yaml:10:27: error: httpStatus must be in 200-599, found 700"}},
    {"test_redirect_code",
     VS_HEAD
     "  - redirect: {uri: /v2, redirectCode: 305}\n",
     {"t.yaml:8:40: error: redirectCode must be 301, 302, 303, 307 or 308, found 305"}},
    {"test_two_actions",
     VS_HEAD
     "  - route: [{destination: {host: reviews}}]\n"
     "    redirect: {uri: /v2}\n",
     {"t.yaml:8:5: error: http route may have only one of route, redirect, "
      "directResponse or delegate"}},
    {"test_uppercase_header",
     VS_HEAD
     "  - match: [{headers: {End-User: {exact: jason}}}]\n"
     "    route: [{destination: {host: reviews}}]\n",
     {"t.yaml:8:34: error: header name \"End-User\" must be lowercase"}},
    {"test_missing_destination_host",
     VS_HEAD
     "  - route:\n"
     "    - destination: {subset: v1}\n",
     {"t.yaml:9:20: error: missing field \"host\" in destination"}},
    {"test_tls_mode_did_you_mean",
     DR_HEAD
     "  trafficPolicy:\n"
     "    tls:\n"
     "      mode: ISTIO_MUTUL\n",
     {"t.yaml:8:13: error: invalid value \"ISTIO_MUTUL\" for field \"mode\"; "
      "did you mean \"ISTIO_MUTUAL\"?"}},
    {"test_local_origin_needs_split",
     DR_HEAD
     "  trafficPolicy:\n"
     "    outlierDetection:\n"
     "      consecutiveLocalOriginFailures: 3\n",
     {"t.yaml:8:39: error: consecutiveLocalOriginFailures needs "
      "splitExternalLocalOriginErrors: true"}},
    {"test_duplicate_subset",
     DR_HEAD
     "  subsets:\n"
     "  - {name: v1, labels: {version: v1}}\n"
     "  - {name: v1, labels: {version: v2}}\n",
     {"t.yaml:8:12: error: duplicate subset name \"v1\""}},
    {"test_authz_field_checks",
     AP_HEAD
     "  action: DENY\n"
     "  provider: {name: ext}\n"
     "  rules:\n"
     "  - from: []\n"
     "  - to: [{operation: {ports: [\"99999\"], methods: [\"\"]}}]\n"
     "  - from: [{source: {ipBlocks: [10.0.0.0/40]}}]\n"
     "    when:\n"
     "    - {key: request.header, values: [a]}\n"
     "    - {key: \"request.headers[x]\"}\n",
     {"t.yaml:6:13: error: provider is only allowed with the CUSTOM action",
      "t.yaml:8:11: error: `from` must not be empty",
      "t.yaml:9:31: error: invalid port 99999 in ports: must be 0..65535",
      "t.yaml:9:51: error: empty value not allowed, found in methods",
      "t.yaml:10:33: error: invalid IP address or CIDR 10.0.0.0/40 in ipBlocks",
      "t.yaml:12:13: error: unknown attribute (request.header)",
      "t.yaml:13:7: error: at least one of values or notValues must be set for key request.headers[x]"}},
    {"test_envoy_filter_bucket_checks",
     EF_HEAD EF_MATCH
     "    patch:\n"
     "      operation: INSERT_BEFORE\n"
     EF_VALUE
     "          token_bucket: {max_tokens: 0, fill_interval: 20ms}\n"
     "          filter_enabled: {default_value: {numerator: 100, denominator: HUNDERD}}\n"
     "          tokenBuket: {}\n",
     {"t.yaml:20:11: error: unknown field \"tokenBuket\"; did you mean \"tokenBucket\"?",
      "t.yaml:19:73: error: invalid value \"HUNDERD\" for field \"denominator\"; did you mean \"HUNDRED\"?",
      "t.yaml:18:38: error: integer 0 is out of range; expected 1 to 4294967295",
      "t.yaml:18:56: error: invalid duration \"20ms\": a protobuf duration is seconds with an \"s\" suffix, such as \"60s\" or \"0.5s\""}},
    {"test_envoy_filter_not_simulated",
     EF_HEAD
     "    match: {context: SIDECAR_OUTBOUND}\n"
     "    patch:\n"
     "      operation: INSERT_FIRST\n"
     EF_VALUE
     "          token_bucket: {max_tokens: 5, fill_interval: 0.01s}\n"
     "          descriptors: [{entries: [{key: k, value: v}], token_bucket: {max_tokens: 1, fill_interval: 1s}}]\n"
     "  - applyTo: HTTP_ROUTE\n"
     "    patch: {operation: MERGE, value: {typed_per_filter_config: {envoy.filters.http.local_ratelimit: {}}}}\n",
     {"t.yaml:8:22: error: local rate limits are simulated in contexts SIDECAR_INBOUND and GATEWAY, found SIDECAR_OUTBOUND",
      "t.yaml:17:24: error: local rate limit descriptors are not simulated by this version of meshsim",
      "t.yaml:16:56: error: fill_interval must be at least 50ms (Envoy's local rate limiter), found 0.01s",
      "t.yaml:18:5: error: this local rate limit patch (applyTo HTTP_ROUTE) is not simulated by this version of meshsim; only an HTTP_FILTER patch inserting envoy.filters.http.local_ratelimit is"}},
    {"test_mirrors_need_a_destination",
     VS_HEAD
     "  - route: [{destination: {host: reviews}}]\n"
     "    mirrors:\n"
     "    - {percentage: {value: 5}}\n",
     {"t.yaml:10:7: error: destination is required for mirrors"}},
    {"test_authz_selector_and_target_refs",
     AP_HEAD
     "  selector: {matchLabels: {app: a}}\n"
     "  targetRefs: [{kind: Service, name: a}]\n"
     "  rules: [{to: [{operation: {}}]}]\n",
     {"t.yaml:6:15: error: only one of targetRefs or workloadSelector can be set",
      "t.yaml:7:29: error: operation must not be empty"}},
};

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

/* After xref_world, each text and then cfg_k8s_istio_check() must give exactly
 * these messages. */
static const cfg_diag_case xref_cases[] = {
    {"test_xref_clean",
     VS_HEAD
     "  - route: [{destination: {host: reviews, subset: v1}}]\n",
     {NULL}},
    {"test_xref_undefined_subset",
     VS_HEAD
     "  - route:\n"
     "    - destination:\n"
     "        host: reviews\n"
     "        subset: v9\n",
     {"t.yaml:11:17: error: subset \"v9\" of host \"reviews\" is not defined by any "
      "DestinationRule"}},
    {"test_xref_unknown_host",
     VS_HEAD
     "  - route: [{destination: {host: ratings}}]\n",
     {"t.yaml:8:34: error: destination host \"ratings\" is not provided by any "
      "Service or ServiceEntry"}},
    {"test_xref_unknown_gateway",
     "apiVersion: networking.istio.io/v1\n"
     "kind: VirtualService\n"
     "metadata: {name: bookinfo}\n"
     "spec:\n"
     "  hosts: [\"*\"]\n"
     "  gateways: [bookinfo-gateway, bookinfo-gw]\n"
     "  http: [{route: [{destination: {host: reviews}}]}]\n",
     {"t.yaml:6:32: error: gateway \"bookinfo-gw\" is not defined by any Gateway"}},
};

/* --- running the rows ----------------------------------------------------------- */

static void run_case(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, f->row->yaml);
    cfg_expect_diags(f->d, f->row->name, f->row->want);
}

static void run_xref_case(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, xref_world);
    cfg_fx_load_istio(f, f->row->yaml);
    cfg_k8s_istio_check(f->istio, f->d);
    cfg_expect_diags(f->d, f->row->name, f->row->want);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, cfg_fx_setup_istio, cfg_fx_teardown)
    static const struct CMUnitTest own[] = {
        T(test_virtual_service_values),
        T(test_destination_rule_values),
        T(test_kubernetes_objects_lenient),
        T(test_envoy_filter_values),
        T(test_wrong_type),
        T(test_bad_duration),
        T(test_bad_api_version),
    };
#undef T
    struct CMUnitTest tests[CFG_LEN(own) + CFG_LEN(cases) + CFG_LEN(xref_cases)];
    size_t n = 0;
    cfg_add_tests(tests, &n, own, CFG_LEN(own));
    cfg_add_cases(tests, &n, cases, CFG_LEN(cases), run_case, cfg_fx_setup_istio);
    cfg_add_cases(tests, &n, xref_cases, CFG_LEN(xref_cases), run_xref_case, cfg_fx_setup_istio);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
