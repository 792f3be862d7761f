/*
 * k8s_istio.c - the decoder entry point for Kubernetes and Istio documents:
 * apiVersion/kind dispatch, the container's life cycle, and the lenient
 * Kubernetes readers (Service, Deployment/StatefulSet, Namespace).
 *
 * Kubernetes objects are read the way kubectl would accept them: fields meshsim
 * does not use are ignored without a word, and only the fields that are read
 * are type-checked.  Istio kinds are handed to istio_*.c, which validate
 * strictly; a later Istio object of the same kind, name and namespace replaces
 * the earlier one, as `kubectl apply` would.  Kinds of known groups that meshsim does not model (Sidecar,
 * Ingress, ServiceAccount, EnvoyFilters other than a local rate limit, ...)
 * return 0 so that the caller can skip them with a warning.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "config/istio_int.h"
#include "config/units.h"

/* Indexes into cfg_k8s_istio._cap, one per array. */
enum { CAP_SVC, CAP_WL, CAP_NS, CAP_VS, CAP_DR, CAP_GW, CAP_SE, CAP_PA, CAP_AP, CAP_RL, CAP_NP, NCAPS };
_Static_assert(NCAPS <= CFG_COUNT(((struct cfg_k8s_istio *)0)->_cap), "_cap too small");

struct cfg_k8s_istio *cfg_k8s_istio_create(void)
{
    return ms_xcalloc(1, sizeof(struct cfg_k8s_istio));
}

void cfg_k8s_istio_destroy(struct cfg_k8s_istio *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nservices; i++) {
        pol_labels_fini(&m->services[i].labels);
        pol_labels_fini(&m->services[i].selector);
        free(m->services[i].ports);
    }
    free(m->services);
    for (size_t i = 0; i < m->nworkloads; i++) {
        pol_labels_fini(&m->workloads[i].labels);
        pol_labels_fini(&m->workloads[i].pod_labels);
        pol_str_list_fini(&m->workloads[i].containers);
    }
    free(m->workloads);
    for (size_t i = 0; i < m->nnamespaces; i++)
        pol_labels_fini(&m->namespaces[i].labels);
    free(m->namespaces);
    for (size_t i = 0; i < m->nnetwork_policies; i++)
        cfg__k8s_network_policy_fini(&m->network_policies[i]);
    free(m->network_policies);
#define FINI_ALL(arr, len, fini)                                              \
    do {                                                                      \
        for (size_t i_ = 0; i_ < (len); i_++)                                 \
            fini(&(arr)[i_]);                                                 \
        free(arr);                                                            \
    } while (0)
    FINI_ALL(m->virtual_services, m->nvirtual_services, pol_virtual_service_fini);
    FINI_ALL(m->destination_rules, m->ndestination_rules, pol_destination_rule_fini);
    FINI_ALL(m->gateways, m->ngateways, pol_gateway_fini);
    FINI_ALL(m->service_entries, m->nservice_entries, pol_service_entry_fini);
    FINI_ALL(m->peer_authentications, m->npeer_authentications, pol_peer_authentication_fini);
    FINI_ALL(m->authorization_policies, m->nauthorization_policies, pol_authorization_policy_fini);
    FINI_ALL(m->local_rate_limits, m->nlocal_rate_limits, pol_local_ratelimit_fini);
#undef FINI_ALL
    free(m);
}

/* Set `var` to a new zeroed element appended to m->arr (length m->len,
 * capacity m->_cap[cap_idx]). */
#define APPEND(var, m, arr, len, cap_idx)                                     \
    do {                                                                      \
        MS_VEC_GROW((m)->arr, (m)->len, (m)->_cap[cap_idx]);                  \
        (var) = &(m)->arr[(m)->len++];                                        \
        memset((var), 0, sizeof(*(var)));                                     \
    } while (0)

/* metadata (cfg__i_meta) and metadata.labels of a Kubernetes object. */
static void k8s_meta(const cfg_doc *doc, ms_diag *d, pol_meta *meta, pol_labels *labels)
{
    cfg__i_meta(doc->root, d, meta);
    cfg__i_labels(cfg_map_get(cfg_map_get(doc->root, "metadata"), "labels"), d, "labels", labels);
}

