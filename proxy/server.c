/*
 * server.c - the meshproxy process: configuration, worker threads, admin port,
 * signals, reload and drain.
 *
 * Threads: the caller's thread runs the main loop (admin port, a signalfd for
 * SIGHUP/SIGTERM/SIGINT, the outlier detectors' interval sweeps, the drain
 * deadline); each worker thread runs its own loop with its own SO_REUSEPORT
 * listener, so the kernel spreads connections over workers.
 *
 * Reload (SIGHUP): the files are loaded again into a new px_conf; on any error
 * the messages are printed and the old configuration stays.  Otherwise the
 * new one is posted to every worker (mailbox under srv->mu + eventfd wake-up);
 * a worker switches at once: new requests use it, requests in flight keep
 * their reference to the old one, the old one's idle upstream connections are
 * closed and its busy ones close when their request ends.
 *
 * Drain (SIGTERM or SIGINT): /ready answers 503, listeners close, idle
 * client connections close, the others get "connection: close" on their
 * current response; the process exits when no client connection is left, or
 * at the drain deadline (then the remaining connections are reset).
 */
#define _GNU_SOURCE 1 /* SO_REUSEPORT, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "proxy/server_int.h"

void px_options_default(px_options *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:15001";
    o->admin = "127.0.0.1:15000";
    o->workers = 1;
    o->ns = "default";
    o->seed = 1;
    o->drain_timeout_ns = INT64_C(5000000000);
    o->header_timeout_ns = INT64_C(10000000000);
    o->body_timeout_ns = INT64_C(10000000000);
    o->idle_timeout_ns = INT64_C(300000000000);
    o->stream_idle_timeout_ns = INT64_C(300000000000);
    o->max_body_bytes = 0;
    o->retry_buffer_bytes = 1u << 20;
    o->limits = px_http_limits_default();
    o->ready_fd = -1;
}

/* "host:port" -> address.  0, or -1 after printing. */
static int parse_addr(const char *what, const char *s, struct sockaddr_storage *sa, socklen_t *len)
{
    const char *colon = strrchr(s, ':');
    char host[256];
    if (!colon || (size_t)(colon - s) >= sizeof host) {
        fprintf(stderr, "meshproxy: error: %s address \"%s\": expected HOST:PORT\n", what, s);
        return -1;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    if (host[0] == '[') {
        size_t n = strlen(host);
        memmove(host, host + 1, n);
        if (n >= 2)
            host[n - 2] = 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    int rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "meshproxy: error: %s address \"%s\": %s\n", what, s, gai_strerror(rc));
        return -1;
    }
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int port_of(const struct sockaddr_storage *sa)
{
    return sa->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
                                     : ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

/* A non-blocking listening socket; with reuseport for the workers. */
static int listen_on(struct sockaddr_storage *sa, socklen_t *len, bool reuseport, const char *what)
{
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)sa, *len) != 0 || listen(fd, 4096) != 0)
        goto fail;
    getsockname(fd, (struct sockaddr *)sa, len); /* port 0: the one chosen */
    return fd;
