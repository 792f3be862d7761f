/*
 * test_proxy_stream_idle.c - the stream idle timeout (Envoy's
 * stream_idle_timeout, --stream-idle-timeout) on ordinary requests, end to
 * end over loopback with a short value (300 ms): a silent upstream gets 504
 * SI "stream timeout" (the request was complete), a client that stops sending
 * its body 408 SI, a response that stalls after its headers a reset
 * connection (SI), and bytes trickling in keep the stream alive.  A route
 * timeout that ends a started response is a reset with flag UT alone, an
 * upstream that closes in its middle one with flag UC alone.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"
#include "proxy_run.h"

#define MS INT64_C(1000000)

static const char *const idle_args[] = {"--stream-idle-timeout", "300ms", NULL};

/* A new connection to port on which all of `raw` was sent. */
static int connect_and_send(int port, const char *raw)
{
    int fd = fx_connect(port);
    assert_true(fd >= 0);
    assert_int_equal(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
    return fd;
}

/* No route timeout (Istio's default) and an upstream silent for 3 s: the
 * stream idle timeout answers 504 SI after 300 ms and resets the attempt. */
static void test_silent_upstream_504(void **state)
{
    (void)state;
    fx_upstream *u = fx_upstream_start("up", 200);
    atomic_store(&u->delay_ms, 3000);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, u, idle_args);
    fx_resp r;
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 504);
    int64_t took = fx_now_ns() - t0;
    assert_in_range(took, 295 * MS, 2000 * MS);
    assert_string_equal(r.body, "stream timeout");
    assert_int_equal(fx_admin_metric(p.admin, "envoy_http_downstream_rq_idle_timeout"), 1);
    assert_int_equal(fx_admin_metric(p.admin, "envoy_cluster_upstream_cx_destroy{"), 1);
    assert_true(fx_admin_metrics_have(p.admin, "response_code=\"504\",response_flags=\"SI\""));
    fx_run_stop(&p, y, u);
}

/* A stream idle timeout too long for a deadline in int64 nanoseconds
 * (2562047 h is just under 2^63 ns) is as good as none: the request is
 * answered, never timed out at once by a deadline that wrapped round. */
static void test_huge_stream_idle_timeout(void **state)
{
    (void)state;
    fx_upstream *u = fx_upstream_start("up", 200);
    atomic_store(&u->delay_ms, 100);
    fx_proxy p;
    const char *const args[] = {"--stream-idle-timeout", "2562047h", NULL};
    char *y = fx_run_start(&p, FX_ENDPOINTS1, u, args);
    fx_resp r;
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    assert_string_equal(r.body, "up");
    assert_int_equal(fx_admin_metric(p.admin, "envoy_http_downstream_rq_idle_timeout"), 0);
    fx_run_stop(&p, y, u);
}

/* A client that sends 10 of its 100 body bytes and stops: 408 SI, closed. */
static void test_stalled_body_408(void **state)
{
    (void)state;
    fx_upstream *u = fx_upstream_start("up", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, u, idle_args);
    int fd = connect_and_send(p.port, "POST / HTTP/1.1\r\nHost: reviews\r\ncontent-length: 100\r\n\r\n0123456789");
    int64_t t0 = fx_now_ns();
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 408);
    assert_in_range(fx_now_ns() - t0, 295 * MS, 2000 * MS);
    assert_string_equal(r.body, "stream timeout");
    assert_non_null(strstr(r.head, "connection: close"));
    char c;
    assert_int_equal(recv(fd, &c, 1, 0), 0); /* closed */
    close(fd);
    assert_int_equal(fx_admin_metric(p.admin, "envoy_http_downstream_rq_idle_timeout"), 1);
    assert_true(fx_admin_metrics_have(p.admin, "response_code=\"408\",response_flags=\"SI\""));
    fx_run_stop(&p, y, u);
}

/* A body trickling in, a byte every 100 ms for 1.2 s, never idle for 300 ms:
 * no timeout, the upstream's answer. */
static void test_trickle_keeps_stream(void **state)
{
    (void)state;
    fx_upstream *u = fx_upstream_start("up", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, u, idle_args);
    int fd = connect_and_send(p.port,
                              "POST / HTTP/1.1\r\nHost: reviews\r\ncontent-length: 12\r\nconnection: close\r\n\r\n");
    for (int i = 0; i < 12; i++) {
        fx_sleep_ms(100);
        assert_int_equal(send(fd, "x", 1, MSG_NOSIGNAL), 1);
    }
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "up");
    close(fd);
    assert_int_equal(u->body_len[0], 12);
    assert_int_equal(fx_admin_metric(p.admin, "envoy_http_downstream_rq_idle_timeout"), 0);
    fx_run_stop(&p, y, u);
}

