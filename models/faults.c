/*
 * faults.c - the FaultSchedule: infrastructure faults on the run's timeline.
 *
 * Every fault holds over [at, at + for) (to the end of the run without `for`)
 * and is recorded in the timeline (kind "fault") when it begins.  What each
 * kind does:
 *   pod-kill      `count` pods among those the selector matches (still alive;
 *                 drawn from the fault's stream) die at once (lifecycle.c: their
 *                 attempts are reset, UC); the pod is deleted, so its endpoint
 *                 goes not-ready at once; a replacement pod (new address) is
 *                 created after `restartAfter` and is ready after its startup
 *                 time.  With a `gracePeriod` the pods terminate gracefully
 *                 instead: endpoint withdrawn at once, serving until the
 *                 period ends, then killed; the replacement comes no earlier
 *                 (one pod per replica).
 *   node-down     the node and its pods stop without a word: nothing they were
 *                 doing answers, connections to them time out.  The control
 *                 plane hears of it only after Kubernetes' node-monitor grace
 *                 period (40 s), when the pods' endpoints go not-ready.  When
 *                 the node comes back its pods start again (same addresses).
 *                 Pods are not rescheduled elsewhere while it is down.
 *   link-degrade  between the two scopes (zone, node or region), each message
 *                 gets `addLatency` (drawn per message), each packet the extra
 *                 `loss`, and the bandwidth is capped (network.c).
 *   partition     no packet crosses between the two scopes.
 *   slowdown      the selected pods' service times are multiplied by `factor`.
 *   errors        the selected pods' applications answer `status` with
 *                 probability `rate` (after their normal work).
 *   control-plane-down  istiod pushes nothing; changes queue until it is back.
 * Overlapping faults: slowdowns multiply; of overlapping errors faults on one
 * pod the one that began last applies; losses combine as independent drops.
 *   external-outage  the external service `host` (a ServiceEntry host or a
 *                 `host:` WorkloadModel, egress.c) is unreachable: new
 *                 connections to it time out (503 UF), bytes to or from it
 *                 are lost (network.c).
 *
 * Because each fault's interval is known when the mesh is built, the network
 * asks about any time, including the future (when a blocked path opens).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/suggest.h"
#include "models/mesh_int.h"

#define NODE_GRACE (40 * SIM_S) /* kube-controller-manager --node-monitor-grace-period */

static bool labels_match(const cfg_label_set *sel, const pol_labels *labels)
{
    for (size_t i = 0; i < sel->len; i++) {
        const char *v = pol_labels_get(labels, sel->items[i].key);
        if (!v || strcmp(v, sel->items[i].value))
            return false;
    }
    return true;
}

/* --- scopes ------------------------------------------------------------------------- */

static bool in_scope(const mdl_mesh *m, const cfg_scope *s, uint32_t node)
{
    const mdl_node *n = &m->nodes[node];
    switch (s->kind) {
    case CFG_SCOPE_ZONE: return !strcmp(m->zones[n->zone].name, s->name.str);
    case CFG_SCOPE_NODE: return !strcmp(n->name, s->name.str);
    case CFG_SCOPE_REGION: return !strcmp(m->zones[n->zone].region, s->name.str);
    }
    return false;
}

static bool between(const mdl_mesh *m, const cfg_fault_spec *f, uint32_t a, uint32_t b)
{
    return (in_scope(m, &f->between, a) && in_scope(m, &f->and_, b)) ||
           (in_scope(m, &f->between, b) && in_scope(m, &f->and_, a));
}

static bool holds(const mdl_fault *f, sim_time t) { return t >= f->from && t < f->to; }

bool mdl__node_up_at(const mdl_mesh *m, uint32_t node, sim_time t)
{
    for (size_t i = 0; i < m->nfaults; i++) {
        const mdl_fault *f = &m->faults[i];
        if (f->spec->kind == CFG_FAULT_NODE_DOWN && f->node == node && holds(f, t))
            return false;
    }
    return true;
}

bool mdl__path_open_at(const mdl_mesh *m, uint32_t a, uint32_t b, sim_time t)
{
    for (size_t i = 0; i < m->nfaults; i++) {
        const mdl_fault *f = &m->faults[i];
        if (!holds(f, t))
            continue;
        if (f->spec->kind == CFG_FAULT_NODE_DOWN && (f->node == a || f->node == b))
            return false;
        if (f->spec->kind == CFG_FAULT_PARTITION && between(m, f->spec, a, b))
            return false;
    }
    return true;
}

