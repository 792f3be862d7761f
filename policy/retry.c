/*
 * retry.c - retry policy, backoff and per-request retry decisions
 * (policy-semantics.md sections 1.1-1.8, 1.10 defaults; traps 11.1-11.6).
 *
 * Written from the behaviour described in the reference, not from Envoy's code.
 * Differences from Envoy, on purpose:
 *   - runtime `upstream.use_retry` (1.5 step 7) is not modelled: always 100 %;
 *   - header overrides (x-envoy-retry-on, x-envoy-max-retries, ...) and HTTP/3
 *     special cases (0-RTT, http3-post-connect-failure, auto-retry of 425) are
 *     parsed as tokens but never fire;
 *   - the previous-hosts predicate remembers at most POL_RETRY_MAX_HOSTS hosts.
 */
#include "policy/retry.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_PER_MS INT64_C(1000000)

/* --- tokens ------------------------------------------------------------------ */

static const struct {
    const char *name;
    uint32_t bit;
} tokens[] = {
    {"5xx", POL_RETRY_ON_5XX},
    {"gateway-error", POL_RETRY_ON_GATEWAY_ERROR},
    {"connect-failure", POL_RETRY_ON_CONNECT_FAILURE},
    {"retriable-4xx", POL_RETRY_ON_RETRIABLE_4XX},
    {"refused-stream", POL_RETRY_ON_REFUSED_STREAM},
    {"retriable-status-codes", POL_RETRY_ON_RETRIABLE_STATUS_CODES},
    {"reset", POL_RETRY_ON_RESET},
    {"reset-before-request", POL_RETRY_ON_RESET_BEFORE_REQUEST},
    {"retriable-headers", POL_RETRY_ON_RETRIABLE_HEADERS},
    {"envoy-ratelimited", POL_RETRY_ON_ENVOY_RATELIMITED},
    {"http3-post-connect-failure", POL_RETRY_ON_HTTP3_POST_CONNECT_FAILURE},
    {"cancelled", POL_RETRY_ON_GRPC_CANCELLED},
    {"deadline-exceeded", POL_RETRY_ON_GRPC_DEADLINE_EXCEEDED},
    {"resource-exhausted", POL_RETRY_ON_GRPC_RESOURCE_EXHAUSTED},
    {"internal", POL_RETRY_ON_GRPC_INTERNAL},
    {"unavailable", POL_RETRY_ON_GRPC_UNAVAILABLE},
};
#define NTOKENS (sizeof tokens / sizeof tokens[0])

const char *pol_retry_on_name(uint32_t bit)
{
    for (size_t i = 0; i < NTOKENS; i++)
        if (tokens[i].bit == bit)
            return tokens[i].name;
    return NULL;
}

bool pol_http_status_has_text(long c)
{
    /* Go's net/http statusText table. */
    if (c >= 100 && c <= 103)
        return true;
    if ((c >= 200 && c <= 208) || c == 226)
        return true;
    if ((c >= 300 && c <= 305) || c == 307 || c == 308)
        return true;
    if (c >= 400 && c <= 418)
        return true;
    if ((c >= 421 && c <= 426) || c == 428 || c == 429 || c == 431 || c == 451)
        return true;
    if ((c >= 500 && c <= 508) || c == 510 || c == 511)
        return true;
    return false;
}

/* Go's strconv.Atoi on a trimmed token: optional sign, decimal digits only. */
static bool token_int(const char *s, size_t n, long *out)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n || n - i > 9)
        return false;
    long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* The pol_retry_on bit of token t[0..n), or 0 when unknown. */
static uint32_t token_bit(const char *t, size_t n)
{
    for (size_t i = 0; i < NTOKENS; i++)
        if (strncmp(tokens[i].name, t, n) == 0 && tokens[i].name[n] == '\0')
            return tokens[i].bit;
    return 0;
}

/* Add token t[0..n) to p: a status code Go has a text for, or a retry_on
 * token.  False when it is neither, or the code list is full. */
