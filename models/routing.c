/*
 * routing.c - the proxies' route tables, the routes' resilience policies, and
 * turning a routing decision into a destination of the model.
 *
 * A sidecar routes with a table compiled for its namespace and labels (the
 * `mesh` gateway); all pods of a workload share one, since Istio generates the
 * same configuration for them.  The ingress gateway holds one table per
 * Gateway resource that selects it (`istio: ingressgateway`) and routes a
 * request with the Gateway whose servers accept the request's host and port,
 * as Envoy's listener would; a host no server accepts gets 404 NR.  All
 * routing decisions are policy/route.c's.
 *
 * A forwarded request's path and host are rewritten as the route says
 * (policy/route.h pol_route_rewrite) before the upstream sees them.
 *
 * Work done once, not per request: every VirtualService HTTP route's retry
 * policy and timeouts are mapped from the Istio API when the mesh is built
 * (policy/route_policy.c), and each route target's model service is looked up
 * the first time it is used and remembered by the table.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"
#include "policy/host.h"
#include "policy/route_policy.h"

typedef struct table {
    const pol_gateway *gw; /* gateway tables only */
    char *gw_name;         /* owned: "ns/name" */
    pol_route_table *routes;
    pol_route_scratch *scratch;
} table;

/* target -> service, open addressing on the target's address (a lookup key
 * only: no order or output ever depends on it). */
typedef struct target_memo {
    const pol_route_target *target;
    mdl_service *svc;
} target_memo;

struct mdl_routes {
    table *tables; /* one for a sidecar; one per Gateway for the ingress gateway */
    size_t ntables;
    pol_route_service *services; /* owned: the registry the tables were built from */
    target_memo *memo;
    size_t memo_len, memo_cap; /* cap is a power of two */
};

static struct mdl_routes *routes_new(mdl_mesh *m, pol_route_inputs *in)
{
    struct mdl_routes *rt = ms_xcalloc(1, sizeof *rt);
    const struct cfg_k8s_istio *k = m->k8s;
    size_t n = k->nservices + 1;
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
    const char *egw, *egw_ns;
    if (mdl__egress_gateway_service(m, &egw, &egw_ns)) /* part of the install, as in Istio */
        rt->services[j++] = (pol_route_service){egw, egw_ns, true};
    *in = (pol_route_inputs){
        .vs = k->virtual_services, .nvs = k->nvirtual_services,
        .dr = k->destination_rules, .ndr = k->ndestination_rules,
        .services = rt->services, .nservices = j,
        .registry_only = m->cfg->cluster.mesh.outbound == CFG_OUTBOUND_REGISTRY_ONLY,
        .gateways = k->gateways, .ngateways = k->ngateways,
    };
    rt->memo_cap = 16;
    rt->memo = ms_xcalloc(rt->memo_cap, sizeof *rt->memo);
    return rt;
}

static void table_init(table *t, const pol_route_inputs *in, const pol_route_client *cl)
{
    t->routes = pol_route_table_create(in, cl);
    t->scratch = pol_route_scratch_create(t->routes);
}

static int gateway_selects(const pol_gateway *gw, const char *istio_label)
{
    for (size_t i = 0; i < gw->selector.len; i++)
        if (!strcmp(gw->selector.items[i].key, "istio") &&
            !strcmp(gw->selector.items[i].value, istio_label))
            return 1;
    return 0;
}

/* The tables of the gateway pods labelled istio: `label`: one per Gateway
 * selecting them. */
