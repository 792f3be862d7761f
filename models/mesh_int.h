/*
 * mesh_int.h - the mesh model's internal structures, shared by the models/ sources.
 *
 * Cardinalities: zones 1..n, nodes per zone 1..n; a workload (Deployment) has
 * replicas pods; every pod has a proxy station (sidecar or gateway workers) and,
 * for applications, an app station (concurrency slots + FIFO line).  A client
 * proxy (sidecar or gateway pod) keeps one mdl_cluster per Envoy cluster it has
 * sent to (service x subset), created on first use, as Envoy keeps per-proxy
 * cluster state: its own load balancer, circuit breakers and statistics.
 *
 * Request objects: an mdl_req is one request as its client proxy handles it
 * (routing, retries, timeouts); each try is an mdl_job, the server side of one
 * attempt (link, server sidecar, application, downstream calls, response).
 * Both are pooled and reference counted: every pending event that points at
 * one holds a reference, so an abandoned attempt (timeout) lives until its last
 * event has run, and nothing is ever touched after it is freed.
 */
#ifndef MDL_MESH_INT_H
#define MDL_MESH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/bundle.h"
#include "config/k8s_istio.h"
#include "config/meshsim_docs.h"
#include "models/mesh.h"
#include "models/results.h"
#include "models/station.h"
#include "policy/circuit.h"
#include "policy/cluster_stats.h"
#include "policy/fault.h"
#include "policy/flags.h"
#include "policy/host_set.h"
#include "policy/istio_map.h"
#include "policy/lb.h"
#include "policy/retry.h"
#include "policy/route.h"
#include "policy/route_policy.h"
#include "policy/timeout.h"
#include "sim/dist.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/world.h"

typedef struct mdl_zone {
    const char *name, *region;
} mdl_zone;

typedef struct mdl_node {
    char *name; /* owned: ZONE-1 .. ZONE-N */
    uint32_t zone;
    bool up;
} mdl_node;

typedef struct mdl_workload {
    const cfg_k8s_workload *k8s;  /* NULL for gateways */
    const cfg_workload_spec *spec; /* the matching WorkloadModel, or the mesh's default */
    const char *name, *ns, *version;
    sim_dist service_time;
    uint32_t first_pod, npods;
    struct mdl_routes *routes; /* owned: the route table its sidecars use (routing.c) */
    struct mdl_inbound *inbound; /* owned: its sidecars' inbound policies (inbound.c) */
    /* its application stations over the measured window (occupancy.c) */
    double app_mean_jobs, app_arrival_rate;
} mdl_workload;

typedef enum mdl_pod_kind {
    MDL_POD_APP,
    MDL_POD_INGRESS,
    MDL_POD_EGRESS,   /* an egress gateway replica (egress.c) */
    MDL_POD_EXTERNAL, /* an external service outside the mesh, over the internet link (egress.c) */
} mdl_pod_kind;

/* A pod's life cycle (lifecycle.c).  Only READY and TERMINATING pods accept
 * connections; the control plane's endpoint readiness (ep_ready) follows with
 * its own delays (control_plane.c). */
typedef enum mdl_pod_state {
    MDL_POD_READY,       /* running, passed its readiness check */
    MDL_POD_STARTING,    /* created, not ready yet: connections refused */
    MDL_POD_TERMINATING, /* graceful termination: serves what arrives until killed */
    MDL_POD_DOWN,        /* killed, or its node is down */
} mdl_pod_state;

typedef struct mdl_cluster mdl_cluster;
typedef struct mdl_job mdl_job;
typedef struct mdl_req mdl_req;

