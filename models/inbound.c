/*
 * inbound.c - the server-side sidecar's policies on an attempt that reaches
 * it: PeerAuthentication on the connection, then the HTTP filters on the
 * request: AuthorizationPolicy and the local rate limits that EnvoyFilters
 * insert (policy/peer_authn.h, policy/authz.h, policy/ratelimit.h).
 *
 * What is mTLS in the simulator: the client proxy (a sidecar or the ingress
 * gateway, both in the mesh) sends Istio mutual TLS unless the cluster's
 * DestinationRule says otherwise: tls mode DISABLE sends plaintext, SIMPLE and
 * MUTUAL originate TLS with non-Istio certificates, which a server sidecar
 * does not take as a peer identity (plaintext for PeerAuthentication), and
 * ISTIO_MUTUAL is mTLS.  Without a DR tls block, auto mTLS sends mTLS except
 * when the destination's namespace-level (else mesh-level) mode is DISABLE;
 * workload- and port-level DISABLE are not seen by clients, which is why
 * Istio tells users to add a DR with tls DISABLE for them.
 *
 * A refused connection (STRICT with plaintext, DISABLE with mTLS) is closed by
 * the server's proxy: the client sees a connection termination (503 UC,
 * retried only with `reset`, a local-origin failure for outlier detection).
 * A denied request gets 403 "RBAC: access denied" from the server's proxy,
 * a normal response for the client (not retried, a success for outlier
 * detection).  The caller's identity is cluster.local/ns/NS/sa/SA with the
 * Deployment's serviceAccountName ("default" when none; the ingress gateway
 * is istio-system/istio-ingressgateway-service-account).
 *
 * The ingress gateway evaluates the AuthorizationPolicies that apply to its
 * pods as to any workload (pol_authz_applies with namespace istio-system and
 * labels istio: ingressgateway, app: istio-ingressgateway): those selecting
 * these labels, and those of istio-system (the root namespace) without a
 * selector, mesh-wide ones included, as Istio does.  Its rbac filter (and
 * ext_authz for CUSTOM) runs on the client's request before the fault filter
 * and the router: a denied request is answered 403 by the gateway, reaches
 * no service and is not retried.  What the gateway sees of the request: the
 * method, the host (authority), the path and the headers the client sent;
 * the port is the Gateway server's port the request came to (as for the
 * gateway's rate limits); destination.ip the gateway pod's address.  Internet
 * clients have no Istio identity (principals, namespaces and service
 * accounts never match) and no address in the model: source.ip and
 * remote.ip are unknown, so ipBlocks and remoteIpBlocks never match and
 * their not* forms always do (with Istio's default numTrustedProxies 0 the
 * remote address is the connection's peer, not X-Forwarded-For, and the
 * peer of a client behind the cloud load balancer is not modelled).
 *
 * The egress gateway does the same with the policies that apply to its pods
 * (istio-system, istio: egressgateway, app: istio-egressgateway), on the
 * request a sidecar sent it, seen as a server sidecar sees one: the caller's
 * identity over Istio mTLS, its pod address, the gateway Service's target
 * port, the host and path as the caller's route rewrote them.  A denied
 * request gets 403 from the egress gateway and never leaves the mesh.
 *
 * Local rate limits: an EnvoyFilter in the workload's namespace or the root
 * namespace whose workloadSelector selects the pods (and whose portNumber,
 * when given, is the workload port called) puts one token bucket in every
 * pod's sidecar: per Envoy process, not shared.  Its place in the inbound
 * chain (istio.metadata_exchange, istio_authn, ext_authz and rbac when
 * authorization policies apply, grpc_stats, istio.stats, router) follows the
 * patch: INSERT_FIRST, INSERT_BEFORE without a subFilter or before an
 * authentication/authorization filter, and filterClass AUTHN run it before
 * authorization (denied requests take tokens too); filterClass AUTHZ/STATS
 * or a place after rbac run it after; INSERT_AFTER with no subFilter or
 * after the router appends it behind the router, where Envoy never runs it;
 * a subFilter that is not in the chain means Istio does not apply the patch
 * (both reported as warnings).  Between ext_authz and rbac counts as after.
 * A limited request gets `status` (429) with x-envoy-ratelimited and flag RL;
 * the caller retries it only with `envoy-ratelimited` in its retryOn.
 *
 * Context GATEWAY puts the buckets in the ingress gateway's pods (selected
 * by istio: ingressgateway / app: istio-ingressgateway, EnvoyFilter in
 * istio-system), checked before routing goes on.  The gateway's chain is
 * istio.metadata_exchange, ext_authz and rbac when authorization policies
 * apply to it, fault, cors, istio.stats, router: a limit runs before
 * authorization (INSERT_FIRST, INSERT_BEFORE without subFilter, filterClass
 * AUTHN), after it but before the fault filter (filterClass AUTHZ, before
 * the fault filter, after rbac) or after the fault filter (after fault,
 * before cors, istio.stats or the router, filterClass STATS); portNumber is
 * compared with the Gateway server's port the request came to.  A limited
 * request is answered by the gateway (429, RL).
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"
#include "policy/authz.h"
#include "policy/peer_authn.h"
#include "policy/ratelimit.h"

#define INGRESS_NS "istio-system"
#define INGRESS_SA "istio-ingressgateway-service-account"

static const pol_label ingress_label_items[] = {{"istio", "ingressgateway"}, {"app", "istio-ingressgateway"}};
static const pol_label egress_label_items[] = {{"istio", "egressgateway"}, {"app", "istio-egressgateway"}};
static const pol_labels ingress_labels = {(pol_label *)ingress_label_items, 2};
static const pol_labels egress_labels = {(pol_label *)egress_label_items, 2};

const pol_labels *mdl__gateway_labels(mdl_pod_kind kind)
{
    return kind == MDL_POD_EGRESS ? &egress_labels : &ingress_labels;
}

/* Places in a chain: before the authorization filters, after them (and, on
 * the gateway, before the fault filter), after the fault filter (gateway
 * only); never run, or not applied at all. */
