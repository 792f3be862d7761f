/*
 * meshsim_docs.h - the meshsim/v1alpha1 documents (Scenario, Cluster,
 * WorkloadModel, Traffic, FaultSchedule, Endpoints) decoded into plain spec
 * structs, with the defaults of scenario-format.md filled in.
 *
 * Every user-facing value is stored together with the node it came from
 * (cfg_val_* below): `node` is NULL when the value is a default, otherwise
 * later checks (models/) point their errors at node->pos.  Strings and nodes
 * are borrowed from the cfg_loader, which must outlive the cfg_meshsim; the
 * arrays are owned by the cfg_meshsim.
 *
 * Units: durations in int64 nanoseconds, distributions as ms_dist_spec
 * (nanoseconds), rates per second, bandwidths in bits per second, sizes in
 * bytes, fractions in 0..1.
 */
#ifndef CFG_MESHSIM_DOCS_H
#define CFG_MESHSIM_DOCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/dist_spec.h"
#include "config/yaml.h"

/* The apiVersion of every meshsim document. */
#define CFG_MESHSIM_API_VERSION "meshsim/v1alpha1"

/* --- values with their node (node NULL = default) ---------------------------- */

typedef struct cfg_val_dur { int64_t ns; const cfg_node *node; } cfg_val_dur;
typedef struct cfg_val_dist { ms_dist_spec spec; const cfg_node *node; } cfg_val_dist;
typedef struct cfg_val_str { const char *str; const cfg_node *node; } cfg_val_str;
typedef struct cfg_val_int { int64_t v; const cfg_node *node; } cfg_val_int;
/* a double: rate (per s), fraction (0..1), bandwidth (bit/s), factor, weight */
typedef struct cfg_val_num { double v; const cfg_node *node; } cfg_val_num;
typedef struct cfg_val_size { uint64_t bytes; const cfg_node *node; } cfg_val_size;

/* A label set or label selector {app: reviews, version: v2}, in file order. */
typedef struct cfg_label {
    const char *key, *value;
    const cfg_node *node; /* the value node */
} cfg_label;
typedef struct cfg_label_set {
    cfg_label *items; /* owned by the cfg_meshsim */
    size_t len;
    const cfg_node *node; /* the mapping; NULL when absent */
} cfg_label_set;

/* --- Scenario ------------------------------------------------------------------ */

typedef enum cfg_metric {
    CFG_METRIC_LATENCY_QUANTILE, /* latency.p50, latency.p99, latency.p99.9 (quantile) */
    CFG_METRIC_LATENCY_MEAN,
    CFG_METRIC_LATENCY_MAX,
    CFG_METRIC_ERROR_RATE,
    CFG_METRIC_SUCCESS_RATE,
    CFG_METRIC_RPS,
    CFG_METRIC_REQUESTS,
    CFG_METRIC_RETRIES,
    CFG_METRIC_TIMEOUTS,
    CFG_METRIC_EJECTIONS,
    CFG_METRIC_RESPONSES_CODE, /* responses{code=503} (status_code) */
    CFG_METRIC_RESPONSES_FLAG, /* responses{flag=UO} (flag) */
} cfg_metric;

/* What max/min are measured in, decided by the metric. */
typedef enum cfg_metric_unit {
    CFG_UNIT_DURATION_NS, /* latency.*: limits written as durations (300ms) */
    CFG_UNIT_FRACTION,    /* error_rate, success_rate: 0.1% or 0.001 */
    CFG_UNIT_RATE,        /* rps: 200rps or 200 */
    CFG_UNIT_COUNT,       /* requests, retries, timeouts, ejections, responses{...} */
} cfg_metric_unit;

typedef struct cfg_assertion_spec {
    ms_pos pos;         /* the assertion's mapping */
    cfg_val_str name;   /* default: the metric text */
    cfg_val_str metric; /* as written, e.g. "latency.p99" (required) */
    cfg_metric kind;
    cfg_metric_unit unit;
    double quantile;     /* CFG_METRIC_LATENCY_QUANTILE: 0.99 for p99, 0.999 for p99.9 */
    int status_code;     /* CFG_METRIC_RESPONSES_CODE: 100..599 */
    const char *flag;    /* CFG_METRIC_RESPONSES_FLAG: "UO" ... */
    struct {
        /* each str NULL when not given; domain one of ingress, mesh, node, app,
         * app_queue, app_service */
        cfg_val_str source, destination, version, host, route, domain;
        const cfg_node *node; /* the select mapping, NULL when absent (= everything) */
    } select;
    bool has_during;            /* during: [from, to]; default the whole run after warmup */
    cfg_val_dur during_from, during_to;
    bool has_max, has_min;      /* at least one; both allowed (a band) */
    cfg_val_num max, min;       /* in `unit`: ns, fraction, per second or count */
} cfg_assertion_spec;

