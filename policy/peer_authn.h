/*
 * peer_authn.h - PeerAuthentication: the mTLS mode a workload's server-side
 * proxy enforces on one inbound port, and what that mode does with a
 * connection (policy-semantics.md section 7.7, trap 11.28).
 *
 * Composition, as Istio's ComposePeerAuthentication does it:
 *   - a policy with a selector (matchLabels not empty) in the workload's
 *     namespace that selects the workload is a WORKLOAD policy; one with a
 *     selector in the root namespace is ignored;
 *   - a policy without a selector is a NAMESPACE policy in the workload's
 *     namespace, the MESH policy in the root namespace;
 *   - within each level the oldest policy wins (the caller passes the
 *     policies in creation order: the first one found is the oldest);
 *   - mode = PERMISSIVE, then overridden by mesh, namespace and workload in
 *     that order, each only when its mode is not UNSET;
 *   - the workload policy's portLevelMtls (keyed by the WORKLOAD port, the
 *     Service's targetPort) overrides per port; UNSET there means the
 *     workload's composed mode.
 * Pure functions; nothing is allocated or kept.
 */
#ifndef POL_PEER_AUTHN_H
#define POL_PEER_AUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/resources.h"

/* MeshConfig rootNamespace's default. */
#define POL_ISTIO_ROOT_NAMESPACE "istio-system"

/* The workload an inbound decision is for. */
typedef struct pol_workload_ref {
    const char *ns;
    const pol_labels *labels; /* pod labels; NULL: none */
} pol_workload_ref;

/* The mode enforced on `port` of workload `w` (DISABLE, PERMISSIVE or
 * STRICT; never UNSET).  policies[0..n) in creation order; root_ns NULL means
 * POL_ISTIO_ROOT_NAMESPACE. */
pol_mtls_mode pol_peer_authn_mode(const pol_peer_authentication *policies, size_t n,
                                  const char *root_ns, const pol_workload_ref *w, int64_t port);

/* Does a server in `mode` accept a connection that is (mtls) or is not Istio
 * mutual TLS?  STRICT refuses plaintext, DISABLE refuses mTLS (the sidecar
 * reads the TLS bytes as plaintext), PERMISSIVE accepts both.  A refused
 * connection is closed by the server's proxy: the client sees a connection
 * termination before any response (503 UC). */
bool pol_peer_authn_accepts(pol_mtls_mode mode, bool mtls);

#endif
