/*
 * trailers.c - which trailer fields of a chunked message travel on, and how
 * they are written (px_trailers_put, see http1.h).
 *
 * Envoy's HTTP/1 codec drops trailers unless Http1ProtocolOptions
 * `enable_trailers` is set (and then writes them only when it chunk-encodes);
 * Istio does not set it.  meshproxy forwards them, as the proxy checklist of
 * proxy-rollout-reference.md 6 asks, whenever the outgoing side is chunked
 * too, minus the fields RFC 9110 6.5.1 says cannot be processed after the
 * content.  RFC 9110 gives categories, not a list; the names below are the
 * registered fields of each category:
 *   framing and hop-by-hop: content-length, transfer-encoding, trailer, te,
 *     connection, keep-alive, proxy-connection, upgrade;
 *   routing: host;
 *   request modifiers (RFC 9110 10.1, 13.1; RFC 9111 5.2): expect,
 *     max-forwards, range, if-match, if-none-match, if-modified-since,
 *     if-unmodified-since, if-range, cache-control, pragma;
 *   authentication and state: authorization, proxy-authorization,
 *     www-authenticate, proxy-authenticate, authentication-info,
 *     proxy-authentication-info, cookie, set-cookie;
 *   response control data (RFC 9110 10.2): age, expires, date, location,
 *     retry-after, vary, warning;
 *   content processing: content-encoding, content-type, content-range.
 */
#include <string.h>

#include "proxy/http1.h"

static const char *const forbidden[] = {
    "content-length", "transfer-encoding", "trailer", "te", "connection", "keep-alive",
    "proxy-connection", "upgrade", "host", "expect", "max-forwards", "range", "if-match",
    "if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "cache-control",
    "pragma", "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate",
    "authentication-info", "proxy-authentication-info", "cookie", "set-cookie", "age", "expires",
    "date", "location", "retry-after", "vary", "warning", "content-encoding", "content-type",
    "content-range",
};

static bool allowed(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (strlen(forbidden[i]) == n && !memcmp(forbidden[i], name, n))
            return false;
    return true;
}

int px_trailers_put(px_buf *out, const px_buf *trailers)
{
    const char *p = px_buf_data(trailers), *end = p + px_buf_size(trailers);
    int rc = 0;
    while (p < end) {
        const char *eol = memchr(p, '\r', (size_t)(end - p));
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!eol || !colon || colon > eol)
            break; /* not as the decoder keeps them */
        const char *v = colon + 1, *ve = eol;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        if (allowed(p, (size_t)(colon - p))) {
            rc |= px_buf_append(out, p, (size_t)(colon - p));
            rc |= px_buf_append(out, ": ", 2);
            rc |= px_buf_append(out, v, (size_t)(ve - v));
            rc |= px_buf_append(out, "\r\n", 2);
        }
        p = eol + 2;
    }
    return rc ? -1 : 0;
}

int px_trailers_last_chunk(px_buf *out, const px_buf *trailers)
{
    if (!trailers || !px_buf_size(trailers))
        return px_buf_append(out, "0\r\n\r\n", 5);
    px_buf tail = {0};
    int rc = px_buf_append(&tail, "0\r\n", 3);
    rc |= px_trailers_put(&tail, trailers);
    rc |= px_buf_append(&tail, "\r\n", 2);
    if (rc == 0)
        rc = px_buf_append(out, tail.p, tail.len);
    px_buf_free(&tail);
    return rc ? -1 : 0;
}