typedef struct mdl_pod {
    uint32_t id;
    mdl_pod_kind kind;
    mdl_workload *wl; /* NULL for gateway pods */
    uint32_t node;
    char *name;       /* owned */
    char address[24]; /* "10.x.y.z:port": the LB hash key */
    char ip[16];      /* "10.x.y.z": address without its port (AuthorizationPolicy ipBlocks) */
    mdl_station proxy; /* sidecar or gateway worker threads */
    mdl_station app;   /* application concurrency slots + line (apps only) */
    sim_rng rng;       /* stream "pod/NAME": this pod's own draws */
    struct mdl_routes *routes; /* borrowed: its workload's, or the ingress gateway's */
    mdl_cluster **clusters;  /* owned, created on first use */
    size_t nclusters, cluster_cap;
    /* life cycle (lifecycle.c) */
    mdl_pod_state state;
    uint32_t gen;     /* incarnation: a replacement pod (new IP) gets a new one */
    uint32_t life;    /* starts so far (stale readiness events are ignored) */
    bool ep_ready;    /* ready in the Service's Endpoints, as istiod knows it */
    mdl_job *jobs;    /* attempts its server side is handling (list) */
    mdl_req *outbound; /* requests its proxy is handling as the client (list) */
    /* infrastructure faults in force on it (faults.c) */
    double slow_factor;  /* service-time multiplier; 1 when none */
    double err_rate;     /* injected error probability; 0 when none */
    int err_status;
    sim_rng *err_rng;    /* the errors fault's stream (borrowed) */
    /* control plane (control_plane.c): the last configuration it received */
    uint64_t view_seq;
    sim_time push_at; /* arrival of the last push sent to it (pushes stay in order) */
} mdl_pod;

typedef struct mdl_service {
    const cfg_k8s_service *k8s;
    char *fqdn; /* owned */
    const char *name, *ns;
    int port;
    int target_port; /* the pods' (workload) port */
    const pol_service_entry *se; /* external services: the ServiceEntry (or NULL) */
    bool external;               /* an external service (egress.c) */
    uint32_t *pods; /* owned: pods selected by the Service */
    size_t npods;
} mdl_service;

/* One Envoy cluster as one client proxy sees it. */
struct mdl_cluster {
    struct mdl_mesh *m;
    const mdl_pod *client; /* the proxy holding this cluster */
    mdl_service *svc;
    const char *subset; /* NULL: whole service */
    uint32_t *pods;     /* owned: host index -> pod id */
    uint32_t nhosts;
    pol_host_set *hosts;
    pol_lb *lb;
    pol_circuit cb;
    pol_cluster_stats stats;
    bool mtls;               /* the client sends Istio mTLS to these hosts (inbound.c) */
    struct pol_outlier *od;  /* NULL: no outlier detection */
    sim_time od_interval;
    sim_rng rng;             /* stream "cluster/CLIENT/FQDN/SUBSET" */
    uint32_t *gens;          /* owned: host index -> incarnation in the proxy's view */
    sim_time connect_timeout; /* DestinationRule tcp.connectTimeout, else Istio's 10 s */
    pol_istio_pool_settings pool; /* connectionPool: per-connection limits, timeouts */
    struct mdl_conn_pool *cx;     /* owned: one connection pool per host (connections.c) */
};

/* Time spent per domain by a request or an attempt: closed segments in acc[],
 * plus the open one, which started at `start` in domain `dom` (MDL_DOM_NONE
 * while the owner waits for someone else, whose time is added when known).
 * Time in MDL_DOM_APP_QUEUE counts in MDL_DOM_APP too (results.h). */
#define MDL_DOM_NONE MDL_NPARTS

typedef struct mdl_span {
    sim_time acc[MDL_NPARTS];
    int dom;
    sim_time start;
} mdl_span;

static inline void mdl_span_init(mdl_span *s, sim_time now, int dom)
{
    *s = (mdl_span){.dom = dom, .start = now};
}

static inline void mdl__span_add(sim_time *acc, int dom, sim_time t)
{
    if (dom == MDL_DOM_NONE)
        return;
    acc[dom] += t;
    if (dom == MDL_DOM_APP_QUEUE)
        acc[MDL_DOM_APP] += t;
}

/* Close the open segment at `now` and open one in `dom`. */
static inline void mdl_span_to(mdl_span *s, sim_time now, int dom)
{
    mdl__span_add(s->acc, s->dom, now - s->start);
    s->dom = dom;
    s->start = now;
}

