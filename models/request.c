/*
 * request.c - one request as its client proxy handles it, and the network and
 * server-sidecar legs of each attempt.
 *
 * Path of a request (policy-semantics.md section 0):
 *   client proxy workers (cost) -> route (VirtualService) -> fault filter ->
 *   router: cluster (LB pick, circuit breaker) -> [attempt: link -> server
 *   sidecar workers (cost) -> application (app.c) -> link back] -> retry
 *   decision -> ... -> response.
 * The fault filter (the route's VirtualService `fault`) runs before the
 * router, as in Envoy: a delay (flag DI) that the route timeout does not
 * count, then an independent abort draw (flag FI): a local reply with no
 * retry, no upstream attempt and no outlier report.
 * Timeouts: the route timeout starts when the router gets the request (after
 * the client proxy's work and any fault delay) and covers every try and
 * backoff; a per-try timeout abandons the attempt (a local reset for the
 * retry decision).  An abandoned
 * attempt keeps running on the server (the application does not know the
 * client left), but its answer is dropped.
 *
 * Time attribution: a request and each attempt keep per-domain accumulators and
 * an open segment (domain, start).  While an attempt is in flight the request's
 * segment is closed; the attempt's accumulators are added when it ends, so the
 * domains always sum to the request's latency.
 *
 * Reference counting: every scheduled event holds one reference on the object
 * it targets; the creator holds one until it lets go (mdl__req_release, or the
 * server side of a job when its response has been delivered).
 */
#include <assert.h>
#include <string.h>

#include "models/mesh_int.h"
#include "policy/outlier.h"
#include "policy/timeout.h"

/* --- references ------------------------------------------------------------------ */

mdl_req *mdl__req_new(mdl_mesh *m, mdl_req_kind kind)
{
    mdl_req *r = sim_pool_alloc(&m->req_pool);
    memset(r, 0, sizeof *r);
    r->m = m;
    r->refs = 1;
    r->kind = kind;
    r->span.dom = MDL_DOM_NONE;
    r->method = "GET";
    r->path = "/";
    r->scheme = "http";
    return r;
}

void mdl__req_release(mdl_mesh *m, mdl_req *r)
{
    assert(r->refs > 0);
    if (--r->refs == 0) {
        assert(!r->retry_live && !r->attempt);
        sim_pool_free(&m->req_pool, r);
    }
}

static mdl_job *job_new(mdl_mesh *m, mdl_req *r)
{
    mdl_job *j = sim_pool_alloc(&m->job_pool);
    memset(j, 0, sizeof *j);
    j->m = m;
    j->refs = 1;
    j->req = r;
    r->refs++;
    j->span.dom = MDL_DOM_NONE;
    return j;
}

void mdl__job_release(mdl_mesh *m, mdl_job *j)
{
    assert(j->refs > 0);
    if (--j->refs == 0) {
        mdl__req_release(m, j->req);
        sim_pool_free(&m->job_pool, j);
    }
}

static sim_event_id sched_req(mdl_mesh *m, sim_time delay, sim_handler h, mdl_req *r)
{
    r->refs++;
    return sim_schedule_in(m->world, delay, h, r, 0);
}

static sim_event_id sched_job(mdl_mesh *m, sim_time delay, sim_handler h, mdl_job *j)
{
    j->refs++;
    return sim_schedule_in(m->world, delay, h, j, 0);
}

static void cancel_req_timer(mdl_mesh *m, mdl_req *r, sim_event_id *id)
{
    if (*id && sim_cancel(m->world, *id))
        mdl__req_release(m, r);
    *id = 0;
}

static void cancel_job_timer(mdl_mesh *m, mdl_job *j)
{
    if (j->try_timer && sim_cancel(m->world, j->try_timer))
        mdl__job_release(m, j);
    j->try_timer = 0;
}

/* --- completion ------------------------------------------------------------------ */

static void on_external_response(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *r = t;
    mdl_span_to(&r->span, sim_now(w), MDL_DOM_NONE);
    if (!r->reported)
        mdl__root_done(r->m, r);
    mdl__req_release(r->m, r);
}

/* The request is over for its client proxy: give back what it holds. */
static void req_end(mdl_mesh *m, mdl_req *r)
{
    r->done = true;
    mdl__pod_untrack_req(r);
    cancel_req_timer(m, r, &r->route_timer);
    if (r->retry_live) {
        pol_retry_state_fini(&r->retry, &r->cluster->cb);
        r->retry_live = false;
    }
    mdl_span_to(&r->span, sim_now(m->world), MDL_DOM_NONE);
}

