/*
 * timeout.c - route and per-try timeout arithmetic (policy-semantics.md section 2,
 * trap 11.3).  No clock: every instant is an argument.
 */
#include "policy/timeout.h"

#include <assert.h>

#define NS_PER_MS INT64_C(1000000)

pol_timeout_config pol_timeout_config_envoy(void)
{
    pol_timeout_config c = {
        .route_timeout_ns = POL_ENVOY_DEFAULT_ROUTE_TIMEOUT_NS,
        .per_try_timeout_ns = 0,
        .max_grpc_timeout_set = false,
        .max_grpc_timeout_ns = 0,
        .grpc_timeout_header_offset_ns = 0,
    };
    return c;
}

pol_timeout_config pol_timeout_config_istio(int64_t vs_timeout_ns, int64_t per_try_timeout_ns)
{
    int64_t t = vs_timeout_ns < 0 ? 0 : vs_timeout_ns;
    pol_timeout_config c = {
        .route_timeout_ns = t,
        .per_try_timeout_ns = per_try_timeout_ns > 0 ? per_try_timeout_ns : 0,
        .max_grpc_timeout_set = true,
        .max_grpc_timeout_ns = t,
        .grpc_timeout_header_offset_ns = 0,
    };
    return c;
}

/* A configured duration as a timeout: none when not positive, at most
 * POL_TIMEOUT_MAX_NS. */
static int64_t capped(int64_t ns)
{
    return ns <= 0 ? 0 : ns > POL_TIMEOUT_MAX_NS ? POL_TIMEOUT_MAX_NS : ns;
}

pol_timeouts pol_timeout_compute(const pol_timeout_config *c, bool is_grpc, int64_t grpc_timeout_ns)
{
    pol_timeouts t;
    t.global_ns = capped(c->route_timeout_ns);
    if (is_grpc && c->max_grpc_timeout_set) {
        int64_t g = grpc_timeout_ns > 0 ? grpc_timeout_ns : 0; /* absent: 0 = infinite */
        if (g > 0 && c->grpc_timeout_header_offset_ns > 0 && g > c->grpc_timeout_header_offset_ns)
            g -= c->grpc_timeout_header_offset_ns;
        if (c->max_grpc_timeout_ns > 0 && (g == 0 || g > c->max_grpc_timeout_ns))
            g = c->max_grpc_timeout_ns;
        t.global_ns = capped(g);
    }
    t.per_try_ns = capped(c->per_try_timeout_ns);
    if (t.global_ns != 0 && t.per_try_ns >= t.global_ns)
        t.per_try_ns = 0; /* trap 11.3: silently dropped */
    return t;
}

int64_t pol_timeout_remaining_ns(const pol_timeouts *t, int64_t start_ns, int64_t now_ns)
{
    if (t->global_ns == 0)
        return INT64_MAX;
    return t->global_ns - (now_ns - start_ns);
}

pol_attempt_deadline pol_timeout_attempt(const pol_timeouts *t, int64_t start_ns, int64_t now_ns)
{
    assert(now_ns >= start_ns);
    pol_attempt_deadline d = {POL_TIMEOUT_NONE, 0, 0, false};
    int64_t remaining = pol_timeout_remaining_ns(t, start_ns, now_ns);
    if (t->global_ns != 0) {
        d.kind = POL_TIMEOUT_GLOBAL;
        d.deadline_ns = start_ns + t->global_ns;
        d.expired = remaining <= 0;
    }
    if (t->per_try_ns != 0 && (t->global_ns == 0 || now_ns + t->per_try_ns < d.deadline_ns)) {
        d.kind = POL_TIMEOUT_PER_TRY;
        d.deadline_ns = now_ns + t->per_try_ns;
    }
    if (t->global_ns != 0 || t->per_try_ns != 0) {
        int64_t base = t->per_try_ns != 0 ? t->per_try_ns : t->global_ns;
        int64_t exp = (t->global_ns != 0 && remaining < base) ? remaining : base;
        int64_t ms = exp / NS_PER_MS;
        d.expected_rq_timeout_ms = ms < 1 ? 1 : ms;
    }
    return d;
}

bool pol_timeout_backoff_fits(const pol_timeouts *t, int64_t start_ns, int64_t now_ns,
                              int64_t backoff_ns)
{
    return pol_timeout_remaining_ns(t, start_ns, now_ns + backoff_ns) > 0;
}
