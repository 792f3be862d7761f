/*
 * router.c - one request through the policy library, in Envoy's order
 * (policy-semantics.md section 0): local rate limit, route (Host header picks
 * the VirtualService), fault injection (delay before the route timer, abort
 * skips the router), then attempts: host pick by the cluster's balancer with
 * the retry state's host predicate, circuit breaker, per-try and route
 * timeouts, outlier reports from real responses, resets and timeouts, and the
 * retry decision with Envoy's backoff.  Every decision is a policy/ call; this
 * file only wires them to sockets and timers.
 *
 * Hedging (Envoy's hedge_on_per_try_timeout, switched on per request by
 * x-envoy-hedge-on-per-try-timeout: true from an internal caller): a per-try
 * timeout does not reset its attempt; outlier detection gets its
 * LocalOriginTimeout once, and if the retry state allows a retry another
 * attempt starts after the backoff, in parallel, the first being marked
 * retried (never retried again).  The first acceptable response headers win
 * and every other attempt is reset (its connection closed); a bad response
 * or a reset of one attempt while others still wait for headers, or while a
 * retry is pending, drops that attempt and waits for the others.  The route
 * timeout resets every attempt in flight (each counted).
 *
 * Stats and breaker counts of a cluster are shared by the workers and touched
 * under the cluster mutex; everything else here belongs to the worker.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/authz.h"
#include "proxy/server_int.h"

static void attempt_start(px_req *r);
static void attempt_end(px_attempt *a, bool reusable);
static void on_route_timeout(px_loop *l, px_timer *t);
static void on_try_timeout(px_loop *l, px_timer *t);
static void on_wait(px_loop *l, px_timer *t);
static void on_stream_idle(px_loop *l, px_timer *t);

static int64_t now_of(px_req *r) { return px_loop_now(r->w->loop); }

px_req *px_req_create(px_dconn *dc, char *head, const px_http_msg *m)
{
    px_worker *w = dc->w;
    px_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->dc = dc;
    r->w = w;
    r->conf = w->conf;
    px_conf_ref(r->conf);
    r->start_ns = px_loop_now(w->loop);
    r->minor = m->minor_version;
    r->head_method = px_slice_ieq(m->method, "head");
    r->keep_alive = m->keep_alive;
    r->body_framed = m->body != PX_BODY_NONE || px_http_find(m, "content-length", 0) >= 0;
    r->upstream_time_ms = -1;
    px_timer_init(&r->route_timer, on_route_timeout, r);
    px_timer_init(&r->wait_timer, on_wait, r);
    px_timer_init(&r->idle_timer, on_stream_idle, r);
    r->active_ns = r->start_ns;
    px_body_decoder_init(&r->bodydec, m->body, m->content_length);
    r->state = RQ_HEAD;
    r->body_done = m->body == PX_BODY_NONE;
    r->body_chunked = m->body == PX_BODY_CHUNKED;
    r->body_length = m->body == PX_BODY_LENGTH ? m->content_length : 0;
    if (r->body_chunked)
        r->bodydec.trailers = &r->req_trailers; /* forwarded: the upstream side is chunked too */
    px_upgrade_kind up = px_http_upgrade_kind(m);
    r->upgrade = up == PX_UPGRADE_WEBSOCKET;
    r->upgrade_refused = up == PX_UPGRADE_OTHER;
    r->h2c_stripped = up == PX_UPGRADE_H2C;
    if (r->upgrade) {
        /* As Envoy's HTTP/1 codec in upgrade mode: the client's bytes after the
         * head are the upgrade's payload, streamed to the attempt as a body
         * that only ends with the connection.  So the downstream request never
         * completes: the route and per-try timers never start (Envoy starts
         * them at the end of the downstream request), retries before the 101
         * resend what the retry buffer kept, and the connection is never
         * reused for another request. */
        px_body_decoder_init(&r->bodydec, PX_BODY_EOF, 0);
        r->body_done = false;
        r->body_framed = false;
        r->keep_alive = false;
    }
    pol_request req = {
        .method = m->method,
        .scheme = {"http", 4},
        .authority = m->host_index >= 0 ? m->headers[m->host_index].value : (pol_slice){"", 0},
        .path = m->target,
        .headers = m->headers,
        .nheaders = m->nheaders,
        .port = 0,
    };
    pol_route_decide(r->conf->routes, r->conf->scratch[w->id], &req, &w->rng, &r->route);
    r->internal = px_req_caller_internal(r, m);
    if (px_headers_request(r, m) != 0 || px_req_facts(r, m) != 0 || px_req_read_overrides(r, m) != 0) {
        px_buf_free(&r->strs);
        px_buf_free(&r->up_head);
        px_buf_free(&r->req_trailers);
        px_conf_unref(r->conf);
        free(r);
        return NULL;
    }
    /* armed once nothing can fail: a freed request must not stay in the timer heap */
    if (w->srv->opt.stream_idle_timeout_ns > 0)
        px_timer_start(w->loop, &r->idle_timer, r->start_ns + w->srv->opt.stream_idle_timeout_ns);
    return r;
}

