/*
 * build.c - the mesh's topology from the scenario: zones and nodes, workloads
 * (Deployments and StatefulSets) matched to their WorkloadModels, pods placed
 * on nodes, the ingress gateway's replicas, Services and their endpoints, load
 * sources and assertion probes.  Also the checks only the model can make, each
 * reported at the offending node: a WorkloadModel that matches no workload, a
 * call to a host that no Service provides, a source whose pods or host do not
 * exist, a pin to an unknown zone or node.
 *
 * Placement: `spread` deals pods round robin over nodes taken zone by zone in
 * turn (zone-a-1, zone-b-1, zone-a-2, ...), continuing across workloads;
 * `pack` fills the first node before the next, 110 pods a node (Kubernetes'
 * default maximum).  A WorkloadModel may pin its pods to a zone or a node.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/suggest.h"
#include "models/mesh_int.h"
#include "policy/host.h"

#define PODS_PER_NODE 110

static int cfg_labels_match(const cfg_label_set *sel, const pol_labels *labels)
{
    for (size_t i = 0; i < sel->len; i++) {
        int found = 0;
        for (size_t k = 0; k < labels->len && !found; k++)
            found = !strcmp(sel->items[i].key, labels->items[k].key) &&
                    !strcmp(sel->items[i].value, labels->items[k].value);
        if (!found)
            return 0;
    }
    return 1;
}

mdl_service *mdl__service_by_host(mdl_mesh *m, const char *host, const char *client_ns)
{
    char fqdn[POL_HOST_MAX];
    size_t hl = pol_host_strip_port(host, strlen(host));
    char bare[POL_HOST_MAX];
    if (hl >= sizeof bare)
        return NULL;
    memcpy(bare, host, hl);
    bare[hl] = '\0';
    if (client_ns && pol_host_expand(bare, client_ns, fqdn, sizeof fqdn) == 0) {
        for (size_t i = 0; i < m->nservices; i++)
            if (!strcmp(m->services[i].fqdn, fqdn))
                return &m->services[i];
    }
    for (size_t i = 0; i < m->nservices; i++)
        if (!strcmp(m->services[i].fqdn, bare))
            return &m->services[i];
    /* name.ns and name.ns.svc forms */
    for (size_t i = 0; i < m->nservices; i++) {
        const mdl_service *s = &m->services[i];
        size_t n = strlen(bare);
        if (!strncmp(s->fqdn, bare, n) && (s->fqdn[n] == '.') && strchr(bare, '.'))
            return &m->services[i];
    }
    return NULL;
}

static int dist_init(mdl_mesh *m, sim_dist *d, const cfg_val_dist *v)
{
    if (sim_dist_init(d, &v->spec) != 0) {
        ms_pos pos = v->node ? v->node->pos : (ms_pos){0};
        ms_diag_error(m->diag, pos, "invalid distribution parameters");
        return -1;
    }
    return 0;
}

static void build_nodes(mdl_mesh *m)
{
    const cfg_cluster_spec *c = &m->cfg->cluster;
    m->nzones = c->nzones;
    m->zones = ms_xcalloc(c->nzones ? c->nzones : 1, sizeof *m->zones);
    size_t maxn = 0, total = 0;
    for (size_t z = 0; z < c->nzones; z++) {
        m->zones[z].name = c->zones[z].name.str;
        m->zones[z].region = c->zones[z].region.str;
        total += (size_t)c->zones[z].nodes.v;
        if ((size_t)c->zones[z].nodes.v > maxn)
            maxn = (size_t)c->zones[z].nodes.v;
    }
    m->nodes = ms_xcalloc(total ? total : 1, sizeof *m->nodes);
    /* interleave zones: zone-a-1, zone-b-1, zone-a-2, ... */
    for (size_t i = 0; i < maxn; i++)
        for (size_t z = 0; z < c->nzones; z++) {
            if (i >= (size_t)c->zones[z].nodes.v)
                continue;
            mdl_node *n = &m->nodes[m->nnodes++];
            size_t len = strlen(m->zones[z].name) + 24;
            n->name = ms_xmalloc(len);
            snprintf(n->name, len, "%s-%zu", m->zones[z].name, i + 1);
            n->zone = (uint32_t)z;
            n->up = true;
        }
}

typedef struct placer {
    size_t next; /* spread: next node; pack: pods placed so far */
} placer;

