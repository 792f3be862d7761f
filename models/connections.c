/*
 * connections.c - upstream connections of a client proxy: one HTTP/1.1
 * keep-alive pool per (client proxy, upstream host), as Envoy keeps them
 * (policy-semantics.md 5.1, 5.2).
 *
 * A request attempt takes the most recently used idle connection of its host
 * (Envoy's ready list is LIFO).  Without one it waits as pending (limit
 * http1MaxPendingRequests; beyond it 503 UO) and, when the connections being
 * set up do not cover the waiters, a new connection is opened if the cluster's
 * maxConnections allows it -- or anyway when the host has no connection at all
 * (Envoy's starvation exception).  A new connection costs the TCP handshake
 * (one round trip on the link) plus, for a TLS connection, the Cluster's
 * mesh.mtls.handshake draw; if that exceeds tcp.connectTimeout the connection
 * fails at the timeout and the oldest waiter gets 503 UF (a connect failure,
 * retriable).  A ready connection serves the oldest waiter of its host, else
 * goes idle.  A connection closes after maxRequestsPerConnection requests,
 * after idleTimeout idle (checked lazily: an idle connection past its timeout
 * is closed at the time it expired, before it could be reused or counted
 * against maxConnections), and when the client abandons a request on it
 * (per-try or route timeout: HTTP/1.1 cannot reuse a connection whose
 * response is still outstanding).
 *
 * TLS: with a DestinationRule `tls` block, its mode decides (DISABLE plain;
 * SIMPLE, MUTUAL, ISTIO_MUTUAL encrypted).  Without one, auto mTLS as
 * inbound.c decides it (the cluster's `mtls`); external services get no Istio
 * mTLS, and TLS only when their ServiceEntry port speaks HTTPS or TLS (the
 * application's own TLS).  Every message on a TLS connection costs
 * mesh.mtls.perKiB per KiB.
 *
 * Time: waiting for a connection and setting it up is mesh time.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"

typedef struct idle_conn {
    sim_time since;    /* idle since */
    uint32_t requests; /* requests it has carried */
} idle_conn;

struct mdl_conn_pool {
    bool tls;
    uint32_t open;       /* connected or connecting, of this host */
    uint32_t connecting;
    idle_conn *idle;     /* stack: [nidle - 1] most recently used */
    size_t nidle, idle_cap;
    sim_time oldest;     /* idle[0].since when nidle > 0: checked without touching idle[] */
    mdl_job **wait;      /* FIFO ring of pending attempts (entries may be stale) */
    size_t whead, wlen, wcap;
    uint32_t waiting;    /* live pending attempts in the ring */
};

/* --- TLS decision ---------------------------------------------------------------- */

static bool external_port_is_tls(const mdl_mesh *m, const mdl_service *svc)
{
    const pol_service_entry *se = svc->se;
    if (!se)
        return false;
    for (size_t i = 0; i < se->nports; i++) {
        const char *p = se->ports[i].protocol;
        if ((int)se->ports[i].number == svc->port && p && (!strcmp(p, "HTTPS") || !strcmp(p, "TLS")))
            return true;
    }
    (void)m;
    return false;
}

void mdl__conn_init(mdl_mesh *m, mdl_cluster *c, const mdl_pod *client, const pol_policy_blocks *b)
{
    (void)client;
    if (c->svc->se)
        c->mtls = false; /* MESH_EXTERNAL: never Istio mTLS */
    bool tls = b->has_tls ? b->tls.mode != POL_CLIENT_TLS_DISABLE
                          : c->mtls || external_port_is_tls(m, c->svc);
    c->cx = ms_xcalloc(c->nhosts ? c->nhosts : 1, sizeof *c->cx);
    for (uint32_t h = 0; h < c->nhosts; h++)
        c->cx[h].tls = tls;
}

void mdl__conn_free(mdl_cluster *c)
{
    if (!c->cx)
        return;
    for (uint32_t h = 0; h < c->nhosts; h++) {
        free(c->cx[h].idle);
        free(c->cx[h].wait); /* pending jobs are pooled: freed with the pool */
    }
    free(c->cx);
}

sim_time mdl__tls_bytes_cost(mdl_mesh *m, sim_rng *rng, uint64_t bytes)
{
    double per = sim_dist_sample(&m->mtls_per_kib, rng);
    double t = per * (double)bytes / 1024.0;
    return t > 0 ? (sim_time)t : 0;
}

