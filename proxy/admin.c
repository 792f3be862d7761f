/*
 * admin.c - the admin port (Envoy's admin is the reference, 2f): /ready,
 * /stats, /stats/prometheus, /clusters, /config_dump, /server_info, /help
 * (and /), and the mutations, POST only as in Envoy (another method gets
 * 405 "Method GET not allowed, POST required."): /healthcheck/fail,
 * /healthcheck/ok, /drain_listeners[?graceful][&skip_exit], /reset_counters.
 * Runs on the server's main thread; one request per connection, answered and
 * closed.
 * Bind it to localhost: it has no authentication.
 */
#define _GNU_SOURCE 1 /* accept4 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config/k8s_istio.h"
#include "proxy/server_int.h"

typedef struct admin_conn {
    px_io io;
    px_server *srv;
    px_buf in, out;
    px_timer timer;
} admin_conn;

static void admin_close(admin_conn *a)
{
    px_timer_stop(a->srv->loop, &a->timer);
    px_io_set(a->srv->loop, &a->io, 0);
    close(a->io.fd);
    a->io.fd = -1;
    px_buf_free(&a->in);
    px_buf_free(&a->out);
    px_loop_defer_free(a->srv->loop, a);
}

static px_conf *current(px_server *s)
{
    pthread_mutex_lock(&s->mu);
    px_conf *c = s->conf;
    if (c)
        px_conf_ref(c);
    pthread_mutex_unlock(&s->mu);
    return c;
}

static void json_str(px_buf *b, const char *s)
{
    px_buf_append(b, "\"", 1);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            px_buf_append(b, "\\", 1);
        if ((unsigned char)*s < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", *s);
            px_buf_puts(b, e);
            continue;
        }
        px_buf_append(b, s, 1);
    }
    px_buf_append(b, "\"", 1);
}

static void clusters_text(px_conf *c, px_buf *b)
{
    static const struct {
        const char *name;
        pol_cb_resource which;
    } limits[] = {{"max_connections", POL_CB_CONNECTIONS},
                  {"max_pending_requests", POL_CB_PENDING},
                  {"max_requests", POL_CB_REQUESTS},
                  {"max_retries", POL_CB_RETRIES}};
    char line[768];
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        px_cluster_lock(cl);
        for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
            snprintf(line, sizeof line, "%s::default_priority::%s::%llu\n", cl->name, limits[k].name,
                     (unsigned long long)pol_circuit_limit(&cl->cb, limits[k].which));
            px_buf_puts(b, line);
        }
        for (uint32_t h = 0; h < cl->nhosts; h++) {
            const px_host_stats *hs = &cl->hstats[h];
            const char *a = cl->hosts[h].address;
            snprintf(line, sizeof line,
                     "%s::%s::cx_active::%llu\n%s::%s::cx_connect_fail::%llu\n%s::%s::cx_total::%llu\n"
                     "%s::%s::rq_active::%llu\n%s::%s::rq_error::%llu\n%s::%s::rq_success::%llu\n"
                     "%s::%s::rq_timeout::%llu\n%s::%s::rq_total::%llu\n",
                     cl->name, a, (unsigned long long)hs->cx_active, cl->name, a,
                     (unsigned long long)hs->cx_connect_fail, cl->name, a, (unsigned long long)hs->cx_total,
                     cl->name, a, (unsigned long long)hs->rq_active, cl->name, a,
                     (unsigned long long)hs->rq_error, cl->name, a, (unsigned long long)hs->rq_success,
                     cl->name, a, (unsigned long long)hs->rq_timeout, cl->name, a,
                     (unsigned long long)hs->rq_total);
            px_buf_puts(b, line);
            snprintf(line, sizeof line, "%s::%s::health_flags::%s\n%s::%s::weight::%u\n%s::%s::region::%s\n"
                     "%s::%s::zone::%s\n%s::%s::canary::false\n%s::%s::success_rate::%.1f\n",
                     cl->name, a, cl->ejected[h] ? "/failed_outlier_check" : "healthy", cl->name, a,
                     cl->hosts[h].weight, cl->name, a, cl->hosts[h].region ? cl->hosts[h].region : "",
                     cl->name, a, cl->hosts[h].zone ? cl->hosts[h].zone : "", cl->name, a, cl->name, a,
                     cl->od ? pol_outlier_host_success_rate(cl->od, h) : -1.0);
            px_buf_puts(b, line);
        }
        px_cluster_unlock(cl);
    }
}