static void decode_service(struct cfg_k8s_istio *m, const cfg_doc *doc, ms_diag *d)
{
    cfg_k8s_service *s;
    APPEND(s, m, services, nservices, CAP_SVC);
    k8s_meta(doc, d, &s->meta, &s->labels);
    const cfg_node *spec = cfg_map_get(doc->root, "spec");
    if (cfg__i_absent(spec) || cfg_expect_map(spec, d, "spec") != 0)
        return;
    cfg__i_labels(cfg_map_get(spec, "selector"), d, "selector", &s->selector);
    s->type = cfg__i_opt_string(spec, "type", d);
    s->external_name = cfg__i_opt_string(spec, "externalName", d);
    const cfg_node *ports = cfg__i_seq(spec, "ports", d);
    if (!ports)
        return;
    s->ports = ms_xcalloc(ports->u.seq.len, sizeof(*s->ports));
    for (size_t i = 0; i < ports->u.seq.len; i++) {
        const cfg_node *it = ports->u.seq.items[i], *v;
        if (cfg_expect_map(it, d, "service port") != 0)
            continue;
        cfg_k8s_service_port *p = &s->ports[s->nports++];
        p->pos = it->pos;
        p->name = cfg__i_opt_string(it, "name", d);
        p->protocol = cfg__i_opt_string(it, "protocol", d);
        if (!p->protocol)
            p->protocol = "TCP";
        p->app_protocol = cfg__i_opt_string(it, "appProtocol", d);
        if (cfg__i_absent(v = cfg_map_get(it, "port")))
            ms_diag_error(d, it->pos, "service port needs a port");
        else
            cfg_read_int(v, d, 1, 65535, &p->port);
        p->target_port = p->port;
        v = cfg_map_get(it, "targetPort");
        if (!cfg__i_absent(v) && v->kind == CFG_SCALAR) {
            /* IntOrString: a plain integer is a port number, anything else a
             * container port name. */
            char *end;
            (void)strtoll(v->u.scalar.str, &end, 10);
            if (!v->quoted && *end == '\0' && end != v->u.scalar.str)
                cfg_read_int(v, d, 1, 65535, &p->target_port);
            else
                p->target_port_name = v->u.scalar.str;
        } else if (!cfg__i_absent(v)) {
            cfg_read_int(v, d, 1, 65535, &p->target_port); /* reports the wrong type */
        }
    }
}

static void decode_workload(struct cfg_k8s_istio *m, const cfg_doc *doc, const char *kind,
                            ms_diag *d)
{
    cfg_k8s_workload *w;
    APPEND(w, m, workloads, nworkloads, CAP_WL);
    k8s_meta(doc, d, &w->meta, &w->labels);
    w->kind = strcmp(kind, "StatefulSet") == 0 ? "StatefulSet" : "Deployment";
    w->replicas = 1;
    const cfg_node *spec = cfg_map_get(doc->root, "spec"), *v;
    if (cfg__i_absent(spec) || cfg_expect_map(spec, d, "spec") != 0)
        return;
    if (!cfg__i_absent(v = cfg_map_get(spec, "replicas")))
        cfg_read_int(v, d, 0, INT32_MAX, &w->replicas);
    const cfg_node *tmpl = cfg_map_get(spec, "template");
    if (cfg__i_absent(tmpl)) {
        ms_diag_error(d, spec->pos, "%s has no pod template", w->kind);
        return;
    }
    if (cfg_expect_map(tmpl, d, "template") != 0)
        return;
    const cfg_node *md = cfg_map_get(tmpl, "metadata");
    if (!cfg__i_absent(md) && cfg_expect_map(md, d, "metadata") == 0)
        cfg__i_labels(cfg_map_get(md, "labels"), d, "labels", &w->pod_labels);
    const cfg_node *ps = cfg_map_get(tmpl, "spec");
    if (cfg__i_absent(ps) || cfg_expect_map(ps, d, "spec") != 0)
        return;
    w->service_account = cfg__i_opt_string(ps, "serviceAccountName", d);
    const cfg_node *cs = cfg__i_seq(ps, "containers", d);
    if (!cs)
        return;
    w->containers.items = ms_xcalloc(cs->u.seq.len, sizeof(pol_str));
    for (size_t i = 0; i < cs->u.seq.len; i++) {
        const cfg_node *c = cs->u.seq.items[i];
        if (cfg_expect_map(c, d, "container") != 0)
            continue;
        const cfg_node *name = cfg_map_get(c, "name");
        const char *s = cfg__i_absent(name) ? NULL : cfg__i_string(name, d);
        if (s)
            w->containers.items[w->containers.len++] = (pol_str){s, name->pos};
    }
}

static void decode_namespace(struct cfg_k8s_istio *m, const cfg_doc *doc, ms_diag *d)
{
    cfg_k8s_namespace *n;
    APPEND(n, m, namespaces, nnamespaces, CAP_NS);
    k8s_meta(doc, d, &n->meta, &n->labels);
    n->meta.ns = NULL;
}

/* The Istio kinds meshsim decodes: networking.istio.io first, then the
 * security.istio.io ones from FIRST_SECURITY_KIND on. */
static const char *const istio_kinds[] = {
    "VirtualService", "DestinationRule", "Gateway", "ServiceEntry",
    "PeerAuthentication", "AuthorizationPolicy",
};
enum { FIRST_SECURITY_KIND = 4 };

/* Same object for `kubectl apply`: same name in the same namespace. */
static bool same_object(const pol_meta *a, const pol_meta *b)
{
    return a->name && b->name && !strcmp(a->name, b->name) && a->ns && b->ns &&
           !strcmp(a->ns, b->ns);
}

/* Decode the document into a zeroed `type` with its metadata (and its spec
 * when it has one): a new element appended to m->arr, or, as `kubectl apply`
 * does, the element an earlier document of the same kind, name and namespace
 * made, replaced in place (its place in the order is kept, as its creation
 * time would be). */
