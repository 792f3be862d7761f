/*
 * k8s_istio.h - decoding of Kubernetes and Istio manifests into C structs.
 *
 * Kubernetes objects (Service, Deployment, StatefulSet, Namespace) are read
 * leniently: whatever kubectl accepts is accepted, only the fields meshsim needs
 * are read, unknown fields are never reported.  Istio objects (VirtualService,
 * DestinationRule, Gateway, ServiceEntry, PeerAuthentication,
 * AuthorizationPolicy) are validated strictly: unknown fields (with did-you-mean),
 * wrong types, bad enum values, negative weights, malformed durations.
 *
 * Ownership: the struct owns its arrays and the policy resources in them;
 * strings are borrowed from the cfg_loader passed to cfg_k8s_istio_decode(),
 * which must outlive the struct.
 */
#ifndef CFG_K8S_ISTIO_H
#define CFG_K8S_ISTIO_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "config/yaml.h"
#include "policy/resources.h"

typedef struct cfg_k8s_service_port {
    const char *name;     /* NULL when not given */
    int64_t port;
    int64_t target_port;  /* numeric targetPort; defaults to port */
    const char *target_port_name; /* named targetPort, or NULL */
    const char *protocol; /* "TCP" by default */
    const char *app_protocol;
    ms_pos pos;
} cfg_k8s_service_port;

typedef struct cfg_k8s_service {
    pol_meta meta;
    pol_labels labels;
    pol_labels selector;
    cfg_k8s_service_port *ports; /* owned */
    size_t nports;
    const char *type;          /* ClusterIP (default), NodePort, LoadBalancer, ExternalName */
    const char *external_name; /* ExternalName services */
} cfg_k8s_service;

typedef struct cfg_k8s_workload {
    pol_meta meta;
    const char *kind;        /* "Deployment" or "StatefulSet" */
    int64_t replicas;        /* default 1 */
    pol_labels labels;       /* metadata.labels */
    pol_labels pod_labels;   /* spec.template.metadata.labels */
    const char *service_account;
    pol_str_list containers; /* container names */
} cfg_k8s_workload;

typedef struct cfg_k8s_namespace {
    pol_meta meta; /* meta.name is the namespace; meta.ns unused */
    pol_labels labels;
} cfg_k8s_namespace;

struct cfg_k8s_istio {
    cfg_k8s_service *services;
    size_t nservices;
    cfg_k8s_workload *workloads;
    size_t nworkloads;
    cfg_k8s_namespace *namespaces;
    size_t nnamespaces;

    pol_virtual_service *virtual_services;
    size_t nvirtual_services;
    pol_destination_rule *destination_rules;
    size_t ndestination_rules;
    pol_gateway *gateways;
    size_t ngateways;
    pol_service_entry *service_entries;
    size_t nservice_entries;
    pol_peer_authentication *peer_authentications;
    size_t npeer_authentications;
    pol_authorization_policy *authorization_policies;
    size_t nauthorization_policies;

    size_t _cap[12]; /* private: capacities of the arrays above */
};

/* A new, empty set; the caller frees it with cfg_k8s_istio_destroy(). */
struct cfg_k8s_istio *cfg_k8s_istio_create(void);
void cfg_k8s_istio_destroy(struct cfg_k8s_istio *m); /* NULL is fine */

/* Decode one document of the given apiVersion/kind (both borrowed).
 * Returns 1 when the kind is one this module decodes (whatever errors were
 * reported into `d`; a resource with errors may still be appended, partially
 * filled), 0 when it is not a Kubernetes/Istio kind it knows (nothing
 * reported; the caller skips it with a warning).  An Istio kind under an
 * apiVersion that does not serve it is reported as an error and returns 1. */
int cfg_k8s_istio_decode(struct cfg_k8s_istio *m, cfg_loader *l, const cfg_doc *doc,
                         const char *api_version, const char *kind, ms_diag *d);

/* Cross-reference checks after every document is decoded: destination subsets
 * that no DestinationRule defines, destination hosts that no Service or
 * ServiceEntry provides, gateway names that no Gateway defines.  Errors point at
 * the referring node. */