void mdl__link_faults(mdl_mesh *m, uint32_t a, uint32_t b, sim_time t, sim_time *add,
                      double *loss, double *bandwidth)
{
    double keep = 1.0;
    *add = 0;
    *bandwidth = 0;
    for (size_t i = 0; i < m->nfaults; i++) {
        mdl_fault *f = &m->faults[i];
        if (f->spec->kind != CFG_FAULT_LINK_DEGRADE || !holds(f, t) || !between(m, f->spec, a, b))
            continue;
        *add += mdl_sample_ns(&f->add_latency, &f->rng);
        keep *= 1.0 - f->spec->loss.v;
        double bw = f->spec->bandwidth.v;
        if (bw > 0 && (*bandwidth == 0 || bw < *bandwidth))
            *bandwidth = bw;
    }
    *loss = 1.0 - keep;
}

/* --- checks ------------------------------------------------------------------------- */

static int check_scope(mdl_mesh *m, const cfg_fault_spec *f, const cfg_scope *s)
{
    for (size_t i = 0; i < m->nnodes; i++)
        if (in_scope(m, s, (uint32_t)i))
            return 0;
    const char *what = s->kind == CFG_SCOPE_ZONE ? "zone" : s->kind == CFG_SCOPE_NODE ? "node" : "region";
    const char **names = ms_xcalloc(m->nnodes, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < m->nnodes; i++) {
        const mdl_node *nd = &m->nodes[i];
        names[n++] = s->kind == CFG_SCOPE_ZONE   ? m->zones[nd->zone].name
                     : s->kind == CFG_SCOPE_NODE ? nd->name
                                                 : m->zones[nd->zone].region;
    }
    ms_suggest_report(m->diag, s->name.node ? s->name.node->pos : f->pos, s->name.str, names, n, NULL,
                      "%s \"%s\" is not a %s of the Cluster", what, s->name.str, what);
    free(names);
    return -1;
}

/* Pods the selector matches (application pods), into f->pods. */
static int select_pods(mdl_mesh *m, mdl_fault *f)
{
    const cfg_fault_spec *s = f->spec;
    f->pods = ms_xcalloc(m->npods ? m->npods : 1, sizeof *f->pods);
    for (size_t p = 0; p < m->npods; p++)
        if (m->pods[p].wl && m->pods[p].wl->k8s && labels_match(&s->selector, &m->pods[p].wl->k8s->pod_labels))
            f->pods[f->npods++] = (uint32_t)p;
    if (f->npods)
        return 0;
    ms_diag_error(m->diag, s->selector.node ? s->selector.node->pos : s->pos,
                  "%s fault: its selector matches no pod", cfg_fault_kind_name(s->kind));
    return -1;
}

static int build_one(mdl_mesh *m, mdl_fault *f, size_t index)
{
    const cfg_fault_spec *s = f->spec;
    int err = 0;
    char stream[96];
    snprintf(stream, sizeof stream, "fault/%zu/%s", index, cfg_fault_kind_name(s->kind));
    sim_world_rng_init(m->world, &f->rng, stream);
    f->from = s->at.ns;
    f->to = s->duration.ns > 0 && s->kind != CFG_FAULT_POD_KILL ? s->at.ns + s->duration.ns : SIM_TIME_MAX;
    if (s->kind == CFG_FAULT_POD_KILL)
        f->to = s->at.ns; /* an instant */
    switch (s->kind) {
    case CFG_FAULT_POD_KILL:
        if (sim_dist_init(&f->restart_after, &s->restart_after.spec) != 0) {
            ms_diag_error(m->diag, s->restart_after.node ? s->restart_after.node->pos : s->pos,
                          "invalid distribution parameters");
            err = -1;
        }
        if (select_pods(m, f) != 0)
            err = -1;
        else if ((size_t)s->count.v > f->npods) {
            ms_diag_error(m->diag, s->count.node ? s->count.node->pos : s->pos,
                          "count %lld is more than the %zu pods the selector matches",
                          (long long)s->count.v, f->npods);
            err = -1;
        }
        break;
    case CFG_FAULT_NODE_DOWN: {
        const char **names = ms_xcalloc(m->nnodes, sizeof *names);
        bool found = false;
        for (size_t i = 0; i < m->nnodes; i++) {
            names[i] = m->nodes[i].name;
            if (!strcmp(m->nodes[i].name, s->node.str)) {
                f->node = (uint32_t)i;
                found = true;
            }
        }
        if (!found) {
            ms_suggest_report(m->diag, s->node.node ? s->node.node->pos : s->pos, s->node.str, names, m->nnodes,
                              NULL, "node \"%s\" is not a node of the Cluster", s->node.str);
            err = -1;
        }
        free(names);
        break;
    }
    case CFG_FAULT_LINK_DEGRADE:
        if (sim_dist_init(&f->add_latency, &s->add_latency.spec) != 0) {
            ms_diag_error(m->diag, s->add_latency.node ? s->add_latency.node->pos : s->pos,
                          "invalid distribution parameters");
            err = -1;
        }
        /* fall through */
    case CFG_FAULT_PARTITION:
        err |= check_scope(m, s, &s->between);
        err |= check_scope(m, s, &s->and_);
        break;
    case CFG_FAULT_SLOWDOWN:
    case CFG_FAULT_ERRORS:
        err |= select_pods(m, f);
        break;
    case CFG_FAULT_EXTERNAL_OUTAGE:
        if (!s->host.str || !mdl__egress_external(m, s->host.str)) {
            ms_diag_error(m->diag, s->host.node ? s->host.node->pos : s->pos,
                          "external-outage: host \"%s\" is not an external service (a MESH_EXTERNAL "
                          "ServiceEntry host, or a WorkloadModel with that host)",
                          s->host.str ? s->host.str : "");
            err = -1;
        }
        break;
    case CFG_FAULT_CONTROL_PLANE_DOWN: break;
    }
    return err;
}

