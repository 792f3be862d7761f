/*
 * ratelimit.c - local rate limit token bucket (policy-semantics.md section 8.1).
 *
 * Lazy refill arithmetic: fills = (now - last_fill) / interval (integer
 * division), tokens = min(max, tokens + fills * tokens_per_fill), last_fill +=
 * fills * interval.  The fill count is compared with the tokens missing before
 * multiplying, so a bucket idle for years cannot overflow 64 bits.
 */
#include "policy/ratelimit.h"

#include <assert.h>
#include <string.h>

pol_ratelimit_config pol_ratelimit_config_make(uint32_t max_tokens, uint32_t tokens_per_fill,
                                               int64_t fill_interval_ns)
{
    pol_ratelimit_config c = {
        .max_tokens = max_tokens,
        .tokens_per_fill = tokens_per_fill ? tokens_per_fill : 1,
        .fill_interval_ns = fill_interval_ns,
        .filter_enabled = {0, POL_FRACTION_HUNDRED},
        .filter_enforced = {0, POL_FRACTION_HUNDRED},
        .status = 429,
    };
    return c;
}

int pol_ratelimit_config_check(const pol_ratelimit_config *c)
{
    if (c->max_tokens == 0 || c->fill_interval_ns < POL_RATELIMIT_MIN_FILL_INTERVAL_NS)
        return -1;
    return 0;
}

void pol_ratelimit_init(pol_ratelimit *rl, const pol_ratelimit_config *cfg, int64_t start_ns)
{
    assert(pol_ratelimit_config_check(cfg) == 0);
    memset(rl, 0, sizeof *rl);
    rl->cfg = *cfg;
    if (rl->cfg.tokens_per_fill == 0)
        rl->cfg.tokens_per_fill = 1;
    if (rl->cfg.status < 400)
        rl->cfg.status = 429;
    rl->_tokens = cfg->max_tokens;
    rl->_last_fill_ns = start_ns;
}

uint64_t pol_ratelimit_tokens(pol_ratelimit *rl, int64_t now_ns)
{
    assert(now_ns >= rl->_last_fill_ns);
    if (now_ns <= rl->_last_fill_ns)
        return rl->_tokens;
    int64_t fills = (now_ns - rl->_last_fill_ns) / rl->cfg.fill_interval_ns;
    if (fills > 0) {
        rl->_last_fill_ns += fills * rl->cfg.fill_interval_ns;
        uint64_t missing = rl->cfg.max_tokens - rl->_tokens;
        uint64_t per = rl->cfg.tokens_per_fill;
        /* fills * per could overflow; any fills >= missing/per + 1 fill the bucket */
        if ((uint64_t)fills >= missing / per + 1)
            rl->_tokens = rl->cfg.max_tokens;
        else {
            uint64_t add = (uint64_t)fills * per;
            rl->_tokens = add >= missing ? rl->cfg.max_tokens : rl->_tokens + add;
        }
    }
    return rl->_tokens;
}

void pol_ratelimit_decide(pol_ratelimit *rl, int64_t now_ns, ms_rng *rng, pol_ratelimit_decision *out)
{
    memset(out, 0, sizeof *out);
    if (!pol_fraction_draw(rl->cfg.filter_enabled, rng))
        return;
    rl->stats.enabled++;
    if (pol_ratelimit_tokens(rl, now_ns) > 0) {
        rl->_tokens--;
        rl->stats.ok++;
        return;
    }
    rl->stats.rate_limited++;
    if (!pol_fraction_draw(rl->cfg.filter_enforced, rng)) {
        out->not_enforced = true;
        return;
    }
    rl->stats.enforced++;
    out->limited = true;
    out->status = rl->cfg.status;
    out->flags = POL_FLAG_BIT(POL_FLAG_RL);
}
