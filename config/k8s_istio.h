/*
 * k8s_istio.h - decoding of Kubernetes and Istio manifests into C structs.
 *
 * Kubernetes objects (Service, Deployment, StatefulSet, Namespace,
 * NetworkPolicy) are read
 * leniently: whatever kubectl accepts is accepted, only the fields meshsim needs
 * are read, unknown fields are never reported.  Istio objects (VirtualService,
 * DestinationRule, Gateway, ServiceEntry, PeerAuthentication,
 * AuthorizationPolicy) are validated strictly: unknown fields (with did-you-mean),
 * wrong types, bad enum values, negative weights, malformed durations.  An
 * EnvoyFilter is decoded (strictly) only when it inserts Envoy's HTTP local
 * rate limit filter; any other EnvoyFilter is left to the caller to skip.
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

/* A Kubernetes label selector: matchLabels and matchExpressions, all of which
 * must hold (an empty selector selects everything). */
typedef enum cfg_k8s_sel_op {
    CFG_SEL_IN, CFG_SEL_NOT_IN, CFG_SEL_EXISTS, CFG_SEL_DOES_NOT_EXIST,
} cfg_k8s_sel_op;

typedef struct cfg_k8s_sel_expr {
    const char *key;
    cfg_k8s_sel_op op;
    pol_str_list values; /* In/NotIn: non-empty; Exists/DoesNotExist: empty */
} cfg_k8s_sel_expr;

typedef struct cfg_k8s_selector {
    pol_labels match_labels;
    cfg_k8s_sel_expr *exprs; /* owned */
    size_t nexprs;
} cfg_k8s_selector;

/* A NetworkPolicy peer: pods (podSelector) of the policy's namespace, of the
 * namespaces namespaceSelector selects, or both; or an ipBlock. */
typedef struct cfg_k8s_netpol_peer {
    bool has_pods, has_namespaces, ip_block;
    cfg_k8s_selector pods, namespaces;
    const char *cidr; /* ipBlock.cidr */
    ms_pos pos;
} cfg_k8s_netpol_peer;

typedef struct cfg_k8s_netpol_port {
    const char *protocol;  /* "TCP" (default), "UDP" or "SCTP" */
    bool has_port;         /* absent: every port */
    int64_t port;          /* numeric port */
    const char *port_name; /* named port (a container port's name), or NULL */
    int64_t end_port;      /* 0: just `port` */
} cfg_k8s_netpol_port;

/* An ingress (from) or egress (to) rule.  No peers: any peer; no ports: any port. */
typedef struct cfg_k8s_netpol_rule {
    cfg_k8s_netpol_peer *peers; /* owned */
    size_t npeers;
    cfg_k8s_netpol_port *ports; /* owned */
    size_t nports;
} cfg_k8s_netpol_rule;

typedef struct cfg_k8s_network_policy {
    pol_meta meta;
    cfg_k8s_selector pod_selector;
    bool ingress, egress; /* policyTypes (default Ingress, plus Egress with egress rules) */
    cfg_k8s_netpol_rule *ingress_rules, *egress_rules; /* owned */
    size_t ningress_rules, negress_rules;
} cfg_k8s_network_policy;

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
    cfg_k8s_network_policy *network_policies;
    size_t nnetwork_policies;

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
    pol_local_ratelimit *local_rate_limits; /* from EnvoyFilters (istio_envoy_filter.c) */
    size_t nlocal_rate_limits;

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
/* The same, with extra FQDNs counted as provided hosts (meshproxy's Endpoints
 * services; borrowed for the call). */
void cfg_k8s_istio_check_with(const struct cfg_k8s_istio *m, const char *const *extra_hosts,
                              size_t nextra, ms_diag *d);

#endif
