/*
 * route_match.c - one routing decision against a compiled table (route.h).
 *
 * Pure and allocation-free: the request is read through borrowed slices, the
 * result points into the table, and the only state touched is the caller's
 * scratch (PCRE2 match data) and the ms_rng.  Matching rules (7.1, 7.3):
 *   - uri: exact/prefix on the path without the query, case-insensitive with
 *     ignoreUriCase; regex is a full match and always case-sensitive;
 *   - scheme, method, authority: exact/prefix/regex on the pseudo-headers; the
 *     authority includes any port;
 *   - headers: the first value of the header; a missing header fails every
 *     matcher; withoutHeaders inverts, with a missing header read as "" (and a
 *     presence matcher meaning "absent");
 *   - queryParams: the first value of the parameter, presence for `{}`.
 * Cost: vhost lookup O(log domains + wildcard domains), then linear in the
 * routes tried, each linear in its matchers.  Regexes run as PCRE2 JIT code
 * compiled with the table (route_build.c).
 */
#define POL_ROUTE_PRIVATE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "policy/route.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pol_route_scratch {
    pcre2_match_data *md;
};

pol_route_scratch *pol_route_scratch_create(const pol_route_table *t)
{
    (void)t;
    pol_route_scratch *s = malloc(sizeof(*s));
    if (!s)
        return NULL;
    s->md = pcre2_match_data_create(1, NULL);
    if (!s->md) {
        free(s);
        return NULL;
    }
    return s;
}

void pol_route_scratch_destroy(pol_route_scratch *s)
{
    if (!s)
        return;
    pcre2_match_data_free(s->md);
    free(s);
}

static bool smatch(const pol__smatch *m, const char *v, size_t len, pol_route_scratch *s)
{
    switch (m->kind) {
    case POL_MATCH_NONE:
    case POL_MATCH_PRESENT:
        return true;
    case POL_MATCH_EXACT:
        if (len != m->len)
            return false;
        return m->ignore_case ? strncasecmp(v, m->value, len) == 0
                              : memcmp(v, m->value, len) == 0;
    case POL_MATCH_PREFIX:
        if (len < m->len)
            return false;
        return m->ignore_case ? strncasecmp(v, m->value, m->len) == 0
                              : memcmp(v, m->value, m->len) == 0;
    case POL_MATCH_REGEX:
        if (!m->re)
            return false;
        return pcre2_match(m->re, (PCRE2_SPTR)(v ? v : ""), len, 0, 0, s->md, NULL) >= 0;
    }
    return false;
}

static const pol_header *find_header(const pol_request *req, const char *name, size_t nl)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        const pol_header *h = &req->headers[i];
        if (h->name.len == nl && strncasecmp(h->name.p, name, nl) == 0)
            return h;
    }
    return NULL;
}

static bool header_ok(const pol__hmatch *h, const pol_request *req, pol_route_scratch *s)
{
    if (h->never)
        return false;
    const pol_header *hd = find_header(req, h->name, h->name_len);
    if (!h->without) {
        if (!hd)
            return false;
        return smatch(&h->m, hd->value.p, hd->value.len, s);
    }
    if (h->m.kind == POL_MATCH_PRESENT || h->m.kind == POL_MATCH_NONE)
        return hd == NULL;
    return hd ? !smatch(&h->m, hd->value.p, hd->value.len, s) : !smatch(&h->m, "", 0, s);
}

/* First value of query parameter `name` in `q` (the text after '?'). */
static bool find_param(pol_slice q, const char *name, size_t nl, pol_slice *out)
{
    size_t i = 0;
    while (i < q.len) {
        size_t e = i;
        while (e < q.len && q.p[e] != '&')
            e++;
        size_t eq = i;
        while (eq < e && q.p[eq] != '=')
            eq++;
        if (eq - i == nl && memcmp(q.p + i, name, nl) == 0) {
            out->p = eq < e ? q.p + eq + 1 : q.p + e;
            out->len = eq < e ? e - eq - 1 : 0;
            return true;
        }
        i = e + 1;
    }
    return false;
}

static int64_t request_port(const pol_request *req)
{
    if (req->port)
        return req->port;
    size_t hl = pol_host_strip_port(req->authority.p, req->authority.len);
    if (hl < req->authority.len) {
        int64_t p = 0;
        for (size_t i = hl + 1; i < req->authority.len; i++)
            p = p * 10 + (req->authority.p[i] - '0');
        return p;
    }
    return req->scheme.len == 5 && strncasecmp(req->scheme.p, "https", 5) == 0 ? 443 : 80;
}

/* `*port` caches request_port() for the decision: < 0 until first needed. */
static bool route_matches(const pol__route *r, const pol_request *req, pol_slice path,
                          pol_slice query, int64_t *port, pol_route_scratch *s)
{
    if (r->port) {
        if (*port < 0)
            *port = request_port(req);
        if (*port != r->port)
            return false;
    }
    if (!smatch(&r->uri, path.p, path.len, s))
        return false;
    if (r->method.kind && !smatch(&r->method, req->method.p, req->method.len, s))
        return false;
    if (r->scheme.kind && !smatch(&r->scheme, req->scheme.p, req->scheme.len, s))
        return false;
    if (r->authority.kind && !smatch(&r->authority, req->authority.p, req->authority.len, s))
        return false;
    for (size_t i = 0; i < r->nheaders; i++)
        if (!header_ok(&r->headers[i], req, s))
            return false;
    for (size_t i = 0; i < r->nquery; i++) {
        pol_slice v;
        if (!find_param(query, r->query[i].name, r->query[i].name_len, &v))
            return false;
        if (!smatch(&r->query[i].m, v.p, v.len, s))
            return false;
    }
    return true;
}

