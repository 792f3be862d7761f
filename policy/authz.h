/*
 * authz.h - AuthorizationPolicy evaluation at a workload's server-side proxy
 * (policy-semantics.md section 7.8, trap 11.27).
 *
 * Which policies apply to a workload: those of its namespace and of the root
 * namespace (mesh-wide) whose selector is absent or selects its labels.
 * Policies attached with targetRefs are for gateways and waypoints and never
 * apply to a sidecar.
 *
 * Order of one decision:
 *   1. CUSTOM policies: a match delegates to the ext_authz provider.  No
 *      provider is modelled (MeshConfig extensionProviders are not part of a
 *      scenario), and Istio fails closed for a provider it cannot find: its
 *      matching requests are denied by RBAC (403, no UAEX).
 *   2. any matching DENY policy: 403;
 *   3. no ALLOW policy at all: allow;
 *   4. a matching ALLOW policy: allow; 5. otherwise 403.
 *   AUDIT policies never change the decision.
 * Matching: rules ORed (none: the policy matches nothing; an empty rule
 * matches everything); in a rule any(from) AND any(to) AND all(when); in a
 * source or operation every present field ANDed, values inside one field
 * ORed, not* fields negated.  Strings: exact, "prefix*", "*suffix", "*"
 * (present and non-empty); hosts case-insensitive and port-insensitive;
 * paths (query stripped) also with {*} (one segment) and {**} (the rest)
 * templates; ipBlocks as IPv4 addresses or CIDRs.
 * What is observable in the request (pol_authz_request): the peer identity
 * (principal, namespace, service account) only over Istio mTLS; no JWT
 * (RequestAuthentication is not modelled), so requestPrincipals and
 * request.auth.* never match and their not* forms always do; source.ip is
 * both the peer and the remote address (no X-Forwarded-For trust).
 * Pure functions; no allocation.
 */
#ifndef POL_AUTHZ_H
#define POL_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/peer_authn.h"
#include "policy/resources.h"
#include "policy/route.h"

#define POL_ISTIO_TRUST_DOMAIN "cluster.local"
#define POL_AUTHZ_DENIED_STATUS 403 /* body "RBAC: access denied" */

typedef struct pol_authz_request {
    /* the peer: known only over Istio mTLS (NULL otherwise) */
    const char *principal;    /* "cluster.local/ns/NS/sa/SA" */
    const char *source_ns;
    const char *source_sa;
    const char *source_ip;    /* dotted IPv4, no port; NULL: unknown */
    const char *dest_ip;
    int64_t port;             /* the workload (inbound) port */
    /* the HTTP request */
    pol_slice method, host, path; /* host: the authority, maybe with :port */
    const pol_header *headers;    /* lowercase names */
    size_t nheaders;
} pol_authz_request;

/* Does `ap` apply to the workload w (see above)?  root_ns NULL: istio-system. */
bool pol_authz_applies(const pol_authorization_policy *ap, const char *root_ns,
                       const pol_workload_ref *w);

/* Does any rule of `ap` match the request? */
bool pol_authz_policy_matches(const pol_authorization_policy *ap, const pol_authz_request *r);

typedef struct pol_authz_decision {
    bool allowed;
    int status;                              /* 403 when denied, else 0 */
    const pol_authorization_policy *policy;  /* the CUSTOM/DENY policy that denied, or
                                                the ALLOW policy that allowed; NULL */
} pol_authz_decision;

/* Decide one request against the policies applying to the workload, given as
 * pointers (policies[0..n), any order; those not applying must be filtered
 * out by the caller with pol_authz_applies). */
void pol_authz_decide(const pol_authorization_policy *const *policies, size_t n,
                      const pol_authz_request *r, pol_authz_decision *out);

/* Istio's principal for a service account: writes "cluster.local/ns/NS/sa/SA"
 * into out[cap]; returns 0, or -1 when it does not fit. */
int pol_authz_principal(const char *ns, const char *sa, char *out, size_t cap);

/* The string matching of policy values ("abc", "abc*", "*abc", "*"). */
bool pol_authz_string_matches(const char *pattern, pol_slice value, bool nocase);
/* The path matching (adds {*} and {**} templates; value without the query). */
bool pol_authz_path_matches(const char *pattern, pol_slice path);
/* An IPv4/IPv6 address or CIDR pattern (policy/cidr.h) against an address
 * (IPv4 with an optional ":port"). */
bool pol_authz_ip_matches(const char *pattern, const char *ip);

#endif
