/*
 * xref.c - cross-reference checks between decoded Kubernetes/Istio resources.
 *
 * After every document is decoded, each VirtualService destination (route and
 * mirror) must name a host that some Service or ServiceEntry provides, and a
 * subset that some DestinationRule for that host defines; each gateway name in
 * a VirtualService (VS level and per match) must name a Gateway (or be "mesh").
 * Host names are compared as FQDNs: short names are expanded with the
 * namespace of the resource that wrote them (policy/host.h).
 *
 * Cost: O(references x resources); manifests hold at most a few thousand
 * resources, so no index is built.
 */
#include <string.h>

#include "config/k8s_istio.h"
#include "policy/host.h"

/* Does a Service or ServiceEntry (or one of the `extra` FQDNs, from meshproxy's
 * Endpoints documents) provide `fqdn`?  The gateways' Services of a default
 * Istio install (istio-ingressgateway, istio-egressgateway in istio-system)
 * are always there. */
static int host_provided(const struct cfg_k8s_istio *m, const char *fqdn, const char *const *extra,
                         size_t nextra)
{
    char buf[POL_HOST_MAX];
    if (!strcmp(fqdn, "istio-ingressgateway.istio-system.svc.cluster.local") ||
        !strcmp(fqdn, "istio-egressgateway.istio-system.svc.cluster.local"))
        return 1;
    for (size_t i = 0; i < nextra; i++)
        if (strcmp(extra[i], fqdn) == 0)
            return 1;
    for (size_t i = 0; i < m->nservices; i++) {
        const cfg_k8s_service *s = &m->services[i];
        if (s->meta.name &&
            pol_host_expand(s->meta.name, s->meta.ns, buf, sizeof(buf)) == 0 &&
            strcmp(buf, fqdn) == 0)
            return 1;
    }
    for (size_t i = 0; i < m->nservice_entries; i++) {
        const pol_service_entry *se = &m->service_entries[i];
        for (size_t j = 0; j < se->hosts.len; j++) {
            if (pol_host_expand(se->hosts.items[j].s, se->meta.ns, buf, sizeof(buf)) != 0)
                continue;
            if (pol_host_matches(buf, fqdn))
                return 1;
        }
    }
    return 0;
}

/* Is `subset` defined by a DestinationRule whose host covers `fqdn`? */
static int subset_defined(const struct cfg_k8s_istio *m, const char *fqdn, const char *subset)
{
    char buf[POL_HOST_MAX];
    for (size_t i = 0; i < m->ndestination_rules; i++) {
        const pol_destination_rule *dr = &m->destination_rules[i];
        if (!dr->host || pol_host_expand(dr->host, dr->meta.ns, buf, sizeof(buf)) != 0 ||
            !pol_host_matches(buf, fqdn))
            continue;
        for (size_t j = 0; j < dr->nsubsets; j++)
            if (dr->subsets[j].name && strcmp(dr->subsets[j].name, subset) == 0)
                return 1;
    }
    return 0;
}

typedef struct xref_ctx {
    const struct cfg_k8s_istio *m;
    const char *const *extra;
    size_t nextra;
    ms_diag *d;
} xref_ctx;

static void check_destination(const xref_ctx *x, const pol_destination *dst, const char *ns)
{
    char fqdn[POL_HOST_MAX];
    const struct cfg_k8s_istio *m = x->m;
    ms_diag *d = x->d;
    if (!dst->host)
        return;
    if (pol_host_expand(dst->host, ns, fqdn, sizeof(fqdn)) != 0) {
        ms_diag_error(d, dst->host_pos, "host \"%s\" is too long", dst->host);
        return;
    }
    if (!host_provided(m, fqdn, x->extra, x->nextra)) {
        ms_diag_error(d, dst->host_pos,
                      "destination host \"%s\" is not provided by any Service or ServiceEntry",
                      dst->host);
        return;
    }
    if (dst->subset && !subset_defined(m, fqdn, dst->subset))
        ms_diag_error(d, dst->subset_pos,
                      "subset \"%s\" of host \"%s\" is not defined by any DestinationRule",
                      dst->subset, dst->host);
}

/* Is gateway reference `ref` (written in namespace `ns`: "name" or "ns/name",
 * or "mesh") defined by a Gateway? */
static int gateway_defined(const struct cfg_k8s_istio *m, const char *ref, const char *ns)
{
    if (strcmp(ref, "mesh") == 0)
        return 1;
    const char *slash = strchr(ref, '/');
    const char *name = slash ? slash + 1 : ref;
    const char *want_ns = slash ? ref : ns;
    size_t nslen = slash ? (size_t)(slash - ref) : strlen(ns);
    for (size_t i = 0; i < m->ngateways; i++) {
        const pol_gateway *g = &m->gateways[i];
        if (g->meta.name && strcmp(g->meta.name, name) == 0 && strlen(g->meta.ns) == nslen &&
            strncmp(g->meta.ns, want_ns, nslen) == 0)
            return 1;
    }
    return 0;
}

static void check_gateways(const struct cfg_k8s_istio *m, const pol_str_list *gws,
                           const char *ns, ms_diag *d)
{
    for (size_t i = 0; i < gws->len; i++)
        if (!gateway_defined(m, gws->items[i].s, ns))
            ms_diag_error(d, gws->items[i].pos, "gateway \"%s\" is not defined by any Gateway",
                          gws->items[i].s);
}

static void check_routes(const xref_ctx *x, const pol_route_destination *r, size_t n,
                         const char *ns)
{
    for (size_t i = 0; i < n; i++)
        check_destination(x, &r[i].destination, ns);
}

void cfg_k8s_istio_check(const struct cfg_k8s_istio *m, ms_diag *d)
{
    cfg_k8s_istio_check_with(m, NULL, 0, d);
}

void cfg_k8s_istio_check_with(const struct cfg_k8s_istio *m, const char *const *extra_hosts,
                              size_t nextra, ms_diag *d)
{
    xref_ctx x = {m, extra_hosts, nextra, d};
    for (size_t i = 0; i < m->nvirtual_services; i++) {
        const pol_virtual_service *vs = &m->virtual_services[i];
        const char *ns = vs->meta.ns ? vs->meta.ns : "default";
        check_gateways(m, &vs->gateways, ns, d);
        for (size_t j = 0; j < vs->nhttp; j++) {
            const pol_http_route *r = &vs->http[j];
            check_routes(&x, r->route, r->nroute, ns);
            if (r->has_mirror)
                check_destination(&x, &r->mirror.destination, ns);
            for (size_t k = 0; k < r->nmirrors; k++)
                check_destination(&x, &r->mirrors[k].destination, ns);
            for (size_t k = 0; k < r->nmatch; k++)
                check_gateways(m, &r->match[k].gateways, ns, d);
        }
        for (size_t j = 0; j < vs->ntcp; j++)
            check_routes(&x, vs->tcp[j].route, vs->tcp[j].nroute, ns);
        for (size_t j = 0; j < vs->ntls; j++)
            check_routes(&x, vs->tls[j].route, vs->tls[j].nroute, ns);
    }
}
