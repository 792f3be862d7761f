/*
 * doc_faults.c - the FaultSchedule document (infrastructure faults on a
 * timeline) and the Endpoints document (meshproxy's real upstream addresses).
 *
 * Each fault kind has its own field list: a field that does not apply to the
 * kind (factor on a pod-kill) is reported as unknown, with a suggestion among
 * the fields that do apply.  Faults of all schedules are concatenated here and
 * sorted by `at` in cfg_meshsim_finish (stable, so equal times keep file order).
 */
#include <stdio.h>
#include <string.h>

#include "config/doc_int.h"

/* Indexed by cfg_fault_kind. */
static const char *const fault_kinds[] = {
    "pod-kill", "node-down", "link-degrade", "partition", "slowdown", "errors",
    "external-outage", "control-plane-down",
};

const char *cfg_fault_kind_name(cfg_fault_kind k)
{
    return (size_t)k < CFG_COUNT(fault_kinds) ? fault_kinds[k] : "unknown";
}

/* Fields of each kind, after the common at/for/kind; NULL-terminated.
 * `required` lists the ones that must be present. */
typedef struct kind_fields {
    const char *fields[8];
    const char *required[4];
    bool has_for;
} kind_fields;

static const kind_fields per_kind[] = {
    [CFG_FAULT_POD_KILL] = {{"selector", "count", "restartAfter", "gracePeriod"}, {"selector"}, false},
    [CFG_FAULT_NODE_DOWN] = {{"node"}, {"node"}, true},
    [CFG_FAULT_LINK_DEGRADE] = {{"between", "and", "addLatency", "loss", "bandwidth"},
                                {"between", "and"}, true},
    [CFG_FAULT_PARTITION] = {{"between", "and"}, {"between", "and"}, true},
    [CFG_FAULT_SLOWDOWN] = {{"selector", "factor"}, {"selector", "factor"}, true},
    [CFG_FAULT_ERRORS] = {{"selector", "rate", "status"}, {"selector", "rate"}, true},
    [CFG_FAULT_EXTERNAL_OUTAGE] = {{"host"}, {"host"}, true},
    [CFG_FAULT_CONTROL_PLANE_DOWN] = {{NULL}, {NULL}, true},
};

static const char *const scope_names[] = {"zone", "node", "region"};

static void decode_scope(cfg__doc *c, const cfg_node *f, const char *key, cfg_scope *out)
{
    const cfg_node *n = cfg__f_map(c, f, key, NULL, 0);
    if (!n)
        return;
    if (cfg_check_fields(n, c->d, scope_names, CFG_COUNT(scope_names)) > 0)
        return;
    if (n->u.map.len != 1) {
        ms_diag_error(c->d, n->pos, "%s must name exactly one of \"zone\", \"node\" or \"region\"",
                      key);
        return;
    }
    for (size_t i = 0; i < CFG_COUNT(scope_names); i++) {
        const cfg_node *v = cfg_map_get(n, scope_names[i]);
        if (v && cfg_read_string(v, c->d, &out->name.str) == 0) {
            out->kind = (cfg_scope_kind)i;
            out->name.node = v;
        }
    }
}

static bool decode_fault(cfg__doc *c, const cfg_node *n, cfg_fault_spec *f)
{
    memset(f, 0, sizeof *f);
    f->pos = n->pos;
    f->schedule = c->name.str;
    f->count.v = 1;
    f->restart_after.spec = ms_dist_constant(0);
    f->add_latency.spec = ms_dist_constant(0);
    f->status.v = 503;
    const cfg_node *kn = cfg__require(c, n, "kind", "a fault");
    int k;
    if (!kn || cfg__enum(c, kn, "fault kind", fault_kinds, CFG_COUNT(fault_kinds), &k) < 0) {
        if (!kn) /* still check what can be checked */
            cfg__f_dur(c, n, "at", &f->at);
        return false;
    }
    f->kind = (cfg_fault_kind)k;
    f->kind_node = kn;
    const kind_fields *kf = &per_kind[k];
    const char *known[12] = {"at", "kind"};
    size_t nknown = 2;
    if (kf->has_for)
        known[nknown++] = "for";
    for (size_t i = 0; i < CFG_COUNT(kf->fields) && kf->fields[i]; i++)
        known[nknown++] = kf->fields[i];
    cfg_check_fields(n, c->d, known, nknown);
    char what[64];
    snprintf(what, sizeof what, "a %s fault", fault_kinds[k]);
    bool ok = true;
    if (!cfg__require(c, n, "at", what) || cfg__f_dur(c, n, "at", &f->at) < 0)
        ok = false;
    for (size_t i = 0; i < CFG_COUNT(kf->required) && kf->required[i]; i++)
        if (!cfg__require(c, n, kf->required[i], what))
            ok = false;
    if (kf->has_for)
        cfg__f_dur(c, n, "for", &f->duration);
    switch (f->kind) {
    case CFG_FAULT_POD_KILL:
        cfg__f_int(c, n, "count", 1, 1000000, &f->count);
        cfg__f_dist(c, n, "restartAfter", &f->restart_after);
        cfg__f_dur(c, n, "gracePeriod", &f->grace_period);
        break;
    case CFG_FAULT_NODE_DOWN: cfg__f_str(c, n, "node", &f->node); break;
    case CFG_FAULT_LINK_DEGRADE:
        if (!cfg_map_get(n, "addLatency") && !cfg_map_get(n, "loss") && !cfg_map_get(n, "bandwidth")) {
            ms_diag_error(c->d, n->pos, "a link-degrade fault needs at least one of "
                                        "\"addLatency\", \"loss\" or \"bandwidth\"");
            ok = false;
        }
        cfg__f_dist(c, n, "addLatency", &f->add_latency);
        cfg__f_fraction(c, n, "loss", &f->loss);
        cfg__f_bandwidth(c, n, "bandwidth", &f->bandwidth);
        /* fall through */
    case CFG_FAULT_PARTITION:
        decode_scope(c, n, "between", &f->between);
        decode_scope(c, n, "and", &f->and_);
        break;
    case CFG_FAULT_SLOWDOWN:
        if (cfg__f_double(c, n, "factor", 0, 1e6, &f->factor) == 0 && f->factor.node &&
            f->factor.v <= 0)
            ms_diag_error(c->d, f->factor.node->pos, "factor must be greater than 0");
        break;
    case CFG_FAULT_ERRORS:
        cfg__f_fraction(c, n, "rate", &f->rate);
        cfg__f_int(c, n, "status", 100, 599, &f->status);
        break;
    case CFG_FAULT_EXTERNAL_OUTAGE: cfg__f_str(c, n, "host", &f->host); break;
    case CFG_FAULT_CONTROL_PLANE_DOWN: break;
    }
    if (kf->fields[0] && !strcmp(kf->fields[0], "selector")) {
        const cfg_node *sel = cfg_map_get(n, "selector");
        if (sel && cfg__labels(c, sel, "selector", &f->selector) == 0 && f->selector.len == 0)
            ms_diag_error(c->d, sel->pos, "selector must not be empty");
    }
    return ok;
}