fail:
    fprintf(stderr, "meshproxy: error: cannot listen on the %s port: %s\n", what, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static void arm_od_timers(px_server *s)
{
    for (size_t i = 0; i < s->nod_timers; i++)
        px_timer_stop(s->loop, &s->od_timers[i]);
    free(s->od_timers);
    s->nod_timers = s->conf->nclusters;
    s->od_timers = ms_xcalloc(s->nod_timers ? s->nod_timers : 1, sizeof *s->od_timers);
    for (size_t i = 0; i < s->nod_timers; i++) {
        px_cluster *cl = &s->conf->clusters[i];
        if (!cl->od)
            continue;
        px_timer_init(&s->od_timers[i], NULL, cl);
    }
}

static void on_od_tick(px_loop *l, px_timer *t)
{
    px_cluster *cl = t->obj;
    px_cluster_tick(cl, px_loop_now(l));
    px_timer_start(l, t, px_loop_now(l) + cl->od_interval_ns);
}

static void start_od_timers(px_server *s)
{
    arm_od_timers(s);
    for (size_t i = 0; i < s->nod_timers; i++) {
        px_cluster *cl = &s->conf->clusters[i];
        if (!cl->od)
            continue;
        s->od_timers[i].fn = on_od_tick;
        px_timer_start(s->loop, &s->od_timers[i], px_loop_now(s->loop) + cl->od_interval_ns);
    }
}

static px_conf *load(px_server *s)
{
    ms_diag *d = NULL;
    px_conf *c = px_conf_load(s->opt.paths, s->opt.npaths, s->nworkers, s->opt.ns, s->opt.gateway, s->opt.seed, &d);
    ms_diag_print(d, stderr);
    if (c)
        c->generation = ++s->generation;
    else
        ms_diag_destroy(d); /* a loaded configuration owns its diagnostics */
    return c;
}

static void worker_wake(px_loop *l, void *arg)
{
    px_worker *w = arg;
    px_server *s = w->srv;
    pthread_mutex_lock(&s->mu);
    px_conf *next = w->next_conf;
    w->next_conf = NULL;
    pthread_mutex_unlock(&s->mu);
    if (next) {
        px_conf *old = w->conf;
        w->conf = next;
        px_upstream_close_idle(w, old);
        px_conf_unref(old);
    }
    if (atomic_load(&s->draining) && !w->draining)
        px_worker_drain(w);
    else if (atomic_load(&s->listeners_stopped) && w->listen_io.fd >= 0)
        px_worker_stop_accepting(w);
}

static void *worker_main(void *arg)
{
    px_worker *w = arg;
    px_server *s = w->srv;
    while (!atomic_load(&s->stop_now) && !(w->draining && w->nconns == 0))
        px_loop_run_once(w->loop, 200);
    while (w->conns)
        px_dconn_close(w->conns);
    px_upstream_close_idle(w, w->conf);
    if (w->listen_io.fd >= 0) {
        px_io_set(w->loop, &w->listen_io, 0);
        close(w->listen_io.fd);
        w->listen_io.fd = -1;
    }
    px_loop_run_once(w->loop, 0); /* free what was closed */
    atomic_fetch_sub(&s->live_workers, 1);
    px_loop_wake(s->loop);
    return NULL;
}

static void reload(px_server *s)
{
    fprintf(stderr, "meshproxy: reloading the configuration\n");
    px_conf *c = load(s);
    if (!c) {
        s->reloads_failed++;
        fprintf(stderr, "meshproxy: reload failed; the previous configuration stays in force\n");
        return;
    }
    pthread_mutex_lock(&s->mu);
    px_conf *old = s->conf;
    s->conf = c;
    for (int i = 0; i < s->nworkers; i++) {
        px_conf_ref(c);
        if (s->workers[i].next_conf)
            px_conf_unref(s->workers[i].next_conf);
        s->workers[i].next_conf = c;
    }
    s->reloads_ok++;
    pthread_mutex_unlock(&s->mu);
    start_od_timers(s);
    for (int i = 0; i < s->nworkers; i++)
        px_loop_wake(s->workers[i].loop);
    px_conf_unref(old);
    fprintf(stderr, "meshproxy: configuration %llu in force\n", (unsigned long long)c->generation);
}

static void on_drain_deadline(px_loop *l, px_timer *t)
{
    px_server *s = t->obj;
    atomic_store(&s->stop_now, true);
    for (int i = 0; i < s->nworkers; i++)
        px_loop_wake(s->workers[i].loop);
}

static void stop_listeners(px_server *s)
{
    if (atomic_exchange(&s->listeners_stopped, true))
        return;
    fprintf(stderr, "meshproxy: listeners stopped\n");
    for (int i = 0; i < s->nworkers; i++)
        px_loop_wake(s->workers[i].loop);
}

static void on_listeners_timer(px_loop *l, px_timer *t) { stop_listeners(t->obj); }

/* Envoy's ListenersHandler::handlerDrainListeners: the drain sequence starts
 * at once (every response now closes its HTTP/1 connection); the listeners
 * stop now, or at the end of the drain period when graceful, or never with
 * skip_exit.  A second call while draining changes nothing. */
void px_server_drain_listeners(px_server *s, bool graceful, bool skip_exit)
{
    if (atomic_exchange(&s->listeners_drain, true))
        return;
    fprintf(stderr, "meshproxy: draining listeners%s\n", graceful ? " (graceful)" : "");
    if (skip_exit)
        return;
    if (graceful)
        px_timer_start(s->loop, &s->listeners_timer, px_loop_now(s->loop) + s->opt.drain_timeout_ns);
    else
        stop_listeners(s);
}

static void on_signal(px_loop *l, px_io *io, uint32_t ev)
{
    px_server *s = io->obj;
    struct signalfd_siginfo si;
    while (read(io->fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            reload(s);
        } else if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) && !atomic_load(&s->draining)) {
            fprintf(stderr, "meshproxy: draining\n");
            atomic_store(&s->draining, true);
            px_timer_start(l, &s->drain_timer, px_loop_now(l) + s->opt.drain_timeout_ns);
            for (int i = 0; i < s->nworkers; i++)
                px_loop_wake(s->workers[i].loop);
        }
    }
}

