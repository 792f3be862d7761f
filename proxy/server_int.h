/*
 * server_int.h - meshproxy's internal objects, shared by the files of proxy/
 * that implement the data path (downstream.c, router.c, request_facts.c,
 * overrides.c, upstream.c, headers.c), observability (metrics.c, admin.c)
 * and the process (server.c).
 *
 * Threads: each px_worker and everything reachable from it (connections,
 * requests, pools of its index) belong to the worker's thread.  Shared across
 * threads: px_server fields marked so (under srv->mu or atomic), clusters'
 * shared parts (cluster mutex), and each worker's metrics (worker->mmu).
 *
 * Life of a request: the downstream connection parses a head and creates a
 * px_req holding a reference to the configuration in force; the router
 * decides (rate limit, route, fault, retries, timeouts) and runs attempts
 * (px_attempt: one upstream request each) on upstream connections from the
 * per-endpoint pools; usually one at a time, several at once when a hedged
 * per-try timeout started another while the first still runs; the response
 * of the winning attempt is streamed back; px_req_finish() records metrics
 * and the access log line and frees it.
 */
#ifndef PX_SERVER_INT_H
#define PX_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "policy/fault.h"
#include "policy/ratelimit.h"
#include "proxy/buf.h"
#include "proxy/conf.h"
#include "proxy/http1.h"
#include "proxy/loop.h"
#include "proxy/server.h"

typedef struct px_server px_server;
typedef struct px_worker px_worker;
typedef struct px_dconn px_dconn;
typedef struct px_tunnel px_tunnel;
typedef struct px_attempt px_attempt;

/* Istio request metrics for one label set. */
#define PX_NBUCKETS 19
extern const double px_buckets_ms[PX_NBUCKETS]; /* Envoy's default bucket bounds (metrics.c) */
typedef struct px_metric {
    char *key;   /* "fqdn\x1fservice\x1fns\x1fversion\x1fcode\x1fflags" (owned) */
    uint64_t count;    /* the duration histogram's samples */
    uint64_t requests; /* istio_requests_total: a counter, zeroed by /reset_counters */
    uint64_t buckets[PX_NBUCKETS + 1]; /* last: +Inf */
    double sum_ms, min_ms, max_ms;
} px_metric;

typedef struct px_metrics {
    px_metric *items; /* open addressing on the key */
    size_t n, cap;
} px_metrics;

struct px_worker {
    px_server *srv;
    int id;
    pthread_t thread;
    px_loop *loop;
    px_io listen_io;
    px_conf *conf;          /* the configuration new requests use (held) */
    px_conf *next_conf;     /* posted by a reload (under srv->mu, held) */
    ms_splitmix rng_state;
    ms_rng rng;
    px_dconn *conns;        /* every open downstream connection */
    size_t nconns;
    bool draining;
    pthread_mutex_t mmu;    /* metrics and fault stats */
    px_metrics metrics;
    pol_fault_stats fault_stats;
    _Atomic uint64_t downstream_rq_total, downstream_cx_total;
    /* Envoy's connection manager upgrade stats: 101s turned into tunnels (and
     * those open), upgrades of a type not enabled (403) */
    _Atomic uint64_t downstream_cx_upgrades_total, downstream_cx_upgrades_active,
        downstream_rq_ws_on_non_ws_route;
    _Atomic uint64_t downstream_rq_idle_timeout; /* streams ended by the stream idle timeout */
};

struct px_server {
    px_options opt;
    int nworkers;
    px_worker *workers;
    px_loop *loop;          /* main thread: admin, signals, outlier sweeps */
    px_io admin_io, signal_io;
    pthread_mutex_t mu;
    px_conf *conf;          /* current configuration (under mu) */
    uint64_t generation;
    px_timer *od_timers;    /* one per cluster of conf */
    size_t nod_timers;
    _Atomic bool draining;
    _Atomic bool stop_now;
    _Atomic int live_workers;
    int64_t drain_deadline;
    px_timer drain_timer;
    pthread_mutex_t rl_mu;  /* local rate limit bucket */
    pol_ratelimit rl;
    int log_fd;             /* -1: no access log */
    struct sockaddr_storage listen_sa;
    socklen_t listen_salen;
    uint64_t reloads_ok, reloads_failed;
    int64_t start_ns;       /* px_clock_ns() at start (uptime) */
    /* admin-driven draining (admin.c, server.c; Envoy's DrainManager): while
     * either is set every HTTP/1 response carries "connection: close" */
    _Atomic bool hc_failed;        /* POST /healthcheck/fail (until /healthcheck/ok) */
    _Atomic bool listeners_drain;  /* POST /drain_listeners: the drain sequence began */
    _Atomic bool listeners_stopped;/* the workers stop accepting (posted, then each closes) */
    px_timer listeners_timer;      /* /drain_listeners?graceful: stop after the drain period */
};

