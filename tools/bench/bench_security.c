/*
 * bench_security.c - throughput of the server-side policy decisions: the
 * PeerAuthentication mode of a workload port, an AuthorizationPolicy decision
 * (a DENY and two ALLOW policies with principals, paths, methods and a header
 * condition), a local rate limit token-bucket decision, and a fault decision.
 * Policies are decoded from YAML once (config/), then only policy/ runs.
 * Prints one line per figure:  <name> <decisions/s> <ns/decision>.
 * Uses CLOCK_MONOTONIC and a SplitMix generator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/diag.h"
#include "base/rng.h"
#include "config/k8s_istio.h"
#include "config/yaml.h"
#include "policy/authz.h"
#include "policy/fault.h"
#include "policy/peer_authn.h"
#include "policy/ratelimit.h"

#include "bench_clock.h"

static const char yaml[] =
    "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
    "metadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n---\n"
    "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
    "metadata: {name: ns, namespace: shop}\nspec: {mtls: {mode: PERMISSIVE}}\n---\n"
    "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
    "metadata: {name: wl, namespace: shop}\n"
    "spec: {selector: {matchLabels: {app: reviews}}, portLevelMtls: {9080: {mode: STRICT}}}\n---\n"
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata: {name: deny-admin, namespace: shop}\n"
    "spec:\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin/*]}}]}]\n---\n"
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata: {name: allow-pp, namespace: shop}\n"
    "spec:\n  selector: {matchLabels: {app: reviews}}\n  rules:\n"
    "  - from: [{source: {principals: [cluster.local/ns/shop/sa/productpage]}}]\n"
    "    to: [{operation: {methods: [GET, HEAD], paths: [\"/reviews/{*}\"]}}]\n"
    "  - from: [{source: {namespaces: [ops]}}]\n"
    "    when: [{key: \"request.headers[x-debug]\", values: [\"1\"]}]\n---\n"
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata: {name: allow-health, namespace: shop}\n"
    "spec:\n  rules: [{to: [{operation: {paths: [/healthz], ports: [\"9080\"]}}]}]\n";

static void print(const char *name, uint64_t n, int64_t ns, uint64_t sink)
{
    double s = (double)ns / 1e9;
    printf("%-34s %14.0f decisions/s %8.2f ns/decision   (sink %llu)\n", name, (double)n / s,
           (double)ns / (double)n, (unsigned long long)(sink & 0xff));
}

int main(void)
{
    ms_diag *d = ms_diag_create();
    cfg_loader *l = cfg_loader_create(d);
    struct cfg_k8s_istio *k = cfg_k8s_istio_create();
    if (cfg_load_string(l, "bench.yaml", yaml, strlen(yaml)) != 0)
        return 2;
    for (size_t i = 0; i < cfg_doc_count(l); i++) {
        const cfg_doc *doc = cfg_doc_at(l, i);
        cfg_k8s_istio_decode(k, l, doc, cfg_str(cfg_map_get(doc->root, "apiVersion")),
                             cfg_str(cfg_map_get(doc->root, "kind")), d);
    }
    if (ms_diag_error_count(d)) {
        ms_diag_print(d, stderr);
        return 2;
    }
    pol_label lab[] = {{"app", "reviews"}, {"version", "v1"}};
    pol_labels labels = {lab, 2};
    pol_workload_ref w = {"shop", &labels};
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    const uint64_t n = 5000000;
    uint64_t sink = 0;

    int64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++)
        sink += pol_peer_authn_mode(k->peer_authentications, k->npeer_authentications, NULL, &w,
                                    (i & 1) ? 9080 : 8080);
    print("peer_authn_mode (3 policies)", n, bench_now_ns() - t0, sink);

    const pol_authorization_policy *aps[8];
    size_t nap = 0;
    for (size_t i = 0; i < k->nauthorization_policies; i++)
        if (pol_authz_applies(&k->authorization_policies[i], NULL, &w))
            aps[nap++] = &k->authorization_policies[i];
    static const char *const paths[] = {"/reviews/0", "/admin/x", "/healthz", "/other"};
    pol_header h = {pol_slice_str("x-debug"), pol_slice_str("1")};
    pol_authz_request q = {
        .principal = "cluster.local/ns/shop/sa/productpage", .source_ns = "shop",
        .source_sa = "productpage", .source_ip = "10.0.1.2", .dest_ip = "10.0.2.3", .port = 9080,
        .method = pol_slice_str("GET"), .host = pol_slice_str("reviews:9080"),
        .headers = &h, .nheaders = 1,
    };
    t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        pol_authz_decision dec;
        q.path = pol_slice_str(paths[i & 3]);
        pol_authz_decide(aps, nap, &q, &dec);
        sink += dec.allowed;
    }
    print("authz_decide (3 policies, 4 paths)", n, bench_now_ns() - t0, sink);

    pol_ratelimit_config rc = pol_ratelimit_config_make(100, 100, 1000000000);
    rc.filter_enabled = rc.filter_enforced = pol_fraction_hundred(100);
    pol_ratelimit rl;
    pol_ratelimit_init(&rl, &rc, 0);
    t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        pol_ratelimit_decision dec;
        pol_ratelimit_decide(&rl, (int64_t)i * 1000, &rng, &dec); /* 1M requests/s offered */
        sink += dec.limited;
    }
    print("ratelimit_decide (token bucket)", n, bench_now_ns() - t0, sink);

    pol_fault_config fc = {.has_delay = true, .delay_ns = 5000000,
                           .delay_percent = pol_fraction_from_percent(50), .has_abort = true,
                           .http_status = 503, .grpc_status = -1,
                           .abort_percent = pol_fraction_from_percent(10)};
    t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        pol_fault_decision dec;
        pol_fault_decide(&fc, &rng, NULL, &dec);
        sink += dec.abort;
    }
    print("fault_decide (delay + abort)", n, bench_now_ns() - t0, sink);

    cfg_k8s_istio_destroy(k);
    cfg_loader_destroy(l);
    ms_diag_destroy(d);
    return 0;
}
