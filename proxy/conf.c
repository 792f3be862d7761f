/*
 * conf.c - loading and building one meshproxy configuration (see conf.h).
 *
 * The service registry the route table is compiled from holds the Endpoints
 * documents' hosts (a short name is a Kubernetes service of the proxy's
 * namespace, "name.ns.svc.cluster.local" one of namespace ns, anything else a
 * plain host), plus the Services and ServiceEntries of the manifests.  One
 * cluster is built per Endpoints service and per subset that the service's
 * DestinationRule defines, with the policy blocks in force for it
 * (policy/dr_lookup.h) mapped the way istiod maps them (policy/istio_map.h).
 * Endpoint addresses are resolved here, once (getaddrinfo may block: this is
 * not the request path).
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "config/k8s_istio.h"
#include "config/meshsim_docs.h"
#include "policy/authz.h"
#include "policy/dr_lookup.h"
#include "policy/host.h"
#include "proxy/conf.h"

/* Split an Endpoints host into a registry entry. */
static pol_route_service registry_entry(const char *host, const char *ns, char **owned)
{
    const char *dot = strchr(host, '.');
    if (!dot)
        return (pol_route_service){host, ns, true};
    size_t n = strlen(host), suf = strlen(".svc.cluster.local");
    if (n > suf && !strcmp(host + n - suf, ".svc.cluster.local")) {
        const char *dot2 = strchr(dot + 1, '.');
        if (dot2 && dot2 == host + n - suf) {
            *owned = ms_xstrndup(host, (size_t)(dot2 - host));
            (*owned)[dot - host] = 0;
            return (pol_route_service){*owned, *owned + (dot - host) + 1, true};
        }
    }
    return (pol_route_service){host, ns, false};
}