/* The client proxy has its final answer for the request. */
static void req_complete(mdl_mesh *m, mdl_req *r, int status, pol_flags flags)
{
    assert(!r->done && !r->attempt);
    r->status = status;
    r->flags |= flags;
    req_end(m, r);
    switch (r->kind) {
    case MDL_REQ_EXTERNAL:
        /* back to the client over the internet link */
        mdl_span_to(&r->span, sim_now(m->world), MDL_DOM_INGRESS);
        sched_req(m, mdl__ingress_response_time(m, r), on_external_response, r);
        break;
    case MDL_REQ_MESH:
        mdl__root_done(m, r);
        break;
    case MDL_REQ_CHILD:
        mdl__child_done(m, r);
        break;
    case MDL_REQ_RELAY:
        mdl__egress_relay_done(m, r);
        break;
    }
}

/* A request's time so far, its attempt in flight included. */
static void req_snapshot(const mdl_req *r, sim_time now, sim_time *out)
{
    mdl_span_snapshot(&r->span, now, out);
    if (r->attempt && r->span.dom == MDL_DOM_NONE) {
        sim_time part[MDL_NPARTS];
        mdl__job_snapshot(r->attempt, now, part);
        mdl_acc_add(out, part);
    }
}

void mdl__job_snapshot(const mdl_job *j, sim_time now, sim_time *out)
{
    mdl_span_snapshot(&j->span, now, out);
    if (j->span.dom != MDL_DOM_NONE || !j->pending)
        return;
    /* waiting for the current step's calls: the slowest is the critical path */
    sim_time best[MDL_NPARTS] = {0};
    for (uint32_t k = 0; k < j->nslots && k < MDL_MAX_PARALLEL; k++) {
        sim_time part[MDL_NPARTS];
        memcpy(part, j->slot_acc[k], sizeof part);
        if (j->slot_call[k]) {
            sim_time call[MDL_NPARTS];
            req_snapshot(j->slot_call[k], now, call);
            mdl_acc_add(part, call);
        }
        if (mdl_acc_sum(part) > mdl_acc_sum(best))
            memcpy(best, part, sizeof best);
    }
    mdl_acc_add(out, best);
}

/* The client stops waiting for its current attempt, answered or not: the
 * attempt's time so far joins the request's, and the attempt gives back its
 * host's active-request count and its circuit-breaker slot.  If it has not
 * answered it keeps running on the server, abandoned. */
static mdl_job *attempt_end(mdl_mesh *m, mdl_req *r, bool answered)
{
    mdl_job *j = r->attempt;
    sim_time now = sim_now(m->world), part[MDL_NPARTS];
    mdl__job_snapshot(j, now, part);
    mdl_acc_add(r->span.acc, part);
    j->abandoned = true;
    cancel_job_timer(m, j);
    mdl__conn_release(m, j, answered);
    pol_host_set_active_add(r->cluster->hosts, j->host, -1);
    pol_circuit_release(&r->cluster->cb, POL_CB_REQUESTS);
    r->attempt = NULL;
    mdl_span_to(&r->span, now, r->client_dom); /* the client proxy again */
    if (j->lost) { /* its server side ended in silence: the last word is ours */
        j->lost = false;
        mdl__job_release(m, j); /* callers that go on using j hold a reference */
    }
    return j;
}

void mdl__req_abandon(mdl_mesh *m, mdl_req *r)
{
    if (r->done)
        return;
    if (r->attempt)
        attempt_end(m, r, false);
    req_end(m, r);
}

void mdl__req_give_up(mdl_mesh *m, mdl_req *r)
{
    mdl__req_abandon(m, r);
    r->status = 0;
    r->flags |= POL_FLAG_BIT(POL_FLAG_DC);
}

/* --- attempts --------------------------------------------------------------------- */

static void attempt_start(mdl_mesh *m, mdl_req *r);

static void on_backoff_done(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *r = t;
    if (!r->done)
        attempt_start(r->m, r);
    mdl__req_release(r->m, r);
}

#define NO_RESET (-1)

/* After an attempt: retry or answer.  `reset` is NO_RESET for a response,
 * else the pol_reset_reason the attempt ended with (a per-try timeout is a
 * local reset, a connect timeout a connection timeout); `ratelimited`: the
 * response carries x-envoy-ratelimited. */
