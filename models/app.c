/*
 * app.c - the application inside a pod: concurrency slots with a FIFO line
 * (queueLimit; beyond it the application answers 503), a service-time draw,
 * then the downstream calls of its WorkloadModel step by step (a step is one
 * call or a parallel group; each call happens with its probability), then an
 * error draw.  A request keeps its slot until it answers, downstream waits
 * included.  The service time is spent before the calls (the work that
 * decides what to call); the calls' time is attributed to whatever the called
 * services spent it on.
 *
 * The application's own client: each call may have a timeout per try and
 * retries of its own (on an error status or a timeout), on top of what the
 * mesh retries; onError decides whether a call that still failed fails the
 * request (500) or is ignored.
 */
#include <assert.h>
#include <string.h>
#include <strings.h>

#include "models/mesh_int.h"

static void job_finish(mdl_mesh *m, mdl_job *j);
static void run_step(mdl_mesh *m, mdl_job *j);

static void on_service_done(sim_world *w, void *t, uint64_t arg)
{
    mdl_job *j = t;
    if (j->killed) { /* its pod died (and gave its slot back) */
        mdl__job_release(j->m, j);
        return;
    }
    j->step = 0;
    run_step(j->m, j);
    mdl__job_release(j->m, j);
}

static void on_app_granted(sim_world *w, void *t, uint64_t arg)
{
    mdl_job *j = t;
    if (j->killed) { /* its pod died while it waited */
        mdl_station_release(&j->server->app, w);
        mdl__job_release(j->m, j);
        return;
    }
    j->holds_app = true;
    mdl_span_to(&j->span, sim_now(w), MDL_DOM_APP); /* its service starts */
    j->refs++; /* held by the service-time event (reference passed on) */
    sim_time service = mdl_sample_ns(&j->server->wl->service_time, &j->server->rng);
    if (j->server->slow_factor != 1.0) /* a slowdown fault */
        service = (sim_time)((double)service * j->server->slow_factor);
    sim_schedule_in(w, service, on_service_done, j, 0);
    mdl__job_release(j->m, j);
}

void mdl__job_at_app(mdl_mesh *m, mdl_job *j)
{
    if (j->killed)
        return; /* its pod died while its sidecar handled it */
    mdl_span_to(&j->span, sim_now(m->world), MDL_DOM_APP_QUEUE); /* until a slot is free */
    j->refs++;
    if (mdl_station_acquire(&j->server->app, m->world, on_app_granted, j, 0) == MDL_ADMIT_FULL) {
        mdl__job_release(m, j);
        mdl__job_respond(m, j, 503);
    }
}

/* --- downstream calls ---------------------------------------------------------------- */

static void child_start(mdl_mesh *m, mdl_job *j, const cfg_call_spec *c, uint32_t slot,
                        uint32_t app_try);

static void on_app_timeout(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *c = t;
    mdl_mesh *m = c->m;
    c->app_timer = 0;
    if (!c->done) {
        mdl__req_give_up(m, c);
        mdl__child_done(m, c);
    }
    mdl__req_release(m, c);
}

static void child_start(mdl_mesh *m, mdl_job *j, const cfg_call_spec *call, uint32_t slot,
                        uint32_t app_try)
{
    mdl_req *c = mdl__req_new(m, MDL_REQ_CHILD);
    sim_time now = sim_now(m->world);
    c->parent = j;
    j->refs++;
    c->call = call;
    c->slot = slot;
    c->app_try = app_try;
    c->t_start = now;
    c->counted = now >= m->warmup && now < m->duration;
    c->method = call->method.str ? call->method.str : "GET";
    c->path = call->path.str ? call->path.str : "/";
    c->host = call->host.str;
    c->port = (int)call->port.v;
    c->client = j->server;
    c->client_dom = MDL_DOM_MESH;
    /* forwarded headers, copied from the incoming request */
    const mdl_req *in = j->req;
    for (size_t i = 0; i < call->nforward_headers && c->nheaders < MDL_MAX_HEADERS; i++)
        for (size_t k = 0; k < in->nheaders; k++)
            if (in->headers[k].name.len == strlen(call->forward_headers[i].str) &&
                !strncasecmp(in->headers[k].name.p, call->forward_headers[i].str, in->headers[k].name.len))
                c->headers[c->nheaders++] = in->headers[k];
    if (call->timeout.ns > 0) {
        c->refs++;
        c->app_timer = sim_schedule_in(m->world, call->timeout.ns, on_app_timeout, c, 0);
    }
    j->slot_call[slot] = c; /* until it is done: its time so far (mdl__job_snapshot) */
    mdl__req_start(m, c);
}

