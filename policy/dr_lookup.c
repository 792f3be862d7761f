/*
 * dr_lookup.c - DestinationRule selection and subset policy merging (see
 * dr_lookup.h).  Cost: O(number of DestinationRules) per lookup; callers look
 * up once per cluster, not per request.
 */
#include <string.h>

#include "policy/dr_lookup.h"
#include "policy/host.h"

static int dr_matches(const pol_destination_rule *dr, const char *fqdn, int *exact)
{
    char buf[POL_HOST_MAX];
    if (!dr->host || pol_host_expand(dr->host, dr->meta.ns, buf, sizeof buf) != 0)
        return 0;
    if (!strcmp(buf, fqdn)) {
        *exact = 1;
        return 1;
    }
    *exact = 0;
    return pol_host_is_wildcard(buf) && pol_host_matches(buf, fqdn);
}

/* Is the DR visible in `client_ns` (exportTo: none or "*" everywhere, "."
 * its own namespace, else the namespaces listed)? */
static int dr_visible(const pol_destination_rule *dr, const char *client_ns)
{
    if (!dr->export_to.len)
        return 1;
    for (size_t i = 0; i < dr->export_to.len; i++) {
        const char *e = dr->export_to.items[i].s;
        if (!strcmp(e, "*") || (client_ns && !strcmp(e, client_ns)) ||
            (!strcmp(e, ".") && client_ns && dr->meta.ns && !strcmp(dr->meta.ns, client_ns)))
            return 1;
    }
    return 0;
}

const pol_destination_rule *pol_dr_find(const pol_destination_rule *drs, size_t ndr,
                                        const char *fqdn, const char *svc_ns, const char *client_ns)
{
    const char *order[3] = {client_ns, svc_ns, NULL};
    for (int pass = 0; pass < 3; pass++) {
        const pol_destination_rule *best = NULL;
        int best_exact = 0;
        for (size_t i = 0; i < ndr; i++) {
            const pol_destination_rule *dr = &drs[i];
            if ((order[pass] && (!dr->meta.ns || strcmp(dr->meta.ns, order[pass]))) ||
                !dr_visible(dr, client_ns))
                continue;
            int exact;
            if (dr_matches(dr, fqdn, &exact) && (!best || (exact && !best_exact))) {
                best = dr;
                best_exact = exact;
            }
        }
        if (best)
            return best;
    }
    return NULL;
}

const pol_subset *pol_dr_subset(const pol_destination_rule *dr, const char *name)
{
    if (!dr || !name)
        return NULL;
    for (size_t i = 0; i < dr->nsubsets; i++)
        if (dr->subsets[i].name && !strcmp(dr->subsets[i].name, name))
            return &dr->subsets[i];
    return NULL;
}

pol_policy_blocks pol_dr_effective_blocks(const pol_destination_rule *dr, const pol_subset *ss)
{
    pol_policy_blocks b = {0};
    if (dr && dr->has_traffic_policy)
        b = dr->traffic_policy.blocks;
    if (ss && ss->has_traffic_policy) {
        const pol_policy_blocks *o = &ss->traffic_policy.blocks;
        if (o->has_load_balancer)
            b.has_load_balancer = true, b.load_balancer = o->load_balancer;
        if (o->has_connection_pool)
            b.has_connection_pool = true, b.connection_pool = o->connection_pool;
        if (o->has_outlier_detection)
            b.has_outlier_detection = true, b.outlier_detection = o->outlier_detection;
        if (o->has_tls)
            b.has_tls = true, b.tls = o->tls;
    }
    return b;
}