/* A new attempt in r's list (the latest): the px_req's own storage when
 * free, else allocated (a hedge while another runs).  NULL: out of memory. */
static px_attempt *attempt_new(px_req *r)
{
    px_attempt *a = &r->att0;
    if (a->live)
        a = calloc(1, sizeof *a);
    else
        memset(a, 0, sizeof *a);
    if (!a)
        return NULL;
    a->r = r;
    a->host = -1;
    a->live = true;
    a->body_fwd = r->body_base;
    px_timer_init(&a->try_timer, on_try_timeout, a);
    a->next = r->atts;
    r->atts = a;
    r->cur = a;
    return a;
}

/* Give back what attempt a holds and drop it from r's list.  `reusable`:
 * the upstream connection finished its response cleanly and may serve
 * another. */
static void attempt_end(px_attempt *a, bool reusable)
{
    if (!a || !a->live)
        return;
    px_req *r = a->r;
    px_loop *l = r->w->loop;
    px_timer_stop(l, &a->try_timer);
    /* a connection that has not carried the whole request cannot serve another */
    px_upstream_detach(a, reusable && a->body_end_sent);
    if (a->holds_rq) {
        px_cluster *cl = r->cl;
        px_cluster_lock(cl);
        pol_circuit_release(&cl->cb, POL_CB_REQUESTS);
        if (cl->hstats[a->host].rq_active)
            cl->hstats[a->host].rq_active--;
        if (cl->stats.upstream_rq_active)
            cl->stats.upstream_rq_active--;
        px_cluster_unlock(cl);
        pol_host_set_active_add(cl->w[r->w->id].hs, (uint32_t)a->host, -1);
        a->holds_rq = false;
    }
    for (px_attempt **p = &r->atts; *p; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            break;
        }
    a->live = false;
    a->next = NULL;
    if (r->cur == a)
        r->cur = NULL;
    if (a != &r->att0)
        px_loop_defer_free(l, a);
}

static void attempts_end_all(px_req *r)
{
    while (r->atts)
        attempt_end(r->atts, false);
}

/* Do other attempts still wait for headers, or does a retry wait its
 * backoff?  Then a failed attempt is dropped without answering (Envoy's
 * numRequestsAwaitingHeaders() > 0 || pending_retries_ > 0). */
static bool others_pending(const px_req *r) { return r->atts != NULL || r->state == RQ_BACKOFF; }

void px_req_finish(px_req *r)
{
    if (r->state == RQ_DONE)
        return;
    px_worker *w = r->w;
    px_loop *l = w->loop;
    int64_t now = px_loop_update_now(l);
    if (r->tunnel)
        px_tunnel_free(r);
    attempts_end_all(r);
    r->state = RQ_DONE;
    px_timer_stop(l, &r->route_timer);
    px_timer_stop(l, &r->wait_timer);
    px_timer_stop(l, &r->idle_timer);
    if (r->retry_live) {
        px_cluster_lock(r->cl);
        pol_retry_state_fini(&r->retry, &r->cl->cb);
        px_cluster_unlock(r->cl);
        r->retry_live = false;
    }
    px_metrics_record(w, r, now);
    px_access_log(w, r, now);
    if (!r->aborted && r->dc->req == r)
        px_dconn_request_done(r->dc, !r->keep_alive);
    px_conf_unref(r->conf);
    px_buf_free(&r->strs);
    px_buf_free(&r->up_head);
    px_buf_free(&r->body);
    px_buf_free(&r->req_trailers);
    px_buf_free(&r->resp_trailers);
    px_loop_defer_free(l, r);
}

