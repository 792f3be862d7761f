/*
 * test_retry.c - retry policy defaults, retry_on parsing, decisions on responses
 * and resets in Envoy's order, shouldRetry bookkeeping, host re-selection, the
 * Istio HTTPRetry mapping, and route / per-try timeouts
 * (policy-semantics.md 1.1-1.8, 1.10, 2; traps 11.2-11.6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/rng.h"
#include "policy/istio_map.h"
#include "policy/retry.h"
#include "policy/timeout.h"

#include "scripted_rng.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

static const uint64_t v9999[] = {9999};

static pol_retry_policy policy_from(const char *retry_on)
{
    pol_retry_policy p;
    pol_retry_policy_envoy_default(&p);
    p.num_retries = 2;
    assert_int_equal(pol_retry_on_parse(retry_on, &p, NULL, NULL), 0);
    return p;
}

/* --- defaults --------------------------------------------------------------------- */

static void test_istio_default_policy(void **state)
{
    (void)state;
    pol_retry_policy p;
    pol_retry_policy_istio_default(&p, false);
    assert_int_equal(p.num_retries, 2);
    assert_int_equal(p.retry_on, POL_RETRY_ON_CONNECT_FAILURE | POL_RETRY_ON_REFUSED_STREAM |
                                     POL_RETRY_ON_GRPC_UNAVAILABLE | POL_RETRY_ON_GRPC_CANCELLED |
                                     POL_RETRY_ON_RETRIABLE_STATUS_CODES);
    assert_int_equal(p.n_retriable_status_codes, 0); /* Istio >= 1.24: no 503 */
    assert_true(p.previous_hosts);
    assert_int_equal(p.host_selection_retry_max_attempts, 5);
    assert_int_equal(p.per_try_timeout_ns, 0);
    assert_int_equal(p.previous_priorities_update_frequency, 0);
    assert_int_equal(pol_retry_policy_base_ms(&p), 25);
    assert_int_equal(pol_retry_policy_max_ms(&p), 250);

    pol_retry_policy_istio_default(&p, true); /* one consistent-hash destination */
    assert_false(p.previous_hosts);

    pol_retry_policy_istio_legacy_default(&p); /* before 1.24 */
    assert_int_equal(p.n_retriable_status_codes, 1);
    assert_int_equal(p.retriable_status_codes[0], 503);

    pol_retry_policy_istio_inbound_default(&p);
    assert_int_equal(p.num_retries, 2);
    assert_int_equal(p.retry_on, POL_RETRY_ON_RESET_BEFORE_REQUEST);
    assert_false(p.previous_hosts);

    pol_retry_policy_envoy_default(&p);
    assert_int_equal(p.retry_on, 0);
    assert_int_equal(p.num_retries, 1);
    assert_int_equal(p.host_selection_retry_max_attempts, 1);
}

/* --- parsing ---------------------------------------------------------------------- */

static void test_parse_table(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint32_t bits;
        int ncodes;
        uint16_t code0;
        int bad;
    } rows[] = {
        {"5xx", POL_RETRY_ON_5XX, 0, 0, 0},
        {" gateway-error , 503", POL_RETRY_ON_GATEWAY_ERROR | POL_RETRY_ON_RETRIABLE_STATUS_CODES, 1, 503, 0},
        {"503,retriable-status-codes", POL_RETRY_ON_RETRIABLE_STATUS_CODES, 1, 503, 0},
        {"retriable-4xx,reset,reset-before-request", POL_RETRY_ON_RETRIABLE_4XX | POL_RETRY_ON_RESET |
                                                         POL_RETRY_ON_RESET_BEFORE_REQUEST, 0, 0, 0},
        {"connect-failure,refused-stream", POL_RETRY_ON_CONNECT_FAILURE | POL_RETRY_ON_REFUSED_STREAM, 0, 0, 0},
        {"retriable-headers,envoy-ratelimited", POL_RETRY_ON_RETRIABLE_HEADERS | POL_RETRY_ON_ENVOY_RATELIMITED, 0, 0, 0},
        {"cancelled,deadline-exceeded,resource-exhausted,internal,unavailable",
         POL_RETRY_ON_GRPC_CANCELLED | POL_RETRY_ON_GRPC_DEADLINE_EXCEEDED |
             POL_RETRY_ON_GRPC_RESOURCE_EXHAUSTED | POL_RETRY_ON_GRPC_INTERNAL | POL_RETRY_ON_GRPC_UNAVAILABLE,
         0, 0, 0},
        {"http3-post-connect-failure", POL_RETRY_ON_HTTP3_POST_CONNECT_FAILURE, 0, 0, 0},
        {"", 0, 0, 0, 0},
        {",,", 0, 0, 0, 0},
        {"425", POL_RETRY_ON_RETRIABLE_STATUS_CODES, 1, 425, 0},
        {"5xx,foo", POL_RETRY_ON_5XX, 0, 0, 1},
        {"600", 0, 0, 0, 1},  /* no Go status text */
        {"306", 0, 0, 0, 1},  /* unused code: no status text */
        {"5XX", 0, 0, 0, 1},  /* case matters */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_retry_policy p;
        pol_retry_policy_envoy_default(&p);
        int bad = pol_retry_on_parse(rows[i].s, &p, NULL, NULL);
        assert_int_equal(bad, rows[i].bad);
        assert_int_equal(p.retry_on, rows[i].bits);
        assert_int_equal(p.n_retriable_status_codes, rows[i].ncodes);
        if (rows[i].ncodes)
            assert_int_equal(p.retriable_status_codes[0], rows[i].code0);
    }
    pol_retry_policy p;
    pol_retry_policy_envoy_default(&p);
    size_t off = 0, len = 0;
    assert_int_equal(pol_retry_on_parse("5xx, bogus ,x", &p, &off, &len), 2);
    assert_int_equal(off, 5);
    assert_int_equal(len, 5);
    assert_string_equal(pol_retry_on_name(POL_RETRY_ON_GRPC_UNAVAILABLE), "unavailable");
    assert_null(pol_retry_on_name(3));
}

