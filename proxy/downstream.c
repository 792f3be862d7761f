/*
 * downstream.c - client connections: accept, read and parse request heads,
 * decode request bodies and hand them to reqbody.c (reading pauses while the
 * upstream is behind), enforce the limits and slow-client timeouts, write
 * responses with backpressure, keep-alive and pipelining.
 *
 * One request at a time per connection: bytes of a pipelined next request
 * stay in `in` (up to PIPELINE_MAX, then reading pauses) and are parsed once
 * the current response is complete, so one client's bytes never reach another
 * exchange.  The bytes after a websocket upgrade request's head are its
 * payload, never parsed: they stream to the attempt like a body that ends
 * with the connection, and once the upstream answers 101 the connection is
 * the tunnel's (tunnel.c).  Objects closed during a callback are freed at the
 * end of the loop turn (px_loop_defer_free), so callers may still test their
 * state.
 */
#define _GNU_SOURCE 1 /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/server_int.h"

#define READ_CHUNK 16384
#define PIPELINE_MAX (64u * 1024)

static void on_io(px_loop *l, px_io *io, uint32_t ev);
static void process_input(px_dconn *dc);

bool px_dconn_out_full(const px_dconn *dc) { return px_buf_size(&dc->out) >= PX_OUT_HIGH_WATER; }

static void set_events(px_dconn *dc)
{
    uint32_t ev = EPOLLRDHUP;
    if (!dc->paused)
        ev |= EPOLLIN;
    if (dc->out_blocked)
        ev |= EPOLLOUT;
    px_io_set(dc->w->loop, &dc->io, ev);
}

void px_dconn_close(px_dconn *dc)
{
    if (dc->io.fd < 0)
        return;
    if (dc->req)
        px_req_abort(dc->req, POL_FLAG_BIT(POL_FLAG_DC));
    px_worker *w = dc->w;
    px_timer_stop(w->loop, &dc->timer);
    px_timer_stop(w->loop, &dc->kick);
    px_io_set(w->loop, &dc->io, 0);
    close(dc->io.fd);
    dc->io.fd = -1;
    if (dc->prev)
        dc->prev->next = dc->next;
    else
        w->conns = dc->next;
    if (dc->next)
        dc->next->prev = dc->prev;
    w->nconns--;
    px_buf_free(&dc->in);
    px_buf_free(&dc->out);
    px_loop_defer_free(w->loop, dc);
}

int px_dconn_flush(px_dconn *dc)
{
    if (dc->io.fd < 0)
        return -1;
    while (px_buf_size(&dc->out)) {
        ssize_t n = send(dc->io.fd, px_buf_data(&dc->out), px_buf_size(&dc->out), MSG_NOSIGNAL);
        if (n > 0) {
            px_buf_consume(&dc->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!dc->out_blocked) {
                dc->out_blocked = true;
                set_events(dc);
            }
            return 0;
        }
        px_dconn_close(dc);
        return -1;
    }
    if (dc->out_blocked) {
        dc->out_blocked = false;
        set_events(dc);
    }
    if (dc->closing && !dc->req) {
        shutdown(dc->io.fd, SHUT_WR);
        px_dconn_close(dc);
        return -1;
    }
    return 0;
}

int px_dconn_write(px_dconn *dc, const void *p, size_t n)
{
    if (dc->io.fd < 0)
        return -1;
    if (px_buf_append(&dc->out, p, n) != 0) {
        px_dconn_close(dc);
        return -1;
    }
    return 0;
}

/* The wait allowed between body reads: none for an upgrade's payload (its
 * client may say nothing before the 101: only the request's stream idle
 * timeout applies, router.c).  0: none. */
static int64_t body_wait_ns(const px_dconn *dc, const px_req *r)
{
    return r->upgrade ? 0 : dc->w->srv->opt.body_timeout_ns;
}

static void arm_body_timer(px_dconn *dc, const px_req *r)
{
    int64_t t = body_wait_ns(dc, r);
    if (t > 0)
        px_timer_start(dc->w->loop, &dc->timer, px_loop_now(dc->w->loop) + t);
    else
        px_timer_stop(dc->w->loop, &dc->timer);
}

static void arm_wait_timer(px_dconn *dc)
{
    const px_options *o = &dc->w->srv->opt;
    int64_t now = px_loop_now(dc->w->loop);
    int64_t t = px_buf_size(&dc->in) ? o->header_timeout_ns : o->idle_timeout_ns;
    px_timer_start(dc->w->loop, &dc->timer, now + t);
}

/* A local error reply for a request we could not parse, then close. */
static void protocol_error(px_dconn *dc, int status)
{
    char buf[256];
    const char *text = status == 408 ? "request timeout" : px_reason(status);
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 %d %s\r\ncontent-length: %zu\r\ncontent-type: text/plain\r\n"
                     "connection: close\r\nserver: meshproxy\r\n\r\n%s",
                     status, px_reason(status), strlen(text), text);
    dc->closing = true;
    dc->paused = true;
    px_buf_reset(&dc->in);
    set_events(dc);
    if (px_dconn_write(dc, buf, (size_t)n) == 0)
        px_dconn_flush(dc);
}

