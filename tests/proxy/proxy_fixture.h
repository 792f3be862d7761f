/*
 * proxy_fixture.h - helpers for meshproxy's integration tests: a threaded
 * loopback listener that test servers build on, small HTTP/1.1 upstream
 * servers on it (configurable status, latency and failures, arrival times
 * recorded), a meshproxy child process started on
 * ephemeral ports from an inline YAML config, and a blocking client.
 * Header-only: each test program includes it once.
 */
#ifndef PROXY_FIXTURE_H
#define PROXY_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline int64_t fx_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void fx_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Send all n bytes; false if the peer went away first (the rest unsent). */
static inline bool fx_send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

/* --- listener ------------------------------------------------------------------ */

/* A threaded loopback test server: listens on an ephemeral loopback port, an
 * accept thread hands every connection to `serve` on a thread of its own.
 * Embed it as the first member of a server struct (the handler casts the
 * listener back to it).  `serve` returns when it is done with the connection;
 * the listener then shuts the socket down (it is closed at stop).  `mu` guards
 * the connection list and is the owner's lock for its own records too; `stop`
 * is set when stopping begins, for handlers that wait or stream. */

#define FX_MAX_CONNS 2048

typedef struct fx_listener fx_listener;
typedef void (*fx_serve_fn)(fx_listener *l, int fd);

struct fx_listener {
    int fd, port;
    fx_serve_fn serve;
    pthread_t accept_thr;
    pthread_mutex_t mu;
    int conns[FX_MAX_CONNS];
    pthread_t threads[FX_MAX_CONNS];
    int nconns;
    _Atomic bool stop;
};

typedef struct fx_listener_conn {
    fx_listener *l;
    int fd;
} fx_listener_conn;

static inline void *fx_listener_conn_main(void *arg)
{
    fx_listener_conn c = *(fx_listener_conn *)arg;
    free(arg);
    c.l->serve(c.l, c.fd);
    shutdown(c.fd, SHUT_RDWR);
    return NULL;
}

static inline void *fx_listener_accept_main(void *arg)
{
    fx_listener *l = arg;
    for (;;) {
        int fd = accept(l->fd, NULL, NULL);
        if (fd < 0 || atomic_load(&l->stop)) {
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_mutex_lock(&l->mu);
        if (l->nconns == FX_MAX_CONNS) {
            pthread_mutex_unlock(&l->mu);
            close(fd);
            continue;
        }
        fx_listener_conn *c = malloc(sizeof *c);
        c->l = l;
        c->fd = fd;
        l->conns[l->nconns] = fd;
        pthread_create(&l->threads[l->nconns], NULL, fx_listener_conn_main, c);
        l->nconns++;
        pthread_mutex_unlock(&l->mu);
    }
}

/* Start listening; `l` is zeroed memory (a calloc'd owner, say). */
static inline void fx_listener_start(fx_listener *l, fx_serve_fn serve)
{
    l->serve = serve;
    pthread_mutex_init(&l->mu, NULL);
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(l->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l->fd, 256) != 0)
        abort();
    socklen_t sl = sizeof sa;
    getsockname(l->fd, (struct sockaddr *)&sa, &sl);
    l->port = ntohs(sa.sin_port);
    pthread_create(&l->accept_thr, NULL, fx_listener_accept_main, l);
}

/* Stop accepting, shut every connection down, join every thread, close all;
 * the owner frees `l`'s memory. */
static inline void fx_listener_stop(fx_listener *l)
{
    atomic_store(&l->stop, true);
    shutdown(l->fd, SHUT_RDWR);
    pthread_join(l->accept_thr, NULL);
    close(l->fd);
    pthread_mutex_lock(&l->mu);
    int n = l->nconns;
    for (int i = 0; i < n; i++)
        shutdown(l->conns[i], SHUT_RDWR);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < n; i++) {
        pthread_join(l->threads[i], NULL);
        close(l->conns[i]);
    }
    pthread_mutex_destroy(&l->mu);
}

/* --- upstream ------------------------------------------------------------------ */

#define FX_MAX_ARRIVALS 8192
#define FX_SCRIPT_MAX 8

