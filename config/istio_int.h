/*
 * istio_int.h - private helpers of the Kubernetes/Istio decoders (k8s_istio.c,
 * istio_*.c), not for other modules: node readers that fill pol_ structs and
 * the per-kind decode functions called by k8s_istio.c's dispatcher.
 *
 * Every helper reads one node, reports positioned errors into `d` and leaves
 * *out unchanged (or zeroed) on error.  Arrays are allocated with ms_x* and
 * owned by the resource; strings are borrowed from the loader's nodes.
 */
#ifndef CFG_ISTIO_INT_H
#define CFG_ISTIO_INT_H

#include "config/decode_int.h"
#include "config/k8s_istio.h"

/* Is the node missing or an explicit YAML null?  Kubernetes treats `field:` with
 * no value like an absent field, and so do the decoders. */
static inline int cfg__i_absent(const cfg_node *n)
{
    return !n || (n->kind == CFG_SCALAR && n->is_null && !n->quoted);
}

/* The mapping at map[key] with its keys checked (cfg__expect_fields, WHAT
 * being the key), or NULL when it is absent or null, or not a mapping
 * (reported). */
const cfg_node *cfg__i_map(const cfg_node *map, const char *key, ms_diag *d,
                           const char *const *known, size_t nknown);
/* The sequence at map[key], or NULL when it is absent or null, or not a
 * sequence (reported as "expected a sequence for KEY"). */
const cfg_node *cfg__i_seq(const cfg_node *map, const char *key, ms_diag *d);
/* The scalar's text, or NULL after reporting a non-scalar. */
const char *cfg__i_string(const cfg_node *n, ms_diag *d);
/* The string at map[key]: NULL when absent or null, or after reporting a
 * non-scalar. */
const char *cfg__i_opt_string(const cfg_node *map, const char *key, ms_diag *d);
void cfg__i_str_list(const cfg_node *n, ms_diag *d, const char *what, pol_str_list *out);
void cfg__i_labels(const cfg_node *n, ms_diag *d, const char *what, pol_labels *out);
/* A workload selector {matchLabels: {...}} at map[key]; true when present
 * and a mapping (its labels may still have had errors). */
bool cfg__i_selector(const cfg_node *map, const char *key, ms_diag *d, pol_labels *out);
void cfg__i_opt_int(const cfg_node *n, ms_diag *d, int64_t min, int64_t max, pol_opt_int *out);
/* An int32 that must also lie in min..max, with Istio's wording for the
 * second check: "RULE, found N" at the node (e.g. "weight must not be
 * negative, found -5").  `out` stays unset after any error. */
void cfg__i_opt_int_rule(const cfg_node *n, ms_diag *d, int64_t min, int64_t max,
                         const char *rule, pol_opt_int *out);
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
/* The name tables of policy/resources.h (pol_lb_simple_names, ...). */
typedef const char *const *cfg__i_names_fn(size_t *n);
/* cfg__i_enum of map[key] (KEY naming the field) against the table names()
 * returns; -1 when absent or null too. */
int cfg__i_opt_enum(const cfg_node *map, const char *key, ms_diag *d, cfg__i_names_fn *names);
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

/* k8s_netpol.c: a NetworkPolicy document into `np` (zeroed by the caller). */
void cfg__k8s_decode_network_policy(const cfg_doc *doc, ms_diag *d, cfg_k8s_network_policy *np);
void cfg__k8s_network_policy_fini(cfg_k8s_network_policy *np);

void cfg__i_decode_virtual_service(const cfg_node *spec, ms_diag *d, pol_virtual_service *vs);
void cfg__i_decode_destination_rule(const cfg_node *spec, ms_diag *d, pol_destination_rule *dr);
void cfg__i_decode_gateway(const cfg_node *spec, ms_diag *d, pol_gateway *gw);
void cfg__i_decode_service_entry(const cfg_node *spec, ms_diag *d, pol_service_entry *se);
void cfg__i_decode_peer_authentication(const cfg_node *spec, ms_diag *d,
                                       pol_peer_authentication *pa);
void cfg__i_decode_authorization_policy(const cfg_node *spec, ms_diag *d,
                                        pol_authorization_policy *ap);

/* Where istio_envoy_filter.c appends local rate limits (the array, its length
 * and capacity inside cfg_k8s_istio). */
typedef struct cfg_k8s_istio_local_ratelimits {
    pol_local_ratelimit **arr;
    size_t *len, *cap;
} cfg_k8s_istio_local_ratelimits;

/* An EnvoyFilter document: 1 when it inserts envoy.filters.http.local_ratelimit
 * (decoded, errors reported), 0 when it is some other EnvoyFilter (untouched). */
int cfg__i_decode_envoy_filter(const cfg_doc *doc, ms_diag *d, cfg_k8s_istio_local_ratelimits *out);

#endif
