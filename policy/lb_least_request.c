/*
 * lb_least_request.c - LEAST_REQUEST, Istio's default (policy-semantics.md 4.3;
 * slow start 4.9; trap 14).
 *
 * Equal weights (and no host in slow start):
 *   N_CHOICES: draw choice_count indices `random64 mod n` WITH replacement; the
 *     first draw is the candidate and a later draw replaces it only when its
 *     active-request count is strictly lower (ties keep the earlier draw).
 *     Always exactly choice_count draws, even for n == 1.
 *   FULL_SCAN: the minimum over all hosts; ties broken uniformly by reservoir
 *     sampling (one draw per tie met).
 * Unequal weights (or slow start): EDF (4.2) with the dynamic weight
 *     weight / (active + 1)^bias   (x slow-start factor)
 *   computed when a host is (re)inserted, i.e. at the moment it is picked, before
 *   the caller counts the new request: weights lag one pick, as in Envoy.
 *
 * Not modelled: rq_pending_active in the load metric (runtime feature
 * least_request_lb_count_pending_requests) and the runtime flag that makes an
 * explicitly configured bias force EDF for equal weights (Istio sets no bias).
 * Per-source state and lazy EDF construction: the EDF family's (pol__edf_lb, lb.h).
 */
#include "policy/lb_int.h"

#include <math.h>

static double lr_weight(void *ud, uint32_t item)
{
    const pol__weight_ud *w = ud;
    const pol_host *h = pol_host_set_host(w->lb->hs, w->hosts[item]);
    double bias = w->lb->cfg.active_request_bias;
    double weight = (double)h->weight;
    double active = (double)h->active_requests + 1.0;
    if (bias == 1.0)
        weight /= active;
    else if (bias != 0.0)
        weight /= pow(active, bias);
    if (w->slow_start)
        weight *= pol_lb_slow_start_factor(&w->lb->cfg, h, w->now_ns);
    return weight;
}

static uint32_t pick_n_choices(const pol_lb *lb, const pol__source *src, ms_rng *rng)
{
    const pol_host *h = pol_host_set_hosts(lb->hs);
    uint32_t cand = src->hosts[ms_rng_u64(rng) % src->n];
    for (uint32_t c = 1; c < lb->cfg.choice_count; c++) {
        uint32_t x = src->hosts[ms_rng_u64(rng) % src->n];
        if (h[x].active_requests < h[cand].active_requests)
            cand = x;
    }
    return cand;
}

static uint32_t pick_full_scan(const pol_lb *lb, const pol__source *src, ms_rng *rng)
{
    const pol_host *h = pol_host_set_hosts(lb->hs);
    uint32_t cand = src->hosts[0];
    uint64_t tied = 1;
    for (uint32_t i = 1; i < src->n; i++) {
        uint32_t x = src->hosts[i];
        if (h[x].active_requests < h[cand].active_requests) {
            cand = x;
            tied = 1;
        } else if (h[x].active_requests == h[cand].active_requests) {
            tied++;
            if (ms_rng_u64(rng) % tied == 0)
                cand = x;
        }
    }
    return cand;
}

static int32_t lr_once(pol_lb *lb, const pol__source *src, uint64_t r, ms_rng *rng,
                       int64_t now_ns)
{
    pol__edf_source *s = pol__edf_lb_source(lb, src);
    bool slow = pol__slow_start_any(lb, now_ns);
    if (src->n <= 1 || (!s->unequal && !slow)) {
        if (lb->cfg.lr_method == POL_LB_LR_FULL_SCAN)
            return (int32_t)pick_full_scan(lb, src, rng);
        return (int32_t)pick_n_choices(lb, src, rng);
    }
    bool exact = lb->cfg.active_request_bias == 0.0 && !slow;
    return (int32_t)pol__edf_lb_pick(lb, src, lr_weight, now_ns, slow, exact);
}

static int32_t lr_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__lb_pick_loop(lb, ctx, rng, now_ns, lr_once);
}

const pol_lb_ops pol__lb_least_request_ops = {
    .name = "LEAST_REQUEST",
    .create = pol__edf_lb_create,
    .destroy = pol__edf_lb_destroy,
    .pick = lr_pick,
    .on_hosts_changed = pol__edf_lb_on_hosts_changed,
};