static bool take_token(const char *t, size_t n, pol_retry_policy *p, bool *any_code)
{
    long code;
    if (token_int(t, n, &code) && pol_http_status_has_text(code)) {
        *any_code = true;
        return pol_retry_policy_add_status(p, (uint16_t)code) == 0;
    }
    uint32_t bit = token_bit(t, n);
    p->retry_on |= bit;
    return bit != 0;
}

int pol_retry_on_parse(const char *s, pol_retry_policy *p, size_t *bad_off, size_t *bad_len)
{
    int bad = 0;
    bool any_code = false;
    const char *cur = s;
    for (;;) {
        const char *end = strchr(cur, ',');
        size_t n = end ? (size_t)(end - cur) : strlen(cur);
        const char *t = cur;
        while (n > 0 && isspace((unsigned char)*t)) {
            t++;
            n--;
        }
        while (n > 0 && isspace((unsigned char)t[n - 1]))
            n--;
        if (n > 0 && !take_token(t, n, p, &any_code)) {
            if (bad == 0) {
                if (bad_off)
                    *bad_off = (size_t)(t - s);
                if (bad_len)
                    *bad_len = n;
            }
            bad++;
        }
        if (!end)
            break;
        cur = end + 1;
    }
    if (any_code) /* Istio appends the token when codes are given (1.10) */
        p->retry_on |= POL_RETRY_ON_RETRIABLE_STATUS_CODES;
    return bad;
}

/* --- policy ------------------------------------------------------------------ */

void pol_retry_policy_envoy_default(pol_retry_policy *p)
{
    memset(p, 0, sizeof *p);
    p->num_retries = 1;
    p->host_selection_retry_max_attempts = 1;
}

void pol_retry_policy_istio_default(pol_retry_policy *p, bool single_consistent_hash_destination)
{
    pol_retry_policy_envoy_default(p);
    p->num_retries = 2;
    int bad = pol_retry_on_parse(POL_ISTIO_DEFAULT_RETRY_ON, p, NULL, NULL);
    assert(bad == 0);
    (void)bad;
    p->previous_hosts = !single_consistent_hash_destination;
    p->host_selection_retry_max_attempts = 5;
}

void pol_retry_policy_istio_legacy_default(pol_retry_policy *p)
{
    pol_retry_policy_istio_default(p, false);
    pol_retry_policy_add_status(p, 503);
}

void pol_retry_policy_istio_inbound_default(pol_retry_policy *p)
{
    pol_retry_policy_envoy_default(p);
    p->num_retries = 2;
    p->retry_on = POL_RETRY_ON_RESET_BEFORE_REQUEST;
}

int pol_retry_policy_add_status(pol_retry_policy *p, uint16_t code)
{
    if (p->n_retriable_status_codes >= POL_RETRY_MAX_STATUS_CODES)
        return -1;
    p->retriable_status_codes[p->n_retriable_status_codes++] = code;
    return 0;
}

int pol_retry_policy_add_header(pol_retry_policy *p, const char *name, const char *value)
{
    if (p->n_retriable_headers >= POL_RETRY_MAX_HEADERS || !name ||
        strlen(name) >= POL_RETRY_HEADER_LEN || (value && strlen(value) >= POL_RETRY_HEADER_LEN))
        return -1;
    pol_retry_header_matcher *m = &p->retriable_headers[p->n_retriable_headers++];
    memset(m, 0, sizeof *m);
    strcpy(m->name, name);
    if (value) {
        strcpy(m->value, value);
        m->has_value = true;
    }
    return 0;
}

uint64_t pol_retry_policy_base_ms(const pol_retry_policy *p)
{
    if (p->base_interval_ns <= 0)
        return POL_RETRY_DEFAULT_BASE_MS;
    uint64_t ms = (uint64_t)(p->base_interval_ns / NS_PER_MS);
    return ms < 1 ? 1 : ms;
}

uint64_t pol_retry_policy_max_ms(const pol_retry_policy *p)
{
    if (p->max_interval_ns <= 0)
        return 10 * pol_retry_policy_base_ms(p);
    return (uint64_t)(p->max_interval_ns / NS_PER_MS);
}

