/*
 * upstream.c - connections to endpoints: per-worker, per-endpoint pools of
 * HTTP/1.1 keep-alive connections bounded by the cluster's circuit breaker
 * (max_connections, http1MaxPendingRequests), connect and idle timeouts,
 * writing the request and reading the response head and body.
 *
 * An attempt (one upstream request of a px_req) asks for a connection: an idle one (most recent first), a new one
 * when the breaker allows (always when the endpoint's pool is empty, as Envoy
 * does), or it waits in the pool's pending queue (itself limited: overflow is
 * 503 UO).  A connection that ends its response cleanly goes back to the pool
 * or to the first pending attempt.  A reused connection that the server closed
 * before answering anything gets the request once more on a new connection
 * (the keep-alive race of reference 2e).  A connection that answered an
 * upgrade with 101 belongs to the tunnel (tunnel.c) until it closes, never to
 * the pool again.  Idle connections close after the
 * DestinationRule's idle timeout, or 30 s when it sets none (shorter than
 * typical backends' keep-alive, unlike Istio's 1 h).
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/server_int.h"

#define DEFAULT_UPSTREAM_IDLE_NS INT64_C(30000000000)
#define READ_CHUNK 16384

static void on_io(px_loop *l, px_io *io, uint32_t ev);
static void on_timer(px_loop *l, px_timer *t);
static void serve_pending(px_worker *w, px_cluster *cl, uint32_t host);

static px_pool *pool_of(px_worker *w, px_cluster *cl, uint32_t host) { return &cl->w[w->id].pools[host]; }

static int64_t idle_timeout_ns(const px_cluster *cl)
{
    int64_t t = cl->pool.idle_timeout_ns;
    return (t == 0 || t == POL_ISTIO_IDLE_TIMEOUT_NS) ? DEFAULT_UPSTREAM_IDLE_NS : t;
}

static void uc_close(px_uconn *uc)
{
    if (uc->io.fd < 0)
        return;
    px_worker *w = uc->w;
    px_cluster *cl = uc->cl;
    px_pool *pool = pool_of(w, cl, uc->host);
    px_timer_stop(w->loop, &uc->timer);
    px_io_set(w->loop, &uc->io, 0);
    close(uc->io.fd);
    uc->io.fd = -1;
    if (uc->state == UC_IDLE) {
        for (px_uconn **p = &pool->idle; *p; p = &(*p)->next_idle)
            if (*p == uc) {
                *p = uc->next_idle;
                break;
            }
    }
    pool->nconns--;
    px_cluster_lock(cl);
    pol_circuit_release(&cl->cb, POL_CB_CONNECTIONS);
    if (cl->stats.upstream_cx_active)
        cl->stats.upstream_cx_active--;
    if (cl->hstats[uc->host].cx_active)
        cl->hstats[uc->host].cx_active--;
    cl->stats.upstream_cx_destroy++;
    px_cluster_unlock(cl);
    px_buf_free(&uc->in);
    px_buf_free(&uc->out);
    px_loop_defer_free(w->loop, uc);
    serve_pending(w, cl, uc->host); /* a connection slot opened (any configuration's pool) */
}

static void set_events(px_uconn *uc, uint32_t ev) { px_io_set(uc->w->loop, &uc->io, ev); }

/* Write what `out` holds, refilled from the request body as the socket takes
 * it; when nothing is left to send, wait for the response (and more body). */