/* The totals as they would be if the open segment closed at `now`. */
static inline void mdl_span_snapshot(const mdl_span *s, sim_time now, sim_time *out)
{
    for (int d = 0; d < MDL_NPARTS; d++)
        out[d] = s->acc[d];
    mdl__span_add(out, s->dom, now - s->start);
}

static inline void mdl_acc_add(sim_time *dst, const sim_time *src)
{
    for (int d = 0; d < MDL_NPARTS; d++)
        dst[d] += src[d];
}

/* The whole time: the four domains (the application's queue is in its domain). */
static inline sim_time mdl_acc_sum(const sim_time *acc)
{
    sim_time t = 0;
    for (int d = 0; d < MDL_NDOMAINS; d++)
        t += acc[d];
    return t;
}

/* A duration drawn from `d` in whole nanoseconds, never negative. */
static inline sim_time mdl_sample_ns(const sim_dist *d, sim_rng *rng)
{
    double v = sim_dist_sample(d, rng);
    return v > 0 ? (sim_time)v : 0;
}

#define MDL_REQUEST_BYTES 512 /* a request on the wire, headers included */

typedef enum mdl_route_action {
    MDL_ROUTE_FORWARD,  /* to svc (and subset) */
    MDL_ROUTE_LOCAL,    /* answered by the proxy itself: status (404 NR, redirect, direct response) */
} mdl_route_action;

typedef struct mdl_route {
    mdl_route_action action;
    int status;              /* LOCAL */
    pol_flags flags;         /* LOCAL: NR ... */
    mdl_service *svc;        /* FORWARD */
    const char *subset;      /* FORWARD; NULL: whole service */
    const pol_route_policy *policy; /* retries, timeouts, fault; NULL for no route */
    const char *vs_name;     /* VirtualService name, or NULL */
} mdl_route;

typedef enum mdl_req_kind {
    MDL_REQ_EXTERNAL, /* from a Traffic source through the ingress gateway */
    MDL_REQ_MESH,     /* from a Traffic source on an in-mesh pod */
    MDL_REQ_CHILD,    /* an application's downstream call */
    MDL_REQ_RELAY,    /* the egress gateway forwarding a request it received (egress.c) */
} mdl_req_kind;

typedef struct mdl_source mdl_source;

#define MDL_MAX_HEADERS 8

struct mdl_req {
    struct mdl_mesh *m;
    int refs;
    mdl_req_kind kind;
    bool done;      /* completed (answered, failed or given up) */
    bool counted;   /* started inside the measured window */
    bool reported;  /* a source's request: its outcome has been recorded */
    uint32_t user;  /* closed-loop sources: the user who sent it */
    mdl_source *src;  /* sources' requests */
    bool ingress_new_conn; /* external: came on a new client connection (ingress.c) */
    bool ingress_tls;      /* external: the gateway terminates its TLS */
    uint64_t response_bytes; /* the size of the last response it got (0: none yet) */
    mdl_job *parent;  /* children: the job that made the call */
    const cfg_call_spec *call;
    uint32_t slot;    /* children: index of the call in its step */
    uint32_t app_try; /* the application's own try number (children) */
    sim_event_id app_timer; /* children: the application's own timeout */
    sim_time t_start; /* scheduled start */
    sim_time t_router; /* the router got the request: the route timeout starts */
    /* the request */
    const char *method, *path, *host, *scheme;
    int port;
    pol_header headers[MDL_MAX_HEADERS];
    size_t nheaders;
    const char *up_path, *up_host;   /* as the upstream sees them: after the route's rewrite */
    char rw_path[256], rw_host[256]; /* their storage when rewritten */
    /* the client proxy */
    mdl_pod *client;
    mdl_domain client_dom;
    /* routing and resilience */
    mdl_route route;
    mdl_cluster *cluster;
    const char *dest_name;    /* destination service short name, for reports */
    pol_retry_state retry;    /* live while retry_live (from forwarding to completion) */
    bool retry_live;
    sim_event_id route_timer;
    uint32_t retries;
    mdl_job *attempt;         /* current attempt, NULL between attempts */
    int fault_status;         /* the fault filter's abort status, when it aborts */
    /* outcome */
    int status;
    pol_flags flags;
    const char *version;      /* of the pod that answered last */
    const char *workload;     /* its Deployment */
    mdl_span span;
    sim_event_id client_timer;   /* a source's client timeout */
    /* in its client pod's outbound list while the proxy handles it (lifecycle.c) */
    mdl_req *out_prev, *out_next;
    bool tracked;
};