int pol_retry_policy_check(const pol_retry_policy *p)
{
    return pol_retry_policy_max_ms(p) < pol_retry_policy_base_ms(p) ? -1 : 0;
}

/* --- backoff ------------------------------------------------------------------- */

void pol_backoff_init(pol_backoff *b, uint64_t base_ms, uint64_t max_ms)
{
    assert(base_ms >= 1 && max_ms >= base_ms);
    b->base_ms = base_ms;
    b->max_ms = max_ms;
    b->cur_ms = base_ms;
}

uint64_t pol_backoff_next_ms(pol_backoff *b, ms_rng *rng)
{
    uint64_t delay = ms_rng_u64(rng) % b->cur_ms;
    b->cur_ms = (b->cur_ms < b->max_ms / 2) ? 2 * b->cur_ms : b->max_ms;
    return delay;
}

void pol_backoff_reset(pol_backoff *b) { b->cur_ms = b->base_ms; }

/* --- reset reasons ------------------------------------------------------------ */

pol_flag pol_reset_reason_flag(pol_reset_reason r)
{
    switch (r) {
    case POL_RESET_LOCAL_CONNECTION_FAILURE:
    case POL_RESET_REMOTE_CONNECTION_FAILURE:
    case POL_RESET_CONNECTION_TIMEOUT:
        return POL_FLAG_UF;
    case POL_RESET_CONNECTION_TERMINATION:
        return POL_FLAG_UC;
    case POL_RESET_LOCAL_RESET:
    case POL_RESET_LOCAL_REFUSED_STREAM:
    case POL_RESET_HTTP1_PREMATURE_UPSTREAM_HALF_CLOSE:
        return POL_FLAG_LR;
    case POL_RESET_OVERFLOW:
        return POL_FLAG_UO;
    case POL_RESET_REMOTE_RESET:
    case POL_RESET_REMOTE_REFUSED_STREAM:
    case POL_RESET_CONNECT_ERROR:
        return POL_FLAG_UR;
    case POL_RESET_PROTOCOL_ERROR:
        return POL_FLAG_UPE;
    case POL_RESET_OVERLOAD_MANAGER:
        return POL_FLAG_OM;
    default:
        assert(!"bad reset reason");
        return POL_FLAG_LR;
    }
}

int pol_reset_reason_status(pol_reset_reason r)
{
    return r == POL_RESET_PROTOCOL_ERROR ? 502 : 503;
}

const char *pol_reset_reason_name(pol_reset_reason r)
{
    static const char *const names[POL_RESET_REASON_COUNT] = {
        [POL_RESET_LOCAL_CONNECTION_FAILURE] = "local connection failure",
        [POL_RESET_REMOTE_CONNECTION_FAILURE] = "remote connection failure",
        [POL_RESET_CONNECTION_TIMEOUT] = "connection timeout",
        [POL_RESET_CONNECTION_TERMINATION] = "connection termination",
        [POL_RESET_LOCAL_RESET] = "local reset",
        [POL_RESET_LOCAL_REFUSED_STREAM] = "local refused stream reset",
        [POL_RESET_OVERFLOW] = "overflow",
        [POL_RESET_REMOTE_RESET] = "remote reset",
        [POL_RESET_REMOTE_REFUSED_STREAM] = "remote refused stream reset",
        [POL_RESET_CONNECT_ERROR] = "remote error with CONNECT request",
        [POL_RESET_PROTOCOL_ERROR] = "protocol error",
        [POL_RESET_OVERLOAD_MANAGER] = "overload manager reset",
        [POL_RESET_HTTP1_PREMATURE_UPSTREAM_HALF_CLOSE] = "HTTP/1 premature upstream half close",
    };
    return (unsigned)r < POL_RESET_REASON_COUNT ? names[r] : NULL;
}

/* --- classification ------------------------------------------------------------ */

pol_retry_response pol_retry_response_status(int status)
{
    pol_retry_response r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.grpc_status = -1;
    return r;
}

