/*
 * routing.c - each proxy's route table, and turning a routing decision into a
 * destination of the model.
 *
 * A sidecar routes with a table compiled for its namespace and labels (the
 * `mesh` gateway); the ingress gateway holds one table per Gateway resource
 * that selects it (`istio: ingressgateway`) and routes a request with the
 * Gateway whose servers accept the request's host, as Envoy's listener would.
 * A host no server accepts gets 404 NR.  All decisions are policy/route.c's;
 * this file only adapts.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"
#include "policy/host.h"

typedef struct gw_table {
    const pol_gateway *gw;
    pol_route_table *table;
    pol_route_scratch *scratch;
} gw_table;

struct mdl_routes {
    pol_route_table *table; /* sidecars */
    pol_route_scratch *scratch;
    gw_table *gws; /* gateways */
    size_t ngws;
    pol_route_service *services; /* owned inputs */
    char **gw_names;
};

static void fill_inputs(mdl_mesh *m, pol_route_inputs *in, struct mdl_routes *rt)
{
    const struct cfg_k8s_istio *k = m->k8s;
    size_t n = k->nservices;
    for (size_t i = 0; i < k->nservice_entries; i++)
        n += k->service_entries[i].hosts.len;
    rt->services = ms_xcalloc(n ? n : 1, sizeof *rt->services);
    size_t j = 0;
    for (size_t i = 0; i < k->nservices; i++)
        rt->services[j++] = (pol_route_service){k->services[i].meta.name, k->services[i].meta.ns, true};
    for (size_t i = 0; i < k->nservice_entries; i++)
        for (size_t h = 0; h < k->service_entries[i].hosts.len; h++)
            rt->services[j++] = (pol_route_service){k->service_entries[i].hosts.items[h].s,
                                                    k->service_entries[i].meta.ns, false};
    *in = (pol_route_inputs){
        .vs = k->virtual_services, .nvs = k->nvirtual_services,
        .dr = k->destination_rules, .ndr = k->ndestination_rules,
        .services = rt->services, .nservices = j,
        .registry_only = m->cfg->cluster.mesh.outbound == CFG_OUTBOUND_REGISTRY_ONLY,
    };
}

static int gateway_selects_ingress(const pol_gateway *gw)
{
    for (size_t i = 0; i < gw->selector.len; i++)
        if (!strcmp(gw->selector.items[i].key, "istio") &&
            !strcmp(gw->selector.items[i].value, "ingressgateway"))
            return 1;
    return 0;
}

int mdl__routes_build(mdl_mesh *m, mdl_pod *p)
{
    struct mdl_routes *rt = ms_xcalloc(1, sizeof *rt);
    pol_route_inputs in;
    fill_inputs(m, &in, rt);
    p->routes = rt;
    if (p->kind == MDL_POD_APP) {
        pol_route_client cl = {NULL, p->wl->ns, &p->wl->k8s->pod_labels, 0};
        rt->table = pol_route_table_create(&in, &cl);
        rt->scratch = pol_route_scratch_create(rt->table);
        return 0;
    }
    const struct cfg_k8s_istio *k = m->k8s;
    rt->gws = ms_xcalloc(k->ngateways ? k->ngateways : 1, sizeof *rt->gws);
    rt->gw_names = ms_xcalloc(k->ngateways ? k->ngateways : 1, sizeof *rt->gw_names);
    for (size_t i = 0; i < k->ngateways; i++) {
        const pol_gateway *gw = &k->gateways[i];
        if (!gateway_selects_ingress(gw))
            continue;
        size_t len = strlen(gw->meta.ns) + strlen(gw->meta.name) + 2;
        char *name = ms_xmalloc(len);
        snprintf(name, len, "%s/%s", gw->meta.ns, gw->meta.name);
        rt->gw_names[rt->ngws] = name;
        pol_route_client cl = {name, "istio-system", NULL, 0};
        gw_table *g = &rt->gws[rt->ngws++];
        g->gw = gw;
        g->table = pol_route_table_create(&in, &cl);
        g->scratch = pol_route_scratch_create(g->table);
    }
    return 0;
}