/* --- decisions on responses (1.3) ------------------------------------------------- */

static void test_response_table(void **state)
{
    (void)state;
    static const struct {
        const char *on;
        int status, grpc;
        bool ratelimited, early;
        pol_retry_check check;
        uint32_t token;
    } rows[] = {
        /* 5xx */
        {"5xx", 500, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_5XX},
        {"5xx", 503, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_5XX},
        {"5xx", 599, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_5XX},
        {"5xx", 499, -1, false, false, POL_RETRY_CHECK_NO, 0},
        {"5xx", 200, -1, false, false, POL_RETRY_CHECK_NO, 0},
        /* gateway-error */
        {"gateway-error", 502, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GATEWAY_ERROR},
        {"gateway-error", 503, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GATEWAY_ERROR},
        {"gateway-error", 504, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GATEWAY_ERROR},
        {"gateway-error", 500, -1, false, false, POL_RETRY_CHECK_NO, 0},
        /* retriable-4xx: 409 only */
        {"retriable-4xx", 409, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_4XX},
        {"retriable-4xx", 429, -1, false, false, POL_RETRY_CHECK_NO, 0},
        {"retriable-4xx", 400, -1, false, false, POL_RETRY_CHECK_NO, 0},
        /* retriable-status-codes */
        {"418", 418, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_STATUS_CODES},
        {"418,503", 503, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_STATUS_CODES},
        {"418", 419, -1, false, false, POL_RETRY_CHECK_NO, 0},
        {"retriable-status-codes", 503, -1, false, false, POL_RETRY_CHECK_NO, 0}, /* empty list */
        {"425", 425, -1, false, false, POL_RETRY_CHECK_IMMEDIATE, POL_RETRY_ON_RETRIABLE_STATUS_CODES},
        {"425", 425, -1, false, true, POL_RETRY_CHECK_NO, 0},
        /* gRPC: grpc-status in the headers only */
        {"cancelled", 200, 1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GRPC_CANCELLED},
        {"deadline-exceeded", 200, 4, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GRPC_DEADLINE_EXCEEDED},
        {"resource-exhausted", 200, 8, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GRPC_RESOURCE_EXHAUSTED},
        {"internal", 200, 13, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GRPC_INTERNAL},
        {"unavailable", 200, 14, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GRPC_UNAVAILABLE},
        {"unavailable", 200, -1, false, false, POL_RETRY_CHECK_NO, 0}, /* status in trailers */
        {"unavailable", 200, 13, false, false, POL_RETRY_CHECK_NO, 0},
        {"cancelled,deadline-exceeded,resource-exhausted,internal", 200, 2, false, false, POL_RETRY_CHECK_NO, 0},
        /* x-envoy-ratelimited decides alone */
        {"5xx", 503, -1, true, false, POL_RETRY_CHECK_NO, 0},
        {"5xx,gateway-error,retriable-4xx,429", 429, -1, true, false, POL_RETRY_CHECK_NO, 0},
        {"5xx,envoy-ratelimited", 429, -1, true, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_ENVOY_RATELIMITED},
        {"envoy-ratelimited", 200, -1, true, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_ENVOY_RATELIMITED},
        {"envoy-ratelimited", 429, -1, false, false, POL_RETRY_CHECK_NO, 0},
        /* order: 5xx, gateway-error, retriable-4xx, codes, headers, gRPC */
        {"gateway-error,5xx", 503, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_5XX},
        {"503,gateway-error", 503, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GATEWAY_ERROR},
        {"409,retriable-4xx", 409, -1, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_4XX},
        {"unavailable,503", 503, 14, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_STATUS_CODES},
        {"unavailable,5xx", 503, 14, false, false, POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_5XX},
        /* connection-level tokens never fire on a response */
        {"connect-failure,refused-stream,reset,reset-before-request", 503, -1, false, false, POL_RETRY_CHECK_NO, 0},
        /* Istio's default since 1.24: a 503 response is not retried */
        {"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", 503, -1, false, false,
         POL_RETRY_CHECK_NO, 0},
        {"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", 503, 14, false, false,
         POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GRPC_UNAVAILABLE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_retry_policy p = policy_from(rows[i].on);
        pol_retry_response r = pol_retry_response_status(rows[i].status);
        r.grpc_status = rows[i].grpc;
        r.x_envoy_ratelimited = rows[i].ratelimited;
        r.downstream_early_data = rows[i].early;
        pol_retry_class c = pol_retry_classify_response(&p, p.retry_on, &r);
        if (c.check != rows[i].check || c.token != rows[i].token)
            fail_msg("row %zu (%s, %d): got check %d token %u", i, rows[i].on, rows[i].status, c.check,
                     c.token);
    }
}

static void test_retriable_headers(void **state)
{
    (void)state;
    pol_retry_policy p = policy_from("retriable-headers");
    assert_int_equal(pol_retry_policy_add_header(&p, "x-retry-me", NULL), 0);
    assert_int_equal(pol_retry_policy_add_header(&p, "x-upstream-state", "busy"), 0);
    pol_retry_header h1[] = {{"X-Retry-Me", "1"}};
    pol_retry_header h2[] = {{"x-upstream-state", "idle"}};
    pol_retry_header h3[] = {{"x-other", "1"}, {"x-upstream-state", "busy"}};
    pol_retry_response r = pol_retry_response_status(200);
    r.headers = h1;
    r.n_headers = 1;
    assert_int_equal(pol_retry_classify_response(&p, p.retry_on, &r).token, POL_RETRY_ON_RETRIABLE_HEADERS);
    r.headers = h2;
    assert_int_equal(pol_retry_classify_response(&p, p.retry_on, &r).check, POL_RETRY_CHECK_NO);
    r.headers = h3;
    r.n_headers = 2;
    assert_int_equal(pol_retry_classify_response(&p, p.retry_on, &r).check, POL_RETRY_CHECK_BACKOFF);
    /* without the token the matchers are ignored */
    assert_int_equal(pol_retry_classify_response(&p, POL_RETRY_ON_5XX, &r).check, POL_RETRY_CHECK_NO);
}

/* --- decisions on resets (1.4) ------------------------------------------------------ */

static void test_reset_table(void **state)
{
    (void)state;
    enum { LCF = POL_RESET_LOCAL_CONNECTION_FAILURE, RCF = POL_RESET_REMOTE_CONNECTION_FAILURE,
           CTO = POL_RESET_CONNECTION_TIMEOUT, CTE = POL_RESET_CONNECTION_TERMINATION,
           LRS = POL_RESET_LOCAL_RESET, LRF = POL_RESET_LOCAL_REFUSED_STREAM, OVF = POL_RESET_OVERFLOW,
           RRS = POL_RESET_REMOTE_RESET, RRF = POL_RESET_REMOTE_REFUSED_STREAM,
           PRO = POL_RESET_PROTOCOL_ERROR };
    static const struct {
        const char *on;
        int reason;
        bool sent;
        uint32_t token; /* 0: no retry */
    } rows[] = {
        /* connect-failure: connect-type reasons only */
        {"connect-failure", LCF, true, POL_RETRY_ON_CONNECT_FAILURE},
        {"connect-failure", RCF, true, POL_RETRY_ON_CONNECT_FAILURE},
        {"connect-failure", CTO, true, POL_RETRY_ON_CONNECT_FAILURE},
        {"connect-failure", CTE, true, 0},
        {"connect-failure", LRS, true, 0},
        {"connect-failure", RRS, true, 0},
        {"connect-failure", RRF, true, 0},
        {"connect-failure", OVF, false, 0},
        /* refused-stream: a remote REFUSED_STREAM only */
        {"refused-stream", RRF, true, POL_RETRY_ON_REFUSED_STREAM},
        {"refused-stream", LRF, true, 0},
        {"refused-stream", RRS, true, 0},
        {"refused-stream", LCF, true, 0},
        /* reset, 5xx, gateway-error: any reset except overflow */
        {"reset", LCF, true, POL_RETRY_ON_RESET},
        {"reset", CTE, true, POL_RETRY_ON_RESET},
        {"reset", LRS, true, POL_RETRY_ON_RESET},
        {"reset", RRS, true, POL_RETRY_ON_RESET},
        {"reset", PRO, true, POL_RETRY_ON_RESET},
        {"reset", OVF, true, 0},
        {"5xx", CTO, true, POL_RETRY_ON_5XX},
        {"5xx", LRS, true, POL_RETRY_ON_5XX},
        {"5xx", RRF, true, POL_RETRY_ON_5XX},
        {"5xx", OVF, true, 0},
        {"gateway-error", LRS, true, POL_RETRY_ON_GATEWAY_ERROR},
        {"gateway-error", OVF, true, 0},
        /* reset-before-request: only when nothing was sent */
        {"reset-before-request", RRS, false, POL_RETRY_ON_RESET_BEFORE_REQUEST},
        {"reset-before-request", LCF, false, POL_RETRY_ON_RESET_BEFORE_REQUEST},
        {"reset-before-request", RRS, true, 0},
        {"reset-before-request", OVF, false, 0},
        /* response-only tokens never fire on a reset */
        {"retriable-4xx,503,retriable-headers,envoy-ratelimited,unavailable,cancelled", RRS, false, 0},
        /* order: overflow, connect-failure, reset-before-request, reset/5xx/gateway, refused-stream */
        {"5xx,reset,connect-failure", OVF, false, 0},
        {"reset,connect-failure", LCF, true, POL_RETRY_ON_CONNECT_FAILURE},
        {"reset,reset-before-request", RRS, false, POL_RETRY_ON_RESET_BEFORE_REQUEST},
        {"reset,reset-before-request", RRS, true, POL_RETRY_ON_RESET},
        {"refused-stream,5xx", RRF, true, POL_RETRY_ON_5XX},
        {"refused-stream,5xx,reset", RRF, true, POL_RETRY_ON_RESET},
        {"connect-failure,reset-before-request", CTO, false, POL_RETRY_ON_CONNECT_FAILURE},
        /* Istio default: per-try timeout (LocalReset) is not retried (trap 11.2) */
        {"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", LRS, true, 0},
        {"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", LRS, false, 0},
        {"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", CTO, false,
         POL_RETRY_ON_CONNECT_FAILURE},
        {"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", RRF, true,
         POL_RETRY_ON_REFUSED_STREAM},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_retry_policy p = policy_from(rows[i].on);
        pol_retry_class c = pol_retry_classify_reset(p.retry_on, (pol_reset_reason)rows[i].reason, rows[i].sent);
        uint32_t want = rows[i].token;
        if (c.token != want || (c.check == POL_RETRY_CHECK_NO) != (want == 0))
            fail_msg("row %zu (%s, reason %d): got check %d token %u", i, rows[i].on, rows[i].reason,
                     c.check, c.token);
    }
}

static void test_reset_reason_flags(void **state)
{
    (void)state;
    static const struct {
        pol_reset_reason r;
        pol_flag f;
        int status;
    } rows[] = {
        {POL_RESET_LOCAL_CONNECTION_FAILURE, POL_FLAG_UF, 503},
        {POL_RESET_REMOTE_CONNECTION_FAILURE, POL_FLAG_UF, 503},
        {POL_RESET_CONNECTION_TIMEOUT, POL_FLAG_UF, 503},
        {POL_RESET_CONNECTION_TERMINATION, POL_FLAG_UC, 503},
        {POL_RESET_LOCAL_RESET, POL_FLAG_LR, 503},
        {POL_RESET_LOCAL_REFUSED_STREAM, POL_FLAG_LR, 503},
        {POL_RESET_HTTP1_PREMATURE_UPSTREAM_HALF_CLOSE, POL_FLAG_LR, 503},
        {POL_RESET_OVERFLOW, POL_FLAG_UO, 503},
        {POL_RESET_REMOTE_RESET, POL_FLAG_UR, 503},
        {POL_RESET_REMOTE_REFUSED_STREAM, POL_FLAG_UR, 503},
        {POL_RESET_CONNECT_ERROR, POL_FLAG_UR, 503},
        {POL_RESET_PROTOCOL_ERROR, POL_FLAG_UPE, 502},
        {POL_RESET_OVERLOAD_MANAGER, POL_FLAG_OM, 503},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(pol_reset_reason_flag(rows[i].r), rows[i].f);
        assert_int_equal(pol_reset_reason_status(rows[i].r), rows[i].status);
        assert_non_null(pol_reset_reason_name(rows[i].r));
    }
    assert_string_equal(pol_reset_reason_name(POL_RESET_OVERFLOW), "overflow");
}

/* --- bookkeeping (1.5) ---------------------------------------------------------------- */

static void test_retries_exhausted_urx(void **state)
{
    (void)state;
    script sc = {v9999, 1, 0};
    ms_rng rng = {script_loop_next, &sc};
    pol_retry_policy p;
    pol_retry_policy_istio_default(&p, false);
    pol_circuit_thresholds th = pol_circuit_thresholds_envoy();
    pol_cluster_stats cs = {0};
    pol_circuit cb;
    pol_circuit_init(&cb, &th, &cs);
    pol_retry_state st;
    pol_retry_state_init(&st, &p);
    pol_retry_decision d;

    pol_retry_attempt_started(&st, 0, 0);
    assert_int_equal(pol_retry_attempt_count(&st), 1);
    pol_retry_on_reset(&st, POL_RESET_REMOTE_CONNECTION_FAILURE, false, &cb, &cs, &rng, &d);
    assert_true(d.retry);
    assert_int_equal(d.reason, POL_RETRY_DO);
    assert_int_equal(d.token, POL_RETRY_ON_CONNECT_FAILURE);
    assert_int_equal(pol_circuit_count(&cb, POL_CB_RETRIES), 1);
    assert_int_equal(pol_retry_retries_remaining(&st), 1);

    pol_retry_attempt_started(&st, 1, 0);
    pol_retry_on_reset(&st, POL_RESET_CONNECTION_TIMEOUT, false, &cb, &cs, &rng, &d);
    assert_true(d.retry);
    assert_int_equal(pol_circuit_count(&cb, POL_CB_RETRIES), 1); /* released then retaken */

    pol_retry_attempt_started(&st, 2, 0);
    assert_int_equal(pol_retry_attempt_count(&st), 3);
    pol_retry_on_reset(&st, POL_RESET_LOCAL_CONNECTION_FAILURE, false, &cb, &cs, &rng, &d);
    assert_false(d.retry);
    assert_int_equal(d.reason, POL_RETRY_NO_LIMIT_EXCEEDED);
    assert_int_equal(d.flags, POL_FLAG_BIT(POL_FLAG_URX));
    assert_int_equal(pol_circuit_count(&cb, POL_CB_RETRIES), 0);
    assert_int_equal(cs.upstream_rq_retry, 2);
    assert_int_equal(cs.upstream_rq_retry_limit_exceeded, 1);
    assert_int_equal(cs.upstream_rq_retry_success, 0);
    assert_int_equal(cs.upstream_rq_retry_backoff_exponential, 2);
    assert_int_equal(cs.upstream_rq_retry_overflow, 0);
    pol_retry_state_fini(&st, &cb);
    assert_int_equal(pol_circuit_count(&cb, POL_CB_RETRIES), 0);
}

static void test_retry_success_counted(void **state)
{
    (void)state;
    script sc = {v9999, 1, 0};
    ms_rng rng = {script_loop_next, &sc};
    pol_retry_policy p = policy_from("5xx");
    pol_cluster_stats cs = {0};
    pol_retry_state st;
    pol_retry_state_init(&st, &p);
    pol_retry_decision d;
    pol_retry_response r500 = pol_retry_response_status(500), r200 = pol_retry_response_status(200);

    /* no retry happened: a 200 is not a retry success */
    pol_retry_attempt_started(&st, 0, 0);
    pol_retry_on_response(&st, &r200, NULL, &cs, &rng, &d);
    assert_false(d.retry);
    assert_int_equal(d.reason, POL_RETRY_NO_NOT_RETRIABLE);
    assert_int_equal(cs.upstream_rq_retry_success, 0);

    pol_retry_state_init(&st, &p);
    pol_retry_attempt_started(&st, 0, 0);
    pol_retry_on_response(&st, &r500, NULL, &cs, &rng, &d);
    assert_true(d.retry);
    pol_retry_attempt_started(&st, 1, 0);
    pol_retry_on_response(&st, &r200, NULL, &cs, &rng, &d);
    assert_false(d.retry);
    assert_int_equal(d.flags, 0);
    assert_int_equal(cs.upstream_rq_retry, 1);
    assert_int_equal(cs.upstream_rq_retry_success, 1);
    assert_int_equal(sc.i, 1); /* one draw: the one backoff */
    pol_retry_state_fini(&st, NULL);
}

/* max_retries overflow: UO, counted by the breaker, retries_remaining already
 * decremented (1.5 step 5 before step 6). */
static void test_retry_overflow_uo(void **state)
{
    (void)state;
    script sc = {v9999, 1, 0};
    ms_rng rng = {script_loop_next, &sc};
    pol_retry_policy p = policy_from("5xx");
    pol_circuit_thresholds th = pol_circuit_thresholds_envoy();
    th.max_retries = 1;
    pol_cluster_stats cs = {0};
    pol_circuit cb;
    pol_circuit_init(&cb, &th, &cs);
    pol_retry_state a, b;
    pol_retry_state_init(&a, &p);
    pol_retry_state_init(&b, &p);
    pol_retry_decision d;
    pol_retry_response r503 = pol_retry_response_status(503);

    pol_retry_attempt_started(&a, 0, 0);
    pol_retry_on_response(&a, &r503, &cb, &cs, &rng, &d);
    assert_true(d.retry);
    pol_retry_attempt_started(&b, 1, 0);
    pol_retry_on_response(&b, &r503, &cb, &cs, &rng, &d);
    assert_false(d.retry);
    assert_int_equal(d.reason, POL_RETRY_NO_OVERFLOW);
    assert_int_equal(d.flags, POL_FLAG_BIT(POL_FLAG_UO));
    assert_int_equal(cs.upstream_rq_retry_overflow, 1);
    assert_int_equal(pol_retry_retries_remaining(&b), 1);
    assert_int_equal(sc.i, 1); /* no draw for the overflowed retry */
    /* request a ends: its retry unit comes back, b can now retry */
    pol_retry_state_fini(&a, &cb);
    pol_retry_on_response(&b, &r503, &cb, &cs, &rng, &d);
    assert_true(d.retry);
    assert_int_equal(pol_retry_retries_remaining(&b), 0);
    pol_retry_state_fini(&b, &cb);
    assert_int_equal(pol_circuit_count(&cb, POL_CB_RETRIES), 0);
}

static void test_never_retry_overflow_and_disabled(void **state)
{
    (void)state;
    pol_retry_policy p = policy_from("5xx,reset,connect-failure,reset-before-request");
    pol_retry_state st;
    pol_retry_state_init(&st, &p);
    pol_retry_decision d;
    pol_retry_attempt_started(&st, 0, 0);
    pol_retry_on_reset(&st, POL_RESET_OVERFLOW, false, NULL, NULL, NULL, &d);
    assert_false(d.retry);
    assert_int_equal(d.reason, POL_RETRY_NO_OVERFLOW_RESET);
    assert_int_equal(pol_retry_retries_remaining(&st), 2);

    pol_retry_policy none;
    pol_retry_policy_envoy_default(&none);
    pol_retry_state_init(&st, &none);
    pol_retry_response r = pol_retry_response_status(503);
    pol_retry_on_response(&st, &r, NULL, NULL, NULL, &d);
    assert_int_equal(d.reason, POL_RETRY_NO_DISABLED);

    pol_retry_policy q = policy_from("5xx");
    pol_retry_state_init(&st, &q);
    r.x_envoy_ratelimited = true;
    pol_retry_on_response(&st, &r, NULL, NULL, NULL, &d);
    assert_int_equal(d.reason, POL_RETRY_NO_RATELIMITED);
}

/* Hedging on per-try timeout (Envoy's shouldHedgeRetryPerTryTimeout): retried
 * whatever retry_on names (here only connect-failure), with backoff, counted as
 * a retry, limited by num_retries and the breaker; no retry state without
 * retry_on.  wouldRetryFromHeaders decides without bookkeeping. */
static void test_hedge_timeout_decisions(void **state)
{
    (void)state;
    script sc = {v9999, 1, 0};
    ms_rng rng = {script_loop_next, &sc};
    pol_retry_policy p = policy_from("connect-failure");
    p.num_retries = 1;
    pol_circuit_thresholds th = pol_circuit_thresholds_envoy();
    pol_cluster_stats cs = {0};
    pol_circuit cb;
    pol_circuit_init(&cb, &th, &cs);
    pol_retry_state st;
    pol_retry_state_init(&st, &p);
    pol_retry_decision d;
    pol_retry_attempt_started(&st, 0, 0);
    pol_retry_on_hedge_timeout(&st, &cb, &cs, &rng, &d);
    assert_true(d.retry);
    assert_int_equal(d.reason, POL_RETRY_DO);
    assert_true(d.backoff_ns > 0);
    assert_int_equal(cs.upstream_rq_retry, 1);
    assert_int_equal(pol_circuit_count(&cb, POL_CB_RETRIES), 1);
    pol_retry_attempt_started(&st, 1, 0);
    pol_retry_on_hedge_timeout(&st, &cb, &cs, &rng, &d);
    assert_false(d.retry);
    assert_int_equal(d.reason, POL_RETRY_NO_LIMIT_EXCEEDED);
    assert_int_equal(d.flags, POL_FLAG_BIT(POL_FLAG_URX));
    pol_retry_state_fini(&st, &cb);
    assert_int_equal(pol_circuit_count(&cb, POL_CB_RETRIES), 0);

    pol_retry_response r503 = pol_retry_response_status(503), r200 = pol_retry_response_status(200);
    assert_false(pol_retry_would_retry_response(&st, &r503)); /* connect-failure only */
    pol_retry_policy q = policy_from("5xx");
    pol_retry_state_init(&st, &q);
    assert_true(pol_retry_would_retry_response(&st, &r503));
    assert_false(pol_retry_would_retry_response(&st, &r200));
    assert_int_equal(pol_retry_retries_remaining(&st), 2); /* no bookkeeping */

    pol_retry_policy none;
    pol_retry_policy_envoy_default(&none);
    pol_retry_state_init(&st, &none);
    pol_retry_on_hedge_timeout(&st, &cb, &cs, &rng, &d);
    assert_false(d.retry);
    assert_int_equal(d.reason, POL_RETRY_NO_DISABLED);
}

static void test_immediate_retry_no_draw(void **state)
{
    (void)state;
    script sc = {v9999, 1, 0};
    ms_rng rng = {script_loop_next, &sc};
    pol_retry_policy p = policy_from("425");
    pol_cluster_stats cs = {0};
    pol_retry_state st;
    pol_retry_state_init(&st, &p);
    pol_retry_decision d;
    pol_retry_response r = pol_retry_response_status(425);
    pol_retry_attempt_started(&st, 0, 0);
    pol_retry_on_response(&st, &r, NULL, &cs, &rng, &d);
    assert_true(d.retry);
    assert_int_equal(d.reason, POL_RETRY_DO_IMMEDIATE);
    assert_int_equal(d.backoff_ns, 0);
    assert_int_equal(sc.i, 0);
    assert_int_equal(cs.upstream_rq_retry, 1);
    assert_int_equal(cs.upstream_rq_retry_backoff_exponential, 0);
}

static void test_ratelimited_backoff(void **state)
{
    (void)state;
    static const struct {
        int64_t reset_ms;
        bool ratelimited;
        int64_t backoff_ms;
    } rows[] = {
        {1000, true, 1000 + 9999 % 500}, /* I + U[0, I/2) */
        {2, true, 2 + 9999 % 1},
        {1, false, 9999 % 25},           /* must be > 1 ms: exponential instead */
        {300000, true, 300000 + 9999 % 150000},
        {300001, false, 9999 % 25},      /* above the 300 s max: ignored */
        {0, false, 9999 % 25},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        script sc = {v9999, 1, 0};
        ms_rng rng = {script_loop_next, &sc};
        pol_retry_policy p = policy_from("5xx");
        p.ratelimit_reset_headers = true;
        pol_cluster_stats cs = {0};
        pol_retry_state st;
        pol_retry_state_init(&st, &p);
        pol_retry_response r = pol_retry_response_status(503);
        r.ratelimit_reset_ms = rows[i].reset_ms;
        pol_retry_decision d;
        pol_retry_attempt_started(&st, 0, 0);
        pol_retry_on_response(&st, &r, NULL, &cs, &rng, &d);
        assert_true(d.retry);
        assert_int_equal(d.backoff_ratelimited, rows[i].ratelimited);
        assert_int_equal(d.backoff_ns, rows[i].backoff_ms * MS);
        assert_int_equal(cs.upstream_rq_retry_backoff_ratelimited, rows[i].ratelimited ? 1 : 0);
        assert_int_equal(cs.upstream_rq_retry_backoff_exponential, rows[i].ratelimited ? 0 : 1);
    }
}

/* --- host re-selection (1.7) ----------------------------------------------------------- */

typedef struct picks {
    const uint32_t *v;
    size_t n, i;
} picks;

static uint32_t pick_next(void *ctx)
{
    picks *p = ctx;
    return p->i < p->n ? p->v[p->i++] : POL_RETRY_NO_HOST;
}

static void test_host_reselection(void **state)
{
    (void)state;
    pol_retry_policy p;
    pol_retry_policy_istio_default(&p, false);
    pol_retry_state st;
    pol_retry_state_init(&st, &p);
    assert_int_equal(pol_retry_host_pick_limit(&st), 2); /* first attempt: 1 extra pick */
    pol_retry_attempt_started(&st, 3, 0);
    assert_int_equal(pol_retry_host_pick_limit(&st), 6); /* retry: 5 extra picks */
    assert_true(pol_retry_should_select_another_host(&st, 3));
    assert_false(pol_retry_should_select_another_host(&st, 4));
    size_t n;
    const uint32_t *prev = pol_retry_previous_hosts(&st, &n);
    assert_int_equal(n, 1);
    assert_int_equal(prev[0], 3);

    static const uint32_t all3[] = {3, 3, 3, 3, 3, 3, 7};
    picks pk = {all3, 7, 0};
    assert_int_equal(pol_retry_choose_host(&st, pick_next, &pk), 3); /* last pick anyway */
    assert_int_equal(pk.i, 6);
    static const uint32_t then5[] = {3, 5};
    picks pk2 = {then5, 2, 0};
    assert_int_equal(pol_retry_choose_host(&st, pick_next, &pk2), 5);
    picks none = {NULL, 0, 0};
    assert_int_equal(pol_retry_choose_host(&st, pick_next, &none), POL_RETRY_NO_HOST);

    pol_retry_policy_istio_default(&p, true); /* no predicate */
    pol_retry_state_init(&st, &p);
    pol_retry_attempt_started(&st, 3, 1);
    assert_false(pol_retry_should_select_another_host(&st, 3));
    pol_retry_previous_hosts(&st, &n);
    assert_int_equal(n, 0);
    assert_int_equal(pol_retry_attempted_priorities(&st), 2);
}

/* --- Istio HTTPRetry mapping (1.10) ----------------------------------------------------- */

static void test_istio_map_retry(void **state)
{
    (void)state;
    pol_retry_policy out;
    /* no retries block: the default policy */
    assert_int_equal(pol_istio_map_retry(NULL, false, &out), 0);
    assert_int_equal(out.num_retries, 2);
    assert_true(out.previous_hosts);
    assert_int_equal(out.n_retriable_status_codes, 0);

    pol_http_retry in;
    memset(&in, 0, sizeof in);
    in.set = true; /* a block without attempts disables retries */
    pol_istio_map_retry(&in, false, &out);
    assert_int_equal(out.retry_on, 0);
    in.attempts.set = true;
    in.attempts.v = 0;
    pol_istio_map_retry(&in, false, &out);
    assert_int_equal(out.retry_on, 0);

    in.attempts.v = 3; /* attempts only: default retryOn kept */
    pol_istio_map_retry(&in, false, &out);
    assert_int_equal(out.num_retries, 3);
    assert_true(out.retry_on & POL_RETRY_ON_CONNECT_FAILURE);
    assert_true(out.previous_hosts);
    assert_int_equal(out.host_selection_retry_max_attempts, 5);

    in.retry_on = "gateway-error,connect-failure,503";
    in.per_try_timeout.set = true;
    in.per_try_timeout.ns = 2 * SEC;
    in.retry_remote_localities.set = true;
    in.retry_remote_localities.v = true;
    in.retry_ignore_previous_hosts.set = true;
    in.retry_ignore_previous_hosts.v = false;
    in.backoff.set = true;
    in.backoff.ns = 100 * MS;
    assert_int_equal(pol_istio_map_retry(&in, false, &out), 0);
    assert_int_equal(out.retry_on, POL_RETRY_ON_GATEWAY_ERROR | POL_RETRY_ON_CONNECT_FAILURE |
                                       POL_RETRY_ON_RETRIABLE_STATUS_CODES);
    assert_int_equal(out.n_retriable_status_codes, 1);
    assert_int_equal(out.retriable_status_codes[0], 503);
    assert_int_equal(out.per_try_timeout_ns, 2 * SEC);
    assert_int_equal(out.previous_priorities_update_frequency, 2);
    assert_false(out.previous_hosts);
    assert_int_equal(pol_retry_policy_base_ms(&out), 100);
    assert_int_equal(pol_retry_policy_max_ms(&out), 1000);

    in.retry_on = "5xx,bogus";
    assert_int_equal(pol_istio_map_retry(&in, false, &out), 1);
    assert_int_equal(out.retry_on, POL_RETRY_ON_5XX);
}

/* --- timeouts (2, trap 11.3) ------------------------------------------------------------ */

static void test_timeout_compute_table(void **state)
{
    (void)state;
    static const struct {
        int64_t route, per_try;
        int64_t global, eff_per_try;
    } rows[] = {
        {15 * SEC, 0, 15 * SEC, 0},
        {15 * SEC, 2 * SEC, 15 * SEC, 2 * SEC},
        {3 * SEC, 3 * SEC, 3 * SEC, 0},   /* per-try == route: dropped */
        {3 * SEC, 5 * SEC, 3 * SEC, 0},   /* per-try > route: dropped */
        {3 * SEC, 2999 * MS, 3 * SEC, 2999 * MS},
        {0, 5 * SEC, 0, 5 * SEC},         /* no route timeout: per-try kept */
        {0, 0, 0, 0},
        /* beyond ~146 years (a Duration may say 10,000): capped, so that an
         * instant plus the timeout cannot overflow */
        {INT64_MAX, 0, POL_TIMEOUT_MAX_NS, 0},
        {0, INT64_MAX - 1, 0, POL_TIMEOUT_MAX_NS},
        {POL_TIMEOUT_MAX_NS + 1, POL_TIMEOUT_MAX_NS, POL_TIMEOUT_MAX_NS, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_timeout_config c = pol_timeout_config_envoy();
        c.route_timeout_ns = rows[i].route;
        c.per_try_timeout_ns = rows[i].per_try;
        pol_timeouts t = pol_timeout_compute(&c, false, -1);
        assert_int_equal(t.global_ns, rows[i].global);
        assert_int_equal(t.per_try_ns, rows[i].eff_per_try);
    }
    pol_timeout_config e = pol_timeout_config_envoy();
    assert_int_equal(e.route_timeout_ns, 15 * SEC);
    /* Istio: no VS timeout means disabled */
    pol_timeout_config c = pol_istio_map_timeouts(NULL, NULL);
    assert_int_equal(c.route_timeout_ns, 0);
    pol_timeouts t = pol_timeout_compute(&c, false, -1);
    assert_int_equal(t.global_ns, 0);
    /* gRPC on Istio routes: no VS timeout honours grpc-timeout uncapped */
    t = pol_timeout_compute(&c, true, 7 * SEC);
    assert_int_equal(t.global_ns, 7 * SEC);
    t = pol_timeout_compute(&c, true, -1);
    assert_int_equal(t.global_ns, 0);
    t = pol_timeout_compute(&c, true, INT64_MAX);
    assert_int_equal(t.global_ns, POL_TIMEOUT_MAX_NS);
    pol_opt_duration vs = {5 * SEC, true};
    c = pol_istio_map_timeouts(&vs, NULL);
    assert_int_equal(pol_timeout_compute(&c, true, 7 * SEC).global_ns, 5 * SEC);
    assert_int_equal(pol_timeout_compute(&c, true, -1).global_ns, 5 * SEC);
    assert_int_equal(pol_timeout_compute(&c, true, 2 * SEC).global_ns, 2 * SEC);
    /* per-try from a retry block with attempts; ignored when retries are disabled */
    pol_http_retry r;
    memset(&r, 0, sizeof r);
    r.set = true;
    r.attempts.set = true;
    r.attempts.v = 2;
    r.per_try_timeout.set = true;
    r.per_try_timeout.ns = 6 * SEC;
    c = pol_istio_map_timeouts(&vs, &r);
    assert_int_equal(pol_timeout_compute(&c, false, -1).per_try_ns, 0); /* 6 s >= 5 s */
    r.per_try_timeout.ns = 1 * SEC;
    c = pol_istio_map_timeouts(&vs, &r);
    assert_int_equal(pol_timeout_compute(&c, false, -1).per_try_ns, 1 * SEC);
    r.attempts.v = 0;
    c = pol_istio_map_timeouts(&vs, &r);
    assert_int_equal(c.per_try_timeout_ns, 0);
}

/* Budget left after backoff; which deadline ends an attempt. */
static void test_timeout_attempt_budget(void **state)
{
    (void)state;
    pol_timeout_config c = pol_timeout_config_envoy();
    c.route_timeout_ns = 1000 * MS;
    c.per_try_timeout_ns = 300 * MS;
    pol_timeouts t = pol_timeout_compute(&c, false, -1);
    int64_t start = 5 * SEC;
    pol_attempt_deadline d = pol_timeout_attempt(&t, start, start);
    assert_int_equal(d.kind, POL_TIMEOUT_PER_TRY);
    assert_int_equal(d.deadline_ns, start + 300 * MS);
    assert_int_equal(d.expected_rq_timeout_ms, 300);
    /* third attempt after 2 per-try timeouts and backoffs 24 + 49 ms: 627 ms used */
    int64_t now = start + 300 * MS + 24 * MS + 300 * MS + 3 * MS;
    d = pol_timeout_attempt(&t, start, now);
    assert_int_equal(d.kind, POL_TIMEOUT_PER_TRY);
    assert_int_equal(d.expected_rq_timeout_ms, 300);
    now = start + 800 * MS; /* 200 ms left: the route timeout comes first */
    d = pol_timeout_attempt(&t, start, now);
    assert_int_equal(d.kind, POL_TIMEOUT_GLOBAL);
    assert_int_equal(d.deadline_ns, start + 1000 * MS);
    assert_int_equal(d.expected_rq_timeout_ms, 200);
    assert_false(d.expired);
    assert_int_equal(pol_timeout_remaining_ns(&t, start, now), 200 * MS);
    assert_true(pol_timeout_backoff_fits(&t, start, now, 199 * MS));
    assert_false(pol_timeout_backoff_fits(&t, start, now, 200 * MS));
    d = pol_timeout_attempt(&t, start, start + 1000 * MS);
    assert_true(d.expired);
    assert_int_equal(d.expected_rq_timeout_ms, 1); /* floored at 1 ms */
    /* no timeouts at all (Istio default) */
    pol_timeouts none = {0, 0};
    d = pol_timeout_attempt(&none, start, start + 100 * SEC);
    assert_int_equal(d.kind, POL_TIMEOUT_NONE);
    assert_int_equal(d.expected_rq_timeout_ms, 0);
    assert_true(pol_timeout_backoff_fits(&none, start, start, 1000 * SEC));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_istio_default_policy),
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_response_table),
        cmocka_unit_test(test_retriable_headers),
        cmocka_unit_test(test_hedge_timeout_decisions),
        cmocka_unit_test(test_reset_table),
        cmocka_unit_test(test_reset_reason_flags),
        cmocka_unit_test(test_retries_exhausted_urx),
        cmocka_unit_test(test_retry_success_counted),
        cmocka_unit_test(test_retry_overflow_uo),
        cmocka_unit_test(test_never_retry_overflow_and_disabled),
        cmocka_unit_test(test_immediate_retry_no_draw),
        cmocka_unit_test(test_ratelimited_backoff),
        cmocka_unit_test(test_host_reselection),
        cmocka_unit_test(test_istio_map_retry),
        cmocka_unit_test(test_timeout_compute_table),
        cmocka_unit_test(test_timeout_attempt_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
