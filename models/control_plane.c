/*
 * control_plane.c - istiod: endpoint changes reach each proxy after a push
 * delay, so that until then a proxy routes with its old view.
 *
 * The Endpoints of the mesh are a log of changes (pod, ready, incarnation),
 * numbered from 1; before the first change every pod is ready in its first
 * incarnation.  A proxy's view is the log up to the last change it has
 * received (view_seq): a push carries the whole state at the time istiod sent
 * it, as xDS does.  When a change happens and istiod is up, it pushes to every
 * running proxy; each push arrives after a delay drawn from the Cluster's
 * controlPlane.pushDelay (stream "control-plane"), and the pushes to one proxy
 * arrive in the order they were sent (one xDS stream per proxy).  While istiod
 * is down (control-plane-down) changes only queue; when it comes back every
 * proxy reconnects and gets the latest state, again after a push delay.
 *
 * A proxy applies a push to the clusters it has built: hosts that are not
 * ready become unhealthy, which with Istio's treatment of not-ready endpoints
 * (panic threshold 0, cluster.c) means they get no traffic; a host that
 * becomes ready again starts its slow-start window, if any, from the push.
 *
 * Timeline: one "push" entry per change, spanning from the change to the last
 * proxy that received it (not one entry per proxy).
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "models/mesh_int.h"

typedef struct cp_change {
    uint32_t pod, gen;
    bool ready;
    int64_t prev; /* index of the previous change of the same pod, -1: none */
} cp_change;

struct mdl_cp {
    sim_dist push_delay;
    sim_rng rng;
    bool down;
    cp_change *log; /* owned; change seq is index + 1 */
    size_t n, cap;
    uint64_t pushed; /* the latest change istiod has pushed */
    int64_t *last;   /* owned: per pod, index of its latest change, -1: none */
    size_t queued_at_down; /* log length when istiod went down */
};

void mdl__cp_create(mdl_mesh *m)
{
    struct mdl_cp *cp = ms_xcalloc(1, sizeof *cp);
    if (sim_dist_init(&cp->push_delay, &m->cfg->cluster.mesh.push_delay.spec) != 0)
        sim_dist_init(&cp->push_delay, &(ms_dist_spec){0}); /* checked by the build */
    sim_world_rng_init(m->world, &cp->rng, "control-plane");
    cp->last = ms_xmalloc((m->npods ? m->npods : 1) * sizeof *cp->last);
    for (size_t i = 0; i < m->npods; i++)
        cp->last[i] = -1;
    m->cp = cp;
}

void mdl__cp_destroy(mdl_mesh *m)
{
    struct mdl_cp *cp = m->cp;
    if (!cp)
        return;
    sim_rng_fini(&cp->rng);
    free(cp->log);
    free(cp->last);
    free(cp);
    m->cp = NULL;
}

bool mdl__cp_view(const mdl_mesh *m, const mdl_pod *client, const mdl_pod *ep, uint32_t *gen)
{
    const struct mdl_cp *cp = m->cp;
    for (int64_t i = cp->last[ep->id]; i >= 0; i = cp->log[i].prev)
        if ((uint64_t)i < client->view_seq) {
            *gen = cp->log[i].gen;
            return cp->log[i].ready;
        }
    *gen = 0;
    return true;
}

/* Bring proxy p's clusters to its view for pod `ep` (UINT32_MAX: every pod). */
static void sync_proxy(mdl_mesh *m, mdl_pod *p, uint32_t ep)
{
    for (size_t c = 0; c < p->nclusters; c++) {
        mdl_cluster *cl = p->clusters[c];
        for (uint32_t h = 0; h < cl->nhosts; h++)
            if (ep == UINT32_MAX || cl->pods[h] == ep)
                mdl__cluster_sync_host(m, p, cl, h);
    }
}

static void on_push(sim_world *w, void *t, uint64_t arg)
{
    mdl_mesh *m = t;
    mdl_pod *p = &m->pods[arg >> 32];
    uint64_t seq = arg & 0xffffffffu;
    if (seq <= p->view_seq)
        return;
    uint64_t from = p->view_seq;
    p->view_seq = seq;
    if (seq - from > 8) {
        sync_proxy(m, p, UINT32_MAX);
        return;
    }
    for (uint64_t k = from; k < seq; k++)
        sync_proxy(m, p, m->cp->log[k].pod);
}

/* Send the state up to change `seq` to every running proxy.  Returns the
 * arrival of the last push (now when there is nobody to push to). */
static sim_time push_all(mdl_mesh *m, uint64_t seq, size_t *nproxies)
{
    struct mdl_cp *cp = m->cp;
    sim_time now = sim_now(m->world), last = now;
    *nproxies = 0;
    for (size_t i = 0; i < m->npods; i++) {
        mdl_pod *p = &m->pods[i];
        if (p->state == MDL_POD_DOWN)
            continue;
        sim_time at = now + mdl_sample_ns(&cp->push_delay, &cp->rng);
        if (at < p->push_at)
            at = p->push_at;
        p->push_at = at;
        if (at > last)
            last = at;
        (*nproxies)++;
        sim_schedule_at(m->world, at, on_push, m, ((uint64_t)p->id << 32) | seq);
    }
    cp->pushed = seq;
    return last;
}

void mdl__cp_set_ready(mdl_mesh *m, mdl_pod *p, bool ready)
{
    struct mdl_cp *cp = m->cp;
    if (!p->wl || p->ep_ready == ready)
        return; /* gateways are no Service's endpoints */
    p->ep_ready = ready;
    MS_VEC_GROW(cp->log, cp->n, cp->cap);
    cp->log[cp->n] = (cp_change){p->id, p->gen, ready, cp->last[p->id]};
    cp->last[p->id] = (int64_t)cp->n;
    cp->n++;
    if (cp->n > 0xffffffffu)
        abort(); /* 2^32 endpoint changes: far beyond any scenario */
    if (cp->down)
        return;
    size_t np;
    sim_time now = sim_now(m->world);
    sim_time end = push_all(m, cp->n, &np);
    char detail[160];
    snprintf(detail, sizeof detail, "endpoint %s: %zu proxies, the last %.0f ms later",
             ready ? "ready" : "not ready", np, (double)(end - now) / 1e6);
    mdl_results_event(&m->results, now, end, "push", p->name, detail);
}

void mdl__cp_set_down(mdl_mesh *m, bool down)
{
    struct mdl_cp *cp = m->cp;
    if (cp->down == down)
        return;
    cp->down = down;
    if (down) {
        cp->queued_at_down = cp->n;
        return;
    }
    /* back: every proxy reconnects and gets the latest state */
    size_t np, queued = cp->n - cp->queued_at_down;
    sim_time now = sim_now(m->world);
    sim_time end = push_all(m, cp->n, &np);
    if (queued) {
        char detail[160];
        snprintf(detail, sizeof detail,
                 "istiod back: %zu queued endpoint changes to %zu proxies, the last %.0f ms later",
                 queued, np, (double)(end - now) / 1e6);
        mdl_results_event(&m->results, now, end, "push", "istiod", detail);
    }
}

void mdl__cp_proxy_synced(mdl_mesh *m, mdl_pod *p)
{
    p->view_seq = m->cp->pushed;
    p->push_at = sim_now(m->world);
    sync_proxy(m, p, UINT32_MAX);
}
