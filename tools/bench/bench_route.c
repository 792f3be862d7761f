/*
 * bench_route.c - route decisions per second on a Bookinfo-like table.
 *
 * Loads the Bookinfo sample (Services, DestinationRules) from
 * MESHSIM_SHARED_DIR-relative or given paths, adds the "jason" VirtualService for
 * reviews, a weighted 90/10 split for ratings and a gateway-style rule set for
 * productpage, compiles the table for a productpage sidecar, and times
 * pol_route_decide over a fixed mix of requests.  Prints one line per mix and
 * the overall rate.  Usage: bench_route [FIXTURES_DIR] [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/diag.h"
#include "base/rng.h"
#include "config/k8s_istio.h"
#include "config/yaml.h"
#include "policy/route.h"

#include "bench_clock.h"

static const char extra_yaml[] =
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\n"
    "spec:\n  hosts: [reviews]\n  http:\n"
    "  - match: [{headers: {end-user: {exact: jason}}}]\n"
    "    route: [{destination: {host: reviews, subset: v2}}]\n"
    "  - route: [{destination: {host: reviews, subset: v3}}]\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ratings}\n"
    "spec:\n  hosts: [ratings]\n  http:\n"
    "  - route:\n"
    "    - {destination: {host: ratings, subset: v1}, weight: 90}\n"
    "    - {destination: {host: ratings, subset: v2}, weight: 10}\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: productpage}\n"
    "spec:\n  hosts: [productpage]\n  http:\n"
    "  - match: [{uri: {exact: /productpage}}, {uri: {prefix: /static}}, {uri: {exact: /login}},\n"
    "            {uri: {exact: /logout}}, {uri: {prefix: /api/v1/products}}]\n"
    "    route: [{destination: {host: productpage, subset: v1}}]\n"
    "  - match: [{uri: {regex: \"/admin/[a-z]+/[0-9]+\"}}]\n"
    "    directResponse: {status: 403}\n";

static int load(cfg_loader *l, struct cfg_k8s_istio *m, ms_diag *d, const char *path,
                const char *text)
{
    size_t first = cfg_doc_count(l);
    int rc = path ? cfg_load_path(l, path, NULL)
                  : cfg_load_string(l, "bench.yaml", text, strlen(text));
    if (rc != 0)
        return -1;
    for (size_t i = first; i < cfg_doc_count(l); i++) {
        const cfg_doc *doc = cfg_doc_at(l, i);
        const char *api = cfg_str(cfg_map_get(doc->root, "apiVersion"));
        const char *kind = cfg_str(cfg_map_get(doc->root, "kind"));
        if (api && kind)
            cfg_k8s_istio_decode(m, l, doc, api, kind, d);
    }
    return ms_diag_error_count(d) ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/fixtures/istio/bookinfo";
    long iters = argc > 2 ? atol(argv[2]) : 2000000;
    char p1[1024], p2[1024];
    snprintf(p1, sizeof(p1), "%s/platform/bookinfo.yaml", dir);
    snprintf(p2, sizeof(p2), "%s/networking/destination-rule-all.yaml", dir);
    ms_diag *d = ms_diag_create();
    cfg_loader *l = cfg_loader_create(d);
    struct cfg_k8s_istio *m = cfg_k8s_istio_create();
    if (load(l, m, d, p1, NULL) || load(l, m, d, p2, NULL) || load(l, m, d, NULL, extra_yaml)) {
        ms_diag_print(d, stderr);
        fprintf(stderr, "bench_route: cannot load the Bookinfo fixtures from %s\n", dir);
        return 2;
    }
    pol_route_service *svcs = calloc(m->nservices + 1, sizeof(*svcs));
    for (size_t i = 0; i < m->nservices; i++)
        svcs[i] = (pol_route_service){m->services[i].meta.name, m->services[i].meta.ns, true};
    pol_route_inputs in = {m->virtual_services, m->nvirtual_services, m->destination_rules,
                           m->ndestination_rules, svcs, m->nservices, false, NULL, 0};
    pol_label pl[] = {{"app", "productpage"}, {"version", "v1"}};
    pol_labels labels = {pl, 2};
    pol_route_client client = {NULL, "default", &labels, 0};
    pol_route_table *t = pol_route_table_create(&in, &client);
    pol_route_scratch *s = pol_route_scratch_create(t);

    pol_header jason[] = {{pol_slice_str("end-user"), pol_slice_str("jason")},
                          {pol_slice_str("user-agent"), pol_slice_str("curl/8.0")}};
    pol_header anon[] = {{pol_slice_str("user-agent"), pol_slice_str("curl/8.0")},
                         {pol_slice_str("accept"), pol_slice_str("*/*")}};
    struct {
        const char *name;
        pol_request req;
    } mix[] = {
        {"reviews jason header", {pol_slice_str("GET"), pol_slice_str("http"),
                                  pol_slice_str("reviews:9080"), pol_slice_str("/reviews/0"),
                                  jason, 2, 0}},
        {"reviews catch-all", {pol_slice_str("GET"), pol_slice_str("http"),
                               pol_slice_str("reviews:9080"), pol_slice_str("/reviews/0"), anon,
                               2, 0}},
        {"ratings 90/10 split", {pol_slice_str("GET"), pol_slice_str("http"),
                                 pol_slice_str("ratings"), pol_slice_str("/ratings/0"), anon, 2,
                                 0}},
        {"details default route", {pol_slice_str("GET"), pol_slice_str("http"),
                                   pol_slice_str("details.default.svc.cluster.local:9080"),
                                   pol_slice_str("/details/0"), anon, 2, 0}},
        {"productpage 5th block", {pol_slice_str("GET"), pol_slice_str("http"),
                                   pol_slice_str("productpage:9080"),
                                   pol_slice_str("/api/v1/products/1?x=y"), anon, 2, 0}},
        {"productpage regex", {pol_slice_str("GET"), pol_slice_str("http"),
                               pol_slice_str("productpage:9080"),
                               pol_slice_str("/admin/users/42"), anon, 2, 0}},
        {"unknown host", {pol_slice_str("GET"), pol_slice_str("http"),
                          pol_slice_str("www.example.org"), pol_slice_str("/"), anon, 2, 0}},
    };
    size_t nmix = sizeof(mix) / sizeof(mix[0]);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    printf("bench_route: %zu routes, %zu virtual hosts, %ld decisions per request kind\n",
           pol_route_table_route_count(t), pol_route_table_vhost_count(t), iters);
    double total_t = 0;
    unsigned long sink = 0;
    for (size_t k = 0; k < nmix; k++) {
        pol_route_result r;
        double t0 = bench_now_s();
        for (long i = 0; i < iters; i++) {
            pol_route_decide(t, s, &mix[k].req, &rng, &r);
            sink += (unsigned long)r.action;
        }
        double dt = bench_now_s() - t0;
        total_t += dt;
        printf("  %-24s %12.0f decisions/s  (%.1f ns each)\n", mix[k].name, (double)iters / dt,
               dt * 1e9 / (double)iters);
    }
    printf("  %-24s %12.0f decisions/s  (checksum %lu)\n", "overall",
           (double)iters * (double)nmix / total_t, sink);
    pol_route_scratch_destroy(s);
    pol_route_table_destroy(t);
    free(svcs);
    cfg_k8s_istio_destroy(m);
    cfg_loader_destroy(l);
    ms_diag_destroy(d);
    return 0;
}