static int resolve(const char *address, px_endpoint *e, ms_diag *d, ms_pos pos)
{
    const char *colon = strrchr(address, ':');
    char host[256];
    size_t hl = (size_t)(colon - address);
    if (hl >= sizeof host) {
        ms_diag_error(d, pos, "endpoint address \"%s\" is too long", address);
        return -1;
    }
    memcpy(host, address, hl);
    host[hl] = 0;
    if (hl > 1 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        ms_diag_error(d, pos, "cannot resolve endpoint address \"%s\": %s", address, gai_strerror(rc));
        return -1;
    }
    memcpy(&e->sa, res->ai_addr, res->ai_addrlen);
    e->salen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static bool endpoint_in_subset(const cfg_endpoint_spec *ep, const pol_subset *ss)
{
    if (!ss)
        return true;
    pol_label tmp[64];
    pol_labels l = {tmp, 0};
    for (size_t i = 0; i < ep->labels.len && i < 64; i++)
        tmp[l.len++] = (pol_label){ep->labels.items[i].key, ep->labels.items[i].value};
    return pol_labels_subset(&ss->labels, &l);
}

/* The load-balancer block in force (the subset's when it has one): a pointer
 * into the DestinationRule, which outlives the configuration's clusters. */
static const pol_load_balancer_settings *dr_lb_settings_of(const pol_destination_rule *dr, const pol_subset *ss)
{
    if (ss && ss->has_traffic_policy && ss->traffic_policy.blocks.has_load_balancer)
        return &ss->traffic_policy.blocks.load_balancer;
    return &dr->traffic_policy.blocks.load_balancer;
}

static uint64_t mix(uint64_t seed, const char *name, uint64_t k)
{
    uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL ^ (k * 0xbf58476d1ce4e5b9ULL);
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    return h;
}

static void cluster_build(px_conf *c, px_cluster *cl, const cfg_upstream_spec *u, const char *fqdn,
                          const char *svc_ns, const pol_destination_rule *dr, const pol_subset *ss,
                          uint64_t seed)
{
    ms_diag *d = c->diag;
    cl->fqdn = ms_xstrdup(fqdn);
    cl->subset = ss ? ms_xstrdup(ss->name) : NULL;
    cl->port = (int)u->port.v;
    char name[1024];
    snprintf(name, sizeof name, "outbound|%d|%s|%s", cl->port, ss ? ss->name : "", fqdn);
    cl->name = ms_xstrdup(name);
    const char *dot = strchr(fqdn, '.');
    cl->service_name = dot ? ms_xstrndup(fqdn, (size_t)(dot - fqdn)) : ms_xstrdup(fqdn);
    cl->service_ns = ms_xstrdup(svc_ns);
    cl->hosts = ms_xcalloc(u->nendpoints ? u->nendpoints : 1, sizeof *cl->hosts);
    for (size_t i = 0; i < u->nendpoints; i++) {
        const cfg_endpoint_spec *ep = &u->endpoints[i];
        if (!endpoint_in_subset(ep, ss))
            continue;
        px_endpoint *e = &cl->hosts[cl->nhosts];
        if (resolve(ep->address.str, e, d, ep->address.node ? ep->address.node->pos : ep->pos) != 0)
            continue;
        e->address = ms_xstrdup(ep->address.str);
        for (size_t k = 0; k < ep->labels.len; k++)
            if (!strcmp(ep->labels.items[k].key, "version"))
                e->version = ep->labels.items[k].value;
        e->zone = ep->zone.str;
        e->region = ep->region.str;
        e->weight = (uint32_t)ep->weight.v;
        e->labels.items = ms_xcalloc(ep->labels.len ? ep->labels.len : 1, sizeof *e->labels.items);
        for (size_t k = 0; k < ep->labels.len; k++)
            e->labels.items[e->labels.len++] = (pol_label){ep->labels.items[k].key, ep->labels.items[k].value};
        /* the AuthorizationPolicies a sidecar of this workload would enforce */
        const struct cfg_k8s_istio *k8 = c->bundle.mesh;
        pol_workload_ref ref = {svc_ns, &e->labels};
        e->authz = ms_xcalloc(k8->nauthorization_policies + 1, sizeof *e->authz);
        for (size_t k = 0; k < k8->nauthorization_policies; k++)
            if (pol_authz_applies(&k8->authorization_policies[k], NULL, &ref))
                e->authz[e->nauthz++] = &k8->authorization_policies[k];
        cl->has_authz |= e->nauthz > 0 && cl->nhosts < PX_AUTHZ_MAX_HOSTS;
        cl->nhosts++;
    }
    pol_policy_blocks b = pol_dr_effective_blocks(dr, ss);
    pol_lb_config_init_istio(&cl->lbc);
    const char *why = NULL;
    if (pol_lb_config_from_istio(b.has_load_balancer ? &b.load_balancer : NULL,
                                 b.has_outlier_detection ? &b.outlier_detection : NULL, false,
                                 &cl->lbc, &why) != 0)
        ms_diag_error(d, dr ? dr->meta.pos : (ms_pos){0}, "load balancer of %s: %s", cl->name, why);
    if (b.has_load_balancer && b.load_balancer.kind == POL_LB_KIND_CONSISTENT_HASH)
        cl->hash = &dr_lb_settings_of(dr, ss)->consistent_hash;
    pol_circuit_thresholds th;
    pol_istio_map_connection_pool(b.has_connection_pool ? &b.connection_pool : NULL, &th, &cl->pool);
    pthread_mutex_init(&cl->mu, NULL);
    pol_circuit_init(&cl->cb, &th, &cl->stats);
    cl->hstats = ms_xcalloc(cl->nhosts ? cl->nhosts : 1, sizeof *cl->hstats);
    cl->ejected = ms_xcalloc(cl->nhosts ? cl->nhosts : 1, sizeof *cl->ejected);
    cl->od_rng.s = mix(seed, cl->name, 0);
    if (b.has_outlier_detection && cl->nhosts > 0) {
        pol_outlier_config oc;
        uint32_t panic;
        pol_istio_map_outlier(&b.outlier_detection, false, &oc, &panic);
        cl->od = pol_outlier_create(&oc, cl->nhosts);
        cl->has_od = true;
        cl->od_interval_ns = oc.interval_ns;
    }
    cl->stats.membership_total = cl->nhosts;
    cl->stats.membership_healthy = cl->nhosts;
    cl->w = ms_xcalloc((size_t)c->nworkers, sizeof *cl->w);
    for (int w = 0; w < c->nworkers; w++) {
        px_cluster_w *cw = &cl->w[w];
        cw->hs = pol_host_set_create();
        for (uint32_t h = 0; h < cl->nhosts; h++) {
            pol_host_spec hs = {
                .address = cl->hosts[h].address,
                .weight = cl->hosts[h].weight,
                .locality = {cl->hosts[h].region, cl->hosts[h].zone, NULL},
            };
            pol_host_set_add(cw->hs, &hs);
        }
        pol_host_set_rebuild(cw->hs);
        ms_splitmix g = {mix(seed, cl->name, (uint64_t)w + 1)};
        ms_rng rng = ms_splitmix_rng(&g);
        cw->lb = pol_lb_create(&cl->lbc, cw->hs, &rng);
        if (!cw->lb) {
            pol_lb_config_init_istio(&cl->lbc);
            cw->lb = pol_lb_create(&cl->lbc, cw->hs, &rng);
        }
        cw->pools = ms_xcalloc(cl->nhosts ? cl->nhosts : 1, sizeof *cw->pools);
    }
}

static void cluster_free(px_conf *c, px_cluster *cl)
{
    for (int w = 0; cl->w && w < c->nworkers; w++) {
        pol_lb_destroy(cl->w[w].lb);
        pol_host_set_destroy(cl->w[w].hs);
        free(cl->w[w].pools);
    }
    free(cl->w);
    for (uint32_t h = 0; h < cl->nhosts; h++) {
        free(cl->hosts[h].address);
        free(cl->hosts[h].labels.items);
        free(cl->hosts[h].authz);
    }
    free(cl->hosts);
    free(cl->hstats);
    free(cl->ejected);
    pol_outlier_destroy(cl->od);
    pthread_mutex_destroy(&cl->mu);
    free(cl->name);
    free(cl->fqdn);
    free(cl->subset);
    free(cl->service_name);
    free(cl->service_ns);
}

const px_route_policy *px_conf_policy(const px_conf *c, const pol_virtual_service *vs,
                                      const pol_http_route *http)
{
    return pol_route_policies_find(&c->policies, vs, http);
}

px_cluster *px_conf_cluster_for(px_conf *c, const pol_route_target *t)
{
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        if (strcmp(cl->fqdn, t->host) != 0)
            continue;
        if ((!cl->subset && !t->subset) || (cl->subset && t->subset && !strcmp(cl->subset, t->subset)))
            return cl;
    }
    return NULL;
}

