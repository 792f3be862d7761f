/*
 * peer_authn.c - PeerAuthentication composition (see peer_authn.h).
 */
#include "policy/peer_authn.h"

#include <string.h>

static bool has_selector(const pol_peer_authentication *pa)
{
    return pa->has_selector && pa->selector.len > 0;
}

pol_mtls_mode pol_peer_authn_mode(const pol_peer_authentication *policies, size_t n,
                                  const char *root_ns, const pol_workload_ref *w, int64_t port)
{
    if (!root_ns)
        root_ns = POL_ISTIO_ROOT_NAMESPACE;
    const pol_peer_authentication *mesh = NULL, *ns = NULL, *wl = NULL;
    static const pol_labels none = {0};
    const pol_labels *labels = w->labels ? w->labels : &none;
    for (size_t i = 0; i < n; i++) {
        const pol_peer_authentication *pa = &policies[i];
        bool in_root = !strcmp(pa->meta.ns, root_ns);
        bool in_ws = !strcmp(pa->meta.ns, w->ns);
        if (!has_selector(pa)) {
            if (in_root && !mesh)
                mesh = pa;
            else if (!in_root && in_ws && !ns)
                ns = pa;
        } else if (!in_root && in_ws && !wl && pol_labels_subset(&pa->selector, labels)) {
            wl = pa;
        }
    }
    pol_mtls_mode mode = POL_MTLS_PERMISSIVE;
    if (mesh && mesh->mtls_mode != POL_MTLS_UNSET)
        mode = mesh->mtls_mode;
    if (ns && ns->mtls_mode != POL_MTLS_UNSET)
        mode = ns->mtls_mode;
    if (wl) {
        if (wl->mtls_mode != POL_MTLS_UNSET)
            mode = wl->mtls_mode;
        for (size_t i = 0; i < wl->nport_level_mtls; i++)
            if (wl->port_level_mtls[i].port == port && wl->port_level_mtls[i].mode != POL_MTLS_UNSET)
                return wl->port_level_mtls[i].mode;
    }
    return mode;
}

bool pol_peer_authn_accepts(pol_mtls_mode mode, bool mtls)
{
    switch (mode) {
    case POL_MTLS_STRICT: return mtls;
    case POL_MTLS_DISABLE: return !mtls;
    default: return true;
    }
}
