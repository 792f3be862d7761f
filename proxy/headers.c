/*
 * headers.c - header rewriting between the two sides (reference 2b, 2c):
 * hop-by-hop headers removed (Connection and every header it names,
 * Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Trailer,
 * Proxy-Authenticate, Proxy-Authorization), framing redone by the proxy,
 * X-Forwarded-For appended, X-Forwarded-Proto and X-Request-Id added when
 * absent (an external caller's X-Request-Id is replaced at a gateway, as
 * Envoy does at the edge without preserve_external_request_id, which Istio
 * leaves off), x-envoy-internal (internal callers) or x-envoy-external-address (external
 * callers of a gateway) set, the route's header operations and rewrites applied, and on the way
 * back x-envoy-upstream-service-time and x-envoy-attempt-count.
 *
 * "TE: trailers" passes (the only TE value that may); trailer fields travel
 * with the last chunk (trailers.c).
 *
 * A websocket upgrade keeps its Upgrade header and goes out with
 * "Connection: upgrade" (so does the upstream's 101 on the way back); a
 * removed h2c offer also loses HTTP2-Settings, as in Envoy's HTTP/1 codec.
 */
#include <stdio.h>
#include <string.h>

#include "proxy/server_int.h"

const char *px_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
    }
}

void px_uuid(ms_rng *rng, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = ms_rng_u64(rng), b = ms_rng_u64(rng);
    unsigned char u[16];
    for (int i = 0; i < 8; i++) {
        u[i] = (unsigned char)(a >> (8 * i));
        u[8 + i] = (unsigned char)(b >> (8 * i));
    }
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u[i] >> 4];
        out[o++] = hex[u[i] & 15];
    }
    out[o] = 0;
}

static bool name_is(pol_slice n, const char *lit)
{
    size_t l = strlen(lit);
    return n.len == l && !memcmp(n.p, lit, l);
}