/* An HTTP/1.1 upstream on an fx_listener (whose `mu` guards the records). */
typedef struct fx_upstream {
    fx_listener l;
    char name[16];
    _Atomic int status;     /* normal status */
    _Atomic int delay_ms;   /* before answering */
    _Atomic int fail_first; /* the first N requests get fail_status */
    _Atomic int fail_status;
    _Atomic int fail_permille; /* every request fails with this chance (seeded by its index) */
    _Atomic bool chunked;   /* answer with a chunked body instead of Content-Length */
    /* a script for the first requests: request i < nscript (set before any
     * request) waits script_delay_ms[i] and answers script_status[i] (0: as
     * usual); the start of each such request's head is kept in script_head[i] */
    int nscript;
    int script_delay_ms[FX_SCRIPT_MAX], script_status[FX_SCRIPT_MAX];
    char script_head[FX_SCRIPT_MAX][1024];
    uint64_t seed;
    _Atomic int count;      /* requests seen */
    int64_t arrivals[FX_MAX_ARRIVALS];
    char last_head[4096];
    _Atomic long long body_seen;  /* request body bytes received so far, all requests */
    _Atomic bool hold_body;       /* stop reading request bodies while set */
    uint64_t body_hash[FX_MAX_ARRIVALS]; /* FNV-1a of each request's body, by index */
    uint64_t body_len[FX_MAX_ARRIVALS];
} fx_upstream;

static inline uint64_t fx_fnv(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h;
}
#define FX_FNV0 0xcbf29ce484222325ULL

/* Read more into buf (len bytes held).  0, or -1 at EOF, error or full. */
static inline int fx_more(int fd, char *buf, size_t cap, size_t *len)
{
    if (*len == cap)
        return -1;
    ssize_t n = recv(fd, buf + *len, cap - *len, 0);
    if (n <= 0)
        return -1;
    *len += (size_t)n;
    return 0;
}

/* Read until buf holds a whole request head ("\r\n\r\n").  0, or -1 at EOF,
 * error or full. */
static inline int fx_read_head(int fd, char *buf, size_t cap, size_t *len)
{
    while (!memmem(buf, *len, "\r\n\r\n", 4))
        if (fx_more(fd, buf, cap, len) != 0)
            return -1;
    return 0;
}

/* Take up to `want` body bytes from the front of buf (reading when empty),
 * hash and count them.  Returns the bytes taken, or 0 at EOF. */
static inline size_t fx_take(fx_upstream *u, int fd, char *buf, size_t cap, size_t *len, uint64_t want,
                             uint64_t *h)
{
    while (atomic_load(&u->hold_body) && !atomic_load(&u->l.stop))
        fx_sleep_ms(5);
    if (*len == 0 && fx_more(fd, buf, cap, len) != 0)
        return 0;
    size_t n = *len < want ? *len : (size_t)want;
    *h = fx_fnv(*h, buf, n);
    atomic_fetch_add(&u->body_seen, (long long)n);
    memmove(buf, buf + n, *len - n);
    *len -= n;
    return n;
}

/* Read one request body (Content-Length `cl`, or chunked) as it streams in. */
static inline int fx_read_body(fx_upstream *u, int fd, char *buf, size_t cap, size_t *len, bool chunked,
                               uint64_t cl, uint64_t *h, uint64_t *total)
{
    *h = FX_FNV0;
    *total = 0;
    if (!chunked) {
        while (*total < cl) {
            size_t n = fx_take(u, fd, buf, cap, len, cl - *total, h);
            if (!n)
                return -1;
            *total += n;
        }
        return 0;
    }
    for (;;) {
        char *eol;
        while (!(eol = memmem(buf, *len, "\r\n", 2)))
            if (fx_more(fd, buf, cap, len) != 0)
                return -1;
        uint64_t size = strtoull(buf, NULL, 16);
        size_t ll = (size_t)(eol - buf) + 2;
        memmove(buf, buf + ll, *len - ll);
        *len -= ll;
        for (uint64_t got = 0; got < size;) {
            size_t n = fx_take(u, fd, buf, cap, len, size - got, h);
            if (!n)
                return -1;
            got += n;
        }
        *total += size;
        while (*len < 2)
            if (fx_more(fd, buf, cap, len) != 0)
                return -1;
        if (memcmp(buf, "\r\n", 2) != 0)
            return -1;
        memmove(buf, buf + 2, *len - 2);
        *len -= 2;
        if (size == 0)
            return 0;
    }
}