/* Envoy's drainClose() for this worker's HTTP/1 connections: the response
 * closes the connection (SIGTERM drain, failed health check, listener drain). */
static inline bool px_worker_drain_close(const px_worker *w)
{
    return w->draining || atomic_load(&w->srv->hc_failed) || atomic_load(&w->srv->listeners_drain);
}

typedef enum px_req_state {
    RQ_HEAD,      /* head received, not dispatched yet */
    RQ_DELAY,     /* fault delay */
    RQ_ATTEMPT,   /* attempts in flight (connecting, pending or waiting for headers) */
    RQ_BACKOFF,   /* a retry waits its backoff (hedged attempts may still be in flight) */
    RQ_STREAM,    /* response headers sent, streaming the body */
    RQ_TUNNEL,    /* upgraded (101): a byte tunnel between the two connections (tunnel.c) */
    RQ_DONE,
} px_req_state;

/* One upstream request of a px_req (Envoy's UpstreamRequest).  The first
 * lives inside the px_req (no allocation on the common path); a hedged one
 * started while another is in flight is allocated. */
struct px_attempt {
    px_req *r;
    px_attempt *next;       /* r's attempts in flight */
    px_uconn *uc;           /* its connection (NULL while queued or connecting failed) */
    int32_t host;
    bool live;              /* in r's list */
    bool holds_rq;          /* a POL_CB_REQUESTS unit */
    bool holds_pending;     /* a POL_CB_PENDING unit while queued */
    bool retried;           /* a hedge was started for it: never retried again */
    bool timeout_recorded;  /* outlier detection already got its LocalOriginTimeout */
    bool body_end_sent;     /* it got the whole request */
    px_attempt *pending_next; /* the pool's queue */
    px_timer try_timer;     /* per-try timeout */
    int64_t start_ns;
    int64_t expected_timeout_ms; /* x-envoy-expected-rq-timeout-ms it carries; 0: none */
    uint32_t attempt_count; /* x-envoy-attempt-count it carries */
    uint64_t body_fwd;      /* body bytes handed to it */
};

