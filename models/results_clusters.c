/*
 * results_clusters.c - the results' table of per-(client workload, Envoy
 * cluster) counters (mdl_cluster_counters in results.h).  A run has a few
 * dozen entries at most, created once at the end of the run: a linear search
 * is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/results.h"

mdl_cluster_counters *mdl_results_cluster(mdl_results *r, const char *client, const char *cluster)
{
    client = client ? client : "";
    cluster = cluster ? cluster : "";
    for (size_t i = 0; i < r->nclusters; i++)
        if (!strcmp(r->clusters[i].client, client) && !strcmp(r->clusters[i].cluster, cluster))
            return &r->clusters[i];
    MS_VEC_GROW(r->clusters, r->nclusters, r->_clusters_cap);
    mdl_cluster_counters *c = &r->clusters[r->nclusters++];
    memset(c, 0, sizeof *c);
    c->client = ms_xstrdup(client);
    c->cluster = ms_xstrdup(cluster);
    return c;
}

static int counters_cmp(const void *a, const void *b)
{
    const mdl_cluster_counters *x = a, *y = b;
    int c = strcmp(x->client, y->client);
    return c ? c : strcmp(x->cluster, y->cluster);
}

void mdl__results_clusters_sort(mdl_results *r)
{
    if (r->nclusters > 1)
        qsort(r->clusters, r->nclusters, sizeof r->clusters[0], counters_cmp);
}

void mdl__results_clusters_fini(mdl_results *r)
{
    for (size_t i = 0; i < r->nclusters; i++) {
        free((char *)r->clusters[i].client);
        free((char *)r->clusters[i].cluster);
    }
    free(r->clusters);
    r->clusters = NULL;
    r->nclusters = r->_clusters_cap = 0;
}
