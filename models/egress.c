/*
 * egress.c - traffic that leaves the mesh: external services and the egress
 * gateway.
 *
 * External services.  Every host of a MESH_EXTERNAL ServiceEntry (wildcard
 * hosts excepted) and every host a WorkloadModel names with `host:` is an
 * external service: one model service whose one endpoint is an external pod
 * outside the cluster, reached over the `internet` link, without a sidecar.
 * Its behaviour is the WorkloadModel with that `host:` (concurrency, queue,
 * service time, errors, response size; no calls), else the default model.  A
 * host with a model but no ServiceEntry is not in the mesh's registry: sidecars
 * reach it through the PassthroughCluster under outboundTrafficPolicy
 * ALLOW_ANY, and get 502 from the BlackHoleCluster under REGISTRY_ONLY
 * (routing.c).  The ServiceEntry's first port is the service's port.
 *
 * The egress gateway.  Cluster.spec.mesh.egressGateway.replicas pods in
 * istio-system behind the Service istio-egressgateway (as in a default Istio
 * install), each with `workers` proxy threads and `cost` per request.  A
 * Gateway selecting `istio: egressgateway` binds to them.  A request that
 * reaches a replica is routed by the replica itself, with its own table (the
 * Gateway's server must accept the host and port, else 404 NR), as a new
 * request of that proxy: its worker cost, its VirtualService route (usually
 * to the external host), its own connections, retries and timeouts.  The
 * answer goes back to the sidecar that sent it.  Istio's egress task (a
 * VirtualService bound to `mesh` and the egress Gateway, whose mesh rule
 * routes to istio-egressgateway and whose gateway rule routes to the external
 * host) works unchanged.
 *
 * external-outage faults make an external service unreachable for their
 * duration (faults.c, network.c): new connections time out (503 UF), bytes
 * sent to or from it are lost.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"
#include "policy/host.h"

#define EGRESS_NS "istio-system"
#define EGRESS_NAME "istio-egressgateway"

typedef struct ext_host {
    const char *host;
    const pol_service_entry *se; /* NULL: known by its WorkloadModel only */
    const cfg_workload_spec *model;
} ext_host;

struct mdl_egress {
    ext_host *hosts; /* owned */
    size_t nhosts, cap;
    uint32_t ext_first; /* pod index of the first external pod */
    uint32_t gw_first, ngw; /* egress gateway pods */
    struct mdl_routes *routes; /* owned: the egress gateway's tables */
};

static ext_host *find_host(struct mdl_egress *e, const char *host)
{
    for (size_t i = 0; i < e->nhosts; i++)
        if (!strcmp(e->hosts[i].host, host))
            return &e->hosts[i];
    return NULL;
}

static ext_host *add_host(struct mdl_egress *e, const char *host)
{
    ext_host *h = find_host(e, host);
    if (h)
        return h;
    MS_VEC_GROW(e->hosts, e->nhosts, e->cap);
    h = &e->hosts[e->nhosts++];
    *h = (ext_host){host, NULL, NULL};
    return h;
}

size_t mdl__egress_plan(mdl_mesh *m)
{
    struct mdl_egress *e = ms_xcalloc(1, sizeof *e);
    m->egress = e;
    const struct cfg_k8s_istio *k = m->k8s;
    for (size_t i = 0; i < k->nservice_entries; i++) {
        const pol_service_entry *se = &k->service_entries[i];
        if (se->location != POL_SE_MESH_EXTERNAL)
            continue;
        for (size_t j = 0; j < se->hosts.len; j++) {
            const char *host = se->hosts.items[j].s;
            if (strchr(host, '*'))
                continue;
            ext_host *h = add_host(e, host);
            if (!h->se)
                h->se = se;
        }
    }
    for (size_t i = 0; i < m->cfg->nworkloads; i++) {
        const cfg_workload_spec *s = &m->cfg->workloads[i];
        if (s->host.str)
            add_host(e, s->host.str)->model = s;
    }
    e->ngw = (uint32_t)m->cfg->cluster.mesh.egress_gateway.replicas.v;
    return e->nhosts + e->ngw;
}

size_t mdl__egress_workloads(const mdl_mesh *m) { return m->egress->nhosts; }

int mdl__egress_add_pods(mdl_mesh *m)
{
    struct mdl_egress *e = m->egress;
    const cfg_cluster_spec *cl = &m->cfg->cluster;
    int err = 0;
    e->ext_first = (uint32_t)m->npods;
    for (size_t i = 0; i < e->nhosts; i++) {
        ext_host *h = &e->hosts[i];
        const cfg_workload_spec *spec = h->model ? h->model : &m->default_model;
        if (spec->ncalls) {
            ms_diag_error(m->diag, spec->calls[0].pos,
                          "WorkloadModel \"%s\": an external service (host %s) makes no calls",
                          spec->name.str ? spec->name.str : "", h->host);
            err = -1;
        }
        mdl_workload *w = &m->workloads[m->nworkloads++];
        w->spec = spec;
        w->name = h->host;
        w->ns = h->se ? h->se->meta.ns : "external";
        if (sim_dist_init(&w->service_time, &spec->service_time.spec) != 0) {
            ms_pos pos = spec->service_time.node ? spec->service_time.node->pos : spec->pos;
            ms_diag_error(m->diag, pos, "invalid distribution parameters");
            err = -1;
        }
        w->first_pod = (uint32_t)m->npods;
        w->npods = 1;
        mdl_pod *p = &m->pods[m->npods];
        mdl__pod_init(m, p, (uint32_t)m->npods, h->host, 0);
        m->npods++;
        p->kind = MDL_POD_EXTERNAL;
        p->wl = w;
        p->node = 0; /* unused: the internet link reaches it */
        mdl_station_init(&p->proxy, 1, 0);
        mdl_station_init(&p->app, (uint32_t)spec->concurrency.v, (size_t)spec->queue_limit.v);
    }
    e->gw_first = (uint32_t)m->npods;
    for (uint32_t r = 0; r < e->ngw; r++) {
        mdl_pod *p = &m->pods[m->npods];
        mdl__pod_init(m, p, (uint32_t)m->npods, EGRESS_NAME, r);
        m->npods++;
        p->kind = MDL_POD_EGRESS;
        p->node = (uint32_t)((r * 2 + 1) % m->nnodes);
        mdl_station_init(&p->proxy, (uint32_t)cl->mesh.egress_gateway.workers.v, SIZE_MAX);
        mdl_station_init(&p->app, 1, 0);
    }
    return err;
}