void mdl__routes_free(struct mdl_routes *rt)
{
    if (!rt)
        return;
    pol_route_scratch_destroy(rt->scratch);
    pol_route_table_destroy(rt->table);
    for (size_t i = 0; i < rt->ngws; i++) {
        pol_route_scratch_destroy(rt->gws[i].scratch);
        pol_route_table_destroy(rt->gws[i].table);
        free(rt->gw_names[i]);
    }
    free(rt->gws);
    free(rt->gw_names);
    free(rt->services);
    free(rt);
}

/* Does a Gateway server host ("[ns/]dnsName") accept `host`? */
static int server_accepts(const pol_server *s, const char *host)
{
    for (size_t i = 0; i < s->hosts.len; i++) {
        const char *h = s->hosts.items[i].s;
        const char *slash = strchr(h, '/');
        if (slash)
            h = slash + 1;
        if (!strcmp(h, "*") || pol_host_matches(h, host))
            return 1;
    }
    return 0;
}

static const gw_table *gateway_for(const struct mdl_routes *rt, const char *host, int port)
{
    for (size_t i = 0; i < rt->ngws; i++) {
        const pol_gateway *gw = rt->gws[i].gw;
        for (size_t s = 0; s < gw->nservers; s++)
            if ((port == 0 || gw->servers[s].port.number == port) &&
                server_accepts(&gw->servers[s], host))
                return &rt->gws[i];
    }
    return NULL;
}

static void local(mdl_route *out, int status, pol_flag flag, int has_flag)
{
    out->action = MDL_ROUTE_LOCAL;
    out->status = status;
    out->flags = has_flag ? POL_FLAG_BIT(flag) : 0;
}

void mdl__route(mdl_mesh *m, mdl_req *r, mdl_route *out)
{
    memset(out, 0, sizeof *out);
    struct mdl_routes *rt = r->client->routes;
    const pol_route_table *table = rt->table;
    pol_route_scratch *scratch = rt->scratch;
    int port = r->port;
    if (r->client->kind == MDL_POD_INGRESS) {
        const gw_table *g = gateway_for(rt, r->host, port);
        if (!g) {
            local(out, 404, POL_FLAG_NR, 1);
            return;
        }
        table = g->table;
        scratch = g->scratch;
    }
    pol_header hdrs[MDL_MAX_HEADERS];
    for (size_t i = 0; i < r->nheaders; i++)
        hdrs[i] = r->headers[i];
    pol_request req = {
        .method = pol_slice_str(r->method),
        .scheme = pol_slice_str(r->scheme),
        .authority = pol_slice_str(r->host),
        .path = pol_slice_str(r->path),
        .headers = hdrs,
        .nheaders = r->nheaders,
        .port = port,
    };
    pol_route_result res;
    ms_rng rng = sim_rng_view(&r->client->rng);
    pol_route_decide(table, scratch, &req, &rng, &res);
    out->http = res.route;
    out->vs_name = res.vs ? res.vs->meta.name : NULL;
    switch (res.action) {
    case POL_ROUTE_FORWARD: {
        mdl_service *svc = mdl__service_by_host(m, res.dest->host, NULL);
        if (!svc) {
            /* a ServiceEntry host: external services come with the egress model */
            local(out, 503, POL_FLAG_NC, 1);
            return;
        }
        out->action = MDL_ROUTE_FORWARD;
        out->svc = svc;
        out->subset = res.dest->subset;
        return;
    }
    case POL_ROUTE_REDIRECT:
    case POL_ROUTE_DIRECT_RESPONSE:
        local(out, res.status, 0, 0);
        return;
    case POL_ROUTE_NO_ROUTE:
        local(out, 404, POL_FLAG_NR, 1);
        return;
    case POL_ROUTE_NO_CLUSTER:
        local(out, 503, POL_FLAG_NC, 1);
        return;
    case POL_ROUTE_PASSTHROUGH:
    case POL_ROUTE_BLACKHOLE:
        local(out, 502, 0, 0);
        return;
    }
}