static void attempt_finished(mdl_mesh *m, mdl_req *r, int status, pol_flags flags, int reset,
                             bool ratelimited)
{
    sim_time now = sim_now(m->world);
    mdl_cluster *cl = r->cluster;
    pol_retry_decision dec;
    ms_rng rng = sim_rng_view(&r->client->rng);
    if (reset != NO_RESET) {
        /* a failed connect sent nothing upstream (reset-before-request) */
        bool sent = reset != POL_RESET_LOCAL_CONNECTION_FAILURE &&
                    reset != POL_RESET_REMOTE_CONNECTION_FAILURE &&
                    reset != POL_RESET_CONNECTION_TIMEOUT;
        pol_retry_on_reset(&r->retry, (pol_reset_reason)reset, sent, &cl->cb, &cl->stats, &rng, &dec);
    } else {
        pol_retry_response resp = pol_retry_response_status(status);
        resp.x_envoy_ratelimited = ratelimited;
        pol_retry_on_response(&r->retry, &resp, &cl->cb, &cl->stats, &rng, &dec);
    }
    bool retry = dec.retry &&
                 pol_timeout_backoff_fits(&r->route.policy->timeouts, r->t_router, now, dec.backoff_ns);
    pol_cluster_stats_count_status(&cl->stats, status, retry);
    if (retry) {
        r->retries++;
        sched_req(m, dec.backoff_ns, on_backoff_done, r); /* backoff: client proxy time */
        return;
    }
    req_complete(m, r, status, flags | dec.flags);
}

static void on_job_response(sim_world *w, void *t, uint64_t arg)
{
    mdl_job *j = t;
    mdl_mesh *m = j->m;
    mdl_req *r = j->req;
    mdl_span_to(&j->span, sim_now(w), MDL_DOM_NONE);
    if (!j->abandoned) {
        assert(r->attempt == j);
        attempt_end(m, r, !j->reset);
        r->version = j->server->wl ? j->server->wl->version : NULL;
        r->response_bytes = j->server->wl && !j->reset && !j->local ? j->server->wl->spec->response_size.bytes : 0;
        r->workload = j->server->wl ? j->server->wl->name : NULL;
        if (j->reset) {
            /* the server's proxy closed the connection before any response */
            mdl__cluster_report(m, r->cluster, j->host, POL_OUTLIER_LOCAL_CONNECT_FAILED);
            attempt_finished(m, r, 503, POL_FLAG_BIT(POL_FLAG_UC), POL_RESET_CONNECTION_TERMINATION,
                             false);
        } else {
            mdl__cluster_report(m, r->cluster, j->host, j->status);
            attempt_finished(m, r, j->status, j->flags, NO_RESET,
                             pol_flags_has(j->flags, POL_FLAG_RL));
        }
    }
    mdl__job_release(m, j); /* this event's reference */
    mdl__job_release(m, j); /* the server side is finished */
}

/* `bytes` leave on the attempt's connection at `at` (TCP retransmits them
 * while the path is blocked): the (m)TLS crypto cost is mesh time, the
 * transfer node time (the internet link for an external service).  Returns
 * the delay from now until they arrive. */
static sim_time on_the_wire(mdl_mesh *m, mdl_job *j, const mdl_pod *from, const mdl_pod *to,
                            sim_time at, uint64_t bytes)
{
    sim_time now = sim_now(m->world);
    sim_time crypto = j->tls ? mdl__tls_bytes_cost(m, &j->server->rng, bytes) : 0;
    mdl_span_to(&j->span, now, MDL_DOM_MESH);
    j->span.acc[MDL_DOM_MESH] += crypto;
    j->span.dom = MDL_DOM_NODE;
    j->span.start = now + crypto;
    return crypto + (at - now) + mdl__hop_time(m, from, to, bytes);
}

/* The server has an answer: send it back over the link (TCP retransmits it
 * while the path is blocked; if it never opens, the client hears nothing). */
void mdl__job_respond(mdl_mesh *m, mdl_job *j, int status)
{
    j->status = status;
    mdl__pod_untrack_job(j);
    sim_time at = mdl__send_time(m, j->server, j->req->client);
    if (at == SIM_TIME_MAX) {
        mdl__job_lost(m, j); /* nothing arrives */
        return;
    }
    uint64_t bytes = j->server->wl && !j->reset && !j->local ? j->server->wl->spec->response_size.bytes
                                                             : MDL_REQUEST_BYTES;
    sched_job(m, on_the_wire(m, j, j->server, j->req->client, at, bytes), on_job_response, j);
}