int mdl__faults_build(mdl_mesh *m)
{
    const struct cfg_meshsim *c = m->cfg;
    int err = 0;
    m->faults = ms_xcalloc(c->nfaults ? c->nfaults : 1, sizeof *m->faults);
    for (size_t i = 0; i < m->nworkloads && c->nfaults; i++) {
        /* restarted pods draw their startup time */
        const cfg_val_dist *st = &m->workloads[i].spec->startup;
        sim_dist d;
        if (sim_dist_init(&d, &st->spec) != 0 && (!i || m->workloads[i - 1].spec != m->workloads[i].spec)) {
            ms_diag_error(m->diag, st->node ? st->node->pos : m->workloads[i].spec->pos,
                          "invalid distribution parameters");
            err = -1;
        }
    }
    for (size_t i = 0; i < c->nfaults; i++) {
        mdl_fault *f = &m->faults[m->nfaults++];
        f->spec = &c->faults[i];
        err |= build_one(m, f, i);
    }
    return err;
}

void mdl__faults_free(mdl_mesh *m)
{
    for (size_t i = 0; i < m->nfaults; i++) {
        sim_rng_fini(&m->faults[i].rng);
        free(m->faults[i].pods);
    }
    free(m->faults);
    m->faults = NULL;
    m->nfaults = 0;
}

/* --- running ------------------------------------------------------------------------ */

enum { EV_BEGIN, EV_END, EV_RESTART, EV_NODE_LOST, EV_GRACE_END };

static void schedule(mdl_mesh *m, sim_time at, size_t fault, int what, uint32_t pod);

/* Slowdowns and injected errors in force, recomputed whenever one begins or ends. */
static void refresh_pod_effects(mdl_mesh *m)
{
    for (size_t p = 0; p < m->npods; p++) {
        m->pods[p].slow_factor = 1.0;
        m->pods[p].err_rate = 0;
    }
    for (size_t i = 0; i < m->nfaults; i++) {
        mdl_fault *f = &m->faults[i];
        if (!holds(f, sim_now(m->world)))
            continue;
        for (size_t k = 0; k < f->npods; k++) {
            mdl_pod *p = &m->pods[f->pods[k]];
            if (f->spec->kind == CFG_FAULT_SLOWDOWN) {
                p->slow_factor *= f->spec->factor.v;
            } else if (f->spec->kind == CFG_FAULT_ERRORS) {
                p->err_rate = f->spec->rate.v;
                p->err_status = (int)f->spec->status.v;
                p->err_rng = &f->rng;
            }
        }
    }
}

static void selector_text(const cfg_label_set *sel, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sel->len && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s=%s", i ? "," : "", sel->items[i].key,
                              sel->items[i].value);
}

static void scope_text(const cfg_scope *s, char *buf, size_t size)
{
    static const char *const kinds[] = {"zone", "node", "region"};
    snprintf(buf, size, "%s %s", kinds[s->kind], s->name.str);
}

static double ms_of(sim_time t) { return (double)t / 1e6; }

