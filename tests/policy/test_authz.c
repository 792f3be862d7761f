/*
 * test_authz.c - AuthorizationPolicy evaluation (policy/authz.h): the
 * CUSTOM -> DENY -> ALLOW order, "no ALLOW policy = allow", an ALLOW policy
 * without rules denying all, `rules: [{}]` allowing all, every source,
 * operation and condition field the simulator can observe, not* fields,
 * string forms (exact, prefix*, *suffix, *), path templates, CIDRs, and
 * which policies apply to a workload.  Policies are decoded from YAML (the
 * decoder is exercised too); each row is one request and its verdict.
 */
#include "../config/cfg_test.h"

#include "policy/authz.h"

#define AP(ns, name) \
    "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n" \
    "metadata: {name: " name ", namespace: " ns "}\nspec:\n"

/* A request: who calls (namespace, service account; NULL: plaintext), method,
 * path, host, port, one header. */
typedef struct rq {
    const char *ns, *sa, *ip;
    const char *method, *path, *host;
    int64_t port;
    const char *hname, *hvalue;
} rq;

typedef struct row {
    const char *name;
    rq r;
    bool allowed;
} row;

static const rq PLAIN = {NULL, NULL, "10.0.1.5", "GET", "/", "reviews", 9080, NULL, NULL};

static bool decide(cfg_fx *f, const rq *q)
{
    char principal[256];
    pol_header h = {{q->hname, q->hname ? strlen(q->hname) : 0},
                    {q->hvalue, q->hvalue ? strlen(q->hvalue) : 0}};
    pol_authz_request r = {
        .source_ns = q->ns,
        .source_sa = q->sa,
        .source_ip = q->ip,
        .dest_ip = "10.0.2.7",
        .port = q->port,
        .method = {q->method, strlen(q->method)},
        .path = {q->path, strlen(q->path)},
        .host = {q->host, strlen(q->host)},
        .headers = q->hname ? &h : NULL,
        .nheaders = q->hname ? 1 : 0,
    };
    if (q->ns) {
        assert_int_equal(pol_authz_principal(q->ns, q->sa, principal, sizeof principal), 0);
        r.principal = principal;
    }
    pol_label lab[] = {{"app", "reviews"}};
    pol_labels labels = {lab, 1};
    pol_workload_ref w = {"shop", &labels};
    const pol_authorization_policy *ap[16];
    size_t n = 0;
    for (size_t i = 0; i < f->istio->nauthorization_policies; i++)
        if (pol_authz_applies(&f->istio->authorization_policies[i], NULL, &w))
            ap[n++] = &f->istio->authorization_policies[i];
    pol_authz_decision d;
    pol_authz_decide(ap, n, &r, &d);
    assert_int_equal(d.status, d.allowed ? 0 : 403);
    return d.allowed;
}

static void check(const char *yaml, const row *rows, size_t n)
{
    void *st = NULL;
    cfg_fx_setup_istio(&st);
    cfg_fx *f = st;
    if (yaml[0])
        cfg_fx_load_istio(f, yaml);
    cfg_expect_no_diags(f->d, rows[0].name);
    for (size_t i = 0; i < n; i++) {
        bool got = decide(f, &rows[i].r);
        if (got != rows[i].allowed)
            print_error("%s: %s, want %s\n", rows[i].name, got ? "allowed" : "denied",
                        rows[i].allowed ? "allowed" : "denied");
        assert_true(got == rows[i].allowed);
    }
    cfg_fx_teardown(&st);
}

#define MTLS(ns, sa) ns, sa, "10.0.1.5"

static void test_no_policy_allows(void **state)
{
    static const row rows[] = {{"plaintext allowed", PLAIN, true}};
    check("", rows, CFG_LEN(rows));
}

static void test_allow_without_rules_denies_all(void **state)
{
    static const row rows[] = {
        {"allow-nothing denies", {MTLS("shop", "productpage"), "GET", "/", "reviews", 9080, NULL, NULL}, false},
    };
    check(AP("shop", "allow-nothing") "  action: ALLOW\n", rows, CFG_LEN(rows));
}

static void test_allow_all_rule(void **state)
{
    static const row rows[] = {{"rules [{}] allows", PLAIN, true}};
    check(AP("shop", "allow-nothing") "  {}\n" AP("shop", "all") "  rules: [{}]\n", rows, CFG_LEN(rows));
}

