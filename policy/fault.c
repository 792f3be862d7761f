/*
 * fault.c - fault-injection decisions (policy-semantics.md section 6).
 *
 * The gRPC name table is also what Istio's translation uses to turn
 * abort.grpcStatus names into numbers (policy/istio_map.c).
 */
#include "policy/fault.h"

#include <math.h>
#include <string.h>

pol_fraction pol_fraction_from_percent(double pct)
{
    pol_fraction f = {0, POL_FRACTION_MILLION};
    if (!(pct > 0)) /* also NaN */
        return f;
    double n = pct * 10000.0;
    f.numerator = n >= 4294967295.0 ? UINT32_MAX : (uint32_t)n;
    return f;
}

pol_fraction pol_fraction_hundred(uint32_t pct)
{
    pol_fraction f = {pct, POL_FRACTION_HUNDRED};
    return f;
}

bool pol_fraction_draw(pol_fraction f, ms_rng *rng)
{
    uint64_t denom = f.denominator ? f.denominator : POL_FRACTION_HUNDRED;
    return ms_rng_u64(rng) % denom < (uint64_t)f.numerator;
}

void pol_fault_decide(const pol_fault_config *c, ms_rng *rng, pol_fault_stats *stats,
                      pol_fault_decision *out)
{
    memset(out, 0, sizeof *out);
    out->grpc_status = -1;
    if (c->has_delay) {
        bool hit = pol_fraction_draw(c->delay_percent, rng);
        if (hit && c->delay_ns > 0) {
            out->delay = true;
            out->delay_ns = c->delay_ns;
            out->flags |= POL_FLAG_BIT(POL_FLAG_DI);
            if (stats)
                stats->delays_injected++;
        }
    }
    if (c->has_abort) {
        if (pol_fraction_draw(c->abort_percent, rng)) {
            out->abort = true;
            if (c->grpc_status >= 0) {
                out->status = 200;
                out->grpc_status = c->grpc_status;
            } else {
                out->status = c->http_status;
            }
            out->flags |= POL_FLAG_BIT(POL_FLAG_FI);
            if (stats)
                stats->aborts_injected++;
        }
    }
}

static const char *const grpc_names[] = {
    "OK",        "CANCELLED",         "UNKNOWN",           "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL",      "UNAVAILABLE",       "DATA_LOSS",
    "UNAUTHENTICATED",
};

int pol_grpc_status_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < (int)(sizeof grpc_names / sizeof grpc_names[0]); i++)
        if (strcmp(name, grpc_names[i]) == 0)
            return i;
    return -1;
}

const char *pol_grpc_status_name(int code)
{
    if (code < 0 || code >= (int)(sizeof grpc_names / sizeof grpc_names[0]))
        return NULL;
    return grpc_names[code];
}