static void conf_free(px_conf *c)
{
    for (size_t i = 0; i < c->nclusters; i++)
        cluster_free(c, &c->clusters[i]);
    free(c->clusters);
    for (int w = 0; c->scratch && w < c->nworkers; w++)
        pol_route_scratch_destroy(c->scratch[w]);
    free(c->scratch);
    pol_route_table_destroy(c->routes);
    free(c->services);
    pol_route_policies_fini(&c->policies);
    for (size_t i = 0; i < c->npaths; i++)
        free(c->paths[i]);
    free(c->paths);
    free(c->ns);
    free(c->gateway);
    cfg_bundle_fini(&c->bundle);
    ms_diag_destroy(c->diag);
    free(c);
}

/* Is "NS/NAME" a Gateway of the configuration? */
static bool gateway_defined(const struct cfg_k8s_istio *k, const char *ns_name)
{
    const char *slash = strchr(ns_name, '/');
    if (!slash)
        return false;
    size_t nl = (size_t)(slash - ns_name);
    for (size_t i = 0; i < k->ngateways; i++) {
        const pol_gateway *g = &k->gateways[i];
        if (strlen(g->meta.ns) == nl && !strncmp(g->meta.ns, ns_name, nl) && !strcmp(g->meta.name, slash + 1))
            return true;
    }
    return false;
}

