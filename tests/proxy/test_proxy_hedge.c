/*
 * test_proxy_hedge.c - request hedging on per-try timeout (Envoy's
 * hedge_on_per_try_timeout, switched on by x-envoy-hedge-on-per-try-timeout:
 * true from an internal caller) end to end over loopback: the slow first
 * attempt keeps running while a second one starts after the per-try timeout
 * (plus backoff), the first acceptable response wins and the other attempt is
 * reset, a retriable 5xx of one attempt waits for the other, the route
 * timeout ends every attempt (504 UT), outlier detection hears of each soft
 * timeout once, external callers at a gateway cannot switch it on, and the
 * request body is replayed to the hedged attempt.
 *
 * Timing assertions use bounds far from the configured values (shared CI
 * machines): per-try 100 ms, backoff under 25 ms.
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
#define HEDGE "x-envoy-hedge-on-per-try-timeout: true\r\n"

/* reviews with a 100 ms per-try timeout, `attempts` retries on 5xx and a
 * route timeout (ms) */
static char *hedge_yaml(int port, int attempts, int timeout_ms)
{
    return fx_yaml_printf(FX_ENDPOINTS1 FX_VS_HEAD
                          "    - route: [{destination: {host: reviews}}]\n"
                          "      timeout: %dms\n"
                          "      retries: {attempts: %d, perTryTimeout: 100ms, retryOn: 5xx}\n",
                          port, timeout_ms, attempts);
}

/* An upstream "up" whose first two requests wait delay_ms[i] and answer
 * status[i]. */
static fx_upstream *scripted_upstream(const int *delay_ms, const int *status)
{
    fx_upstream *u = fx_upstream_start("up", 200);
    u->nscript = 2;
    for (int i = 0; i < 2; i++) {
        u->script_delay_ms[i] = delay_ms[i];
        u->script_status[i] = status[i];
    }
    return u;
}

/* meshproxy with hedge_yaml in front of u; returns the YAML (fx_run_stop). */
static char *hedge_start(fx_proxy *p, fx_upstream *u, int attempts, int timeout_ms)
{
    char *y = hedge_yaml(u->l.port, attempts, timeout_ms);
    assert_int_equal(fx_proxy_start(p, y, NULL), 0);
    return y;
}

/* A slow first response (1 s) and a fast second one: with the header the
 * second attempt starts per-try (+ backoff) after the first, runs beside it
 * and its answer (201) wins at once; the first is reset.  No per-try timeout
 * is counted (Envoy counts none for a soft timeout), one retry is, and the
 * upstream was told it may use the whole route timeout. */