static struct mdl_routes *gateway_routes(mdl_mesh *m, const char *label)
{
    const struct cfg_k8s_istio *k = m->k8s;
    pol_route_inputs in;
    struct mdl_routes *rt = routes_new(m, &in);
    rt->tables = ms_xcalloc(k->ngateways ? k->ngateways : 1, sizeof *rt->tables);
    for (size_t i = 0; i < k->ngateways; i++) {
        const pol_gateway *gw = &k->gateways[i];
        if (!gateway_selects(gw, label))
            continue;
        table *t = &rt->tables[rt->ntables++];
        size_t len = strlen(gw->meta.ns) + strlen(gw->meta.name) + 2;
        t->gw = gw;
        t->gw_name = ms_xmalloc(len);
        snprintf(t->gw_name, len, "%s/%s", gw->meta.ns, gw->meta.name);
        pol_route_client cl = {t->gw_name, "istio-system", NULL, 0};
        table_init(t, &in, &cl);
    }
    return rt;
}

void mdl__routes_build(mdl_mesh *m)
{
    pol_route_policies_init(&m->policies, m->k8s->virtual_services, m->k8s->nvirtual_services);
    pol_route_inputs in;
    for (size_t w = 0; w < m->nworkloads; w++) {
        mdl_workload *wl = &m->workloads[w];
        if (!wl->k8s)
            continue; /* an external service: it routes nothing */
        struct mdl_routes *rt = routes_new(m, &in);
        rt->tables = ms_xcalloc(1, sizeof *rt->tables);
        rt->ntables = 1;
        pol_route_client cl = {NULL, wl->ns, &wl->k8s->pod_labels, 0};
        table_init(&rt->tables[0], &in, &cl);
        wl->routes = rt;
    }
    m->ingress_routes = gateway_routes(m, "ingressgateway");
    for (size_t p = 0; p < m->npods; p++)
        m->pods[p].routes = m->pods[p].wl ? m->pods[p].wl->routes : m->ingress_routes;
    mdl__egress_set_routes(m, gateway_routes(m, "egressgateway"));
}

void mdl__routes_free(struct mdl_routes *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->ntables; i++) {
        pol_route_scratch_destroy(rt->tables[i].scratch);
        pol_route_table_destroy(rt->tables[i].routes);
        free(rt->tables[i].gw_name);
    }
    free(rt->tables);
    free(rt->services);
    free(rt->memo);
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

/* The first Gateway (and its server) whose servers accept host:port. */
static const table *gateway_for(const struct mdl_routes *rt, const char *host, int port,
                                const pol_server **server)
{
    for (size_t i = 0; i < rt->ntables; i++) {
        const pol_gateway *gw = rt->tables[i].gw;
        for (size_t s = 0; s < gw->nservers; s++)
            if ((port == 0 || gw->servers[s].port.number == port) &&
                server_accepts(&gw->servers[s], host)) {
                *server = &gw->servers[s];
                return &rt->tables[i];
            }
    }
    return NULL;
}

const pol_server *mdl__gateway_server(const struct mdl_routes *rt, const char *host, int port)
{
    const pol_server *s = NULL;
    return gateway_for(rt, host, port, &s) ? s : NULL;
}

static size_t memo_slot(const struct mdl_routes *rt, const pol_route_target *t)
{
    return (size_t)(((uintptr_t)t >> 4) * 0x9e3779b97f4a7c15ULL >> 32) & (rt->memo_cap - 1);
}

static target_memo *memo_find(struct mdl_routes *rt, const pol_route_target *t)
{
    size_t i = memo_slot(rt, t);
    while (rt->memo[i].target && rt->memo[i].target != t)
        i = (i + 1) & (rt->memo_cap - 1);
    return &rt->memo[i];
}

/* The model service behind a route target (NULL: a ServiceEntry host). */
static mdl_service *target_service(mdl_mesh *m, struct mdl_routes *rt, const pol_route_target *t)
{
    target_memo *e = memo_find(rt, t);
    if (e->target)
        return e->svc;
    if (2 * (rt->memo_len + 1) > rt->memo_cap) {
        target_memo *old = rt->memo;
        size_t oldcap = rt->memo_cap;
        rt->memo_cap *= 2;
        rt->memo = ms_xcalloc(rt->memo_cap, sizeof *rt->memo);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].target)
                *memo_find(rt, old[i].target) = old[i];
        free(old);
        e = memo_find(rt, t);
    }
    e->target = t;
    e->svc = mdl__service_by_host(m, t->host, NULL);
    rt->memo_len++;
    return e->svc;
}