static mdl_service *new_service(mdl_mesh *m, const char *name, const char *ns, const char *fqdn,
                                int port)
{
    mdl_service *s = &m->services[m->nservices++];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->ns = ns;
    s->port = s->target_port = port;
    s->fqdn = ms_xstrdup(fqdn);
    s->pods = ms_xcalloc(m->npods ? m->npods : 1, sizeof *s->pods);
    return s;
}

size_t mdl__egress_services(const mdl_mesh *m)
{
    return m->egress->nhosts + (m->egress->ngw ? 1 : 0);
}

void mdl__egress_add_services(mdl_mesh *m)
{
    struct mdl_egress *e = m->egress;
    for (size_t i = 0; i < e->nhosts; i++) {
        const ext_host *h = &e->hosts[i];
        int port = h->se && h->se->nports ? (int)h->se->ports[0].number : 80;
        mdl_service *s = new_service(m, h->host, h->se ? h->se->meta.ns : "external", h->host, port);
        s->se = h->se;
        s->external = true;
        s->pods[s->npods++] = e->ext_first + (uint32_t)i;
    }
    if (e->ngw) {
        mdl_service *s = new_service(m, EGRESS_NAME, EGRESS_NS,
                                     EGRESS_NAME "." EGRESS_NS ".svc.cluster.local", 80);
        for (uint32_t r = 0; r < e->ngw; r++)
            s->pods[s->npods++] = e->gw_first + r;
    }
}

bool mdl__egress_gateway_service(const mdl_mesh *m, const char **name, const char **ns)
{
    *name = EGRESS_NAME;
    *ns = EGRESS_NS;
    return m->egress && m->egress->ngw > 0;
}

void mdl__egress_set_routes(mdl_mesh *m, struct mdl_routes *rt)
{
    m->egress->routes = rt;
    for (uint32_t r = 0; r < m->egress->ngw; r++)
        m->pods[m->egress->gw_first + r].routes = rt;
}

mdl_service *mdl__egress_external(mdl_mesh *m, const char *host)
{
    size_t n = pol_host_strip_port(host, strlen(host));
    for (size_t i = 0; i < m->nservices; i++) {
        const mdl_service *s = &m->services[i];
        if (s->external && !strncmp(s->name, host, n) && s->name[n] == '\0')
            return &m->services[i];
    }
    return NULL;
}

void mdl__egress_free(mdl_mesh *m)
{
    if (!m->egress)
        return;
    mdl__routes_free(m->egress->routes);
    free(m->egress->hosts);
    free(m->egress);
    m->egress = NULL;
}

/* --- the gateway's relay --------------------------------------------------------------- */

void mdl__egress_relay(mdl_mesh *m, mdl_job *j)
{
    const mdl_req *in = j->req;
    mdl_req *r = mdl__req_new(m, MDL_REQ_RELAY);
    sim_time now = sim_now(m->world);
    r->parent = j;
    j->refs++;
    r->t_start = now;
    r->counted = in->counted;
    r->method = in->method;
    r->path = in->up_path ? in->up_path : in->path; /* as the sidecar's route rewrote them */
    r->scheme = in->scheme;
    r->host = in->up_host ? in->up_host : in->host;
    r->port = in->port;
    r->nheaders = in->nheaders;
    memcpy(r->headers, in->headers, sizeof r->headers);
    r->client = j->server;
    r->client_dom = MDL_DOM_MESH;
    /* the job waits: the relay's time is added when it answers */
    mdl_span_to(&j->span, now, MDL_DOM_NONE);
    mdl__req_start(m, r);
}

void mdl__egress_relay_done(mdl_mesh *m, mdl_req *r)
{
    mdl_job *j = r->parent;
    sim_time now = sim_now(m->world);
    if (r->counted)
        mdl__record(m, r, EGRESS_NAME, now - r->t_start, r->span.acc);
    bool alive = mdl__pod_alive(j->server);
    int status = r->status;
    mdl_acc_add(j->span.acc, r->span.acc);
    j->span.dom = MDL_DOM_MESH;
    j->span.start = now;
    mdl__req_release(m, r);
    if (alive)
        mdl__job_respond(m, j, status ? status : 503); /* the job's server side ends here */
    mdl__job_release(m, j);
}
