/*
 * cluster.c - per-client-proxy cluster state: the endpoints of a service (or
 * of one of its subsets) with the DestinationRule's traffic policy applied:
 * load balancer, circuit breakers (connectionPool) and outlier detection.
 *
 * Policy blocks follow Istio: the DestinationRule for the service host that
 * is exported to the client's namespace (the client's namespace first, then
 * the service's, then any; exact host before wildcard), with a subset's trafficPolicy replacing DR-level blocks whole
 * (policy-semantics.md 7.4).  Outlier detection runs its interval sweep on a
 * timer per cluster while the cluster exists; ejections change the host set the
 * balancer picks from (3.6).
 *
 * Endpoints: a cluster holds every pod of its service (or subset), each as the
 * client proxy's view says (control_plane.c): a pod that is not ready there is
 * an unhealthy host.  Not-ready endpoints are sent to the proxies with a panic
 * threshold of 0, as Istio does by default since 1.31 (policy-semantics.md
 * 4.6), so such a host never gets traffic, even when nothing else is left (503
 * UH).  The view also says which incarnation of the pod the proxy knows: a
 * replaced pod's old address is what a stale proxy still connects to.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"
#include "policy/dr_lookup.h"
#include "policy/host.h"
#include "policy/istio_map.h"
#include "policy/outlier.h"

static void sync_ejections(mdl_cluster *c, sim_time now)
{
    bool changed = false;
    for (uint32_t h = 0; h < c->nhosts; h++) {
        bool ej = pol_outlier_is_ejected(c->od, h);
        if (pol_host_set_host(c->hosts, h)->ejected != ej) {
            pol_host_set_set_ejected(c->hosts, h, ej);
            mdl__ejection_changed(c, h, ej, now);
            changed = true;
        }
    }
    if (changed) {
        pol_host_set_rebuild(c->hosts);
        pol_lb_on_hosts_changed(c->lb, now);
    }
}

static void on_od_tick(sim_world *w, void *t, uint64_t arg)
{
    mdl_cluster *c = t;
    ms_rng rng = sim_rng_view(&c->rng);
    pol_outlier_tick(c->od, sim_now(w), &rng);
    sync_ejections(c, sim_now(w));
    sim_schedule_in(w, c->od_interval, on_od_tick, c, 0);
}

void mdl__cluster_report(mdl_mesh *m, mdl_cluster *c, uint32_t host, int status)
{
    if (!c->od)
        return;
    ms_rng rng = sim_rng_view(&c->rng);
    sim_time now = sim_now(m->world);
    if (pol_outlier_report(c->od, host, status, now, &rng))
        sync_ejections(c, now);
}

mdl_cluster *mdl__cluster_get(mdl_mesh *m, mdl_pod *client, mdl_service *svc, const char *subset)
{
    for (size_t i = 0; i < client->nclusters; i++) {
        mdl_cluster *c = client->clusters[i];
        if (c->svc == svc && ((!c->subset && !subset) || (c->subset && subset && !strcmp(c->subset, subset))))
            return c;
    }
    const char *client_ns = client->wl ? client->wl->ns : "istio-system";
    const pol_destination_rule *dr = pol_dr_find(m->k8s->destination_rules,
                                                 m->k8s->ndestination_rules, svc->fqdn, svc->ns,
                                                 client_ns);
    const pol_subset *ss = pol_dr_subset(dr, subset);
    pol_policy_blocks blocks = pol_dr_effective_blocks(dr, ss);

    mdl_cluster *c = ms_xcalloc(1, sizeof *c);
    c->m = m;
    c->client = client;
    c->svc = svc;
    c->subset = subset;
    c->hosts = pol_host_set_create();
    c->pods = ms_xcalloc(svc->npods ? svc->npods : 1, sizeof *c->pods);
    c->gens = ms_xcalloc(svc->npods ? svc->npods : 1, sizeof *c->gens);
    for (size_t i = 0; i < svc->npods; i++) {
        mdl_pod *p = &m->pods[svc->pods[i]];
        if (ss && p->wl && p->wl->k8s && !pol_labels_subset(&ss->labels, &p->wl->k8s->pod_labels))
            continue;
        const mdl_node *node = &m->nodes[p->node];
        pol_host_spec hs = {
            .address = p->address,
            .weight = 1,
            .locality = {m->zones[node->zone].region, m->zones[node->zone].name, NULL},
        };
        uint32_t gen;
        if (!mdl__cp_view(m, client, p, &gen))
            hs.health = POL_HOST_UNHEALTHY;
        pol_host_set_add(c->hosts, &hs);
        c->gens[c->nhosts] = gen;
        c->pods[c->nhosts++] = p->id;
    }
    pol_host_set_rebuild(c->hosts);

    char stream[256];
    snprintf(stream, sizeof stream, "cluster/%s/%s/%s", client->name, svc->fqdn, subset ? subset : "");
    sim_world_rng_init(m->world, &c->rng, stream);

    pol_lb_config lbc;
    pol_lb_config_init_istio(&lbc);
    const char *why = NULL;
    if (pol_lb_config_from_istio(blocks.has_load_balancer ? &blocks.load_balancer : NULL,
                                 blocks.has_outlier_detection ? &blocks.outlier_detection : NULL,
                                 true, &lbc, &why) != 0)
        pol_lb_config_init_istio(&lbc); /* refused by the decoder's checks already */
    c->mtls = mdl__client_mtls(m, &blocks, svc);
    pol_circuit_thresholds th;
    pol_istio_map_connection_pool(blocks.has_connection_pool ? &blocks.connection_pool : NULL, &th,
                                  &c->pool);
    c->connect_timeout = c->pool.connect_timeout_ns;
    if (blocks.has_outlier_detection && c->nhosts > 0) {
        pol_outlier_config oc;
        uint32_t panic;
        pol_istio_map_outlier(&blocks.outlier_detection, true, &oc, &panic);
        c->od = pol_outlier_create(&oc, c->nhosts);
        c->od_interval = oc.interval_ns;
        sim_schedule_in(m->world, c->od_interval, on_od_tick, c, 0);
    }
    ms_rng rng = sim_rng_view(&c->rng);
    c->lb = pol_lb_create(&lbc, c->hosts, &rng);
    pol_circuit_init(&c->cb, &th, &c->stats);
    mdl__conn_init(m, c, client, &blocks);

    MS_VEC_GROW(client->clusters, client->nclusters, client->cluster_cap);
    client->clusters[client->nclusters++] = c;
    return c;
}

