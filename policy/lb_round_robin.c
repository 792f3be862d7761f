/*
 * lb_round_robin.c - ROUND_ROBIN (policy-semantics.md 4.2; slow start 4.9;
 * trap 15).
 *
 * Every host source (priority x {all, healthy, degraded} x {whole, locality})
 * has its own state:
 *   - equal weights, no host in slow start: plain rotation, hosts[counter++ % n],
 *     the counter starting at the instance seed (so instances start at different
 *     offsets but then cycle in order);
 *   - otherwise: an EDF scheduler over the hosts' current weights (slow-start
 *     factor included), built on first use with Envoy's randomised start.
 * Sources with 0 or 1 hosts never get a scheduler.  Without slow start the
 * weights are static integers and the EDF runs in exact mode (lb.c), so any
 * sum(w) consecutive picks give each host exactly w picks.
 *
 * Difference from Envoy, on purpose: the choice rotation/EDF is re-evaluated at
 * each pick (so rotation resumes as soon as the last host leaves slow start),
 * whereas Envoy keeps a scheduler built during slow start until the next host
 * change.  With equal weights both give the same cyclic order.
 *
 * The EDF is built lazily at the first pick that needs it because building it
 * needs `now` (slow-start weights) and pol_lb_create() has no clock; its memory is
 * allocated in on_hosts_changed, so a pick never allocates.
 */
#include "policy/lb.h"

#include "base/alloc.h"

#include <stdlib.h>

typedef struct rr_source {
    uint64_t counter;
    bool unequal;
    bool built;
    pol__edf edf;
} rr_source;

typedef struct rr_lb {
    pol_lb base;
    rr_source *src;
    uint32_t n_src;
} rr_lb;

typedef struct weight_ud {
    const pol_lb *lb;
    const uint32_t *hosts;
    int64_t now_ns;
    bool slow_start;
} weight_ud;

static double rr_weight(void *ud, uint32_t item)
{
    const weight_ud *w = ud;
    return pol__lb_host_weight(w->lb, w->hosts[item], w->now_ns, w->slow_start);
}

static pol_lb *rr_create(const pol_lb_config *cfg)
{
    rr_lb *rr = ms_xcalloc(1, sizeof(*rr));
    return &rr->base;
}

static void free_sources(rr_lb *rr)
{
    for (uint32_t i = 0; i < rr->n_src; i++)
        pol__edf_fini(&rr->src[i].edf);
    free(rr->src);
    rr->src = NULL;
    rr->n_src = 0;
}

static void rr_destroy(pol_lb *lb)
{
    rr_lb *rr = (rr_lb *)lb;
    free_sources(rr);
    free(rr);
}

static void rr_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    rr_lb *rr = (rr_lb *)lb;
    free_sources(rr);
    rr->n_src = lb->prio.n_sources;
    rr->src = ms_xcalloc(rr->n_src ? rr->n_src : 1, sizeof(rr_source));
    for (uint32_t p = 0; p < lb->prio.n; p++) {
        int32_t L = (int32_t)pol_host_set_locality_count(lb->hs, p);
        for (int a = 0; a < 3; a++) {
            for (int32_t slot = -1; slot < L; slot++) {
                uint32_t n;
                const uint32_t *hosts = pol_host_set_group(lb->hs, p, (pol_host_avail)a, slot, &n);
                rr_source *s = &rr->src[pol__prio_source_id(lb, p, (pol_host_avail)a, slot)];
                s->counter = lb->seed;
                s->unequal = n > 1 && !pol__lb_weights_equal(lb, hosts, n);
                pol__edf_init(&s->edf, n > 1 ? n : 0);
            }
        }
    }
}

static int32_t rr_once(pol_lb *lb, const pol__source *src, uint64_t r, ms_rng *rng,
                       int64_t now_ns)
{
    rr_lb *rr = (rr_lb *)lb;
    rr_source *s = &rr->src[src->id];
    bool slow = pol__slow_start_any(lb, now_ns);
    if (src->n <= 1 || (!s->unequal && !slow))
        return (int32_t)src->hosts[s->counter++ % src->n];
    weight_ud ud = {lb, src->hosts, now_ns, slow};
    if (!s->built) {
        pol__edf_build(&s->edf, src->n, rr_weight, &ud, lb->seed, !slow);
        s->built = true;
    }
    return (int32_t)src->hosts[pol__edf_pick(&s->edf, rr_weight, &ud)];
}

static int32_t rr_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__lb_pick_loop(lb, ctx, rng, now_ns, rr_once);
}

const pol_lb_ops pol__lb_round_robin_ops = {
    .policy = POL_LB_POLICY_ROUND_ROBIN,
    .name = "ROUND_ROBIN",
    .create = rr_create,
    .destroy = rr_destroy,
    .pick = rr_pick,
    .on_hosts_changed = rr_on_hosts_changed,
};