static inline void fx_upstream_serve(fx_listener *l, int fd)
{
    fx_upstream *u = (fx_upstream *)l;
    char buf[65536];
    size_t len = 0;
    for (;;) {
        char *end = NULL;
        while (!(end = memmem(buf, len, "\r\n\r\n", 4))) {
            if (len == sizeof buf)
                return;
            ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
            if (n <= 0)
                return;
            len += (size_t)n;
        }
        size_t head = (size_t)(end - buf) + 4;
        uint64_t body = 0;
        char *cl = memmem(buf, head, "content-length: ", 16);
        if (cl)
            body = strtoull(cl + 16, NULL, 10);
        bool chunked = memmem(buf, head, "transfer-encoding: chunked", 26) != NULL;
        char h[4096];
        size_t hl = head < sizeof h - 1 ? head : sizeof h - 1;
        memcpy(h, buf, hl);
        h[hl] = 0;
        memmove(buf, buf + head, len - head);
        len -= head;
        uint64_t bh, blen;
        if (fx_read_body(u, fd, buf, sizeof buf, &len, chunked, body, &bh, &blen) != 0)
            return;
        int idx = atomic_fetch_add(&u->count, 1);
        pthread_mutex_lock(&u->l.mu);
        if (idx < FX_MAX_ARRIVALS) {
            u->arrivals[idx] = fx_now_ns();
            u->body_hash[idx] = bh;
            u->body_len[idx] = blen;
        }
        memcpy(u->last_head, h, hl + 1);
        bool scripted = idx < u->nscript && idx < FX_SCRIPT_MAX;
        if (scripted)
            memcpy(u->script_head[idx], h, hl < sizeof u->script_head[idx] ? hl + 1 : sizeof u->script_head[idx]);
        if (scripted)
            u->script_head[idx][sizeof u->script_head[idx] - 1] = 0;
        pthread_mutex_unlock(&u->l.mu);
        int delay = scripted ? u->script_delay_ms[idx] : atomic_load(&u->delay_ms);
        for (int d = delay; d > 0 && !atomic_load(&u->l.stop); d -= 10)
            fx_sleep_ms(d < 10 ? d : 10);
        int status = idx < atomic_load(&u->fail_first) ? atomic_load(&u->fail_status) : atomic_load(&u->status);
        if (scripted && u->script_status[idx])
            status = u->script_status[idx];
        if (atomic_load(&u->fail_permille)) {
            uint64_t z = u->seed + (uint64_t)idx * 0x9e3779b97f4a7c15ULL;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            z ^= z >> 31;
            if ((int)(z % 1000) < atomic_load(&u->fail_permille))
                status = atomic_load(&u->fail_status);
        }
        char resp[256];
        int n = atomic_load(&u->chunked)
                    ? snprintf(resp, sizeof resp,
                               "HTTP/1.1 %d X\r\ntransfer-encoding: chunked\r\nx-upstream: %s\r\n\r\n"
                               "%zx\r\n%s\r\n%zx\r\n%s\r\n0\r\n\r\n",
                               status, u->name, strlen(u->name), u->name, strlen(u->name), u->name)
                    : snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\ncontent-length: %zu\r\nx-upstream: %s\r\n\r\n%s",
                               status, strlen(u->name), u->name, u->name);
        if (send(fd, resp, (size_t)n, MSG_NOSIGNAL) != n)
            return;
    }
}

