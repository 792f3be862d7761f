/*
 * test_route.c - routing decisions (policy/route.h), table-driven: each case
 * is a set of manifests (decoded by config/k8s_istio.h), a client context, a
 * request, and the exact expected decision.  Then weighted-split frequencies
 * and determinism under a scripted generator, and the Bookinfo fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/rng.h"
#include "config/k8s_istio.h"
#include "config/yaml.h"
#include "policy/route.h"

#include "scripted_rng.h"

/* The case tables leave trailing request fields (headers, method) implicit. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* --- harness ------------------------------------------------------------------ */

typedef struct world {
    ms_diag *d;
    cfg_loader *l;
    struct cfg_k8s_istio *m;
    pol_route_service *svcs;
    pol_route_table *t;
    pol_route_scratch *s;
} world;

static void world_load_text(world *w, const char *name, const char *yaml)
{
    size_t first = cfg_doc_count(w->l);
    if (name[0] == '/')
        assert_int_equal(cfg_load_path(w->l, name, NULL), 0);
    else
        assert_int_equal(cfg_load_string(w->l, name, yaml, strlen(yaml)), 0);
    for (size_t i = first; i < cfg_doc_count(w->l); i++) {
        const cfg_doc *doc = cfg_doc_at(w->l, i);
        const char *api = cfg_str(cfg_map_get(doc->root, "apiVersion"));
        const char *kind = cfg_str(cfg_map_get(doc->root, "kind"));
        if (api && kind)
            cfg_k8s_istio_decode(w->m, w->l, doc, api, kind, w->d);
    }
    if (ms_diag_error_count(w->d))
        ms_diag_print(w->d, stderr);
    assert_int_equal(ms_diag_error_count(w->d), 0);
}

static void world_init(world *w)
{
    memset(w, 0, sizeof(*w));
    w->d = ms_diag_create();
    w->l = cfg_loader_create(w->d);
    w->m = cfg_k8s_istio_create();
}

/* Compile for a sidecar (gateway NULL) or a gateway "ns/name". */
static void world_build(world *w, const char *gateway, const char *ns, const pol_labels *labels,
                        bool registry_only)
{
    const struct cfg_k8s_istio *m = w->m;
    size_t n = m->nservices;
    for (size_t i = 0; i < m->nservice_entries; i++)
        n += m->service_entries[i].hosts.len;
    w->svcs = calloc(n ? n : 1, sizeof(*w->svcs));
    size_t k = 0;
    for (size_t i = 0; i < m->nservices; i++)
        w->svcs[k++] = (pol_route_service){m->services[i].meta.name, m->services[i].meta.ns, true};
    for (size_t i = 0; i < m->nservice_entries; i++)
        for (size_t j = 0; j < m->service_entries[i].hosts.len; j++)
            w->svcs[k++] = (pol_route_service){m->service_entries[i].hosts.items[j].s,
                                               m->service_entries[i].meta.ns, false};
    pol_route_inputs in = {m->virtual_services, m->nvirtual_services, m->destination_rules,
                           m->ndestination_rules, w->svcs, k, registry_only,
                           m->gateways, m->ngateways};
    pol_route_client c = {gateway, ns, labels, 0};
    w->t = pol_route_table_create(&in, &c);
    w->s = pol_route_scratch_create(w->t);
}

static void world_fini(world *w)
{
    pol_route_scratch_destroy(w->s);
    pol_route_table_destroy(w->t);
    free(w->svcs);
    cfg_k8s_istio_destroy(w->m);
    cfg_loader_destroy(w->l);
    ms_diag_destroy(w->d);
}

/* A request from "METHOD authority/path" and "name: value" header strings. */
typedef struct req_spec {
    const char *authority;
    const char *path;
    const char *headers[4]; /* "name:value" */
    const char *method;     /* NULL: GET */
} req_spec;

static void decide(world *w, const req_spec *rs, ms_rng *rng, pol_route_result *out)
{
    pol_header hs[4];
    size_t nh = 0;
    for (size_t i = 0; i < 4 && rs->headers[i]; i++) {
        const char *c = strchr(rs->headers[i], ':');
        hs[nh].name = (pol_slice){rs->headers[i], (size_t)(c - rs->headers[i])};
        hs[nh].value = pol_slice_str(c + 1);
        nh++;
    }
    pol_request req = {pol_slice_str(rs->method ? rs->method : "GET"), pol_slice_str("http"),
                       pol_slice_str(rs->authority), pol_slice_str(rs->path), hs, nh, 0};
    pol_route_decide(w->t, w->s, &req, rng, out);
}

