/*
 * upstream_stats.c - Envoy's cluster counters (policy/cluster_stats.h) of
 * every client proxy's cluster for one service, summed: what
 * `cluster.outbound|PORT||SERVICE.*` would show added over all proxies; and
 * the requests each proxy took on its workers.
 */
#include <string.h>

#include "models/mesh_int.h"

int mdl_mesh_upstream_stats(const mdl_mesh *m, const char *service, pol_cluster_stats *out)
{
    memset(out, 0, sizeof *out);
    size_t n;
    const pol_stat_desc *table = pol_cluster_stats_table(&n);
    int found = -1;
    for (size_t p = 0; p < m->npods; p++)
        for (size_t c = 0; c < m->pods[p].nclusters; c++) {
            const mdl_cluster *cl = m->pods[p].clusters[c];
            if (strcmp(cl->svc->name, service))
                continue;
            found = 0;
            for (size_t i = 0; i < n; i++)
                *(uint64_t *)(void *)((char *)out + table[i].offset) += pol_stat_value(&cl->stats, &table[i]);
        }
    return found;
}

int64_t mdl_mesh_proxy_requests(const mdl_mesh *m, const char *pod)
{
    for (size_t p = 0; p < m->npods; p++)
        if (!strcmp(m->pods[p].name, pod))
            return (int64_t)mdl_station_arrivals(&m->pods[p].proxy);
    return -1;
}