/* A Scenario's duration holds at most this many windows: a finer window is
 * refused when decoding (each window is a row of every series in the
 * results, a point of every chart). */
#define CFG_MAX_WINDOWS 1000000

typedef struct cfg_scenario_spec {
    ms_pos pos;          /* the document; file only ("line 0") when defaulted */
    cfg_val_str name;    /* metadata.name; default "scenario" */
    const cfg_node **include; /* scalar path nodes, for cfg_load_relative */
    size_t ninclude;
    cfg_val_dur duration;     /* default 60s; must be > 0 */
    cfg_val_dur warmup;       /* default 0; must be < duration */
    cfg_val_int seed;         /* default 1; 0..INT64_MAX */
    cfg_val_int replications; /* default 1; 1..10000 */
    cfg_val_dur window;       /* default 10s; > 0; at most CFG_MAX_WINDOWS per duration */
    cfg_assertion_spec *assertions;
    size_t nassertions;
} cfg_scenario_spec;

/* --- Cluster --------------------------------------------------------------------- */

typedef struct cfg_zone_spec {
    ms_pos pos;
    cfg_val_str name;   /* required, unique */
    cfg_val_str region; /* default "region-1" */
    cfg_val_int nodes;  /* default 3; 1..10000.  Nodes are named NAME-1 .. NAME-N */
} cfg_zone_spec;

typedef enum cfg_placement { CFG_PLACEMENT_SPREAD, CFG_PLACEMENT_PACK } cfg_placement;
typedef enum cfg_overlay {
    CFG_OVERLAY_NONE, CFG_OVERLAY_VXLAN, CFG_OVERLAY_GENEVE, CFG_OVERLAY_IPIP,
} cfg_overlay;
typedef enum cfg_outbound_policy {
    CFG_OUTBOUND_ALLOW_ANY, CFG_OUTBOUND_REGISTRY_ONLY,
} cfg_outbound_policy;

typedef struct cfg_link_spec {
    cfg_val_dist latency;
    cfg_val_num bandwidth; /* bit/s */
} cfg_link_spec;

/* A proxy: sidecar (replicas unused), ingress or egress gateway. */
typedef struct cfg_proxy_spec {
    cfg_val_int replicas;
    cfg_val_int workers;
    cfg_val_dist cost;          /* per request */
    cfg_val_dist tls_handshake; /* gateways: TLS termination per new connection */
} cfg_proxy_spec;

/* Defaults (when the Cluster document or a field is absent):
 *   zones: one zone "zone-a", region "region-1", 3 nodes; placement spread
 *   network: sameNode 20us / 40Gbps; sameZone lognormal 150us,600us / 10Gbps;
 *     crossZone lognormal 700us,2ms / 5Gbps; crossRegion lognormal 30ms,60ms /
 *     1Gbps; internet lognormal 30ms,120ms / 1Gbps; overlay none; mtu 1500
 *     (576..65535); loss 0
 *   mesh: sidecar workers 2, cost lognormal 150us,800us; mtls handshake 2ms,
 *     perKiB 2us; ingressGateway replicas 2, workers 4, cost 200us,
 *     tlsHandshake 3ms; egressGateway replicas 1, workers 2, cost 200us,
 *     tlsHandshake 3ms; controlPlane pushDelay lognormal 500ms,3s;
 *     outboundTrafficPolicy ALLOW_ANY
 * (lognormal a,b = median a, p99 b) */
typedef struct cfg_cluster_spec {
    ms_pos pos;
    cfg_val_str name; /* default "cluster" */
    cfg_zone_spec *zones;
    size_t nzones;
    cfg_placement placement;
    const cfg_node *placement_node;
    struct {
        cfg_link_spec same_node, same_zone, cross_zone, cross_region, internet;
        cfg_overlay overlay;
        const cfg_node *overlay_node;
        cfg_val_int mtu;
        cfg_val_num loss; /* fraction of packets */
    } network;
    struct {
        cfg_proxy_spec sidecar;
        cfg_val_dist mtls_handshake;
        cfg_val_dist mtls_per_kib;
        cfg_proxy_spec ingress_gateway;
        cfg_proxy_spec egress_gateway;
        cfg_val_dist push_delay; /* controlPlane.pushDelay */
        cfg_outbound_policy outbound;
        const cfg_node *outbound_node;
    } mesh;
} cfg_cluster_spec;

/* --- WorkloadModel ---------------------------------------------------------------- */

