/*
 * lb_random.c - RANDOM (policy-semantics.md 4.4; trap 14).
 *
 * One 64-bit random value r per pick chooses both the priority (r mod 100 + 1,
 * 4.1) and the host: hosts[r mod n] of the chosen source.  Host weights are
 * ignored.  Using the same r for both is Envoy's behaviour; it correlates the
 * two choices when n shares factors with 100 and the level's load is not 100 %
 * (e.g. 10 hosts, load 84 %: hosts 0-3 are slightly favoured).  With one level
 * at 100 % the pick is uniform up to 2^-64 modulo bias.
 *
 * Draw count: exactly one rng draw per pick attempt (1.7 re-picks draw again).
 * Stateless apart from the base: on_hosts_changed has nothing to rebuild.
 */
#include "policy/lb_int.h"

#include "base/alloc.h"

#include <stdlib.h>

typedef struct random_lb {
    pol_lb base;
} random_lb;

static pol_lb *random_create(const pol_lb_config *cfg)
{
    random_lb *r = ms_xcalloc(1, sizeof(*r));
    return &r->base;
}

static void random_destroy(pol_lb *lb) { free((random_lb *)lb); }

static void random_on_hosts_changed(pol_lb *lb, int64_t now_ns) {}

static int32_t random_once(pol_lb *lb, const pol__source *src, uint64_t r, ms_rng *rng,
                           int64_t now_ns)
{
    return (int32_t)src->hosts[r % src->n];
}

static int32_t random_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__lb_pick_loop(lb, ctx, rng, now_ns, random_once);
}

const pol_lb_ops pol__lb_random_ops = {
    .name = "RANDOM",
    .create = random_create,
    .destroy = random_destroy,
    .pick = random_pick,
    .on_hosts_changed = random_on_hosts_changed,
};