void mdl__job_lost(mdl_mesh *m, mdl_job *j)
{
    if (j->abandoned)
        mdl__job_release(m, j);
    else
        j->lost = true; /* the client still waits: its attempt_end lets go */
}

void mdl__job_reset(mdl_mesh *m, mdl_job *j, pol_reset_reason why)
{
    mdl_req *r = j->req;
    mdl_span_to(&j->span, sim_now(m->world), MDL_DOM_NONE);
    if (!j->abandoned) {
        assert(r->attempt == j);
        mdl_cluster *cl = r->cluster;
        if (why == POL_RESET_CONNECTION_TIMEOUT)
            cl->stats.upstream_cx_connect_timeout++;
        else if (why == POL_RESET_LOCAL_CONNECTION_FAILURE || why == POL_RESET_REMOTE_CONNECTION_FAILURE)
            cl->stats.upstream_cx_connect_fail++;
        else
            cl->stats.upstream_rq_rx_reset++;
        mdl__cluster_report(m, cl, j->host, POL_OUTLIER_LOCAL_CONNECT_FAILED);
        attempt_end(m, r, false);
        attempt_finished(m, r, pol_reset_reason_status(why), POL_FLAG_BIT(pol_reset_reason_flag(why)),
                         (int)why, false);
    }
    mdl__job_release(m, j); /* the server side is finished */
}

static void on_job_reset(sim_world *w, void *t, uint64_t why)
{
    mdl_job *j = t;
    mdl__job_reset(j->m, j, (pol_reset_reason)why);
    mdl__job_release(j->m, j);
}

/* The server sidecar's HTTP filters have run: a local reply (403 RBAC, 429
 * local rate limit) or on to the application. */
static void on_inbound_done(sim_world *w, void *t, uint64_t arg)
{
    mdl_job *j = t;
    mdl_station_release(&j->server->proxy, w);
    int local = mdl__inbound_filters(j->m, j);
    if (local) {
        j->local = true;
        mdl__job_respond(j->m, j, local);
    }
    else
        mdl__job_at_app(j->m, j);
    mdl__job_release(j->m, j);
}

static void on_inbound_granted(sim_world *w, void *t, uint64_t arg)
{
    mdl_job *j = t;
    if (j->killed) { /* its pod died while it waited */
        mdl_station_release(&j->server->proxy, w);
        mdl__job_release(j->m, j);
        return;
    }
    sched_job(j->m, mdl_sample_ns(&j->m->sidecar_cost, &j->server->rng), on_inbound_done, j);
    mdl__job_release(j->m, j);
}

static void on_job_arrive(sim_world *w, void *t, uint64_t arg)
{
    mdl_job *j = t;
    mdl_mesh *m = j->m;
    sim_time now = sim_now(w);
    if (j->server->kind == MDL_POD_EXTERNAL) {
        mdl__job_at_app(m, j); /* no sidecar out there */
        mdl__job_release(m, j);
        return;
    }
    if (!mdl__pod_accepts(j->server, j->gen)) {
        /* Nobody listens at that address.  A live node refuses at once and
         * the refusal travels back (UF after a round trip); a dead node stays
         * silent until the client's connect timeout (UF). */
        pol_reset_reason why = POL_RESET_REMOTE_CONNECTION_FAILURE;
        sim_time delay;
        if (mdl__node_up_at(m, j->server->node, now)) {
            delay = mdl__link_time(m, j->server, j->req->client, 0);
        } else {
            why = POL_RESET_CONNECTION_TIMEOUT;
            sim_time end = j->t_sent + j->req->cluster->connect_timeout;
            delay = end > now ? end - now : 0;
        }
        j->refs++;
        sim_schedule_in(w, delay, on_job_reset, j, (uint64_t)why);
        mdl__job_release(m, j);
        return;
    }
    mdl__pod_track_job(j);
    mdl_span_to(&j->span, now, MDL_DOM_MESH);
    if (j->server->kind == MDL_POD_EGRESS) {
        mdl__egress_relay(m, j); /* the egress gateway routes it on */
        mdl__job_release(m, j);
        return;
    }
    if (!mdl__inbound_accepts(m, j)) {
        /* PeerAuthentication refuses the connection: the proxy closes it */
        j->reset = true;
        mdl__job_respond(m, j, 0);
        mdl__job_release(m, j);
        return;
    }
    j->refs++; /* held while waiting for a sidecar worker */
    mdl_station_acquire(&j->server->proxy, w, on_inbound_granted, j, 0);
    mdl__job_release(j->m, j);
}