static long find_vhost(const pol_route_table *t, const char *host, size_t len)
{
    size_t lo = 0, hi = t->nexact; /* ordered by (length, name) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const pol__domain *d = &t->exact[mid];
        int c = d->len < len ? -1 : d->len > len ? 1 : strncasecmp(d->name, host, len);
        if (c == 0)
            return (long)d->vhost;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = 0; i < t->nwild; i++) { /* longest suffix first */
        const pol__domain *d = &t->wild[i];
        if (len > d->len && strncasecmp(host + len - d->len, d->name, d->len) == 0)
            return (long)d->vhost;
    }
    return t->star;
}

static void local_reply(pol_route_result *out, pol_route_action a, int status, const char *flag)
{
    out->action = a;
    out->status = status;
    out->response_flag = flag;
}

/* Copied to clear a result: a struct copy compiles to a few vector moves, where
 * memset of this size became `rep stos`, a sixth of a decision's time. */
static const pol_route_result zero_result;

void pol_route_decide(const pol_route_table *t, pol_route_scratch *s, const pol_request *req,
                      ms_rng *rng, pol_route_result *out)
{
    *out = zero_result;
    size_t hl = pol_host_strip_port(req->authority.p, req->authority.len);
    long v = find_vhost(t, req->authority.p, hl);
    if (v < 0) {
        if (t->gateway) /* a gateway has vhosts only for its VirtualServices' hosts */
            local_reply(out, POL_ROUTE_NO_ROUTE, 404, "NR");
        else if (t->registry_only)
            local_reply(out, POL_ROUTE_BLACKHOLE, 502, NULL);
        else
            local_reply(out, POL_ROUTE_PASSTHROUGH, 0, NULL);
        return;
    }
    pol_slice path = req->path, query = {NULL, 0};
    for (size_t i = 0; i < path.len; i++)
        if (path.p[i] == '?') {
            query.p = path.p + i + 1;
            query.len = path.len - i - 1;
            path.len = i;
            break;
        }
    const pol__vhost *vh = &t->vhosts[v];
    const pol__route *r = NULL;
    int64_t port = -1;
    for (size_t i = 0; i < vh->nroutes; i++)
        if (route_matches(vh->routes[i], req, path, query, &port, s)) {
            r = vh->routes[i];
            break;
        }
    if (!r) {
        local_reply(out, POL_ROUTE_NO_ROUTE, 404, "NR");
        return;
    }
    const pol_http_route *hr = r->route;
    out->vs = r->vs;
    out->route = hr;
    out->match = r->match;
    out->route_name = r->name;
    out->default_route = hr == NULL;
    if (r->uri.kind == POL_MATCH_PREFIX || r->uri.kind == POL_MATCH_EXACT)
        out->prefix_len = r->uri.len;
    if (hr) {
        out->timeout_ns = hr->timeout.set ? hr->timeout.ns : 0;
        out->retries = hr->retries.set ? &hr->retries : NULL;
        out->fault = hr->fault.set ? &hr->fault : NULL;
        out->rewrite = hr->rewrite.set ? &hr->rewrite : NULL;
        out->_rewrite_re = r->act.rewrite_re;
        out->_rewrite_repl = r->act.rewrite_repl;
        out->headers = &hr->headers;
        out->cors = hr->cors_policy.set ? &hr->cors_policy : NULL;
        if (hr->redirect.set) {
            out->redirect = &hr->redirect;
            local_reply(out, POL_ROUTE_REDIRECT,
                        hr->redirect.redirect_code.set ? (int)hr->redirect.redirect_code.v : 301,
                        NULL);
            return;
        }
        if (hr->direct_response.set) {
            out->direct = &hr->direct_response;
            local_reply(out, POL_ROUTE_DIRECT_RESPONSE, (int)hr->direct_response.status, NULL);
            return;
        }
    }
    const pol__actions *a = &r->act;
    if (a->ntargets == 0) { /* no route, redirect or directResponse (refused by validation) */
        local_reply(out, POL_ROUTE_NO_ROUTE, 404, "NR");
        return;
    }
    size_t pick = 0;
    if (a->ntargets > 1) {
        uint64_t x = ms_rng_u64(rng) % a->cum[a->ntargets - 1];
        while (x >= a->cum[pick])
            pick++;
    }
    out->dest = &a->targets[pick];
    for (size_t i = 0; i < a->nmirrors; i++) {
        uint32_t ppm = a->mirror_ppm[i];
        if (ppm >= 1000000u || ms_rng_u64(rng) % 1000000u < ppm)
            out->mirrors[out->nmirrors++] = &a->mirrors[i];
    }
    if (!out->dest->subset_known) {
        local_reply(out, POL_ROUTE_NO_CLUSTER, 503, "NC");
        return;
    }
    out->action = POL_ROUTE_FORWARD;
}