static pol_retry_class cls(pol_retry_check c, uint32_t token)
{
    pol_retry_class k = {c, token};
    return k;
}

static bool header_matches(const pol_retry_header_matcher *m, const pol_retry_response *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        const pol_retry_header *h = &r->headers[i];
        if (!h->name || strcasecmp(h->name, m->name) != 0)
            continue;
        if (!m->has_value || (h->value && strcmp(h->value, m->value) == 0))
            return true;
    }
    return false;
}

pol_retry_class pol_retry_classify_response(const pol_retry_policy *p, uint32_t on,
                                            const pol_retry_response *r)
{
    if (r->x_envoy_ratelimited) {
        if (on & POL_RETRY_ON_ENVOY_RATELIMITED)
            return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_ENVOY_RATELIMITED);
        return cls(POL_RETRY_CHECK_NO, 0);
    }
    int s = r->status;
    if ((on & POL_RETRY_ON_5XX) && s >= 500 && s <= 599)
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_5XX);
    if ((on & POL_RETRY_ON_GATEWAY_ERROR) && (s == 502 || s == 503 || s == 504))
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GATEWAY_ERROR);
    if ((on & POL_RETRY_ON_RETRIABLE_4XX) && s == 409)
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_4XX);
    if (on & POL_RETRY_ON_RETRIABLE_STATUS_CODES) {
        for (uint32_t i = 0; i < p->n_retriable_status_codes; i++) {
            if (p->retriable_status_codes[i] != s)
                continue;
            if (s != 425)
                return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_STATUS_CODES);
            if (r->downstream_early_data)
                return cls(POL_RETRY_CHECK_NO, 0);
            return cls(POL_RETRY_CHECK_IMMEDIATE, POL_RETRY_ON_RETRIABLE_STATUS_CODES);
        }
    }
    if (on & POL_RETRY_ON_RETRIABLE_HEADERS) {
        for (uint32_t i = 0; i < p->n_retriable_headers; i++)
            if (header_matches(&p->retriable_headers[i], r))
                return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RETRIABLE_HEADERS);
    }
    static const struct {
        int status;
        uint32_t bit;
    } grpc[] = {
        {1, POL_RETRY_ON_GRPC_CANCELLED},       {4, POL_RETRY_ON_GRPC_DEADLINE_EXCEEDED},
        {8, POL_RETRY_ON_GRPC_RESOURCE_EXHAUSTED}, {13, POL_RETRY_ON_GRPC_INTERNAL},
        {14, POL_RETRY_ON_GRPC_UNAVAILABLE},
    };
    if (r->grpc_status >= 0) {
        for (size_t i = 0; i < sizeof grpc / sizeof grpc[0]; i++)
            if (r->grpc_status == grpc[i].status && (on & grpc[i].bit))
                return cls(POL_RETRY_CHECK_BACKOFF, grpc[i].bit);
    }
    return cls(POL_RETRY_CHECK_NO, 0);
}

pol_retry_class pol_retry_classify_reset(uint32_t on, pol_reset_reason reason, bool request_sent)
{
    if (reason == POL_RESET_OVERFLOW)
        return cls(POL_RETRY_CHECK_NO, 0);
    if (reason == POL_RESET_LOCAL_CONNECTION_FAILURE || reason == POL_RESET_REMOTE_CONNECTION_FAILURE ||
        reason == POL_RESET_CONNECTION_TIMEOUT) {
        if (on & POL_RETRY_ON_CONNECT_FAILURE)
            return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_CONNECT_FAILURE);
    }
    if ((on & POL_RETRY_ON_RESET_BEFORE_REQUEST) && !request_sent)
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RESET_BEFORE_REQUEST);
    if (on & POL_RETRY_ON_RESET)
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_RESET);
    if (on & POL_RETRY_ON_5XX)
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_5XX);
    if (on & POL_RETRY_ON_GATEWAY_ERROR)
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_GATEWAY_ERROR);
    if ((on & POL_RETRY_ON_REFUSED_STREAM) && reason == POL_RESET_REMOTE_REFUSED_STREAM)
        return cls(POL_RETRY_CHECK_BACKOFF, POL_RETRY_ON_REFUSED_STREAM);
    return cls(POL_RETRY_CHECK_NO, 0);
}

