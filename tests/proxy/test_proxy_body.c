/*
 * test_proxy_body.c - meshproxy's request bodies over loopback: a large
 * chunked upload is streamed (the upstream has its first bytes before the
 * client sent the last), a retried small body is resent byte for byte, a body
 * larger than the retry buffer is not retried, one that outgrows it while the
 * request waits in retry backoff gets 507, an upstream that stops reading
 * stops the proxy reading the client (backpressure), and two clients
 * uploading at once never get each other's bytes.  Assertions are on orderings and exact
 * counts and hashes, never on elapsed time.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"
#include "proxy_run.h"

#define CLUSTER_PREFIX "cluster.outbound|9080||reviews.default.svc.cluster.local."

/* reviews retries a 5xx twice */
#define RETRYING_VS                                                                \
    FX_VS_HEAD "    - route: [{destination: {host: reviews}}]\n"                  \
               "      retries: {attempts: 2, retryOn: 5xx}\n"

/* One upstream "ok" behind RETRYING_VS, its first `fail_first` requests
 * answered 503, and a meshproxy started with `extra` arguments. */
typedef struct body_fx {
    fx_upstream *up;
    char *yaml;
    fx_proxy p;
} body_fx;

static fx_upstream *body_fx_start(body_fx *f, int fail_first, const char *const *extra)
{
    f->up = fx_upstream_start("ok", 200);
    atomic_store(&f->up->fail_first, fail_first);
    f->yaml = fx_run_start(&f->p, FX_ENDPOINTS1 RETRYING_VS, f->up, extra);
    return f->up;
}

static void body_fx_stop(body_fx *f)
{
    fx_run_stop(&f->p, f->yaml, f->up);
}

static void send_all(int fd, const void *p, size_t n) { assert_true(fx_send_all(fd, p, n)); }

static void send_chunk(int fd, const char *p, size_t n)
{
    char sz[24];
    int k = snprintf(sz, sizeof sz, "%zx\r\n", n);
    send_all(fd, sz, (size_t)k);
    send_all(fd, p, n);
    send_all(fd, "\r\n", 2);
}

/* A POST of `path` on fd with body[0..n) as its Content-Length body. */
static void send_post(int fd, const char *path, const char *body, size_t n)
{
    char head[256];
    int hn = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: reviews\r\nContent-Length: %zu\r\n\r\n", path, n);
    send_all(fd, head, (size_t)hn);
    send_all(fd, body, n);
}

/* Wait (bounded, not asserted on time) until the upstream saw `n` body bytes. */
static bool wait_body_seen(fx_upstream *u, long long n)
{
    for (int i = 0; i < 3000; i++) {
        if (atomic_load(&u->body_seen) >= n)
            return true;
        fx_sleep_ms(10);
    }
    return false;
}

static void fill(char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (char)(seed >> 16);
    }
}

static void test_large_chunked_upload_streams(void **state)
{
    body_fx f;
    fx_upstream *a = body_fx_start(&f, 0, NULL);
    enum { CHUNK = 64 * 1024, NCHUNKS = 48 }; /* 3 MiB: over the 1 MiB retry buffer */
    char *chunk = malloc(CHUNK);
    uint64_t h = FX_FNV0;
    int fd = fx_connect(f.p.port);
    const char *head = "POST /upload HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fd, head, strlen(head));
    fill(chunk, CHUNK, 1);
    send_chunk(fd, chunk, CHUNK);
    h = fx_fnv(h, chunk, CHUNK);
    /* the upstream gets the first bytes while the client still holds the rest */
    assert_true(wait_body_seen(a, 1));
    assert_int_equal(atomic_load(&a->count), 0);
    for (int i = 1; i < NCHUNKS; i++) {
        fill(chunk, CHUNK, (unsigned)i + 1);
        send_chunk(fd, chunk, CHUNK);
        h = fx_fnv(h, chunk, CHUNK);
    }
    send_all(fd, "0\r\n\r\n", 5);
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(atomic_load(&a->count), 1);
    assert_int_equal(a->body_len[0], (uint64_t)CHUNK * NCHUNKS);
    assert_true(a->body_hash[0] == h);
    assert_non_null(strstr(a->last_head, "transfer-encoding: chunked\r\n"));
    /* the same connection serves the next request */
    const char *get = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
    send_all(fd, get, strlen(get));
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    close(fd);
    assert_int_equal(fx_admin_metric(f.p.admin, "envoy_cluster_retry_or_shadow_abandoned{"), 1);
    free(chunk);
    body_fx_stop(&f);
}