int px_server_run(const px_options *o)
{
    px_server *s = ms_xcalloc(1, sizeof *s);
    int rc = 2;
    s->opt = *o;
    s->nworkers = o->workers > 0 ? o->workers : 1;
    s->log_fd = -1;
    s->start_ns = px_clock_ns();
    s->admin_io.fd = s->signal_io.fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->rl_mu, NULL);
    s->loop = px_loop_create();
    s->workers = ms_xcalloc((size_t)s->nworkers, sizeof *s->workers);
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].listen_io.fd = -1;
    if (!s->loop)
        goto out;
    if (o->access_log) {
        s->log_fd = strcmp(o->access_log, "-") == 0 ? dup(STDOUT_FILENO)
                                                      : open(o->access_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (s->log_fd < 0) {
            fprintf(stderr, "meshproxy: error: cannot open access log %s: %s\n", o->access_log, strerror(errno));
            goto out;
        }
    }
    s->conf = load(s);
    if (!s->conf)
        goto out;
    if (o->rate_limit)
        pol_ratelimit_init(&s->rl, &o->rl, px_clock_ns());
    /* listeners */
    if (parse_addr("listen", o->listen, &s->listen_sa, &s->listen_salen) != 0)
        goto out;
    for (int i = 0; i < s->nworkers; i++) {
        int fd = listen_on(&s->listen_sa, &s->listen_salen, true, "listen");
        if (fd < 0)
            goto out;
        s->workers[i].listen_io = (px_io){.fd = fd, .fn = px_worker_accept, .obj = &s->workers[i]};
    }
    struct sockaddr_storage asa;
    socklen_t alen = 0;
    if (o->admin) {
        if (parse_addr("admin", o->admin, &asa, &alen) != 0)
            goto out;
        int fd = listen_on(&asa, &alen, false, "admin");
        if (fd < 0)
            goto out;
        s->admin_io = (px_io){.fd = fd, .fn = px_admin_accept, .obj = s};
        px_io_set(s->loop, &s->admin_io, EPOLLIN);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0)
        goto out;
    s->signal_io = (px_io){.fd = sfd, .fn = on_signal, .obj = s};
    px_io_set(s->loop, &s->signal_io, EPOLLIN);
    px_timer_init(&s->drain_timer, on_drain_deadline, s);
    px_timer_init(&s->listeners_timer, on_listeners_timer, s);
    start_od_timers(s);
    /* workers */
    for (int i = 0; i < s->nworkers; i++) {
        px_worker *w = &s->workers[i];
        w->srv = s;
        w->id = i;
        w->loop = px_loop_create();
        if (!w->loop)
            goto out;
        w->conf = s->conf;
        px_conf_ref(w->conf);
        w->rng_state.s = o->seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i + 1;
        w->rng = ms_splitmix_rng(&w->rng_state);
        pthread_mutex_init(&w->mmu, NULL);
        px_loop_set_wake(w->loop, worker_wake, w);
        px_io_set(w->loop, &w->listen_io, EPOLLIN);
    }
    atomic_store(&s->live_workers, s->nworkers);
    for (int i = 0; i < s->nworkers; i++)
        pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]);
    fprintf(stderr, "meshproxy: listening on port %d, admin port %d, %d worker%s\n", port_of(&s->listen_sa),
            o->admin ? port_of(&asa) : 0, s->nworkers, s->nworkers == 1 ? "" : "s");
    if (o->ready_fd >= 0) {
        char line[64];
        int n = snprintf(line, sizeof line, "ready %d %d\n", port_of(&s->listen_sa), o->admin ? port_of(&asa) : 0);
        ssize_t wr = write(o->ready_fd, line, (size_t)n);
        (void)wr;
    }
    while (atomic_load(&s->live_workers) > 0)
        px_loop_run_once(s->loop, 200);
    for (int i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i].thread, NULL);
    fprintf(stderr, "meshproxy: drained; exiting\n");
    rc = 0;
out:
    for (int i = 0; i < s->nworkers; i++) {
        px_worker *w = &s->workers[i];
        if (w->listen_io.fd >= 0)
            close(w->listen_io.fd);
        if (w->conf)
            px_conf_unref(w->conf);
        if (w->next_conf)
            px_conf_unref(w->next_conf);
        px_metrics_free(&w->metrics);
        if (w->loop)
            pthread_mutex_destroy(&w->mmu);
        px_loop_destroy(w->loop);
    }
    free(s->workers);
    if (s->admin_io.fd >= 0)
        close(s->admin_io.fd);
    if (s->signal_io.fd >= 0)
        close(s->signal_io.fd);
    free(s->od_timers);
    if (s->conf)
        px_conf_unref(s->conf);
    if (s->log_fd >= 0)
        close(s->log_fd);
    px_loop_destroy(s->loop);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->rl_mu);
    free(s);
    return rc;
}