/* The fault's timeline entry (pod-kill: after the victims are chosen). */
static void record(mdl_mesh *m, const mdl_fault *f, const char *subject)
{
    const cfg_fault_spec *s = f->spec;
    char detail[320], a[128], b[128];
    const char *kind = cfg_fault_kind_name(s->kind);
    switch (s->kind) {
    case CFG_FAULT_POD_KILL:
        snprintf(detail, sizeof detail, "%s count=%lld gracePeriod=%.0fms", kind, (long long)s->count.v,
                 ms_of(s->grace_period.ns));
        break;
    case CFG_FAULT_LINK_DEGRADE: {
        size_t n = (size_t)snprintf(detail, sizeof detail, "%s", kind);
        if (s->add_latency.node && n < sizeof detail)
            n += (size_t)snprintf(detail + n, sizeof detail - n, " addLatency(mean)=%gms",
                                  ms_of((sim_time)sim_dist_mean(&f->add_latency)));
        if (s->loss.node && n < sizeof detail)
            n += (size_t)snprintf(detail + n, sizeof detail - n, " loss=%g", s->loss.v);
        if (s->bandwidth.node && n < sizeof detail)
            snprintf(detail + n, sizeof detail - n, " bandwidth=%gbps", s->bandwidth.v);
        break;
    }
    case CFG_FAULT_SLOWDOWN:
        snprintf(detail, sizeof detail, "%s factor=%g", kind, s->factor.v);
        break;
    case CFG_FAULT_ERRORS:
        snprintf(detail, sizeof detail, "%s rate=%g status=%lld", kind, s->rate.v, (long long)s->status.v);
        break;
    default: snprintf(detail, sizeof detail, "%s", kind); break;
    }
    char subj[300];
    if (!subject) {
        switch (s->kind) {
        case CFG_FAULT_NODE_DOWN: snprintf(subj, sizeof subj, "%s", m->nodes[f->node].name); break;
        case CFG_FAULT_LINK_DEGRADE:
        case CFG_FAULT_PARTITION:
            scope_text(&s->between, a, sizeof a);
            scope_text(&s->and_, b, sizeof b);
            snprintf(subj, sizeof subj, "%s <-> %s", a, b);
            break;
        case CFG_FAULT_CONTROL_PLANE_DOWN: snprintf(subj, sizeof subj, "istiod"); break;
        default: selector_text(&s->selector, subj, sizeof subj); break;
        }
        subject = subj;
    }
    sim_time end = f->to == SIM_TIME_MAX ? (m->duration > f->from ? m->duration : f->from) : f->to;
    mdl_results_event(&m->results, f->from, end, "fault", subject, detail);
}

static void kill_pods(mdl_mesh *m, size_t index)
{
    mdl_fault *f = &m->faults[index];
    sim_time now = sim_now(m->world);
    uint32_t *alive = ms_xcalloc(f->npods, sizeof *alive);
    size_t nalive = 0;
    for (size_t k = 0; k < f->npods; k++)
        if (m->pods[f->pods[k]].state != MDL_POD_DOWN)
            alive[nalive++] = f->pods[k];
    size_t count = (size_t)f->spec->count.v < nalive ? (size_t)f->spec->count.v : nalive;
    char names[300] = "";
    size_t n = 0;
    for (size_t k = 0; k < count; k++) {
        /* a partial Fisher-Yates shuffle: victims in draw order */
        size_t pick = k + (size_t)sim_rng_below(&f->rng, nalive - k);
        uint32_t tmp = alive[k];
        alive[k] = alive[pick];
        alive[pick] = tmp;
        mdl_pod *p = &m->pods[alive[k]];
        if (n < sizeof names)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", k ? "," : "", p->name);
    }
    record(m, f, count ? names : "(no pod alive)");
    sim_time grace = f->spec->grace_period.ns;
    for (size_t k = 0; k < count; k++) {
        mdl_pod *p = &m->pods[alive[k]];
        char detail[128];
        sim_time restart = mdl_sample_ns(&f->restart_after, &f->rng);
        if (grace > 0) {
            /* the replacement takes the pod's place once it is gone */
            if (restart < grace)
                restart = grace;
            mdl__pod_terminate(m, p);
            schedule(m, now + grace, index, EV_GRACE_END, p->id);
            snprintf(detail, sizeof detail,
                     "terminating (grace %.0f ms); its replacement is created %.0f ms later",
                     ms_of(grace), ms_of(restart));
        } else {
            mdl__pod_kill(m, p, true);
            mdl__cp_set_ready(m, p, false); /* the pod object is deleted at once */
            snprintf(detail, sizeof detail, "killed; its replacement is created %.0f ms later",
                     ms_of(restart));
        }
        mdl_results_event(&m->results, now, now + restart, "pod", p->name, detail);
        schedule(m, now + restart, index, EV_RESTART, p->id);
    }
    free(alive);
}