static void uc_flush(px_uconn *uc)
{
    while (px_buf_size(&uc->out) || (uc->att && px_reqbody_fill(uc->att, &uc->out))) {
        ssize_t n = send(uc->io.fd, px_buf_data(&uc->out), px_buf_size(&uc->out), MSG_NOSIGNAL);
        if (n > 0) {
            px_buf_consume(&uc->out, (size_t)n);
            uc->sent = true;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(uc, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
            return;
        }
        if (uc->att)
            px_req_on_upstream_reset(uc->att, POL_RESET_CONNECTION_TERMINATION);
        else
            uc_close(uc);
        return;
    }
    set_events(uc, EPOLLIN | EPOLLRDHUP);
}

/* Bind attempt a to uc and send the request. */
static void uc_start(px_uconn *uc, px_attempt *a)
{
    uc->att = a;
    uc->state = UC_BUSY;
    uc->got_bytes = false;
    uc->sent = false;
    a->uc = uc;
    px_timer_stop(uc->w->loop, &uc->timer);
    px_buf_reset(&uc->out);
    px_reqbody_rewind(a);
    if (px_req_write_request(a, &uc->out) != 0) {
        px_req_on_upstream_reset(a, POL_RESET_LOCAL_RESET);
        return;
    }
    uc_flush(uc);
}

/* Open a connection for a (the breaker's CONNECTIONS unit already taken). */
static void uc_connect(px_worker *w, px_cluster *cl, uint32_t host, px_attempt *a)
{
    px_pool *pool = pool_of(w, cl, host);
    px_uconn *uc = calloc(1, sizeof *uc);
    const px_endpoint *ep = &cl->hosts[host];
    int fd = uc ? socket(ep->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    if (fd < 0) {
        free(uc);
        px_cluster_lock(cl);
        pol_circuit_release(&cl->cb, POL_CB_CONNECTIONS);
        px_cluster_unlock(cl);
        px_req_on_upstream_reset(a, POL_RESET_LOCAL_CONNECTION_FAILURE);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uc->w = w;
    uc->conf = w->conf;
    uc->cl = cl;
    uc->host = host;
    uc->state = UC_CONNECTING;
    uc->io = (px_io){.fd = fd, .fn = on_io, .obj = uc};
    px_timer_init(&uc->timer, on_timer, uc);
    pool->nconns++;
    px_cluster_lock(cl);
    cl->stats.upstream_cx_total++;
    cl->stats.upstream_cx_active++;
    cl->hstats[host].cx_total++;
    cl->hstats[host].cx_active++;
    px_cluster_unlock(cl);
    uc->att = a;
    a->uc = uc;
    uc->conf = a->r->conf;
    int rc = connect(fd, (const struct sockaddr *)&ep->sa, ep->salen);
    if (rc != 0 && errno != EINPROGRESS) {
        set_events(uc, EPOLLOUT);
        px_req_on_upstream_reset(a, POL_RESET_LOCAL_CONNECTION_FAILURE);
        return;
    }
    int64_t ct = cl->pool.connect_timeout_ns > 0 ? cl->pool.connect_timeout_ns : POL_ISTIO_CONNECT_TIMEOUT_NS;
    px_timer_start(w->loop, &uc->timer, px_loop_now(w->loop) + ct);
    set_events(uc, EPOLLOUT | EPOLLRDHUP);
}

static void pending_remove(px_pool *pool, px_attempt *r)
{
    px_attempt *prev = NULL;
    for (px_attempt *p = pool->pending; p; prev = p, p = p->pending_next)
        if (p == r) {
            if (prev)
                prev->pending_next = r->pending_next;
            else
                pool->pending = r->pending_next;
            if (pool->pending_tail == r)
                pool->pending_tail = prev;
            break;
        }
    r->pending_next = NULL;
}

static void release_pending(px_attempt *a)
{
    px_cluster *cl = a->r->cl;
    pending_remove(pool_of(a->r->w, cl, (uint32_t)a->host), a);
    px_cluster_lock(cl);
    pol_circuit_release(&cl->cb, POL_CB_PENDING);
    if (cl->stats.upstream_rq_pending_active)
        cl->stats.upstream_rq_pending_active--;
    px_cluster_unlock(cl);
    a->holds_pending = false;
}

/* A connection slot or an idle connection may be available: serve the queue. */
static void serve_pending(px_worker *w, px_cluster *cl, uint32_t host)
{
    px_pool *pool = pool_of(w, cl, host);
    while (pool->pending) {
        px_attempt *r = pool->pending;
        if (pool->idle) {
            px_uconn *uc = pool->idle;
            pool->idle = uc->next_idle;
            release_pending(r);
            uc_start(uc, r);
            continue;
        }
        px_cluster_lock(cl);
        bool ok = pol_circuit_cx_try_acquire(&cl->cb, pool->nconns == 0);
        px_cluster_unlock(cl);
        if (!ok)
            return;
        release_pending(r);
        uc_connect(w, cl, host, r);
    }
}

int px_upstream_attach(px_attempt *a)
{
    px_req *r = a->r;
    px_worker *w = r->w;
    px_cluster *cl = r->cl;
    uint32_t host = (uint32_t)a->host;
    px_pool *pool = pool_of(w, cl, host);
    if (pool->idle) {
        px_uconn *uc = pool->idle;
        pool->idle = uc->next_idle;
        uc_start(uc, a);
        return 0;
    }
    px_cluster_lock(cl);
    bool cx = pol_circuit_cx_try_acquire(&cl->cb, pool->nconns == 0);
    bool pending = false;
    if (!cx) {
        pending = pol_circuit_try_acquire(&cl->cb, POL_CB_PENDING);
        if (pending) {
            cl->stats.upstream_rq_pending_total++;
            cl->stats.upstream_rq_pending_active++;
        }
    }
    px_cluster_unlock(cl);
    if (cx) {
        uc_connect(w, cl, host, a);
        return 0;
    }
    if (!pending) {
        px_req_on_overflow(r, a);
        return -1;
    }
    a->holds_pending = true;
    a->pending_next = NULL;
    if (pool->pending_tail)
        pool->pending_tail->pending_next = a;
    else
        pool->pending = a;
    pool->pending_tail = a;
    return 0;
}

void px_upstream_detach(px_attempt *a, bool reusable)
{
    if (a->holds_pending)
        release_pending(a);
    px_uconn *uc = a->uc;
    if (!uc)
        return;
    a->uc = NULL;
    uc->att = NULL;
    px_worker *w = uc->w;
    px_cluster *cl = uc->cl;
    uc->served++;
    if (reusable && uc->resp_complete) {
        px_buf_consume(&uc->in, uc->resp_bytes); /* a retried response, read in full */
        uc->resp_complete = false;
    }
    bool keep = reusable && uc->io.fd >= 0 && px_buf_size(&uc->in) == 0 && px_buf_size(&uc->out) == 0 &&
                (cl->pool.max_requests_per_connection == 0 || uc->served < cl->pool.max_requests_per_connection);
    if (!keep) {
        uc_close(uc);
        return;
    }
    px_pool *pool = pool_of(w, cl, uc->host);
    uc->state = UC_IDLE;
    if (pool->pending) {
        /* a waiting request of this pool (even of a replaced configuration) */
        px_attempt *next = pool->pending;
        release_pending(next);
        uc_start(uc, next);
        return;
    }
    if (uc->conf != w->conf || w->draining) {
        uc_close(uc); /* nobody will pick it from a replaced configuration's pool */
        return;
    }
    uc->next_idle = pool->idle;
    pool->idle = uc;
    set_events(uc, EPOLLIN | EPOLLRDHUP);
    px_timer_start(w->loop, &uc->timer, px_loop_now(w->loop) + idle_timeout_ns(cl));
}

void px_upstream_close_idle(px_worker *w, px_conf *c)
{
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        for (uint32_t h = 0; h < cl->nhosts; h++)
            while (cl->w[w->id].pools[h].idle)
                uc_close(cl->w[w->id].pools[h].idle);
    }
}

void px_upstream_resume(px_req *r)
{
    px_uconn *uc = r->cur ? r->cur->uc : NULL;
    if (uc && uc->io.fd >= 0) {
        set_events(uc, EPOLLIN | EPOLLRDHUP);
        on_io(r->w->loop, &uc->io, EPOLLIN);
    }
}

void px_upstream_send_body(px_req *r)
{
    for (px_attempt *a = r->atts, *next; a && r->state != RQ_DONE; a = next) {
        next = a->next; /* a may end (a write error) */
        px_uconn *uc = a->uc;
        if (uc && uc->state == UC_BUSY && uc->io.fd >= 0 && uc->att == a)
            uc_flush(uc);
    }
}

static void on_timer(px_loop *l, px_timer *t)
{
    px_uconn *uc = t->obj;
    if (uc->state == UC_CONNECTING && uc->att) {
        px_cluster_lock(uc->cl);
        uc->cl->stats.upstream_cx_connect_timeout++;
        px_cluster_unlock(uc->cl);
        px_req_on_upstream_reset(uc->att, POL_RESET_CONNECTION_TIMEOUT);
        return;
    }
    if (uc->state == UC_IDLE) {
        px_cluster_lock(uc->cl);
        uc->cl->stats.upstream_cx_idle_timeout++;
        px_cluster_unlock(uc->cl);
        uc_close(uc);
    }
}

/* Parse and relay what `in` holds for the bound attempt. */
static void process(px_uconn *uc, bool eof)
{
    for (;;) {
        px_attempt *a = uc->att;
        if (!a || uc->io.fd < 0)
            return;
        px_req *r = a->r;
        if (px_req_awaiting_headers(r)) {
            px_http_msg m;
            int rc = px_buf_size(&uc->in)
                         ? px_http_parse_response(px_buf_data(&uc->in), px_buf_size(&uc->in),
                                                  &r->w->srv->opt.limits, r->head_method, &m)
                         : PX_HTTP_INCOMPLETE;
            if (rc == PX_HTTP_ERROR) {
                px_req_on_upstream_reset(a, POL_RESET_PROTOCOL_ERROR);
                return;
            }
            if (rc == PX_HTTP_INCOMPLETE) {
                if (eof) {
                    if (uc->served > 0 && !uc->got_bytes && px_reqbody_resendable(r)) {
                        /* the keep-alive race: the server closed the reused
                         * connection before reading the request */
                        uc->att = NULL;
                        a->uc = NULL;
                        uc_close(uc);
                        px_upstream_attach(a);
                        return;
                    }
                    px_req_on_upstream_reset(a, POL_RESET_CONNECTION_TERMINATION);
                }
                return;
            }
            if (m.status == 101) {
                /* switching protocols: the tunnel of a websocket upgrade, a
                 * protocol error for a request that offered no upgrade */
                if (r->upgrade)
                    px_req_on_upgrade(a, &m, m.head_len);
                else
                    px_req_on_upstream_reset(a, POL_RESET_PROTOCOL_ERROR);
                return;
            }
            if (m.status < 200) {
                px_buf_consume(&uc->in, m.head_len); /* 100 Continue and friends */
                continue;
            }
            /* a response already complete (a 503 with a small body, say) lets
             * a retry keep the connection */
            uc->resp_bytes = m.head_len + (m.body == PX_BODY_LENGTH ? (size_t)m.content_length : 0);
            uc->resp_complete = m.body == PX_BODY_NONE ||
                                (m.body == PX_BODY_LENGTH && px_buf_size(&uc->in) >= uc->resp_bytes);
            px_req_on_response_head(a, px_buf_data(&uc->in), &m);
            uc->resp_complete = false;
            if (uc->io.fd < 0 || uc->att != a)
                return; /* retried, dropped, answered or closed */
            px_buf_consume(&uc->in, m.head_len);
            if (r->state != RQ_STREAM)
                return;
            continue;
        }
        if (r->state != RQ_STREAM)
            return;
        if (px_dconn_out_full(r->dc)) {
            set_events(uc, EPOLLRDHUP); /* backpressure: resumed by the client side */
            return;
        }
        size_t used = 0, out = 0;
        int rc = PX_BODY_MORE;
        if (px_buf_size(&uc->in))
            rc = px_body_decode(&r->respdec, px_buf_data(&uc->in), px_buf_size(&uc->in), &used, &out);
        if (rc == PX_BODY_BAD) {
            px_req_on_upstream_reset(a, POL_RESET_PROTOCOL_ERROR);
            return;
        }
        if (out)
            px_req_on_response_data(r, px_buf_data(&uc->in), out);
        if (r->state != RQ_STREAM)
            return;
        px_buf_consume(&uc->in, used);
        if (rc == PX_BODY_DONE) {
            px_req_on_response_end(r);
            return;
        }
        if (eof) {
            if (r->respdec.kind == PX_BODY_EOF)
                px_req_on_response_end(r);
            else
                px_req_on_upstream_reset(a, POL_RESET_CONNECTION_TERMINATION);
        }
        return;
    }
}

static void on_io(px_loop *l, px_io *io, uint32_t ev)
{
    px_uconn *uc = io->obj;
    if (uc->state == UC_CONNECTING) {
        int err = 0;
        socklen_t sl = sizeof err;
        getsockopt(uc->io.fd, SOL_SOCKET, SO_ERROR, &err, &sl);
        if (err || (ev & (EPOLLERR | EPOLLHUP))) {
            px_req_on_upstream_reset(uc->att, POL_RESET_LOCAL_CONNECTION_FAILURE);
            return;
        }
        if (!(ev & EPOLLOUT))
            return;
        px_timer_stop(l, &uc->timer);
        uc_start(uc, uc->att);
        return;
    }
    px_req *r = uc->att ? uc->att->r : NULL;
    if (r && r->state == RQ_TUNNEL) {
        px_tunnel_on_io(r, false, ev);
        return;
    }
    if ((ev & EPOLLOUT) && px_buf_size(&uc->out)) {
        uc_flush(uc);
        if (uc->io.fd < 0)
            return;
    }
    if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        return;
    if (uc->state == UC_IDLE) {
        uc_close(uc); /* the server closed it, or sent bytes nobody asked for */
        return;
    }
    if (r && r->state == RQ_STREAM && px_dconn_out_full(r->dc)) {
        set_events(uc, EPOLLRDHUP);
        return;
    }
    bool eof = false;
    for (;;) {
        if (px_buf_reserve(&uc->in, READ_CHUNK) != 0) {
            eof = true;
            break;
        }
        ssize_t n = recv(uc->io.fd, uc->in.p + uc->in.len, uc->in.cap - uc->in.len, 0);
        if (n > 0) {
            uc->in.len += (size_t)n;
            uc->got_bytes = true;
            if ((size_t)n < uc->in.cap - uc->in.len + (size_t)n || px_buf_size(&uc->in) >= (1u << 20))
                break;
            continue;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            eof = true;
        break;
    }
    px_dconn *dc = r ? r->dc : NULL;
    process(uc, eof);
    if (uc->att && uc->att->r->state == RQ_TUNNEL)
        return; /* upgraded: both connections are the tunnel's (an EOF is seen again there) */
    if (eof && uc->io.fd >= 0 && uc->att == NULL && uc->state != UC_IDLE)
        uc_close(uc);
    else if (eof && uc->io.fd >= 0 && uc->state == UC_IDLE)
        uc_close(uc);
    if (dc && dc->io.fd >= 0)
        px_dconn_flush(dc);
}