#define MDL_MAX_PARALLEL 16

struct mdl_job {
    struct mdl_mesh *m;
    int refs;
    mdl_req *req;
    bool abandoned; /* the client no longer waits for this attempt */
    bool holds_app; /* holds an application slot */
    mdl_pod *server;
    uint32_t host;  /* index in the client's cluster */
    int status;
    pol_flags flags;  /* set by the server's proxy (RL) */
    bool reset;       /* the server's proxy closed the connection: no response */
    bool local;       /* the server's proxy answered itself (403, 429): a small reply */
    mdl_span span;
    sim_event_id try_timer;
    /* its connection to the server (connections.c) */
    uint8_t conn;           /* MDL_CONN_NONE, _PENDING or _ACTIVE */
    bool tls;               /* the connection is (m)TLS: per-KiB crypto cost */
    uint32_t conn_requests; /* requests carried by its connection, this one included */
    /* downstream calls */
    uint32_t step;      /* next call step */
    uint32_t pending;   /* children not yet finished in the current step */
    uint32_t nslots;    /* calls started in the current step */
    sim_time slot_acc[MDL_MAX_PARALLEL][MDL_NPARTS]; /* per call: all its app tries */
    mdl_req *slot_call[MDL_MAX_PARALLEL]; /* per call: its try in flight, else NULL */
    bool child_failed;
    /* life cycle (lifecycle.c) */
    uint32_t gen;       /* the server incarnation the client's view targets */
    sim_time t_sent;    /* the attempt started: connect timeouts count from here */
    bool tracked;       /* in the server pod's job list */
    bool killed;        /* the server died while handling it */
    bool lost;          /* the server side is over, nothing will reach the client */
    mdl_job *pod_prev, *pod_next;
};

struct mdl_source {
    const cfg_source_spec *spec;
    sim_rng rng;
    mdl_mesh *m;
    struct mdl_user_conn *user_conns; /* owned: closed-loop external users' connections (ingress.c) */
    uint32_t *idle_conns; /* owned: open loop, external: idle client connections (their replica) */
    size_t nidle_conns, idle_conns_cap;
    bool ingress_tls; /* external: the gateway terminates its TLS (ingress.c) */
    double weight_total;
    double rate_max;      /* open loop: the highest rate of the pattern */
    sim_dist think_time;  /* closed loop */
    uint32_t next_client; /* round robin over client pods (in-mesh sources) */
    uint32_t *clients;    /* owned: pods matching `from` */
    size_t nclients;
    /* closed loop: users sent again at the same instant (source.c's guard
     * against a loop in zero simulated time) */
    sim_time instant;
    uint64_t sends_at_instant;
};

/* One FaultSchedule fault as the model runs it (faults.c).  Its interval
 * [from, to) is known when the mesh is built, so the network can ask whether a
 * fault holds at any time, past or future (to SIM_TIME_MAX: to the end). */
typedef struct mdl_fault {
    const cfg_fault_spec *spec;
    sim_time from, to;
    sim_rng rng;          /* stream "fault/N/KIND": victims, added latency, errors */
    sim_dist add_latency; /* link-degrade */
    sim_dist restart_after; /* pod-kill */
    uint32_t *pods;       /* owned: pods its selector matches (pod-kill, slowdown, errors) */
    size_t npods;
    uint32_t node;        /* node-down */
} mdl_fault;

typedef struct mdl_probe {
    const cfg_assertion_spec *spec;
    mdl_row row;
    sim_time from, to;
    int domain; /* a part (mdl_domain), MDL_PROBE_APP_SERVICE, or MDL_DOM_NONE: whole latency */
} mdl_probe;
/* A probe's domain: the application's service, its time outside its queue
 * (MDL_DOM_APP - MDL_DOM_APP_QUEUE). */
