/*
 * inbound.c - the server-side sidecar's policies on an attempt that reaches
 * it: PeerAuthentication on the connection, then AuthorizationPolicy on the
 * request (policy/peer_authn.h, policy/authz.h).
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
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"
#include "policy/authz.h"
#include "policy/peer_authn.h"

#define INGRESS_NS "istio-system"
#define INGRESS_SA "istio-ingressgateway-service-account"

void mdl__inbound_build(mdl_mesh *m)
{
    const struct cfg_k8s_istio *k = m->k8s;
    for (size_t w = 0; w < m->nworkloads; w++) {
        mdl_workload *wl = &m->workloads[w];
        pol_workload_ref ref = {wl->ns, &wl->k8s->pod_labels};
        wl->authz = ms_xcalloc(k->nauthorization_policies + 1, sizeof *wl->authz);
        for (size_t i = 0; i < k->nauthorization_policies; i++)
            if (pol_authz_applies(&k->authorization_policies[i], NULL, &ref))
                wl->authz[wl->nauthz++] = &k->authorization_policies[i];
    }
}

void mdl__inbound_free(mdl_mesh *m)
{
    for (size_t w = 0; w < m->nworkloads; w++)
        free(m->workloads[w].authz);
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

int mdl__inbound_authorize(const mdl_mesh *m, const mdl_job *j)
{
    const mdl_workload *wl = j->server->wl;
    if (!wl->nauthz)
        return 0;
    const mdl_req *r = j->req;
    const mdl_pod *client = r->client;
    char principal[320], src_ip[24], dst_ip[24];
    pol_authz_request q = {
        .port = r->cluster->svc->target_port,
        .method = pol_slice_str(r->method),
        .host = pol_slice_str(r->host),
        .path = pol_slice_str(r->path),
        .headers = r->headers,
        .nheaders = r->nheaders,
    };
    snprintf(src_ip, sizeof src_ip, "%.*s", (int)strcspn(client->address, ":"), client->address);
    snprintf(dst_ip, sizeof dst_ip, "%.*s", (int)strcspn(j->server->address, ":"), j->server->address);
    q.source_ip = src_ip;
    q.dest_ip = dst_ip;
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
    pol_authz_decide(wl->authz, wl->nauthz, &q, &d);
    return d.allowed ? 0 : d.status;
}