void px_req_local_reply(px_req *r, int status, pol_flags flags, const char *body,
                        const char *extra_headers)
{
    if (r->state == RQ_DONE)
        return;
    px_dconn *dc = r->dc;
    attempts_end_all(r);
    r->status = status;
    r->flags |= flags;
    if (!r->body_done || (extra_headers && strstr(extra_headers, "connection: close")))
        r->keep_alive = false; /* unread body bytes, or asked to */
    if (px_worker_drain_close(r->w))
        r->keep_alive = false;
    bool asked_close = extra_headers && strstr(extra_headers, "connection: close");
    char head[512];
    size_t blen = strlen(body);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\ncontent-length: %zu\r\ncontent-type: text/plain\r\n"
                     "server: meshproxy\r\n%s%s\r\n",
                     status, px_reason(status), r->head_method ? (size_t)0 : blen,
                     extra_headers ? extra_headers : "",
                     r->keep_alive || asked_close ? "" : "connection: close\r\n");
    if (px_dconn_write(dc, head, (size_t)n) == 0 && !r->head_method)
        px_dconn_write(dc, body, blen);
    r->bytes_sent = r->head_method ? 0 : blen;
    px_req_finish(r);
    if (dc->io.fd >= 0)
        px_dconn_flush(dc);
}

void px_req_abort(px_req *r, pol_flags flags)
{
    if (r->state == RQ_DONE)
        return;
    r->flags |= flags;
    r->aborted = true;
    r->dc->req = NULL;
    px_req_finish(r);
}

/* The response is on its way and must stop: all the client can get is a
 * reset.  The request ends with `flags` alone (not DC: the client did not
 * disconnect, the proxy did), then its connection closes. */
static void reset_started_response(px_req *r, pol_flags flags)
{
    px_dconn *dc = r->dc;
    r->keep_alive = false;
    px_req_abort(r, flags);
    px_dconn_close(dc);
}

void px_req_body_fail(px_req *r, int status, pol_flags flags, const char *text)
{
    if (r->state == RQ_DONE)
        return;
    if (r->state == RQ_STREAM) {
        reset_started_response(r, flags);
        return;
    }
    px_req_local_reply(r, status, flags, text, "connection: close\r\n");
}

/* The global timer starts at the end of the downstream request (or of the
 * fault delay, whichever is later). */
static void start_route_timer(px_req *r)
{
    r->route_start_ns = now_of(r);
    if (r->pol->timeouts.global_ns > 0)
        px_timer_start(r->w->loop, &r->route_timer, r->route_start_ns + r->pol->timeouts.global_ns);
}

static void forward(px_req *r)
{
    pol_retry_state_init(&r->retry, &r->pol->retry);
    r->retry_live = true;
    if (r->body_abandoned) {
        /* the body outgrew the retry buffer before the first attempt */
        px_cluster_lock(r->cl);
        r->cl->stats.retry_or_shadow_abandoned++;
        pol_retry_state_fini(&r->retry, &r->cl->cb);
        px_cluster_unlock(r->cl);
        r->retry_live = false;
    }
    if (r->body_done)
        start_route_timer(r);
    attempt_start(r);
}

void px_req_body_complete(px_req *r)
{
    r->body_done = true;
    if (r->state == RQ_ATTEMPT || r->state == RQ_BACKOFF || r->state == RQ_STREAM) {
        start_route_timer(r);
        pol_attempt_deadline dl = pol_timeout_attempt(&r->pol->timeouts, r->route_start_ns, r->route_start_ns);
        for (px_attempt *a = r->atts; a && r->state == RQ_ATTEMPT; a = a->next)
            if (a->holds_rq && dl.kind == POL_TIMEOUT_PER_TRY)
                px_timer_start(r->w->loop, &a->try_timer, dl.deadline_ns);
    }
    if (r->state != RQ_DONE)
        px_upstream_send_body(r); /* the last chunk */
}