/* --- table-driven cases ----------------------------------------------------------- */

#define SVC(name)                                                                              \
    "apiVersion: v1\nkind: Service\nmetadata: {name: " name "}\n"                              \
    "spec: {ports: [{port: 9080, name: http}], selector: {app: " name "}}\n---\n"
#define VS(name, hosts)                                                                        \
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " name "}\n"   \
    "spec:\n  hosts: " hosts "\n  http:\n"
#define TO(sub) "    route: [{destination: {host: reviews, subset: " sub "}}]\n"
#define DR_REVIEWS                                                                             \
    "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n"                        \
    "metadata: {name: reviews}\nspec:\n  host: reviews\n  subsets:\n"                          \
    "  - {name: v1, labels: {version: v1}}\n  - {name: v2, labels: {version: v2}}\n"           \
    "  - {name: v3, labels: {version: v3}}\n"

typedef struct route_case {
    const char *name;
    const char *yaml;
    const char *client_ns; /* NULL: default */
    req_spec req;
    pol_route_action action;
    const char *host;   /* expected destination host (FORWARD) */
    const char *subset; /* expected subset or NULL */
    int status;
} route_case;

static const char *const reviews_precedence =
    SVC("reviews") VS("reviews", "[reviews]")
    "  - match: [{uri: {prefix: /api}}]\n" TO("v1")
    "  - match: [{uri: {prefix: /api/v2}}]\n" TO("v2")
    "  - match: [{uri: {prefix: /a}, headers: {x: {exact: \"1\"}}}, {uri: {prefix: /b}}]\n" TO("v2")
    "  - match: [{uri: {exact: /Login}, ignoreUriCase: true}]\n" TO("v1")
    "  - match: [{uri: {regex: \"/Admin/[0-9]+\"}, ignoreUriCase: true}]\n" TO("v1")
    "  - match: [{headers: {h-exact: {exact: abc}}}]\n" TO("v1")
    "  - match: [{headers: {h-prefix: {prefix: ab}}}]\n" TO("v2")
    "  - match: [{headers: {h-regex: {regex: \"a+b\"}}}]\n" TO("v1")
    "  - match: [{headers: {h-present: {}}}]\n" TO("v2")
    "  - match: [{uri: {prefix: /without}, withoutHeaders: {x: {exact: a}}}]\n" TO("v1")
    "  - match: [{queryParams: {q: {exact: yes}}}]\n" TO("v2")
    "  - match: [{queryParams: {p: {}}}]\n" TO("v1")
    "  - match: [{method: {exact: POST}}]\n" TO("v1")
    "  - match: [{uri: {prefix: /redirect}}]\n    redirect: {uri: /new}\n"
    "  - match: [{uri: {prefix: /direct}}]\n    directResponse: {status: 418}\n"
    "  - match: [{uri: {prefix: /nc}}]\n" TO("v9")
    "  - route: [{destination: {host: reviews, subset: v3}}]\n"
    "  - route: [{destination: {host: reviews, subset: v1}}]\n" DR_REVIEWS;

#define RV "reviews.default.svc.cluster.local"