static void on_timer(px_loop *l, px_timer *t)
{
    px_dconn *dc = t->obj;
    if (dc->req) {
        px_req *r = dc->req;
        if (!r->body_done && !dc->paused)
            px_req_body_fail(r, 408, 0, "request timeout");
        return;
    }
    if (px_buf_size(&dc->in))
        protocol_error(dc, 408);
    else
        px_dconn_close(dc);
}

static void on_kick(px_loop *l, px_timer *t)
{
    px_dconn *dc = t->obj;
    if (dc->io.fd >= 0 && !dc->req)
        process_input(dc);
}

void px_dconn_body_resume(px_dconn *dc)
{
    if (!dc->paused || dc->io.fd < 0 || dc->closing)
        return;
    dc->paused = false;
    set_events(dc);
    arm_body_timer(dc, dc->req);
}

/* Feed buffered input to the request body (streamed on by reqbody.c). */
static void feed_body(px_dconn *dc)
{
    px_req *r = dc->req;
    const px_options *o = &dc->w->srv->opt;
    size_t used, out;
    int rc = px_body_decode(&r->bodydec, px_buf_data(&dc->in), px_buf_size(&dc->in), &used, &out);
    if (rc == PX_BODY_BAD) {
        px_req_body_fail(r, 400, POL_FLAG_BIT(POL_FLAG_DPE), "bad request body");
        return;
    }
    if (o->max_body_bytes && r->bodydec.total > o->max_body_bytes) {
        px_req_body_fail(r, 413, 0, "payload too large");
        return;
    }
    r->bytes_received += out;
    if (used)
        px_req_active(r);
    /* the decoded bytes are copied out before `in` moves on */
    if (out && px_reqbody_add(r, px_buf_data(&dc->in), out) != 0)
        return;
    if (dc->io.fd < 0 || dc->req != r)
        return;
    px_buf_consume(&dc->in, used);
    if (rc == PX_BODY_DONE) {
        px_timer_stop(dc->w->loop, &dc->timer);
        dc->paused = px_buf_size(&dc->in) >= PIPELINE_MAX;
        set_events(dc);
        px_req_body_complete(r);
    } else if (!px_reqbody_wants_input(r)) {
        /* backpressure: the upstream is behind; reqbody.c resumes us */
        px_timer_stop(dc->w->loop, &dc->timer);
        dc->paused = true;
        set_events(dc);
    } else {
        arm_body_timer(dc, r);
    }
}