typedef enum cfg_on_error { CFG_ON_ERROR_FAIL, CFG_ON_ERROR_IGNORE } cfg_on_error;

/* One downstream call.  Defaults: port 0 (= the service's first port), method
 * GET, path "/", probability 1, timeout 0 (= none), retries 0, onError fail. */
typedef struct cfg_call_spec {
    ms_pos pos;
    cfg_val_str host; /* required */
    cfg_val_int port;
    cfg_val_str method;
    cfg_val_str path;
    cfg_val_str *forward_headers;
    size_t nforward_headers;
    cfg_val_num probability; /* 0..1 */
    cfg_val_dur timeout;
    cfg_val_int retries; /* 0..100 */
    cfg_on_error on_error;
    const cfg_node *on_error_node;
} cfg_call_spec;

/* A step of the call sequence: one call (parallel false, ncalls 1) or a
 * parallel group (all calls at once; the step ends when all have answered). */
typedef struct cfg_call_step {
    ms_pos pos;
    bool parallel;
    cfg_call_spec *calls;
    size_t ncalls;
} cfg_call_step;

/* Defaults: concurrency 16, queueLimit 1000, serviceTime constant 1ms,
 * errors rate 0 status 500, responseSize 1KiB, startup constant 5s, no calls,
 * no pinning (zone/node NULL). */
typedef struct cfg_workload_spec {
    ms_pos pos;
    cfg_val_str name;       /* metadata.name */
    cfg_label_set selector; /* non-empty: matches pod template labels; required unless host */
    cfg_val_str host;       /* instead of selector: an external service (ServiceEntry host) */
    cfg_val_int concurrency; /* 1..1000000 */
    cfg_val_int queue_limit; /* 0..100000000 */
    cfg_val_dist service_time;
    cfg_val_num error_rate;   /* errors.rate */
    cfg_val_int error_status; /* errors.status, 100..599 */
    cfg_val_size response_size;
    cfg_val_dist startup;
    cfg_val_str zone; /* optional: pin pods to a zone */
    cfg_val_str node; /* optional: pin pods to a node */
    cfg_call_step *calls;
    size_t ncalls;
} cfg_workload_spec;

/* Fill `w` with the defaults above (no selector, no calls). */
void cfg_workload_spec_default(cfg_workload_spec *w);

/* --- Traffic ------------------------------------------------------------------------- */

typedef struct cfg_rate_step {
    ms_pos pos;
    cfg_val_dur at;   /* required */
    cfg_val_num rate; /* required, per second */
    cfg_val_dur ramp; /* default 0: step change; else linear from the previous rate */
} cfg_rate_step;

typedef struct cfg_header {
    const char *name, *value;
    const cfg_node *node;
} cfg_header;

/* One entry of a weighted request mix.  Defaults: weight 1, method GET, path
 * the URL's path. */
typedef struct cfg_request_mix {
    ms_pos pos;
    cfg_val_num weight; /* > 0 */
    cfg_val_str method;
    cfg_val_str path;
    cfg_header *headers;
    size_t nheaders;
} cfg_request_mix;

/* A load source.  Open loop (rate and/or pattern) or closed loop (users with
 * thinkTime), never both.  Defaults: from external, thinkTime exponential mean
 * 1s, timeout 30s, requests one GET of the URL's path. */
typedef struct cfg_source_spec {
    ms_pos pos;
    cfg_val_str name;     /* required, unique over all Traffic documents */
    const char *traffic;  /* metadata.name of its Traffic document (or "") */
    bool external;        /* from: external (default) */
    cfg_label_set from;   /* in-mesh client pods when !external */
    const cfg_node *from_node;
    cfg_val_str url;      /* required: http[s]://host[:port][/path] */
    const char *scheme;   /* "http" or "https" (loader-owned) */
    const char *host;     /* loader-owned */
    int port;             /* default 80 / 443 */
    const char *path;     /* default "/" */
    bool closed_loop;
    cfg_val_num rate; /* open loop; 0 when only a pattern is given */
    cfg_rate_step *pattern;
    size_t npattern;
    cfg_val_int users; /* closed loop, 1..10000000 */
    cfg_val_dist think_time;
    cfg_request_mix *requests;
    size_t nrequests;
    cfg_val_dur timeout;
} cfg_source_spec;

/* --- FaultSchedule ----------------------------------------------------------------- */

