/*
 * overrides.c - who the caller is and the per-request overrides it may
 * send: internal or external (a sidecar's callers are internal; a gateway
 * judges by the remote address and --internal-address, as Envoy's
 * use_remote_address), and for internal callers the x-envoy-* retry, timeout
 * and hedging headers of Envoy's router (policy-semantics.md 1.10) applied
 * to the route's policy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/server_int.h"

/* A header's value as a decimal number (Envoy's absl::SimpleAtoi on the
 * whole value), else -1. */
static int64_t header_number(const px_http_msg *m, const char *name)
{
    int h = px_http_find(m, name, 0);
    if (h < 0 || m->headers[h].value.len == 0 || m->headers[h].value.len > 15)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < m->headers[h].value.len; i++) {
        char c = m->headers[h].value.p[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

/* An override in ms as ns.  The header allows 15 digits, more than int64
 * nanoseconds hold: a longer time is capped (PX_TIMEOUT_MAX_NS). */
static int64_t override_ns(int64_t ms)
{
    return ms > PX_TIMEOUT_MAX_NS / 1000000 ? PX_TIMEOUT_MAX_NS : ms * 1000000;
}

static int header_string(px_req *r, const px_http_msg *m, const char *name, size_t *off)
{
    int h = px_http_find(m, name, 0);
    *off = SIZE_MAX;
    if (h < 0)
        return 0;
    *off = r->strs.len;
    return px_buf_append(&r->strs, m->headers[h].value.p, m->headers[h].value.len) ||
                   px_buf_append(&r->strs, "", 1) ? -1 : 0;
}

/* Is the caller internal?  A sidecar's callers are (its own workload).  A
 * gateway uses the remote address, as Envoy's use_remote_address: the request
 * is internal when it arrives with no X-Forwarded-For (so that, once the peer
 * is appended, the header holds a single address) and the peer is inside
 * --internal-address; with none given, no caller is (Envoy since 1.33: no
 * internal_address_config, nothing internal). */
bool px_req_caller_internal(const px_req *r, const px_http_msg *m)
{
    const px_options *o = &r->w->srv->opt;
    if (!r->conf->gateway)
        return true;
    if (px_http_find(m, "x-forwarded-for", 0) >= 0)
        return false;
    return pol_cidr_match_any(o->internal, o->ninternal, r->dc->peer);
}

/* The per-request retry and timeout overrides that Envoy's router reads from
 * x-envoy-* request headers (policy-semantics.md 1.10), honoured for internal
 * callers only: Envoy sanitizes them from external requests.  Either way
 * headers.c never forwards them. */
int px_req_read_overrides(px_req *r, const px_http_msg *m)
{
    r->ovr_timeout_ms = r->ovr_per_try_ms = r->ovr_max_retries = -1;
    r->ovr_retry_on_off = r->ovr_codes_off = r->ovr_header_names_off = SIZE_MAX;
    if (!r->internal)
        return 0;
    /* most requests carry no x-envoy-* header at all: one pass finds out
     * (names are lowercase once parsed) */
    bool any = false;
    for (size_t i = 0; i < m->nheaders && !any; i++)
        any = m->headers[i].name.len > 8 && !memcmp(m->headers[i].name.p, "x-envoy-", 8);
    if (!any)
        return 0;
    /* Envoy's finalHedgingParams: exactly "true" turns hedging on (Istio never
     * sets a route hedge policy, so anything else leaves it off) */
    int hedge = px_http_find(m, "x-envoy-hedge-on-per-try-timeout", 0);
    r->hedge = hedge >= 0 && m->headers[hedge].value.len == 4 && !memcmp(m->headers[hedge].value.p, "true", 4);
    r->ovr_timeout_ms = header_number(m, "x-envoy-upstream-rq-timeout-ms");
    r->ovr_per_try_ms = header_number(m, "x-envoy-upstream-rq-per-try-timeout-ms");
    r->ovr_max_retries = header_number(m, "x-envoy-max-retries");
    if (header_string(r, m, "x-envoy-retry-on", &r->ovr_retry_on_off) ||
        header_string(r, m, "x-envoy-retriable-status-codes", &r->ovr_codes_off) ||
        header_string(r, m, "x-envoy-retriable-header-names", &r->ovr_header_names_off))
        return -1;
    return 0;
}

/* x-envoy-retriable-header-names: a comma list of header names, each a
 * presence matcher for retriable-headers (Envoy's RetryStateImpl takes
 * name-only matchers from the header).  Names beyond the policy's room
 * (POL_RETRY_MAX_HEADERS) or too long for it are ignored. */
static void add_header_names(pol_retry_policy *rp, const char *s)
{
    while (*s) {
        while (*s == ',' || *s == ' ' || *s == '\t')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *end = e;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        char name[POL_RETRY_HEADER_LEN];
        if (end > s && (size_t)(end - s) < sizeof name) {
            memcpy(name, s, (size_t)(end - s));
            name[end - s] = 0;
            pol_retry_policy_add_header(rp, name, NULL);
        }
        s = e;
    }
}

/* The route's policy with the request's overrides applied: retry_on tokens
 * OR-ed in (unknown ones ignored, as Envoy does), status codes appended,
 * header names added as retriable-headers matchers,
 * x-envoy-max-retries replacing num_retries when retry_on ends up non-zero,
 * the timeout headers replacing the route timeout and the per-try timeout,
 * then Envoy's rule: a per-try timeout >= a non-zero global one is dropped. */
void px_req_apply_overrides(px_req *r)
{
    if (r->ovr_timeout_ms < 0 && r->ovr_per_try_ms < 0 && r->ovr_max_retries < 0 &&
        r->ovr_retry_on_off == SIZE_MAX && r->ovr_codes_off == SIZE_MAX && r->ovr_header_names_off == SIZE_MAX)
        return;
    r->own_pol = *r->pol;
    pol_retry_policy *rp = &r->own_pol.retry;
    if (r->ovr_retry_on_off != SIZE_MAX)
        pol_retry_on_parse(px_req_str(r, r->ovr_retry_on_off), rp, NULL, NULL);
    if (r->ovr_codes_off != SIZE_MAX) {
        const char *s = px_req_str(r, r->ovr_codes_off);
        while (*s) {
            while (*s == ' ' || *s == ',')
                s++;
            char *end;
            long code = strtol(s, &end, 10);
            if (end == s)
                break;
            if (code >= 100 && code <= 599)
                pol_retry_policy_add_status(rp, (uint16_t)code);
            s = end;
        }
    }
    if (r->ovr_header_names_off != SIZE_MAX)
        add_header_names(rp, px_req_str(r, r->ovr_header_names_off));
    if (r->ovr_max_retries >= 0 && rp->retry_on != 0)
        rp->num_retries = (uint32_t)(r->ovr_max_retries > UINT32_MAX ? UINT32_MAX : r->ovr_max_retries);
    pol_timeouts *t = &r->own_pol.timeouts;
    if (r->ovr_timeout_ms >= 0)
        t->global_ns = override_ns(r->ovr_timeout_ms);
    t->per_try_ns = r->ovr_per_try_ms >= 0 ? override_ns(r->ovr_per_try_ms) : rp->per_try_timeout_ns;
    if (t->global_ns != 0 && t->per_try_ns >= t->global_ns)
        t->per_try_ns = 0;
    r->pol = &r->own_pol;
}