#define MDL_PROBE_APP_SERVICE (MDL_NPARTS + 1)

struct mdl_mesh {
    const struct cfg_meshsim *cfg;
    const struct cfg_k8s_istio *k8s;
    ms_diag *diag;     /* borrowed while the mesh is built only */
    char *run_error;   /* owned: why the run could not go on (mdl__run_fail), or NULL */
    sim_world *world;
    uint64_t seed;
    sim_time duration, warmup;
    /* topology */
    mdl_zone *zones;
    size_t nzones;
    mdl_node *nodes;
    size_t nnodes;
    mdl_workload *workloads;
    size_t nworkloads;
    mdl_pod *pods;
    size_t npods;
    uint32_t ingress_first, ningress;
    mdl_service *services;
    size_t nservices;
    mdl_source *sources;
    size_t nsources;
    cfg_workload_spec default_model;
    /* behaviour */
    sim_dist sidecar_cost, ingress_cost;
    sim_dist mtls_handshake, mtls_per_kib, ingress_tls, egress_cost;
    sim_dist lat_same_node, lat_same_zone, lat_cross_zone, lat_cross_region, lat_internet;
    sim_rng net_rng;
    struct mdl_routes *ingress_routes; /* owned: the ingress gateway's tables */
    struct mdl_inbound *gateway_filters; /* owned: its local rate limits and authorization (inbound.c) */
    struct mdl_inbound *egress_filters;  /* owned: the egress gateway's authorization (inbound.c) */
    pol_route_policies policies; /* every VirtualService HTTP route's, mapped once (routing.c) */
    /* objects */
    sim_pool req_pool, job_pool;
    mdl_results results;
    mdl_probe *probes;
    size_t nprobes;
    /* faults, life cycle and control plane */
    mdl_fault *faults; /* owned, in the FaultSchedule order (sorted by `at`) */
    size_t nfaults;
    sim_rng life_rng;  /* stream "lifecycle": startup times */
    struct mdl_cp *cp; /* owned: istiod (control_plane.c) */
    struct mdl_egress *egress; /* owned: external services and the egress gateway (egress.c) */
};

/* routing.c */
void mdl__routes_build(mdl_mesh *m); /* every workload's table and the gateway's */
void mdl__routes_free(struct mdl_routes *rt);
void mdl__route(mdl_mesh *m, mdl_req *r, mdl_route *out);
/* cluster.c */
mdl_cluster *mdl__cluster_get(mdl_mesh *m, mdl_pod *client, mdl_service *svc, const char *subset);
void mdl__cluster_free(mdl_cluster *c);
void mdl__cluster_report(mdl_mesh *m, mdl_cluster *c, uint32_t host, int status);
uint64_t mdl__cluster_ejections(const mdl_cluster *c);
/* Every client proxy's cluster statistics into the results (end of run). */
void mdl__clusters_snapshot(mdl_mesh *m);
/* build.c */
int mdl__build(mdl_mesh *m);
/* Name, address and RNG stream ("pod/NAME-IDX") of a new pod. */
void mdl__pod_init(mdl_mesh *m, mdl_pod *p, uint32_t id, const char *name, size_t idx);
/* egress.c: external services (ServiceEntry hosts, `host:` WorkloadModels)
 * and the egress gateway.  Build order: plan (returns the pods to add),
 * add_pods (after the ingress gateway's; egress_workloads() workloads more),
 * add_services (egress_services() more), set_routes. */