#define DECODE_INTO(type, arr, len, cap_idx, decode, fini)                    \
    do {                                                                      \
        type *r_ = NULL;                                                      \
        for (size_t i_ = 0; i_ < m->len && !r_; i_++)                         \
            if (same_object(&m->arr[i_].meta, &meta)) {                       \
                r_ = &m->arr[i_];                                             \
                fini(r_);                                                     \
                memset(r_, 0, sizeof(*r_));                                   \
            }                                                                 \
        if (!r_)                                                              \
            APPEND(r_, m, arr, len, cap_idx);                                 \
        r_->meta = meta;                                                      \
        if (spec)                                                             \
            decode(spec, d, r_);                                              \
    } while (0)

/* Decode Istio kind istio_kinds[k] into a new element of the matching array. */
static void decode_istio(struct cfg_k8s_istio *m, const cfg_doc *doc, int k, ms_diag *d)
{
    const cfg_node *spec = cfg__i_spec(doc, d, istio_kinds[k]);
    pol_meta meta = {0};
    cfg__i_meta(doc->root, d, &meta);
    switch (k) {
    case 0:
        DECODE_INTO(pol_virtual_service, virtual_services, nvirtual_services, CAP_VS,
                    cfg__i_decode_virtual_service, pol_virtual_service_fini);
        break;
    case 1:
        DECODE_INTO(pol_destination_rule, destination_rules, ndestination_rules, CAP_DR,
                    cfg__i_decode_destination_rule, pol_destination_rule_fini);
        break;
    case 2:
        DECODE_INTO(pol_gateway, gateways, ngateways, CAP_GW, cfg__i_decode_gateway,
                    pol_gateway_fini);
        break;
    case 3:
        DECODE_INTO(pol_service_entry, service_entries, nservice_entries, CAP_SE,
                    cfg__i_decode_service_entry, pol_service_entry_fini);
        break;
    case 4:
        DECODE_INTO(pol_peer_authentication, peer_authentications, npeer_authentications,
                    CAP_PA, cfg__i_decode_peer_authentication, pol_peer_authentication_fini);
        break;
    default:
        DECODE_INTO(pol_authorization_policy, authorization_policies, nauthorization_policies,
                    CAP_AP, cfg__i_decode_authorization_policy, pol_authorization_policy_fini);
        break;
    }
}

int cfg_k8s_istio_decode(struct cfg_k8s_istio *m, cfg_loader *l, const cfg_doc *doc,
                         const char *api_version, const char *kind, ms_diag *d)
{
    (void)l;
    if (!doc->root || !api_version || !kind)
        return 0;
    int k = pol_enum_lookup(istio_kinds, CFG_COUNT(istio_kinds), kind);
    if (k >= 0) {
        bool sec = k >= FIRST_SECURITY_KIND;
        const char *group = sec ? "security.istio.io" : "networking.istio.io";
        size_t gl = strlen(group);
        if (strncmp(api_version, group, gl) != 0 || api_version[gl] != '/')
            return 0; /* e.g. gateway.networking.k8s.io Gateway: not modelled */
        const char *v = api_version + gl + 1;
        if (strcmp(v, "v1") != 0 && strcmp(v, "v1beta1") != 0 &&
            (sec || strcmp(v, "v1alpha3") != 0)) {
            const cfg_node *av = cfg_map_get(doc->root, "apiVersion");
            ms_diag_error(d, av ? av->pos : doc->root->pos,
                          "apiVersion \"%s\" does not serve kind %s; expected %s/v1 or %s/v1beta1%s",
                          api_version, kind, group, group, sec ? "" : " or v1alpha3");
            return 1;
        }
        decode_istio(m, doc, k, d);
        return 1;
    }
    if (strcmp(api_version, "networking.istio.io/v1alpha3") == 0 && strcmp(kind, "EnvoyFilter") == 0) {
        cfg_k8s_istio_local_ratelimits *out = &(cfg_k8s_istio_local_ratelimits){
            &m->local_rate_limits, &m->nlocal_rate_limits, &m->_cap[CAP_RL]};
        return cfg__i_decode_envoy_filter(doc, d, out);
    }
    if (strcmp(api_version, "v1") == 0 && strcmp(kind, "Service") == 0) {
        decode_service(m, doc, d);
        return 1;
    }
    if (strcmp(api_version, "networking.k8s.io/v1") == 0 && strcmp(kind, "NetworkPolicy") == 0) {
        cfg_k8s_network_policy *np;
        APPEND(np, m, network_policies, nnetwork_policies, CAP_NP);
        cfg__k8s_decode_network_policy(doc, d, np);
        return 1;
    }
    if (strcmp(api_version, "v1") == 0 && strcmp(kind, "Namespace") == 0) {
        decode_namespace(m, doc, d);
        return 1;
    }
    if ((strcmp(kind, "Deployment") == 0 || strcmp(kind, "StatefulSet") == 0) &&
        (strcmp(api_version, "apps/v1") == 0 || strcmp(api_version, "apps/v1beta1") == 0 ||
         strcmp(api_version, "apps/v1beta2") == 0 ||
         strcmp(api_version, "extensions/v1beta1") == 0)) {
        decode_workload(m, doc, kind, d);
        return 1;
    }
    return 0;
}