static void test_retry_resends_body(void **state)
{
    body_fx f;
    fx_upstream *a = body_fx_start(&f, 1, NULL);
    enum { N = 3000 };
    char body[N];
    fill(body, N, 7);
    int fd = fx_connect(f.p.port);
    send_post(fd, "/r", body, N);
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "x-envoy-attempt-count: 2"));
    assert_int_equal(atomic_load(&a->count), 2);
    uint64_t want = fx_fnv(FX_FNV0, body, N);
    assert_int_equal(a->body_len[0], N);
    assert_int_equal(a->body_len[1], N);
    assert_true(a->body_hash[0] == want);
    assert_true(a->body_hash[1] == want);
    assert_non_null(strstr(a->last_head, "content-length: 3000\r\n"));
    /* a chunked body whose first attempt began before the client sent the
     * rest: the retry resends it from its first byte */
    atomic_store(&a->fail_first, 3);
    const char *ch = "POST /c HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fd, ch, strlen(ch));
    send_chunk(fd, body, 1000);
    assert_true(wait_body_seen(a, 2 * N + 1000));
    send_chunk(fd, body + 1000, N - 1000);
    send_all(fd, "0\r\n\r\n", 5);
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(atomic_load(&a->count), 4);
    assert_int_equal(a->body_len[2], N);
    assert_int_equal(a->body_len[3], N);
    assert_true(a->body_hash[2] == want);
    assert_true(a->body_hash[3] == want);
    close(fd);
    body_fx_stop(&f);
}

static void test_body_over_retry_buffer_not_retried(void **state)
{
    const char *extra[] = {"--retry-buffer", "4KiB", NULL};
    body_fx f;
    fx_upstream *a = body_fx_start(&f, 1, extra);
    enum { N = 10000 };
    char body[N];
    fill(body, N, 9);
    int fd = fx_connect(f.p.port);
    send_post(fd, "/big", body, N);
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 503);
    assert_int_equal(atomic_load(&a->count), 1);
    assert_true(a->body_hash[0] == fx_fnv(FX_FNV0, body, N));
    close(fd);
    /* a body within the buffer is still retried */
    atomic_store(&a->fail_first, 2);
    fd = fx_connect(f.p.port);
    send_post(fd, "/small", body, 4096);
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(atomic_load(&a->count), 3);
    close(fd);
    char *m = fx_admin(f.p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_retry_or_shadow_abandoned{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 1);
    free(m);
    body_fx_stop(&f);
}

/* An upstream that answers 503 as soon as a request head arrives, without
 * reading the body, then drains the connection: the proxy sees the answer
 * while the client is still sending. */
typedef struct early_503 {
    int fd, port;
    pthread_t thr;
    _Atomic int conns, heads;
} early_503;

