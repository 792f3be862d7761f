/*
 * test_proxy_upgrade.c - meshproxy's websocket upgrades over loopback.  A test
 * upstream answers an upgrade request by its path: "/ws" with 101 and then an
 * echo protocol (every byte back; at the client's EOF it writes "<eof>" and
 * closes), "/hello" with 101, "hello" and its own FIN (then it records what it
 * still receives), "/source" with 101 and SOURCE_BYTES of generated data,
 * "/nope" with an ordinary 404 (and "/ws" its first fail_first times with
 * 503).  Plain requests get 200.  Assertions are on
 * bytes, orderings and counts, never on elapsed time.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"

#define ROUTE_VS FX_VS_HEAD "    - route: [{destination: {host: reviews}}]\n"
#define SOURCE_BYTES (64u << 20)

/* on an fx_listener, whose `mu` guards last_head */
typedef struct ws_upstream {
    fx_listener l;
    _Atomic int requests;     /* heads received */
    _Atomic int closed;       /* connections that saw the proxy's EOF */
    _Atomic long long source_written;
    _Atomic int fail_first;   /* "/ws": the first N upgrades get 503 */
    _Atomic int ws_seen;
    char last_head[4096];
    char after_fin[256];      /* "/hello": what arrived after its FIN */
} ws_upstream;

static void fill(char *p, size_t n, uint64_t off)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (off + i) * 0x9e3779b97f4a7c15ULL;
        p[i] = (char)(x >> 56);
    }
}

