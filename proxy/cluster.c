/*
 * cluster.c - cluster operations shared by the workers: host picks on the
 * worker's own balancer, outlier reports and sweeps on the shared detector.
 *
 * Ejections are decided under the cluster mutex and published as a flag array
 * plus a generation counter; a worker applies a new generation to its own host
 * set (rebuild + pol_lb_on_hosts_changed) before its next pick, so the
 * balancers never read shared state during a pick.
 */
#include "proxy/conf.h"

/* Under c->mu: copy the detector's ejections into the flag array. */
static void publish(px_cluster *c)
{
    bool changed = false;
    uint64_t healthy = 0;
    for (uint32_t h = 0; h < c->nhosts; h++) {
        bool ej = pol_outlier_is_ejected(c->od, h);
        changed |= ej != c->ejected[h];
        c->ejected[h] = ej;
        healthy += !ej;
    }
    c->stats.membership_healthy = healthy;
    if (changed)
        atomic_fetch_add(&c->eject_gen, 1);
}

int32_t px_cluster_pick(px_cluster *c, int w, const pol_lb_context *ctx, ms_rng *rng, int64_t now)
{
    px_cluster_w *cw = &c->w[w];
    uint64_t gen = atomic_load_explicit(&c->eject_gen, memory_order_acquire);
    if (gen != cw->seen_gen) {
        pthread_mutex_lock(&c->mu);
        for (uint32_t h = 0; h < c->nhosts; h++)
            if (pol_host_set_host(cw->hs, h)->ejected != c->ejected[h])
                pol_host_set_set_ejected(cw->hs, h, c->ejected[h]);
        cw->seen_gen = atomic_load(&c->eject_gen);
        pthread_mutex_unlock(&c->mu);
        pol_host_set_rebuild(cw->hs);
        pol_lb_on_hosts_changed(cw->lb, now);
    }
    if (c->nhosts == 0)
        return -1;
    return pol_lb_pick(cw->lb, ctx, rng, now);
}

void px_cluster_report(px_cluster *c, uint32_t host, int status_or_event, int64_t now)
{
    if (!c->od)
        return;
    pthread_mutex_lock(&c->mu);
    ms_rng rng = ms_splitmix_rng(&c->od_rng);
    if (pol_outlier_report(c->od, host, status_or_event, now, &rng))
        publish(c);
    pthread_mutex_unlock(&c->mu);
}

void px_cluster_tick(px_cluster *c, int64_t now)
{
    if (!c->od)
        return;
    pthread_mutex_lock(&c->mu);
    ms_rng rng = ms_splitmix_rng(&c->od_rng);
    pol_outlier_tick(c->od, now, &rng);
    publish(c);
    pthread_mutex_unlock(&c->mu);
}