typedef enum chain_pos {
    POS_BEFORE_AUTHZ,
    POS_AFTER_AUTHZ,
    POS_AFTER_FAULT,
    POS_NEVER,
    POS_NOT_APPLIED
} chain_pos;

/* One local rate limit filter in a workload's inbound chain. */
typedef struct inbound_rl {
    const pol_local_ratelimit *cfg;
    chain_pos pos;
    pol_ratelimit *buckets; /* owned: one per pod of the workload */
} inbound_rl;

struct mdl_inbound {
    const pol_authorization_policy **authz; /* owned array of borrowed policies */
    size_t nauthz;
    inbound_rl *rl; /* owned */
    size_t nrl;
};

/* The HTTP filter chains a local rate limit can be inserted into, up to the
 * router: the sidecar's inbound chain and the ingress gateway's. */
typedef enum chain_kind { CHAIN_INBOUND, CHAIN_GATEWAY } chain_kind;

/* Where a filter inserted next to `name` lands: its place, or POS_NOT_APPLIED
 * when the chain has no such filter. */
static chain_pos sub_filter_pos(const char *name, chain_kind ch, bool has_ext_authz, bool has_rbac,
                                bool after)
{
    static const char *const in_later[] = {"envoy.filters.http.grpc_stats", "istio.stats"};
    static const char *const gw_later[] = {"envoy.filters.http.cors", "istio.stats"};
    const char *const *later = ch == CHAIN_INBOUND ? in_later : gw_later;
    chain_pos last = ch == CHAIN_INBOUND ? POS_AFTER_AUTHZ : POS_AFTER_FAULT;
    if (!strcmp(name, "istio.metadata_exchange") || (ch == CHAIN_INBOUND && !strcmp(name, "istio_authn")))
        return POS_BEFORE_AUTHZ;
    if (!strcmp(name, "envoy.filters.http.ext_authz"))
        return !has_ext_authz ? POS_NOT_APPLIED : after ? POS_AFTER_AUTHZ : POS_BEFORE_AUTHZ;
    if (!strcmp(name, "envoy.filters.http.rbac"))
        return !has_rbac ? POS_NOT_APPLIED : after ? POS_AFTER_AUTHZ : POS_BEFORE_AUTHZ;
    if (ch == CHAIN_GATEWAY && !strcmp(name, "envoy.filters.http.fault"))
        return after ? POS_AFTER_FAULT : POS_AFTER_AUTHZ;
    for (size_t i = 0; i < 2; i++)
        if (!strcmp(name, later[i]))
            return last;
    if (!strcmp(name, "envoy.filters.http.router"))
        return after ? POS_NEVER : last;
    return POS_NOT_APPLIED;
}

