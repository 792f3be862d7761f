/*
 * test_proxy_trailers.c - trailer fields through meshproxy over loopback.  A
 * raw test upstream records every request it receives whole (head and chunked
 * body as they arrived on the wire) and answers with a configured raw
 * response, possibly cut after a given number of bytes (then it closes).
 * Checked: request trailers reach the upstream, response trailers reach the
 * client, forbidden fields are dropped both ways, an HTTP/1.0 client gets
 * none, oversized trailers are refused, and a message cut at every byte of its
 * trailers never produces a complete message on the other side while the proxy
 * keeps serving.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"

#define ROUTE_VS FX_VS_HEAD "    - route: [{destination: {host: reviews}}]\n"

/* the default answer: a chunked body with trailers, two of them forbidden */
static const char RESPONSE[] = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                               "5\r\nhello\r\n0\r\ngrpc-status: 0\r\nset-cookie: a=b\r\n"
                               "content-type: text/evil\r\nx-checksum: 1234\r\n\r\n";

/* on an fx_listener, whose `mu` guards last */
typedef struct raw_upstream {
    fx_listener l;
    _Atomic int complete; /* whole requests received */
    char last[16384];     /* the last whole request, as received */
    char resp[16384];
    size_t resp_len;
    _Atomic int cut;      /* >= 0: send only that many response bytes, then close */
} raw_upstream;

/* The end of the request starting at buf (head and body), or 0 when more is
 * needed.  Test bodies never hold "\r\n0\r\n" or "\r\n\r\n" in their data. */
static size_t request_end(const char *buf, size_t len)
{
    const char *e = memmem(buf, len, "\r\n\r\n", 4);
    if (!e)
        return 0;
    size_t head = (size_t)(e - buf) + 4;
    if (!memmem(buf, head, "transfer-encoding: chunked", 26)) {
        const char *cl = memmem(buf, head, "content-length: ", 16);
        size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
        return len >= head + body ? head + body : 0;
    }
    const char *last = head >= 2 ? memmem(buf + head - 2, len - head + 2, "\r\n0\r\n", 5) : NULL;
    if (!last)
        return 0;
    const char *fin = memmem(last + 2, (size_t)(buf + len - (last + 2)), "\r\n\r\n", 4);
    return fin ? (size_t)(fin - buf) + 4 : 0;
}

static void raw_serve(fx_listener *l, int fd)
{
    raw_upstream *u = (raw_upstream *)l;
    char buf[32768];
    size_t len = 0;
    for (;;) {
        size_t end;
        while (!(end = request_end(buf, len))) {
            ssize_t n = len < sizeof buf ? recv(fd, buf + len, sizeof buf - len, 0) : 0;
            if (n <= 0)
                return;
            len += (size_t)n;
        }
        pthread_mutex_lock(&u->l.mu);
        size_t keep = end < sizeof u->last - 1 ? end : sizeof u->last - 1;
        memcpy(u->last, buf, keep);
        u->last[keep] = 0;
        pthread_mutex_unlock(&u->l.mu);
        atomic_fetch_add(&u->complete, 1);
        memmove(buf, buf + end, len - end);
        len -= end;
        int cut = atomic_load(&u->cut);
        fx_send_all(fd, u->resp, cut >= 0 && (size_t)cut < u->resp_len ? (size_t)cut : u->resp_len);
        if (cut >= 0)
            return;
    }
}

static raw_upstream *raw_start(const char *resp)
{
    raw_upstream *u = calloc(1, sizeof *u);
    u->resp_len = strlen(resp);
    memcpy(u->resp, resp, u->resp_len);
    atomic_store(&u->cut, -1);
    fx_listener_start(&u->l, raw_serve);
    return u;
}

static void raw_stop(raw_upstream *u)
{
    fx_listener_stop(&u->l);
    free(u);
}

typedef struct tr_fx {
    raw_upstream *up;
    char *yaml;
    fx_proxy p;
} tr_fx;

static void tr_start(tr_fx *f, const char *resp)
{
    f->up = raw_start(resp);
    f->yaml = fx_yaml_printf(FX_ENDPOINTS1 ROUTE_VS, f->up->l.port);
    assert_int_equal(fx_proxy_start(&f->p, f->yaml, NULL), 0);
}

static void tr_stop(tr_fx *f)
{
    assert_int_equal(fx_proxy_stop(&f->p), 0);
    free(f->yaml);
    raw_stop(f->up);
}

/* Send raw on a fresh connection and read everything until the proxy closes. */
static size_t exchange(int port, const char *raw, char *all, size_t cap)
{
    int fd = fx_connect(port);
    fx_send_all(fd, raw, strlen(raw));
    size_t got = 0;
    ssize_t k;
    while (got < cap - 1 && (k = recv(fd, all + got, cap - 1 - got, 0)) > 0)
        got += (size_t)k;
    all[got] = 0;
    close(fd);
    return got;
}

static const char REQUEST[] = "POST /up HTTP/1.1\r\nHost: reviews\r\nTE: trailers\r\nConnection: close\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "3\r\nabc\r\n0\r\nx-checksum: abc\r\nauthorization: secret\r\nContent-Length: 99\r\n"
                              "host: evil\r\nX-Two:   2 \r\n\r\n";