static void test_deny_before_allow(void **state)
{
    static const row rows[] = {
        {"DELETE denied although allowed", {MTLS("shop", "pp"), "DELETE", "/x", "reviews", 9080, NULL, NULL}, false},
        {"GET allowed", {MTLS("shop", "pp"), "GET", "/x", "reviews", 9080, NULL, NULL}, true},
    };
    check(AP("shop", "allow") "  rules: [{}]\n"
          AP("shop", "deny") "  action: DENY\n  rules: [{to: [{operation: {methods: [DELETE]}}]}]\n",
          rows, CFG_LEN(rows));
}

static void test_custom_unknown_provider_fails_closed(void **state)
{
    static const row rows[] = {
        {"custom path denied", {MTLS("shop", "pp"), "GET", "/admin/x", "reviews", 9080, NULL, NULL}, false},
        {"other path allowed", {MTLS("shop", "pp"), "GET", "/x", "reviews", 9080, NULL, NULL}, true},
    };
    check(AP("shop", "ext") "  action: CUSTOM\n  provider: {name: my-ext-authz}\n"
          "  rules: [{to: [{operation: {paths: [/admin/*]}}]}]\n",
          rows, CFG_LEN(rows));
}

static void test_audit_changes_nothing(void **state)
{
    static const row rows[] = {{"audit match allowed", PLAIN, true}};
    check(AP("shop", "audit") "  action: AUDIT\n  rules: [{}]\n", rows, CFG_LEN(rows));
}

static void test_sources(void **state)
{
    static const row rows[] = {
        {"principal exact", {MTLS("shop", "productpage"), "GET", "/", "reviews", 9080, NULL, NULL}, true},
        {"namespace prefix", {MTLS("team-a", "x"), "GET", "/", "reviews", 9080, NULL, NULL}, true},
        {"service account", {MTLS("ops", "robot"), "GET", "/", "reviews", 9080, NULL, NULL}, true},
        {"ip block", {NULL, NULL, "192.168.7.9", "GET", "/", "reviews", 9080, NULL, NULL}, true},
        {"nothing matches", {MTLS("other", "x"), "GET", "/", "reviews", 9080, NULL, NULL}, false},
        {"plaintext has no principal", PLAIN, false},
    };
    check(AP("shop", "src") "  rules:\n"
          "  - from: [{source: {principals: [cluster.local/ns/shop/sa/productpage]}}]\n"
          "  - from: [{source: {namespaces: [team-*]}}]\n"
          "  - from: [{source: {serviceAccounts: [ops/robot]}}]\n"
          "  - from: [{source: {ipBlocks: [192.168.0.0/16]}}]\n",
          rows, CFG_LEN(rows));
}

static void test_deny_plaintext_with_not_principals(void **state)
{
    static const row rows[] = {
        {"plaintext denied", PLAIN, false},
        {"mtls allowed", {MTLS("shop", "pp"), "GET", "/", "reviews", 9080, NULL, NULL}, true},
    };
    check(AP("shop", "deny-plain") "  action: DENY\n  rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]\n",
          rows, CFG_LEN(rows));
}

static void test_operations(void **state)
{
    static const row rows[] = {
        {"GET /api/v1 on 9080", {MTLS("shop", "a"), "GET", "/api/v1?x=1", "reviews:9080", 9080, NULL, NULL}, true},
        {"wrong port", {MTLS("shop", "a"), "GET", "/api/v1", "reviews", 8080, NULL, NULL}, false},
        {"wrong method", {MTLS("shop", "a"), "PUT", "/api/v1", "reviews", 9080, NULL, NULL}, false},
        {"notPaths excludes", {MTLS("shop", "a"), "GET", "/api/private", "reviews", 9080, NULL, NULL}, false},
        {"host case-insensitive suffix", {MTLS("shop", "a"), "GET", "/x.png", "CDN.Example.com", 9080, NULL, NULL}, true},
        {"template one segment", {MTLS("shop", "a"), "GET", "/users/42/profile", "x", 9080, NULL, NULL}, true},
        {"template not two segments", {MTLS("shop", "a"), "GET", "/users/4/2/profile", "x", 9080, NULL, NULL}, false},
        {"template rest", {MTLS("shop", "a"), "POST", "/static/a/b/c", "x", 9080, NULL, NULL}, true},
    };
    check(AP("shop", "ops") "  rules:\n"
          "  - to: [{operation: {methods: [GET, HEAD], paths: [/api/*], notPaths: [/api/private], ports: [\"9080\"]}}]\n"
          "  - to: [{operation: {hosts: [\"*.example.com\"], paths: [\"*.png\"]}}]\n"
          "  - to: [{operation: {paths: [\"/users/{*}/profile\", \"/static/{**}\"]}}]\n",
          rows, CFG_LEN(rows));
}