/* An upstream connection that gets its headers and 5 of 100 body bytes, then
 * nothing until the listener stops. */
static void stall_serve(fx_listener *l, int fd)
{
    char buf[4096];
    size_t len = 0;
    fx_read_head(fd, buf, sizeof buf, &len);
    const char *resp = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello";
    send(fd, resp, strlen(resp), MSG_NOSIGNAL);
    while (!atomic_load(&l->stop))
        fx_sleep_ms(10);
}

/* A response that stalls after its first body bytes, behind meshproxy
 * started with `yaml_fmt` (one %d, the stalling upstream's port) and `args`:
 * the client gets the head and those bytes, then its connection closes
 * 295 ms to 5 s later.  Returns the proxy's Prometheus text (freed by the
 * caller), read before it stops. */
static char *stalled_response(const char *yaml_fmt, const char *const *args)
{
    fx_listener *s;
    fx_proxy p;
    char *y = fx_run_start_listener(&p, yaml_fmt, stall_serve, &s, args);
    int fd = connect_and_send(p.port, "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n");
    /* the head and the first bytes arrive, then the connection closes */
    char buf[4096];
    size_t len = 0;
    int64_t t0 = fx_now_ns();
    for (;;) {
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    int64_t took = fx_now_ns() - t0;
    assert_in_range(took, 295 * MS, 5000 * MS);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "\r\n\r\nhello"));
    close(fd);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    fx_run_stop_listener(&p, y, s);
    return m;
}

static void test_stalled_response_reset(void **state)
{
    (void)state;
    char *m = stalled_response(FX_ENDPOINTS1, idle_args);
    assert_int_equal(fx_metric(m, "envoy_http_downstream_rq_idle_timeout"), 1);
    assert_non_null(strstr(m, "response_code=\"200\",response_flags=\"SI\""));
    free(m);
}

/* The same stall under a 300 ms route timeout: the reset is the route
 * timeout's, flag UT alone (the client did not disconnect: no DC). */
static void test_route_timeout_after_response_started(void **state)
{
    (void)state;
    char *m = stalled_response(FX_ENDPOINTS1 FX_VS_HEAD "    - route: [{destination: {host: reviews}}]\n"
                                                       "      timeout: 300ms\n",
                               NULL);
    assert_int_equal(fx_metric(m, "envoy_http_downstream_rq_idle_timeout"), 0);
    assert_non_null(strstr(m, "response_code=\"200\",response_flags=\"UT\""));
    assert_null(strstr(m, "DC"));
    free(m);
}

/* An upstream connection that gets its headers and 5 of 100 body bytes,
 * then closes. */
static void cut_serve(fx_listener *l, int fd)
{
    (void)l;
    char buf[4096];
    size_t len = 0;
    fx_read_head(fd, buf, sizeof buf, &len);
    const char *resp = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello";
    send(fd, resp, strlen(resp), MSG_NOSIGNAL);
}

/* The upstream closing in the middle of a started response: the client's
 * connection is reset, flag UC alone (the client did not disconnect: no DC). */
static void test_upstream_cut_after_response_started(void **state)
{
    (void)state;
    fx_listener *s;
    fx_proxy p;
    char *y = fx_run_start_listener(&p, FX_ENDPOINTS1, cut_serve, &s, NULL);
    int fd = connect_and_send(p.port, "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n");
    char buf[4096];
    size_t len = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    assert_non_null(strstr(buf, "\r\n\r\nhello"));
    close(fd);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_non_null(strstr(m, "response_code=\"200\",response_flags=\"UC\""));
    assert_null(strstr(m, "DC"));
    free(m);
    fx_run_stop_listener(&p, y, s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silent_upstream_504),
        cmocka_unit_test(test_huge_stream_idle_timeout),
        cmocka_unit_test(test_stalled_body_408),
        cmocka_unit_test(test_trickle_keeps_stream),
        cmocka_unit_test(test_stalled_response_reset),
        cmocka_unit_test(test_route_timeout_after_response_started),
        cmocka_unit_test(test_upstream_cut_after_response_started),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