static void test_request_trailers_reach_upstream(void **state)
{
    tr_fx f;
    tr_start(&f, RESPONSE);
    char all[8192];
    exchange(f.p.port, REQUEST, all, sizeof all);
    assert_non_null(strstr(all, "HTTP/1.1 200 OK\r\n"));
    assert_int_equal(atomic_load(&f.up->complete), 1);
    pthread_mutex_lock(&f.up->l.mu);
    /* the allowed ones, in order, after the last chunk; TE: trailers passes */
    assert_non_null(strstr(f.up->last, "\r\n\r\n3\r\nabc\r\n0\r\nx-checksum: abc\r\nx-two: 2\r\n\r\n"));
    assert_non_null(strstr(f.up->last, "te: trailers\r\n"));
    assert_null(strstr(f.up->last, "secret"));
    assert_null(strstr(f.up->last, "evil"));
    assert_null(strstr(f.up->last, "99"));
    pthread_mutex_unlock(&f.up->l.mu);
    tr_stop(&f);
}

static void test_response_trailers_reach_client(void **state)
{
    tr_fx f;
    tr_start(&f, RESPONSE);
    char all[8192];
    exchange(f.p.port, "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", all, sizeof all);
    assert_non_null(strstr(all, "transfer-encoding: chunked\r\n"));
    const char *body = strstr(all, "\r\n\r\n");
    assert_non_null(body);
    assert_string_equal(body + 4, "5\r\nhello\r\n0\r\ngrpc-status: 0\r\nx-checksum: 1234\r\n\r\n");
    /* an HTTP/1.0 client reads until close: the body, no trailers */
    exchange(f.p.port, "GET / HTTP/1.0\r\nHost: reviews\r\n\r\n", all, sizeof all);
    assert_non_null(strstr(all, "connection: close\r\n"));
    assert_null(strstr(all, "transfer-encoding"));
    body = strstr(all, "\r\n\r\n");
    assert_non_null(body);
    assert_string_equal(body + 4, "hello");
    tr_stop(&f);
}

static void test_oversized_trailers(void **state)
{
    /* a response whose trailers pass 8 KiB: the client's response is cut,
     * never completed (an upstream protocol error) */
    char *resp = malloc(12000);
    int n = snprintf(resp, 12000, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nx-big: ");
    memset(resp + n, 'a', 9000);
    strcpy(resp + n + 9000, "\r\n\r\n");
    tr_fx f;
    tr_start(&f, resp);
    char all[16384];
    exchange(f.p.port, "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", all, sizeof all);
    assert_null(strstr(all, "\r\n0\r\n"));
    assert_null(strstr(all, "x-big"));
    /* a request whose trailers pass 8 KiB: 400 */
    char *req = malloc(12000);
    n = snprintf(req, 12000, "POST / HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "1\r\nz\r\n0\r\nx-big: ");
    memset(req + n, 'a', 9000);
    strcpy(req + n + 9000, "\r\n\r\n");
    fx_resp r;
    assert_int_equal(fx_request(f.p.port, req, &r), 400);
    assert_int_equal(atomic_load(&f.up->complete), 1);
    free(req);
    free(resp);
    tr_stop(&f);
}

static void test_truncated_inside_trailers(void **state)
{
    tr_fx f;
    tr_start(&f, RESPONSE);
    /* requests: the client stops at every byte of its trailer section */
    size_t from = (size_t)(strstr(REQUEST, "\r\n0\r\n") - REQUEST) + 2, to = strlen(REQUEST);
    for (size_t cut = from; cut < to; cut++) {
        int fd = fx_connect(f.p.port);
        fx_send_all(fd, REQUEST, cut);
        close(fd);
    }
    char all[8192];
    exchange(f.p.port, "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", all, sizeof all);
    assert_non_null(strstr(all, "HTTP/1.1 200 OK\r\n"));
    /* the upstream never saw one of them whole: only the GET */
    assert_int_equal(atomic_load(&f.up->complete), 1);
    /* responses: the upstream stops at every byte of its trailer section */
    size_t rfrom = (size_t)(strstr(RESPONSE, "\r\n0\r\n") - RESPONSE) + 2, rto = strlen(RESPONSE);
    for (size_t cut = rfrom; cut < rto; cut++) {
        atomic_store(&f.up->cut, (int)cut);
        exchange(f.p.port, "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", all, sizeof all);
        if (strstr(all, "\r\n0\r\n"))
            fail_msg("cut %zu: a complete response from a truncated one", cut);
    }
    atomic_store(&f.up->cut, -1);
    exchange(f.p.port, "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", all, sizeof all);
    assert_non_null(strstr(all, "0\r\ngrpc-status: 0\r\n"));
    tr_stop(&f);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_trailers_reach_upstream),
        cmocka_unit_test(test_response_trailers_reach_client),
        cmocka_unit_test(test_oversized_trailers),
        cmocka_unit_test(test_truncated_inside_trailers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
