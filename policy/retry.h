/*
 * retry.h - Envoy's router retry policy and per-request retry state, as Istio
 * configures it (policy-semantics.md section 1: 1.1-1.8 and 1.10's default
 * policies; traps 11.1, 11.2, 11.4, 11.5, 11.6).
 *
 * Three layers, all without allocation, clock or global state:
 *   - pol_retry_policy: the route's retry_policy (caller-owned value, copied
 *     nowhere; a pol_retry_state borrows it for the request's lifetime);
 *   - pol_backoff: the fully jittered exponential backoff of 1.6;
 *   - pol_retry_state: one per downstream request, embedded by the caller.  It
 *     classifies each attempt's outcome in exactly Envoy's order (1.3 response,
 *     1.4 reset), then applies the shouldRetry bookkeeping of 1.5 (retry_success,
 *     URX, retries_remaining decremented before the breaker check, the cluster
 *     `retries` resource taken from a pol_circuit and held until the next attempt
 *     resolves, backoff).
 *
 * Caller contract (what Envoy's router does around the retry state):
 *   - call pol_retry_attempt_started() before every attempt, with the host picked;
 *   - call pol_retry_on_response() for EVERY upstream response header block, even a
 *     200: that is how upstream_rq_retry_success is counted;
 *   - call pol_retry_on_reset() for every upstream reset; a per-try timeout is a
 *     reset with POL_RESET_LOCAL_RESET (so it is retried only by 5xx,
 *     gateway-error, reset, or reset-before-request when nothing was sent);
 *   - never ask once response bytes went downstream or the global route timeout
 *     fired: Envoy never retries then;
 *   - call pol_retry_state_fini() when the request ends, to give back a held
 *     retry resource.
 * Time is not needed here: the backoff is returned as a duration; whether it fits
 * in the route timeout is policy/timeout.h's question.
 *
 * Randomness: exactly one ms_rng_u64() per performed retry with backoff (none for
 * immediate retries and for "no" outcomes).
 */
#ifndef POL_RETRY_H
#define POL_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "policy/circuit.h"
#include "policy/cluster_stats.h"
#include "policy/flags.h"

/* --- retry_on tokens --------------------------------------------------------- */

typedef enum pol_retry_on {
    POL_RETRY_ON_5XX = 1u << 0,
    POL_RETRY_ON_GATEWAY_ERROR = 1u << 1,
    POL_RETRY_ON_CONNECT_FAILURE = 1u << 2,
    POL_RETRY_ON_RETRIABLE_4XX = 1u << 3,
    POL_RETRY_ON_REFUSED_STREAM = 1u << 4,
    POL_RETRY_ON_RETRIABLE_STATUS_CODES = 1u << 5,
    POL_RETRY_ON_RESET = 1u << 6,
    POL_RETRY_ON_RESET_BEFORE_REQUEST = 1u << 7,
    POL_RETRY_ON_RETRIABLE_HEADERS = 1u << 8,
    POL_RETRY_ON_ENVOY_RATELIMITED = 1u << 9,
    POL_RETRY_ON_HTTP3_POST_CONNECT_FAILURE = 1u << 10,
    /* gRPC tokens: checked against grpc-status in the response HEADERS only */
    POL_RETRY_ON_GRPC_CANCELLED = 1u << 11,          /* grpc-status 1 */
    POL_RETRY_ON_GRPC_DEADLINE_EXCEEDED = 1u << 12,  /* 4 */
    POL_RETRY_ON_GRPC_RESOURCE_EXHAUSTED = 1u << 13, /* 8 */
    POL_RETRY_ON_GRPC_INTERNAL = 1u << 14,           /* 13 */
    POL_RETRY_ON_GRPC_UNAVAILABLE = 1u << 15,        /* 14 */
} pol_retry_on;

/* Token text of one bit ("5xx", "unavailable", ...), NULL if not a single bit. */
const char *pol_retry_on_name(uint32_t bit);

/* --- policy -------------------------------------------------------------- */

