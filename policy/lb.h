/*
 * lb.h - load balancers: choose one host of a pol_host_set for a request
 * (policy-semantics.md section 4; host re-selection on retry 1.7; ejection 3.6).
 *
 * Each algorithm is a `static const pol_lb_ops` table plus a create function
 * (style.md 1; h2o balancers, HAProxy lb_ops, nginx peer.get).  All of them run
 * the same pipeline (4.1): priority from the priority load, panic check, locality,
 * then the algorithm on the chosen host list.
 *
 * Rules shared by every balancer:
 *   - no I/O, no clock: `now_ns` is an argument (slow start only);
 *   - randomness only from the `ms_rng *` handed in (one draw at create for the
 *     per-instance seed: RR/EDF start offsets differ per instance, trap 15);
 *   - no allocation during a pick: tables are built at create and in
 *     pol_lb_on_hosts_changed();
 *   - the balancer borrows the host set: the set must outlive it, and after any
 *     change to the set the caller runs pol_host_set_rebuild() and then
 *     pol_lb_on_hosts_changed() before the next pick.
 *
 * One balancer instance stands for one Envoy worker's LB; it is not thread-safe.
 * The algorithms' shared internals are in policy/lb_int.h.
 */
#ifndef POL_LB_H
#define POL_LB_H

#include "base/rng.h"
#include "policy/host_set.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pol_lb_policy {
    POL_LB_POLICY_ROUND_ROBIN = 0,
    POL_LB_POLICY_LEAST_REQUEST,
    POL_LB_POLICY_RANDOM,
    POL_LB_POLICY_RING_HASH,
    POL_LB_POLICY_MAGLEV,
} pol_lb_policy;

typedef enum pol_lb_lr_method {
    POL_LB_LR_N_CHOICES = 0, /* power of N choices (default) */
    POL_LB_LR_FULL_SCAN,
} pol_lb_lr_method;

/* Which request attribute the hash LBs hash (Istio consistentHash key, 4.5). */
typedef enum pol_lb_hash_source {
    POL_LB_HASH_NONE = 0, /* no hash policy: every pick uses a random value */
    POL_LB_HASH_HEADER,
    POL_LB_HASH_COOKIE,
    POL_LB_HASH_SOURCE_IP,
    POL_LB_HASH_QUERY_PARAM,
} pol_lb_hash_source;

/* Load-balancer configuration.  Plain value; no pointers. */
typedef struct pol_lb_config {
    pol_lb_policy policy;
    /* LEAST_REQUEST (4.3) */
    uint32_t choice_count;        /* default 2; values < 2 mean 2 */
    double active_request_bias;   /* default 1.0; < 0 or NaN means 1.0 */
    pol_lb_lr_method lr_method;
    /* RING_HASH (4.5) */
    uint64_t min_ring_size;       /* default 1024 */
    uint64_t max_ring_size;       /* default 8388608 */
    /* MAGLEV (4.5) */
    uint64_t maglev_table_size;   /* default 65537; must be prime */
    /* hash policy of the route (4.5) */
    pol_lb_hash_source hash_source;
    bool cookie_ttl_set;          /* cookie absent + ttl: generate one (4.5) */
    /* priorities and panic (4.6) */
    uint32_t overprovisioning_factor; /* default 140 */
    double panic_threshold_percent;   /* default 50; 0 disables panic */
    /* locality-weighted LB (4.7): locality_weighted_lb_config present */
    bool locality_weighted;
    /* slow start (4.9): RR and LEAST_REQUEST only */
    bool slow_start;
    int64_t slow_start_window_ns;
    double slow_start_aggression;         /* default 1.0; <= 0 or NaN means 1.0 */
    double slow_start_min_weight_percent; /* default 10 */
} pol_lb_config;

/* Raw Envoy cluster defaults: ROUND_ROBIN, panic 50 %, overprovisioning 140,
 * ring 1024..8Mi, Maglev 65537, choice_count 2, bias 1.0, no slow start. */
void pol_lb_config_init_envoy(pol_lb_config *cfg);
/* What an Istio mesh runs with when no DestinationRule says otherwise (section 10):
 * Envoy defaults with LEAST_REQUEST. */
void pol_lb_config_init_istio(pol_lb_config *cfg);
/* 0 when cfg is usable; otherwise -1 and *why (static string) names the problem
 * (non-prime Maglev table, min ring > max ring, bad slow-start window). */
int pol_lb_config_check(const pol_lb_config *cfg, const char **why);

/* A hash input: `present` false means the request does not carry it.  The bytes
 * are borrowed for the duration of the pick. */
typedef struct pol_lb_key {
    const char *p;
    size_t len;
    bool present;
} pol_lb_key;

/* Per-pick context (Envoy LoadBalancerContext).  Zero-initialise, fill what applies.
 * Everything is borrowed for the duration of the pick. */
typedef struct pol_lb_context {
    /* Hash inputs; the config's hash_source selects one. */
    pol_lb_key header_value;  /* first value of the hash header */
    pol_lb_key cookie_value;
    pol_lb_key source_ip;     /* downstream IP without port */
    pol_lb_key query_value;   /* first value of the query parameter */
    pol_lb_key downstream_remote_address; /* for a generated cookie (ttl set) */
    pol_lb_key downstream_local_address;
    bool has_hash;            /* a hash the caller computed itself: wins */
    uint64_t hash;
    /* Host re-selection on retry (1.7): hosts already attempted for this request,
     * and how many extra picks are allowed when a pick hits one of them. */
    const uint32_t *previous_hosts;
    size_t previous_host_count;
    uint32_t host_selection_retry_max_attempts;
} pol_lb_context;

