/*
 * lifecycle.c - pods start, become ready, and die.
 *
 * A pod is READY, STARTING (created, not ready: nothing listens yet),
 * TERMINATING or DOWN.  Graceful termination (a pod-kill with a gracePeriod)
 * withdraws the endpoint at once but lets the pod drain: it serves what is in
 * flight and what stale proxies still send, until the grace period ends and
 * it is killed.  Every pod is READY when the run starts (the cluster
 * is in its steady state); pods created during the run (a replacement after a
 * pod-kill, a node coming back) start, and pass their readiness check after
 * the WorkloadModel's `startup` time.  Readiness gates the endpoint: the
 * Endpoints object follows the pod at once, the proxies when istiod's push
 * reaches them (control_plane.c).
 *
 * Each pod keeps two lists, so that its death can be played out: the attempts
 * its server side is handling (from their arrival until the answer leaves)
 * and the requests its proxy handles as the client.  When a pod dies:
 *   - the attempts it was serving are reset: with `rst` (the process died, the
 *     node's kernel closes the sockets) the client proxies get the reset after
 *     the link's one-way time, as Envoy reports a closed upstream connection
 *     (503 UC, reset reason connection termination); without it (the node
 *     died) nothing comes back and the clients wait for their own timeouts;
 *   - what the attempts hold is given back (an application slot; a sidecar
 *     worker or a place in a line is given back by the event that holds it,
 *     which sees the attempt `killed` and does nothing more);
 *   - its own outbound requests are abandoned: an application's downstream
 *     calls vanish with it, and a load source's request sent from it counts as
 *     given up (status 0, DC).
 * A replacement pod (pod-kill) is a new incarnation, as Kubernetes creates a
 * new pod with a new IP: proxies that still hold the old endpoint connect to an
 * address where nobody listens (UF).  A node coming back restarts the same
 * pods (same IPs).
 */
#include <assert.h>

#include "models/mesh_int.h"

/* --- the lists ---------------------------------------------------------------------- */

void mdl__pod_track_job(mdl_job *j)
{
    mdl_pod *p = j->server;
    assert(!j->tracked);
    j->tracked = true;
    j->pod_prev = NULL;
    j->pod_next = p->jobs;
    if (p->jobs)
        p->jobs->pod_prev = j;
    p->jobs = j;
}

void mdl__pod_untrack_job(mdl_job *j)
{
    if (!j->tracked)
        return;
    j->tracked = false;
    if (j->pod_prev)
        j->pod_prev->pod_next = j->pod_next;
    else
        j->server->jobs = j->pod_next;
    if (j->pod_next)
        j->pod_next->pod_prev = j->pod_prev;
    j->pod_prev = j->pod_next = NULL;
}

void mdl__pod_track_req(mdl_req *r)
{
    mdl_pod *p = r->client;
    assert(!r->tracked);
    r->tracked = true;
    r->out_prev = NULL;
    r->out_next = p->outbound;
    if (p->outbound)
        p->outbound->out_prev = r;
    p->outbound = r;
}

void mdl__pod_untrack_req(mdl_req *r)
{
    if (!r->tracked)
        return;
    r->tracked = false;
    if (r->out_prev)
        r->out_prev->out_next = r->out_next;
    else
        r->client->outbound = r->out_next;
    if (r->out_next)
        r->out_next->out_prev = r->out_prev;
    r->out_prev = r->out_next = NULL;
}

/* --- states ------------------------------------------------------------------------- */

bool mdl__pod_accepts(const mdl_pod *p, uint32_t gen)
{
    return p->gen == gen && (p->state == MDL_POD_READY || p->state == MDL_POD_TERMINATING);
}

bool mdl__pod_alive(const mdl_pod *p)
{
    return p->state == MDL_POD_READY || p->state == MDL_POD_TERMINATING;
}

sim_time mdl__pod_startup_time(mdl_mesh *m, const mdl_pod *p)
{
    if (!p->wl)
        return 0; /* gateways: ready as soon as they run */
    sim_dist d;
    if (sim_dist_init(&d, &p->wl->spec->startup.spec) != 0)
        return 0; /* checked when the mesh was built */
    return mdl_sample_ns(&d, &m->life_rng);
}

static void on_reset_arrives(sim_world *w, void *t, uint64_t why)
{
    mdl_job *j = t;
    mdl__job_reset(j->m, j, (pol_reset_reason)why);
    mdl__job_release(j->m, j);
}

/* The server side of attempt j dies with its pod. */
static void kill_job(mdl_mesh *m, mdl_job *j, bool rst)
{
    sim_time now = sim_now(m->world);
    mdl__pod_untrack_job(j);
    j->killed = true;
    if (j->holds_app) {
        j->holds_app = false;
        mdl_station_release(&j->server->app, m->world);
    }
    mdl_span_to(&j->span, now, MDL_DOM_NODE);
    sim_time at = rst ? mdl__send_time(m, j->server, j->req->client) : SIM_TIME_MAX;
    if (at == SIM_TIME_MAX) {
        mdl__job_lost(m, j); /* the server side ends in silence */
        return;
    }
    j->refs++; /* the reset's event; the server side's reference is released by it */
    sim_schedule_in(m->world, at - now + mdl__link_time(m, j->server, j->req->client, 0),
                    on_reset_arrives, j, POL_RESET_CONNECTION_TERMINATION);
}

void mdl__pod_terminate(mdl_mesh *m, mdl_pod *p)
{
    if (!mdl__pod_alive(p))
        return;
    p->state = MDL_POD_TERMINATING;
    mdl__cp_set_ready(m, p, false); /* a terminating pod's endpoint is not ready */
}

void mdl__pod_kill(mdl_mesh *m, mdl_pod *p, bool rst)
{
    if (p->state == MDL_POD_DOWN)
        return;
    p->state = MDL_POD_DOWN;
    while (p->jobs)
        kill_job(m, p->jobs, rst);
    while (p->outbound) {
        mdl_req *r = p->outbound;
        r->refs++; /* keep it while its owner lets go */
        mdl__req_give_up(m, r); /* abandons it: off the list */
        if (r->kind == MDL_REQ_CHILD)
            mdl__child_done(m, r); /* its caller died first: nothing is recorded */
        else if (r->kind == MDL_REQ_RELAY)
            mdl__egress_relay_done(m, r); /* the egress gateway died: the job is reset */
        else if (!r->reported)
            mdl__root_done(m, r);
        mdl__req_release(m, r);
    }
    /* the Endpoints object learns of it as the caller says: at once for a
     * deleted pod, after the node monitor's grace period for a lost node */
}

static void on_ready(sim_world *w, void *t, uint64_t arg)
{
    mdl_mesh *m = t;
    mdl_pod *p = &m->pods[arg >> 32];
    if (p->state != MDL_POD_STARTING || p->life != (uint32_t)arg)
        return; /* it died again meanwhile */
    p->state = MDL_POD_READY;
    mdl__cp_set_ready(m, p, true);
}

void mdl__pod_start(mdl_mesh *m, mdl_pod *p, bool replace, sim_time startup)
{
    assert(p->state == MDL_POD_DOWN);
    if (replace)
        p->gen++;
    p->life++;
    p->state = MDL_POD_STARTING;
    mdl__cp_set_ready(m, p, false); /* the kubelet reports it not ready */
    mdl__cp_proxy_synced(m, p); /* its new sidecar gets the whole configuration */
    sim_schedule_in(m->world, startup, on_ready, m, ((uint64_t)p->id << 32) | p->life);
}
