/*
 * lb.c - load-balancer dispatch, configuration defaults, the EDF scheduler and
 * the parts of a pick shared by all algorithms (policy-semantics.md 4.1-4.5, 1.7).
 *
 * pol_lb_create() picks the ops table for cfg->policy; the algorithm files
 * (lb_round_robin.c, lb_least_request.c, lb_random.c, lb_ring_hash.c,
 * lb_maglev.c) provide it.  The state the algorithms of one family share also
 * lives here: per-source EDF state for round robin and least request
 * (pol__edf_lb), per-level lookup tables for ring hash and Maglev
 * (pol__hash_lb).  Priority/panic/locality live in lb_priority.c, slow start in
 * lb_slow_start.c; internal declarations in lb_int.h.
 *
 * EDF scheduler (4.2): a binary min-heap on (deadline, insertion sequence), the
 * sequence making ties FIFO.  The heap holds at most one entry per item and
 * never grows after init, so picks do not allocate.
 *
 * Deadline arithmetic, a deliberate difference from Envoy: Envoy keeps deadlines
 * as doubles, so `t + 1/w` rounds, more so after the randomised start puts the
 * clock near 10^7..10^8.  Ties that are exact in real arithmetic (weights 1,2,3
 * meet at every integer) are then broken by rounding noise and a host slowly
 * gains or loses a pick against its weight.  When weights are static integers
 * (round robin without slow start, locality weights that come out integral,
 * least request with bias 0) the deadline of an item is always m/w for an
 * integer m, so we keep (m, w) and compare fractions exactly: ties stay FIFO and
 * every full cycle is exact.  Dynamic weights (least request, slow start) use
 * doubles like Envoy.
 */
#define XXH_STATIC_LINKING_ONLY
#include "policy/lb_int.h"

#include "base/alloc.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Envoy caps the emulated start picks at UINT32_MAX / 10. */
#define EDF_START_PICKS_MOD 429496729u

void pol_lb_config_init_envoy(pol_lb_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->policy = POL_LB_POLICY_ROUND_ROBIN;
    cfg->choice_count = 2;
    cfg->active_request_bias = 1.0;
    cfg->lr_method = POL_LB_LR_N_CHOICES;
    cfg->min_ring_size = 1024;
    cfg->max_ring_size = 8388608;
    cfg->maglev_table_size = 65537;
    cfg->hash_source = POL_LB_HASH_NONE;
    cfg->overprovisioning_factor = 140;
    cfg->panic_threshold_percent = 50.0;
    cfg->slow_start_aggression = 1.0;
    cfg->slow_start_min_weight_percent = 10.0;
}

void pol_lb_config_init_istio(pol_lb_config *cfg)
{
    pol_lb_config_init_envoy(cfg);
    cfg->policy = POL_LB_POLICY_LEAST_REQUEST;
}

bool pol__lb_is_prime(uint64_t n)
{
    if (n < 2)
        return false;
    for (uint64_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return false;
    return true;
}

int pol_lb_config_check(const pol_lb_config *cfg, const char **why)
{
    const char *w = NULL;
    if (cfg->policy > POL_LB_POLICY_MAGLEV)
        w = "unknown load-balancing policy";
    else if (cfg->policy == POL_LB_POLICY_MAGLEV && !pol__lb_is_prime(cfg->maglev_table_size))
        w = "maglev table size must be prime";
    else if (cfg->policy == POL_LB_POLICY_RING_HASH &&
             (cfg->min_ring_size == 0 || cfg->min_ring_size > cfg->max_ring_size))
        w = "ring hash minimum ring size must be > 0 and <= the maximum";
    else if (cfg->slow_start && cfg->slow_start_window_ns <= 0)
        w = "slow start window must be positive";
    else if (cfg->overprovisioning_factor == 0)
        w = "overprovisioning factor must be positive";
    if (why)
        *why = w;
    return w ? -1 : 0;
}

static const pol_lb_ops *ops_for(pol_lb_policy policy)
{
    switch (policy) {
    case POL_LB_POLICY_ROUND_ROBIN:
        return &pol__lb_round_robin_ops;
    case POL_LB_POLICY_LEAST_REQUEST:
        return &pol__lb_least_request_ops;
    case POL_LB_POLICY_RANDOM:
        return &pol__lb_random_ops;
    case POL_LB_POLICY_RING_HASH:
        return &pol__lb_ring_hash_ops;
    case POL_LB_POLICY_MAGLEV:
        return &pol__lb_maglev_ops;
    }
    return NULL;
}

const char *pol_lb_policy_name(pol_lb_policy policy)
{
    const pol_lb_ops *ops = ops_for(policy);
    return ops ? ops->name : "?";
}

pol_lb *pol_lb_create(const pol_lb_config *cfg, const pol_host_set *hs, ms_rng *rng)
{
    if (pol_lb_config_check(cfg, NULL) != 0)
        return NULL;
    assert(!pol_host_set_dirty(hs));
    const pol_lb_ops *ops = ops_for(cfg->policy);
    pol_lb *lb = ops->create(cfg);
    lb->ops = ops;
    lb->cfg = *cfg;
    if (lb->cfg.choice_count < 2)
        lb->cfg.choice_count = 2;
    if (!(lb->cfg.active_request_bias >= 0.0)) /* negative or NaN */
        lb->cfg.active_request_bias = 1.0;
    if (!(lb->cfg.slow_start_aggression > 0.0))
        lb->cfg.slow_start_aggression = 1.0;
    lb->hs = hs;
    lb->seed = ms_rng_u64(rng);
    pol_lb_on_hosts_changed(lb, 0);
    return lb;
}

void pol_lb_destroy(pol_lb *lb)
{
    if (!lb)
        return;
    pol__prio_fini(&lb->prio);
    lb->ops->destroy(lb);
}

int32_t pol_lb_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    assert(!pol_host_set_dirty(lb->hs));
    return lb->ops->pick(lb, ctx, rng, now_ns);
}