static void test_hedge_fast_second_wins(void **state)
{
    (void)state;
    fx_upstream *u = scripted_upstream((const int[]){1000, 0}, (const int[]){200, 201});
    fx_proxy p;
    char *y = hedge_start(&p, u, 2, 3000);
    fx_resp r;
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_get(p.port, "reviews", HEDGE, &r), 201);
    int64_t took = fx_now_ns() - t0;
    assert_in_range(took, 100 * MS, 900 * MS); /* not the first's 1 s */
    assert_int_equal(atomic_load(&u->count), 2);
    int64_t gap = u->arrivals[1] - u->arrivals[0];
    assert_in_range(gap, 95 * MS, (100 + 25 + 300) * MS);
    assert_non_null(strstr(r.head, "x-envoy-attempt-count: 2"));
    assert_non_null(strstr(u->script_head[0], "x-envoy-attempt-count: 1\r\n"));
    assert_non_null(strstr(u->script_head[1], "x-envoy-attempt-count: 2\r\n"));
    /* the whole route budget, not the per-try one; the header never goes on */
    const char *ex = strstr(u->script_head[0], "x-envoy-expected-rq-timeout-ms: ");
    assert_non_null(ex);
    assert_in_range(atoi(ex + 32), 2900, 3000); /* the route timeout less the time elapsed */
    assert_null(strstr(u->script_head[0], "x-envoy-hedge"));
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_per_try_timeout{"), 0);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_timeout{"), 0);
    /* the loser's connection was closed, the winner's went back to the pool */
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_cx_destroy{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_cx_active{"), 1);
    assert_non_null(strstr(m, "response_code=\"201\",response_flags=\"-\""));
    free(m);
    fx_run_stop(&p, y, u);
}

/* The same upstream without the header, and with a value other than "true":
 * the per-try timeout resets the first attempt (counted), the retry answers. */
static void test_no_hedge_resets_first(void **state)
{
    (void)state;
    const char *extra[] = {NULL, "x-envoy-hedge-on-per-try-timeout: 1\r\n",
                           "x-envoy-hedge-on-per-try-timeout: True\r\n"};
    for (int k = 0; k < 3; k++) {
        fx_upstream *u = scripted_upstream((const int[]){1000, 0}, (const int[]){200, 201});
        fx_proxy p;
        char *y = hedge_start(&p, u, 2, 3000);
        fx_resp r;
        assert_int_equal(fx_get(p.port, "reviews", extra[k], &r), 201);
        assert_int_equal(atomic_load(&u->count), 2);
        assert_non_null(strstr(u->script_head[0], "x-envoy-expected-rq-timeout-ms: 100\r\n"));
        char *m = fx_admin(p.admin, "/stats/prometheus");
        assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_per_try_timeout{"), 1);
        assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 1);
        assert_int_equal(fx_metric(m, "envoy_cluster_upstream_cx_destroy{"), 1);
        free(m);
        fx_run_stop(&p, y, u);
    }
}

/* Hedged, but the slow first attempt (300 ms) answers before the second
 * (2 s): the first wins and the second is reset at once.  One retry only:
 * the second's own soft timeout finds none left (URX, as Envoy notes it). */
static void test_hedge_slow_first_wins(void **state)
{
    (void)state;
    fx_upstream *u = scripted_upstream((const int[]){300, 2000}, (const int[]){200, 201});
    fx_proxy p;
    char *y = hedge_start(&p, u, 1, 5000);
    fx_resp r;
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_get(p.port, "reviews", HEDGE, &r), 200);
    int64_t took = fx_now_ns() - t0;
    assert_in_range(took, 290 * MS, 1500 * MS); /* not the second's 2 s */
    assert_int_equal(atomic_load(&u->count), 2);
    /* the response carries the request's attempt count (Envoy's attempt_count_), not the winner's */
    assert_non_null(strstr(r.head, "x-envoy-attempt-count: 2"));
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_cx_destroy{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_cx_active{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_active{"), 0);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry_limit_exceeded{"), 1);
    assert_non_null(strstr(m, "response_code=\"200\",response_flags=\"URX\""));
    free(m);
    fx_run_stop(&p, y, u);
}

/* The hedged second attempt answers a retriable 503 at once, with no retry
 * left (attempts: 1): it is dropped, not answered, while the first is still
 * pending; the client gets the first's 200 (URX noted, as Envoy does). */
static void test_hedge_5xx_waits_for_first(void **state)
{
    (void)state;
    fx_upstream *u = scripted_upstream((const int[]){500, 0}, (const int[]){200, 503});
    fx_proxy p;
    char *y = hedge_start(&p, u, 1, 5000);
    fx_resp r;
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_get(p.port, "reviews", HEDGE, &r), 200);
    assert_true(fx_now_ns() - t0 >= 490 * MS);
    assert_int_equal(atomic_load(&u->count), 2);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry_limit_exceeded{"), 1);
    assert_non_null(strstr(m, "response_code=\"200\",response_flags=\"URX\""));
    assert_null(strstr(m, "response_code=\"503\""));
    free(m);
    fx_run_stop(&p, y, u);
}

/* Both attempts slower than the route timeout (400 ms): 504 UT once it
 * fires, both attempts counted as timeouts and their connections closed.
 * Outlier detection (3 consecutive 5xx eject) heard of each soft timeout
 * once: two reports, no ejection (the route timeout adds none); one more
 * timeout of a plain request makes the third and ejects. */
static void test_hedge_route_timeout(void **state)
{
    (void)state;
    fx_upstream *u = fx_upstream_start("up", 200);
    atomic_store(&u->delay_ms, 2000);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_VS_HEAD
                           "    - route: [{destination: {host: reviews}}]\n"
                           "      timeout: 400ms\n"
                           "      retries: {attempts: 1, perTryTimeout: 100ms, retryOn: 5xx}\n"
                           "---\n" FX_DR_HEAD
                           "  trafficPolicy:\n"
                           "    outlierDetection: {consecutive5xxErrors: 3, interval: 10s,\n"
                           "      baseEjectionTime: 30s, maxEjectionPercent: 100}\n",
                           u, NULL);
    fx_resp r;
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_get(p.port, "reviews", HEDGE, &r), 504);
    int64_t took = fx_now_ns() - t0;
    assert_in_range(took, 395 * MS, 1500 * MS);
    assert_string_equal(r.body, "upstream request timeout");
    assert_int_equal(atomic_load(&u->count), 2);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_timeout{"), 2);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_per_try_timeout{"), 0);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_cx_destroy{"), 2);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_cx_active{"), 0);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_active{"), 0);
    assert_int_equal(fx_metric(m, "envoy_cluster_outlier_detection_ejections_enforced_total{"), 0);
    assert_non_null(strstr(m, "response_code=\"504\",response_flags=\"UT,URX\""));
    free(m);
    char *c = fx_admin(p.admin, "/clusters");
    char want[128];
    snprintf(want, sizeof want, "127.0.0.1:%d::health_flags::healthy", u->l.port);
    assert_non_null(strstr(c, want));
    free(c);
    /* one plain per-try timeout, no retry: the third report */
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-max-retries: 0\r\n", &r), 504);
    assert_int_equal(fx_admin_metric(p.admin, "envoy_cluster_outlier_detection_ejections_enforced_total{"), 1);
    c = fx_admin(p.admin, "/clusters");
    snprintf(want, sizeof want, "127.0.0.1:%d::health_flags::/failed_outlier_check", u->l.port);
    assert_non_null(strstr(c, want));
    free(c);
    fx_run_stop(&p, y, u);
}