/* --- state --------------------------------------------------------------------- */

void pol_retry_state_init(pol_retry_state *st, const pol_retry_policy *p)
{
    memset(st, 0, sizeof *st);
    st->_policy = p;
    st->_retry_on = p->retry_on;
    st->_retries_remaining = p->num_retries;
    uint64_t base = pol_retry_policy_base_ms(p), max = pol_retry_policy_max_ms(p);
    pol_backoff_init(&st->_backoff, base, max < base ? base : max);
}

static void release_retry(pol_retry_state *st, pol_circuit *cb)
{
    if (st->_holds_retry_resource) {
        if (cb)
            pol_circuit_release(cb, POL_CB_RETRIES);
        st->_holds_retry_resource = false;
    }
}

void pol_retry_state_fini(pol_retry_state *st, pol_circuit *cb) { release_retry(st, cb); }

void pol_retry_attempt_started(pol_retry_state *st, uint32_t host_id, uint32_t priority)
{
    if (st->_n_hosts < POL_RETRY_MAX_HOSTS)
        st->_hosts[st->_n_hosts++] = host_id;
    if (priority < 32)
        st->_priorities_mask |= 1u << priority;
    st->_attempts++;
}

uint32_t pol_retry_attempt_count(const pol_retry_state *st) { return st->_attempts; }
uint32_t pol_retry_retries_remaining(const pol_retry_state *st) { return st->_retries_remaining; }
uint32_t pol_retry_attempted_priorities(const pol_retry_state *st) { return st->_priorities_mask; }

/* The shouldRetry bookkeeping of 1.5, given the classification of the attempt. */
static void should_retry(pol_retry_state *st, pol_retry_class c, pol_retry_reason no_reason,
                         int64_t ratelimit_reset_ms, pol_circuit *cb, pol_cluster_stats *stats,
                         ms_rng *rng, pol_retry_decision *out)
{
    memset(out, 0, sizeof *out);
    out->token = c.token;
    /* 1. a retry was in flight and this attempt needs none: it succeeded */
    if (st->_holds_retry_resource && c.check == POL_RETRY_CHECK_NO && stats)
        stats->upstream_rq_retry_success++;
    /* 2. release the retry resource */
    release_retry(st, cb);
    /* 3. */
    if (c.check == POL_RETRY_CHECK_NO) {
        out->reason = no_reason;
        return;
    }
    /* 4. */
    if (st->_retries_remaining == 0) {
        if (stats)
            stats->upstream_rq_retry_limit_exceeded++;
        out->reason = POL_RETRY_NO_LIMIT_EXCEEDED;
        out->flags = POL_FLAG_BIT(POL_FLAG_URX);
        return;
    }
    /* 5. decremented before the breaker check */
    st->_retries_remaining--;
    /* 6. + 8. the cluster's retries resource */
    if (cb && !pol_circuit_try_acquire(cb, POL_CB_RETRIES)) {
        out->reason = POL_RETRY_NO_OVERFLOW;
        out->flags = POL_FLAG_BIT(POL_FLAG_UO);
        return;
    }
    st->_holds_retry_resource = true; /* a retry is armed (and, with cb, holds a unit) */
    if (stats)
        stats->upstream_rq_retry++;
    out->retry = true;
    if (c.check == POL_RETRY_CHECK_IMMEDIATE) {
        out->reason = POL_RETRY_DO_IMMEDIATE;
        return;
    }
    out->reason = POL_RETRY_DO;
    const pol_retry_policy *p = st->_policy;
    int64_t max_rl_ms = p->ratelimited_max_interval_ns > 0 ? p->ratelimited_max_interval_ns / NS_PER_MS
                                                           : POL_RETRY_RATELIMITED_MAX_MS;
    if (p->ratelimit_reset_headers && ratelimit_reset_ms > 1 && ratelimit_reset_ms <= max_rl_ms) {
        uint64_t i = (uint64_t)ratelimit_reset_ms;
        out->backoff_ns = (int64_t)(i + ms_rng_u64(rng) % (i / 2)) * NS_PER_MS;
        out->backoff_ratelimited = true;
        if (stats)
            stats->upstream_rq_retry_backoff_ratelimited++;
        return;
    }
    out->backoff_ns = (int64_t)pol_backoff_next_ms(&st->_backoff, rng) * NS_PER_MS;
    if (stats)
        stats->upstream_rq_retry_backoff_exponential++;
}

