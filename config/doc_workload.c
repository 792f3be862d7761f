/*
 * doc_workload.c - the WorkloadModel document: how the pods matched by a
 * selector behave (concurrency, queue, service time, errors, response size,
 * startup) and which downstream calls one request makes.  A WorkloadModel
 * with `host:` instead of `selector:` describes an external service (a
 * ServiceEntry host, or a host reached through the passthrough cluster).
 *
 * `calls` is a sequence of steps run in order; a step is one call mapping or
 * {parallel: [call, call...]}, whose calls run at once.  Parallel groups do not
 * nest (a parallel inside a parallel is refused): nothing in the format needs
 * it and it keeps the models' call state flat.
 */
#include <string.h>

#include "config/doc_int.h"

void cfg_workload_spec_default(cfg_workload_spec *w)
{
    memset(w, 0, sizeof *w);
    w->name.str = "";
    w->concurrency.v = 16;
    w->queue_limit.v = 1000;
    w->service_time.spec = ms_dist_constant(1e6);
    w->error_rate.v = 0;
    w->error_status.v = 500;
    w->response_size.bytes = 1024;
    w->startup.spec = ms_dist_constant(5e9);
}

static const char *const workload_fields[] = {
    "selector", "host", "concurrency", "queueLimit", "serviceTime", "errors",
    "responseSize", "startup", "zone", "node", "calls",
};
static const char *const errors_fields[] = {"rate", "status"};
static const char *const call_fields[] = {"host", "port", "method", "path", "forwardHeaders",
                                          "probability", "timeout", "retries", "onError"};
static const char *const on_error_names[] = {"fail", "ignore"};

/* Decode one call mapping into *call; false when it is unusable. */
static bool decode_call(cfg__doc *c, const cfg_node *n, cfg_call_spec *call)
{
    if (cfg__expect_fields(n, c->d, "a call", call_fields, CFG_COUNT(call_fields)) < 0)
        return false;
    memset(call, 0, sizeof *call);
    call->pos = n->pos;
    call->method.str = "GET";
    call->path.str = "/";
    call->probability.v = 1.0;
    call->on_error = CFG_ON_ERROR_FAIL;
    if (!cfg__require(c, n, "host", "a call") || cfg__f_str(c, n, "host", &call->host) < 0)
        return false;
    cfg__f_int(c, n, "port", 1, 65535, &call->port);
    cfg__f_str(c, n, "method", &call->method);
    cfg__f_str(c, n, "path", &call->path);
    const cfg_node *fh = cfg__f_seq(c, n, "forwardHeaders");
    if (fh) {
        call->forward_headers = cfg__own(c->m, fh->u.seq.len, sizeof *call->forward_headers);
        for (size_t i = 0; i < fh->u.seq.len; i++) {
            const cfg_node *h = fh->u.seq.items[i];
            cfg_val_str *out = &call->forward_headers[call->nforward_headers];
            if (cfg_read_string(h, c->d, &out->str) == 0) {
                out->node = h;
                call->nforward_headers++;
            }
        }
    }
    cfg__f_double(c, n, "probability", 0, 1, &call->probability);
    cfg__f_dur(c, n, "timeout", &call->timeout);
    cfg__f_int(c, n, "retries", 0, 100, &call->retries);
    int v = cfg__f_enum(c, n, "onError", on_error_names, CFG_COUNT(on_error_names),
                        &call->on_error_node);
    if (v >= 0)
        call->on_error = (cfg_on_error)v;
    return true;
}

static void decode_step(cfg__doc *c, const cfg_node *n, cfg_call_step *step)
{
    step->pos = n->pos;
    const cfg_node *par = cfg_map_get(n, "parallel");
    if (!par) {
        step->calls = cfg__own(c->m, 1, sizeof *step->calls);
        if (decode_call(c, n, &step->calls[0]))
            step->ncalls = 1;
        return;
    }
    static const char *const parallel_fields[] = {"parallel"};
    cfg_check_fields(n, c->d, parallel_fields, CFG_COUNT(parallel_fields));
    step->parallel = true;
    if (cfg_expect_seq(par, c->d, "parallel") < 0)
        return;
    if (par->u.seq.len == 0) {
        ms_diag_error(c->d, par->pos, "parallel must list at least one call");
        return;
    }
    step->calls = cfg__own(c->m, par->u.seq.len, sizeof *step->calls);
    for (size_t i = 0; i < par->u.seq.len; i++) {
        const cfg_node *cn = par->u.seq.items[i];
        if (cn->kind == CFG_MAP && cfg_map_get(cn, "parallel")) {
            ms_diag_error(c->d, cn->pos, "parallel groups cannot be nested");
            continue;
        }
        if (decode_call(c, cn, &step->calls[step->ncalls]))
            step->ncalls++;
    }
}

void cfg__decode_workload(cfg__doc *c, const cfg_node *spec)
{
    cfg_meshsim *m = c->m;
    cfg_workload_spec w;
    cfg_workload_spec_default(&w);
    w.pos = c->root->pos;
    w.name = c->name;
    cfg_check_fields(spec, c->d, workload_fields, CFG_COUNT(workload_fields));
    cfg__f_str(c, spec, "host", &w.host);
    const cfg_node *sel = w.host.str ? cfg_map_get(spec, "selector") : cfg__require(c, spec, "selector", NULL);
    if (sel && w.host.str)
        ms_diag_error(c->d, sel->pos, "a WorkloadModel has either a selector (pods) or a host (an external service), not both");
    else if (sel && cfg__labels(c, sel, "selector", &w.selector) == 0 && w.selector.len == 0)
        ms_diag_error(c->d, sel->pos, "selector must not be empty");
    if (w.host.str && !w.host.str[0])
        ms_diag_error(c->d, w.host.node->pos, "host must not be empty");
    cfg__f_int(c, spec, "concurrency", 1, 1000000, &w.concurrency);
    cfg__f_int(c, spec, "queueLimit", 0, 100000000, &w.queue_limit);
    cfg__f_dist(c, spec, "serviceTime", &w.service_time);
    const cfg_node *errs = cfg__f_map(c, spec, "errors", errors_fields, CFG_COUNT(errors_fields));
    if (errs) {
        cfg__f_fraction(c, errs, "rate", &w.error_rate);
        cfg__f_int(c, errs, "status", 100, 599, &w.error_status);
    }
    cfg__f_size(c, spec, "responseSize", &w.response_size);
    cfg__f_dist(c, spec, "startup", &w.startup);
    cfg__f_str(c, spec, "zone", &w.zone);
    cfg__f_str(c, spec, "node", &w.node);
    const cfg_node *calls = cfg__f_seq(c, spec, "calls");
    if (calls) {
        w.calls = cfg__own(m, calls->u.seq.len, sizeof *w.calls);
        for (size_t i = 0; i < calls->u.seq.len; i++) {
            const cfg_node *sn = calls->u.seq.items[i];
            if (cfg_expect_map(sn, c->d, "a call") < 0)
                continue;
            decode_step(c, sn, &w.calls[w.ncalls++]);
        }
    }
    m->workloads = cfg__grow(m->workloads, m->nworkloads, sizeof *m->workloads);
    m->workloads[m->nworkloads++] = w;
}
