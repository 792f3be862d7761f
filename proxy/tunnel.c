/*
 * tunnel.c - an upgraded request (a websocket the upstream accepted with 101
 * Switching Protocols) as a raw bidirectional byte tunnel between the client's
 * connection and the upstream connection that answered, as Envoy relays the
 * payload of an accepted upgrade.
 *
 * Both sockets stay non-blocking on the worker's loop.  Each direction queues
 * at most TUNNEL_HIGH bytes (in the receiving side's `out` buffer); past that
 * the sending side is no longer read, so a slow reader slows its writer down
 * through TCP (backpressure both ways).  A side's EOF becomes
 * shutdown(SHUT_WR) on the other once what it sent has been written
 * (half-close); when both sides have closed and everything is delivered the
 * request finishes: its access log line and metrics carry code 101 and the
 * bytes each way.  A socket error on either side ends the tunnel (flag DC for
 * the client, UC for the upstream).  No byte either way for the stream idle
 * timeout (Envoy's stream_idle_timeout, 5 min unless --stream-idle-timeout)
 * ends it with flag SI.  The upstream connection is closed at the end, never
 * returned to its pool.  Drain and reload leave open tunnels alone: the
 * worker only stops them at the drain deadline.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/server_int.h"

#define TUNNEL_HIGH (256u * 1024) /* bytes queued towards one side */
#define READ_CHUNK (64u * 1024)

struct px_tunnel {
    px_req *r;
    px_timer idle;
    int64_t last_ns;         /* the last byte either way */
    bool down_eof, up_eof;   /* the client / the upstream sent its FIN */
    bool down_shut, up_shut; /* we sent our FIN to the client / the upstream */
};

/* Read what fd offers into dst while dst holds less than TUNNEL_HIGH.
 * Returns the bytes read (*eof set at the peer's FIN), or -1 on an error. */