size_t mdl__egress_plan(mdl_mesh *m);
size_t mdl__egress_workloads(const mdl_mesh *m);
int mdl__egress_add_pods(mdl_mesh *m);
size_t mdl__egress_services(const mdl_mesh *m);
void mdl__egress_add_services(mdl_mesh *m);
/* The egress gateway's Service (name, namespace); false: no replicas. */
bool mdl__egress_gateway_service(const mdl_mesh *m, const char **name, const char **ns);
void mdl__egress_set_routes(mdl_mesh *m, struct mdl_routes *rt);
/* The external service for `host` (port ignored), or NULL. */
mdl_service *mdl__egress_external(mdl_mesh *m, const char *host);
void mdl__egress_free(mdl_mesh *m);
/* A request reached an egress gateway replica: it routes and forwards it. */
void mdl__egress_relay(mdl_mesh *m, mdl_job *j);
/* The forwarded request is over (answered, failed, or its replica died). */
void mdl__egress_relay_done(mdl_mesh *m, mdl_req *r);
mdl_service *mdl__service_by_host(mdl_mesh *m, const char *host, const char *client_ns);
/* connections.c: HTTP/1.1 keep-alive pools per (client proxy, upstream host) */
enum { MDL_CONN_NONE, MDL_CONN_PENDING, MDL_CONN_ACTIVE };
void mdl__conn_init(mdl_mesh *m, mdl_cluster *c, const mdl_pod *client, const pol_policy_blocks *b);
void mdl__conn_free(mdl_cluster *c);
/* The attempt `j` needs a connection to its host: mdl__job_send(j) once it has
 * one (at once when an idle one is there).  false: the pending queue is full
 * (503 UO); nothing is held then. */
bool mdl__conn_request(mdl_mesh *m, mdl_job *j);
/* The client stops waiting for `j`: its connection goes back to the pool when
 * the response came (`answered`), is reset otherwise (HTTP/1.1 cannot reuse a
 * connection with a response outstanding). */
void mdl__conn_release(mdl_mesh *m, mdl_job *j, bool answered);
/* ingress.c: external clients' connections and TLS termination at the gateway */
void mdl__ingress_send(mdl_mesh *m, mdl_source *s, mdl_req *r, uint32_t user);
sim_time mdl__ingress_tls_cost(mdl_mesh *m, mdl_req *r);    /* on a gateway worker */
sim_time mdl__ingress_response_time(mdl_mesh *m, mdl_req *r); /* back to the client */
/* An external request is over for its client: its connection goes back to
 * the client's pool when it was answered, is closed when the client gave up. */
void mdl__ingress_done(mdl_mesh *m, mdl_req *r);
void mdl__ingress_free(mdl_source *s);
/* Does the ingress gateway terminate TLS for external source s (its host and
 * port are the same for all its requests)?  Decided once, at the start. */
bool mdl__ingress_terminates_tls(const mdl_mesh *m, const mdl_source *s);
/* routing.c: the Gateway server of gateway tables `rt` that accepts host:port (NULL: none) */
const pol_server *mdl__gateway_server(const struct mdl_routes *rt, const char *host, int port);
/* One-way time for `bytes` between two pods: the internet link when one of
 * them is an external service, else the node network's link. */
sim_time mdl__hop_time(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, uint64_t bytes);
/* Crypto cost of `bytes` on a (m)TLS connection (mtls.perKiB). */
sim_time mdl__tls_bytes_cost(mdl_mesh *m, sim_rng *rng, uint64_t bytes);
/* network.c: one-way time for `bytes` from pod a to pod b (node domain) */
sim_time mdl__link_time(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, uint64_t bytes);
sim_time mdl__internet_time(mdl_mesh *m, uint64_t bytes);
/* request.c */
mdl_req *mdl__req_new(mdl_mesh *m, mdl_req_kind kind);
void mdl__req_start(mdl_mesh *m, mdl_req *r);   /* at the client proxy */
void mdl__req_abandon(mdl_mesh *m, mdl_req *r); /* the caller gives up */
/* An attempt's time so far per domain, as its client sees it when it stops
 * waiting: the attempt's own segments, plus, while its application waits for
 * downstream calls, the slowest of the current step's calls so far (their
 * attempts and calls in flight included, recursively). */