static void local(mdl_route *out, int status, pol_flags flags)
{
    out->action = MDL_ROUTE_LOCAL;
    out->status = status;
    out->flags = flags;
}

void mdl__route(mdl_mesh *m, mdl_req *r, mdl_route *out)
{
    memset(out, 0, sizeof *out);
    struct mdl_routes *rt = r->client->routes;
    const table *t = &rt->tables[0];
    if (r->client->kind == MDL_POD_INGRESS || r->client->kind == MDL_POD_EGRESS) {
        const pol_server *srv = NULL;
        t = gateway_for(rt, r->host, r->port, &srv);
        if (!t) {
            local(out, 404, POL_FLAG_BIT(POL_FLAG_NR));
            return;
        }
        if (srv->tls.set && srv->tls.https_redirect && !strcmp(r->scheme, "http")) {
            local(out, 301, 0); /* httpsRedirect: plain HTTP is sent to https */
            return;
        }
    }
    pol_request req = {
        .method = pol_slice_str(r->method),
        .scheme = pol_slice_str(r->scheme),
        .authority = pol_slice_str(r->host),
        .path = pol_slice_str(r->path),
        .headers = r->headers,
        .nheaders = r->nheaders,
        .port = r->port,
    };
    pol_route_result res;
    ms_rng rng = sim_rng_view(&r->client->rng);
    pol_route_decide(t->routes, t->scratch, &req, &rng, &res);
    out->vs_name = res.vs ? res.vs->meta.name : NULL;
    if (res.action != POL_ROUTE_NO_ROUTE)
        out->policy = pol_route_policies_find(&m->policies, res.vs, res.route); /* its fault applies to local replies too */
    switch (res.action) {
    case POL_ROUTE_FORWARD:
        out->svc = target_service(m, rt, res.dest);
        if (!out->svc) {
            /* a ServiceEntry host: external services come with the egress model */
            local(out, 503, POL_FLAG_BIT(POL_FLAG_NC));
            return;
        }
        out->action = MDL_ROUTE_FORWARD;
        out->subset = res.dest->subset;
        /* the route's rewrite, before the upstream sees the request */
        r->up_path = r->path;
        r->up_host = r->host;
        if (res.rewrite && pol_route_rewrite(&res, req.path, req.authority, r->rw_path, sizeof r->rw_path,
                                             r->rw_host, sizeof r->rw_host) > 0) {
            r->up_path = r->rw_path;
            r->up_host = r->rw_host;
        }
        return;
    case POL_ROUTE_REDIRECT:
    case POL_ROUTE_DIRECT_RESPONSE:
        local(out, res.status, 0);
        return;
    case POL_ROUTE_NO_ROUTE:
        local(out, 404, POL_FLAG_BIT(POL_FLAG_NR));
        return;
    case POL_ROUTE_NO_CLUSTER:
        local(out, 503, POL_FLAG_BIT(POL_FLAG_NC));
        return;
    case POL_ROUTE_PASSTHROUGH:
        /* ALLOW_ANY: the PassthroughCluster, to the host the application
         * named, if it is an external service the scenario models */
        out->svc = mdl__egress_external(m, r->host);
        if (!out->svc) {
            local(out, 502, 0);
            return;
        }
        out->action = MDL_ROUTE_FORWARD;
        out->subset = NULL;
        out->policy = &m->policies.fallback;
        r->up_path = r->path;
        r->up_host = r->host;
        return;
    case POL_ROUTE_BLACKHOLE:
        local(out, 502, 0); /* REGISTRY_ONLY: the BlackHoleCluster's direct 502 */
        return;
    }
}