static int64_t pull(int fd, px_buf *dst, bool *eof)
{
    int64_t got = 0;
    while (px_buf_size(dst) < TUNNEL_HIGH) {
        if (px_buf_reserve(dst, READ_CHUNK) != 0)
            return -1;
        size_t room = dst->cap - dst->len;
        ssize_t n = recv(fd, dst->p + dst->len, room, 0);
        if (n > 0) {
            dst->len += (size_t)n;
            got += n;
            if ((size_t)n < room)
                break; /* short read: the socket is drained */
            continue;
        }
        if (n == 0) {
            *eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        return -1;
    }
    return got;
}

/* Write what b holds to fd, as much as the socket takes.  0, or -1 on an error. */
static int push(int fd, px_buf *b)
{
    while (px_buf_size(b)) {
        ssize_t n = send(fd, px_buf_data(b), px_buf_size(b), MSG_NOSIGNAL);
        if (n > 0) {
            px_buf_consume(b, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
    return 0;
}

/* The tunnel is over: `flags` say why when it is not both sides closing.
 * A client-side failure closes the client (the request is aborted with DC);
 * otherwise the request finishes and the client gets what is still queued
 * for it before its connection closes. */
static void tunnel_end(px_tunnel *t, bool client_failed, pol_flags flags)
{
    px_req *r = t->r;
    px_dconn *dc = r->dc;
    if (client_failed) {
        px_dconn_close(dc);
        return;
    }
    r->flags |= flags;
    r->keep_alive = false;
    dc->out_blocked = false;
    px_req_finish(r);
    if (dc->io.fd >= 0)
        px_dconn_flush(dc);
}

/* Which events each side waits for: input while the other side's queue has
 * room and no FIN came, output while its own queue holds bytes.  A side with
 * nothing to wait for is taken off epoll (no level-triggered HUP spinning). */
static void set_interest(px_tunnel *t)
{
    px_req *r = t->r;
    px_dconn *dc = r->dc;
    px_uconn *uc = r->cur->uc;
    uint32_t down = 0, up = 0;
    if (!t->down_eof && px_buf_size(&uc->out) < TUNNEL_HIGH)
        down |= EPOLLIN;
    if (px_buf_size(&dc->out))
        down |= EPOLLOUT;
    if (!t->up_eof && px_buf_size(&dc->out) < TUNNEL_HIGH)
        up |= EPOLLIN;
    if (px_buf_size(&uc->out))
        up |= EPOLLOUT;
    px_io_set(r->w->loop, &dc->io, down);
    px_io_set(r->w->loop, &uc->io, up);
}

/* Move what can move both ways, pass FINs on, end when both sides are done. */
static void pump(px_tunnel *t)
{
    px_req *r = t->r;
    px_dconn *dc = r->dc;
    px_uconn *uc = r->cur->uc;
    int64_t moved = 0;
    for (int pass = 0; pass < 2; pass++) {
        /* writes first: they make room for the reads */
        if (push(dc->io.fd, &dc->out) != 0) {
            tunnel_end(t, true, 0);
            return;
        }
        if (push(uc->io.fd, &uc->out) != 0) {
            tunnel_end(t, false, POL_FLAG_BIT(POL_FLAG_UC));
            return;
        }
        if (pass == 1)
            break;
        if (!t->down_eof && px_buf_size(&uc->out) < TUNNEL_HIGH) {
            int64_t n = pull(dc->io.fd, &uc->out, &t->down_eof);
            if (n < 0) {
                tunnel_end(t, true, 0);
                return;
            }
            r->bytes_received += (uint64_t)n;
            moved += n;
        }
        if (!t->up_eof && px_buf_size(&dc->out) < TUNNEL_HIGH) {
            int64_t n = pull(uc->io.fd, &dc->out, &t->up_eof);
            if (n < 0) {
                tunnel_end(t, false, POL_FLAG_BIT(POL_FLAG_UC));
                return;
            }
            r->bytes_sent += (uint64_t)n;
            moved += n;
        }
    }
    if (t->down_eof && !t->up_shut && !px_buf_size(&uc->out)) {
        shutdown(uc->io.fd, SHUT_WR);
        t->up_shut = true;
    }
    if (t->up_eof && !t->down_shut && !px_buf_size(&dc->out)) {
        shutdown(dc->io.fd, SHUT_WR);
        t->down_shut = true;
    }
    if (moved)
        t->last_ns = px_loop_now(r->w->loop);
    if (t->down_shut && t->up_shut) {
        tunnel_end(t, false, 0);
        return;
    }
    set_interest(t);
}

static void on_idle(px_loop *l, px_timer *tm)
{
    px_tunnel *t = tm->obj;
    int64_t limit = t->r->w->srv->opt.stream_idle_timeout_ns;
    int64_t due = t->last_ns + limit;
    if (px_loop_now(l) < due) {
        px_timer_start(l, &t->idle, due);
        return;
    }
    t->r->w->downstream_rq_idle_timeout++;
    tunnel_end(t, false, POL_FLAG_BIT(POL_FLAG_SI));
}

void px_tunnel_start(px_req *r, size_t up_from)
{
    px_dconn *dc = r->dc;
    px_uconn *uc = r->cur->uc;
    px_loop *l = r->w->loop;
    px_tunnel *t = calloc(1, sizeof *t);
    if (!t) {
        px_dconn_close(dc);
        return;
    }
    t->r = r;
    r->tunnel = t;
    r->state = RQ_TUNNEL;
    r->w->downstream_cx_upgrades_total++;
    r->w->downstream_cx_upgrades_active++;
    px_timer_stop(l, &dc->timer);
    px_timer_stop(l, &r->idle_timer); /* the tunnel keeps its own */
    px_timer_init(&t->idle, on_idle, t);
    int rc = 0;
    /* what the upstream sent right behind its 101 */
    if (px_buf_size(&uc->in) > up_from) {
        size_t n = px_buf_size(&uc->in) - up_from;
        rc |= px_buf_append(&dc->out, px_buf_data(&uc->in) + up_from, n);
        r->bytes_sent += n;
    }
    px_buf_free(&uc->in);
    /* the client's early payload not handed to the attempt yet, then any
     * bytes read but not yet decoded */
    uint64_t have = r->body_base + px_buf_size(&r->body);
    px_attempt *a = r->cur;
    if (a->body_fwd < have)
        rc |= px_buf_append(&uc->out, px_buf_data(&r->body) + (a->body_fwd - r->body_base),
                            (size_t)(have - a->body_fwd));
    px_buf_free(&r->body);
    r->body_base = a->body_fwd = 0;
    if (px_buf_size(&dc->in)) {
        r->bytes_received += px_buf_size(&dc->in);
        rc |= px_buf_append(&uc->out, px_buf_data(&dc->in), px_buf_size(&dc->in));
    }
    px_buf_free(&dc->in);
    if (rc != 0) {
        px_dconn_close(dc);
        return;
    }
    t->last_ns = px_loop_now(l);
    if (r->w->srv->opt.stream_idle_timeout_ns > 0)
        px_timer_start(l, &t->idle, t->last_ns + r->w->srv->opt.stream_idle_timeout_ns);
    pump(t);
}

void px_tunnel_on_io(px_req *r, bool downstream, uint32_t ev)
{
    px_tunnel *t = r->tunnel;
    if (ev & EPOLLERR) {
        if (downstream)
            tunnel_end(t, true, 0);
        else
            tunnel_end(t, false, POL_FLAG_BIT(POL_FLAG_UC));
        return;
    }
    pump(t);
}

void px_tunnel_free(px_req *r)
{
    px_tunnel *t = r->tunnel;
    r->tunnel = NULL;
    r->w->downstream_cx_upgrades_active--;
    px_timer_stop(r->w->loop, &t->idle);
    px_loop_defer_free(r->w->loop, t);
}
