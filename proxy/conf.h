/*
 * conf.h - one loaded meshproxy configuration: the decoded YAML (Istio
 * resources + Endpoints documents), the compiled route table, each HTTP
 * route's mapped retry/timeout/fault policy, and the upstream clusters with
 * their DestinationRule policy (load balancer, connection pool limits,
 * outlier detection) and endpoints.
 *
 * Sharing: a px_conf is immutable after px_conf_load() except the parts
 * guarded by each cluster's mutex (circuit breaker, outlier detector, stats,
 * ejection flags) and the per-worker parts (px_cluster_w, route scratch),
 * touched only by their worker's thread.  It is reference counted: the
 * server, each worker and each in-flight request hold a reference; reload
 * swaps in a new one while requests finish on the old.
 */
#ifndef PX_CONF_H
#define PX_CONF_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/diag.h"
#include "base/rng.h"
#include "config/bundle.h"
#include "policy/circuit.h"
#include "policy/cluster_stats.h"
#include "policy/fault.h"
#include "policy/istio_map.h"
#include "policy/lb.h"
#include "policy/outlier.h"
#include "policy/retry.h"
#include "policy/route.h"
#include "policy/route_policy.h"
#include "policy/timeout.h"

typedef struct px_uconn px_uconn;
typedef struct px_req px_req;
typedef struct px_attempt px_attempt;

/* Per-worker connection pool of one endpoint (worker thread only). */
typedef struct px_pool {
    px_uconn *idle;    /* idle keep-alive connections, most recent first */
    uint32_t nconns;   /* open: connecting, busy and idle */
    px_attempt *pending; /* attempts waiting for a connection (FIFO) */
    px_attempt *pending_tail;
} px_pool;

/* Per-endpoint counters for /clusters (under the cluster mutex). */
typedef struct px_host_stats {
    uint64_t cx_total, cx_active, cx_connect_fail;
    uint64_t rq_total, rq_success, rq_error, rq_timeout, rq_active;
} px_host_stats;

typedef struct px_endpoint {
    char *address; /* "ip:port" as written, owned */
    struct sockaddr_storage sa;
    socklen_t salen;
    const char *version; /* label "version" or NULL (borrowed from the bundle) */
    const char *zone, *region;
    uint32_t weight;
    pol_labels labels;  /* items owned (strings borrowed from the bundle) */
    const pol_authorization_policy **authz; /* owned array: the policies that apply */
    size_t nauthz;
} px_endpoint;

/* AuthorizationPolicies are evaluated for at most this many endpoints of a
 * cluster (per-request bitmap); endpoints beyond it are not checked. */
#define PX_AUTHZ_MAX_HOSTS 64

typedef struct px_cluster_w {
    pol_host_set *hs;
    pol_lb *lb;
    uint64_t seen_gen; /* ejection generation applied to hs */
    px_pool *pools;    /* one per host */
} px_cluster_w;

typedef struct px_cluster {
    char *name;         /* "outbound|<port>|<subset>|<fqdn>" */
    char *fqdn;
    char *subset;       /* NULL: the whole service */
    char *service_name; /* first label of the FQDN */
    char *service_ns;
    int port;
    px_endpoint *hosts; /* owned */
    uint32_t nhosts;
    pol_lb_config lbc;
    const pol_consistent_hash *hash; /* the DR's consistentHash (NULL: none) */
    bool has_authz;     /* some endpoint has AuthorizationPolicies */
    pol_istio_pool_settings pool;
    bool has_od;
    int64_t od_interval_ns;
    /* shared: under mu */
    pthread_mutex_t mu;
    pol_circuit cb;
    pol_outlier *od;
    pol_cluster_stats stats;
    px_host_stats *hstats;
    bool *ejected;
    ms_splitmix od_rng;
    _Atomic uint64_t eject_gen;
    /* per worker */
    px_cluster_w *w;
} px_cluster;

typedef pol_route_policy px_route_policy; /* policy/route_policy.h */

typedef struct px_conf {
    _Atomic int refs;
    uint64_t generation;
    ms_diag *diag; /* owned: the bundle's loader reports into it */
    cfg_bundle bundle;
    char *ns;      /* the proxy's namespace */
    char *gateway; /* NULL, or the Gateway ("ns/name") the proxy stands for */
    int nworkers;
    pol_route_service *services;
    size_t nservices;
    pol_route_table *routes;
    pol_route_scratch **scratch; /* per worker */
    pol_route_policies policies; /* every VS http route's, mapped once */
    px_cluster *clusters;
    size_t nclusters;
    char **paths;
    size_t npaths;
} px_conf;

/* Load the files and build everything.  `gateway` NULL: route as a sidecar
 * (VirtualServices bound to "mesh"); else "ns/name" of the Gateway whose
 * VirtualServices apply, as an ingress gateway does.  The messages (errors, warnings) are
 * in *diag_out: owned by the returned configuration on success, by the caller
 * (ms_diag_destroy) when NULL is returned.  nworkers >= 1. */
px_conf *px_conf_load(const char *const *paths, size_t npaths, int nworkers, const char *ns,
                      const char *gateway, uint64_t seed, ms_diag **diag_out);
void px_conf_ref(px_conf *c);
/* Drop a reference; the last one frees (pools must be empty by then). */
void px_conf_unref(px_conf *c);

/* The cluster a route target goes to, or NULL (no Endpoints for the host). */
px_cluster *px_conf_cluster_for(px_conf *c, const pol_route_target *t);
/* The mapped policy of the route a decision took. */
const px_route_policy *px_conf_policy(const px_conf *c, const pol_virtual_service *vs,
                                      const pol_http_route *route);

/* --- cluster operations (cluster.c) ------------------------------------------------ */

/* Pick a host for worker w (applies pending ejections first); -1: none. */
int32_t px_cluster_pick(px_cluster *c, int w, const pol_lb_context *ctx, ms_rng *rng, int64_t now);
/* Report an attempt's outcome to outlier detection (no-op without it). */
void px_cluster_report(px_cluster *c, uint32_t host, int status_or_event, int64_t now);
/* The interval sweep (server thread). */
void px_cluster_tick(px_cluster *c, int64_t now);
static inline void px_cluster_lock(px_cluster *c) { pthread_mutex_lock(&c->mu); }
static inline void px_cluster_unlock(px_cluster *c) { pthread_mutex_unlock(&c->mu); }

#endif