static inline fx_upstream *fx_upstream_start(const char *name, int status)
{
    fx_upstream *u = calloc(1, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", name);
    atomic_store(&u->status, status);
    atomic_store(&u->fail_status, 503);
    fx_listener_start(&u->l, fx_upstream_serve);
    return u;
}

static inline void fx_upstream_stop(fx_upstream *u)
{
    fx_listener_stop(&u->l);
    free(u);
}

/* --- meshproxy child -------------------------------------------------------------- */

typedef struct fx_proxy {
    pid_t pid;
    int port, admin;
    char yaml[64], err[64], log[64];
} fx_proxy;

static inline void fx_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static inline char *fx_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t r = fread(s, 1, (size_t)n, f);
    s[r] = 0;
    fclose(f);
    return s;
}

/* Start meshproxy on ephemeral ports with `yaml`; extra: NULL-terminated args. */
static inline int fx_proxy_start(fx_proxy *p, const char *yaml, const char *const *extra)
{
    static int seq;
    memset(p, 0, sizeof *p);
    seq++;
    snprintf(p->yaml, sizeof p->yaml, "/tmp/px-test-%d-%d.yaml", (int)getpid(), seq);
    snprintf(p->err, sizeof p->err, "/tmp/px-test-%d-%d.err", (int)getpid(), seq);
    snprintf(p->log, sizeof p->log, "/tmp/px-test-%d-%d.log", (int)getpid(), seq);
    fx_write_file(p->yaml, yaml);
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    const char *argv[40];
    int a = 0;
    char fdtext[16];
    snprintf(fdtext, sizeof fdtext, "%d", pfd[1]);
    argv[a++] = MESHSIM_BINARY_DIR "/tools/meshproxy";
    argv[a++] = "-c";
    argv[a++] = p->yaml;
    argv[a++] = "--listen";
    argv[a++] = "127.0.0.1:0";
    argv[a++] = "--admin";
    argv[a++] = "127.0.0.1:0";
    argv[a++] = "--ready-fd";
    argv[a++] = fdtext;
    argv[a++] = "--access-log";
    argv[a++] = p->log;
    for (int i = 0; extra && extra[i] && a < 38; i++)
        argv[a++] = extra[i];
    argv[a] = NULL;
    p->pid = fork();
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
        close(pfd[0]);
        FILE *e = freopen(p->err, "w", stderr);
        (void)e;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    char line[64] = {0};
    ssize_t n = 0, k;
    while (n < (ssize_t)sizeof line - 1 && (k = read(pfd[0], line + n, sizeof line - 1 - (size_t)n)) > 0) {
        n += k;
        if (memchr(line, '\n', (size_t)n))
            break;
    }
    close(pfd[0]);
    if (sscanf(line, "ready %d %d", &p->port, &p->admin) != 2) {
        int st;
        waitpid(p->pid, &st, 0);
        p->pid = 0;
        return -1;
    }
    return 0;
}