px_conf *px_conf_load(const char *const *paths, size_t npaths, int nworkers, const char *ns,
                      const char *gateway, uint64_t seed, ms_diag **diag_out)
{
    ms_diag *d = ms_diag_create();
    ms_diag_set_program(d, "meshproxy");
    *diag_out = d;
    px_conf *c = ms_xcalloc(1, sizeof *c);
    atomic_init(&c->refs, 1);
    c->diag = d;
    c->nworkers = nworkers;
    c->ns = ms_xstrdup(ns);
    c->gateway = gateway ? ms_xstrdup(gateway) : NULL;
    c->paths = ms_xcalloc(npaths ? npaths : 1, sizeof *c->paths);
    for (size_t i = 0; i < npaths; i++)
        c->paths[c->npaths++] = ms_xstrdup(paths[i]);
    if (cfg_bundle_load(&c->bundle, d, paths, npaths) != 0)
        goto fail;
    const struct cfg_meshsim *sim = c->bundle.sim;
    const struct cfg_k8s_istio *k = c->bundle.mesh;
    if (sim->nupstreams == 0) {
        ms_diag_error(d, (ms_pos){npaths ? paths[0] : NULL, 0, 0},
                      "no Endpoints document: meshproxy needs the upstream addresses of each service");
        goto fail;
    }
    /* registry: Endpoints hosts, Services, ServiceEntry hosts */
    size_t n = sim->nupstreams + k->nservices;
    for (size_t i = 0; i < k->nservice_entries; i++)
        n += k->service_entries[i].hosts.len;
    c->services = ms_xcalloc(n, sizeof *c->services);
    char **owned = ms_xcalloc(sim->nupstreams, sizeof *owned);
    for (size_t i = 0; i < sim->nupstreams; i++)
        c->services[c->nservices++] = registry_entry(sim->upstreams[i].host.str, c->ns, &owned[i]);
    for (size_t i = 0; i < k->nservices; i++)
        c->services[c->nservices++] = (pol_route_service){k->services[i].meta.name, k->services[i].meta.ns, true};
    for (size_t i = 0; i < k->nservice_entries; i++)
        for (size_t h = 0; h < k->service_entries[i].hosts.len; h++)
            c->services[c->nservices++] = (pol_route_service){k->service_entries[i].hosts.items[h].s,
                                                              k->service_entries[i].meta.ns, false};
    /* clusters */
    size_t cap = 0;
    for (size_t i = 0; i < sim->nupstreams; i++) {
        const cfg_upstream_spec *u = &sim->upstreams[i];
        pol_route_service rs = c->services[i];
        char fqdn[POL_HOST_MAX];
        if (rs.kubernetes) {
            if (pol_host_expand(rs.host, rs.ns, fqdn, sizeof fqdn) != 0)
                continue;
        } else {
            snprintf(fqdn, sizeof fqdn, "%s", rs.host);
        }
        const pol_destination_rule *dr = pol_dr_find(k->destination_rules, k->ndestination_rules,
                                                     fqdn, rs.ns, c->ns);
        size_t want = c->nclusters + 1 + (dr ? dr->nsubsets : 0);
        if (want > cap) {
            size_t old = cap;
            cap = want * 2;
            c->clusters = ms_xrealloc(c->clusters, cap * sizeof *c->clusters);
            memset(c->clusters + old, 0, (cap - old) * sizeof *c->clusters);
        }
        cluster_build(c, &c->clusters[c->nclusters++], u, fqdn, rs.ns, dr, NULL, seed);
        for (size_t s = 0; dr && s < dr->nsubsets; s++)
            cluster_build(c, &c->clusters[c->nclusters++], u, fqdn, rs.ns, dr, &dr->subsets[s], seed);
    }
    /* registry strings split from FQDNs must live as long as the table */
    for (size_t i = 0; i < sim->nupstreams; i++)
        if (owned[i]) {
            c->paths = ms_xrealloc(c->paths, (c->npaths + 1) * sizeof *c->paths);
            c->paths[c->npaths++] = owned[i]; /* freed with the paths */
        }
    free(owned);
    if (c->gateway && !gateway_defined(k, c->gateway))
        ms_diag_error(d, (ms_pos){0}, "--gateway %s: the configuration has no Gateway of that namespace/name",
                      c->gateway);
    if (ms_diag_error_count(d))
        goto fail;
    pol_route_policies_init(&c->policies, k->virtual_services, k->nvirtual_services);
    /* as a gateway, a bound VirtualService keeps the hosts the Gateway's
     * servers admit (the simulator's ingress does the same) */
    pol_route_inputs in = {
        .vs = k->virtual_services, .nvs = k->nvirtual_services,
        .dr = k->destination_rules, .ndr = k->ndestination_rules,
        .services = c->services, .nservices = c->nservices,
        .registry_only = false,
        .gateways = k->gateways, .ngateways = k->ngateways,
    };
    pol_route_client cl = {c->gateway, c->ns, NULL, 0};
    c->routes = pol_route_table_create(&in, &cl);
    c->scratch = ms_xcalloc((size_t)nworkers, sizeof *c->scratch);
    for (int w = 0; w < nworkers; w++)
        c->scratch[w] = pol_route_scratch_create(c->routes);
    return c;
fail:
    c->diag = NULL; /* the caller's, to print */
    conf_free(c);
    return NULL;
}

void px_conf_ref(px_conf *c) { atomic_fetch_add(&c->refs, 1); }

void px_conf_unref(px_conf *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        conf_free(c);
}