void px_req_dispatch(px_req *r)
{
    px_worker *w = r->w;
    px_server *s = w->srv;
    r->state = RQ_ATTEMPT;
    if (r->upgrade_refused && r->route.action != POL_ROUTE_NO_ROUTE) {
        /* Envoy's connection manager, before any HTTP filter, when a route
         * matched and the upgrade type is not enabled: 403 with no body
         * ("upgrade_failed", downstream_rq_ws_on_non_ws_route), and no further
         * request on this connection (its next bytes may be the upgrade's) */
        w->downstream_rq_ws_on_non_ws_route++;
        px_req_local_reply(r, 403, 0, "", "connection: close\r\n");
        return;
    }
    if (s->opt.rate_limit) {
        pol_ratelimit_decision d;
        pthread_mutex_lock(&s->rl_mu);
        pol_ratelimit_decide(&s->rl, now_of(r), &w->rng, &d);
        pthread_mutex_unlock(&s->rl_mu);
        if (d.limited) {
            px_req_local_reply(r, d.status, d.flags, "local_rate_limited", "x-envoy-ratelimited: true\r\n");
            return;
        }
    }
    const pol_route_result *rt = &r->route;
    char extra[600];
    switch (rt->action) {
    case POL_ROUTE_FORWARD:
        break;
    case POL_ROUTE_REDIRECT:
        snprintf(extra, sizeof extra, "location: %s%s\r\n",
                 rt->redirect && rt->redirect->authority ? rt->redirect->authority : "",
                 rt->redirect && rt->redirect->uri ? rt->redirect->uri : "/");
        px_req_local_reply(r, rt->status, 0, "", extra);
        return;
    case POL_ROUTE_DIRECT_RESPONSE:
        px_req_local_reply(r, rt->status, 0, rt->direct && rt->direct->body ? rt->direct->body : "", NULL);
        return;
    case POL_ROUTE_NO_CLUSTER:
        px_req_local_reply(r, 503, POL_FLAG_BIT(POL_FLAG_NC), "no cluster", NULL);
        return;
    case POL_ROUTE_NO_ROUTE:
    case POL_ROUTE_PASSTHROUGH:
    case POL_ROUTE_BLACKHOLE:
        px_req_local_reply(r, 404, POL_FLAG_BIT(POL_FLAG_NR), "no route", NULL);
        return;
    }
    r->cl = px_conf_cluster_for(r->conf, rt->dest);
    if (!r->cl) {
        px_req_local_reply(r, 503, POL_FLAG_BIT(POL_FLAG_UH), "no healthy upstream", NULL);
        return;
    }
    r->pol = px_conf_policy(r->conf, rt->vs, rt->route);
    px_req_apply_overrides(r);
    const pol_fault_config *fc = &r->pol->fault;
    if (fc->has_delay || fc->has_abort) {
        pol_fault_decision fd;
        pthread_mutex_lock(&w->mmu);
        pol_fault_decide(fc, &w->rng, &w->fault_stats, &fd);
        pthread_mutex_unlock(&w->mmu);
        r->flags |= fd.flags;
        r->fault_abort = fd.abort;
        r->fault_status = fd.status;
        if (fd.delay) {
            r->state = RQ_DELAY;
            px_timer_start(w->loop, &r->wait_timer, now_of(r) + fd.delay_ns);
            return;
        }
        if (fd.abort) {
            px_req_local_reply(r, fd.status, 0, "fault filter abort", NULL);
            return;
        }
    }
    forward(r);
}

static void attempt_start(px_req *r)
{
    px_worker *w = r->w;
    px_cluster *cl = r->cl;
    int64_t now = px_loop_update_now(w->loop);
    r->state = RQ_ATTEMPT;
    pol_lb_context ctx = {0};
    ctx.previous_hosts = pol_retry_previous_hosts(&r->retry, &ctx.previous_host_count);
    ctx.host_selection_retry_max_attempts = pol_retry_host_selection_extra_picks(&r->retry);
    if (r->has_hash_key) {
        pol_lb_key k = {px_req_str(r, r->hash_off), r->hash_len, true};
        ctx.header_value = ctx.cookie_value = ctx.source_ip = ctx.query_value = k;
    }
    int32_t h = px_cluster_pick(cl, w->id, &ctx, &w->rng, now);
    if (h < 0) {
        px_req_local_reply(r, 503, POL_FLAG_BIT(POL_FLAG_UH), "no healthy upstream", NULL);
        return;
    }
    if (h < PX_AUTHZ_MAX_HOSTS && (r->authz_denied >> h) & 1) {
        /* the endpoint's sidecar would refuse it: RBAC, no upstream attempt */
        px_req_local_reply(r, POL_AUTHZ_DENIED_STATUS, 0, "RBAC: access denied", NULL);
        return;
    }
    px_cluster_lock(cl);
    bool ok = pol_circuit_try_acquire(&cl->cb, POL_CB_REQUESTS);
    if (ok) {
        cl->stats.upstream_rq_total++;
        cl->stats.upstream_rq_active++;
        cl->hstats[h].rq_total++;
        cl->hstats[h].rq_active++;
    }
    px_cluster_unlock(cl);
    px_attempt *a = ok ? attempt_new(r) : NULL;
    if (!a) {
        if (ok) {
            px_cluster_lock(cl);
            pol_circuit_release(&cl->cb, POL_CB_REQUESTS);
            cl->stats.upstream_rq_active--;
            cl->hstats[h].rq_active--;
            px_cluster_unlock(cl);
            px_req_local_reply(r, 503, 0, "out of memory", NULL);
            return;
        }
        px_req_on_overflow(r, NULL);
        return;
    }
    a->host = h;
    a->holds_rq = true;
    pol_host_set_active_add(cl->w[w->id].hs, (uint32_t)h, 1);
    pol_retry_attempt_started(&r->retry, (uint32_t)h, 0);
    a->attempt_count = pol_retry_attempt_count(&r->retry);
    r->upstream_host = cl->hosts[h].address;
    r->version = cl->hosts[h].version;
    a->start_ns = now;
    /* while the body streams in, the timers wait for its end */
    int64_t from = r->body_done ? r->route_start_ns : now;
    pol_attempt_deadline dl = pol_timeout_attempt(&r->pol->timeouts, from, now);
    a->expected_timeout_ms = dl.expected_rq_timeout_ms;
    if (r->hedge) {
        /* Envoy's setTimeoutHeaders: with hedging the upstream may use the
         * whole route timeout (a hedge does not cut the attempt short) */
        pol_timeouts g = r->pol->timeouts;
        g.per_try_ns = 0;
        a->expected_timeout_ms = pol_timeout_attempt(&g, from, now).expected_rq_timeout_ms;
    }
    if (r->body_done && dl.kind == POL_TIMEOUT_PER_TRY)
        px_timer_start(w->loop, &a->try_timer, dl.deadline_ns);
    px_upstream_attach(a);
}

