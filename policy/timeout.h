/*
 * timeout.h - route (global) and per-try timeouts of Envoy's router, with Istio's
 * defaults (policy-semantics.md section 2; traps 11.2, 11.3).
 *
 * Pure arithmetic on int64 nanoseconds; 0 always means "no timeout".  The caller
 * starts the global timer when the whole downstream request has been received
 * (router onRequestComplete), NOT before a fault delay (section 0), and passes
 * that instant as `start_ns`.  Backoff between attempts counts against the global
 * timeout: pol_timeout_attempt() called after the backoff gives the remaining
 * budget.  Header overrides (x-envoy-upstream-rq-timeout-ms ...) are not modelled.
 *
 * Invariants of pol_timeouts: global_ns >= 0, per_try_ns >= 0, and per_try_ns == 0
 * whenever global_ns != 0 and the configured per-try was >= global_ns.
 */
#ifndef POL_TIMEOUT_H
#define POL_TIMEOUT_H

#include <stdbool.h>
#include <stdint.h>

#define POL_ENVOY_DEFAULT_ROUTE_TIMEOUT_NS INT64_C(15000000000) /* 15 s */
#define POL_TIMEOUT_STATUS 504                                   /* with flag UT */
/* The longest timeout kept (about 146 years): a longer one (a protobuf
 * Duration may hold 10,000 years) is capped, so that an instant plus a
 * timeout never overflows int64 nanoseconds. */
#define POL_TIMEOUT_MAX_NS (INT64_MAX / 2)

typedef struct pol_timeout_config {
    int64_t route_timeout_ns;    /* route `timeout`; 0 disables */
    int64_t per_try_timeout_ns;  /* retry_policy.per_try_timeout; 0: none */
    bool max_grpc_timeout_set;   /* route max_grpc_timeout present (Istio: always) */
    int64_t max_grpc_timeout_ns; /* 0 with _set: honour grpc-timeout uncapped */
    int64_t grpc_timeout_header_offset_ns;
} pol_timeout_config;

/* Raw Envoy route: 15 s, no per-try, no max_grpc_timeout. */
pol_timeout_config pol_timeout_config_envoy(void);
/* What Istio writes for a route: timeout = VS timeout or 0 (disabled) when
 * `vs_timeout_ns` < 0 (unset); max_grpc_timeout = the same value; per-try from
 * HTTPRetry.perTryTimeout (0: none). */
pol_timeout_config pol_timeout_config_istio(int64_t vs_timeout_ns, int64_t per_try_timeout_ns);

/* The timeouts in force for one request. */
typedef struct pol_timeouts {
    int64_t global_ns;  /* 0: none */
    int64_t per_try_ns; /* 0: none */
} pol_timeouts;

/* Envoy's finalTimeout: global = route timeout, or for a gRPC request on a route
 * with max_grpc_timeout: the grpc-timeout header (`grpc_timeout_ns` < 0: absent,
 * meaning infinite) minus the offset when that stays > 0, capped by
 * max_grpc_timeout when the cap is != 0.  Then per_try is dropped (0) when
 * per_try >= global and global != 0. */
pol_timeouts pol_timeout_compute(const pol_timeout_config *c, bool is_grpc, int64_t grpc_timeout_ns);

typedef enum pol_timeout_kind {
    POL_TIMEOUT_NONE = 0, /* the attempt has no deadline */
    POL_TIMEOUT_GLOBAL,   /* the route timeout ends first: 504 UT, upstream_rq_timeout, no retry */
    POL_TIMEOUT_PER_TRY,  /* the per-try timeout ends first: upstream_rq_per_try_timeout, a
                             LocalReset for retry purposes, 504 UT if not retried */
} pol_timeout_kind;

typedef struct pol_attempt_deadline {
    pol_timeout_kind kind;
    int64_t deadline_ns;             /* absolute; meaningless with NONE */
    int64_t expected_rq_timeout_ms;  /* x-envoy-expected-rq-timeout-ms; 0: header not sent */
    bool expired;                    /* the global budget is already used up at now_ns */
} pol_attempt_deadline;

/* Deadline of an attempt starting at `now_ns` for a request whose global timer
 * started at `start_ns` (now_ns >= start_ns): the earlier of now + per_try and
 * start + global.  expected_rq_timeout_ms = min(per_try or global, global -
 * elapsed) in ms, floored at 1 when time has run out. */
pol_attempt_deadline pol_timeout_attempt(const pol_timeouts *t, int64_t start_ns, int64_t now_ns);

/* Global budget left at now_ns (INT64_MAX without a global timeout; <= 0 when
 * exhausted). */
int64_t pol_timeout_remaining_ns(const pol_timeouts *t, int64_t start_ns, int64_t now_ns);

/* Does a retry decided at now_ns with this backoff start before the global timer
 * fires?  False means the global timeout ends the request during the backoff
 * (504 UT). */
bool pol_timeout_backoff_fits(const pol_timeouts *t, int64_t start_ns, int64_t now_ns,
                              int64_t backoff_ns);

#endif