#define POL_RETRY_MAX_STATUS_CODES 32
#define POL_RETRY_MAX_HEADERS 4
#define POL_RETRY_HEADER_LEN 64
#define POL_RETRY_MAX_HOSTS 32

#define POL_RETRY_DEFAULT_BASE_MS 25         /* runtime upstream.base_retry_backoff_ms */
#define POL_RETRY_RATELIMITED_MAX_MS 300000  /* rate_limited_retry_back_off default */
#define POL_ISTIO_DEFAULT_RETRY_ON "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"

/* A retriable_headers matcher: header `name` present (case-insensitive), and equal
 * to `value` when has_value. */
typedef struct pol_retry_header_matcher {
    char name[POL_RETRY_HEADER_LEN];
    char value[POL_RETRY_HEADER_LEN];
    bool has_value;
} pol_retry_header_matcher;

typedef struct pol_retry_policy {
    uint32_t retry_on;                 /* pol_retry_on bits; 0: no retry state at all */
    uint32_t num_retries;              /* Envoy default 1 */
    int64_t per_try_timeout_ns;        /* 0: none */
    int64_t per_try_idle_timeout_ns;   /* 0: none */
    int64_t base_interval_ns;          /* 0: 25 ms; < 1 ms rounds up to 1 ms */
    int64_t max_interval_ns;           /* 0: 10 x base; must be >= base */
    uint32_t host_selection_retry_max_attempts; /* Envoy default 1, Istio 5 */
    bool previous_hosts;               /* retry_host_predicate previous_hosts */
    uint32_t previous_priorities_update_frequency; /* 0: no retry_priority; Istio 2 */
    uint16_t retriable_status_codes[POL_RETRY_MAX_STATUS_CODES];
    uint32_t n_retriable_status_codes;
    pol_retry_header_matcher retriable_headers[POL_RETRY_MAX_HEADERS];
    uint32_t n_retriable_headers;
    bool ratelimit_reset_headers;      /* rate_limited_retry_back_off.reset_headers given */
    int64_t ratelimited_max_interval_ns; /* 0: 300 s */
} pol_retry_policy;

/* Envoy's defaults for a route retry_policy block with nothing set: retry_on 0,
 * num_retries 1, backoff 25/250 ms, host_selection_retry_max_attempts 1. */
void pol_retry_policy_envoy_default(pol_retry_policy *p);

/* Istio's default outbound policy (no VS retries block, no MeshConfig
 * defaultHttpRetryPolicy), Istio >= 1.24: 2 retries on
 * connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes with
 * an EMPTY status-code list (before 1.24: [503]), previous_hosts predicate,
 * host_selection_retry_max_attempts 5, no per-try timeout, Envoy's backoff.
 * `single_consistent_hash_destination` drops the previous_hosts predicate, as
 * Istio does for a route with one destination using consistentHash. */
void pol_retry_policy_istio_default(pol_retry_policy *p, bool single_consistent_hash_destination);
/* Istio >= 1.24 with the pre-1.24 behaviour: as above plus status code 503. */
void pol_retry_policy_istio_legacy_default(pol_retry_policy *p);
/* Istio's inbound (server sidecar) default since 1.24: 2 retries on
 * reset-before-request, no host predicate.  Istio emits none for gRPC ports. */
void pol_retry_policy_istio_inbound_default(pol_retry_policy *p);

/* Parse a retry_on string as Istio's translation does: split on ',', trim blanks,
 * skip empty tokens; a token that is an integer with an HTTP status text (Go's
 * http.StatusText) is appended to the status-code list; every other token must
 * be a known Envoy HTTP or gRPC token.  When a status code was given and the
 * string lacks "retriable-status-codes", that token is added.  The bits are OR-ed
 * into p->retry_on (p is not cleared first).
 * Returns the number of rejected tokens (unknown, or codes beyond
 * POL_RETRY_MAX_STATUS_CODES); *bad_off / *bad_len (may be NULL) receive the
 * first rejected token's position in `s`.  Envoy itself ignores unknown tokens;
 * Istio's validation rejects them, so a loader reports them. */