static int failed(int status) { return status == 0 || status >= 500; }

void mdl__child_done(mdl_mesh *m, mdl_req *c)
{
    mdl_job *j = c->parent;
    sim_time now = sim_now(m->world);
    if (c->app_timer && sim_cancel(m->world, c->app_timer))
        mdl__req_release(m, c);
    c->app_timer = 0;
    if (j->slot_call[c->slot] == c)
        j->slot_call[c->slot] = NULL;
    if (j->killed) { /* the calling pod died: nobody waits for this call */
        mdl__req_release(m, c);
        mdl__job_release(m, j);
        return;
    }
    /* the caller's view of this call, recorded under the calling workload */
    if (c->counted)
        mdl__record(m, c, j->server->wl->name, now - c->t_start, c->span.acc);
    mdl_acc_add(j->slot_acc[c->slot], c->span.acc);
    const cfg_call_spec *call = c->call;
    uint32_t slot = c->slot, app_try = c->app_try;
    bool bad = failed(c->status);
    mdl__req_release(m, c); /* the job lets go of the call */
    if (bad && app_try < (uint32_t)call->retries.v) {
        child_start(m, j, call, slot, app_try + 1);
        mdl__job_release(m, j);
        return;
    }
    if (bad && call->on_error == CFG_ON_ERROR_FAIL)
        j->child_failed = true;
    assert(j->pending > 0);
    if (--j->pending == 0) {
        /* The step ends with its slowest call: all calls of a step start
         * together, so that call's time is the step's critical path and
         * accounts for the whole wait. */
        uint32_t crit = 0;
        for (uint32_t k = 1; k < j->nslots; k++)
            if (mdl_acc_sum(j->slot_acc[k]) > mdl_acc_sum(j->slot_acc[crit]))
                crit = k;
        assert(mdl_acc_sum(j->slot_acc[crit]) == now - j->span.start);
        mdl_acc_add(j->span.acc, j->slot_acc[crit]);
        mdl_span_to(&j->span, now, MDL_DOM_APP);
        if (j->child_failed)
            job_finish(m, j);
        else
            run_step(m, j);
    }
    mdl__job_release(m, j);
}

static void run_step(mdl_mesh *m, mdl_job *j)
{
    const cfg_workload_spec *spec = j->server->wl->spec;
    while (j->step < spec->ncalls) {
        const cfg_call_step *st = &spec->calls[j->step++];
        uint32_t n = st->ncalls < MDL_MAX_PARALLEL ? (uint32_t)st->ncalls : MDL_MAX_PARALLEL;
        bool go[MDL_MAX_PARALLEL];
        j->pending = 0;
        j->nslots = n;
        memset(j->slot_acc, 0, sizeof j->slot_acc);
        for (uint32_t i = 0; i < n; i++) {
            double p = st->calls[i].probability.v;
            go[i] = p >= 1.0 || sim_rng_uniform(&j->server->rng) < p;
            j->pending += go[i];
        }
        if (!j->pending)
            continue;
        /* waiting for the calls: their time is added when the step ends */
        mdl_span_to(&j->span, sim_now(m->world), MDL_DOM_NONE);
        for (uint32_t i = 0; i < n; i++)
            if (go[i])
                child_start(m, j, &st->calls[i], i, 0);
        return;
    }
    job_finish(m, j);
}

/* All calls done (or one failed): the error draw, give back the slot, answer. */
static void job_finish(mdl_mesh *m, mdl_job *j)
{
    const cfg_workload_spec *spec = j->server->wl->spec;
    int status = 200;
    if (j->child_failed)
        status = 500;
    else if (j->server->err_rate > 0 && sim_rng_uniform(j->server->err_rng) < j->server->err_rate)
        status = j->server->err_status; /* an errors fault */
    else if (spec->error_rate.v > 0 && sim_rng_uniform(&j->server->rng) < spec->error_rate.v)
        status = (int)spec->error_status.v;
    if (j->holds_app) {
        j->holds_app = false;
        mdl_station_release(&j->server->app, m->world);
    }
    mdl__job_respond(m, j, status);
}
