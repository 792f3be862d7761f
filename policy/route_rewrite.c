/*
 * route_rewrite.c - a route's HTTPRewrite applied to the request the upstream
 * sees (policy-semantics.md 7.4; see pol_route_rewrite in route.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "policy/route.h"

#include <string.h>

static int put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
    if (*at + n >= cap)
        return -1;
    memcpy(out + *at, s, n);
    *at += n;
    out[*at] = '\0';
    return 0;
}

int pol_route_rewrite(const pol_route_result *res, pol_slice path, pol_slice authority, char *path_out,
                      size_t path_cap, char *auth_out, size_t auth_cap)
{
    const pol_http_rewrite *rw = res->rewrite;
    size_t plen = path.len;
    const char *q = memchr(path.p, '?', path.len);
    if (q)
        plen = (size_t)(q - path.p);
    pol_slice query = {path.p + plen, path.len - plen};
    size_t at = 0, aat = 0;
    int changed = 0;
    if (path_cap == 0 || auth_cap == 0)
        return -1;
    path_out[0] = auth_out[0] = '\0';
    if (rw && res->_rewrite_re && res->_rewrite_repl) {
        PCRE2_UCHAR *buf = (PCRE2_UCHAR *)path_out;
        PCRE2_SIZE outlen = path_cap;
        int rc = pcre2_substitute(res->_rewrite_re, (PCRE2_SPTR)path.p, plen, 0,
                                  PCRE2_SUBSTITUTE_GLOBAL, NULL, NULL, (PCRE2_SPTR)res->_rewrite_repl,
                                  PCRE2_ZERO_TERMINATED, buf, &outlen);
        if (rc < 0)
            return -1;
        at = outlen;
        changed = rc > 0;
        if (put(path_out, path_cap, &at, query.p, query.len))
            return -1;
    } else if (rw && rw->uri) {
        const pol_http_match *m = res->match;
        size_t keep_from = 1; /* no uri match: the catch-all prefix "/" */
        if (m && m->uri.kind == POL_MATCH_REGEX)
            keep_from = plen;
        else if (m && (m->uri.kind == POL_MATCH_PREFIX || m->uri.kind == POL_MATCH_EXACT))
            keep_from = res->prefix_len;
        if (keep_from > plen)
            keep_from = plen;
        if (put(path_out, path_cap, &at, rw->uri, strlen(rw->uri)) ||
            put(path_out, path_cap, &at, path.p + keep_from, path.len - keep_from))
            return -1;
        changed = 1;
    } else if (put(path_out, path_cap, &at, path.p, path.len)) {
        return -1;
    }
    if (rw && rw->authority) {
        if (put(auth_out, auth_cap, &aat, rw->authority, strlen(rw->authority)))
            return -1;
        changed = 1;
    } else if (put(auth_out, auth_cap, &aat, authority.p, authority.len)) {
        return -1;
    }
    return changed;
}
