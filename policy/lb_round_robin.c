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
 * The per-source state (counter, EDF built lazily at the first pick that needs
 * it, because slow-start weights need `now`) is the EDF family's, shared with
 * least request (pol__edf_lb in lb.h).
 */
#include "policy/lb_int.h"

static double rr_weight(void *ud, uint32_t item)
{
    const pol__weight_ud *w = ud;
    return pol__lb_host_weight(w->lb, w->hosts[item], w->now_ns, w->slow_start);
}

static int32_t rr_once(pol_lb *lb, const pol__source *src, uint64_t r, ms_rng *rng,
                       int64_t now_ns)
{
    pol__edf_source *s = pol__edf_lb_source(lb, src);
    bool slow = pol__slow_start_any(lb, now_ns);
    if (src->n <= 1 || (!s->unequal && !slow))
        return (int32_t)src->hosts[s->counter++ % src->n];
    return (int32_t)pol__edf_lb_pick(lb, src, rr_weight, now_ns, slow, !slow);
}

static int32_t rr_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__lb_pick_loop(lb, ctx, rng, now_ns, rr_once);
}

const pol_lb_ops pol__lb_round_robin_ops = {
    .name = "ROUND_ROBIN",
    .create = pol__edf_lb_create,
    .destroy = pol__edf_lb_destroy,
    .pick = rr_pick,
    .on_hosts_changed = pol__edf_lb_on_hosts_changed,
};