static void test_from_to_when_anded(void **state)
{
    static const row rows[] = {
        {"all three", {MTLS("shop", "a"), "GET", "/", "reviews", 9080, "x-user", "jason"}, true},
        {"header missing", {MTLS("shop", "a"), "GET", "/", "reviews", 9080, NULL, NULL}, false},
        {"header wrong", {MTLS("shop", "a"), "GET", "/", "reviews", 9080, "x-user", "bob"}, false},
        {"method wrong", {MTLS("shop", "a"), "POST", "/", "reviews", 9080, "x-user", "jason"}, false},
        {"namespace wrong", {MTLS("other", "a"), "GET", "/", "reviews", 9080, "x-user", "jason"}, false},
    };
    check(AP("shop", "and") "  rules:\n"
          "  - from: [{source: {namespaces: [shop]}}]\n"
          "    to: [{operation: {methods: [GET]}}]\n"
          "    when:\n"
          "    - {key: \"request.headers[x-user]\", values: [jason, \"adm*\"]}\n"
          "    - {key: source.namespace, notValues: [kube-system]}\n"
          "    - {key: destination.port, values: [\"9080\"]}\n"
          "    - {key: request.auth.principal, notValues: [\"*\"]}\n",
          rows, CFG_LEN(rows));
}

static void test_which_policies_apply(void **state)
{
    static const row rows[] = {{"only the ratings/other-ns policies deny: allowed", PLAIN, true}};
    /* an ALLOW-nothing for another workload, one in another namespace, and one
     * attached with targetRefs: none applies to reviews in shop */
    check(AP("shop", "ratings-only") "  selector: {matchLabels: {app: ratings}}\n"
          AP("other", "elsewhere") "  {}\n"
          AP("shop", "gw") "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n",
          rows, CFG_LEN(rows));
}

static void test_mesh_wide_policy_applies(void **state)
{
    static const row rows[] = {{"root-namespace deny applies", PLAIN, false}};
    check(AP("istio-system", "deny-all") "  action: DENY\n  rules: [{}]\n", rows, CFG_LEN(rows));
}

static void test_matchers(void **state)
{
    pol_slice v = {"abcdef", 6};
    assert_true(pol_authz_string_matches("abcdef", v, false));
    assert_true(pol_authz_string_matches("abc*", v, false));
    assert_true(pol_authz_string_matches("*def", v, false));
    assert_true(pol_authz_string_matches("*", v, false));
    assert_false(pol_authz_string_matches("*", (pol_slice){"", 0}, false));
    assert_false(pol_authz_string_matches("ABC*", v, false));
    assert_true(pol_authz_string_matches("ABC*", v, true));
    assert_true(pol_authz_ip_matches("10.0.0.0/8", "10.1.2.3"));
    assert_true(pol_authz_ip_matches("10.1.2.3", "10.1.2.3:9080"));
    assert_false(pol_authz_ip_matches("10.1.2.4", "10.1.2.3"));
    assert_true(pol_authz_ip_matches("0.0.0.0/0", "1.2.3.4"));
    assert_false(pol_authz_ip_matches("10.0.0.0/33", "10.0.0.1"));
    /* IPv6 blocks, as Istio's ipBlocks accept them */
    assert_true(pol_authz_ip_matches("fd00::/8", "fd12::1"));
    assert_false(pol_authz_ip_matches("fd00::/8", "fe80::1"));
    assert_false(pol_authz_ip_matches("fd00::/8", "10.0.0.1"));
    assert_true(pol_authz_path_matches("/a/{*}", (pol_slice){"/a/b", 4}));
    assert_false(pol_authz_path_matches("/a/{*}", (pol_slice){"/a/", 3}));
    assert_true(pol_authz_path_matches("/a/{**}", (pol_slice){"/a/", 3}));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_policy_allows),
        cmocka_unit_test(test_allow_without_rules_denies_all),
        cmocka_unit_test(test_allow_all_rule),
        cmocka_unit_test(test_deny_before_allow),
        cmocka_unit_test(test_custom_unknown_provider_fails_closed),
        cmocka_unit_test(test_audit_changes_nothing),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_deny_plaintext_with_not_principals),
        cmocka_unit_test(test_operations),
        cmocka_unit_test(test_from_to_when_anded),
        cmocka_unit_test(test_which_policies_apply),
        cmocka_unit_test(test_mesh_wide_policy_applies),
        cmocka_unit_test(test_matchers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