static void config_dump(px_server *s, px_conf *c, px_buf *b)
{
    char num[64];
    const struct cfg_k8s_istio *k = c->bundle.mesh;
    snprintf(num, sizeof num, "{\"generation\": %llu, \"namespace\": ", (unsigned long long)c->generation);
    px_buf_puts(b, num);
    json_str(b, c->ns);
    px_buf_puts(b, ", \"virtual_services\": [");
    for (size_t i = 0; i < k->nvirtual_services; i++) {
        const pol_virtual_service *vs = &k->virtual_services[i];
        px_buf_puts(b, i ? ", {\"name\": " : "{\"name\": ");
        json_str(b, vs->meta.name);
        px_buf_puts(b, ", \"namespace\": ");
        json_str(b, vs->meta.ns);
        px_buf_puts(b, ", \"hosts\": [");
        for (size_t h = 0; h < vs->hosts.len; h++) {
            if (h)
                px_buf_puts(b, ", ");
            json_str(b, vs->hosts.items[h].s);
        }
        snprintf(num, sizeof num, "], \"http_routes\": %zu}", vs->nhttp);
        px_buf_puts(b, num);
    }
    px_buf_puts(b, "], \"destination_rules\": [");
    for (size_t i = 0; i < k->ndestination_rules; i++) {
        px_buf_puts(b, i ? ", {\"name\": " : "{\"name\": ");
        json_str(b, k->destination_rules[i].meta.name);
        px_buf_puts(b, ", \"host\": ");
        json_str(b, k->destination_rules[i].host);
        px_buf_puts(b, "}");
    }
    px_buf_puts(b, "], \"clusters\": [");
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        px_buf_puts(b, i ? ", {\"name\": " : "{\"name\": ");
        json_str(b, cl->name);
        px_buf_puts(b, ", \"lb_policy\": ");
        json_str(b, pol_lb_policy_name(cl->lbc.policy));
        snprintf(num, sizeof num, ", \"outlier_detection\": %s, \"endpoints\": [", cl->od ? "true" : "false");
        px_buf_puts(b, num);
        for (uint32_t h = 0; h < cl->nhosts; h++) {
            px_buf_puts(b, h ? ", {\"address\": " : "{\"address\": ");
            json_str(b, cl->hosts[h].address);
            px_buf_puts(b, ", \"version\": ");
            if (cl->hosts[h].version)
                json_str(b, cl->hosts[h].version);
            else
                px_buf_puts(b, "null");
            px_buf_puts(b, "}");
        }
        px_buf_puts(b, "]}");
    }
    snprintf(num, sizeof num, "], \"reloads_ok\": %llu, \"reloads_failed\": %llu}\n",
             (unsigned long long)s->reloads_ok, (unsigned long long)s->reloads_failed);
    px_buf_puts(b, num);
}

static void respond(admin_conn *a, int status, const char *type, px_buf *body)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %zu\r\nconnection: close\r\n\r\n",
                     status, px_reason(status), type, px_buf_size(body));
    px_buf_append(&a->out, head, (size_t)n);
    px_buf_append(&a->out, px_buf_data(body), px_buf_size(body));
}

/* Is `name` among the query's parameters (with or without a value)? */
static bool has_param(pol_slice query, const char *name)
{
    size_t nl = strlen(name);
    const char *p = query.p, *end = query.p + query.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if ((size_t)(e - p) >= nl && !memcmp(p, name, nl) && (p + nl == e || p[nl] == '='))
            return true;
        p = e + 1;
    }
    return false;
}

/* The percent-decoded value of query parameter `name` ('+' is a space), or
 * NULL when absent; *bad when it is not valid percent-encoding.  Owned by
 * the caller. */
