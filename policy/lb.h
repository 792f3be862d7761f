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
 * The lower part of this header (after "Module-internal") is shared by the
 * lb_*.c files only; callers must not use it.
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

/* ------------------------------------------------------------------------ */
/* Module-internal: shared by policy/lb*.c only.                            */
/* ------------------------------------------------------------------------ */

/* EDF scheduler (4.2): min-heap on (deadline, seq).  In exact mode (static
 * integer weights) a deadline is the fraction num/den, compared exactly; else a
 * double, as in Envoy.  See lb.c. */
typedef struct pol__edf_entry {
    double deadline; /* inexact mode */
    uint64_t num;    /* exact mode: deadline = num / den */
    uint32_t den;
    uint32_t item;
    uint64_t seq;
} pol__edf_entry;

typedef struct pol__edf {
    pol__edf_entry *heap; /* owned; capacity fixed at init */
    uint32_t n, cap;
    double t;             /* virtual clock (inexact mode) */
    uint64_t seq;
    bool exact;
} pol__edf;

typedef double (*pol__edf_weight_fn)(void *ud, uint32_t item);

void pol__edf_init(pol__edf *e, uint32_t cap);
void pol__edf_fini(pol__edf *e);
/* Fill with items 0..n-1 as if `seed mod 429496729` picks had been made
 * (Envoy's randomised start).  Items of weight <= 0 are left out.  With `exact`
 * every weight must be an integer in 1..2^32-1 and must stay the same at picks. */
void pol__edf_build(pol__edf *e, uint32_t n, pol__edf_weight_fn wf, void *ud, uint64_t seed,
                    bool exact);
/* Pop the earliest deadline, advance the clock, re-add the item with its
 * current weight; returns the item.  The scheduler must be non-empty. */
uint32_t pol__edf_pick(pol__edf *e, pol__edf_weight_fn wf, void *ud);

/* Per-priority state computed from the host set (lb_priority.c). */
typedef struct pol__prio {
    uint32_t n;              /* priority levels */
    uint32_t *healthy_load;  /* percent, per level */
    uint32_t *degraded_load;
    bool *panic;
    uint32_t *src_base;      /* first source id of each level */
    uint32_t n_sources;
    pol__edf *loc_edf;       /* 2 per level (healthy, degraded); cap 0 if unused */
    double *loc_w;           /* effective locality weights, indexed like sources */
} pol__prio;

/* A host list chosen for one pick. */
typedef struct pol__source {
    const uint32_t *hosts;
    uint32_t n;
    uint32_t id;       /* dense id, 0 .. prio.n_sources-1, for per-source state */
} pol__source;

typedef struct pol_lb_ops {
    const char *name;
    /* Allocate the algorithm's object (base included) and build its state from
     * lb->hs; the base is filled by the caller before on_hosts_changed runs. */
    pol_lb *(*create)(const pol_lb_config *cfg);
    void (*destroy)(pol_lb *lb);
    int32_t (*pick)(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns);
    void (*on_hosts_changed)(pol_lb *lb, int64_t now_ns);
    /* Hash LBs only (else NULL): see pol_lb_hash_table_stats(). */
    int (*table_stats)(const pol_lb *lb, uint32_t p, uint64_t *size, uint64_t *min_per_host,
                       uint64_t *max_per_host);
} pol_lb_ops;

/* The base every balancer object starts with. */
struct pol_lb {
    const pol_lb_ops *ops;
    pol_lb_config cfg;
    const pol_host_set *hs;
    uint64_t seed; /* drawn once at create */
    pol__prio prio;
    int64_t latest_created_ns; /* newest host's created_at (slow start) */
};

extern const pol_lb_ops pol__lb_round_robin_ops;
extern const pol_lb_ops pol__lb_least_request_ops;
extern const pol_lb_ops pol__lb_random_ops;
extern const pol_lb_ops pol__lb_ring_hash_ops;
extern const pol_lb_ops pol__lb_maglev_ops;

/* lb_priority.c */
void pol__prio_fini(pol__prio *pr);
void pol__prio_rebuild(pol_lb *lb);
/* Priority and availability for the 64-bit value r (4.1 step 1). */
uint32_t pol__prio_choose(const pol_lb *lb, uint64_t r, pol_host_avail *avail);
/* Steps 1-3 of 4.1: the host list for a pick with random value r.  Returns false
 * when there is no level at all. */
bool pol__prio_source(pol_lb *lb, uint64_t r, pol__source *src);
/* Source id of (p, avail, slot). */
uint32_t pol__prio_source_id(const pol_lb *lb, uint32_t p, pol_host_avail avail, int32_t slot);

/* lb.c */
bool pol__lb_is_prime(uint64_t n); /* trial division: config time only */
/* Pick loop of the EDF family: `once` picks one host from a source. */
typedef int32_t (*pol__pick_once_fn)(pol_lb *lb, const pol__source *src, uint64_t r, ms_rng *rng,
                                     int64_t now_ns);