void pol_lb_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    assert(!pol_host_set_dirty(lb->hs));
    const pol_host *hosts = pol_host_set_hosts(lb->hs);
    uint32_t n = pol_host_set_count(lb->hs);
    lb->latest_created_ns = INT64_MIN;
    for (uint32_t i = 0; i < n; i++)
        if (hosts[i].created_at_ns > lb->latest_created_ns)
            lb->latest_created_ns = hosts[i].created_at_ns;
    pol__prio_rebuild(lb);
    lb->ops->on_hosts_changed(lb, now_ns);
}

uint32_t pol_lb_priority_count(const pol_lb *lb) { return lb->prio.n; }

uint32_t pol_lb_healthy_load(const pol_lb *lb, uint32_t p)
{
    return p < lb->prio.n ? lb->prio.healthy_load[p] : 0;
}

uint32_t pol_lb_degraded_load(const pol_lb *lb, uint32_t p)
{
    return p < lb->prio.n ? lb->prio.degraded_load[p] : 0;
}

bool pol_lb_in_panic(const pol_lb *lb, uint32_t p) { return p < lb->prio.n && lb->prio.panic[p]; }

int pol_lb_hash_table_stats(const pol_lb *lb, uint32_t p, uint64_t *size, uint64_t *min_per_host,
                            uint64_t *max_per_host)
{
    if (!lb->ops->table_stats)
        return -1;
    return lb->ops->table_stats(lb, p, size, min_per_host, max_per_host);
}

/* ---- shared pick helpers ---- */

/* Request hash per cfg->hash_source (4.5); false when the input is missing. */
static bool request_hash(const pol_lb *lb, const pol_lb_context *ctx, uint64_t *out);

/* Picks allowed for one attempt: 1 + the extra re-selection picks (1.7). */
static uint32_t max_attempts(const pol_lb_context *ctx)
{
    return ctx ? ctx->host_selection_retry_max_attempts + 1 : 1;
}

/* Does the previous_hosts predicate reject `host`? */
static bool rejected(const pol_lb_context *ctx, uint32_t host)
{
    if (!ctx)
        return false;
    for (size_t i = 0; i < ctx->previous_host_count; i++)
        if (ctx->previous_hosts[i] == host)
            return true;
    return false;
}

int32_t pol__lb_pick_loop(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns,
                          pol__pick_once_fn once)
{
    uint32_t max = max_attempts(ctx);
    int32_t host = -1;
    for (uint32_t a = 0; a < max; a++) {
        uint64_t r = ms_rng_u64(rng);
        pol__source src;
        if (!pol__prio_source(lb, r, &src) || src.n == 0)
            return -1;
        host = once(lb, &src, r, rng, now_ns);
        if (host < 0 || !rejected(ctx, (uint32_t)host))
            return host;
    }
    return host;
}

