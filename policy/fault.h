/*
 * fault.h - Istio HTTPFaultInjection as Envoy's fault filter applies it
 * (policy-semantics.md sections 0, 6; trap 11.25).
 *
 * A decision per request: the delay and the abort are INDEPENDENT draws (P(both)
 * = p_delay x p_abort).  An unset percentage is 0 %: no fault.  Percentages are
 * FractionalPercent values (Istio: numerator = uint32(pct x 10000) per million,
 * i.e. truncated to 1e-4 %), drawn as u64 mod denominator < numerator.
 *
 * What the caller does with a decision (Envoy's order): wait delay_ns (flag DI;
 * the route timeout has NOT started), then, if abort, answer locally with
 * `status` (flag FI) and skip the router entirely: no upstream attempt, no retry,
 * no outlier report.
 *
 * Randomness: exactly one ms_rng_u64() per configured part (delay, abort), even at
 * 0 % or 100 %, so the draw count depends only on the configuration.
 */
#ifndef POL_FAULT_H
#define POL_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rng.h"
#include "policy/flags.h"

#define POL_FRACTION_HUNDRED 100u
#define POL_FRACTION_TEN_THOUSAND 10000u
#define POL_FRACTION_MILLION 1000000u

/* Envoy's FractionalPercent. */
typedef struct pol_fraction {
    uint32_t numerator;
    uint32_t denominator; /* 100, 10 000 or 1 000 000 */
} pol_fraction;

/* Istio's conversion of a Percent double (0..100): uint32(pct*10000) / 1e6,
 * truncated; negative or NaN gives 0. */
pol_fraction pol_fraction_from_percent(double pct);
/* An integer percent (legacy `percent` field, runtime defaults): n / 100. */
pol_fraction pol_fraction_hundred(uint32_t pct);
/* One draw: true with probability numerator/denominator (capped at 1). */
bool pol_fraction_draw(pol_fraction f, ms_rng *rng);

typedef struct pol_fault_config {
    bool has_delay;
    int64_t delay_ns;          /* fixedDelay */
    pol_fraction delay_percent;
    bool has_abort;
    int http_status;           /* abort.httpStatus (when grpc_status < 0) */
    int grpc_status;           /* abort.grpcStatus as a number; -1: HTTP abort */
    pol_fraction abort_percent;
} pol_fault_config;

/* fault.* filter stats. */
typedef struct pol_fault_stats {
    uint64_t delays_injected;
    uint64_t aborts_injected;
} pol_fault_stats;

typedef struct pol_fault_decision {
    bool delay;        /* wait delay_ns before continuing */
    int64_t delay_ns;
    bool abort;        /* local reply, the router never runs */
    int status;        /* HTTP status of the reply: http_status, or 200 for gRPC */
    int grpc_status;   /* grpc-status of a trailers-only reply; -1 for HTTP aborts */
    pol_flags flags;   /* DI and/or FI */
} pol_fault_decision;

/* Decide the faults of one request.  stats may be NULL.  Fills *out. */
void pol_fault_decide(const pol_fault_config *c, ms_rng *rng, pol_fault_stats *stats,
                      pol_fault_decision *out);

/* gRPC status code of a canonical name ("UNAVAILABLE" -> 14), -1 if unknown. */
int pol_grpc_status_from_name(const char *name);
/* Canonical name of a gRPC status code, NULL if out of 0..16. */
const char *pol_grpc_status_name(int code);

#endif