struct px_req {
    px_dconn *dc;
    px_worker *w;
    px_conf *conf;          /* held */
    px_req_state state;
    int64_t start_ns;       /* head received */
    int64_t route_start_ns; /* global timer start: request complete, after fault delay */
    /* request, as received (strings in `strs`) */
    px_buf strs;
    size_t method_off, method_len, path_off, path_len, authority_off, authority_len;
    size_t xff_off, xff_len, ua_off, ua_len, rid_off, rid_len;
    int minor;
    bool head_method;
    bool keep_alive;        /* downstream wants to keep the connection */
    bool upgrade;           /* a websocket upgrade: forwarded with its Upgrade header, the
                             * bytes after the head are its payload (never parsed) */
    bool upgrade_refused;   /* an upgrade to a protocol other than websocket (403) */
    bool h2c_stripped;      /* an h2c upgrade offer, removed (also HTTP2-Settings) */
    px_tunnel *tunnel;      /* RQ_TUNNEL: the byte tunnel (owned) */
    bool body_framed;       /* the request declared a body (CL or TE) */
    bool internal;          /* an internal caller (router.c caller_internal): x-envoy-*
                             * overrides honoured, x-envoy-internal: true upstream */
    px_buf up_head;         /* upstream request head without its final CRLF */
    /* request body (reqbody.c): streamed to the attempt as it arrives; `body`
     * keeps every byte from the start while the body fits the retry buffer,
     * only the bytes not yet handed to the attempt once it outgrew it */
    px_buf body;
    px_body_decoder bodydec;
    uint64_t body_base;     /* body offset of body.p[off] (0 while retriable) */
    bool body_done;         /* the client sent the whole body (or there is none) */
    bool body_abandoned;    /* outgrew the retry buffer: no more retries */
    uint64_t body_length;   /* Content-Length of the request (else chunked or none) */
    bool body_chunked;      /* chunked towards the upstream */
    px_buf req_trailers;    /* a chunked request's trailer fields (http1.h), resent by retries */
    /* decisions */
    pol_route_result route;
    px_cluster *cl;
    const px_route_policy *pol;   /* the route's, or own_pol */
    px_route_policy own_pol;      /* the route's with the request's x-envoy-* overrides */
    /* x-envoy-* overrides (router.c; -1: header absent) */
    int64_t ovr_timeout_ms, ovr_per_try_ms, ovr_max_retries;
    size_t ovr_retry_on_off, ovr_codes_off, ovr_header_names_off; /* NUL-terminated in strs,
                                                                   * SIZE_MAX: absent */
    pol_retry_state retry;
    bool retry_live;
    bool hedge;             /* x-envoy-hedge-on-per-try-timeout: true (internal callers) */
    px_timer route_timer, wait_timer;
    px_timer idle_timer;    /* stream idle timeout (Envoy's stream_idle_timeout) */
    int64_t active_ns;      /* the stream's last activity: request body or response bytes */
    /* attempts: those in flight, and the latest started (the winner once the
     * response streams; NULL when it ended) */
    px_attempt *atts;
    px_attempt *cur;
    px_attempt att0;        /* storage of the first attempt (and of later ones when free) */
    /* response */
    int status;
    pol_flags flags;
    px_body_decoder respdec;
    bool resp_chunked;      /* re-chunk towards downstream (trailers then go along) */
    px_buf resp_trailers;   /* the response's trailer fields while re-chunked */
    bool resp_keep_alive;   /* upstream connection reusable after this response */
    uint64_t bytes_received, bytes_sent;
    int64_t upstream_time_ms; /* -1: none */
    const char *upstream_host;
    const char *version;
    uint64_t authz_denied;  /* bit h: AuthorizationPolicy denies endpoint h (403) */
    size_t hash_off, hash_len; /* consistentHash key value in strs */
    bool has_hash_key;
    size_t set_cookie_off, set_cookie_len; /* a generated hash cookie's Set-Cookie value in strs */
    bool set_cookie;
    bool fault_abort;       /* after the fault delay: abort with fault_status */
    int fault_status;
    bool aborted;           /* ended by the client side (no response written) */
};

typedef enum px_uconn_state { UC_CONNECTING, UC_BUSY, UC_IDLE } px_uconn_state;

struct px_uconn {
    px_io io;
    px_worker *w;
    px_conf *conf;
    px_cluster *cl;
    uint32_t host;
    px_uconn_state state;
    px_buf in, out;
    px_timer timer;         /* connect or idle timeout */
    px_attempt *att;        /* the attempt it serves */
    uint32_t served;        /* requests completed on this connection */
    bool got_bytes;         /* the current request saw response bytes */
    bool sent;              /* request bytes written */
    bool resp_complete;     /* while the router sees a head: the whole response is in `in` */
    size_t resp_bytes;      /* ... and takes this many bytes */
    px_uconn *next_idle;
};

struct px_dconn {
    px_io io;
    px_worker *w;
    px_buf in, out;
    px_timer timer;         /* head/body read (408) or keep-alive idle */
    px_timer kick;          /* next turn: parse pipelined input after a response */
    px_req *req;
    char peer[64];          /* peer IP text */
    char peer_addr[72];     /* peer "ip:port" ("[ip]:port" for IPv6), as Envoy's asString() */
    char local_addr[72];    /* our end of the connection, same form */
    bool closing;           /* close once `out` is flushed */
    bool paused;            /* not reading (a request in progress) */
    bool out_blocked;       /* waiting for EPOLLOUT */
    px_dconn *prev, *next;
};

/* downstream.c */
void px_worker_accept(px_loop *l, px_io *io, uint32_t ev);
void px_dconn_close(px_dconn *dc);
/* Write bytes towards the client (buffered; flushed as the socket allows).
 * Returns 0, or -1 when the connection is gone or memory ran out. */