/* SIGTERM and wait; returns the exit status (or -1). */
static inline int fx_proxy_stop(fx_proxy *p)
{
    if (!p->pid)
        return -1;
    kill(p->pid, SIGTERM);
    int st = 0;
    waitpid(p->pid, &st, 0);
    p->pid = 0;
    unlink(p->yaml);
    unlink(p->log);
    unlink(p->err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- client -------------------------------------------------------------------- */

static inline int fx_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

typedef struct fx_resp {
    int status;
    char head[4096];
    char body[8192];
    size_t body_len;
} fx_resp;

/* Read exactly one Content-Length-delimited response from fd (peeking, so a
 * pipelined next response stays in the socket).  0, or -1 (closed). */
static inline int fx_read_resp(int fd, fx_resp *r)
{
    char buf[16384];
    memset(r, 0, sizeof *r);
    for (;;) {
        ssize_t len = recv(fd, buf, sizeof buf, MSG_PEEK);
        if (len <= 0)
            return -1;
        char *end = memmem(buf, (size_t)len, "\r\n\r\n", 4);
        if (end) {
            size_t head = (size_t)(end - buf) + 4, body = 0;
            memcpy(r->head, buf, head < sizeof r->head - 1 ? head : sizeof r->head - 1);
            char *cl = strstr(r->head, "content-length: ");
            if (cl)
                body = strtoul(cl + 16, NULL, 10);
            if ((size_t)len >= head + body || head + body > sizeof buf) {
                size_t want = head + body < sizeof buf ? head + body : sizeof buf;
                ssize_t got = recv(fd, buf, want, MSG_WAITALL);
                if (got != (ssize_t)want)
                    return -1;
                r->status = atoi(buf + 9);
                r->body_len = body < sizeof r->body - 1 ? body : sizeof r->body - 1;
                memcpy(r->body, buf + head, r->body_len);
                return 0;
            }
        } else if ((size_t)len == sizeof buf) {
            return -1;
        }
        fx_sleep_ms(1); /* wait for more bytes */
    }
}

/* One request on a fresh connection.  Returns the status, -1 on failure. */
static inline int fx_request(int port, const char *raw, fx_resp *r)
{
    int fd = fx_connect(port);
    if (fd < 0)
        return -1;
    size_t n = strlen(raw);
    if (send(fd, raw, n, MSG_NOSIGNAL) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    int rc = fx_read_resp(fd, r);
    close(fd);
    return rc == 0 ? r->status : -1;
}

static inline int fx_get(int port, const char *host, const char *extra, fx_resp *r)
{
    char raw[2048];
    snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n", host, extra ? extra : "");
    return fx_request(port, raw, r);
}

/* Everything fd receives until EOF, in a malloc'd string; closes fd. */
static inline char *fx_read_all(int fd, size_t *len_out)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    ssize_t n;
    while ((n = recv(fd, s + len, cap - len - 1, 0)) > 0) {
        len += (size_t)n;
        if (cap - len < 4096)
            s = realloc(s, cap *= 2);
    }
    s[len] = 0;
    close(fd);
    *len_out = len;
    return s;
}

/* Admin GET: the whole body into a malloc'd string. */
static inline char *fx_admin(int admin_port, const char *path)
{
    int fd = fx_connect(admin_port);
    if (fd < 0)
        return strdup("");
    char raw[256];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: admin\r\n\r\n", path);
    send(fd, raw, strlen(raw), MSG_NOSIGNAL);
    size_t len;
    return fx_read_all(fd, &len);
}

/* An admin request with any method: the whole response (head and body) in a
 * malloc'd string; *status receives its status (-1: no answer). */
static inline char *fx_admin_call(int admin_port, const char *method, const char *path, int *status)
{
    char raw[320];
    snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: admin\r\ncontent-length: 0\r\n\r\n", method, path);
    int fd = fx_connect(admin_port);
    *status = -1;
    if (fd < 0)
        return strdup("");
    send(fd, raw, strlen(raw), MSG_NOSIGNAL);
    size_t len;
    char *s = fx_read_all(fd, &len);
    if (len > 12 && !strncmp(s, "HTTP/1.1 ", 9))
        *status = atoi(s + 9);
    return s;
}

/* The value of the Prometheus sample whose line starts with `prefix`, or -1. */
static inline long long fx_metric(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);
    while ((p = strstr(p, prefix))) {
        if (p == text || p[-1] == '\n') {
            const char *sp = strchr(p, ' ');
            const char *nl = strchr(p, '\n');
            if (sp && (!nl || sp < nl))
                return atoll(sp + 1);
        }
        p += n;
    }
    return -1;
}

/* The value of the Prometheus sample starting with `prefix` on the admin
 * port's /stats/prometheus, or -1. */
static inline long long fx_admin_metric(int admin_port, const char *prefix)
{
    char *m = fx_admin(admin_port, "/stats/prometheus");
    long long v = fx_metric(m, prefix);
    free(m);
    return v;
}

/* Whether the admin port's /stats/prometheus contains `text`. */
static inline bool fx_admin_metrics_have(int admin_port, const char *text)
{
    char *m = fx_admin(admin_port, "/stats/prometheus");
    bool found = strstr(m, text) != NULL;
    free(m);
    return found;
}

/* In /stats text, the value after "name: " on the line that is exactly
 * `name`, or -1. */
static inline long long fx_stat_value(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, name, n) && p[n] == ':' && p[n + 1] == ' ')
            return atoll(p + n + 2);
    return -1;
}

#endif