int32_t pol__hash_lb_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng,
                          pol__hash_lookup_fn lookup)
{
    uint64_t h;
    if (!request_hash(lb, ctx, &h))
        h = ms_rng_u64(rng);
    if (lb->prio.n == 0)
        return -1;
    pol_host_avail avail;
    uint32_t p = pol__prio_choose(lb, h, &avail);
    const pol__hash_table *t = &((const pol__hash_lb *)lb)->t[p];
    if (t->size == 0)
        return -1;
    uint32_t max = max_attempts(ctx);
    int32_t host = -1;
    for (uint32_t a = 0; a < max; a++) {
        host = lookup(lb, t, h, a);
        if (host < 0 || !rejected(ctx, (uint32_t)host))
            return host;
    }
    return host;
}

bool pol__lb_weights_equal(const pol_lb *lb, const uint32_t *hosts, uint32_t n)
{
    const pol_host *h = pol_host_set_hosts(lb->hs);
    for (uint32_t i = 1; i < n; i++)
        if (h[hosts[i]].weight != h[hosts[0]].weight)
            return false;
    return true;
}

/* ---- EDF family state (round robin, least request) ---- */

pol_lb *pol__edf_lb_create(const pol_lb_config *cfg)
{
    (void)cfg;
    pol__edf_lb *e = ms_xcalloc(1, sizeof(*e));
    return &e->base;
}

static void free_edf_sources(pol__edf_lb *e)
{
    for (uint32_t i = 0; i < e->n_src; i++)
        pol__edf_fini(&e->src[i].edf);
    free(e->src);
    e->src = NULL;
    e->n_src = 0;
}

void pol__edf_lb_destroy(pol_lb *lb)
{
    pol__edf_lb *e = (pol__edf_lb *)lb;
    free_edf_sources(e);
    free(e);
}

void pol__edf_lb_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    (void)now_ns;
    pol__edf_lb *e = (pol__edf_lb *)lb;
    free_edf_sources(e);
    e->n_src = lb->prio.n_sources;
    e->src = ms_xcalloc(e->n_src ? e->n_src : 1, sizeof(pol__edf_source));
    for (uint32_t p = 0; p < lb->prio.n; p++) {
        int32_t L = (int32_t)pol_host_set_locality_count(lb->hs, p);
        for (int a = 0; a < 3; a++) {
            for (int32_t slot = -1; slot < L; slot++) {
                uint32_t n;
                const uint32_t *hosts = pol_host_set_group(lb->hs, p, (pol_host_avail)a, slot, &n);
                pol__edf_source *s = &e->src[pol__prio_source_id(lb, p, (pol_host_avail)a, slot)];
                s->counter = lb->seed;
                s->unequal = n > 1 && !pol__lb_weights_equal(lb, hosts, n);
                pol__edf_init(&s->edf, n > 1 ? n : 0);
            }
        }
    }
}

pol__edf_source *pol__edf_lb_source(pol_lb *lb, const pol__source *src)
{
    return &((pol__edf_lb *)lb)->src[src->id];
}

uint32_t pol__edf_lb_pick(pol_lb *lb, const pol__source *src, pol__edf_weight_fn wf,
                          int64_t now_ns, bool slow_start, bool exact)
{
    pol__edf_source *s = pol__edf_lb_source(lb, src);
    pol__weight_ud ud = {lb, src->hosts, now_ns, slow_start};
    if (!s->built) {
        pol__edf_build(&s->edf, src->n, wf, &ud, lb->seed, exact);
        s->built = true;
    }
    return src->hosts[pol__edf_pick(&s->edf, wf, &ud)];
}

/* Append the hosts of list (hosts, n), their weights normalized to `share`. */
static uint32_t normalize(const pol_lb *lb, const uint32_t *list, uint32_t n, double share,
                          uint32_t *hosts, double *w, uint32_t k)
{
    const pol_host *h = pol_host_set_hosts(lb->hs);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += h[list[i]].weight;
    for (uint32_t i = 0; i < n; i++) {
        hosts[k] = list[i];
        w[k++] = (double)h[list[i]].weight / (double)sum * share;
    }
    return k;
}

/* The input of priority p's table (pol__hash_hosts); `hosts`/`w` have room
 * for all hosts of p.  Returns the number of eligible hosts. */