static chain_pos chain_position(const pol_local_ratelimit *rl, chain_kind ch, bool has_ext_authz,
                                bool has_rbac)
{
    switch (rl->filter_class) {
    case POL_EF_CLASS_AUTHN: return POS_BEFORE_AUTHZ;
    case POL_EF_CLASS_AUTHZ: return POS_AFTER_AUTHZ;
    case POL_EF_CLASS_STATS: return ch == CHAIN_INBOUND ? POS_AFTER_AUTHZ : POS_AFTER_FAULT;
    default: break;
    }
    switch (rl->operation) {
    case POL_EF_INSERT_FIRST: return POS_BEFORE_AUTHZ;
    case POL_EF_INSERT_BEFORE:
        return rl->sub_filter ? sub_filter_pos(rl->sub_filter, ch, has_ext_authz, has_rbac, false)
                              : POS_BEFORE_AUTHZ;
    case POL_EF_INSERT_AFTER:
    default:
        return rl->sub_filter ? sub_filter_pos(rl->sub_filter, ch, has_ext_authz, has_rbac, true)
                              : POS_NEVER;
    }
}

/* The local rate limits of the pods [first, first + npods) of a workload
 * (name, namespace, labels) whose chain is `ch`. */
static void build_rate_limits(mdl_mesh *m, struct mdl_inbound *in, chain_kind ch, const char *name,
                              const char *ns, const pol_labels *labels, uint32_t npods)
{
    const struct cfg_k8s_istio *k = m->k8s;
    bool has_ext_authz = false;
    for (size_t i = 0; i < in->nauthz; i++)
        has_ext_authz |= in->authz[i]->action == POL_AUTHZ_CUSTOM;
    in->rl = ms_xcalloc(k->nlocal_rate_limits + 1, sizeof *in->rl);
    pol_ef_context want = ch == CHAIN_INBOUND ? POL_EF_SIDECAR_INBOUND : POL_EF_GATEWAY;
    for (size_t i = 0; i < k->nlocal_rate_limits; i++) {
        const pol_local_ratelimit *c = &k->local_rate_limits[i];
        if (c->context != want || (strcmp(c->meta.ns, ns) && strcmp(c->meta.ns, POL_ISTIO_ROOT_NAMESPACE)) ||
            !pol_labels_subset(&c->workload_selector, labels))
            continue;
        chain_pos pos = chain_position(c, ch, has_ext_authz, in->nauthz > 0);
        if (pos == POS_NEVER || pos == POS_NOT_APPLIED) {
            ms_diag_warning(m->diag, c->pos,
                            pos == POS_NEVER
                                ? "local rate limit of %s lands after the router in the chain of %s: "
                                  "Envoy never runs it"
                                : "local rate limit of %s: subFilter %s is not in the chain of %s, "
                                  "so Istio does not apply the patch",
                            c->meta.name, pos == POS_NEVER ? name : c->sub_filter, name);
            continue;
        }
        inbound_rl *r = &in->rl[in->nrl++];
        r->cfg = c;
        r->pos = pos;
        pol_ratelimit_config rc = pol_ratelimit_config_make(c->max_tokens, c->tokens_per_fill,
                                                            c->fill_interval_ns);
        rc.filter_enabled = (pol_fraction){c->enabled_numerator, c->enabled_denominator};
        rc.filter_enforced = (pol_fraction){c->enforced_numerator, c->enforced_denominator};
        rc.status = c->status;
        r->buckets = ms_xcalloc(npods ? npods : 1, sizeof *r->buckets);
        for (uint32_t p = 0; p < npods; p++)
            pol_ratelimit_init(&r->buckets[p], &rc, 0);
    }
}