sim_time mdl__hop_time(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, uint64_t bytes)
{
    if (a->kind == MDL_POD_EXTERNAL || b->kind == MDL_POD_EXTERNAL)
        return mdl__internet_time(m, bytes);
    return mdl__link_time(m, a, b, bytes);
}

/* --- pool mechanics ---------------------------------------------------------------- */

static void conn_closed(mdl_cluster *c, struct mdl_conn_pool *p)
{
    assert(p->open > 0);
    p->open--;
    pol_circuit_release(&c->cb, POL_CB_CONNECTIONS);
    c->stats.upstream_cx_destroy++;
    c->stats.upstream_cx_active--;
}

/* Close the idle connections of `p` whose idle timeout has passed by `now`
 * (the oldest are at the bottom of the stack). */
static void expire_idle(mdl_cluster *c, struct mdl_conn_pool *p, sim_time now)
{
    sim_time timeout = c->pool.idle_timeout_ns;
    if (timeout <= 0 || !p->nidle || now - p->oldest < timeout)
        return;
    size_t n = 0;
    while (n < p->nidle && now - p->idle[n].since >= timeout)
        n++;
    for (size_t i = 0; i < n; i++) {
        c->stats.upstream_cx_idle_timeout++;
        conn_closed(c, p);
    }
    memmove(p->idle, p->idle + n, (p->nidle - n) * sizeof *p->idle);
    p->nidle -= n;
    if (p->nidle)
        p->oldest = p->idle[0].since;
}

static void wait_push(struct mdl_conn_pool *p, mdl_job *j)
{
    if (p->wlen == p->wcap) {
        size_t ncap = p->wcap ? p->wcap * 2 : 8;
        mdl_job **n = ms_xmalloc(ncap * sizeof *n);
        for (size_t i = 0; i < p->wlen; i++)
            n[i] = p->wait[(p->whead + i) % p->wcap];
        free(p->wait);
        p->wait = n;
        p->wcap = ncap;
        p->whead = 0;
    }
    p->wait[(p->whead + p->wlen) % p->wcap] = j;
    p->wlen++;
    p->waiting++;
}

/* The oldest live waiter, taken out of the ring (NULL if none).  Stale entries
 * (attempts abandoned while pending) are dropped with their reference. */
static mdl_job *wait_pop(mdl_mesh *m, struct mdl_conn_pool *p)
{
    while (p->wlen) {
        mdl_job *j = p->wait[p->whead];
        p->whead = (p->whead + 1) % p->wcap;
        p->wlen--;
        if (j->conn == MDL_CONN_PENDING) {
            p->waiting--;
            return j; /* the ring's reference passes to the caller */
        }
        mdl__job_release(m, j);
    }
    return NULL;
}

/* Give a connection that has carried `requests` requests to the pending job `j`. */
static void attach(mdl_mesh *m, mdl_cluster *c, mdl_job *j, uint32_t requests)
{
    if (j->conn == MDL_CONN_PENDING) {
        pol_circuit_release(&c->cb, POL_CB_PENDING);
        c->stats.upstream_rq_pending_active--;
    }
    j->conn = MDL_CONN_ACTIVE;
    j->tls = c->cx[j->host].tls;
    j->conn_requests = requests + 1;
    mdl__job_send(m, j);
}

/* A connection of host `h` is free (new, or done with a request): the oldest
 * waiter takes it, or it goes idle. */
static void conn_free(mdl_mesh *m, mdl_cluster *c, uint32_t h, uint32_t requests)
{
    struct mdl_conn_pool *p = &c->cx[h];
    mdl_job *j = wait_pop(m, p);
    if (j) {
        attach(m, c, j, requests);
        mdl__job_release(m, j);
        return;
    }
    MS_VEC_GROW(p->idle, p->nidle, p->idle_cap);
    if (!p->nidle)
        p->oldest = sim_now(m->world);
    p->idle[p->nidle++] = (idle_conn){sim_now(m->world), requests};
}

static bool may_connect(mdl_mesh *m, mdl_cluster *c, struct mdl_conn_pool *p);
static void open_connection(mdl_mesh *m, mdl_cluster *c, const mdl_req *r, uint32_t h);

static void on_connected(sim_world *w, void *t, uint64_t h)
{
    mdl_cluster *c = t;
    struct mdl_conn_pool *p = &c->cx[h];
    p->connecting--;
    conn_free(c->m, c, (uint32_t)h, 0);
}