int px_dconn_write(px_dconn *dc, const void *p, size_t n);
/* A request is over: keep the connection for the next or close it. */
void px_dconn_request_done(px_dconn *dc, bool close);
/* Stop reading upstream while the client's buffer is this full. */
#define PX_OUT_HIGH_WATER (1u << 20)
bool px_dconn_out_full(const px_dconn *dc);
/* Send what `out` holds; on a write error the connection is closed (and its
 * request aborted).  Returns 0, or -1 when the connection is gone. */
int px_dconn_flush(px_dconn *dc);
/* The request body may flow again: read the client if it was paused. */
void px_dconn_body_resume(px_dconn *dc);
/* Close the listener and the idle connections; the others close after
 * their response (which then says "connection: close").  The worker keeps
 * running (/drain_listeners). */
void px_worker_stop_accepting(px_worker *w);
/* Drain (SIGTERM): mark the worker draining and stop accepting. */
void px_worker_drain(px_worker *w);

/* request_facts.c: the consistent-hash key (and a generated hash cookie) and
 * the per-endpoint authorization decisions, from the head.  0, or -1 out of
 * memory. */
int px_req_facts(px_req *r, const px_http_msg *m);

/* overrides.c */
/* Is the caller internal (every caller of a sidecar; at a gateway, a peer in
 * --internal-address whose request has no X-Forwarded-For)? */
bool px_req_caller_internal(const px_req *r, const px_http_msg *m);
/* Keep an internal caller's x-envoy-* overrides (hedging flag, timeouts,
 * retries).  0, or -1 out of memory. */
int px_req_read_overrides(px_req *r, const px_http_msg *m);
/* Point r->pol at the route's policy with the overrides applied (a copy in
 * r->own_pol), or leave it when there are none. */
void px_req_apply_overrides(px_req *r);

/* router.c */
px_req *px_req_create(px_dconn *dc, char *head, const px_http_msg *m);
/* The head is in (and whatever body bytes came with it): decide and forward;
 * the body streams behind it. */
void px_req_dispatch(px_req *r);
/* The client sent the last body byte: start the route timer (Envoy starts it
 * at the end of the downstream request) and finish the upstream request. */
void px_req_body_complete(px_req *r);
/* A local reply or reset caused by the request body (400, 408, 413, 507): a
 * local reply, or a closed connection once the response has started. */
void px_req_body_fail(px_req *r, int status, pol_flags flags, const char *text);
/* Local reply (no upstream response started): status, flags, body text. */
void px_req_local_reply(px_req *r, int status, pol_flags flags, const char *body,
                        const char *extra_headers);
/* Activity on the stream (request body bytes in, response bytes out): the
 * stream idle timeout starts over (checked lazily when its timer fires). */
static inline void px_req_active(px_req *r) { r->active_ns = px_loop_now(r->w->loop); }
/* The client went away or the request must end now. */
void px_req_abort(px_req *r, pol_flags flags);
/* Upstream events of attempt a. */
/* Append a's request head to `out` (the body follows through px_reqbody_fill). */
int px_req_write_request(px_attempt *a, px_buf *out);
void px_req_on_upstream_reset(px_attempt *a, pol_reset_reason reason);
void px_req_on_response_head(px_attempt *a, char *head, const px_http_msg *m);
/* The circuit breaker refused attempt a (NULL: before it existed): 503 UO,
 * unless other attempts may still answer (Envoy's Overflow reset). */
void px_req_on_overflow(px_req *r, px_attempt *a);
/* Does r still wait for response headers (of any attempt in flight)? */
static inline bool px_req_awaiting_headers(const px_req *r)
{
    return r->state == RQ_ATTEMPT || r->state == RQ_BACKOFF;
}
/* The upstream answered an upgrade request with 101 Switching Protocols (head
 * m, the first head_len bytes of the connection's input): relay the head and
 * turn both connections into a byte tunnel. */
void px_req_on_upgrade(px_attempt *a, const px_http_msg *m, size_t head_len);
void px_req_on_response_data(px_req *r, const char *p, size_t n);
void px_req_on_response_end(px_req *r);
void px_req_finish(px_req *r);

/* upstream.c */
/* Get a connection for attempt a: idle, new, or queued as pending.
 * Returns 0, or -1 after answering the request (overflow 503 UO). */