/* A filter chain for the proxy `ref` names, with the AuthorizationPolicies
 * that apply to it (in configuration order). */
static struct mdl_inbound *chain_with_authz(const struct cfg_k8s_istio *k, const pol_workload_ref *ref)
{
    struct mdl_inbound *in = ms_xcalloc(1, sizeof *in);
    in->authz = ms_xcalloc(k->nauthorization_policies + 1, sizeof *in->authz);
    for (size_t i = 0; i < k->nauthorization_policies; i++)
        if (pol_authz_applies(&k->authorization_policies[i], NULL, ref))
            in->authz[in->nauthz++] = &k->authorization_policies[i];
    return in;
}

void mdl__inbound_build(mdl_mesh *m)
{
    const struct cfg_k8s_istio *k = m->k8s;
    for (size_t w = 0; w < m->nworkloads; w++) {
        mdl_workload *wl = &m->workloads[w];
        if (!wl->k8s)
            continue; /* an external service: no sidecar */
        pol_workload_ref ref = {wl->ns, &wl->k8s->pod_labels};
        struct mdl_inbound *in = chain_with_authz(k, &ref);
        build_rate_limits(m, in, CHAIN_INBOUND, wl->name, wl->ns, &wl->k8s->pod_labels, wl->npods);
        wl->inbound = in;
    }
    /* The ingress gateway: its authorization policies, then its rate limits
     * (their places depend on whether rbac is in its chain). */
    pol_workload_ref gw = {INGRESS_NS, &ingress_labels};
    struct mdl_inbound *g = chain_with_authz(k, &gw);
    build_rate_limits(m, g, CHAIN_GATEWAY, "istio-ingressgateway", INGRESS_NS, &ingress_labels, m->ningress);
    m->gateway_filters = g;
    /* the egress gateway: authorization only */
    pol_workload_ref eg = {INGRESS_NS, &egress_labels};
    m->egress_filters = chain_with_authz(k, &eg);
}

static void inbound_free(struct mdl_inbound *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->nrl; i++)
        free(in->rl[i].buckets);
    free(in->rl);
    free(in->authz);
    free(in);
}

void mdl__inbound_free(mdl_mesh *m)
{
    for (size_t w = 0; w < m->nworkloads; w++)
        inbound_free(m->workloads[w].inbound);
    inbound_free(m->gateway_filters);
    inbound_free(m->egress_filters);
}

bool mdl__client_mtls(const mdl_mesh *m, const pol_policy_blocks *b, const mdl_service *svc)
{
    if (b->has_tls)
        return b->tls.mode == POL_CLIENT_TLS_ISTIO_MUTUAL;
    const struct cfg_k8s_istio *k = m->k8s;
    pol_workload_ref ns_only = {svc->ns, NULL};
    return pol_peer_authn_mode(k->peer_authentications, k->npeer_authentications, NULL, &ns_only, 0) !=
           POL_MTLS_DISABLE;
}

bool mdl__inbound_accepts(const mdl_mesh *m, const mdl_job *j)
{
    const struct cfg_k8s_istio *k = m->k8s;
    const mdl_workload *wl = j->server->wl;
    if (!k->npeer_authentications)
        return true; /* PERMISSIVE */
    pol_workload_ref ref = {wl->ns, &wl->k8s->pod_labels};
    pol_mtls_mode mode = pol_peer_authn_mode(k->peer_authentications, k->npeer_authentications, NULL,
                                             &ref, j->req->cluster->svc->target_port);
    return pol_peer_authn_accepts(mode, j->req->cluster->mtls);
}