int pol_retry_on_parse(const char *s, pol_retry_policy *p, size_t *bad_off, size_t *bad_len);

/* Does Go's net/http know a status text for `code`? (Istio's test for a code.) */
bool pol_http_status_has_text(long code);

/* Append one status code (duplicates allowed, as in Envoy). 0, or -1 when full. */
int pol_retry_policy_add_status(pol_retry_policy *p, uint16_t code);
/* Append a retriable-headers matcher (copied; NULL value = presence).  0, or -1
 * when full or a string is too long. */
int pol_retry_policy_add_header(pol_retry_policy *p, const char *name, const char *value);

/* 0 if Envoy would accept the policy, -1 if not (max_interval < base_interval). */
int pol_retry_policy_check(const pol_retry_policy *p);

/* Effective backoff bounds in integer milliseconds, as Envoy computes them. */
uint64_t pol_retry_policy_base_ms(const pol_retry_policy *p);
uint64_t pol_retry_policy_max_ms(const pol_retry_policy *p);

/* --- backoff (1.6) ----------------------------------------------------------- */

/* Fully jittered exponential backoff; caller-embedded value. */
typedef struct pol_backoff {
    uint64_t base_ms, max_ms, cur_ms;
} pol_backoff;

/* base_ms >= 1 and max_ms >= base_ms (asserted). */
void pol_backoff_init(pol_backoff *b, uint64_t base_ms, uint64_t max_ms);
/* Next delay in ms: u64 mod cur, then cur doubles while cur < max/2 (integer
 * division) and otherwise jumps to max.  One ms_rng_u64() draw. */
uint64_t pol_backoff_next_ms(pol_backoff *b, ms_rng *rng);
/* The window [0, w) the next call will draw from. */
static inline uint64_t pol_backoff_window_ms(const pol_backoff *b) { return b->cur_ms; }
void pol_backoff_reset(pol_backoff *b);

/* --- reset reasons ------------------------------------------------------------- */

typedef enum pol_reset_reason {
    POL_RESET_LOCAL_CONNECTION_FAILURE = 0,
    POL_RESET_REMOTE_CONNECTION_FAILURE,
    POL_RESET_CONNECTION_TIMEOUT,
    POL_RESET_CONNECTION_TERMINATION,
    POL_RESET_LOCAL_RESET,          /* also: per-try timeout */
    POL_RESET_LOCAL_REFUSED_STREAM,
    POL_RESET_OVERFLOW,             /* circuit breaker: never retried */
    POL_RESET_REMOTE_RESET,
    POL_RESET_REMOTE_REFUSED_STREAM,
    POL_RESET_CONNECT_ERROR,
    POL_RESET_PROTOCOL_ERROR,
    POL_RESET_OVERLOAD_MANAGER,
    POL_RESET_HTTP1_PREMATURE_UPSTREAM_HALF_CLOSE,
    POL_RESET_REASON_COUNT
} pol_reset_reason;

/* Response flag the router sets for a reset that ends the request (8.2): UF, UC,
 * LR, UO, UR, UPE or OM. */
pol_flag pol_reset_reason_flag(pol_reset_reason r);
/* Status of the local reply: 502 for a protocol error, otherwise 503. */
int pol_reset_reason_status(pol_reset_reason r);
/* Text used in "reset reason: <...>" bodies ("connection failure", "overflow"...). */
const char *pol_reset_reason_name(pol_reset_reason r);

/* --- classification (1.3 / 1.4), no bookkeeping ------------------------------ */

/* One response header, borrowed. */
typedef struct pol_retry_header {
    const char *name;
    const char *value;
} pol_retry_header;