void mdl__job_snapshot(const mdl_job *j, sim_time now, sim_time *out);
/* The caller gives up waiting: abandon, status 0 with flag DC (downstream gone). */
void mdl__req_give_up(mdl_mesh *m, mdl_req *r);
void mdl__req_release(mdl_mesh *m, mdl_req *r);
/* app.c: a job reached the application of its server pod */
void mdl__job_at_app(mdl_mesh *m, mdl_job *j);
void mdl__job_release(mdl_mesh *m, mdl_job *j);
void mdl__job_respond(mdl_mesh *m, mdl_job *j, int status); /* request.c */
/* request.c: the attempt has its connection: the request goes on the wire */
void mdl__job_send(mdl_mesh *m, mdl_job *j);
/* request.c: its connection could not be set up (connect timeout): 503 UF */
void mdl__job_connect_failed(mdl_mesh *m, mdl_job *j);
void mdl__child_done(mdl_mesh *m, mdl_req *child);
/* inbound.c: the server sidecar's PeerAuthentication, AuthorizationPolicy and
 * local rate limits */
void mdl__inbound_build(mdl_mesh *m);
void mdl__inbound_free(mdl_mesh *m);
/* The pod labels of a gateway pod (MDL_POD_INGRESS or MDL_POD_EGRESS, in
 * istio-system), as Istio installs them: istio: ingressgateway / app:
 * istio-ingressgateway, istio: egressgateway / app: istio-egressgateway. */
const pol_labels *mdl__gateway_labels(mdl_pod_kind kind);
/* Does a client send Istio mTLS to `svc` under the cluster's policy blocks? */
bool mdl__client_mtls(const mdl_mesh *m, const pol_policy_blocks *b, const mdl_service *svc);
/* Does the server's proxy accept the attempt's connection (PeerAuthentication)? */
bool mdl__inbound_accepts(const mdl_mesh *m, const mdl_job *j);
/* The inbound HTTP filters on the attempt's request: 0 when it goes on to the
 * application, else the status of the proxy's local reply (403 RBAC, 429
 * local rate limit, which also sets j->flags RL). */
int mdl__inbound_filters(mdl_mesh *m, mdl_job *j);
/* The ingress gateway's HTTP filters on an internet client's request: before
 * the fault filter its local rate limits (EnvoyFilter context GATEWAY) and
 * its AuthorizationPolicies in chain order, or after the fault filter the
 * limits placed there; the egress gateway's AuthorizationPolicies on a
 * request it relays (before the fault filter): 0, or the status of the
 * gateway's reply (403 RBAC; 429, which also sets r->flags RL). */
int mdl__gateway_filters(mdl_mesh *m, mdl_req *r, bool after_fault);
/* mesh.c: the run cannot go on (the model found a loop it cannot leave): keep
 * "FILE:LINE:COL: error: MESSAGE" (the first one) and stop the engine. */