static const route_case cases[] = {
    {"first match wins", reviews_precedence, NULL, {"reviews", "/api/v2/x"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"prefix /api matches /apix", reviews_precedence, NULL, {"reviews", "/apix"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"AND inside a block: both", reviews_precedence, NULL, {"reviews", "/a", {"x:1"}}, POL_ROUTE_FORWARD, RV, "v2", 0},
    {"AND inside a block: one missing", reviews_precedence, NULL, {"reviews", "/a"}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"OR across blocks", reviews_precedence, NULL, {"reviews", "/b/c"}, POL_ROUTE_FORWARD, RV, "v2", 0},
    {"ignoreUriCase on exact", reviews_precedence, NULL, {"reviews", "/LOGIN"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"ignoreUriCase not on regex", reviews_precedence, NULL, {"reviews", "/ADMIN/12"}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"regex is a full match", reviews_precedence, NULL, {"reviews", "/Admin/12"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"regex not partial", reviews_precedence, NULL, {"reviews", "/Admin/12/x"}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"query string ignored by uri", reviews_precedence, NULL, {"reviews", "/Login?x=1"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"header exact", reviews_precedence, NULL, {"reviews", "/z", {"h-exact:abc"}}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"header exact is exact", reviews_precedence, NULL, {"reviews", "/z", {"h-exact:abcd"}}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"header prefix", reviews_precedence, NULL, {"reviews", "/z", {"h-prefix:abcd"}}, POL_ROUTE_FORWARD, RV, "v2", 0},
    {"header regex full", reviews_precedence, NULL, {"reviews", "/z", {"h-regex:aaab"}}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"header regex no partial", reviews_precedence, NULL, {"reviews", "/z", {"h-regex:aaabc"}}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"header presence", reviews_precedence, NULL, {"reviews", "/z", {"h-present:"}}, POL_ROUTE_FORWARD, RV, "v2", 0},
    {"withoutHeaders, header missing", reviews_precedence, NULL, {"reviews", "/without"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"withoutHeaders, other value", reviews_precedence, NULL, {"reviews", "/without", {"x:b"}}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"withoutHeaders, excluded value", reviews_precedence, NULL, {"reviews", "/without", {"x:a"}}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"query param exact", reviews_precedence, NULL, {"reviews", "/z?a=1&q=yes"}, POL_ROUTE_FORWARD, RV, "v2", 0},
    {"query param first value", reviews_precedence, NULL, {"reviews", "/z?q=no&q=yes"}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"query param presence", reviews_precedence, NULL, {"reviews", "/z?p"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"method", reviews_precedence, NULL, {"reviews", "/z", {NULL}, "POST"}, POL_ROUTE_FORWARD, RV, "v1", 0},
    {"redirect 301 by default", reviews_precedence, NULL, {"reviews", "/redirect"}, POL_ROUTE_REDIRECT, NULL, NULL, 301},
    {"direct response", reviews_precedence, NULL, {"reviews", "/direct"}, POL_ROUTE_DIRECT_RESPONSE, NULL, NULL, 418},
    {"undefined subset is 503 NC", reviews_precedence, NULL, {"reviews", "/nc"}, POL_ROUTE_NO_CLUSTER, RV, "v9", 503},
    {"catch-all", reviews_precedence, NULL, {"reviews", "/other"}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"short forms: name.ns", reviews_precedence, NULL, {"reviews.default", "/other"}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"short forms: FQDN with port", reviews_precedence, NULL, {RV ":9080", "/other"}, POL_ROUTE_FORWARD, RV, "v3", 0},
    {"short name from another namespace", reviews_precedence, "shop", {"reviews", "/other"}, POL_ROUTE_PASSTHROUGH, NULL, NULL, 0},
    {"name.ns from another namespace", reviews_precedence, "shop", {"reviews.default", "/other"}, POL_ROUTE_FORWARD, RV, "v3", 0},
};

static void test_route_cases(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const route_case *c = &cases[i];
        world w;
        world_init(&w);
        world_load_text(&w, "t.yaml", c->yaml);
        world_build(&w, NULL, c->client_ns ? c->client_ns : "default", NULL, false);
        ms_splitmix g = {1};
        ms_rng rng = ms_splitmix_rng(&g);
        pol_route_result r;
        decide(&w, &c->req, &rng, &r);
        bool ok = r.action == c->action && r.status == c->status;
        if (ok && c->host)
            ok = r.dest && strcmp(r.dest->host, c->host) == 0 &&
                 ((!c->subset && !r.dest->subset) ||
                  (c->subset && r.dest->subset && strcmp(r.dest->subset, c->subset) == 0));
        if (!ok) {
            print_message("case \"%s\": action %d status %d dest %s subset %s\n", c->name,
                          (int)r.action, r.status, r.dest ? r.dest->host : "-",
                          r.dest && r.dest->subset ? r.dest->subset : "-");
            failures++;
        }
        world_fini(&w);
    }
    assert_int_equal(failures, 0);
}

/* --- specific behaviours ------------------------------------------------------------ */

static void test_catch_all_truncation(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", SVC("reviews") VS("reviews", "[reviews]")
                    "  - match: [{uri: {prefix: /}}]\n" TO("v1")
                    "  - match: [{uri: {prefix: /x}}]\n" TO("v2") DR_REVIEWS);
    world_build(&w, NULL, "default", NULL, false);
    assert_int_equal(pol_route_table_route_count(w.t), 1);
    pol_route_result r;
    decide(&w, &(req_spec){"reviews", "/x"}, NULL, &r);
    assert_int_equal(r.action, POL_ROUTE_FORWARD);
    assert_string_equal(r.dest->subset, "v1");
    world_fini(&w);
}

static void test_no_route_404(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", SVC("reviews") VS("reviews", "[reviews]")
                    "  - match: [{uri: {prefix: /a}}]\n" TO("v1") DR_REVIEWS);
    world_build(&w, NULL, "default", NULL, false);
    pol_route_result r;
    decide(&w, &(req_spec){"reviews", "/b"}, NULL, &r);
    assert_int_equal(r.action, POL_ROUTE_NO_ROUTE);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.response_flag, "NR");
    world_fini(&w);
}

static void test_source_labels_config_time(void **state)
{
    (void)state;
    const char *yaml = SVC("reviews") VS("reviews", "[reviews]")
        "  - match: [{sourceLabels: {app: productpage}}]\n" TO("v2")
        "  - route: [{destination: {host: reviews, subset: v3}}]\n" DR_REVIEWS;
    pol_label pl[] = {{"app", "productpage"}, {"version", "v1"}};
    pol_labels product = {pl, 2};
    pol_label ol[] = {{"app", "ratings"}};
    pol_labels other = {ol, 1};
    const pol_labels *clients[] = {&product, &other};
    const char *want[] = {"v2", "v3"};
    size_t routes[] = {1, 1}; /* for productpage the sourceLabels-only block is a catch-all */
    for (int i = 0; i < 2; i++) {
        world w;
        world_init(&w);
        world_load_text(&w, "t.yaml", yaml);
        world_build(&w, NULL, "default", clients[i], false);
        assert_int_equal(pol_route_table_route_count(w.t), routes[i]);
        pol_route_result r;
        decide(&w, &(req_spec){"reviews", "/"}, NULL, &r);
        assert_string_equal(r.dest->subset, want[i]);
        world_fini(&w);
    }
}

static void test_wildcard_precedence(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml",
                    "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext}\n"
                    "spec: {hosts: [\"*.example.com\"], ports: [{number: 80, name: http, protocol: HTTP}]}\n---\n"
                    VS("wide", "[\"*.example.com\"]")
                    "  - route: [{destination: {host: wide.example.com}}]\n---\n"
                    VS("narrow", "[\"*.b.example.com\"]")
                    "  - route: [{destination: {host: narrow.example.com}}]\n---\n"
                    VS("exact", "[api.example.com]")
                    "  - route: [{destination: {host: exact.example.com}}]\n---\n"
                    VS("all", "[\"*\"]")
                    "  - route: [{destination: {host: star.example.com}}]\n");
    world_build(&w, NULL, "default", NULL, false);
    struct { const char *authority, *want; } t[] = {
        {"api.example.com", "exact.example.com"},
        {"x.example.com", "wide.example.com"},
        {"x.b.example.com", "narrow.example.com"},
        {"a.x.b.example.com:8080", "narrow.example.com"},
        {"example.com", "star.example.com"},
        {"other.org", "star.example.com"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        pol_route_result r;
        decide(&w, &(req_spec){t[i].authority, "/"}, NULL, &r);
        assert_int_equal(r.action, POL_ROUTE_FORWARD);
        assert_string_equal(r.dest->host, t[i].want);
    }
    world_fini(&w);
}

static void test_default_route_and_unknown_host(void **state)
{
    (void)state;
    for (int reg = 0; reg < 2; reg++) {
        world w;
        world_init(&w);
        world_load_text(&w, "t.yaml", SVC("ratings"));
        world_build(&w, NULL, "default", NULL, reg);
        pol_route_result r;
        decide(&w, &(req_spec){"ratings:9080", "/ratings/0"}, NULL, &r);
        assert_int_equal(r.action, POL_ROUTE_FORWARD);
        assert_true(r.default_route);
        assert_string_equal(r.dest->host, "ratings.default.svc.cluster.local");
        assert_string_equal(r.dest->cluster, "outbound|||ratings.default.svc.cluster.local");
        assert_null(r.retries); /* Istio's default retry policy applies */
        assert_int_equal(r.timeout_ns, 0);
        decide(&w, &(req_spec){"www.example.org", "/"}, NULL, &r);
        assert_int_equal(r.action, reg ? POL_ROUTE_BLACKHOLE : POL_ROUTE_PASSTHROUGH);
        assert_int_equal(r.status, reg ? 502 : 0);
        world_fini(&w);
    }
}

static void test_short_name_expansion_per_namespace(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml",
                    "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\n"
                    "spec: {ports: [{port: 9080}]}\n---\n"
                    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                    "metadata: {name: reviews, namespace: shop}\n"
                    "spec:\n  hosts: [reviews]\n  http:\n  - route: [{destination: {host: reviews}}]\n");
    world_build(&w, NULL, "shop", NULL, false);
    pol_route_result r;
    decide(&w, &(req_spec){"reviews", "/"}, NULL, &r);
    assert_int_equal(r.action, POL_ROUTE_FORWARD);
    assert_false(r.default_route);
    assert_string_equal(r.dest->host, "reviews.shop.svc.cluster.local");
    decide(&w, &(req_spec){"reviews.shop.svc", "/"}, NULL, &r);
    assert_string_equal(r.dest->host, "reviews.shop.svc.cluster.local");
    world_fini(&w);
}

static const char *const split_yaml =
    SVC("reviews") VS("reviews", "[reviews]")
    "  - route:\n"
    "    - {destination: {host: reviews, subset: v1}, weight: 90}\n"
    "    - {destination: {host: reviews, subset: v2}, weight: 0}\n"
    "    - {destination: {host: reviews, subset: v3}, weight: 10}\n"
    "    mirror: {host: reviews, subset: v2}\n"
    "    mirrorPercentage: {value: 25.0}\n" DR_REVIEWS;

static void test_weighted_split_frequencies(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", split_yaml);
    world_build(&w, NULL, "default", NULL, false);
    ms_splitmix g = {42};
    ms_rng rng = ms_splitmix_rng(&g);
    size_t v1 = 0, v3 = 0, mirrored = 0, n = 100000;
    for (size_t i = 0; i < n; i++) {
        pol_route_result r;
        decide(&w, &(req_spec){"reviews", "/"}, &rng, &r);
        assert_int_equal(r.action, POL_ROUTE_FORWARD);
        if (strcmp(r.dest->subset, "v1") == 0)
            v1++;
        else if (strcmp(r.dest->subset, "v3") == 0)
            v3++;
        else
            fail_msg("a zero-weight destination was chosen");
        mirrored += r.nmirrors;
    }
    /* binomial sd for p = 0.1, n = 1e5 is ~95; allow 5 sd */
    assert_true(v3 > 10000 - 475 && v3 < 10000 + 475);
    assert_int_equal(v1 + v3, n);
    assert_true(mirrored > 25000 - 700 && mirrored < 25000 + 700);
    world_fini(&w);
}

static void test_weighted_split_scripted(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", split_yaml);
    world_build(&w, NULL, "default", NULL, false);
    /* per request: one weight draw (mod 100), one mirror draw (mod 10^6 < 250000) */
    const uint64_t draws[] = {89, 249999, 90, 250000, 189, 0, 199, 999999};
    const char *want[] = {"v1", "v3", "v1", "v3"};
    size_t want_mirrors[] = {1, 0, 1, 0};
    script sc = {draws, 8, 0};
    ms_rng rng = {script_next, &sc};
    for (int i = 0; i < 4; i++) {
        pol_route_result r;
        decide(&w, &(req_spec){"reviews", "/"}, &rng, &r);
        assert_string_equal(r.dest->subset, want[i]);
        assert_int_equal(r.nmirrors, want_mirrors[i]);
        if (r.nmirrors)
            assert_string_equal(r.mirrors[0]->subset, "v2");
    }
    assert_int_equal(sc.i, 8);
    world_fini(&w);
}

static void test_delegate_one_level(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", SVC("reviews") VS("root", "[reviews]")
                    "  - match: [{uri: {prefix: /api}}]\n"
                    "    delegate: {name: api-routes}\n"
                    "  - route: [{destination: {host: reviews, subset: v3}}]\n---\n"
                    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                    "metadata: {name: api-routes}\nspec:\n  http:\n"
                    "  - match: [{uri: {prefix: /api/v2}}]\n" TO("v2")
                    "  - match: [{uri: {prefix: /other}}]\n" TO("v1")
                    "  - route: [{destination: {host: reviews, subset: v1}}]\n" DR_REVIEWS);
    world_build(&w, NULL, "default", NULL, false);
    struct { const char *path, *want; } t[] = {
        {"/api/v2/x", "v2"}, {"/api/x", "v1"}, {"/other", "v3"}, {"/", "v3"},
    };
    for (size_t i = 0; i < 4; i++) {
        pol_route_result r;
        decide(&w, &(req_spec){"reviews", t[i].path}, NULL, &r);
        assert_int_equal(r.action, POL_ROUTE_FORWARD);
        assert_string_equal(r.dest->subset, t[i].want);
    }
    world_fini(&w);
}

static void test_gateway_binding(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", SVC("productpage")
                    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                    "metadata: {name: bookinfo}\nspec:\n  hosts: [\"*\"]\n"
                    "  gateways: [bookinfo-gateway]\n  http:\n"
                    "  - match: [{uri: {exact: /productpage}}, {uri: {prefix: /static}}]\n"
                    "    route: [{destination: {host: productpage, port: {number: 9080}}}]\n");
    world_build(&w, "default/bookinfo-gateway", "istio-system", NULL, false);
    pol_route_result r;
    decide(&w, &(req_spec){"bookinfo.example.com", "/productpage"}, NULL, &r);
    assert_int_equal(r.action, POL_ROUTE_FORWARD);
    assert_string_equal(r.dest->cluster, "outbound|9080||productpage.default.svc.cluster.local");
    decide(&w, &(req_spec){"bookinfo.example.com", "/login"}, NULL, &r);
    assert_int_equal(r.action, POL_ROUTE_NO_ROUTE);
    pol_route_scratch_destroy(w.s);
    pol_route_table_destroy(w.t);
    free(w.svcs);
    /* the same VS does not apply to sidecars */
    world_build(&w, NULL, "default", NULL, false);
    decide(&w, &(req_spec){"bookinfo.example.com", "/productpage"}, NULL, &r);
    assert_int_equal(r.action, POL_ROUTE_PASSTHROUGH);
    world_fini(&w);
}