static void on_try_timeout(sim_world *w, void *t, uint64_t arg)
{
    mdl_job *j = t;
    mdl_mesh *m = j->m;
    mdl_req *r = j->req;
    j->try_timer = 0;
    if (!j->abandoned) {
        assert(r->attempt == j);
        r->cluster->stats.upstream_rq_per_try_timeout++;
        mdl__cluster_report(m, r->cluster, j->host, POL_OUTLIER_LOCAL_TIMEOUT);
        attempt_end(m, r, false);
        attempt_finished(m, r, POL_TIMEOUT_STATUS, POL_FLAG_BIT(POL_FLAG_UT), POL_RESET_LOCAL_RESET,
                         false);
    }
    mdl__job_release(m, j);
}

static void attempt_start(mdl_mesh *m, mdl_req *r)
{
    sim_time now = sim_now(m->world);
    mdl_cluster *cl = r->cluster;
    ms_rng rng = sim_rng_view(&r->client->rng);
    /* host re-selection on retry (previous_hosts predicate) is the balancer's */
    pol_lb_context ctx = {0};
    ctx.previous_hosts = pol_retry_previous_hosts(&r->retry, &ctx.previous_host_count);
    ctx.host_selection_retry_max_attempts = pol_retry_host_selection_extra_picks(&r->retry);
    int32_t idx = pol_lb_pick(cl->lb, &ctx, &rng, now);
    if (idx < 0) {
        req_complete(m, r, 503, POL_FLAG_BIT(POL_FLAG_UH));
        return;
    }
    if (!pol_circuit_try_acquire(&cl->cb, POL_CB_REQUESTS)) {
        req_complete(m, r, POL_CB_OVERFLOW_STATUS, POL_FLAG_BIT(POL_FLAG_UO));
        return;
    }
    cl->stats.upstream_rq_total++;
    pol_host_set_active_add(cl->hosts, (uint32_t)idx, 1);
    pol_retry_attempt_started(&r->retry, (uint32_t)idx, 0);
    mdl_job *j = job_new(m, r);
    j->server = &m->pods[cl->pods[idx]];
    j->host = (uint32_t)idx;
    r->attempt = j;
    mdl_span_to(&r->span, now, MDL_DOM_NONE); /* the attempt's time is added when it ends */
    mdl_span_init(&j->span, now, MDL_DOM_MESH); /* waiting for a connection */
    j->gen = cl->gens[idx];
    pol_attempt_deadline dl = pol_timeout_attempt(&r->route.policy->timeouts, r->t_router, now);
    if (dl.kind == POL_TIMEOUT_PER_TRY)
        j->try_timer = sched_job(m, dl.deadline_ns - now, on_try_timeout, j);
    if (!mdl__conn_request(m, j)) {
        /* pending overflow: 503 UO, never retried; the server never sees it */
        attempt_end(m, r, false);
        mdl__job_release(m, j);
        req_complete(m, r, POL_CB_OVERFLOW_STATUS, POL_FLAG_BIT(POL_FLAG_UO));
    }
}

void mdl__job_send(mdl_mesh *m, mdl_job *j)
{
    const mdl_pod *client = j->req->client;
    sim_time at = mdl__send_time(m, client, j->server);
    if (at == SIM_TIME_MAX) {
        /* the path never opens: the attempt hears nothing (its timeouts decide) */
        mdl__job_lost(m, j);
        return;
    }
    j->t_sent = at;
    sched_job(m, on_the_wire(m, j, client, j->server, at, MDL_REQUEST_BYTES), on_job_arrive, j);
}

void mdl__job_connect_failed(mdl_mesh *m, mdl_job *j)
{
    mdl__job_reset(m, j, POL_RESET_CONNECTION_TIMEOUT);
}

/* --- the client proxy -------------------------------------------------------------- */

static void on_route_timeout(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *r = t;
    mdl_mesh *m = r->m;
    r->route_timer = 0;
    if (!r->done) {
        r->cluster->stats.upstream_rq_timeout++;
        pol_cluster_stats_count_status(&r->cluster->stats, POL_TIMEOUT_STATUS, 0);
        if (r->attempt)
            attempt_end(m, r, false);
        req_complete(m, r, POL_TIMEOUT_STATUS, POL_FLAG_BIT(POL_FLAG_UT));
    }
    mdl__req_release(m, r);
}