static char *param_value(pol_slice query, const char *name, bool *bad)
{
    size_t nl = strlen(name);
    const char *p = query.p, *end = query.p + query.len;
    *bad = false;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if ((size_t)(e - p) > nl && !memcmp(p, name, nl) && p[nl] == '=') {
            const char *v = p + nl + 1;
            char *out = malloc((size_t)(e - v) + 1), *o = out;
            if (!out)
                return NULL;
            for (; v < e; v++) {
                if (*v == '%') {
                    unsigned hex;
                    if (e - v < 3 || sscanf(v + 1, "%2x", &hex) != 1 || !isxdigit((unsigned char)v[1]) ||
                        !isxdigit((unsigned char)v[2]) || hex == 0) {
                        *bad = true;
                        free(out);
                        return NULL;
                    }
                    *o++ = (char)hex;
                    v += 2;
                } else {
                    *o++ = *v == '+' ? ' ' : *v;
                }
            }
            *o = 0;
            return out;
        }
        p = e + 1;
    }
    return NULL;
}

/* Envoy's server state: DRAINING once the health check failed (or, here,
 * once SIGTERM began the drain), else LIVE. */
static bool live(px_server *s) { return !atomic_load(&s->draining) && !atomic_load(&s->hc_failed); }

typedef struct admin_req {
    px_server *srv;
    px_conf *conf; /* held, or NULL */
    pol_slice query;
    px_buf *body;
    const char *type; /* content type; text/plain unless set */
} admin_req;

static int h_help(admin_req *q);

static int h_clusters(admin_req *q)
{
    if (q->conf)
        clusters_text(q->conf, q->body);
    return 200;
}

static int h_config_dump(admin_req *q)
{
    if (q->conf)
        config_dump(q->srv, q->conf, q->body);
    q->type = "application/json";
    return 200;
}

static int h_drain_listeners(admin_req *q)
{
    px_server_drain_listeners(q->srv, has_param(q->query, "graceful"), has_param(q->query, "skip_exit"));
    px_buf_puts(q->body, "OK\n");
    return 200;
}

static int h_hc_fail(admin_req *q)
{
    atomic_store(&q->srv->hc_failed, true);
    px_buf_puts(q->body, "OK\n");
    return 200;
}

static int h_hc_ok(admin_req *q)
{
    atomic_store(&q->srv->hc_failed, false);
    px_buf_puts(q->body, "OK\n");
    return 200;
}

static int h_ready(admin_req *q)
{
    bool ok = live(q->srv);
    px_buf_puts(q->body, ok ? "LIVE\n" : "DRAINING\n");
    return ok ? 200 : 503;
}

static int h_reset_counters(admin_req *q)
{
    px_metrics_reset_counters(q->srv, q->conf);
    px_buf_puts(q->body, "OK\n");
    return 200;
}

static int h_server_info(admin_req *q)
{
    px_server *s = q->srv;
    char line[256];
    int64_t up = (px_clock_ns() - s->start_ns) / 1000000000;
    px_buf_puts(q->body, "{\"version\": ");
    json_str(q->body, s->opt.version ? s->opt.version : "unknown");
    snprintf(line, sizeof line,
             ", \"state\": \"%s\", \"uptime_current_epoch\": \"%llds\", \"uptime_all_epochs\": \"%llds\", "
             "\"command_line_options\": {\"concurrency\": %d, \"drain_time\": \"%llds\", \"mode\": ",
             live(s) ? "LIVE" : "DRAINING", (long long)up, (long long)up, s->nworkers,
             (long long)(s->opt.drain_timeout_ns / 1000000000));
    px_buf_puts(q->body, line);
    json_str(q->body, s->opt.gateway ? "gateway" : "sidecar");
    px_buf_puts(q->body, ", \"gateway\": ");
    if (s->opt.gateway)
        json_str(q->body, s->opt.gateway);
    else
        px_buf_puts(q->body, "null");
    px_buf_puts(q->body, ", \"namespace\": ");
    json_str(q->body, s->opt.ns);
    px_buf_puts(q->body, ", \"config_paths\": [");
    for (size_t i = 0; i < s->opt.npaths; i++) {
        if (i)
            px_buf_puts(q->body, ", ");
        json_str(q->body, s->opt.paths[i]);
    }
    snprintf(line, sizeof line, "]}, \"configuration_generation\": %llu}\n",
             (unsigned long long)(q->conf ? q->conf->generation : 0));
    px_buf_puts(q->body, line);
    q->type = "application/json";
    return 200;
}