/* What the router sees of an upstream response's headers. */
typedef struct pol_retry_response {
    int status;
    int grpc_status;             /* grpc-status in the HEADERS (trailers-only); -1: none */
    bool x_envoy_ratelimited;    /* x-envoy-ratelimited present */
    bool downstream_early_data;  /* the downstream request was itself early data */
    const pol_retry_header *headers;   /* for retriable-headers; may be NULL */
    size_t n_headers;
    int64_t ratelimit_reset_ms;  /* parsed Retry-After / X-RateLimit-Reset interval; 0: none */
} pol_retry_response;

/* A zeroed response with status `status` and no gRPC status. */
pol_retry_response pol_retry_response_status(int status);

typedef enum pol_retry_check {
    POL_RETRY_CHECK_NO = 0,
    POL_RETRY_CHECK_BACKOFF,   /* retry after a backoff */
    POL_RETRY_CHECK_IMMEDIATE, /* retry without backoff (425 in the code list) */
} pol_retry_check;

typedef struct pol_retry_class {
    pol_retry_check check;
    uint32_t token;   /* the pol_retry_on bit that decided (0 when none) */
} pol_retry_class;

/* Would `retry_on` (with p's code list and header matchers) retry this response?
 * Checks in Envoy's order: x-envoy-ratelimited (decides alone), 5xx,
 * gateway-error, retriable-4xx (409), retriable-status-codes (425: immediate, and
 * not when the downstream request was early data), retriable-headers, gRPC. */
pol_retry_class pol_retry_classify_response(const pol_retry_policy *p, uint32_t retry_on,
                                            const pol_retry_response *r);
/* Would `retry_on` retry this reset?  Order: overflow never; connect failures
 * with connect-failure; reset-before-request when !request_sent; 5xx,
 * gateway-error or reset; refused-stream with a REMOTE refused stream. */
pol_retry_class pol_retry_classify_reset(uint32_t retry_on, pol_reset_reason reason,
                                         bool request_sent);

/* --- per-request state and decisions (1.5, 1.7) ------------------------------ */

typedef enum pol_retry_reason {
    POL_RETRY_DO = 0,              /* retry: wait backoff_ns, then a new attempt */
    POL_RETRY_DO_IMMEDIATE,        /* retry at once (next event-loop turn) */
    POL_RETRY_NO_NOT_RETRIABLE,    /* the outcome does not match retry_on (incl. success) */
    POL_RETRY_NO_DISABLED,         /* retry_on is 0: Envoy has no retry state */
    POL_RETRY_NO_OVERFLOW_RESET,   /* reset reason overflow: never retried */
    POL_RETRY_NO_RATELIMITED,      /* x-envoy-ratelimited without envoy-ratelimited */
    POL_RETRY_NO_LIMIT_EXCEEDED,   /* num_retries used up: flag URX */
    POL_RETRY_NO_OVERFLOW,         /* max_retries / budget exhausted: flag UO */
} pol_retry_reason;

typedef struct pol_retry_decision {
    bool retry;               /* reason is POL_RETRY_DO or POL_RETRY_DO_IMMEDIATE */
    pol_retry_reason reason;
    uint32_t token;           /* retry_on bit that matched, 0 if none */
    pol_flags flags;          /* to add to the final response: URX or UO, else 0 */
    int64_t backoff_ns;       /* retry only: delay before the next attempt */
    bool backoff_ratelimited; /* the delay came from a rate-limit reset header */
} pol_retry_decision;

/* Fields are private. */
typedef struct pol_retry_state {
    const pol_retry_policy *_policy; /* borrowed */
    uint32_t _retry_on;
    uint32_t _retries_remaining;
    uint32_t _attempts;
    bool _holds_retry_resource;
    pol_backoff _backoff;
    uint32_t _hosts[POL_RETRY_MAX_HOSTS];
    uint32_t _n_hosts;
    uint32_t _priorities_mask;
} pol_retry_state;

/* Start a request's retry state.  `p` is borrowed and must outlive st. */
void pol_retry_state_init(pol_retry_state *st, const pol_retry_policy *p);
/* End of request: release the cluster retry resource if a retry still holds it
 * (cb may be NULL when the caller has no breaker). */
