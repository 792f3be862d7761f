/*
 * request_facts.c - what a request's later decisions need from its head,
 * taken while the headers are at hand: the consistent-hash key of the
 * cluster the route chose (header, cookie — generating Envoy's hash cookie
 * when the policy gives a ttl —, source IP or query parameter) and the
 * authorization decision for each of its endpoints (policy/authz.h).
 */
#include <stdio.h>
#include <string.h>

#include "policy/authz.h"
#include "proxy/server_int.h"

/* The request has no hash cookie and the policy gives it a ttl: Envoy makes
 * one from the connection's addresses (policy-semantics.md 4.5) and the
 * response sets it, as Utility::makeSetCookieValue writes it:
 * name="value"; Max-Age=ttl (unless 0); Path=path; each attribute in order
 * ("; name" or "; name=value"); HttpOnly.  0, or -1 when memory ran out. */
static int set_hash_cookie(px_req *r, const pol_consistent_hash *ch, char gen[17])
{
    pol_lb_cookie_generate((pol_lb_key){r->dc->peer_addr, strlen(r->dc->peer_addr), true},
                           (pol_lb_key){r->dc->local_addr, strlen(r->dc->local_addr), true}, gen);
    px_buf *b = &r->strs;
    size_t off = b->len;
    char num[40];
    int rc = px_buf_puts(b, ch->http_cookie.name) | px_buf_puts(b, "=\"") | px_buf_puts(b, gen) |
             px_buf_puts(b, "\"");
    int64_t max_age = ch->http_cookie.ttl.ns / 1000000000;
    if (max_age > 0) {
        snprintf(num, sizeof num, "; Max-Age=%lld", (long long)max_age);
        rc |= px_buf_puts(b, num);
    }
    if (ch->http_cookie.path && *ch->http_cookie.path)
        rc |= px_buf_puts(b, "; Path=") | px_buf_puts(b, ch->http_cookie.path);
    for (size_t i = 0; i < ch->http_cookie.nattributes; i++) {
        const pol_header_kv *a = &ch->http_cookie.attributes[i];
        rc |= px_buf_puts(b, "; ") | px_buf_puts(b, a->name);
        if (*a->value)
            rc |= px_buf_puts(b, "=") | px_buf_puts(b, a->value);
    }
    rc |= px_buf_puts(b, "; HttpOnly");
    if (rc)
        return -1;
    r->set_cookie_off = off;
    r->set_cookie_len = b->len - off;
    r->set_cookie = true;
    return px_buf_append(b, "", 1) ? -1 : 0;
}

/* What later decisions need from the request head, taken while its headers
 * are at hand: the consistent-hash key and the authorization decision for each
 * endpoint of the cluster the route chose (policy/authz.h). */
int px_req_facts(px_req *r, const px_http_msg *m)
{
    if (r->route.action != POL_ROUTE_FORWARD)
        return 0;
    px_cluster *cl = px_conf_cluster_for(r->conf, r->route.dest);
    if (!cl)
        return 0;
    if (cl->hash) {
        pol_slice v = {NULL, 0};
        char gen[17];
        if (cl->lbc.hash_source == POL_LB_HASH_HEADER && cl->hash->http_header_name) {
            char name[128];
            size_t n = strlen(cl->hash->http_header_name);
            for (size_t i = 0; i < n && i < sizeof name - 1; i++)
                name[i] = (char)((cl->hash->http_header_name[i] >= 'A' && cl->hash->http_header_name[i] <= 'Z')
                                     ? cl->hash->http_header_name[i] + 32 : cl->hash->http_header_name[i]);
            name[n < sizeof name - 1 ? n : sizeof name - 1] = 0;
            int h = px_http_find(m, name, 0);
            if (h >= 0)
                v = m->headers[h].value;
        } else if (cl->lbc.hash_source == POL_LB_HASH_COOKIE && cl->hash->http_cookie.name) {
            v = px_http_cookie(m, cl->hash->http_cookie.name);
            if (!v.p && cl->hash->http_cookie.ttl.set && set_hash_cookie(r, cl->hash, gen) == 0)
                v = (pol_slice){gen, 16};
        } else if (cl->lbc.hash_source == POL_LB_HASH_SOURCE_IP) {
            v = pol_slice_str(r->dc->peer);
        } else if (cl->lbc.hash_source == POL_LB_HASH_QUERY_PARAM && cl->hash->http_query_parameter_name) {
            const char *q = memchr(m->target.p, '?', m->target.len);
            size_t nl = strlen(cl->hash->http_query_parameter_name);
            while (q && q < m->target.p + m->target.len) {
                q++;
                const char *end = memchr(q, '&', (size_t)(m->target.p + m->target.len - q));
                if (!end)
                    end = m->target.p + m->target.len;
                if ((size_t)(end - q) > nl && !memcmp(q, cl->hash->http_query_parameter_name, nl) && q[nl] == '=') {
                    v = (pol_slice){q + nl + 1, (size_t)(end - q) - nl - 1};
                    break;
                }
                q = end < m->target.p + m->target.len ? end : NULL;
            }
        }
        if (v.p) {
            r->hash_off = r->strs.len;
            r->hash_len = v.len;
            r->has_hash_key = true;
            if (px_buf_append(&r->strs, v.p, v.len) || px_buf_append(&r->strs, "", 1))
                return -1;
        }
    }
    if (cl->has_authz) {
        pol_authz_request ar = {
            .source_ip = r->dc->peer,
            .port = cl->port,
            .method = m->method,
            .host = m->host_index >= 0 ? m->headers[m->host_index].value : (pol_slice){"", 0},
            .path = m->target,
            .headers = m->headers,
            .nheaders = m->nheaders,
        };
        for (uint32_t h = 0; h < cl->nhosts && h < PX_AUTHZ_MAX_HOSTS; h++) {
            if (!cl->hosts[h].nauthz)
                continue;
            pol_authz_decision d;
            pol_authz_decide(cl->hosts[h].authz, cl->hosts[h].nauthz, &ar, &d);
            if (!d.allowed)
                r->authz_denied |= UINT64_C(1) << h;
        }
    }
    return 0;
}