/* A gateway-bound VS keeps the hosts the Gateway's servers admit: a host no
 * server covers, or a VS namespace a "ns/host" server host does not admit,
 * does not bind; a "*" VS host takes the server's host. */
static void test_gateway_server_hosts(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", SVC("svc1") SVC("svc2") SVC("svc3")
                    "apiVersion: networking.istio.io/v1\nkind: Gateway\n"
                    "metadata: {name: gw}\nspec:\n  selector: {istio: ingressgateway}\n"
                    "  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n"
                    "    hosts: [a.example.com, \"shop/*.shop.com\", ./own.example.com]\n---\n"
                    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                    "metadata: {name: vs1}\nspec:\n  hosts: [a.example.com, b.example.com]\n"
                    "  gateways: [gw]\n  http: [{route: [{destination: {host: svc1}}]}]\n---\n"
                    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                    "metadata: {name: vs2}\nspec:\n  hosts: [\"*\"]\n"
                    "  gateways: [gw]\n  http: [{route: [{destination: {host: svc2}}]}]\n---\n"
                    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                    "metadata: {name: vs3, namespace: shop}\nspec:\n  hosts: [x.shop.com]\n"
                    "  gateways: [default/gw]\n"
                    "  http: [{route: [{destination: {host: svc3.default.svc.cluster.local}}]}]\n---\n"
                    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                    "metadata: {name: vs4, namespace: other}\nspec:\n  hosts: [y.shop.com]\n"
                    "  gateways: [default/gw]\n"
                    "  http: [{route: [{destination: {host: svc3.default.svc.cluster.local}}]}]\n");
    world_build(&w, "default/gw", "istio-system", NULL, false);
    static const struct {
        const char *host, *vs; /* vs NULL: no route */
    } rows[] = {
        {"a.example.com", "vs1"}, {"b.example.com", NULL}, {"own.example.com", "vs2"},
        {"x.shop.com", "vs3"},    {"y.shop.com", NULL},    {"z.shop.com", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_route_result r;
        decide(&w, &(req_spec){rows[i].host, "/"}, NULL, &r);
        if (!rows[i].vs) {
            assert_int_equal(r.action, POL_ROUTE_NO_ROUTE);
        } else {
            assert_int_equal(r.action, POL_ROUTE_FORWARD);
            assert_string_equal(r.vs->meta.name, rows[i].vs);
        }
    }
    world_fini(&w);
}