static void process_input(px_dconn *dc)
{
    if (dc->req || dc->closing || dc->io.fd < 0)
        return;
    if (!px_buf_size(&dc->in)) {
        arm_wait_timer(dc);
        return;
    }
    const px_options *o = &dc->w->srv->opt;
    px_http_msg m;
    int rc = px_http_parse_request(px_buf_data(&dc->in), px_buf_size(&dc->in), &o->limits, &m);
    if (rc == PX_HTTP_INCOMPLETE) {
        if (!px_timer_armed(&dc->timer) || dc->timer.at_ns > px_loop_now(dc->w->loop) + o->header_timeout_ns)
            px_timer_start(dc->w->loop, &dc->timer, px_loop_now(dc->w->loop) + o->header_timeout_ns);
        return;
    }
    if (rc == PX_HTTP_ERROR) {
        protocol_error(dc, m.error_status);
        return;
    }
    px_timer_stop(dc->w->loop, &dc->timer);
    dc->w->downstream_rq_total++;
    if (o->max_body_bytes && m.body == PX_BODY_LENGTH && m.content_length > o->max_body_bytes) {
        protocol_error(dc, 413); /* known too large before reading it */
        return;
    }
    if (m.body != PX_BODY_NONE && px_http_upgrade_kind(&m) == PX_UPGRADE_WEBSOCKET) {
        /* a websocket handshake has no body (RFC 6455 4.1): a framed body
         * followed by upgrade payload is ambiguous, refused */
        protocol_error(dc, 400);
        return;
    }
    px_req *r = px_req_create(dc, px_buf_data(&dc->in), &m);
    px_buf_consume(&dc->in, m.head_len);
    if (!r) {
        protocol_error(dc, 503);
        return;
    }
    dc->req = r;
    if (!r->body_done) {
        if (m.expect_continue && px_dconn_write(dc, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0)
            px_dconn_flush(dc);
        if (dc->io.fd < 0)
            return;
        arm_body_timer(dc, r);
        /* the body bytes that came with the head first: a small body is then
         * complete before the routing decisions (a local reply keeps the
         * connection); a larger one streams behind the attempt */
        feed_body(dc);
        if (dc->req != r || dc->io.fd < 0)
            return;
        px_req_dispatch(r);
        return;
    }
    dc->paused = px_buf_size(&dc->in) >= PIPELINE_MAX;
    set_events(dc);
    px_req_dispatch(r);
}

void px_dconn_request_done(px_dconn *dc, bool close_after)
{
    dc->req = NULL;
    if (dc->io.fd < 0)
        return;
    if (close_after || dc->w->draining)
        dc->closing = true;
    if (dc->closing) {
        dc->paused = true;
        set_events(dc);
        px_dconn_flush(dc);
        return;
    }
    dc->paused = false;
    set_events(dc);
    arm_wait_timer(dc);
    if (px_buf_size(&dc->in))
        px_timer_start(dc->w->loop, &dc->kick, px_loop_now(dc->w->loop));
}

static void on_readable(px_dconn *dc)
{
    for (;;) {
        if (px_buf_reserve(&dc->in, READ_CHUNK) != 0) {
            px_dconn_close(dc);
            return;
        }
        ssize_t n = recv(dc->io.fd, dc->in.p + dc->in.len, dc->in.cap - dc->in.len, 0);
        if (n > 0) {
            dc->in.len += (size_t)n;
            if ((size_t)n < dc->in.cap - dc->in.len + (size_t)n)
                break; /* short read: the socket is drained */
            if (px_buf_size(&dc->in) > dc->w->srv->opt.limits.max_head_bytes + READ_CHUNK)
                break;
            continue;
        }
        if (n == 0) {
            /* the client closed (or half-closed): nothing more will come */
            px_dconn_close(dc);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        px_dconn_close(dc);
        return;
    }
    px_req *r = dc->req;
    if (!r) {
        process_input(dc);
        return;
    }
    if (!r->body_done) {
        feed_body(dc);
        return;
    }
    if (px_buf_size(&dc->in) >= PIPELINE_MAX) {
        dc->paused = true;
        set_events(dc);
    }
}

static void on_io(px_loop *l, px_io *io, uint32_t ev)
{
    px_dconn *dc = io->obj;
    if (dc->req && dc->req->state == RQ_TUNNEL) {
        px_tunnel_on_io(dc->req, true, ev);
        return;
    }
    if (ev & EPOLLOUT) {
        if (px_dconn_flush(dc) != 0)
            return;
        if (dc->req && dc->req->state == RQ_STREAM && !px_dconn_out_full(dc))
            px_upstream_resume(dc->req);
        if (dc->io.fd < 0)
            return;
    }
    if (ev & (EPOLLERR | EPOLLHUP)) {
        px_dconn_close(dc);
        return;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP))
        on_readable(dc);
}

/* "ip:port" or "[ip]:port" of sa; the bare IP into ip when not NULL. */
static void addr_text(const struct sockaddr_storage *sa, char *ip, size_t iplen, char *full, size_t fulllen)
{
    char t[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    if (sa->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, t, sizeof t);
        port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
        snprintf(full, fulllen, "%s:%u", t, port);
    } else if (sa->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, t, sizeof t);
        port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
        snprintf(full, fulllen, "[%s]:%u", t, port);
    }
    if (ip)
        snprintf(ip, iplen, "%s", t);
}

void px_worker_accept(px_loop *l, px_io *io, uint32_t ev)
{
    px_worker *w = io->obj;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(io->fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        px_dconn *dc = calloc(1, sizeof *dc);
        if (!dc) {
            close(fd);
            continue;
        }
        dc->w = w;
        dc->io = (px_io){.fd = fd, .fn = on_io, .obj = dc};
        addr_text(&sa, dc->peer, sizeof dc->peer, dc->peer_addr, sizeof dc->peer_addr);
        struct sockaddr_storage la;
        socklen_t ll = sizeof la;
        if (getsockname(fd, (struct sockaddr *)&la, &ll) == 0)
            addr_text(&la, NULL, 0, dc->local_addr, sizeof dc->local_addr);
        px_timer_init(&dc->timer, on_timer, dc);
        px_timer_init(&dc->kick, on_kick, dc);
        dc->next = w->conns;
        if (w->conns)
            w->conns->prev = dc;
        w->conns = dc;
        w->nconns++;
        w->downstream_cx_total++;
        set_events(dc);
        arm_wait_timer(dc);
    }
}

void px_worker_stop_accepting(px_worker *w)
{
    if (w->listen_io.fd >= 0) {
        px_io_set(w->loop, &w->listen_io, 0);
        close(w->listen_io.fd);
        w->listen_io.fd = -1;
    }
    for (px_dconn *dc = w->conns, *next; dc; dc = next) {
        next = dc->next;
        if (dc->req)
            continue; /* closes after its response */
        if (!px_buf_size(&dc->out)) {
            px_dconn_close(dc); /* idle, or a head not complete yet */
            continue;
        }
        /* a finished response still being written: it closes once flushed
         * (a pipelined next request is dropped; the keep-alive timer still
         * bounds a client that stops reading) */
        dc->closing = true;
        dc->paused = true;
        px_buf_reset(&dc->in);
        px_timer_stop(w->loop, &dc->kick);
        set_events(dc);
    }
}

void px_worker_drain(px_worker *w)
{
    w->draining = true;
    px_worker_stop_accepting(w);
}