void mdl__run_fail(mdl_mesh *m, ms_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* source.c */
void mdl__sources_start(mdl_mesh *m);
void mdl__root_done(mdl_mesh *m, mdl_req *r);
/* occupancy.c: open the stations' measurement window at the warmup, close it
 * at the duration (before the drain) */
void mdl__occupancy_start(mdl_mesh *m);
void mdl__occupancy_close(mdl_mesh *m);
/* lifecycle.c: pods start, become ready, terminate and die */
void mdl__pod_track_job(mdl_job *j);   /* the server side accepted the attempt */
void mdl__pod_untrack_job(mdl_job *j); /* ... and is done with it */
void mdl__pod_track_req(mdl_req *r);   /* the client proxy took the request */
void mdl__pod_untrack_req(mdl_req *r);
/* Does pod p accept a connection to its incarnation `gen` now? */
bool mdl__pod_accepts(const mdl_pod *p, uint32_t gen);
bool mdl__pod_alive(const mdl_pod *p); /* READY or TERMINATING: its app runs */
/* Kill pod p: what it handles is lost.  With `rst` the peers get a reset
 * (connection termination, UC); without (its node died) they hear nothing. */
void mdl__pod_kill(mdl_mesh *m, mdl_pod *p, bool rst);
/* Graceful termination: p stops being ready (its endpoint is withdrawn) but
 * keeps serving what reaches it until it is killed. */
void mdl__pod_terminate(mdl_mesh *m, mdl_pod *p);
/* (Re)start pod p: STARTING now, READY after `startup`.  `replace`: a new pod
 * (new incarnation) instead of the same pod's containers restarting. */
void mdl__pod_start(mdl_mesh *m, mdl_pod *p, bool replace, sim_time startup);
/* A startup time drawn from the pod's WorkloadModel. */
sim_time mdl__pod_startup_time(mdl_mesh *m, const mdl_pod *p);
/* control_plane.c: istiod and the proxies' views of the endpoints */
void mdl__cp_create(mdl_mesh *m);
void mdl__cp_destroy(mdl_mesh *m);
/* Endpoint readiness of pod p changed (in the Endpoints object): push it. */
void mdl__cp_set_ready(mdl_mesh *m, mdl_pod *p, bool ready);
/* istiod stops / resumes pushing (control-plane-down). */
void mdl__cp_set_down(mdl_mesh *m, bool down);
/* Pod `ep` as proxy `client` sees it now: ready?  *gen: the incarnation. */
bool mdl__cp_view(const mdl_mesh *m, const mdl_pod *client, const mdl_pod *ep, uint32_t *gen);
/* The proxy got a fresh full configuration (its sidecar (re)started). */
void mdl__cp_proxy_synced(mdl_mesh *m, mdl_pod *client);
/* cluster.c: bring host `h` of cluster c (of proxy `client`) to the proxy's view */
void mdl__cluster_sync_host(mdl_mesh *m, mdl_pod *client, mdl_cluster *c, uint32_t h);
/* faults.c */
/* Is external service pod `ext` reachable at time t (no external-outage)? */
bool mdl__external_up_at(const mdl_mesh *m, const mdl_pod *ext, sim_time t);
int mdl__faults_build(mdl_mesh *m); /* checks, with positioned errors */
void mdl__faults_start(mdl_mesh *m);
void mdl__faults_free(mdl_mesh *m);
bool mdl__node_up_at(const mdl_mesh *m, uint32_t node, sim_time t);
/* Can packets go between nodes a and b at time t (both up, no partition)? */
bool mdl__path_open_at(const mdl_mesh *m, uint32_t a, uint32_t b, sim_time t);
/* link-degrade faults on the path at time t: added latency (drawn), extra
 * loss probability, bandwidth cap (0: none). */
void mdl__link_faults(mdl_mesh *m, uint32_t a, uint32_t b, sim_time t, sim_time *add,
                      double *loss, double *bandwidth);
/* netpolicy.c: do the Kubernetes NetworkPolicies let `client` connect to
 * `server` for service `svc` (may be NULL) on request port `port`? */
bool mdl__netpol_allows(const mdl_mesh *m, const mdl_pod *client, const mdl_pod *server,
                        const mdl_service *svc, int port);
/* network.c: how an attempt's connection goes.  Returns true when it is
 * established after *delay (SYN retransmissions while the path is blocked),
 * false when it times out (after *delay = timeout). */
bool mdl__connect(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, const mdl_service *svc,
                  int port, sim_time timeout, sim_time *delay);
/* When a message sent at `now` from a to b leaves the sender for good: now, or
 * the first retransmission once a blocked path opens; SIM_TIME_MAX: never. */
sim_time mdl__send_time(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b);
/* request.c: the server side of attempt j ends with a reset the client sees now */
void mdl__job_reset(mdl_mesh *m, mdl_job *j, pol_reset_reason why);
/* ... or ends without a word reaching the client (its reference goes when
 * the client stops waiting for the attempt) */
void mdl__job_lost(mdl_mesh *m, mdl_job *j);
/* record.c */
void mdl__record(mdl_mesh *m, const mdl_req *r, const char *source, sim_time latency,
                 const sim_time *acc);
/* series_record.c: a recorded request into its time series and results row; an outlier
 * ejection (or its end) of host `host` of cluster c into the timeline */
void mdl__series_record(mdl_mesh *m, const mdl_req *r, const char *source, const mdl_outcome *o);
void mdl__ejection_changed(mdl_cluster *c, uint32_t host, bool ejected, sim_time now);

#endif