static void node_down(mdl_mesh *m, size_t index)
{
    mdl_fault *f = &m->faults[index];
    m->nodes[f->node].up = false;
    for (size_t p = 0; p < m->npods; p++)
        if (m->pods[p].node == f->node)
            mdl__pod_kill(m, &m->pods[p], false);
    schedule(m, sim_now(m->world) + NODE_GRACE, index, EV_NODE_LOST, 0);
}

static void node_back(mdl_mesh *m, uint32_t node)
{
    if (!mdl__node_up_at(m, node, sim_now(m->world)))
        return; /* another node-down still holds */
    m->nodes[node].up = true;
    for (size_t p = 0; p < m->npods; p++) {
        mdl_pod *pod = &m->pods[p];
        if (pod->node == node && pod->state == MDL_POD_DOWN)
            mdl__pod_start(m, pod, false, mdl__pod_startup_time(m, pod));
    }
}

static void on_fault_event(sim_world *w, void *t, uint64_t arg)
{
    mdl_mesh *m = t;
    size_t index = (size_t)(arg >> 35);
    int what = (int)((arg >> 32) & 7);
    uint32_t pod = (uint32_t)arg;
    mdl_fault *f = &m->faults[index];
    sim_time now = sim_now(w);
    switch (what) {
    case EV_RESTART: {
        mdl_pod *p = &m->pods[pod];
        if (p->state == MDL_POD_DOWN && mdl__node_up_at(m, p->node, now))
            mdl__pod_start(m, p, true, mdl__pod_startup_time(m, p));
        return; /* on a node that is down: it starts when the node comes back */
    }
    case EV_GRACE_END:
        if (m->pods[pod].state == MDL_POD_TERMINATING)
            mdl__pod_kill(m, &m->pods[pod], true); /* SIGKILL: what is left is reset */
        return;
    case EV_NODE_LOST:
        /* the node controller marks the node's pods not ready */
        for (size_t p = 0; p < m->npods; p++)
            if (m->pods[p].node == f->node && m->pods[p].state == MDL_POD_DOWN)
                mdl__cp_set_ready(m, &m->pods[p], false);
        return;
    case EV_BEGIN:
        if (f->spec->kind != CFG_FAULT_POD_KILL)
            record(m, f, NULL);
        switch (f->spec->kind) {
        case CFG_FAULT_POD_KILL: kill_pods(m, index); break;
        case CFG_FAULT_NODE_DOWN: node_down(m, index); break;
        case CFG_FAULT_SLOWDOWN:
        case CFG_FAULT_ERRORS: refresh_pod_effects(m); break;
        case CFG_FAULT_CONTROL_PLANE_DOWN: mdl__cp_set_down(m, true); break;
        case CFG_FAULT_LINK_DEGRADE:
        case CFG_FAULT_PARTITION:
        case CFG_FAULT_EXTERNAL_OUTAGE: break; /* the network asks (network.c) */
        }
        return;
    case EV_END:
        switch (f->spec->kind) {
        case CFG_FAULT_NODE_DOWN: node_back(m, f->node); break;
        case CFG_FAULT_SLOWDOWN:
        case CFG_FAULT_ERRORS: refresh_pod_effects(m); break;
        case CFG_FAULT_CONTROL_PLANE_DOWN: {
            bool still = false;
            for (size_t i = 0; i < m->nfaults; i++)
                still |= m->faults[i].spec->kind == CFG_FAULT_CONTROL_PLANE_DOWN && holds(&m->faults[i], now);
            if (!still)
                mdl__cp_set_down(m, false);
            break;
        }
        default: break;
        }
        return;
    }
}

static void schedule(mdl_mesh *m, sim_time at, size_t fault, int what, uint32_t pod)
{
    sim_schedule_at(m->world, at, on_fault_event, m,
                    ((uint64_t)fault << 35) | ((uint64_t)what << 32) | pod);
}

void mdl__faults_start(mdl_mesh *m)
{
    for (size_t i = 0; i < m->nfaults; i++) {
        const mdl_fault *f = &m->faults[i];
        if (f->from >= m->duration)
            continue; /* after the end of the run */
        schedule(m, f->from, i, EV_BEGIN, 0);
        if (f->to != SIM_TIME_MAX && f->to > f->from)
            schedule(m, f->to, i, EV_END, 0);
    }
}

bool mdl__external_up_at(const mdl_mesh *m, const mdl_pod *ext, sim_time t)
{
    for (size_t i = 0; i < m->nfaults; i++) {
        const mdl_fault *f = &m->faults[i];
        if (f->spec->kind == CFG_FAULT_EXTERNAL_OUTAGE && holds(f, t) &&
            !strcmp(f->spec->host.str, ext->wl->name))
            return false;
    }
    return true;
}
