/*
 * netpolicy.c - Kubernetes NetworkPolicy: may a client pod open a connection
 * to a server pod's port?
 *
 * The semantics of the Kubernetes API: a pod that some policy with
 * policyType Ingress selects (podSelector, in its namespace) is isolated for
 * ingress, and then admits a connection only if some ingress rule of such a
 * policy allows its source and port; likewise for egress on the client's side.
 * A connection needs both.  A rule with no peers allows any peer, with no
 * ports any port; a peer is pods (podSelector, in the policy's namespace),
 * namespaces (namespaceSelector: every pod in them), or both (those pods in
 * those namespaces).  Namespaces carry the labels of their Namespace document
 * plus kubernetes.io/metadata.name, which Kubernetes sets on every namespace.
 * ipBlock peers are for traffic leaving or entering the cluster and match no
 * pod.  The port is the server pod's port: the Service port's targetPort
 * (a number, or a name compared with named policy ports); only TCP rules
 * apply, all meshsim traffic being TCP.
 *
 * Mesh pods send from their own address through their sidecar, so the policy
 * sees the pods themselves.  The gateways' pods are in istio-system with
 * the labels Istio installs them with (mdl__gateway_labels): the egress
 * gateway's are not the ingress gateway's.  What is denied is dropped: the client's SYNs go unanswered
 * and it sees a connect timeout (network.c).
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"

/* A label lookup: pod labels, or a namespace's (with its metadata.name). */
typedef struct label_src {
    const pol_labels *labels;
    const char *ns_name; /* a namespace: answers kubernetes.io/metadata.name */
} label_src;

static const char *label_get(const label_src *s, const char *key)
{
    if (s->ns_name && !strcmp(key, "kubernetes.io/metadata.name"))
        return s->ns_name;
    return s->labels ? pol_labels_get(s->labels, key) : NULL;
}

static bool selector_matches(const cfg_k8s_selector *sel, const label_src *s)
{
    for (size_t i = 0; i < sel->match_labels.len; i++) {
        const char *v = label_get(s, sel->match_labels.items[i].key);
        if (!v || strcmp(v, sel->match_labels.items[i].value))
            return false;
    }
    for (size_t i = 0; i < sel->nexprs; i++) {
        const cfg_k8s_sel_expr *e = &sel->exprs[i];
        const char *v = label_get(s, e->key);
        bool in = false;
        for (size_t k = 0; v && k < e->values.len; k++)
            in |= !strcmp(v, e->values.items[k].s);
        switch (e->op) {
        case CFG_SEL_IN: if (!in) return false; break;
        case CFG_SEL_NOT_IN: if (in) return false; break; /* absent key: not in */
        case CFG_SEL_EXISTS: if (!v) return false; break;
        case CFG_SEL_DOES_NOT_EXIST: if (v) return false; break;
        }
    }
    return true;
}

static const char *pod_ns(const mdl_pod *p) { return p->wl ? p->wl->ns : "istio-system"; }

static label_src pod_labels(const mdl_pod *p)
{
    return (label_src){p->wl ? &p->wl->k8s->pod_labels : mdl__gateway_labels(p->kind), NULL};
}

static label_src ns_labels(const mdl_mesh *m, const char *ns)
{
    for (size_t i = 0; i < m->k8s->nnamespaces; i++)
        if (!strcmp(m->k8s->namespaces[i].meta.name, ns))
            return (label_src){&m->k8s->namespaces[i].labels, ns};
    return (label_src){NULL, ns};
}

static bool peer_matches(const mdl_mesh *m, const cfg_k8s_network_policy *np,
                         const cfg_k8s_netpol_peer *peer, const mdl_pod *p)
{
    if (peer->ip_block)
        return false;
    if (peer->has_namespaces) {
        label_src ns = ns_labels(m, pod_ns(p));
        if (!selector_matches(&peer->namespaces, &ns))
            return false;
    } else if (strcmp(pod_ns(p), np->meta.ns)) {
        return false; /* podSelector alone: the policy's own namespace */
    }
    if (peer->has_pods) {
        label_src pl = pod_labels(p);
        if (!selector_matches(&peer->pods, &pl))
            return false;
    }
    return true;
}

/* The server port a connection goes to. */
typedef struct dest_port {
    int64_t number;
    const char *name; /* a named targetPort, or NULL */
} dest_port;

static bool port_matches(const cfg_k8s_netpol_port *pp, const dest_port *dp)
{
    if (strcmp(pp->protocol, "TCP"))
        return false;
    if (!pp->has_port)
        return true;
    if (pp->port_name)
        return dp->name && !strcmp(pp->port_name, dp->name);
    if (dp->name)
        return false;
    int64_t hi = pp->end_port ? pp->end_port : pp->port;
    return dp->number >= pp->port && dp->number <= hi;
}

static bool rule_allows(const mdl_mesh *m, const cfg_k8s_network_policy *np,
                        const cfg_k8s_netpol_rule *rule, const mdl_pod *peer, const dest_port *dp)
{
    bool any_peer = rule->npeers == 0, any_port = rule->nports == 0;
    for (size_t i = 0; i < rule->npeers && !any_peer; i++)
        any_peer = peer_matches(m, np, &rule->peers[i], peer);
    for (size_t i = 0; i < rule->nports && !any_port; i++)
        any_port = port_matches(&rule->ports[i], dp);
    return any_peer && any_port;
}

/* Does the side `self` (egress: the client; ingress: the server) let the
 * connection with `peer` through? */
static bool side_allows(const mdl_mesh *m, bool egress, const mdl_pod *self, const mdl_pod *peer,
                        const dest_port *dp)
{
    const struct cfg_k8s_istio *k = m->k8s;
    bool isolated = false;
    label_src sl = pod_labels(self);
    for (size_t i = 0; i < k->nnetwork_policies; i++) {
        const cfg_k8s_network_policy *np = &k->network_policies[i];
        if (!(egress ? np->egress : np->ingress) || strcmp(np->meta.ns, pod_ns(self)) ||
            !selector_matches(&np->pod_selector, &sl))
            continue;
        isolated = true;
        const cfg_k8s_netpol_rule *rules = egress ? np->egress_rules : np->ingress_rules;
        size_t n = egress ? np->negress_rules : np->ningress_rules;
        for (size_t r = 0; r < n; r++)
            if (rule_allows(m, np, &rules[r], peer, dp))
                return true;
    }
    return !isolated;
}

bool mdl__netpol_allows(const mdl_mesh *m, const mdl_pod *client, const mdl_pod *server,
                        const mdl_service *svc, int port)
{
    if (!m->k8s->nnetwork_policies || client->kind == MDL_POD_EXTERNAL ||
        server->kind == MDL_POD_EXTERNAL)
        return true;
    dest_port dp = {port, NULL};
    if (svc && svc->k8s && svc->k8s->nports) {
        const cfg_k8s_service_port *sp = &svc->k8s->ports[0];
        for (size_t i = 0; i < svc->k8s->nports; i++)
            if (svc->k8s->ports[i].port == port)
                sp = &svc->k8s->ports[i];
        dp = (dest_port){sp->target_port, sp->target_port_name};
    }
    return side_allows(m, true, client, server, &dp) && side_allows(m, false, server, client, &dp);
}