typedef enum cfg_fault_kind {
    CFG_FAULT_POD_KILL,           /* selector; count 1; restartAfter 0; gracePeriod 0 */
    CFG_FAULT_NODE_DOWN,          /* node */
    CFG_FAULT_LINK_DEGRADE,       /* between, and; one or more of addLatency, loss, bandwidth */
    CFG_FAULT_PARTITION,          /* between, and */
    CFG_FAULT_SLOWDOWN,           /* selector, factor (> 0) */
    CFG_FAULT_ERRORS,             /* selector, rate; status 503 */
    CFG_FAULT_EXTERNAL_OUTAGE,    /* host */
    CFG_FAULT_CONTROL_PLANE_DOWN, /* - */
} cfg_fault_kind;

typedef enum cfg_scope_kind { CFG_SCOPE_ZONE, CFG_SCOPE_NODE, CFG_SCOPE_REGION } cfg_scope_kind;

/* One side of a link fault: {zone: a} | {node: a-1} | {region: eu}. */
typedef struct cfg_scope {
    cfg_scope_kind kind;
    cfg_val_str name;
} cfg_scope;

typedef struct cfg_fault_spec {
    ms_pos pos;
    cfg_fault_kind kind;
    const cfg_node *kind_node;
    const char *schedule; /* metadata.name of its FaultSchedule (or "") */
    cfg_val_dur at;       /* required */
    cfg_val_dur duration; /* "for"; 0 = until the end of the run (pod-kill: none) */
    cfg_label_set selector;
    cfg_val_int count;           /* pod-kill: pods killed, default 1 */
    cfg_val_dist restart_after;  /* pod-kill: until the replacement starts, default 0 */
    cfg_val_dur grace_period;    /* pod-kill: graceful termination; default 0 = killed at once */
    cfg_val_str node;            /* node-down */
    cfg_scope between, and_;     /* link-degrade, partition */
    cfg_val_dist add_latency;    /* link-degrade, default 0 */
    cfg_val_num loss;            /* link-degrade, default 0 */
    cfg_val_num bandwidth;       /* link-degrade, default 0 = unchanged */
    cfg_val_num factor;          /* slowdown */
    cfg_val_num rate;            /* errors: fraction */
    cfg_val_int status;          /* errors, default 503 */
    cfg_val_str host;            /* external-outage */
} cfg_fault_spec;

/* --- Endpoints (meshproxy) ---------------------------------------------------------- */

typedef struct cfg_endpoint_spec {
    ms_pos pos;
    cfg_val_str address; /* "host:port" as written; required */
    cfg_label_set labels;
    cfg_val_str zone, region; /* optional */
    cfg_val_int weight;       /* default 1 */
} cfg_endpoint_spec;

typedef struct cfg_upstream_spec {
    ms_pos pos;
    cfg_val_str host; /* required */
    cfg_val_int port; /* required */
    cfg_endpoint_spec *endpoints;
    size_t nendpoints;
} cfg_upstream_spec;

/* --- all meshsim documents of one scenario -------------------------------------------- */

struct cfg_meshsim {
    bool has_scenario, has_cluster; /* given by a document (else defaults after finish) */
    cfg_scenario_spec scenario;
    cfg_cluster_spec cluster;
    cfg_workload_spec *workloads;
    size_t nworkloads;
    cfg_source_spec *sources; /* all Traffic documents' sources, in load order */
    size_t nsources;
    cfg_fault_spec *faults;   /* all FaultSchedules' faults, sorted by `at` (stable) */
    size_t nfaults;
    cfg_upstream_spec *upstreams; /* all Endpoints documents' services */
    size_t nupstreams;
    void *_private; /* allocations to free */
};
typedef struct cfg_meshsim cfg_meshsim;

/* Empty set of documents; free with cfg_meshsim_destroy (NULL is fine). */
struct cfg_meshsim *cfg_meshsim_create(void);
void cfg_meshsim_destroy(struct cfg_meshsim *m);

/* Decode one document.  Returns 0 without doing anything when the document's
 * apiVersion is not meshsim/v1alpha1; otherwise returns 1 after decoding it,
 * every problem reported into `d` (the decoded parts are kept).  `kind` is the
 * document's kind (may be NULL: read from the document).  Unknown kinds are
 * errors with a suggestion; Rollout and Experiment are refused as not supported
 * by this version.  A second Scenario or Cluster is an error naming the first.
 * Nodes and strings stay borrowed from `l`. */
int cfg_meshsim_decode(struct cfg_meshsim *m, cfg_loader *l, const cfg_doc *doc,
                       const char *kind, ms_diag *d);

/* After every document: fill the default Scenario and Cluster when absent and
 * sort the faults by `at`.  Idempotent. */
void cfg_meshsim_finish(struct cfg_meshsim *m);

/* Names for messages and reports: "pod-kill", "latency.p99"-style kinds... */
const char *cfg_fault_kind_name(cfg_fault_kind k);

#endif