void px_req_on_overflow(px_req *r, px_attempt *a)
{
    attempt_end(a, false);
    if (others_pending(r))
        return; /* Envoy's Overflow reset of one upstream request: the others go on */
    px_req_local_reply(r, 503, POL_FLAG_BIT(POL_FLAG_UO),
                       "upstream connect error or disconnect/reset before headers. reset reason: overflow",
                       "x-envoy-overloaded: true\r\n");
}

int px_req_write_request(px_attempt *a, px_buf *out)
{
    px_req *r = a->r;
    char extra[160];
    int n = snprintf(extra, sizeof extra, "x-envoy-attempt-count: %u\r\n", a->attempt_count);
    int rc = px_buf_append(out, px_buf_data(&r->up_head), px_buf_size(&r->up_head));
    rc |= px_buf_append(out, extra, (size_t)n);
    if (a->expected_timeout_ms > 0) {
        n = snprintf(extra, sizeof extra, "x-envoy-expected-rq-timeout-ms: %lld\r\n", (long long)a->expected_timeout_ms);
        rc |= px_buf_append(out, extra, (size_t)n);
    }
    if (r->body_chunked) {
        rc |= px_buf_puts(out, "transfer-encoding: chunked\r\n");
    } else if (r->body_framed) {
        n = snprintf(extra, sizeof extra, "content-length: %llu\r\n", (unsigned long long)r->body_length);
        rc |= px_buf_append(out, extra, (size_t)n);
    }
    rc |= px_buf_append(out, "\r\n", 2);
    return rc ? -1 : 0;
}

/* After a retry decision: wait the backoff and try again, or answer. */
static bool maybe_retry(px_req *r, const pol_retry_decision *dec)
{
    if (!dec->retry || !r->retry_live)
        return false;
    int64_t now = now_of(r);
    if (!pol_timeout_backoff_fits(&r->pol->timeouts, r->route_start_ns, now, dec->backoff_ns))
        return false;
    r->state = RQ_BACKOFF;
    px_timer_start(r->w->loop, &r->wait_timer, now + dec->backoff_ns);
    return true;
}

/* After an attempt of r ended by a reset (a per-try timeout is a local reset):
 * the retry policy's decision into *dec (asked only when `may_retry`), and
 * the retry's backoff started if it retries.  True when the request goes on
 * (a retry, or other attempts pending); false when the caller answers, with
 * the decision's flags already in r->flags. */
static bool retry_after_reset(px_req *r, pol_reset_reason reason, bool sent, bool may_retry, pol_retry_decision *dec)
{
    px_cluster *cl = r->cl;
    *dec = (pol_retry_decision){0};
    if (may_retry) {
        px_cluster_lock(cl);
        pol_retry_on_reset(&r->retry, reason, sent, &cl->cb, &cl->stats, &r->w->rng, dec);
        px_cluster_unlock(cl);
    }
    if (maybe_retry(r, dec))
        return true;
    r->flags |= dec->flags;
    return others_pending(r);
}