static void forward(mdl_mesh *m, mdl_req *r)
{
    sim_time now = sim_now(m->world);
    r->t_router = now;
    r->cluster = mdl__cluster_get(m, r->client, r->route.svc, r->route.subset);
    r->dest_name = r->route.svc->name;
    pol_retry_state_init(&r->retry, &r->route.policy->retry);
    r->retry_live = true;
    sim_time global = r->route.policy->timeouts.global_ns;
    if (global > 0) {
        r->route_timer = sched_req(m, global, on_route_timeout, r);
    }
    attempt_start(m, r); /* a cluster without hosts answers 503 UH there */
}

/* The client proxy answers the request itself (a route's local reply, a
 * fault abort, a gateway filter's refusal): it is named after its route's
 * service, when routing found one. */
static void local_reply(mdl_mesh *m, mdl_req *r, int status, pol_flags flags)
{
    if (r->route.svc)
        r->dest_name = r->route.svc->name;
    req_complete(m, r, status, flags);
}

/* After routing and the fault filter: the router (forward) or a local reply. */
static void route_continue(mdl_mesh *m, mdl_req *r)
{
    int limited = mdl__gateway_filters(m, r, true);
    if (limited) {
        local_reply(m, r, limited, 0);
    } else if (r->route.action == MDL_ROUTE_LOCAL) {
        local_reply(m, r, r->route.status, r->route.flags);
    } else {
        forward(m, r);
    }
}

/* The fault filter's abort, after its delay if any: a local reply (the router
 * never runs: no retry, no upstream stats, no outlier report). */
static void fault_abort(mdl_mesh *m, mdl_req *r)
{
    local_reply(m, r, r->fault_status, POL_FLAG_BIT(POL_FLAG_FI));
}

static void on_fault_delay_done(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *r = t;
    if (!r->done) {
        if (arg)
            fault_abort(r->m, r);
        else
            route_continue(r->m, r);
    }
    mdl__req_release(r->m, r);
}

static void on_proxy_done(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *r = t;
    mdl_mesh *m = r->m;
    mdl_station_release(&r->client->proxy, w);
    if (!r->done) {
        mdl__route(m, r, &r->route);
        const pol_fault_config *fc = r->route.policy ? &r->route.policy->fault : NULL;
        int limited = mdl__gateway_filters(m, r, false);
        if (limited) {
            local_reply(m, r, limited, 0);
        } else if (fc && (fc->has_delay || fc->has_abort)) {
            /* Envoy's fault filter, before the router (policy-semantics.md 6.2):
             * delay (DI) first, then the independent abort draw (FI). */
            pol_fault_decision fd;
            ms_rng rng = sim_rng_view(&r->client->rng);
            pol_fault_decide(fc, &rng, NULL, &fd);
            r->flags |= fd.flags & POL_FLAG_BIT(POL_FLAG_DI);
            r->fault_status = fd.status;
            if (fd.delay) {
                r->refs++;
                sim_schedule_in(m->world, fd.delay_ns, on_fault_delay_done, r, fd.abort);
            } else if (fd.abort) {
                fault_abort(m, r);
            } else {
                route_continue(m, r);
            }
        } else {
            route_continue(m, r);
        }
    }
    mdl__req_release(m, r);
}

static void on_proxy_granted(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *r = t;
    mdl_mesh *m = r->m;
    const sim_dist *cost = r->client->kind == MDL_POD_INGRESS  ? &m->ingress_cost
                           : r->client->kind == MDL_POD_EGRESS ? &m->egress_cost
                                                               : &m->sidecar_cost;
    sim_time busy = mdl_sample_ns(cost, &r->client->rng);
    if (r->kind == MDL_REQ_EXTERNAL)
        busy += mdl__ingress_tls_cost(m, r); /* TLS termination on the gateway's worker */
    sched_req(m, busy, on_proxy_done, r);
    mdl__req_release(m, r);
}

void mdl__req_start(mdl_mesh *m, mdl_req *r)
{
    mdl__pod_track_req(r);
    mdl_span_to(&r->span, sim_now(m->world), r->client_dom);
    r->refs++;
    mdl_station_acquire(&r->client->proxy, m->world, on_proxy_granted, r, 0);
}