/* /stats[?filter=REGEX][&format=json|text]: as Envoy, the filter keeps the
 * stats whose name the regular expression matches somewhere (anchors for a
 * full match); a bad expression is 400.  format=json is Envoy's JSON form
 * (application/json); another format than json or text is 400 with a usage
 * line, as Envoy answers one it does not know (Envoy's html, active-html and
 * prometheus are not served here: /stats/prometheus is). */
static int h_stats(admin_req *q)
{
    bool bad;
    char *filter = param_value(q->query, "filter", &bad);
    pcre2_code *re = NULL;
    if (bad) {
        px_buf_puts(q->body, "Invalid percent-encoding in the filter parameter\n");
        return 400;
    }
    if (filter) {
        int err;
        PCRE2_SIZE at;
        re = pcre2_compile((PCRE2_SPTR)filter, PCRE2_ZERO_TERMINATED, 0, &err, &at, NULL);
        if (!re) {
            char msg[160], line[256];
            pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof msg);
            snprintf(line, sizeof line, "Invalid regex: %s at offset %zu\n", msg, (size_t)at);
            px_buf_puts(q->body, line);
            free(filter);
            return 400;
        }
        free(filter);
    }
    char *format = param_value(q->query, "format", &bad);
    bool json = format && !strcmp(format, "json");
    if (bad || (format && !json && strcmp(format, "text"))) {
        px_buf_puts(q->body, "usage: /stats?format=(json|text)\n\n");
        free(format);
        pcre2_code_free(re);
        return 400;
    }
    free(format);
    int rc = px_stats_text(q->srv, q->conf, re, json, q->body);
    pcre2_code_free(re);
    if (json && rc == 0)
        q->type = "application/json";
    return rc == 0 ? 200 : 500;
}

static int h_prometheus(admin_req *q)
{
    px_metrics_prometheus(q->srv, q->conf, q->body);
    q->type = "text/plain; version=0.0.4";
    return 200;
}

/* The handlers, sorted by path as /help lists them.  `mutates`: POST only
 * (Envoy's admin answers any other method 405). */
static const struct admin_handler {
    const char *path, *help;
    bool mutates;
    int (*fn)(admin_req *q);
    const char *params; /* help lines of the query parameters */
} handlers[] = {
    {"/clusters", "upstream cluster status", false, h_clusters, NULL},
    {"/config_dump", "dump current configuration (JSON)", false, h_config_dump, NULL},
    {"/drain_listeners", "drain listeners", true, h_drain_listeners,
     "      graceful: When draining listeners, enter a graceful drain period (--drain-timeout) prior to closing "
     "listeners\n      skip_exit: When draining listeners, do not stop accepting after the drain period\n"},
    {"/healthcheck/fail", "cause the server to fail health checks", true, h_hc_fail, NULL},
    {"/healthcheck/ok", "cause the server to pass health checks", true, h_hc_ok, NULL},
    {"/help", "print out list of admin commands", false, h_help, NULL},
    {"/ready", "print server state, return 200 if LIVE, otherwise return 503", false, h_ready, NULL},
    {"/reset_counters", "reset all counters to zero", true, h_reset_counters, NULL},
    {"/server_info", "print server version/status information", false, h_server_info, NULL},
    {"/stats", "print server stats", false, h_stats,
     "      filter: regular expression the stats' names must match\n"
     "      format: output format: json or text (the default)\n"},
    {"/stats/prometheus", "print server stats in prometheus format", false, h_prometheus, NULL},
};

static void help_text(px_buf *b)
{
    char line[256];
    px_buf_puts(b, "admin commands are:\n");
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        snprintf(line, sizeof line, "  %s%s: %s\n", handlers[i].path, handlers[i].mutates ? " (POST)" : "",
                 handlers[i].help);
        px_buf_puts(b, line);
        if (handlers[i].params)
            px_buf_puts(b, handlers[i].params);
    }
}