static void on_connect_timeout(sim_world *w, void *t, uint64_t h)
{
    mdl_cluster *c = t;
    mdl_mesh *m = c->m;
    struct mdl_conn_pool *p = &c->cx[h];
    p->connecting--;
    conn_closed(c, p); /* the attempt's reset counts the connect timeout */
    mdl_job *j = wait_pop(m, p);
    if (j) {
        pol_circuit_release(&c->cb, POL_CB_PENDING);
        c->stats.upstream_rq_pending_active--;
        j->conn = MDL_CONN_NONE;
        mdl_req *r = j->req;
        r->refs++;
        mdl__job_connect_failed(m, j);
        mdl__job_release(m, j);
        if (p->connecting < p->waiting && may_connect(m, c, p))
            open_connection(m, c, r, (uint32_t)h);
        mdl__req_release(m, r);
    }
}

/* Open a connection from the client proxy of `r` to host `h`: the SYN gets
 * through once the path is open (network.c: dead nodes, partitions and
 * NetworkPolicies drop it), then the TCP handshake's round trip, then the TLS
 * handshake; all within tcp.connectTimeout, or the connection fails then. */
static void open_connection(mdl_mesh *m, mdl_cluster *c, const mdl_req *r, uint32_t h)
{
    struct mdl_conn_pool *p = &c->cx[h];
    const mdl_pod *client = r->client, *server = &m->pods[c->pods[h]];
    p->open++;
    p->connecting++;
    c->stats.upstream_cx_total++;
    c->stats.upstream_cx_active++;
    sim_time limit = c->pool.connect_timeout_ns, wait = 0;
    bool ok = mdl__connect(m, client, server, c->svc, r->port, limit, &wait);
    if (ok) {
        sim_time t = wait + mdl__hop_time(m, client, server, 0) + mdl__hop_time(m, server, client, 0);
        if (p->tls)
            t += mdl_sample_ns(&m->mtls_handshake, &c->rng);
        if (t < limit) {
            sim_schedule_in(m->world, t, on_connected, c, h);
            return;
        }
    }
    sim_schedule_in(m->world, limit, on_connect_timeout, c, h);
}

/* Room for one more connection under maxConnections, after closing the
 * connections of every host whose idle timeout has passed. */
static bool may_connect(mdl_mesh *m, mdl_cluster *c, struct mdl_conn_pool *p)
{
    if (!pol_circuit_can_acquire(&c->cb, POL_CB_CONNECTIONS)) {
        sim_time now = sim_now(m->world);
        for (uint32_t h = 0; h < c->nhosts; h++)
            expire_idle(c, &c->cx[h], now);
    }
    return pol_circuit_cx_try_acquire(&c->cb, p->open == 0);
}

bool mdl__conn_request(mdl_mesh *m, mdl_job *j)
{
    mdl_req *r = j->req;
    mdl_cluster *c = r->cluster;
    struct mdl_conn_pool *p = &c->cx[j->host];
    expire_idle(c, p, sim_now(m->world));
    if (p->nidle) {
        idle_conn ic = p->idle[--p->nidle];
        attach(m, c, j, ic.requests);
        return true;
    }
    if (!pol_circuit_try_acquire(&c->cb, POL_CB_PENDING))
        return false;
    c->stats.upstream_rq_pending_total++;
    c->stats.upstream_rq_pending_active++;
    j->conn = MDL_CONN_PENDING;
    j->refs++; /* held by the ring */
    wait_push(p, j);
    if (p->connecting < p->waiting && may_connect(m, c, p))
        open_connection(m, c, r, j->host);
    return true;
}

void mdl__conn_release(mdl_mesh *m, mdl_job *j, bool answered)
{
    mdl_cluster *c = j->req->cluster;
    struct mdl_conn_pool *p = &c->cx[j->host];
    switch (j->conn) {
    case MDL_CONN_NONE:
        return;
    case MDL_CONN_PENDING:
        /* its ring entry goes stale; the ring drops it */
        j->conn = MDL_CONN_NONE;
        p->waiting--;
        pol_circuit_release(&c->cb, POL_CB_PENDING);
        c->stats.upstream_rq_pending_active--;
        return;
    case MDL_CONN_ACTIVE:
        break;
    }
    j->conn = MDL_CONN_NONE;
    uint64_t max = c->pool.max_requests_per_connection;
    if (!answered) {
        conn_closed(c, p);
    } else if (max && j->conn_requests >= max) {
        c->stats.upstream_cx_max_requests++;
        conn_closed(c, p);
    } else {
        conn_free(m, c, j->host, j->conn_requests);
        return;
    }
    /* a connection closed: open another if waiters are left uncovered */
    if (p->connecting < p->waiting && may_connect(m, c, p))
        open_connection(m, c, j->req, j->host);
}