static uint32_t hash_hosts(const pol_lb *lb, uint32_t p, uint32_t *hosts, double *w,
                           pol__hash_hosts *in)
{
    pol_host_avail av = lb->prio.panic[p] ? POL_HOSTS_ALL : POL_HOSTS_HEALTHY;
    uint32_t k = 0, n;
    if (!lb->cfg.locality_weighted) {
        const uint32_t *list = pol_host_set_group(lb->hs, p, av, -1, &n);
        k = normalize(lb, list, n, 1.0, hosts, w, 0);
    } else {
        /* Locality weights may be 0 (those hosts are left out); the shares are
         * taken over all localities of the level, even those with no eligible
         * host, so the weights may sum to less than 1, as in Envoy. */
        uint32_t L = pol_host_set_locality_count(lb->hs, p);
        uint64_t lsum = 0;
        for (uint32_t s = 0; s < L; s++)
            lsum += pol_host_set_locality_weight(lb->hs, p, s);
        for (uint32_t s = 0; lsum && s < L; s++) {
            uint32_t lw = pol_host_set_locality_weight(lb->hs, p, s);
            const uint32_t *list = pol_host_set_group(lb->hs, p, av, (int32_t)s, &n);
            if (lw && n)
                k = normalize(lb, list, n, (double)lw / (double)lsum, hosts, w, k);
        }
    }
    in->hosts = hosts;
    in->w = w;
    in->n = k;
    in->w_min = 1.0;
    in->w_max = 0.0;
    for (uint32_t i = 0; i < k; i++) {
        if (w[i] < in->w_min)
            in->w_min = w[i];
        if (w[i] > in->w_max)
            in->w_max = w[i];
    }
    return k;
}

/* ---- hash balancer tables ---- */

pol_lb *pol__hash_lb_create(const pol_lb_config *cfg)
{
    (void)cfg;
    pol__hash_lb *m = ms_xcalloc(1, sizeof(*m));
    return &m->base;
}

static void free_hash_tables(pol__hash_lb *m)
{
    for (uint32_t i = 0; i < m->n_t; i++)
        free(m->t[i].e);
    free(m->t);
    m->t = NULL;
    m->n_t = 0;
}

void pol__hash_lb_destroy(pol_lb *lb)
{
    pol__hash_lb *m = (pol__hash_lb *)lb;
    free_hash_tables(m);
    free(m);
}

void pol__hash_lb_rebuild(pol_lb *lb, pol__hash_build_fn build)
{
    pol__hash_lb *m = (pol__hash_lb *)lb;
    free_hash_tables(m);
    m->n_t = lb->prio.n;
    m->t = ms_xcalloc(m->n_t ? m->n_t : 1, sizeof(pol__hash_table));
    for (uint32_t p = 0; p < m->n_t; p++) {
        uint32_t total;
        pol_host_set_group(lb->hs, p, POL_HOSTS_ALL, -1, &total);
        if (total == 0)
            continue;
        uint32_t *hosts = ms_xmalloc(total * sizeof(uint32_t));
        double *w = ms_xmalloc(total * sizeof(double));
        pol__hash_hosts in;
        if (hash_hosts(lb, p, hosts, w, &in) > 0)
            build(lb, &in, &m->t[p]);
        free(hosts);
        free(w);
    }
}

int pol__hash_lb_stats(const pol_lb *lb, uint32_t p, uint64_t *size, uint64_t *min_per_host,
                       uint64_t *max_per_host)
{
    const pol__hash_lb *m = (const pol__hash_lb *)lb;
    if (p >= m->n_t || m->t[p].size == 0)
        return -1;
    *size = m->t[p].size;
    *min_per_host = m->t[p].min_per_host;
    *max_per_host = m->t[p].max_per_host;
    return 0;
}

static uint64_t hash_key(pol_lb_key k) { return XXH64(k.p, k.len, 0); }

void pol_lb_cookie_generate(pol_lb_key remote, pol_lb_key local, char out[17])
{
    XXH64_state_t st;
    XXH64_reset(&st, 0);
    if (remote.len)
        XXH64_update(&st, remote.p, remote.len);
    if (local.len)
        XXH64_update(&st, local.p, local.len);
    uint64_t h = XXH64_digest(&st);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        out[i] = hex[(h >> (60 - 4 * i)) & 0xf];
    out[16] = '\0';
}

