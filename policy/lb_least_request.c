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
 * Per-source state and lazy EDF construction as in lb_round_robin.c.
 */
#include "policy/lb.h"

#include "base/alloc.h"

#include <math.h>
#include <stdlib.h>

typedef struct lr_source {
    bool unequal;
    bool built;
    pol__edf edf;
} lr_source;

typedef struct lr_lb {
    pol_lb base;
    lr_source *src;
    uint32_t n_src;
} lr_lb;

typedef struct weight_ud {
    const pol_lb *lb;
    const uint32_t *hosts;
    int64_t now_ns;
    bool slow_start;
} weight_ud;

static double lr_weight(void *ud, uint32_t item)
{
    const weight_ud *w = ud;
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

static pol_lb *lr_create(const pol_lb_config *cfg)
{
    lr_lb *lr = ms_xcalloc(1, sizeof(*lr));
    return &lr->base;
}

static void free_sources(lr_lb *lr)
{
    for (uint32_t i = 0; i < lr->n_src; i++)
        pol__edf_fini(&lr->src[i].edf);
    free(lr->src);
    lr->src = NULL;
    lr->n_src = 0;
}

static void lr_destroy(pol_lb *lb)
{
    lr_lb *lr = (lr_lb *)lb;
    free_sources(lr);
    free(lr);
}

static void lr_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    lr_lb *lr = (lr_lb *)lb;
    free_sources(lr);
    lr->n_src = lb->prio.n_sources;
    lr->src = ms_xcalloc(lr->n_src ? lr->n_src : 1, sizeof(lr_source));
    for (uint32_t p = 0; p < lb->prio.n; p++) {
        int32_t L = (int32_t)pol_host_set_locality_count(lb->hs, p);
        for (int a = 0; a < 3; a++) {
            for (int32_t slot = -1; slot < L; slot++) {
                uint32_t n;
                const uint32_t *hosts = pol_host_set_group(lb->hs, p, (pol_host_avail)a, slot, &n);
                lr_source *s = &lr->src[pol__prio_source_id(lb, p, (pol_host_avail)a, slot)];
                s->unequal = n > 1 && !pol__lb_weights_equal(lb, hosts, n);
                pol__edf_init(&s->edf, n > 1 ? n : 0);
            }
        }
    }
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
    lr_lb *lr = (lr_lb *)lb;
    lr_source *s = &lr->src[src->id];
    bool slow = pol__slow_start_any(lb, now_ns);
    if (src->n <= 1 || (!s->unequal && !slow)) {
        if (lb->cfg.lr_method == POL_LB_LR_FULL_SCAN)
            return (int32_t)pick_full_scan(lb, src, rng);
        return (int32_t)pick_n_choices(lb, src, rng);
    }
    weight_ud ud = {lb, src->hosts, now_ns, slow};
    if (!s->built) {
        pol__edf_build(&s->edf, src->n, lr_weight, &ud, lb->seed,
                       lb->cfg.active_request_bias == 0.0 && !slow);
        s->built = true;
    }
    return (int32_t)src->hosts[pol__edf_pick(&s->edf, lr_weight, &ud)];
}

static int32_t lr_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__lb_pick_loop(lb, ctx, rng, now_ns, lr_once);
}

const pol_lb_ops pol__lb_least_request_ops = {
    .policy = POL_LB_POLICY_LEAST_REQUEST,
    .name = "LEAST_REQUEST",
    .create = lr_create,
    .destroy = lr_destroy,
    .pick = lr_pick,
    .on_hosts_changed = lr_on_hosts_changed,
};
