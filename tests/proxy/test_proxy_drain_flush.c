/*
 * test_proxy_drain_flush.c - a response that meshproxy has finished reading
 * from the upstream but not yet written to a slow client when the listeners
 * stop (POST /drain_listeners; SIGTERM's drain takes the same path) is
 * written out in full before its connection closes, not cut short with the
 * idle connections.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"
#include "proxy_run.h"

/* Body size: well beyond what the kernel buffers between meshproxy and its
 * client hold plus the client buffer at which meshproxy stops reading the
 * upstream (1 MiB), so the client must read for the request to finish. */
#define BODY (8u * 1024 * 1024)

/* An upstream answering every request with BODY bytes of 'a'. */
static void big_serve(fx_listener *l, int fd)
{
    (void)l;
    char buf[4096];
    size_t len = 0;
    if (fx_read_head(fd, buf, sizeof buf, &len) != 0)
        return;
    char head[128];
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\ncontent-length: %u\r\n\r\n", BODY);
    fx_send_all(fd, head, (size_t)n);
    char *body = malloc(BODY);
    memset(body, 'a', BODY);
    fx_send_all(fd, body, BODY);
    free(body);
    while (recv(fd, buf, sizeof buf, 0) > 0)
        ;
}

/* A client connection with a fixed 64 KiB receive buffer (set before connecting,
 * so the kernel does not grow it to hold the whole response). */
static int slow_client(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 65536;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void test_drain_keeps_unwritten_response(void **state)
{
    (void)state;
    fx_listener *s;
    fx_proxy p;
    char *y = fx_run_start_listener(&p, FX_ENDPOINTS1, big_serve, &s, NULL);
    int fd = slow_client(p.port);
    const char *req = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
    fx_send_all(fd, req, strlen(req));
    /* read slowly (32 KiB every 5 ms) until meshproxy has finished the
     * request: the whole body read from the upstream, the client still
     * behind (the sockets full, the rest in meshproxy's buffer) */
    long long done = 0;
    size_t total = 0, head_len = 0;
    char first[4096], buf[65536];
    for (int i = 0; i < 2000 && done < 1; i++) {
        ssize_t n = recv(fd, buf, 32768, 0);
        assert_true(n > 0);
        if (total < sizeof first)
            memcpy(first + total, buf, (size_t)n < sizeof first - total ? (size_t)n : sizeof first - total);
        total += (size_t)n;
        char *m = fx_admin(p.admin, "/stats/prometheus");
        done = fx_metric(m, "istio_requests_total{");
        free(m);
        fx_sleep_ms(5);
    }
    assert_int_equal(done, 1);
    int st;
    char *r = fx_admin_call(p.admin, "POST", "/drain_listeners", &st);
    assert_int_equal(st, 200);
    free(r);
    fx_sleep_ms(100); /* the worker has stopped its listener by now */
    /* the client reads at last: the whole response, then the close */
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        if (total < sizeof first)
            memcpy(first + total, buf, (size_t)n < sizeof first - total ? (size_t)n : sizeof first - total);
        total += (size_t)n;
    }
    close(fd);
    char *end = memmem(first, sizeof first, "\r\n\r\n", 4);
    assert_non_null(end);
    head_len = (size_t)(end - first) + 4;
    assert_non_null(memmem(first, head_len, "HTTP/1.1 200 OK\r\n", 17));
    assert_int_equal(total - head_len, BODY);
    fx_run_stop_listener(&p, y, s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drain_keeps_unwritten_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