void pol_retry_on_response(pol_retry_state *st, const pol_retry_response *r, pol_circuit *cb,
                           pol_cluster_stats *stats, ms_rng *rng, pol_retry_decision *out)
{
    pol_retry_class c = pol_retry_classify_response(st->_policy, st->_retry_on, r);
    pol_retry_reason no = POL_RETRY_NO_NOT_RETRIABLE;
    if (st->_retry_on == 0)
        no = POL_RETRY_NO_DISABLED;
    else if (r->x_envoy_ratelimited && c.check == POL_RETRY_CHECK_NO)
        no = POL_RETRY_NO_RATELIMITED;
    should_retry(st, c, no, r->ratelimit_reset_ms, cb, stats, rng, out);
}

void pol_retry_on_reset(pol_retry_state *st, pol_reset_reason reason, bool request_sent,
                        pol_circuit *cb, pol_cluster_stats *stats, ms_rng *rng,
                        pol_retry_decision *out)
{
    pol_retry_class c = pol_retry_classify_reset(st->_retry_on, reason, request_sent);
    pol_retry_reason no = POL_RETRY_NO_NOT_RETRIABLE;
    if (st->_retry_on == 0)
        no = POL_RETRY_NO_DISABLED;
    else if (reason == POL_RESET_OVERFLOW)
        no = POL_RETRY_NO_OVERFLOW_RESET;
    should_retry(st, c, no, 0, cb, stats, rng, out);
}

void pol_retry_on_hedge_timeout(pol_retry_state *st, pol_circuit *cb, pol_cluster_stats *stats,
                                ms_rng *rng, pol_retry_decision *out)
{
    pol_retry_class c = cls(st->_retry_on ? POL_RETRY_CHECK_BACKOFF : POL_RETRY_CHECK_NO, 0);
    should_retry(st, c, POL_RETRY_NO_DISABLED, 0, cb, stats, rng, out);
}

bool pol_retry_would_retry_response(const pol_retry_state *st, const pol_retry_response *r)
{
    return pol_retry_classify_response(st->_policy, st->_retry_on, r).check != POL_RETRY_CHECK_NO;
}

/* --- host re-selection ------------------------------------------------------------ */

uint32_t pol_retry_host_selection_extra_picks(const pol_retry_state *st)
{
    return st->_attempts == 0 ? 1 : st->_policy->host_selection_retry_max_attempts;
}

uint32_t pol_retry_host_pick_limit(const pol_retry_state *st)
{
    return pol_retry_host_selection_extra_picks(st) + 1;
}

const uint32_t *pol_retry_previous_hosts(const pol_retry_state *st, size_t *n)
{
    *n = st->_policy->previous_hosts ? st->_n_hosts : 0;
    return st->_hosts;
}

bool pol_retry_should_select_another_host(const pol_retry_state *st, uint32_t host_id)
{
    if (!st->_policy->previous_hosts)
        return false;
    for (uint32_t i = 0; i < st->_n_hosts; i++)
        if (st->_hosts[i] == host_id)
            return true;
    return false;
}

uint32_t pol_retry_choose_host(const pol_retry_state *st, pol_retry_pick_fn pick, void *ctx)
{
    uint32_t limit = pol_retry_host_pick_limit(st);
    uint32_t host = POL_RETRY_NO_HOST;
    for (uint32_t i = 0; i < limit; i++) {
        host = pick(ctx);
        if (host == POL_RETRY_NO_HOST || !pol_retry_should_select_another_host(st, host))
            return host;
    }
    return host;
}