/* A "*" VS host on a Gateway with many server hosts binds every one of them
 * (there is no cap on the hosts a Gateway admits). */
static void test_gateway_many_server_hosts(void **state)
{
    (void)state;
    char yaml[4096];
    size_t n = (size_t)snprintf(yaml, sizeof yaml, "%s",
                                SVC("svc1") "apiVersion: networking.istio.io/v1\nkind: Gateway\n"
                                "metadata: {name: gw}\nspec:\n  selector: {istio: ingressgateway}\n"
                                "  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n"
                                "    hosts: [");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(yaml + n, sizeof yaml - n, "%sh%d.example.com", i ? ", " : "", i);
    snprintf(yaml + n, sizeof yaml - n, "%s",
             "]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n"
             "metadata: {name: vs1}\nspec:\n  hosts: [\"*\"]\n"
             "  gateways: [gw]\n  http: [{route: [{destination: {host: svc1}}]}]\n");
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", yaml);
    world_build(&w, "default/gw", "istio-system", NULL, false);
    for (int i = 0; i < 40; i++) {
        char host[64];
        snprintf(host, sizeof host, "h%d.example.com", i);
        pol_route_result r;
        decide(&w, &(req_spec){host, "/"}, NULL, &r);
        assert_int_equal(r.action, POL_ROUTE_FORWARD);
        assert_string_equal(r.vs->meta.name, "vs1");
    }
    world_fini(&w);
}