int px_upstream_attach(px_attempt *a);
/* Detach a from its connection: close it (reset) or, if `reusable`, return
 * it to the pool; leave the pending queue. */
void px_upstream_detach(px_attempt *a, bool reusable);
/* Close every idle connection of configuration c in worker w's pools. */
void px_upstream_close_idle(px_worker *w, px_conf *c);
/* The client buffer drained: resume reading the winning attempt's response. */
void px_upstream_resume(px_req *r);
/* New request body bytes: write them to r's attempts that have a connection. */
void px_upstream_send_body(px_req *r);

/* reqbody.c */
/* Body bytes from the client (decoded).  Returns 0, or -1 when the request
 * ended (507 while retrying, out of memory). */
int px_reqbody_add(px_req *r, const char *p, size_t n);
/* Does the client side keep reading?  No while the upstream is behind by the
 * retry buffer's size (backpressure). */
bool px_reqbody_wants_input(const px_req *r);
/* A new attempt starts sending: from the body's first byte. */
void px_reqbody_rewind(px_attempt *a);
/* Can a new attempt resend the whole body? */
bool px_reqbody_resendable(const px_req *r);
/* Append what attempt a may take now (re-chunked when chunked) to its
 * connection's `out`.  Returns true when it appended anything. */
bool px_reqbody_fill(px_attempt *a, px_buf *out);

/* headers.c */
/* Build the upstream head (without the final CRLF) and record strings for the
 * log.  Returns 0, or -1 when memory ran out. */
int px_headers_request(px_req *r, const px_http_msg *m);
/* Append the downstream response head for upstream response m to dc->out. */
int px_headers_response(px_req *r, const px_http_msg *m);
/* Append the downstream 101 head for the upstream's 101 m to dc->out (its
 * Upgrade header kept, Connection: upgrade). */
int px_headers_upgrade_response(px_req *r, const px_http_msg *m);
/* A fresh UUIDv4 text (36 chars + NUL). */
void px_uuid(ms_rng *rng, char out[37]);
const char *px_reason(int status);
static inline const char *px_req_str(const px_req *r, size_t off) { return r->strs.p + off; }

/* tunnel.c */
/* Start the tunnel of an upgraded request: r's attempt connection and its
 * client, with the upstream bytes after the 101 head (`up_from` on in `uc->in`). */
void px_tunnel_start(px_req *r, size_t up_from);
/* An event on either connection of r's tunnel. */
void px_tunnel_on_io(px_req *r, bool downstream, uint32_t ev);
/* Release the tunnel of a finishing request (timer stopped, freed). */
void px_tunnel_free(px_req *r);

/* metrics.c */
void px_metrics_record(px_worker *w, const px_req *r, int64_t now);
void px_access_log(px_worker *w, const px_req *r, int64_t now);
void px_metrics_free(px_metrics *m);
/* Prometheus text of every worker's metrics and the clusters of c. */
int px_metrics_prometheus(px_server *s, px_conf *c, px_buf *out);
/* Every worker's Istio metrics merged by label set and sorted by key (keys
 * owned by the array); *n receives the count.  NULL when memory ran out. */
px_metric *px_metrics_merged(px_server *s, size_t *n);
void px_metrics_merged_free(px_metric *all, size_t n);
/* Zero every counter (not the gauges, not the histograms), as Envoy's
 * /reset_counters does. */
void px_metrics_reset_counters(px_server *s, px_conf *c);

/* stats_text.c */
/* Envoy's /stats text: counters and gauges "name: value" sorted by name,
 * then histograms with their quantile summary; with `filter` (a compiled
 * PCRE2 pattern, pcre2_code) only the names it matches; with `json` the
 * same in Envoy's /stats?format=json form.  0, or -1 out of memory. */
struct pcre2_real_code_8;
int px_stats_text(px_server *s, px_conf *c, const struct pcre2_real_code_8 *filter, bool json, px_buf *out);

/* server.c (main thread) */
/* POST /drain_listeners: start the drain (responses close their connection);
 * stop accepting now, or after the drain period when `graceful`, or never
 * with `skip_exit`. */
void px_server_drain_listeners(px_server *s, bool graceful, bool skip_exit);

/* admin.c */
void px_admin_accept(px_loop *l, px_io *io, uint32_t ev);

#endif
