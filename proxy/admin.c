/*
 * admin.c - the admin port (Envoy's admin is the reference, 2f): GET /ready,
 * /stats/prometheus, /clusters, /config_dump, and / (the list).  Runs on the
 * server's main thread; one request per connection, answered and closed.
 * Bind it to localhost: it has no authentication.
 */
#define _GNU_SOURCE 1 /* accept4 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

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
    char line[768];
    for (size_t i = 0; i < c->nclusters; i++) {
        px_cluster *cl = &c->clusters[i];
        px_cluster_lock(cl);
        snprintf(line, sizeof line, "%s::default_priority::max_connections::%llu\n", cl->name,
                 (unsigned long long)pol_circuit_limit(&cl->cb, POL_CB_CONNECTIONS));
        px_buf_puts(b, line);
        snprintf(line, sizeof line, "%s::default_priority::max_pending_requests::%llu\n", cl->name,
                 (unsigned long long)pol_circuit_limit(&cl->cb, POL_CB_PENDING));
        px_buf_puts(b, line);
        snprintf(line, sizeof line, "%s::default_priority::max_requests::%llu\n", cl->name,
                 (unsigned long long)pol_circuit_limit(&cl->cb, POL_CB_REQUESTS));
        px_buf_puts(b, line);
        snprintf(line, sizeof line, "%s::default_priority::max_retries::%llu\n", cl->name,
                 (unsigned long long)pol_circuit_limit(&cl->cb, POL_CB_RETRIES));
        px_buf_puts(b, line);
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

static void handle(admin_conn *a, const px_http_msg *m)
{
    px_server *s = a->srv;
    px_buf body = {0};
    pol_slice path = m->target;
    for (size_t i = 0; i < path.len; i++)
        if (path.p[i] == '?')
            path.len = i;
    px_conf *c = current(s);
    if (!px_slice_ieq(m->method, "get")) {
        px_buf_puts(&body, "admin endpoints answer GET only\n");
        respond(a, 400, "text/plain", &body);
    } else if (px_slice_ieq(path, "/ready")) {
        bool draining = atomic_load(&s->draining);
        px_buf_puts(&body, draining ? "DRAINING\n" : "LIVE\n");
        respond(a, draining ? 503 : 200, "text/plain", &body);
    } else if (px_slice_ieq(path, "/stats/prometheus")) {
        px_metrics_prometheus(s, c, &body);
        respond(a, 200, "text/plain; version=0.0.4", &body);
    } else if (px_slice_ieq(path, "/clusters")) {
        if (c)
            clusters_text(c, &body);
        respond(a, 200, "text/plain", &body);
    } else if (px_slice_ieq(path, "/config_dump")) {
        if (c)
            config_dump(s, c, &body);
        respond(a, 200, "application/json", &body);
    } else if (px_slice_ieq(path, "/") || px_slice_ieq(path, "/help")) {
        px_buf_puts(&body, "admin commands are:\n  /clusters: upstream clusters, endpoints, health and ejection\n"
                           "  /config_dump: the configuration in force\n  /ready: LIVE or DRAINING\n"
                           "  /stats/prometheus: Istio and Envoy metrics\n");
        respond(a, 200, "text/plain", &body);
    } else {
        px_buf_puts(&body, "unknown admin path\n");
        respond(a, 404, "text/plain", &body);
    }
    if (c)
        px_conf_unref(c);
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
