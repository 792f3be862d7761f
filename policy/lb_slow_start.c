/*
 * lb_slow_start.c - slow start / Istio warmup (policy-semantics.md 4.9).
 *
 * A host is in slow start while t = now - created_at < window (created_at stands
 * for "became healthy": the simulator has no active health checking, so it is
 * the time the host was added, as in Envoy without active HC), and only when it
 * is healthy.  Its weight is multiplied by
 *     max( (max(1 ms, t) / window)^(1/aggression), min_weight_percent / 100 )
 * (the power is skipped when aggression is 1).  Only ROUND_ROBIN and
 * LEAST_REQUEST use it; while any host is inside its window they schedule with
 * EDF even when weights are equal.
 *
 * Pure functions of (config, host, now): no state.
 */
#include "policy/lb_int.h"

#include <math.h>

#define ONE_MS_NS 1000000

double pol_lb_slow_start_factor(const pol_lb_config *cfg, const pol_host *h, int64_t now_ns)
{
    if (!cfg->slow_start || cfg->slow_start_window_ns <= 0)
        return 1.0;
    if (h->health != POL_HOST_HEALTHY || h->ejected)
        return 1.0;
    int64_t t = now_ns - h->created_at_ns;
    if (t >= cfg->slow_start_window_ns)
        return 1.0;
    if (t < ONE_MS_NS)
        t = ONE_MS_NS;
    double f = (double)t / (double)cfg->slow_start_window_ns;
    double aggression = cfg->slow_start_aggression;
    if (!(aggression > 0.0))
        aggression = 1.0;
    if (aggression != 1.0)
        f = pow(f, 1.0 / aggression);
    double floor_f = cfg->slow_start_min_weight_percent / 100.0;
    return f > floor_f ? f : floor_f;
}

bool pol__slow_start_any(const pol_lb *lb, int64_t now_ns)
{
    if (!lb->cfg.slow_start || lb->latest_created_ns == INT64_MIN)
        return false;
    return now_ns - lb->latest_created_ns < lb->cfg.slow_start_window_ns;
}

double pol__lb_host_weight(const pol_lb *lb, uint32_t host, int64_t now_ns, bool slow_start)
{
    const pol_host *h = pol_host_set_host(lb->hs, host);
    double w = (double)h->weight;
    return slow_start ? w * pol_lb_slow_start_factor(&lb->cfg, h, now_ns) : w;
}
