/*
 * ratelimit.h - Envoy's HTTP local rate limit filter: one token bucket
 * (policy-semantics.md section 8.1, trap 11.29).
 *
 * The bucket follows Envoy's timer implementation: it starts full (max_tokens) at
 * `start_ns`, and at every start + k*fill_interval it gains tokens_per_fill, capped
 * at max_tokens.  The fills are computed lazily from now_ns, so no timer is
 * needed; the result is identical to a timer firing exactly on time.  Each request
 * costs one token.  Descriptors and the cluster-shared mode are not modelled.
 *
 * filter_enabled and filter_enforced both default to 0 % ("for safety"): with the
 * defaults the filter does nothing.  A limited but unenforced request passes and
 * is only counted.  An enforced rejection is `status` (429 by default; values <
 * 400 become 429) with header x-envoy-ratelimited and flag RL.
 *
 * The bucket is per Envoy process: the caller keeps one pol_ratelimit per proxy
 * (and per route when the config is per route).  Caller-embedded; no allocation.
 * Randomness: one draw for filter_enabled per request, plus one for
 * filter_enforced per request that found no token.
 * Invariant: _tokens <= max_tokens; _last_fill_ns = start + k*fill_interval.
 */
#ifndef POL_RATELIMIT_H
#define POL_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rng.h"
#include "policy/fault.h"
#include "policy/flags.h"

#define POL_RATELIMIT_MIN_FILL_INTERVAL_NS INT64_C(50000000) /* 50 ms */

typedef struct pol_ratelimit_config {
    uint32_t max_tokens;       /* > 0; also the initial fill */
    uint32_t tokens_per_fill;  /* default 1 */
    int64_t fill_interval_ns;  /* >= 50 ms */
    pol_fraction filter_enabled;  /* default 0 % */
    pol_fraction filter_enforced; /* default 0 % */
    int status;                /* default 429 */
} pol_ratelimit_config;

/* A config with Envoy's defaults around the three bucket values (enabled and
 * enforced 0 %, status 429).  tokens_per_fill 0 means the default 1. */
pol_ratelimit_config pol_ratelimit_config_make(uint32_t max_tokens, uint32_t tokens_per_fill,
                                               int64_t fill_interval_ns);
/* 0 if Envoy accepts it; -1 when max_tokens == 0 or fill_interval < 50 ms. */
int pol_ratelimit_config_check(const pol_ratelimit_config *c);

/* <stat_prefix>.http_local_rate_limit.* */
typedef struct pol_ratelimit_stats {
    uint64_t enabled;
    uint64_t ok;
    uint64_t rate_limited;
    uint64_t enforced;
} pol_ratelimit_stats;

typedef struct pol_ratelimit {
    pol_ratelimit_config cfg;  /* read-only after init */
    pol_ratelimit_stats stats; /* read-only for callers */
    uint64_t _tokens;
    int64_t _last_fill_ns;
} pol_ratelimit;

/* Zero the filter's counters (Envoy's /reset_counters); the bucket stays. */
static inline void pol_ratelimit_reset_stats(pol_ratelimit *rl) { rl->stats = (pol_ratelimit_stats){0}; }

/* Start a full bucket at start_ns.  cfg is copied and must pass the check. */
void pol_ratelimit_init(pol_ratelimit *rl, const pol_ratelimit_config *cfg, int64_t start_ns);

/* Tokens available at now_ns (applies the fills due; now_ns must not go back). */
uint64_t pol_ratelimit_tokens(pol_ratelimit *rl, int64_t now_ns);

typedef struct pol_ratelimit_decision {
    bool limited;        /* reply locally: `status`, x-envoy-ratelimited, flag RL */
    int status;
    pol_flags flags;
    bool not_enforced;   /* no token, but filter_enforced said pass */
} pol_ratelimit_decision;

/* One request at now_ns: enabled draw; if enabled, take a token (ok) or count
 * rate_limited and draw enforced.  Fills *out. */
void pol_ratelimit_decide(pol_ratelimit *rl, int64_t now_ns, ms_rng *rng, pol_ratelimit_decision *out);

#endif