/* Hop-by-hop, framing, or named by a Connection header of m. */
static bool hop_by_hop(const px_http_msg *m, pol_slice n)
{
    static const char *const fixed[] = {
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
        "trailer", "proxy-authenticate", "proxy-authorization", "content-length",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (name_is(n, fixed[i]))
            return true;
    for (int h = px_http_find(m, "connection", 0); h >= 0; h = px_http_find(m, "connection", (size_t)h + 1)) {
        char name[128];
        if (n.len >= sizeof name)
            continue;
        memcpy(name, n.p, n.len);
        name[n.len] = 0;
        if (px_http_list_has(m->headers[h].value, name))
            return true;
    }
    return false;
}

static bool removed_by(const pol_header_ops *ops, pol_slice n)
{
    if (!ops)
        return false;
    for (size_t i = 0; i < ops->remove.len; i++)
        if (px_slice_ieq(n, ops->remove.items[i].s))
            return true;
    for (size_t i = 0; i < ops->nset; i++)
        if (px_slice_ieq(n, ops->set[i].name))
            return true;
    return false;
}

static int put_ops(px_buf *b, const pol_header_ops *ops)
{
    int rc = 0;
    for (size_t i = 0; ops && i < ops->nset; i++) {
        rc |= px_buf_puts(b, ops->set[i].name);
        rc |= px_buf_append(b, ": ", 2);
        rc |= px_buf_puts(b, ops->set[i].value);
        rc |= px_buf_append(b, "\r\n", 2);
    }
    for (size_t i = 0; ops && i < ops->nadd; i++) {
        rc |= px_buf_puts(b, ops->add[i].name);
        rc |= px_buf_append(b, ": ", 2);
        rc |= px_buf_puts(b, ops->add[i].value);
        rc |= px_buf_append(b, "\r\n", 2);
    }
    return rc;
}

static size_t keep(px_req *r, const char *p, size_t n)
{
    size_t off = r->strs.len;
    px_buf_append(&r->strs, p, n);
    px_buf_append(&r->strs, "", 1);
    return off;
}

/* x-envoy-* request headers the router reads (or sets itself): never forwarded. */
static bool consumed_by_router(pol_slice n)
{
    static const char *const names[] = {
        "x-envoy-attempt-count", "x-envoy-expected-rq-timeout-ms", "x-envoy-max-retries",
        "x-envoy-retry-on", "x-envoy-retriable-status-codes", "x-envoy-upstream-rq-timeout-ms",
        "x-envoy-upstream-rq-per-try-timeout-ms", "x-envoy-internal", "x-envoy-retriable-header-names",
        "x-envoy-hedge-on-per-try-timeout",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name_is(n, names[i]))
            return true;
    return false;
}

int px_headers_request(px_req *r, const px_http_msg *m)
{
    const pol_route_result *rt = &r->route;
    const pol_header_ops *route_ops = rt->headers ? &rt->headers->request : NULL;
    const pol_header_ops *dest_ops =
        (rt->action == POL_ROUTE_FORWARD && rt->dest && rt->dest->headers) ? &rt->dest->headers->request : NULL;
    px_buf *b = &r->up_head;
    int rc = 0;
    /* request line with the route's rewrite */
    pol_slice path = m->target;
    rc |= px_buf_append(b, m->method.p, m->method.len);
    rc |= px_buf_append(b, " ", 1);
    if (rt->rewrite && rt->rewrite->set && rt->rewrite->uri) {
        rc |= px_buf_puts(b, rt->rewrite->uri);
        size_t skip = rt->prefix_len <= path.len ? rt->prefix_len : path.len;
        const char *rest = path.p + skip;
        size_t rest_len = path.len - skip;
        if (rest_len && rest[0] == '/' && b->len && b->p[b->len - 1] == '/')
            rest++, rest_len--;
        rc |= px_buf_append(b, rest, rest_len);
    } else {
        rc |= px_buf_append(b, path.p, path.len);
    }
    rc |= px_buf_append(b, " HTTP/1.1\r\n", 11);
    bool have_proto = false, te_trailers = false;
    bool edge = !r->internal && r->conf->gateway; /* an external caller at the edge */
    pol_slice xff = {NULL, 0}, rid = {NULL, 0}, ua = {NULL, 0}, host = {NULL, 0};
    for (size_t i = 0; i < m->nheaders; i++) {
        const pol_header *h = &m->headers[i];
        bool upgrade_header = r->upgrade && name_is(h->name, "upgrade");
        if (name_is(h->name, "te") && px_http_list_has(h->value, "trailers"))
            te_trailers = true; /* the one TE value that passes (reference 2c) */
        if ((!upgrade_header && hop_by_hop(m, h->name)) || name_is(h->name, "expect") ||
            consumed_by_router(h->name) || (r->h2c_stripped && name_is(h->name, "http2-settings")))
            continue;
        if (edge && name_is(h->name, "x-envoy-external-address"))
            continue; /* set below from the peer */
        if (name_is(h->name, "x-forwarded-for")) {
            if (!xff.p)
                xff = h->value;
            continue; /* re-added with the peer appended */
        }
        if (name_is(h->name, "x-request-id")) {
            if (edge)
                continue; /* an external caller's id is replaced at the edge */
            if (!rid.p)
                rid = h->value;
        }
        if (name_is(h->name, "user-agent") && !ua.p)
            ua = h->value;
        if (name_is(h->name, "x-forwarded-proto"))
            have_proto = true;
        if (name_is(h->name, "host")) {
            host = h->value;
            if (rt->rewrite && rt->rewrite->set && rt->rewrite->authority) {
                rc |= px_buf_puts(b, "host: ");
                rc |= px_buf_puts(b, rt->rewrite->authority);
                rc |= px_buf_append(b, "\r\n", 2);
                continue;
            }
        }
        if (removed_by(route_ops, h->name) || removed_by(dest_ops, h->name))
            continue;
        rc |= px_buf_append(b, h->name.p, h->name.len);
        rc |= px_buf_append(b, ": ", 2);
        rc |= px_buf_append(b, h->value.p, h->value.len);
        rc |= px_buf_append(b, "\r\n", 2);
    }
    /* X-Forwarded-For: append the peer (Envoy as the edge, use_remote_address) */
    char xbuf[1024];
    int xn = xff.p ? snprintf(xbuf, sizeof xbuf, "%.*s, %s", (int)xff.len, xff.p, r->dc->peer)
                   : snprintf(xbuf, sizeof xbuf, "%s", r->dc->peer);
    if (xn < 0 || (size_t)xn >= sizeof xbuf)
        xn = snprintf(xbuf, sizeof xbuf, "%s", r->dc->peer);
    rc |= px_buf_puts(b, "x-forwarded-for: ");
    rc |= px_buf_append(b, xbuf, (size_t)xn);
    rc |= px_buf_append(b, "\r\n", 2);
    if (r->upgrade)
        rc |= px_buf_puts(b, "connection: upgrade\r\n");
    if (te_trailers)
        rc |= px_buf_puts(b, "te: trailers\r\n");
    if (!have_proto)
        rc |= px_buf_puts(b, "x-forwarded-proto: http\r\n");
    /* Envoy's internal / edge marking (ConnectionManagerUtility): an internal
     * request says so; an external one at a gateway (the edge) carries the
     * address it came from */
    if (r->internal) {
        rc |= px_buf_puts(b, "x-envoy-internal: true\r\n");
    } else if (edge) {
        rc |= px_buf_puts(b, "x-envoy-external-address: ");
        rc |= px_buf_puts(b, r->dc->peer);
        rc |= px_buf_append(b, "\r\n", 2);
    }
    char uuid[37];
    if (!rid.p) {
        px_uuid(&r->w->rng, uuid);
        rid = (pol_slice){uuid, 36};
        rc |= px_buf_puts(b, "x-request-id: ");
        rc |= px_buf_append(b, uuid, 36);
        rc |= px_buf_append(b, "\r\n", 2);
    }
    rc |= put_ops(b, route_ops);
    rc |= put_ops(b, dest_ops);
    /* strings for the access log and metrics */
    r->method_off = keep(r, m->method.p, m->method.len);
    r->method_len = m->method.len;
    r->path_off = keep(r, m->target.p, m->target.len);
    r->path_len = m->target.len;
    r->authority_off = keep(r, host.p ? host.p : "", host.len);
    r->authority_len = host.len;
    r->xff_off = keep(r, xbuf, (size_t)xn);
    r->xff_len = (size_t)xn;
    r->ua_off = keep(r, ua.p ? ua.p : "", ua.len);
    r->ua_len = ua.len;
    r->rid_off = keep(r, rid.p, rid.len);
    r->rid_len = rid.len;
    if (!r->strs.p)
        rc = -1;
    return rc ? -1 : 0;
}

/* The status line and the end-to-end headers of upstream response m (its
 * Upgrade header too when `upgrade`), with the route's removals and a
 * generated hash cookie. */
static int response_fields(px_req *r, const px_http_msg *m, px_buf *b, bool upgrade)
{
    const pol_route_result *rt = &r->route;
    const pol_header_ops *route_ops = rt->headers ? &rt->headers->response : NULL;
    const pol_header_ops *dest_ops = (rt->dest && rt->dest->headers) ? &rt->dest->headers->response : NULL;
    char line[256];
    int n = snprintf(line, sizeof line, "HTTP/1.1 %d %.*s\r\n", m->status,
                     (int)(m->reason.len < 128 ? m->reason.len : 128), m->reason.p);
    int rc = px_buf_append(b, line, (size_t)n);
    for (size_t i = 0; i < m->nheaders; i++) {
        const pol_header *h = &m->headers[i];
        bool upgrade_header = upgrade && name_is(h->name, "upgrade");
        if ((!upgrade_header && hop_by_hop(m, h->name)) || name_is(h->name, "x-envoy-upstream-service-time") ||
            name_is(h->name, "x-envoy-attempt-count") || removed_by(route_ops, h->name) ||
            removed_by(dest_ops, h->name))
            continue;
        rc |= px_buf_append(b, h->name.p, h->name.len);
        rc |= px_buf_append(b, ": ", 2);
        rc |= px_buf_append(b, h->value.p, h->value.len);
        rc |= px_buf_append(b, "\r\n", 2);
    }
    if (r->set_cookie) { /* a generated consistent-hash cookie */
        rc |= px_buf_puts(b, "set-cookie: ");
        rc |= px_buf_append(b, px_req_str(r, r->set_cookie_off), r->set_cookie_len);
        rc |= px_buf_append(b, "\r\n", 2);
    }
    return rc;
}

/* x-envoy-upstream-service-time, x-envoy-attempt-count and the route's
 * response header additions. */
static int response_extras(px_req *r, px_buf *b)
{
    const pol_route_result *rt = &r->route;
    char line[160];
    int n = snprintf(line, sizeof line, "x-envoy-upstream-service-time: %lld\r\nx-envoy-attempt-count: %u\r\n",
                     (long long)r->upstream_time_ms, pol_retry_attempt_count(&r->retry));
    int rc = px_buf_append(b, line, (size_t)n);
    rc |= put_ops(b, rt->headers ? &rt->headers->response : NULL);
    rc |= put_ops(b, (rt->dest && rt->dest->headers) ? &rt->dest->headers->response : NULL);
    return rc;
}

int px_headers_upgrade_response(px_req *r, const px_http_msg *m)
{
    px_buf *b = &r->dc->out;
    int rc = response_fields(r, m, b, true);
    rc |= px_buf_puts(b, "connection: upgrade\r\n");
    rc |= response_extras(r, b);
    rc |= px_buf_append(b, "\r\n", 2);
    return rc ? -1 : 0;
}

int px_headers_response(px_req *r, const px_http_msg *m)
{
    px_dconn *dc = r->dc;
    px_buf *b = &dc->out;
    char line[256];
    int n;
    int rc = response_fields(r, m, b, false);
    r->resp_chunked = false;
    bool close_down = !r->keep_alive || dc->closing || px_worker_drain_close(r->w);
    if (m->body == PX_BODY_LENGTH) {
        n = snprintf(line, sizeof line, "content-length: %llu\r\n", (unsigned long long)m->content_length);
        rc |= px_buf_append(b, line, (size_t)n);
    } else if (m->body == PX_BODY_CHUNKED || m->body == PX_BODY_EOF) {
        if (r->minor == 1) {
            rc |= px_buf_puts(b, "transfer-encoding: chunked\r\n");
            r->resp_chunked = true;
        } else {
            close_down = true; /* an HTTP/1.0 client reads until close */
        }
    } else {
        int cl = px_http_find(m, "content-length", 0);
        if (cl >= 0 && (r->head_method || m->status == 304)) {
            rc |= px_buf_puts(b, "content-length: ");
            rc |= px_buf_append(b, m->headers[cl].value.p, m->headers[cl].value.len);
            rc |= px_buf_append(b, "\r\n", 2);
        } else if (m->status >= 200 && m->status != 204 && m->status != 304) {
            rc |= px_buf_puts(b, "content-length: 0\r\n");
        }
    }
    rc |= response_extras(r, b);
    if (close_down) {
        dc->closing = true;
        rc |= px_buf_puts(b, "connection: close\r\n");
    } else if (r->minor == 0) {
        rc |= px_buf_puts(b, "connection: keep-alive\r\n");
    }
    rc |= px_buf_append(b, "\r\n", 2);
    return rc ? -1 : 0;
}