void cfg__decode_faults(cfg__doc *c, const cfg_node *spec)
{
    static const char *const schedule_fields[] = {"faults"};
    cfg_meshsim *m = c->m;
    cfg_check_fields(spec, c->d, schedule_fields, CFG_COUNT(schedule_fields));
    const cfg_node *fs = cfg__require_seq(c, spec, "faults", NULL);
    if (!fs)
        return;
    for (size_t i = 0; i < fs->u.seq.len; i++) {
        const cfg_node *n = fs->u.seq.items[i];
        if (cfg_expect_map(n, c->d, "a fault") < 0)
            continue;
        cfg_fault_spec f;
        if (!decode_fault(c, n, &f))
            continue;
        m->faults = cfg__grow(m->faults, m->nfaults, sizeof *m->faults);
        m->faults[m->nfaults++] = f;
    }
}

/* --- Endpoints --------------------------------------------------------------------- */

static const char *const service_fields[] = {"host", "port", "endpoints"};
static const char *const endpoint_fields[] = {"address", "labels", "zone", "region", "weight"};

static void decode_endpoint(cfg__doc *c, const cfg_node *n, cfg_upstream_spec *u)
{
    if (cfg__expect_fields(n, c->d, "an endpoint", endpoint_fields, CFG_COUNT(endpoint_fields)) < 0)
        return;
    cfg_endpoint_spec e = {0};
    e.pos = n->pos;
    e.weight.v = 1;
    if (!cfg__require(c, n, "address", "an endpoint") || cfg__f_str(c, n, "address", &e.address) < 0)
        return;
    const char *colon = strrchr(e.address.str, ':');
    if (!colon || colon == e.address.str || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
        ms_diag_error(c->d, e.address.node->pos, "invalid address \"%s\"; expected host:port such "
                                                 "as 127.0.0.1:9080", e.address.str);
        return;
    }
    cfg__f_labels(c, n, "labels", &e.labels);
    cfg__f_str(c, n, "zone", &e.zone);
    cfg__f_str(c, n, "region", &e.region);
    cfg__f_int(c, n, "weight", 1, 1000000, &e.weight);
    u->endpoints[u->nendpoints++] = e;
}

void cfg__decode_endpoints(cfg__doc *c, const cfg_node *spec)
{
    static const char *const endpoints_fields[] = {"services"};
    cfg_meshsim *m = c->m;
    cfg_check_fields(spec, c->d, endpoints_fields, CFG_COUNT(endpoints_fields));
    const cfg_node *ss = cfg__require_seq(c, spec, "services", NULL);
    if (!ss)
        return;
    for (size_t i = 0; i < ss->u.seq.len; i++) {
        const cfg_node *n = ss->u.seq.items[i];
        if (cfg__expect_fields(n, c->d, "a service", service_fields, CFG_COUNT(service_fields)) < 0)
            continue;
        cfg_upstream_spec u = {0};
        u.pos = n->pos;
        bool ok = cfg__require(c, n, "host", "a service") && cfg__f_str(c, n, "host", &u.host) == 0;
        ok &= cfg__require(c, n, "port", "a service") &&
              cfg__f_int(c, n, "port", 1, 65535, &u.port) == 0;
        const cfg_node *es = cfg__require_seq(c, n, "endpoints", "a service");
        if (es) {
            u.endpoints = cfg__own(m, es->u.seq.len, sizeof *u.endpoints);
            for (size_t j = 0; j < es->u.seq.len; j++)
                decode_endpoint(c, es->u.seq.items[j], &u);
        }
        if (!ok)
            continue;
        m->upstreams = cfg__grow(m->upstreams, m->nupstreams, sizeof *m->upstreams);
        m->upstreams[m->nupstreams++] = u;
    }
}