void px_req_on_upstream_reset(px_attempt *a, pol_reset_reason reason)
{
    px_req *r = a->r;
    px_cluster *cl = r->cl;
    if (r->state == RQ_STREAM) {
        /* the response was cut after its headers went out: the client sees a reset */
        reset_started_response(r, POL_FLAG_BIT(POL_FLAG_UC));
        return;
    }
    bool sent = a->uc && a->uc->sent;
    bool retried = a->retried;
    int32_t host = a->host;
    int64_t now = now_of(r);
    px_cluster_report(cl, (uint32_t)host, POL_OUTLIER_LOCAL_CONNECT_FAILED, now);
    px_cluster_lock(cl);
    if (reason == POL_RESET_LOCAL_CONNECTION_FAILURE || reason == POL_RESET_CONNECTION_TIMEOUT) {
        cl->stats.upstream_cx_connect_fail++;
        cl->hstats[host].cx_connect_fail++;
    } else {
        cl->stats.upstream_rq_rx_reset++;
    }
    cl->hstats[host].rq_error++;
    px_cluster_unlock(cl);
    attempt_end(a, false);
    pol_retry_decision dec;
    /* a hedged attempt is never retried again */
    if (retry_after_reset(r, reason, sent, r->retry_live && !retried, &dec))
        return;
    char body[160];
    snprintf(body, sizeof body, "upstream connect error or disconnect/reset before headers. reset reason: %s",
             pol_reset_reason_name(reason));
    px_req_local_reply(r, pol_reset_reason_status(reason),
                       POL_FLAG_BIT(pol_reset_reason_flag(reason)) | dec.flags, body, NULL);
}

#define RETRY_HEADERS_MAX 8
#define RETRY_HEADER_TEXT 128

/* The response headers a retriable-headers matcher of p names, as the
 * NUL-terminated pairs policy/retry.h reads (values cut to fit: a matcher's
 * value is shorter, so a cut one never matches it). */
static size_t retry_headers(const pol_retry_policy *p, const px_http_msg *m, pol_retry_header *out,
                            char text[][2][RETRY_HEADER_TEXT])
{
    size_t n = 0;
    for (size_t i = 0; i < m->nheaders && n < RETRY_HEADERS_MAX; i++) {
        const pol_header *h = &m->headers[i];
        bool named = false;
        for (uint32_t k = 0; k < p->n_retriable_headers && !named; k++)
            named = strlen(p->retriable_headers[k].name) == h->name.len &&
                    !strncasecmp(h->name.p, p->retriable_headers[k].name, h->name.len);
        if (!named)
            continue;
        snprintf(text[n][0], RETRY_HEADER_TEXT, "%.*s", (int)h->name.len, h->name.p);
        snprintf(text[n][1], RETRY_HEADER_TEXT, "%.*s", (int)h->value.len, h->value.p);
        out[n] = (pol_retry_header){text[n][0], text[n][1]};
        n++;
    }
    return n;
}