static int h_help(admin_req *q)
{
    help_text(q->body);
    return 200;
}

/* Admin paths match exactly, case included, as Envoy's handler table does. */
static bool path_is(pol_slice path, const char *p)
{
    size_t n = strlen(p);
    return path.len == n && !memcmp(path.p, p, n);
}

static void handle(admin_conn *a, const px_http_msg *m)
{
    px_server *s = a->srv;
    px_buf body = {0};
    pol_slice path = m->target, query = {m->target.p + m->target.len, 0};
    for (size_t i = 0; i < path.len; i++)
        if (path.p[i] == '?') {
            query = (pol_slice){path.p + i + 1, path.len - i - 1};
            path.len = i;
            break;
        }
    admin_req q = {.srv = s, .conf = current(s), .query = query, .body = &body, .type = "text/plain"};
    if (path_is(path, "/"))
        path = pol_slice_str("/help"); /* "/" is Envoy's HTML home page; here the list */
    const struct admin_handler *h = NULL;
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0] && !h; i++)
        if (path_is(path, handlers[i].path))
            h = &handlers[i];
    if (!h) {
        px_buf_puts(&body, "invalid path. ");
        help_text(&body);
        respond(a, 404, "text/plain", &body);
    } else if (h->mutates && !(m->method.len == 4 && !memcmp(m->method.p, "POST", 4))) {
        char text[96];
        snprintf(text, sizeof text, "Method %.*s not allowed, POST required.", (int)(m->method.len < 16 ? m->method.len : 16),
                 m->method.p);
        px_buf_puts(&body, text);
        respond(a, 405, "text/plain", &body);
    } else {
        int status = h->fn(&q);
        respond(a, status, q.type, &body);
    }
    if (q.conf)
        px_conf_unref(q.conf);
    px_buf_free(&body);
}

static void on_timer(px_loop *l, px_timer *t) { admin_close(t->obj); }

static void on_io(px_loop *l, px_io *io, uint32_t ev)
{
    admin_conn *a = io->obj;
    if (ev & EPOLLIN) {
        for (;;) {
            if (px_buf_reserve(&a->in, 4096) != 0 || px_buf_size(&a->in) > 65536) {
                admin_close(a);
                return;
            }
            ssize_t n = recv(a->io.fd, a->in.p + a->in.len, a->in.cap - a->in.len, 0);
            if (n > 0) {
                a->in.len += (size_t)n;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (n < 0 && errno == EINTR)
                continue;
            admin_close(a);
            return;
        }
        if (!px_buf_size(&a->out)) {
            px_http_msg m;
            px_http_limits lim = px_http_limits_default();
            int rc = px_http_parse_request(px_buf_data(&a->in), px_buf_size(&a->in), &lim, &m);
            if (rc == PX_HTTP_INCOMPLETE)
                return;
            if (rc == PX_HTTP_ERROR) {
                admin_close(a);
                return;
            }
            handle(a, &m);
        }
    }
    while (px_buf_size(&a->out)) {
        ssize_t n = send(a->io.fd, px_buf_data(&a->out), px_buf_size(&a->out), MSG_NOSIGNAL);
        if (n > 0) {
            px_buf_consume(&a->out, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            px_io_set(l, &a->io, EPOLLOUT);
            return;
        }
        break;
    }
    if (!px_buf_size(&a->out) && a->in.len)
        admin_close(a);
}

void px_admin_accept(px_loop *l, px_io *io, uint32_t ev)
{
    px_server *s = io->obj;
    for (;;) {
        int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        admin_conn *a = calloc(1, sizeof *a);
        if (!a) {
            close(fd);
            continue;
        }
        a->srv = s;
        a->io = (px_io){.fd = fd, .fn = on_io, .obj = a};
        px_timer_init(&a->timer, on_timer, a);
        px_timer_start(l, &a->timer, px_loop_now(l) + INT64_C(10000000000));
        px_io_set(l, &a->io, EPOLLIN);
    }
}