void cfg_k8s_istio_check(const struct cfg_k8s_istio *m, ms_diag *d);

/* --- module-internal (shared by config/k8s_*.c, istio_*.c, xref.c) --------
 * Not for other modules.  Every helper reads one node, reports positioned
 * errors into `d` and leaves *out unchanged (or zeroed) on error. */

/* Require a mapping and report its unknown keys (did-you-mean).  Returns 0, or
 * -1 when `n` is not a mapping (reported as "expected a mapping for WHAT"). */
int cfg__i_fields(const cfg_node *n, ms_diag *d, const char *what, const char *const *known,
                size_t nknown);
/* The scalar's text, or NULL after reporting a non-scalar. */
const char *cfg__i_string(const cfg_node *n, ms_diag *d);
void cfg__i_str_list(const cfg_node *n, ms_diag *d, const char *what, pol_str_list *out);
void cfg__i_labels(const cfg_node *n, ms_diag *d, const char *what, pol_labels *out);
void cfg__i_opt_int(const cfg_node *n, ms_diag *d, int64_t min, int64_t max, pol_opt_int *out);
void cfg__i_opt_bool(const cfg_node *n, ms_diag *d, pol_opt_bool *out);
void cfg__i_opt_double(const cfg_node *n, ms_diag *d, double min, double max, pol_opt_double *out);
void cfg__i_opt_duration(const cfg_node *n, ms_diag *d, pol_opt_duration *out);
/* An Istio Percent ({value: x}) in 0..100. */
void cfg__i_percent(const cfg_node *n, ms_diag *d, pol_opt_double *out);
/* Index of the scalar in names[], or -1 after reporting
 *     invalid value "X" for field "FIELD"; did you mean "Y"?
 * (or "...; expected one of A, B, C" when nothing is close). */
int cfg__i_enum(const cfg_node *n, ms_diag *d, const char *field, const char *const *names,
              size_t nnames);
void cfg__i_string_match(const cfg_node *n, ms_diag *d, pol_string_match *out);
void cfg__i_named_matches(const cfg_node *n, ms_diag *d, const char *what,
                        pol_named_match_list *out);
/* metadata{name, namespace}; namespace defaults to "default". */
void cfg__i_meta(const cfg_node *root, ms_diag *d, pol_meta *out);
void cfg__i_destination(const cfg_node *n, ms_diag *d, pol_destination *out);
void cfg__i_route_destinations(const cfg_node *n, ms_diag *d, pol_route_destination **out,
                             size_t *nout);
void cfg__i_headers(const cfg_node *n, ms_diag *d, pol_headers *out);
/* The `spec` map of a document, or NULL after reporting its absence. */
const cfg_node *cfg__i_spec(const cfg_doc *doc, ms_diag *d, const char *kind);

void cfg__i_decode_virtual_service(const cfg_node *spec, ms_diag *d, pol_virtual_service *vs);
void cfg__i_decode_destination_rule(const cfg_node *spec, ms_diag *d, pol_destination_rule *dr);
void cfg__i_decode_gateway(const cfg_node *spec, ms_diag *d, pol_gateway *gw);
void cfg__i_decode_service_entry(const cfg_node *spec, ms_diag *d, pol_service_entry *se);
void cfg__i_decode_peer_authentication(const cfg_node *spec, ms_diag *d,
                                     pol_peer_authentication *pa);
void cfg__i_decode_authorization_policy(const cfg_node *spec, ms_diag *d,
                                      pol_authorization_policy *ap);

/* Is the node missing or an explicit YAML null?  Kubernetes treats `field:` with
 * no value like an absent field, and so do the decoders. */
static inline int cfg__i_absent(const cfg_node *n)
{
    return !n || (n->kind == CFG_SCALAR && n->is_null && !n->quoted);
}

/* Loop over the pairs of a mapping node (no-op for other kinds). */
#define CFG_MAP_EACH(pair, node)                                                   \
    for (const cfg_pair *pair = (node) && (node)->kind == CFG_MAP ? (node)->u.map.items : NULL; \
         pair && pair < (node)->u.map.items + (node)->u.map.len; pair++)
#define CFG_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

#endif