static bool request_hash(const pol_lb *lb, const pol_lb_context *ctx, uint64_t *out)
{
    if (!ctx)
        return false;
    if (ctx->has_hash) {
        *out = ctx->hash;
        return true;
    }
    pol_lb_key k = {0};
    switch (lb->cfg.hash_source) {
    case POL_LB_HASH_NONE:
        return false;
    case POL_LB_HASH_HEADER:
        k = ctx->header_value;
        break;
    case POL_LB_HASH_COOKIE:
        k = ctx->cookie_value;
        if (!k.present && lb->cfg.cookie_ttl_set && ctx->downstream_remote_address.present) {
            char v[17];
            pol_lb_cookie_generate(ctx->downstream_remote_address, ctx->downstream_local_address, v);
            *out = XXH64(v, 16, 0);
            return true;
        }
        break;
    case POL_LB_HASH_SOURCE_IP:
        k = ctx->source_ip;
        break;
    case POL_LB_HASH_QUERY_PARAM:
        k = ctx->query_value;
        break;
    }
    if (!k.present)
        return false;
    *out = hash_key(k);
    return true;
}

/* ---- EDF scheduler ---- */

void pol__edf_init(pol__edf *e, uint32_t cap)
{
    memset(e, 0, sizeof(*e));
    e->cap = cap;
    e->heap = cap ? ms_xmalloc(cap * sizeof(pol__edf_entry)) : NULL;
}

void pol__edf_fini(pol__edf *e)
{
    free(e->heap);
    memset(e, 0, sizeof(*e));
}

static bool edf_less(const pol__edf *e, const pol__edf_entry *a, const pol__edf_entry *b)
{
    if (e->exact) {
        __uint128_t x = (__uint128_t)a->num * b->den, y = (__uint128_t)b->num * a->den;
        return x < y || (x == y && a->seq < b->seq);
    }
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void sift_down(pol__edf *e, uint32_t i)
{
    pol__edf_entry x = e->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= e->n)
            break;
        if (c + 1 < e->n && edf_less(e, &e->heap[c + 1], &e->heap[c]))
            c++;
        if (!edf_less(e, &e->heap[c], &x))
            break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    e->heap[i] = x;
}

void pol__edf_build(pol__edf *e, uint32_t n, pol__edf_weight_fn wf, void *ud, uint64_t seed,
                    bool exact)
{
    assert(n <= e->cap);
    e->n = 0;
    e->t = 0.0;
    e->seq = 0;
    e->exact = exact;
    double total = 0.0;
    uint64_t itotal = 0;
    for (uint32_t i = 0; i < n; i++) {
        double w = wf(ud, i);
        if (w > 0.0) {
            total += w;
            itotal += (uint64_t)w;
        }
    }
    if (total <= 0.0)
        return;
    /* Emulate P picks: item i has had floor(P*w_i/W) of them, its next deadline
     * is (picks+1)/w_i, and the clock stands at the latest deadline already
     * passed.  Inexact mode adds Envoy's tiny bias so that exact multiples do
     * not round down; exact mode computes the floor in integers. */
    uint64_t picks = seed % EDF_START_PICKS_MOD, done = 0;
    for (uint32_t i = 0; i < n; i++) {
        double w = wf(ud, i);
        if (!(w > 0.0))
            continue;
        pol__edf_entry *x = &e->heap[e->n++];
        uint64_t k;
        if (exact) {
            assert(w == floor(w) && w <= (double)UINT32_MAX);
            x->den = (uint32_t)w;
            k = (uint64_t)((__uint128_t)picks * x->den / itotal);
            x->num = k + 1;
        } else {
            k = (uint64_t)floor((double)picks * w / total + 1e-13);
            x->deadline = (double)(k + 1) / w;
        }
        done += k;
        if ((double)k / w > e->t)
            e->t = (double)k / w;
        x->seq = e->seq++;
        x->item = i;
    }
    for (uint32_t i = e->n / 2; i-- > 0;)
        sift_down(e, i);
    for (; done < picks && e->n; done++)
        pol__edf_pick(e, wf, ud);
}

uint32_t pol__edf_pick(pol__edf *e, pol__edf_weight_fn wf, void *ud)
{
    assert(e->n > 0);
    pol__edf_entry *top = &e->heap[0];
    uint32_t item = top->item;
    if (e->exact) {
        /* The popped deadline is num/den and the item comes back with the same
         * integer weight: its next deadline is (num + 1)/den, exactly. */
        e->t = (double)top->num / top->den;
        top->num++;
    } else {
        e->t = top->deadline;
        double w = wf(ud, item);
        assert(w > 0.0);
        top->deadline = e->t + 1.0 / w;
    }
    top->seq = e->seq++;
    sift_down(e, 0);
    return item;
}