static uint32_t place(mdl_mesh *m, placer *pl, const cfg_workload_spec *spec)
{
    if (spec && spec->node.str) {
        for (size_t i = 0; i < m->nnodes; i++)
            if (!strcmp(m->nodes[i].name, spec->node.str))
                return (uint32_t)i;
    }
    if (spec && spec->zone.str) {
        for (size_t k = 0; k < m->nnodes; k++) {
            size_t i = (pl->next + k) % m->nnodes;
            if (!strcmp(m->zones[m->nodes[i].zone].name, spec->zone.str)) {
                pl->next = i + 1;
                return (uint32_t)i;
            }
        }
    }
    if (m->cfg->cluster.placement == CFG_PLACEMENT_PACK) {
        size_t i = (pl->next++ / PODS_PER_NODE) % m->nnodes;
        return (uint32_t)i;
    }
    return (uint32_t)(pl->next++ % m->nnodes);
}

void mdl__pod_init(mdl_mesh *m, mdl_pod *p, uint32_t id, const char *name, size_t idx)
{
    p->id = id;
    size_t len = strlen(name) + 24;
    p->name = ms_xmalloc(len);
    snprintf(p->name, len, "%s-%zu", name, idx);
    snprintf(p->ip, sizeof p->ip, "10.%u.%u.%u", (id >> 16) & 255, (id >> 8) & 255, id & 255);
    snprintf(p->address, sizeof p->address, "%s:8080", p->ip);
    char stream[300];
    snprintf(stream, sizeof stream, "pod/%s", p->name);
    sim_world_rng_init(m->world, &p->rng, stream);
    p->state = MDL_POD_READY; /* the run starts with the cluster in its steady state */
    p->ep_ready = true;
    p->slow_factor = 1.0;
}

static const cfg_workload_spec *model_for(mdl_mesh *m, const cfg_k8s_workload *w, bool *used)
{
    const struct cfg_meshsim *c = m->cfg;
    const cfg_workload_spec *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < c->nworkloads; i++) {
        const cfg_workload_spec *s = &c->workloads[i];
        if (s->host.str)
            continue; /* an external service's model (egress.c) */
        if (cfg_labels_match(&s->selector, &w->pod_labels) && (!best || s->selector.len > best_len)) {
            best = s;
            best_len = s->selector.len;
        }
    }
    if (best)
        used[best - c->workloads] = true;
    return best ? best : &m->default_model;
}

static int build_workloads(mdl_mesh *m)
{
    const struct cfg_k8s_istio *k = m->k8s;
    const struct cfg_meshsim *c = m->cfg;
    const cfg_cluster_spec *cl = &c->cluster;
    int err = 0;
    bool *used = ms_xcalloc(c->nworkloads + 1, sizeof *used);
    size_t npods = 0;
    for (size_t i = 0; i < k->nworkloads; i++)
        npods += (size_t)(k->workloads[i].replicas > 0 ? k->workloads[i].replicas : 0);
    npods += (size_t)cl->mesh.ingress_gateway.replicas.v;
    npods += mdl__egress_plan(m);
    m->pods = ms_xcalloc(npods ? npods : 1, sizeof *m->pods);
    m->workloads = ms_xcalloc(k->nworkloads + mdl__egress_workloads(m) + 1, sizeof *m->workloads);
    placer pl = {0};
    for (size_t i = 0; i < k->nworkloads; i++) {
        const cfg_k8s_workload *kw = &k->workloads[i];
        mdl_workload *w = &m->workloads[m->nworkloads++];
        w->k8s = kw;
        w->spec = model_for(m, kw, used);
        w->name = kw->meta.name;
        w->ns = kw->meta.ns;
        w->version = pol_labels_get(&kw->pod_labels, "version");
        if (dist_init(m, &w->service_time, &w->spec->service_time) != 0)
            err = -1;
        w->first_pod = (uint32_t)m->npods;
        for (int64_t r = 0; r < kw->replicas; r++) {
            mdl_pod *p = &m->pods[m->npods];
            mdl__pod_init(m, p, (uint32_t)m->npods, w->name, (size_t)r);
            m->npods++;
            p->kind = MDL_POD_APP;
            p->wl = w;
            p->node = place(m, &pl, w->spec);
            mdl_station_init(&p->proxy, (uint32_t)cl->mesh.sidecar.workers.v, SIZE_MAX);
            mdl_station_init(&p->app, (uint32_t)w->spec->concurrency.v, (size_t)w->spec->queue_limit.v);
        }
        w->npods = (uint32_t)m->npods - w->first_pod;
    }
    m->ingress_first = (uint32_t)m->npods;
    for (int64_t r = 0; r < cl->mesh.ingress_gateway.replicas.v; r++) {
        mdl_pod *p = &m->pods[m->npods];
        mdl__pod_init(m, p, (uint32_t)m->npods, "istio-ingressgateway", (size_t)r);
        m->npods++;
        p->kind = MDL_POD_INGRESS;
        p->node = place(m, &pl, NULL);
        mdl_station_init(&p->proxy, (uint32_t)cl->mesh.ingress_gateway.workers.v, SIZE_MAX);
        mdl_station_init(&p->app, 1, 0);
    }
    m->ningress = (uint32_t)m->npods - m->ingress_first;
    err |= mdl__egress_add_pods(m);
    for (size_t i = 0; i < c->nworkloads; i++) {
        const cfg_workload_spec *s = &c->workloads[i];
        if (!used[i] && !s->host.str) {
            ms_diag_error(m->diag, s->selector.node ? s->selector.node->pos : s->pos,
                          "WorkloadModel \"%s\": its selector matches no Deployment or StatefulSet",
                          s->name.str ? s->name.str : "");
            err = -1;
        }
        if (s->zone.str) {
            int ok = 0;
            for (size_t z = 0; z < m->nzones; z++)
                ok |= !strcmp(m->zones[z].name, s->zone.str);
            if (!ok) {
                ms_diag_error(m->diag, s->zone.node->pos, "zone \"%s\" is not a zone of the Cluster", s->zone.str);
                err = -1;
            }
        }
        if (s->node.str) {
            int ok = 0;
            for (size_t n = 0; n < m->nnodes; n++)
                ok |= !strcmp(m->nodes[n].name, s->node.str);
            if (!ok) {
                ms_diag_error(m->diag, s->node.node->pos, "node \"%s\" is not a node of the Cluster", s->node.str);
                err = -1;
            }
        }
    }
    free(used);
    return err;
}