/* Rewrites as Envoy applies Istio's translation: prefix replaced (query kept),
 * an exact match's whole path, a regex match's whole path, "/" for a rule
 * without a uri match, regex_rewrite with captures, authority. */
static void test_rewrite(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    world_load_text(&w, "t.yaml", SVC("reviews")
                    VS("reviews", "[reviews]")
                    "  - match: [{uri: {prefix: /api/v1}}]\n"
                    "    rewrite: {uri: /v2, authority: reviews-v2.internal:8080}\n"
                    "    route: [{destination: {host: reviews}}]\n"
                    "  - match: [{uri: {exact: /old}}]\n"
                    "    rewrite: {uri: /new}\n"
                    "    route: [{destination: {host: reviews}}]\n"
                    "  - match: [{uri: {regex: \"/r/[0-9]+\"}}]\n"
                    "    rewrite: {uri: /numbered}\n"
                    "    route: [{destination: {host: reviews}}]\n"
                    "  - match: [{uri: {prefix: /users}}]\n"
                    "    rewrite: {uriRegexRewrite: {match: \"^/users/([^/]+)/(.*)$\", rewrite: \"/u/\\\\2/\\\\1\"}}\n"
                    "    route: [{destination: {host: reviews}}]\n"
                    "  - rewrite: {uri: /v2}\n"
                    "    route: [{destination: {host: reviews}}]\n");
    world_build(&w, NULL, "default", NULL, false);
    static const struct {
        const char *path, *want_path, *want_host;
    } rows[] = {
        {"/api/v1/items?x=1", "/v2/items?x=1", "reviews-v2.internal:8080"},
        {"/old?q", "/new?q", "reviews"},
        {"/r/42", "/numbered", "reviews"},
        {"/users/bob/photos?s=1", "/u/photos/bob?s=1", "reviews"},
        {"/x", "/v2x", "reviews"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_route_result r;
        decide(&w, &(req_spec){"reviews", rows[i].path}, NULL, &r);
        assert_int_equal(r.action, POL_ROUTE_FORWARD);
        char p[128], a[128];
        assert_int_equal(pol_route_rewrite(&r, pol_slice_str(rows[i].path), pol_slice_str("reviews"), p,
                                           sizeof p, a, sizeof a), 1);
        assert_string_equal(p, rows[i].want_path);
        assert_string_equal(a, rows[i].want_host);
    }
    /* too small a buffer: -1 */
    pol_route_result r;
    char p[4], a[64];
    decide(&w, &(req_spec){"reviews", "/api/v1/items"}, NULL, &r);
    assert_int_equal(pol_route_rewrite(&r, pol_slice_str("/api/v1/items"), pol_slice_str("reviews"), p,
                                       sizeof p, a, sizeof a), -1);
    world_fini(&w);
}

/* --- the Bookinfo fixtures through the decoder ----------------------------------------- */

#define BOOKINFO MESHSIM_SHARED_DIR "/fixtures/istio/bookinfo"

static void bookinfo(world *w, const char *vs_file)
{
    world_init(w);
    world_load_text(w, BOOKINFO "/platform/bookinfo.yaml", NULL);
    world_load_text(w, BOOKINFO "/networking/destination-rule-all.yaml", NULL);
    world_load_text(w, vs_file, NULL);
    pol_label pl[] = {{"app", "productpage"}, {"version", "v1"}};
    pol_labels labels = {pl, 2};
    world_build(w, NULL, "default", &labels, false);
}

static void test_bookinfo_jason(void **state)
{
    (void)state;
    world w;
    bookinfo(&w, BOOKINFO "/networking/virtual-service-reviews-jason-v2-v3.yaml");
    pol_route_result r;
    decide(&w, &(req_spec){"reviews:9080", "/reviews/0", {"end-user:jason"}}, NULL, &r);
    assert_int_equal(r.action, POL_ROUTE_FORWARD);
    assert_string_equal(r.dest->subset, "v2");
    assert_string_equal(r.dest->cluster, "outbound||v2|reviews.default.svc.cluster.local");
    decide(&w, &(req_spec){"reviews:9080", "/reviews/0", {"end-user:jasonx"}}, NULL, &r);
    assert_string_equal(r.dest->subset, "v3");
    decide(&w, &(req_spec){"reviews:9080", "/reviews/0"}, NULL, &r);
    assert_string_equal(r.dest->subset, "v3");
    /* other services keep their default routes */
    decide(&w, &(req_spec){"ratings:9080", "/ratings/0"}, NULL, &r);
    assert_true(r.default_route);
    assert_string_equal(r.dest->host, "ratings.default.svc.cluster.local");
    world_fini(&w);
}

static void test_bookinfo_90_10(void **state)
{
    (void)state;
    world w;
    bookinfo(&w, BOOKINFO "/networking/virtual-service-reviews-90-10.yaml");
    ms_splitmix g = {7};
    ms_rng rng = ms_splitmix_rng(&g);
    size_t v2 = 0, n = 100000;
    for (size_t i = 0; i < n; i++) {
        pol_route_result r;
        decide(&w, &(req_spec){"reviews", "/reviews/0"}, &rng, &r);
        assert_int_equal(r.action, POL_ROUTE_FORWARD);
        if (strcmp(r.dest->subset, "v2") == 0)
            v2++;
        else
            assert_string_equal(r.dest->subset, "v1");
    }
    assert_true(v2 > 10000 - 475 && v2 < 10000 + 475);
    world_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_cases),
        cmocka_unit_test(test_catch_all_truncation),
        cmocka_unit_test(test_no_route_404),
        cmocka_unit_test(test_source_labels_config_time),
        cmocka_unit_test(test_wildcard_precedence),
        cmocka_unit_test(test_default_route_and_unknown_host),
        cmocka_unit_test(test_short_name_expansion_per_namespace),
        cmocka_unit_test(test_weighted_split_frequencies),
        cmocka_unit_test(test_weighted_split_scripted),
        cmocka_unit_test(test_delegate_one_level),
        cmocka_unit_test(test_gateway_binding),
        cmocka_unit_test(test_gateway_server_hosts),
        cmocka_unit_test(test_gateway_many_server_hosts),
        cmocka_unit_test(test_rewrite),
        cmocka_unit_test(test_bookinfo_jason),
        cmocka_unit_test(test_bookinfo_90_10),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