typedef struct pol_lb pol_lb;

/* Build a balancer for `hs` (which must be rebuilt, not dirty).  Draws the
 * per-instance seed from `rng` (one draw).  Copies cfg; borrows hs, which must
 * outlive the balancer.  Returns NULL when pol_lb_config_check() fails.  The
 * caller frees with pol_lb_destroy(). */
pol_lb *pol_lb_create(const pol_lb_config *cfg, const pol_host_set *hs, ms_rng *rng);
void pol_lb_destroy(pol_lb *lb); /* NULL is fine */

/* Choose a host: returns a host index of the set, or -1 when there is no host to
 * send to (the router answers 503 with flag UH).  `ctx` may be NULL.  `rng`
 * supplies all randomness of the pick; `now_ns` is used by slow start only.
 * With ctx->previous_hosts, a pick that lands on a previous host is repeated up
 * to host_selection_retry_max_attempts times; the last pick is returned anyway. */
int32_t pol_lb_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns);

/* Recompute everything derived from the host set (priority load, panic, locality
 * schedulers, per-algorithm tables).  Call after pol_host_set_rebuild(). */
void pol_lb_on_hosts_changed(pol_lb *lb, int64_t now_ns);

/* Introspection (stats, tests). */
const char *pol_lb_policy_name(pol_lb_policy policy);
uint32_t pol_lb_priority_count(const pol_lb *lb);
uint32_t pol_lb_healthy_load(const pol_lb *lb, uint32_t p);   /* percent */
uint32_t pol_lb_degraded_load(const pol_lb *lb, uint32_t p);  /* percent */
bool pol_lb_in_panic(const pol_lb *lb, uint32_t p);
/* Hash LBs: size of priority p's ring/table and min/max entries per host
 * (ring_hash_lb.size, min/max_hashes_per_host, maglev min/max_entries_per_host).
 * Returns -1 for other balancers or a priority without table. */
int pol_lb_hash_table_stats(const pol_lb *lb, uint32_t p, uint64_t *size, uint64_t *min_per_host,
                            uint64_t *max_per_host);

/* Slow-start weight multiplier of host h at now_ns under cfg (4.9): 1.0 when slow
 * start is off or the host is out of its window. */
double pol_lb_slow_start_factor(const pol_lb_config *cfg, const pol_host *h, int64_t now_ns);

/* The value Envoy puts in a generated hash cookie (4.5): 16 lowercase hex digits
 * of xxHash64(remote + local), NUL-terminated in out[17]. */
void pol_lb_cookie_generate(pol_lb_key remote, pol_lb_key local, char out[17]);

/* Istio locality failover (4.7).  A rule says: when the client is in region
 * `from`, fail over to region `to` first.  Strings are borrowed. */
typedef struct pol_lb_failover_rule {
    const char *from;
    const char *to;
} pol_lb_failover_rule;

/* Istio's raw failover priority of an endpoint locality seen from the client:
 * 0 same region/zone/subzone, 1 same region/zone, 2 same region, 3 other region,
 * 4 other region that is not the `to` of the rule whose `from` is the client's
 * region (only when such a rule exists). */
uint32_t pol_lb_istio_locality_rank(pol_locality client, pol_locality endpoint,
                                    const pol_lb_failover_rule *rules, size_t n_rules);
/* Set every host's priority the way Istio does: with outlier detection, the rank
 * above compacted to 0..N-1 without gaps; without it, all hosts in P0 (failover
 * needs OD).  Marks the set dirty: rebuild it, then pol_lb_on_hosts_changed().
 * (failoverPriority labels and `distribute` are not handled here.) */
void pol_lb_istio_apply_failover(pol_host_set *hs, pol_locality client, bool outlier_detection,
                                 const pol_lb_failover_rule *rules, size_t n_rules);

/* Istio DestinationRule -> config (lb_istio.c).  `lb` is the effective
 * loadBalancer block (NULL: none), `od` the outlierDetection block (NULL: none);
 * send_unhealthy_endpoints: istiod sends not-ready endpoints (1.31-dev default),
 * which sets the panic threshold to 0, with or without OD (3.7, 4.6).  Fills *cfg; returns 0, or -1
 * with a static message in *why (PASSTHROUGH, maglev without a prime tableSize
 * < 5000011, ring too large).  Hash-key names stay in the settings: the caller
 * extracts the named header/cookie/query value into pol_lb_context. */
struct pol_load_balancer_settings;
struct pol_outlier_detection;
int pol_lb_config_from_istio(const struct pol_load_balancer_settings *lb,
                             const struct pol_outlier_detection *od, bool send_unhealthy_endpoints,
                             pol_lb_config *cfg, const char **why);
/* Set host priorities from the settings' localityLbSetting the way istiod does
 * (failover only with OD, not with `distribute`, not when disabled).  Marks the
 * set dirty: the caller rebuilds it.  failoverPriority labels are not modelled. */
void pol_lb_istio_assign_priorities(pol_host_set *hs, pol_locality client,
                                    const struct pol_load_balancer_settings *lb, bool has_od);

#endif