static const char SWITCH[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

static void ws_serve(fx_listener *l, int fd)
{
    ws_upstream *u = (ws_upstream *)l;
    char buf[65536];
    size_t len = 0;
    for (;;) {
        char *end;
        while (!(end = memmem(buf, len, "\r\n\r\n", 4))) {
            ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
            if (n <= 0) {
                atomic_fetch_add(&u->closed, 1);
                return;
            }
            len += (size_t)n;
        }
        size_t head = (size_t)(end - buf) + 4;
        atomic_fetch_add(&u->requests, 1);
        pthread_mutex_lock(&u->l.mu);
        size_t hl = head < sizeof u->last_head - 1 ? head : sizeof u->last_head - 1;
        memcpy(u->last_head, buf, hl);
        u->last_head[hl] = 0;
        pthread_mutex_unlock(&u->l.mu);
        bool is_ws = strncmp(buf, "GET /ws ", 8) == 0, is_hello = strncmp(buf, "GET /hello ", 11) == 0;
        bool is_source = strncmp(buf, "GET /source ", 12) == 0, is_nope = strncmp(buf, "GET /nope ", 10) == 0;
        memmove(buf, buf + head, len - head);
        len -= head;
        if (is_nope) {
            const char *r = "HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found";
            fx_send_all(fd, r, strlen(r));
            /* keep-alive as far as it says: the proxy decides; what else
             * arrives is the client's upgrade payload, never parsed here */
            while (recv(fd, buf, sizeof buf, 0) > 0)
                ;
            atomic_fetch_add(&u->closed, 1);
            return;
        }
        if (is_ws && atomic_fetch_add(&u->ws_seen, 1) < atomic_load(&u->fail_first)) {
            const char *r = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy";
            fx_send_all(fd, r, strlen(r));
            continue;
        }
        if (!is_ws && !is_hello && !is_source) {
            const char *r = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
            fx_send_all(fd, r, strlen(r));
            continue;
        }
        fx_send_all(fd, SWITCH, sizeof SWITCH - 1);
        if (is_hello) {
            fx_send_all(fd, "hello", 5);
            shutdown(fd, SHUT_WR);
            size_t got = 0;
            memcpy(u->after_fin, buf, len < sizeof u->after_fin - 1 ? len : 0);
            got = len < sizeof u->after_fin - 1 ? len : 0;
            ssize_t n;
            while ((n = recv(fd, u->after_fin + got, sizeof u->after_fin - 1 - got, 0)) > 0)
                got += (size_t)n;
            atomic_fetch_add(&u->closed, 1);
            return;
        }
        if (is_source) {
            char *chunk = malloc(65536);
            for (uint64_t off = 0; off < SOURCE_BYTES && !atomic_load(&u->l.stop); off += 65536) {
                fill(chunk, 65536, off);
                fx_send_all(fd, chunk, 65536);
                atomic_fetch_add(&u->source_written, 65536);
            }
            free(chunk);
            shutdown(fd, SHUT_WR);
            while (recv(fd, buf, sizeof buf, 0) > 0)
                ;
            atomic_fetch_add(&u->closed, 1);
            return;
        }
        /* echo: the bytes that came with the head first */
        if (len)
            fx_send_all(fd, buf, len);
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
            fx_send_all(fd, buf, (size_t)n);
        fx_send_all(fd, "<eof>", 5);
        atomic_fetch_add(&u->closed, 1);
        return;
    }
}

static ws_upstream *ws_start(void)
{
    ws_upstream *u = calloc(1, sizeof *u);
    fx_listener_start(&u->l, ws_serve);
    return u;
}

static void ws_stop(ws_upstream *u)
{
    fx_listener_stop(&u->l);
    free(u);
}

typedef struct up_fx {
    ws_upstream *up;
    char *yaml;
    fx_proxy p;
} up_fx;

static void fx_start_vs(up_fx *f, const char *vs, const char *const *extra)
{
    f->up = ws_start();
    f->yaml = fx_yaml_printf(vs, f->up->l.port);
    assert_int_equal(fx_proxy_start(&f->p, f->yaml, extra), 0);
}

static void fx_start(up_fx *f, const char *const *extra)
{
    f->up = ws_start();
    f->yaml = fx_yaml_printf(FX_ENDPOINTS1 ROUTE_VS, f->up->l.port);
    assert_int_equal(fx_proxy_start(&f->p, f->yaml, extra), 0);
}

static void fx_stop(up_fx *f)
{
    assert_int_equal(fx_proxy_stop(&f->p), 0);
    free(f->yaml);
    ws_stop(f->up);
}

static char *upgrade_request(const char *path, const char *proto)
{
    return fx_yaml_printf("GET %s HTTP/1.1\r\nHost: reviews\r\nConnection: Upgrade\r\nUpgrade: %s\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                          path, proto);
}

/* Read a response head (up to its blank line, nothing more) into head. */
static int read_head(int fd, char *head, size_t cap)
{
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = recv(fd, head + len, 1, 0);
        if (n <= 0)
            return -1;
        len++;
        head[len] = 0;
        if (len >= 4 && !memcmp(head + len - 4, "\r\n\r\n", 4))
            return atoi(head + 9);
    }
    return -1;
}

/* Read exactly n bytes.  0, or -1 at EOF or error. */
static int read_n(int fd, char *p, size_t n)
{
    while (n) {
        ssize_t k = recv(fd, p, n, 0);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Open a tunnel to `path`: returns the client fd after the 101 head. */
static int open_tunnel(int port, const char *path, char *head, size_t cap)
{
    int fd = fx_connect(port);
    char *req = upgrade_request(path, "websocket");
    fx_send_all(fd, req, strlen(req));
    free(req);
    assert_int_equal(read_head(fd, head, cap), 101);
    return fd;
}

static bool wait_closed(ws_upstream *u, int n)
{
    for (int i = 0; i < 1000 && atomic_load(&u->closed) < n; i++)
        fx_sleep_ms(10);
    return atomic_load(&u->closed) >= n;
}

static void test_echo_both_ways(void **state)
{
    up_fx f;
    fx_start(&f, NULL);
    char head[2048];
    int fd = open_tunnel(f.p.port, "/ws", head, sizeof head);
    /* the 101 keeps Upgrade and says Connection: upgrade; no framing headers */
    assert_non_null(strstr(head, "upgrade: websocket\r\n"));
    assert_non_null(strstr(head, "connection: upgrade\r\n"));
    assert_non_null(strstr(head, "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    assert_null(strstr(head, "content-length"));
    assert_null(strstr(head, "transfer-encoding"));
    /* the upstream got the upgrade with its headers */
    pthread_mutex_lock(&f.up->l.mu);
    assert_non_null(strstr(f.up->last_head, "upgrade: websocket\r\n"));
    assert_non_null(strstr(f.up->last_head, "connection: upgrade\r\n"));
    assert_non_null(strstr(f.up->last_head, "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    assert_null(strstr(f.up->last_head, "content-length"));
    pthread_mutex_unlock(&f.up->l.mu);
    char buf[64];
    for (int i = 0; i < 3; i++) {
        char msg[16];
        int n = snprintf(msg, sizeof msg, "ping-%d", i);
        fx_send_all(fd, msg, (size_t)n);
        assert_int_equal(read_n(fd, buf, (size_t)n), 0);
        assert_memory_equal(buf, msg, (size_t)n);
    }
    /* the client's FIN reaches the upstream, which answers and closes */
    shutdown(fd, SHUT_WR);
    assert_int_equal(read_n(fd, buf, 5), 0);
    assert_memory_equal(buf, "<eof>", 5);
    assert_int_equal(recv(fd, buf, sizeof buf, 0), 0);
    close(fd);
    assert_true(wait_closed(f.up, 1));
    /* one request, code 101, the bytes each way in the log and the metrics */
    char *m = NULL;
    for (int i = 0; i < 500; i++) {
        free(m);
        m = fx_admin(f.p.admin, "/stats/prometheus");
        if (strstr(m, "response_code=\"101\""))
            break;
        fx_sleep_ms(10);
    }
    assert_non_null(strstr(m, "response_code=\"101\",response_flags=\"-\""));
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_1xx{"), 1);
    assert_int_equal(fx_metric(m, "envoy_http_downstream_cx_upgrades_total"), 1);
    assert_int_equal(fx_metric(m, "envoy_http_downstream_cx_upgrades_active"), 0);
    free(m);
    char *log = fx_read_file(f.p.log);
    assert_non_null(strstr(log, "\"GET /ws HTTP/1.1\" 101 - 18 23 "));
    free(log);
    assert_int_equal(atomic_load(&f.up->requests), 1);
    fx_stop(&f);
}

typedef struct sender_arg {
    int fd;
    size_t total;
} sender_arg;

static void *sender_main(void *arg)
{
    sender_arg *a = arg;
    char *chunk = malloc(65536);
    for (size_t off = 0; off < a->total; off += 65536) {
        fill(chunk, 65536, off);
        fx_send_all(a->fd, chunk, 65536);
    }
    shutdown(a->fd, SHUT_WR);
    free(chunk);
    return NULL;
}

static void test_large_echo_with_slow_reader(void **state)
{
    up_fx f;
    fx_start(&f, NULL);
    char head[2048];
    int fd = open_tunnel(f.p.port, "/ws", head, sizeof head);
    enum { TOTAL = 8 << 20 };
    sender_arg a = {fd, TOTAL};
    pthread_t thr;
    pthread_create(&thr, NULL, sender_main, &a);
    /* a slow reader: small reads with pauses; every byte comes back in order */
    char *want = malloc(65536), *got = malloc(4096);
    size_t off = 0;
    int reads = 0;
    while (off < TOTAL) {
        size_t n = TOTAL - off < 4096 ? TOTAL - off : 4096;
        ssize_t k = recv(fd, got, n, 0);
        assert_true(k > 0);
        fill(want, (size_t)k, off);
        assert_memory_equal(got, want, (size_t)k);
        off += (size_t)k;
        if (++reads % 256 == 0)
            fx_sleep_ms(5);
    }
    char tail[8];
    assert_int_equal(read_n(fd, tail, 5), 0);
    assert_memory_equal(tail, "<eof>", 5);
    assert_int_equal(recv(fd, tail, sizeof tail, 0), 0);
    pthread_join(thr, NULL);
    close(fd);
    free(want);
    free(got);
    fx_stop(&f);
}

static void test_backpressure_from_upstream(void **state)
{
    up_fx f;
    fx_start(&f, NULL);
    char head[2048];
    int fd = open_tunnel(f.p.port, "/source", head, sizeof head);
    /* the client reads nothing: the upstream's writes stall well before the end */
    long long last = -1, now;
    for (int i = 0; i < 600; i++) {
        fx_sleep_ms(50);
        now = atomic_load(&f.up->source_written);
        if (now == last)
            break;
        last = now;
    }
    assert_true(atomic_load(&f.up->source_written) < (40LL << 20));
    /* then everything arrives, in order */
    char *want = malloc(65536), *got = malloc(65536);
    size_t off = 0;
    while (off < SOURCE_BYTES) {
        ssize_t k = recv(fd, got, 65536, 0);
        assert_true(k > 0);
        fill(want, (size_t)k, off);
        assert_memory_equal(got, want, (size_t)k);
        off += (size_t)k;
    }
    /* the upstream's FIN: the client sees EOF while its own side stays open */
    assert_int_equal(recv(fd, got, 16, 0), 0);
    close(fd);
    free(want);
    free(got);
    fx_stop(&f);
}

static void test_half_close_from_upstream(void **state)
{
    up_fx f;
    fx_start(&f, NULL);
    char head[2048];
    int fd = open_tunnel(f.p.port, "/hello", head, sizeof head);
    char buf[16];
    assert_int_equal(read_n(fd, buf, 5), 0);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(recv(fd, buf, sizeof buf, 0), 0); /* its FIN, passed on */
    /* the other direction still flows */
    fx_send_all(fd, "still-here", 10);
    shutdown(fd, SHUT_WR);
    assert_true(wait_closed(f.up, 1));
    assert_string_equal(f.up->after_fin, "still-here");
    close(fd);
    fx_stop(&f);
}

static void test_non_101_answer_is_a_response(void **state)
{
    up_fx f;
    fx_start(&f, NULL);
    int fd = fx_connect(f.p.port);
    char *req = upgrade_request("/nope", "websocket");
    /* a request pipelined behind: the upgrade's payload, never a request */
    const char *next = "GET /plain HTTP/1.1\r\nHost: reviews\r\n\r\n";
    char *both = fx_yaml_printf("%s%s", req, next);
    fx_send_all(fd, both, strlen(both));
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "not found");
    assert_non_null(strstr(r.head, "connection: close\r\n"));
    char buf[256];
    assert_int_equal(recv(fd, buf, sizeof buf, 0), 0); /* closed, no second response */
    close(fd);
    /* the upstream connection closed too, and saw one request only */
    assert_true(wait_closed(f.up, 1));
    assert_int_equal(atomic_load(&f.up->requests), 1);
    free(req);
    free(both);
    fx_stop(&f);
}

static void test_pipelined_bytes_are_payload(void **state)
{
    up_fx f;
    fx_start(&f, NULL);
    int fd = fx_connect(f.p.port);
    char *req = upgrade_request("/ws", "websocket");
    const char *next = "GET /plain HTTP/1.1\r\nHost: reviews\r\n\r\n";
    char *both = fx_yaml_printf("%s%s", req, next);
    fx_send_all(fd, both, strlen(both));
    char head[2048];
    assert_int_equal(read_head(fd, head, sizeof head), 101);
    /* the upstream echoes them: they reached it as payload, after the head */
    char buf[256];
    assert_int_equal(read_n(fd, buf, strlen(next)), 0);
    assert_memory_equal(buf, next, strlen(next));
    shutdown(fd, SHUT_WR);
    assert_int_equal(read_n(fd, buf, 5), 0);
    assert_int_equal(recv(fd, buf, sizeof buf, 0), 0);
    close(fd);
    assert_int_equal(atomic_load(&f.up->requests), 1);
    free(req);
    free(both);
    fx_stop(&f);
}

static void test_upgrade_retried_before_101(void **state)
{
    up_fx f;
    fx_start_vs(&f, FX_ENDPOINTS1 ROUTE_VS "      retries: {attempts: 2, retryOn: 5xx}\n", NULL);
    atomic_store(&f.up->fail_first, 1);
    char head[2048];
    int fd = open_tunnel(f.p.port, "/ws", head, sizeof head);
    assert_non_null(strstr(head, "x-envoy-attempt-count: 2\r\n"));
    fx_send_all(fd, "retried", 7);
    char buf[16];
    assert_int_equal(read_n(fd, buf, 7), 0);
    assert_memory_equal(buf, "retried", 7);
    close(fd);
    assert_int_equal(atomic_load(&f.up->requests), 2);
    fx_stop(&f);
}

static void test_route_timeouts_never_start(void **state)
{
    up_fx f;
    fx_start_vs(&f, FX_ENDPOINTS1 ROUTE_VS "      timeout: 300ms\n      retries: {attempts: 1, perTryTimeout: 200ms}\n",
                NULL);
    /* an upgrade after an ordinary request on the same connection */
    int fd = fx_connect(f.p.port);
    const char *plain = "GET /plain HTTP/1.1\r\nHost: reviews\r\n\r\n";
    fx_send_all(fd, plain, strlen(plain));
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    char *req = upgrade_request("/ws", "websocket");
    fx_send_all(fd, req, strlen(req));
    free(req);
    char head[2048];
    assert_int_equal(read_head(fd, head, sizeof head), 101);
    /* longer than the route and per-try timeouts: they never started */
    fx_sleep_ms(700);
    fx_send_all(fd, "late", 4);
    char buf[8];
    assert_int_equal(read_n(fd, buf, 4), 0);
    assert_memory_equal(buf, "late", 4);
    close(fd);
    char *m = fx_admin(f.p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_timeout{"), 0);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_per_try_timeout{"), 0);
    free(m);
    fx_stop(&f);
}

static void test_unsupported_upgrades(void **state)
{
    up_fx f;
    fx_start(&f, NULL);
    /* a type nobody enabled: 403, no body, the connection closes, no upstream request */
    int fd = fx_connect(f.p.port);
    char *req = upgrade_request("/ws", "foo/1");
    fx_send_all(fd, req, strlen(req));
    free(req);
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 403);
    assert_int_equal(r.body_len, 0);
    assert_non_null(strstr(r.head, "connection: close\r\n"));
    char buf[64];
    assert_int_equal(recv(fd, buf, sizeof buf, 0), 0);
    close(fd);
    assert_int_equal(atomic_load(&f.up->requests), 0);
    char *m = fx_admin(f.p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_http_downstream_rq_ws_on_non_ws_route"), 1);
    assert_int_equal(fx_metric(m, "envoy_http_downstream_cx_upgrades_total"), 0);
    free(m);
    /* h2c: the offer is removed and the request goes on as a plain one */
    const char *h2c = "GET /plain HTTP/1.1\r\nHost: reviews\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                      "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
    assert_int_equal(fx_request(f.p.port, h2c, &r), 200);
    assert_string_equal(r.body, "ok");
    pthread_mutex_lock(&f.up->l.mu);
    assert_null(strstr(f.up->last_head, "upgrade"));
    assert_null(strstr(f.up->last_head, "http2-settings"));
    pthread_mutex_unlock(&f.up->l.mu);
    /* a websocket handshake with a body: refused */
    const char *body = "GET /ws HTTP/1.1\r\nHost: reviews\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                       "Content-Length: 3\r\n\r\nabc";
    assert_int_equal(fx_request(f.p.port, body, &r), 400);
    assert_int_equal(atomic_load(&f.up->requests), 1);
    fx_stop(&f);
}

static void test_idle_tunnel_closes(void **state)
{
    const char *extra[] = {"--stream-idle-timeout", "200ms", NULL};
    up_fx f;
    fx_start(&f, extra);
    char head[2048];
    int fd = open_tunnel(f.p.port, "/ws", head, sizeof head);
    fx_send_all(fd, "x", 1);
    char buf[16];
    assert_int_equal(read_n(fd, buf, 1), 0);
    /* then nothing either way: the proxy ends the tunnel */
    assert_int_equal(recv(fd, buf, sizeof buf, 0), 0);
    close(fd);
    assert_true(wait_closed(f.up, 1));
    char *log = NULL;
    for (int i = 0; i < 500; i++) {
        free(log);
        log = fx_read_file(f.p.log);
        if (strstr(log, "\"GET /ws HTTP/1.1\""))
            break;
        fx_sleep_ms(10);
    }
    assert_non_null(strstr(log, "\"GET /ws HTTP/1.1\" 101 SI 1 1 "));
    free(log);
    fx_stop(&f);
}

static void test_reload_and_drain_keep_tunnel(void **state)
{
    const char *extra[] = {"--drain-timeout", "30s", NULL};
    up_fx f;
    fx_start(&f, extra);
    char head[2048];
    int fd = open_tunnel(f.p.port, "/ws", head, sizeof head);
    char buf[16];
    kill(f.p.pid, SIGHUP);
    fx_sleep_ms(100);
    fx_send_all(fd, "after-hup", 9);
    assert_int_equal(read_n(fd, buf, 9), 0);
    assert_memory_equal(buf, "after-hup", 9);
    assert_int_equal(fx_admin_metric(f.p.admin, "envoy_http_downstream_cx_upgrades_active"), 1);
    /* draining: no new connections, the open tunnel keeps working */
    kill(f.p.pid, SIGTERM);
    fx_sleep_ms(100);
    fx_send_all(fd, "draining", 8);
    assert_int_equal(read_n(fd, buf, 8), 0);
    assert_memory_equal(buf, "draining", 8);
    /* the tunnel ends: the proxy, drained, exits cleanly */
    shutdown(fd, SHUT_WR);
    assert_int_equal(read_n(fd, buf, 5), 0);
    assert_int_equal(recv(fd, buf, sizeof buf, 0), 0);
    close(fd);
    int st = 0;
    assert_int_equal(waitpid(f.p.pid, &st, 0), f.p.pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    f.p.pid = 0;
    unlink(f.p.yaml);
    unlink(f.p.log);
    unlink(f.p.err);
    free(f.yaml);
    ws_stop(f.up);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_both_ways),
        cmocka_unit_test(test_large_echo_with_slow_reader),
        cmocka_unit_test(test_backpressure_from_upstream),
        cmocka_unit_test(test_half_close_from_upstream),
        cmocka_unit_test(test_non_101_answer_is_a_response),
        cmocka_unit_test(test_pipelined_bytes_are_payload),
        cmocka_unit_test(test_upgrade_retried_before_101),
        cmocka_unit_test(test_route_timeouts_never_start),
        cmocka_unit_test(test_unsupported_upgrades),
        cmocka_unit_test(test_idle_tunnel_closes),
        cmocka_unit_test(test_reload_and_drain_keep_tunnel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