/* At a gateway the header of an external caller is ignored (and not
 * forwarded): a plain per-try timeout.  From an --internal-address caller it
 * hedges. */
static void test_hedge_gateway_external_ignored(void **state)
{
    (void)state;
    for (int internal = 0; internal < 2; internal++) {
        fx_upstream *u = scripted_upstream((const int[]){1000, 0}, (const int[]){200, 201});
        fx_proxy p;
        const char *gw[] = {"--gateway", "istio-system/web", NULL};
        const char *gw_internal[] = {"--gateway", "istio-system/web", "--internal-address", "127.0.0.0/8", NULL};
        char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_GATEWAY_WEB FX_SHOP_VS_HEAD
                               "    - route: [{destination: {host: reviews}}]\n"
                               "      timeout: 3s\n"
                               "      retries: {attempts: 2, perTryTimeout: 100ms, retryOn: 5xx}\n",
                               u, internal ? gw_internal : gw);
        fx_resp r;
        assert_int_equal(fx_get(p.port, "shop.example.com", HEDGE, &r), 201);
        assert_int_equal(atomic_load(&u->count), 2);
        assert_null(strstr(u->script_head[0], "x-envoy-hedge"));
        char *m = fx_admin(p.admin, "/stats/prometheus");
        assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_per_try_timeout{"), internal ? 0 : 1);
        assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 1);
        free(m);
        fx_run_stop(&p, y, u);
    }
}

/* A request body (200 KiB, then a chunked one) is replayed to
 * the hedged attempt from the retry buffer: both attempts get every byte. */
static void test_hedge_replays_body(void **state)
{
    (void)state;
    for (int chunked = 0; chunked < 2; chunked++) {
        fx_upstream *u = scripted_upstream((const int[]){1000, 0}, (const int[]){200, 201});
        fx_proxy p;
        char *y = hedge_start(&p, u, 2, 3000);
        size_t n = chunked ? 3000 : 200 * 1024;
        char *body = malloc(n);
        for (size_t i = 0; i < n; i++)
            body[i] = (char)('a' + (i * 7) % 26);
        char head[256];
        int hl = chunked ? snprintf(head, sizeof head,
                                    "POST / HTTP/1.1\r\nHost: reviews\r\n" HEDGE
                                    "transfer-encoding: chunked\r\nconnection: close\r\n\r\n%zx\r\n",
                                    n)
                         : snprintf(head, sizeof head,
                                    "POST / HTTP/1.1\r\nHost: reviews\r\n" HEDGE
                                    "content-length: %zu\r\nconnection: close\r\n\r\n",
                                    n);
        const char *tail = chunked ? "\r\n0\r\n\r\n" : "";
        char *raw = malloc((size_t)hl + n + strlen(tail) + 1);
        memcpy(raw, head, (size_t)hl);
        memcpy(raw + hl, body, n);
        strcpy(raw + hl + n, tail);
        fx_resp r;
        assert_int_equal(fx_request(p.port, raw, &r), 201);
        assert_int_equal(atomic_load(&u->count), 2);
        uint64_t want = fx_fnv(FX_FNV0, body, n);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(u->body_len[i], n);
            assert_true(u->body_hash[i] == want);
        }
        free(raw);
        free(body);
        fx_run_stop(&p, y, u);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hedge_fast_second_wins),
        cmocka_unit_test(test_no_hedge_resets_first),
        cmocka_unit_test(test_hedge_slow_first_wins),
        cmocka_unit_test(test_hedge_5xx_waits_for_first),
        cmocka_unit_test(test_hedge_route_timeout),
        cmocka_unit_test(test_hedge_gateway_external_ignored),
        cmocka_unit_test(test_hedge_replays_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