static int authorize(const mdl_job *j, const struct mdl_inbound *in)
{
    if (!in->nauthz)
        return 0;
    const mdl_req *r = j->req;
    const mdl_pod *client = r->client;
    char principal[320];
    pol_authz_request q = {
        .port = r->cluster->svc->target_port,
        .method = pol_slice_str(r->method),
        .host = pol_slice_str(r->up_host),
        .path = pol_slice_str(r->up_path),
        .headers = r->headers,
        .nheaders = r->nheaders,
        .source_ip = client->ip,
        .dest_ip = j->server->ip,
    };
    if (r->cluster->mtls) {
        const char *ns = INGRESS_NS, *sa = INGRESS_SA;
        if (client->wl) {
            ns = client->wl->ns;
            sa = client->wl->k8s->service_account ? client->wl->k8s->service_account : "default";
        }
        if (pol_authz_principal(ns, sa, principal, sizeof principal) == 0) {
            q.principal = principal;
            q.source_ns = ns;
            q.source_sa = sa;
        }
    }
    pol_authz_decision d;
    pol_authz_decide(in->authz, in->nauthz, &q, &d);
    return d.allowed ? 0 : d.status;
}

/* The local rate limits at `pos` of pod number `pod` of their workload, in
 * chain order: the status of the first enforced rejection (its flags into
 * *flags), or 0. */
static int rate_limit(mdl_mesh *m, mdl_pod *p, uint32_t pod, int port, const struct mdl_inbound *in,
                      chain_pos pos, pol_flags *flags)
{
    for (size_t i = 0; i < in->nrl; i++) {
        const inbound_rl *r = &in->rl[i];
        if (r->pos != pos || (r->cfg->port.set && r->cfg->port.v != port))
            continue;
        pol_ratelimit_decision d;
        ms_rng rng = sim_rng_view(&p->rng);
        pol_ratelimit_decide(&r->buckets[pod], sim_now(m->world), &rng, &d);
        if (d.limited) {
            *flags |= d.flags;
            return d.status;
        }
    }
    return 0;
}

/* The gateway's rbac filter on an internet client's request (see the top of
 * the file for what it sees): 0 or 403. */
static int authorize_at_gateway(const mdl_req *r, const struct mdl_inbound *in, int port)
{
    if (!in->nauthz)
        return 0;
    pol_authz_request q = {
        .port = port,
        .method = pol_slice_str(r->method),
        .host = pol_slice_str(r->host),
        .path = pol_slice_str(r->path),
        .headers = r->headers,
        .nheaders = r->nheaders,
        .dest_ip = r->client->ip,
    };
    pol_authz_decision d;
    pol_authz_decide(in->authz, in->nauthz, &q, &d);
    return d.allowed ? 0 : d.status;
}

int mdl__gateway_filters(mdl_mesh *m, mdl_req *r, bool after_fault)
{
    if (r->client->kind == MDL_POD_EGRESS) {
        const struct mdl_inbound *eg = m->egress_filters;
        if (after_fault || !eg || !eg->nauthz || r->kind != MDL_REQ_RELAY || !r->parent)
            return 0;
        return authorize(r->parent, eg); /* the request as the sidecar sent it */
    }
    const struct mdl_inbound *in = m->gateway_filters;
    if (!in || (!in->nrl && !in->nauthz) || r->client->kind != MDL_POD_INGRESS)
        return 0;
    int port = r->port ? r->port : 80;
    uint32_t pod = r->client->id - m->ingress_first;
    pol_flags fl = 0;
    int st;
    if (after_fault) {
        st = rate_limit(m, r->client, pod, port, in, POS_AFTER_FAULT, &fl);
    } else {
        st = rate_limit(m, r->client, pod, port, in, POS_BEFORE_AUTHZ, &fl);
        if (!st)
            st = authorize_at_gateway(r, in, port);
        if (!st)
            st = rate_limit(m, r->client, pod, port, in, POS_AFTER_AUTHZ, &fl);
    }
    r->flags |= fl;
    return st;
}

int mdl__inbound_filters(mdl_mesh *m, mdl_job *j)
{
    const struct mdl_inbound *in = j->server->wl->inbound;
    uint32_t pod = j->server->id - j->server->wl->first_pod;
    int port = j->req->cluster->svc->target_port;
    int st = rate_limit(m, j->server, pod, port, in, POS_BEFORE_AUTHZ, &j->flags);
    if (!st)
        st = authorize(j, in);
    if (!st)
        st = rate_limit(m, j->server, pod, port, in, POS_AFTER_AUTHZ, &j->flags);
    return st;
}
