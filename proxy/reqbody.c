/*
 * reqbody.c - request bodies streamed to the upstream as they arrive, with a
 * copy kept for retries up to a limit (policy-semantics.md 1.9).
 *
 * `r->body` holds every body byte from the first while the body fits the
 * retry buffer (--retry-buffer, 1 MiB as Envoy's connection buffer limit), so
 * a retry resends it byte for byte.  When the body grows past that, retries are
 * abandoned (the cluster's retry_or_shadow_abandoned; a request waiting in
 * retry backoff gets 507) and `body` keeps only what the attempt has not taken
 * yet.  Each attempt has its own read position (hedged attempts take the
 * same bytes side by side; hedging only starts once the body is complete, so
 * while it still arrives there is a single attempt).  Backpressure both ways: the attempt's connection takes at most
 * UPSTREAM_QUEUE bytes at a time, and the client is read only while the bytes
 * not yet handed to the attempt stay under the retry buffer's size.
 */
#include <stdio.h>

#include "proxy/server_int.h"

#define UPSTREAM_QUEUE (64u * 1024) /* bytes queued on the upstream connection */
#define MIN_WINDOW (64u * 1024)     /* smallest client read-ahead */

static uint64_t body_have(const px_req *r) { return r->body_base + px_buf_size(&r->body); }

/* Body bytes the latest attempt took (none while no attempt runs). */
static uint64_t body_taken(const px_req *r) { return r->cur ? r->cur->body_fwd : r->body_base; }

static void abandon(px_req *r)
{
    r->body_abandoned = true;
    if (r->retry_live) { /* else forward() counts it when the attempts start */
        px_cluster_lock(r->cl);
        r->cl->stats.retry_or_shadow_abandoned++;
        pol_retry_state_fini(&r->retry, &r->cl->cb);
        px_cluster_unlock(r->cl);
        r->retry_live = false;
    }
    /* what the current attempt already took is no longer needed */
    uint64_t taken = body_taken(r);
    if (taken > r->body_base) {
        px_buf_consume(&r->body, (size_t)(taken - r->body_base));
        r->body_base = taken;
    }
}

int px_reqbody_add(px_req *r, const char *p, size_t n)
{
    if (!r->body_abandoned && body_have(r) + n > r->w->srv->opt.retry_buffer_bytes) {
        abandon(r);
        if (r->state == RQ_BACKOFF) {
            px_req_local_reply(r, 507, 0, "exceeded request buffer limit while retrying upstream",
                               "connection: close\r\n");
            return -1;
        }
    }
    if (px_buf_append(&r->body, p, n) != 0) {
        px_req_body_fail(r, 503, 0, "out of memory");
        return -1;
    }
    px_upstream_send_body(r);
    return r->state == RQ_DONE ? -1 : 0;
}

bool px_reqbody_wants_input(const px_req *r)
{
    uint64_t window = r->w->srv->opt.retry_buffer_bytes;
    if (window < MIN_WINDOW)
        window = MIN_WINDOW;
    return body_have(r) - body_taken(r) < window;
}

void px_reqbody_rewind(px_attempt *a)
{
    a->body_fwd = a->r->body_base;
    a->body_end_sent = false;
}

bool px_reqbody_resendable(const px_req *r) { return r->body_base == 0; }

bool px_reqbody_fill(px_attempt *a, px_buf *out)
{
    px_req *r = a->r;
    bool appended = false;
    uint64_t have = body_have(r);
    while (a->body_fwd < have && px_buf_size(out) < UPSTREAM_QUEUE) {
        size_t n = (size_t)(have - a->body_fwd);
        if (n > UPSTREAM_QUEUE - px_buf_size(out))
            n = UPSTREAM_QUEUE - px_buf_size(out);
        const char *p = px_buf_data(&r->body) + (a->body_fwd - r->body_base);
        int rc = 0;
        if (r->body_chunked) {
            char sz[24];
            int k = snprintf(sz, sizeof sz, "%zx\r\n", n);
            rc = px_buf_append(out, sz, (size_t)k) | px_buf_append(out, p, n) | px_buf_append(out, "\r\n", 2);
        } else {
            rc = px_buf_append(out, p, n);
        }
        if (rc != 0)
            return appended; /* out of memory: try again when `out` drains */
        a->body_fwd += n;
        appended = true;
        if (r->body_abandoned) {
            px_buf_consume(&r->body, n);
            r->body_base += n;
        }
    }
    if (r->body_done && a->body_fwd == have && !a->body_end_sent) {
        /* the last chunk with the request's trailer fields */
        if (r->body_chunked && px_trailers_last_chunk(out, &r->req_trailers) != 0)
            return appended; /* out of memory: try again when `out` drains */
        a->body_end_sent = true;
        appended |= r->body_chunked;
    }
    if (appended && r->dc->req == r && !r->body_done && px_reqbody_wants_input(r))
        px_dconn_body_resume(r->dc);
    return appended;
}