static void build_services(mdl_mesh *m)
{
    const struct cfg_k8s_istio *k = m->k8s;
    m->services = ms_xcalloc(k->nservices + mdl__egress_services(m) + 1, sizeof *m->services);
    for (size_t i = 0; i < k->nservices; i++) {
        const cfg_k8s_service *ks = &k->services[i];
        mdl_service *s = &m->services[m->nservices++];
        s->k8s = ks;
        s->name = ks->meta.name;
        s->ns = ks->meta.ns;
        s->port = ks->nports ? (int)ks->ports[0].port : 80;
        s->target_port = ks->nports && !ks->ports[0].target_port_name ? (int)ks->ports[0].target_port : s->port;
        size_t len = strlen(s->name) + strlen(s->ns) + 32;
        s->fqdn = ms_xmalloc(len);
        snprintf(s->fqdn, len, "%s.%s.svc.cluster.local", s->name, s->ns);
        s->pods = ms_xcalloc(m->npods ? m->npods : 1, sizeof *s->pods);
        if (ks->selector.len == 0)
            continue; /* no selector: endpoints managed elsewhere; none here */
        for (size_t p = 0; p < m->npods; p++) {
            const mdl_pod *pod = &m->pods[p];
            if (pod->kind == MDL_POD_APP && !strcmp(pod->wl->ns, s->ns) &&
                pol_labels_subset(&ks->selector, &pod->wl->k8s->pod_labels))
                s->pods[s->npods++] = (uint32_t)p;
        }
    }
    mdl__egress_add_services(m);
}

static int check_calls(mdl_mesh *m)
{
    int err = 0;
    const char **names = ms_xcalloc(m->nservices + 1, sizeof *names);
    for (size_t i = 0; i < m->nservices; i++)
        names[i] = m->services[i].name;
    for (size_t i = 0; i < m->nworkloads; i++) {
        const mdl_workload *w = &m->workloads[i];
        const cfg_workload_spec *s = w->spec;
        if (s == &m->default_model)
            continue;
        for (size_t st = 0; st < s->ncalls; st++) {
            if (s->calls[st].ncalls > MDL_MAX_PARALLEL) {
                ms_diag_error(m->diag, s->calls[st].pos, "a parallel group may hold at most %d calls",
                              MDL_MAX_PARALLEL);
                err = -1;
            }
            for (size_t c = 0; c < s->calls[st].ncalls; c++) {
                const cfg_call_spec *call = &s->calls[st].calls[c];
                if (mdl__service_by_host(m, call->host.str, w->ns))
                    continue;
                ms_suggest_report(m->diag, call->host.node ? call->host.node->pos : call->pos, call->host.str,
                                  names, m->nservices, NULL, "host \"%s\" is not a Service of the scenario",
                                  call->host.str);
                err = -1;
            }
        }
    }
    free(names);
    return err;
}