void px_req_on_response_head(px_attempt *a, char *head, const px_http_msg *m)
{
    px_req *r = a->r;
    px_cluster *cl = r->cl;
    int64_t now = px_loop_update_now(r->w->loop);
    px_timer_stop(r->w->loop, &a->try_timer);
    r->upstream_time_ms = (now - a->start_ns) / 1000000;
    px_cluster_report(cl, (uint32_t)a->host, m->status, now);
    pol_retry_decision dec = {0};
    pol_retry_response resp = pol_retry_response_status(m->status);
    resp.x_envoy_ratelimited = px_http_find(m, "x-envoy-ratelimited", 0) >= 0;
    pol_retry_header hdrs[RETRY_HEADERS_MAX];
    char text[RETRY_HEADERS_MAX][2][RETRY_HEADER_TEXT];
    if (r->retry_live && (r->pol->retry.retry_on & POL_RETRY_ON_RETRIABLE_HEADERS))
        resp.n_headers = retry_headers(&r->pol->retry, m, hdrs, text);
    resp.headers = hdrs;
    bool retry = false, could_not_retry = false;
    px_cluster_lock(cl);
    if (r->retry_live && a->retried) {
        /* hedged already: never retried again, but would it have been? */
        could_not_retry = pol_retry_would_retry_response(&r->retry, &resp);
    } else if (r->retry_live) { /* not once the body outgrew the retry buffer */
        pol_retry_on_response(&r->retry, &resp, &cl->cb, &cl->stats, &r->w->rng, &dec);
        retry = dec.retry && pol_timeout_backoff_fits(&r->pol->timeouts, r->route_start_ns, now, dec.backoff_ns);
        could_not_retry = dec.reason == POL_RETRY_NO_OVERFLOW || dec.reason == POL_RETRY_NO_LIMIT_EXCEEDED;
    }
    /* a bad response while other attempts may still answer: dropped */
    bool drop = !retry && could_not_retry && (r->atts != a || a->next || r->state == RQ_BACKOFF);
    if (m->status >= 500 || drop)
        cl->hstats[a->host].rq_error++;
    else
        cl->hstats[a->host].rq_success++;
    if (!drop)
        pol_cluster_stats_count_status(&cl->stats, m->status, retry);
    px_cluster_unlock(cl);
    if (retry) {
        attempt_end(a, a->uc && a->uc->resp_complete && m->keep_alive);
        maybe_retry(r, &dec);
        return;
    }
    r->flags |= dec.flags;
    if (drop) {
        attempt_end(a, false);
        return;
    }
    /* the winner: a pending retry is cancelled, every other attempt reset */
    px_timer_stop(r->w->loop, &r->wait_timer);
    for (px_attempt *b = r->atts, *next; b; b = next) {
        next = b->next;
        if (b != a)
            attempt_end(b, false);
    }
    r->cur = a;
    px_req_active(r);
    r->upstream_host = cl->hosts[a->host].address;
    r->version = cl->hosts[a->host].version;
    r->status = m->status;
    r->resp_keep_alive = m->keep_alive;
    px_body_decoder_init(&r->respdec, m->body, m->content_length);
    r->state = RQ_STREAM;
    if (px_headers_response(r, m) != 0) {
        px_dconn_close(r->dc);
        return;
    }
    /* trailers go along when the client's side is chunked too; an HTTP/1.0
     * client reads until close and gets none */
    r->respdec.trailers = r->resp_chunked ? &r->resp_trailers : NULL;
    if (m->body == PX_BODY_NONE)
        px_req_on_response_end(r);
}

void px_req_on_upgrade(px_attempt *a, const px_http_msg *m, size_t head_len)
{
    px_req *r = a->r;
    px_cluster *cl = r->cl;
    int64_t now = px_loop_update_now(r->w->loop);
    px_timer_stop(r->w->loop, &a->try_timer);
    r->cur = a; /* an upgrade never hedges: its request never completes */
    r->upstream_time_ms = (now - a->start_ns) / 1000000;
    px_cluster_report(cl, (uint32_t)a->host, m->status, now);
    px_cluster_lock(cl);
    cl->hstats[a->host].rq_success++;
    pol_cluster_stats_count_status(&cl->stats, m->status, false);
    px_cluster_unlock(cl);
    r->status = m->status;
    if (px_headers_upgrade_response(r, m) != 0) {
        px_dconn_close(r->dc);
        return;
    }
    px_tunnel_start(r, head_len);
}

void px_req_on_response_data(px_req *r, const char *p, size_t n)
{
    if (!n || r->state != RQ_STREAM)
        return;
    px_dconn *dc = r->dc;
    if (r->resp_chunked) {
        char sz[24];
        int k = snprintf(sz, sizeof sz, "%zx\r\n", n);
        if (px_dconn_write(dc, sz, (size_t)k) || px_dconn_write(dc, p, n) || px_dconn_write(dc, "\r\n", 2))
            return;
    } else if (px_dconn_write(dc, p, n)) {
        return;
    }
    r->bytes_sent += n;
    px_req_active(r);
}

void px_req_on_response_end(px_req *r)
{
    if (r->state != RQ_STREAM)
        return;
    px_dconn *dc = r->dc;
    if (r->resp_chunked && px_trailers_last_chunk(&dc->out, &r->resp_trailers) != 0) {
        px_dconn_close(dc);
        return;
    }
    if (dc->closing || !r->body_done)
        r->keep_alive = false; /* the rest of the request body is never read */
    attempt_end(r->cur, r->resp_keep_alive && r->respdec.kind != PX_BODY_EOF);
    px_req_finish(r);
    if (dc->io.fd >= 0)
        px_dconn_flush(dc);
}

/* Envoy's onResponseTimeout: every attempt in flight is reset, each counted
 * as a timeout (outlier detection told once per attempt: not again after a
 * hedged soft timeout), then 504 UT (or a reset once the response started). */
