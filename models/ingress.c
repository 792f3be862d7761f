/*
 * ingress.c - the ingress domain: external clients' connections to the
 * ingress gateway over the `internet` link, and TLS termination there.
 *
 * Connections (HTTP/1.1 keep-alive, as browsers and load generators keep
 * them): every user of a closed-loop external source keeps one connection to
 * the gateway replica it first reached and reuses it for its next requests
 * while that replica runs; an open-loop source keeps a pool of connections,
 * takes an idle one at random for a request (many clients behind it: no one
 * connection is favoured) and opens a new one when all are busy.  The cloud load balancer balances connections, not
 * requests: a new connection's replica is drawn uniformly among the running
 * ones (source.c).  A new connection costs the TCP handshake, one round trip
 * on the internet link before the request goes.  A connection whose request
 * the client gave up on is closed; one to a replica that died is gone.
 *
 * TLS: the Gateway server that accepts the request's host and port (the
 * same one routing.c routes with) decides.  A server whose tls mode
 * terminates TLS (SIMPLE, MUTUAL, ISTIO_MUTUAL, OPTIONAL_MUTUAL) costs, on a
 * gateway worker, the Cluster's mesh.ingressGateway.tlsHandshake for each new
 * client connection plus mesh.mtls.perKiB for every KiB of the request; the
 * response's bytes are encrypted on the way out (the same per-KiB cost, before
 * the internet leg back).  PASSTHROUGH and AUTO_PASSTHROUGH servers do not
 * terminate: no cost at the gateway.  A request no server accepts is answered
 * 404 NR by the gateway (routing.c).
 *
 * All of it is ingress time.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"

/* One closed-loop user's connection to the gateway. */
struct mdl_user_conn {
    uint32_t pod; /* the replica; UINT32_MAX: none yet */
};

static bool terminates(const pol_server *s)
{
    if (!s || !s->tls.set)
        return false;
    switch (s->tls.mode) {
    case POL_SERVER_TLS_SIMPLE:
    case POL_SERVER_TLS_MUTUAL:
    case POL_SERVER_TLS_ISTIO_MUTUAL:
    case POL_SERVER_TLS_OPTIONAL_MUTUAL:
        return true;
    case POL_SERVER_TLS_PASSTHROUGH:
    case POL_SERVER_TLS_AUTO_PASSTHROUGH:
        return false;
    }
    return false;
}

static void on_internet_arrive(sim_world *w, void *t, uint64_t arg)
{
    mdl_req *r = t;
    if (!r->done && !mdl__pod_alive(r->client)) {
        /* the gateway replica died on the way: the connection is gone */
        mdl__req_give_up(r->m, r);
        mdl__root_done(r->m, r);
    } else if (!r->done) {
        mdl__req_start(r->m, r);
    }
    mdl__req_release(r->m, r);
}

void mdl__ingress_send(mdl_mesh *m, mdl_source *s, mdl_req *r, uint32_t user)
{
    bool fresh = true;
    if (!s->spec->closed_loop) {
        while (s->nidle_conns && fresh) {
            size_t k = (size_t)sim_rng_below(&s->rng, s->nidle_conns);
            uint32_t pod = s->idle_conns[k];
            s->idle_conns[k] = s->idle_conns[--s->nidle_conns];
            if (mdl__pod_alive(&m->pods[pod])) {
                r->client = &m->pods[pod];
                fresh = false;
            }
        }
    } else {
        if (!s->user_conns) {
            s->user_conns = ms_xmalloc((size_t)s->spec->users.v * sizeof *s->user_conns);
            for (int64_t u = 0; u < s->spec->users.v; u++)
                s->user_conns[u].pod = UINT32_MAX;
        }
        struct mdl_user_conn *c = &s->user_conns[user];
        if (c->pod != UINT32_MAX && mdl__pod_alive(&m->pods[c->pod])) {
            r->client = &m->pods[c->pod]; /* the user's connection goes on */
            fresh = false;
        }
        c->pod = r->client->id;
    }
    r->ingress_new_conn = fresh;
    r->ingress_tls = s->ingress_tls;
    sim_time t = mdl__internet_time(m, MDL_REQUEST_BYTES);
    if (fresh) /* SYN, SYN-ACK; the request follows the ACK */
        t += mdl__internet_time(m, 0) + mdl__internet_time(m, 0);
    r->refs++;
    sim_schedule_in(m->world, t, on_internet_arrive, r, 0);
}

bool mdl__ingress_terminates_tls(const mdl_mesh *m, const mdl_source *s)
{
    return terminates(mdl__gateway_server(m->ingress_routes, s->spec->host, s->spec->port));
}

sim_time mdl__ingress_tls_cost(mdl_mesh *m, mdl_req *r)
{
    if (!r->ingress_tls)
        return 0;
    sim_time t = mdl__tls_bytes_cost(m, &r->client->rng, MDL_REQUEST_BYTES);
    if (r->ingress_new_conn)
        t += mdl_sample_ns(&m->ingress_tls, &r->client->rng);
    return t;
}

sim_time mdl__ingress_response_time(mdl_mesh *m, mdl_req *r)
{
    uint64_t bytes = r->response_bytes ? r->response_bytes : MDL_REQUEST_BYTES;
    sim_time t = mdl__internet_time(m, bytes);
    if (r->ingress_tls)
        t += mdl__tls_bytes_cost(m, &r->client->rng, bytes);
    return t;
}

void mdl__ingress_done(mdl_mesh *m, mdl_req *r)
{
    mdl_source *s = r->src;
    bool answered = r->status != 0;
    if (s->spec->closed_loop) {
        if (!answered)
            s->user_conns[r->user].pod = UINT32_MAX;
    } else if (answered) {
        MS_VEC_GROW(s->idle_conns, s->nidle_conns, s->idle_conns_cap);
        s->idle_conns[s->nidle_conns++] = r->client->id;
    }
    (void)m;
}

void mdl__ingress_free(mdl_source *s)
{
    free(s->user_conns);
    free(s->idle_conns);
    s->user_conns = NULL;
    s->idle_conns = NULL;
}