static void *early_503_main(void *arg)
{
    early_503 *u = arg;
    static char buf[65536];
    for (;;) { /* one connection at a time: every attempt of the test's request */
        int c = accept(u->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        atomic_fetch_add(&u->conns, 1);
        size_t len = 0;
        ssize_t n;
        while (!memmem(buf, len, "\r\n\r\n", 4) && len < sizeof buf &&
               (n = recv(c, buf + len, sizeof buf - len, 0)) > 0)
            len += (size_t)n;
        if (memmem(buf, len, "\r\n\r\n", 4)) {
            atomic_fetch_add(&u->heads, 1);
            const char *resp = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n";
            send(c, resp, strlen(resp), MSG_NOSIGNAL);
            while (recv(c, buf, sizeof buf, 0) > 0)
                ;
        }
        close(c);
    }
}

static void early_503_start(early_503 *u)
{
    memset(u, 0, sizeof *u);
    u->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(u->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(u->fd, 8), 0);
    getsockname(u->fd, (struct sockaddr *)&sa, &sl);
    u->port = ntohs(sa.sin_port);
    pthread_create(&u->thr, NULL, early_503_main, u);
}

/* The value of the /stats line `name`, or -1. */
static long long admin_stat(int admin, const char *name)
{
    char *s = fx_admin(admin, "/stats");
    long long v = fx_stat_value(s, name);
    free(s);
    return v;
}

/* reqbody.c's 507, as Envoy's router answers it: the first attempt failed
 * (503) while the client was still sending, the request waits in retry
 * backoff, and the body grows past the retry buffer: the retry is abandoned
 * and the client gets 507 "exceeded request buffer limit while retrying
 * upstream" (no response flag; Envoy's details
 * request_payload_exceeded_retry_buffer_limit), the connection closed. */
static void test_body_outgrows_buffer_in_backoff_507(void **state)
{
    early_503 u;
    early_503_start(&u);
    char *y = fx_yaml_printf(FX_ENDPOINTS1 FX_VS_HEAD "    - route: [{destination: {host: reviews}}]\n"
                                                     "      retries: {attempts: 2, retryOn: 5xx, backoff: 30s}\n",
                             u.port);
    fx_proxy p;
    const char *extra[] = {"--retry-buffer", "4KiB", "--seed", "1", NULL};
    assert_int_equal(fx_proxy_start(&p, y, extra), 0);
    enum { N = 64 * 1024, FIRST = 1024 };
    static char body[N];
    fill(body, N, 5);
    char head[256];
    int hn = snprintf(head, sizeof head, "POST /upload HTTP/1.1\r\nHost: reviews\r\nContent-Length: %d\r\n\r\n", N);
    int fd = fx_connect(p.port);
    send_all(fd, head, (size_t)hn);
    send_all(fd, body, FIRST);
    /* the 503 came back and a retry was decided: the request is in backoff
     * (fully jittered below 30 s; with seed 1 this first draw is 27 s) */
    long long retries = -1;
    for (int i = 0; i < 500 && retries < 1; i++) {
        fx_sleep_ms(10);
        retries = admin_stat(p.admin, CLUSTER_PREFIX "upstream_rq_retry");
    }
    assert_int_equal(retries, 1);
    assert_int_equal(atomic_load(&u.heads), 1);
    int64_t t0 = fx_now_ns();
    send_all(fd, body + FIRST, N - FIRST); /* the kernel buffers take it: the proxy keeps reading */
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_true(fx_now_ns() - t0 < 20000000000LL); /* not after the backoff */
    assert_int_equal(r.status, 507);
    assert_non_null(strstr(r.head, "HTTP/1.1 507 Insufficient Storage\r\n"));
    assert_non_null(strstr(r.head, "connection: close\r\n"));
    assert_string_equal(r.body, "exceeded request buffer limit while retrying upstream");
    char c;
    assert_true(recv(fd, &c, 1, 0) <= 0);
    close(fd);
    assert_int_equal(atomic_load(&u.conns), 1); /* never retried */
    assert_int_equal(atomic_load(&u.heads), 1);
    assert_int_equal(admin_stat(p.admin, CLUSTER_PREFIX "retry_or_shadow_abandoned"), 1);
    char *log = fx_read_file(p.log);
    assert_non_null(strstr(log, "\"POST /upload HTTP/1.1\" 507 - "));
    free(log);
    assert_int_equal(fx_proxy_stop(&p), 0);
    free(y);
    shutdown(u.fd, SHUT_RDWR);
    pthread_join(u.thr, NULL);
    close(u.fd);
}

static void test_backpressure_to_client(void **state)
{
    body_fx f;
    fx_upstream *a = body_fx_start(&f, 0, NULL);
    atomic_store(&a->hold_body, true);
    enum { TOTAL = 64 << 20, PIECE = 64 * 1024 };
    char *piece = malloc(PIECE);
    fill(piece, PIECE, 3);
    char head[256];
    int hn = snprintf(head, sizeof head, "POST /bp HTTP/1.1\r\nHost: reviews\r\nContent-Length: %d\r\n\r\n", TOTAL);
    int fd = fx_connect(f.p.port);
    send_all(fd, head, (size_t)hn);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* send until the proxy stops taking bytes (the upstream reads nothing);
     * socket buffers on the way hold a few MiB, the proxy 1 MiB more */
    size_t sent = 0;
    uint64_t h = FX_FNV0;
    size_t in_piece = 0;
    while (sent < TOTAL) {
        ssize_t k = send(fd, piece + in_piece, PIECE - in_piece, MSG_NOSIGNAL);
        if (k > 0) {
            h = fx_fnv(h, piece + in_piece, (size_t)k);
            sent += (size_t)k;
            in_piece = (in_piece + (size_t)k) % PIECE;
            continue;
        }
        assert_true(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        if (poll(&pf, 1, 300) == 0)
            break; /* blocked */
    }
    assert_true(sent < 40u << 20);
    assert_int_equal(atomic_load(&a->count), 0);
    /* the upstream reads again: the rest flows, all of it, in order */
    atomic_store(&a->hold_body, false);
    while (sent < TOTAL) {
        size_t n = PIECE - in_piece;
        if (n > TOTAL - sent)
            n = TOTAL - sent;
        ssize_t k = send(fd, piece + in_piece, n, MSG_NOSIGNAL);
        if (k > 0) {
            h = fx_fnv(h, piece + in_piece, (size_t)k);
            sent += (size_t)k;
            in_piece = (in_piece + (size_t)k) % PIECE;
            continue;
        }
        assert_true(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        assert_true(poll(&pf, 1, 10000) == 1);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(atomic_load(&a->count), 1);
    assert_int_equal(a->body_len[0], TOTAL);
    assert_true(a->body_hash[0] == h);
    close(fd);
    free(piece);
    body_fx_stop(&f);
}

static void test_interleaved_uploads_never_mix(void **state)
{
    body_fx f;
    fx_upstream *a = body_fx_start(&f, 0, NULL);
    enum { PIECE = 20000, PIECES = 8 };
    char *pa = malloc(PIECE), *pb = malloc(PIECE);
    memset(pa, 'A', PIECE);
    memset(pb, 'B', PIECE);
    uint64_t ha = FX_FNV0, hb = FX_FNV0;
    for (int i = 0; i < PIECES; i++) {
        ha = fx_fnv(ha, pa, PIECE);
        hb = fx_fnv(hb, pb, PIECE);
    }
    int fa = fx_connect(f.p.port), fb = fx_connect(f.p.port);
    const char *head = "POST /u HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fa, head, strlen(head));
    send_all(fb, head, strlen(head));
    for (int i = 0; i < PIECES; i++) {
        send_chunk(fa, pa, PIECE);
        send_chunk(fb, pb, PIECE);
    }
    send_all(fa, "0\r\n\r\n", 5);
    send_all(fb, "0\r\n\r\n", 5);
    fx_resp r;
    assert_int_equal(fx_read_resp(fa, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(fx_read_resp(fb, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(atomic_load(&a->count), 2);
    assert_int_equal(a->body_len[0], (uint64_t)PIECE * PIECES);
    assert_int_equal(a->body_len[1], (uint64_t)PIECE * PIECES);
    /* each body arrived whole and alone: one is all A, the other all B */
    assert_true((a->body_hash[0] == ha && a->body_hash[1] == hb) ||
                (a->body_hash[0] == hb && a->body_hash[1] == ha));
    close(fa);
    close(fb);
    free(pa);
    free(pb);
    body_fx_stop(&f);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_chunked_upload_streams),
        cmocka_unit_test(test_retry_resends_body),
        cmocka_unit_test(test_body_over_retry_buffer_not_retried),
        cmocka_unit_test(test_body_outgrows_buffer_in_backoff_507),
        cmocka_unit_test(test_backpressure_to_client),
        cmocka_unit_test(test_interleaved_uploads_never_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