static void on_route_timeout(px_loop *l, px_timer *t)
{
    px_req *r = t->obj;
    px_cluster *cl = r->cl;
    bool awaiting = r->state != RQ_STREAM;
    px_cluster_lock(cl);
    for (px_attempt *a = r->atts; a; a = a->next) {
        cl->stats.upstream_rq_timeout++;
        if (a->holds_rq)
            cl->hstats[a->host].rq_timeout++;
    }
    px_cluster_unlock(cl);
    if (!awaiting) {
        reset_started_response(r, POL_FLAG_BIT(POL_FLAG_UT));
        return;
    }
    for (px_attempt *a = r->atts; a; a = a->next)
        if (a->holds_rq && !a->timeout_recorded)
            px_cluster_report(cl, (uint32_t)a->host, POL_OUTLIER_LOCAL_TIMEOUT, px_loop_now(l));
    px_req_local_reply(r, POL_TIMEOUT_STATUS, POL_FLAG_BIT(POL_FLAG_UT), "upstream request timeout", NULL);
}

/* Envoy's onSoftPerTryTimeout: the attempt goes on; outlier detection hears
 * of the timeout now (once), and a retry, if the retry state grants one,
 * starts another attempt after its backoff. */
static void soft_try_timeout(px_attempt *a)
{
    px_req *r = a->r;
    px_cluster *cl = r->cl;
    px_cluster_report(cl, (uint32_t)a->host, POL_OUTLIER_LOCAL_TIMEOUT, now_of(r));
    a->timeout_recorded = true;
    if (!r->retry_live)
        return;
    pol_retry_decision dec = {0};
    px_cluster_lock(cl);
    pol_retry_on_hedge_timeout(&r->retry, &cl->cb, &cl->stats, &r->w->rng, &dec);
    px_cluster_unlock(cl);
    if (!dec.retry) {
        r->flags |= dec.flags; /* URX or UO, should nothing else answer */
        return;
    }
    a->retried = true;
    maybe_retry(r, &dec);
}

static void on_try_timeout(px_loop *l, px_timer *t)
{
    px_attempt *a = t->obj;
    px_req *r = a->r;
    px_cluster *cl = r->cl;
    if (r->hedge) {
        soft_try_timeout(a);
        return;
    }
    px_cluster_lock(cl);
    cl->stats.upstream_rq_per_try_timeout++;
    cl->hstats[a->host].rq_timeout++;
    px_cluster_unlock(cl);
    px_cluster_report(cl, (uint32_t)a->host, POL_OUTLIER_LOCAL_TIMEOUT, px_loop_now(l));
    attempt_end(a, false);
    pol_retry_decision dec;
    if (retry_after_reset(r, POL_RESET_LOCAL_RESET, true, r->retry_live, &dec))
        return;
    px_req_local_reply(r, POL_TIMEOUT_STATUS, POL_FLAG_BIT(POL_FLAG_UT), "upstream request timeout", NULL);
}

/* Envoy's ActiveStream::onIdleTimeout: no byte either way on the stream for
 * the stream idle timeout.  Before any response: 408 while the request is
 * still arriving, else 504 (maybeRequestTimeoutCode), flag SI, body "stream
 * timeout", every attempt reset; once the response started all that is left
 * is to reset the client's connection (flag SI).  A tunnel keeps its own. */
static void on_stream_idle(px_loop *l, px_timer *t)
{
    px_req *r = t->obj;
    int64_t due = r->active_ns + r->w->srv->opt.stream_idle_timeout_ns;
    if (px_loop_now(l) < due) {
        px_timer_start(l, &r->idle_timer, due);
        return;
    }
    r->w->downstream_rq_idle_timeout++;
    if (r->state == RQ_STREAM) {
        reset_started_response(r, POL_FLAG_BIT(POL_FLAG_SI));
        return;
    }
    if (!r->body_done)
        px_req_body_fail(r, 408, POL_FLAG_BIT(POL_FLAG_SI), "stream timeout");
    else
        px_req_local_reply(r, 504, POL_FLAG_BIT(POL_FLAG_SI), "stream timeout", NULL);
}

static void on_wait(px_loop *l, px_timer *t)
{
    px_req *r = t->obj;
    if (r->state == RQ_DELAY) {
        if (r->fault_abort) {
            px_req_local_reply(r, r->fault_status, 0, "fault filter abort", NULL);
            return;
        }
        forward(r);
        return;
    }
    if (r->state == RQ_BACKOFF)
        attempt_start(r);
}