static int build_sources(mdl_mesh *m)
{
    const struct cfg_meshsim *c = m->cfg;
    int err = 0;
    m->sources = ms_xcalloc(c->nsources ? c->nsources : 1, sizeof *m->sources);
    for (size_t i = 0; i < c->nsources; i++) {
        const cfg_source_spec *sp = &c->sources[i];
        mdl_source *s = &m->sources[m->nsources++];
        s->spec = sp;
        s->m = m;
        char stream[300];
        snprintf(stream, sizeof stream, "source/%s", sp->name.str);
        sim_world_rng_init(m->world, &s->rng, stream);
        if (sp->closed_loop && dist_init(m, &s->think_time, &sp->think_time) != 0)
            err = -1;
        if (sp->external) {
            if (m->ningress == 0) {
                ms_diag_error(m->diag, sp->pos, "source \"%s\" comes from outside, but the ingress gateway has no replicas",
                              sp->name.str);
                err = -1;
            }
            continue;
        }
        s->clients = ms_xcalloc(m->npods ? m->npods : 1, sizeof *s->clients);
        for (size_t p = 0; p < m->npods; p++)
            if (m->pods[p].kind == MDL_POD_APP && cfg_labels_match(&sp->from, &m->pods[p].wl->k8s->pod_labels))
                s->clients[s->nclients++] = (uint32_t)p;
        if (!s->nclients) {
            ms_diag_error(m->diag, sp->from_node ? sp->from_node->pos : sp->pos,
                          "source \"%s\": no pod matches `from`", sp->name.str);
            err = -1;
        }
    }
    return err;
}

static int build_probes(mdl_mesh *m)
{
    const cfg_scenario_spec *sc = &m->cfg->scenario;
    int err = 0;
    m->probes = ms_xcalloc(sc->nassertions ? sc->nassertions : 1, sizeof *m->probes);
    m->nprobes = sc->nassertions;
    for (size_t i = 0; i < sc->nassertions; i++) {
        const cfg_assertion_spec *a = &sc->assertions[i];
        mdl_probe *p = &m->probes[i];
        p->spec = a;
        sim_hist_init(&p->row.latency);
        p->from = a->has_during ? a->during_from.ns : m->warmup;
        p->to = a->has_during ? a->during_to.ns : m->duration;
        p->domain = MDL_DOM_NONE;
        if (a->select.domain.str) {
            for (int d = 0; d < MDL_NPARTS; d++)
                if (!strcmp(a->select.domain.str, mdl_domain_name((mdl_domain)d)))
                    p->domain = d;
            if (!strcmp(a->select.domain.str, "app_service"))
                p->domain = MDL_PROBE_APP_SERVICE;
        }
    }
    return err;
}

int mdl__build(mdl_mesh *m)
{
    const cfg_cluster_spec *cl = &m->cfg->cluster;
    int err = 0;
    cfg_workload_spec_default(&m->default_model);
    build_nodes(m);
    if (!m->nnodes) {
        ms_diag_error(m->diag, cl->pos, "the Cluster has no nodes");
        return -1;
    }
    err |= dist_init(m, &m->sidecar_cost, &cl->mesh.sidecar.cost);
    err |= dist_init(m, &m->ingress_cost, &cl->mesh.ingress_gateway.cost);
    err |= dist_init(m, &m->mtls_handshake, &cl->mesh.mtls_handshake);
    err |= dist_init(m, &m->mtls_per_kib, &cl->mesh.mtls_per_kib);
    err |= dist_init(m, &m->ingress_tls, &cl->mesh.ingress_gateway.tls_handshake);
    err |= dist_init(m, &m->egress_cost, &cl->mesh.egress_gateway.cost);
    err |= dist_init(m, &m->lat_same_node, &cl->network.same_node.latency);
    err |= dist_init(m, &m->lat_same_zone, &cl->network.same_zone.latency);
    err |= dist_init(m, &m->lat_cross_zone, &cl->network.cross_zone.latency);
    err |= dist_init(m, &m->lat_cross_region, &cl->network.cross_region.latency);
    err |= dist_init(m, &m->lat_internet, &cl->network.internet.latency);
    sim_world_rng_init(m->world, &m->net_rng, "network");
    err |= build_workloads(m);
    build_services(m);
    err |= check_calls(m);
    err |= build_sources(m);
    err |= build_probes(m);
    err |= dist_init(m, &(sim_dist){0}, &cl->mesh.push_delay);
    sim_world_rng_init(m->world, &m->life_rng, "lifecycle");
    mdl__cp_create(m);
    err |= mdl__faults_build(m);
    if (err)
        return -1;
    mdl__routes_build(m);
    mdl__inbound_build(m);
    return 0;
}