void pol_retry_state_fini(pol_retry_state *st, pol_circuit *cb);

/* Record that an attempt starts on `host_id` (priority < 32 for the
 * previous-priorities mask).  Attempts beyond POL_RETRY_MAX_HOSTS are counted
 * but their host is not remembered by the previous-hosts predicate. */
void pol_retry_attempt_started(pol_retry_state *st, uint32_t host_id, uint32_t priority);
/* x-envoy-attempt-count of the latest attempt (1 on the first try). */
uint32_t pol_retry_attempt_count(const pol_retry_state *st);
uint32_t pol_retry_retries_remaining(const pol_retry_state *st);
/* Priorities of the attempts so far, bit per priority (for previous_priorities). */
uint32_t pol_retry_attempted_priorities(const pol_retry_state *st);

/* Decide after a response header block / a reset.  cb: the cluster's breaker for
 * the request's priority (NULL: unlimited; pass the same cb on every call for one
 * request, and to pol_retry_state_fini); stats: counters to increment (NULL:
 * none): upstream_rq_retry, _retry_success, _retry_limit_exceeded,
 * _retry_backoff_exponential/_ratelimited (the breaker counts _retry_overflow).
 * rng: needed only when a retry with backoff is decided.  Fills *out. */
void pol_retry_on_response(pol_retry_state *st, const pol_retry_response *r, pol_circuit *cb,
                           pol_cluster_stats *stats, ms_rng *rng, pol_retry_decision *out);
void pol_retry_on_reset(pol_retry_state *st, pol_reset_reason reason, bool request_sent,
                        pol_circuit *cb, pol_cluster_stats *stats, ms_rng *rng,
                        pol_retry_decision *out);

/* Envoy's shouldHedgeRetryPerTryTimeout: a per-try timeout with hedging on
 * leaves the attempt running and asks for a parallel one, retried whenever
 * retries are left and the breaker (or budget) allows, after the usual
 * backoff, whatever retry_on says (no retry state at all when retry_on is 0:
 * NO_DISABLED).  Same bookkeeping and stats as pol_retry_on_reset. */
void pol_retry_on_hedge_timeout(pol_retry_state *st, pol_circuit *cb, pol_cluster_stats *stats,
                                ms_rng *rng, pol_retry_decision *out);
/* Envoy's wouldRetryFromHeaders: would this response be retried, leaving
 * retries left and breakers aside?  No bookkeeping (for an attempt already
 * retried by a hedge, which is never retried again). */
bool pol_retry_would_retry_response(const pol_retry_state *st, const pol_retry_response *r);

/* Host re-selection (1.7).  Total picks the LB may make for the next attempt:
 * 2 for the first attempt, host_selection_retry_max_attempts + 1 for a retry. */
uint32_t pol_retry_host_pick_limit(const pol_retry_state *st);
/* The previous_hosts predicate: true if the policy has it and `host_id` was
 * already attempted for this request. */
bool pol_retry_should_select_another_host(const pol_retry_state *st, uint32_t host_id);

/* Inputs for pol_lb_context (policy/lb.h): the hosts the predicate rejects (none
 * when the policy has no previous_hosts predicate; borrowed, valid until the next
 * pol_retry_attempt_started) and the extra picks allowed (pick limit - 1). */
const uint32_t *pol_retry_previous_hosts(const pol_retry_state *st, size_t *n);
uint32_t pol_retry_host_selection_extra_picks(const pol_retry_state *st);

#define POL_RETRY_NO_HOST UINT32_MAX
/* One LB pick: returns a host id or POL_RETRY_NO_HOST. */
typedef uint32_t (*pol_retry_pick_fn)(void *ctx);
/* Envoy's chooseHost loop: pick up to pol_retry_host_pick_limit() times, returning
 * the first host the predicate accepts, NO_HOST at once if a pick finds none, and
 * the last host picked when all were rejected. */
uint32_t pol_retry_choose_host(const pol_retry_state *st, pol_retry_pick_fn pick, void *ctx);

#endif
