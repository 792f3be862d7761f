/*
 * lb_int.h - internals shared by the load-balancer files policy/lb*.c only
 * (style.md 1: module-private details in x_int.h).  Callers use policy/lb.h.
 *
 * What is here: the EDF scheduler (lb.c), per-priority state and the host
 * list of one pick (lb_priority.c), the ops table every algorithm provides and
 * the pol_lb base it extends, the EDF family's per-source state (round robin,
 * least request) and the hash family's per-level tables (ring hash, Maglev),
 * both in lb.c, and slow start (lb_slow_start.c).
 */
#ifndef POL_LB_INT_H
#define POL_LB_INT_H

#include "policy/lb.h"

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