void mdl__cluster_free(mdl_cluster *c)
{
    if (!c)
        return;
    mdl__conn_free(c);
    pol_lb_destroy(c->lb);
    pol_host_set_destroy(c->hosts);
    pol_outlier_destroy(c->od);
    sim_rng_fini(&c->rng);
    free(c->pods);
    free(c->gens);
    free(c);
}

uint64_t mdl__cluster_ejections(const mdl_cluster *c)
{
    return c->od ? pol_outlier_stats_get(c->od)->ejections_enforced_total : 0;
}

void mdl__cluster_sync_host(mdl_mesh *m, mdl_pod *client, mdl_cluster *c, uint32_t h)
{
    uint32_t gen;
    bool ready = mdl__cp_view(m, client, &m->pods[c->pods[h]], &gen);
    pol_host_health health = ready ? POL_HOST_HEALTHY : POL_HOST_UNHEALTHY;
    const pol_host *host = pol_host_set_host(c->hosts, h);
    if (host->health == health && c->gens[h] == gen)
        return;
    sim_time now = sim_now(m->world);
    if (ready && (host->health != POL_HOST_HEALTHY || c->gens[h] != gen))
        pol_host_set_set_created_at(c->hosts, h, now); /* slow start from here */
    pol_host_set_set_health(c->hosts, h, health);
    c->gens[h] = gen;
    pol_host_set_rebuild(c->hosts);
    pol_lb_on_hosts_changed(c->lb, now);
}

/* Add every uint64_t field of `src` described by table[0..n) into `dst`. */
static void add_stats(void *dst, const void *src, const pol_stat_desc *table, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *(uint64_t *)(void *)((char *)dst + table[i].offset) += pol_stat_value(src, &table[i]);
}

void mdl__clusters_snapshot(mdl_mesh *m)
{
    size_t ncs, nos;
    const pol_stat_desc *cs = pol_cluster_stats_table(&ncs);
    const pol_stat_desc *os = pol_outlier_stats_table(&nos);
    for (size_t p = 0; p < m->npods; p++) {
        const mdl_pod *pod = &m->pods[p];
        const char *client = pod->wl ? pod->wl->name : "istio-ingressgateway";
        for (size_t i = 0; i < pod->nclusters; i++) {
            mdl_cluster *c = pod->clusters[i];
            char name[POL_HOST_MAX + 64];
            snprintf(name, sizeof name, "outbound|%d|%s|%s", c->svc->port, c->subset ? c->subset : "",
                     c->svc->fqdn);
            pol_cluster_stats s = c->stats;
            s.upstream_rq_active = pol_circuit_count(&c->cb, POL_CB_REQUESTS);
            s.membership_total = c->nhosts;
            s.membership_healthy = 0;
            for (uint32_t h = 0; h < c->nhosts; h++)
                s.membership_healthy += !pol_host_set_host(c->hosts, h)->ejected;
            mdl_cluster_counters *out = mdl_results_cluster(&m->results, client, name);
            add_stats(&out->stats, &s, cs, ncs);
            if (c->od)
                add_stats(&out->outlier, pol_outlier_stats_get(c->od), os, nos);
        }
    }
}