int32_t pol__lb_pick_loop(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns,
                          pol__pick_once_fn once);
/* Hash LBs (4.5): one lookup table per priority level, built at host change
 * from the level's healthy hosts (all hosts when it is in panic). */
typedef struct pol__hash_table {
    void *e;       /* the algorithm's entries (owned); NULL: no eligible host */
    uint64_t size; /* number of entries; 0 when e is NULL */
    uint64_t min_per_host, max_per_host;
} pol__hash_table;

typedef struct pol__hash_lb {
    pol_lb base;
    pol__hash_table *t; /* one per priority level */
    uint32_t n_t;
} pol__hash_lb;

/* The input of a table: the eligible hosts in host-set order with their
 * normalized weights w (sum <= 1; locality share folded in when
 * locality-weighted), n >= 1, and the smallest and largest weight. */
typedef struct pol__hash_hosts {
    const uint32_t *hosts;
    const double *w;
    uint32_t n;
    double w_min, w_max;
} pol__hash_hosts;

/* Fill *t (zeroed) from `in`: allocate t->e and set size and min/max per host. */
typedef void (*pol__hash_build_fn)(const pol_lb *lb, const pol__hash_hosts *in,
                                   pol__hash_table *t);
/* Host for hash h on re-selection attempt `attempt` of a non-empty table. */
typedef int32_t (*pol__hash_lookup_fn)(const pol_lb *lb, const pol__hash_table *t, uint64_t h,
                                       uint32_t attempt);

/* create / destroy / table_stats of the hash ops tables. */
pol_lb *pol__hash_lb_create(const pol_lb_config *cfg);
void pol__hash_lb_destroy(pol_lb *lb);
int pol__hash_lb_stats(const pol_lb *lb, uint32_t p, uint64_t *size, uint64_t *min_per_host,
                       uint64_t *max_per_host);
/* on_hosts_changed: rebuild every level's table with `build`. */
void pol__hash_lb_rebuild(pol_lb *lb, pol__hash_build_fn build);
/* Pick (4.5, 1.7): h = request hash, or one random draw when there is none;
 * priority from h; then `lookup(table of p, h, attempt)` for attempt 0.. up to
 * the re-selection limit while the host is a previous host.  -1 when the level
 * has no table. */
int32_t pol__hash_lb_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng,
                          pol__hash_lookup_fn lookup);
/* Are all weights of the source's hosts equal? */
bool pol__lb_weights_equal(const pol_lb *lb, const uint32_t *hosts, uint32_t n);

/* The EDF family (round robin, least request): per host source, the rotation
 * counter (round robin only; starts at the instance seed), whether the static
 * weights differ, and an EDF scheduler with room for the source's hosts (none
 * for 0 or 1 host).  The EDF is filled at the first pick that needs it, because
 * slow-start weights need `now`; its memory is allocated at host change, so a
 * pick never allocates. */
typedef struct pol__edf_source {
    uint64_t counter;
    bool unequal;
    bool built;
    pol__edf edf;
} pol__edf_source;

typedef struct pol__edf_lb {
    pol_lb base;
    pol__edf_source *src; /* one per source id (pol__prio_source_id) */
    uint32_t n_src;
} pol__edf_lb;

/* What the family's weight functions get as `ud`: item i is hosts[i]. */
typedef struct pol__weight_ud {
    const pol_lb *lb;
    const uint32_t *hosts;
    int64_t now_ns;
    bool slow_start;
} pol__weight_ud;

/* create / destroy / on_hosts_changed of the family's ops tables. */
pol_lb *pol__edf_lb_create(const pol_lb_config *cfg);
void pol__edf_lb_destroy(pol_lb *lb);
void pol__edf_lb_on_hosts_changed(pol_lb *lb, int64_t now_ns);
/* State of the source of this pick. */
pol__edf_source *pol__edf_lb_source(pol_lb *lb, const pol__source *src);
/* Pick a host of src (n > 1) with its EDF, weights wf(ud) where ud is
 * {lb, src->hosts, now_ns, slow_start}; fills the EDF first if needed (exact
 * mode when `exact`, see pol__edf_build). */
uint32_t pol__edf_lb_pick(pol_lb *lb, const pol__source *src, pol__edf_weight_fn wf,
                          int64_t now_ns, bool slow_start, bool exact);

/* lb_slow_start.c: is any host of the set still inside its window at now? */
bool pol__slow_start_any(const pol_lb *lb, int64_t now_ns);
/* Static weight of a host, times its slow-start factor when `slow_start`. */
double pol__lb_host_weight(const pol_lb *lb, uint32_t host, int64_t now_ns, bool slow_start);

#endif
