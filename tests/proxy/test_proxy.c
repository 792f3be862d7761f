/*
 * test_proxy.c - meshproxy end to end over loopback: a real meshproxy process
 * in front of test upstreams (proxy_fixture.h).  Routing by header and by
 * weight, retries with backoff seen in upstream arrival times, per-try
 * timeout, outlier ejection and return, pool overflow (UO), fault injection
 * percentages, local rate limit, reload under load without a failed request,
 * a broken reload keeping the old configuration, drain on SIGTERM, and hostile
 * input (smuggling, oversized heads, slow clients) answered correctly while
 * other clients are still served.
 *
 * Statistical assertions use bounds of at least 4.5 binomial standard
 * deviations; timing assertions use bounds far from the configured values.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "policy/lb.h"
#include "proxy_fixture.h"
#include "proxy_yaml.h"
#include "proxy_run.h"

static void test_route_by_header(void **state)
{
    fx_upstream *a = fx_upstream_start("v1", 200), *b = fx_upstream_start("v2", 200);
    fx_proxy p;
    char *y = fx_run_start2(&p, FX_ENDPOINTS2 FX_SUBSETS "---\n" FX_VS_HEAD
                            "    - match: [{headers: {end-user: {exact: jason}}}]\n"
                            "      route: [{destination: {host: reviews, subset: v2}}]\n"
                            "    - route: [{destination: {host: reviews, subset: v1}}]\n",
                            a, b, NULL);
    fx_resp r;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(fx_get(p.port, "reviews", "end-user: jason\r\n", &r), 200);
        assert_string_equal(r.body, "v2");
        assert_int_equal(fx_get(p.port, "reviews:9080", NULL, &r), 200);
        assert_string_equal(r.body, "v1");
    }
    assert_non_null(strstr(r.head, "x-envoy-upstream-service-time: "));
    assert_non_null(strstr(r.head, "x-envoy-attempt-count: 1"));
    /* headers the upstream saw */
    assert_non_null(strstr(a->last_head, "x-forwarded-for: 127.0.0.1\r\n"));
    assert_non_null(strstr(a->last_head, "x-request-id: "));
    assert_non_null(strstr(a->last_head, "x-envoy-attempt-count: 1\r\n"));
    assert_null(strstr(a->last_head, "onnection: close"));
    /* unknown host: 404 NR */
    assert_int_equal(fx_get(p.port, "ratings", NULL, &r), 404);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_non_null(strstr(m, "response_code=\"404\",response_flags=\"NR\""));
    assert_non_null(strstr(m, "destination_version=\"v2\",response_code=\"200\",response_flags=\"-\""));
    /* the duration histogram: +Inf bucket equals the count */
    assert_non_null(strstr(m, "destination_version=\"v2\",response_code=\"200\",response_flags=\"-\","
                              "request_protocol=\"http\",connection_security_policy=\"unknown\",le=\"+Inf\"} 5\n"));
    assert_non_null(strstr(m, "istio_request_duration_milliseconds_count{reporter=\"source\""));
    free(m);
    /* access log: Envoy's default format, flags included */
    char *log = fx_read_file(p.log);
    char want[160];
    snprintf(want, sizeof want, "\"GET / HTTP/1.1\" 200 - 0 2 ");
    assert_non_null(strstr(log, want));
    snprintf(want, sizeof want, "\"127.0.0.1\" \"-\" \"");
    assert_non_null(strstr(log, "\"GET / HTTP/1.1\" 404 NR 0 8 "));
    snprintf(want, sizeof want, "\"reviews\" \"127.0.0.1:%d\"\n", b->l.port);
    assert_non_null(strstr(log, want));
    free(log);
    fx_run_stop2(&p, y, a, b);
}

static void test_route_by_weight(void **state)
{
    fx_upstream *a = fx_upstream_start("v1", 200), *b = fx_upstream_start("v2", 200);
    fx_proxy p;
    char *y = fx_run_start2(&p, FX_ENDPOINTS2 FX_SUBSETS "---\n" FX_VS_HEAD
                            "    - route:\n        - {destination: {host: reviews, subset: v1}, weight: 80}\n"
                            "        - {destination: {host: reviews, subset: v2}, weight: 20}\n",
                            a, b, NULL);
    int fd = fx_connect(p.port), v2 = 0, n = 600;
    for (int i = 0; i < n; i++) {
        const char *raw = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
        send(fd, raw, strlen(raw), MSG_NOSIGNAL);
        fx_resp r;
        assert_int_equal(fx_read_resp(fd, &r), 0);
        assert_int_equal(r.status, 200);
        v2 += !strcmp(r.body, "v2");
    }
    close(fd);
    /* 20 % of 600 = 120, sd 9.8: 4.5 sd */
    assert_in_range(v2, 76, 164);
    assert_int_equal(atomic_load(&a->count) + atomic_load(&b->count), n);
    fx_run_stop2(&p, y, a, b);
}

static void test_retries_backoff(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    atomic_store(&a->fail_first, 2);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_VS_HEAD
                           "    - route: [{destination: {host: reviews}}]\n"
                           "      retries: {attempts: 3, retryOn: 5xx}\n",
                           a, NULL);
    fx_resp r;
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    assert_non_null(strstr(r.head, "x-envoy-attempt-count: 3"));
    assert_int_equal(atomic_load(&a->count), 3);
    assert_non_null(strstr(a->last_head, "x-envoy-attempt-count: 3\r\n"));
    /* fully jittered backoff: [0, 25) ms then [0, 50) ms, plus scheduling
     * (generous: CI machines are shared) */
    int64_t g1 = a->arrivals[1] - a->arrivals[0], g2 = a->arrivals[2] - a->arrivals[1];
    assert_in_range(g1, 0, 25000000 + 150000000);
    assert_in_range(g2, 0, 50000000 + 150000000);
    /* retries exhausted: the last 503 goes back, URX */
    atomic_store(&a->fail_first, 100);
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 503);
    assert_int_equal(atomic_load(&a->count), 7);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_non_null(strstr(m, "response_code=\"503\",response_flags=\"URX\""));
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 5);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry_success{"), 1);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry_limit_exceeded{"), 1);
    free(m);
    fx_run_stop(&p, y, a);
}

static void test_per_try_timeout(void **state)
{
    fx_upstream *a = fx_upstream_start("slow", 200);
    atomic_store(&a->delay_ms, 3000);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_VS_HEAD
                           "    - route: [{destination: {host: reviews}}]\n"
                           "      timeout: 5s\n"
                           "      retries: {attempts: 1, perTryTimeout: 60ms, retryOn: 5xx}\n",
                           a, NULL);
    fx_resp r;
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 504);
    int64_t took = fx_now_ns() - t0;
    /* two tries of 60 ms + a backoff < 25 ms; without per-try timeouts: 6 s */
    assert_in_range(took, 120000000, 1500000000);
    assert_int_equal(atomic_load(&a->count), 2);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_per_try_timeout{"), 2);
    assert_non_null(strstr(m, "response_code=\"504\",response_flags=\"UT,URX\""));
    free(m);
    /* the route timeout covers every try: 150 ms with 60 ms tries */
    fx_run_stop(&p, y, a);
}

static void test_outlier_ejection_and_return(void **state)
{
    fx_upstream *good = fx_upstream_start("good", 200), *bad = fx_upstream_start("bad", 500);
    fx_proxy p;
    char *y = fx_run_start2(&p, FX_ENDPOINTS2 FX_DR_HEAD
                            "  trafficPolicy:\n"
                            "    loadBalancer: {simple: ROUND_ROBIN}\n"
                            "    outlierDetection: {consecutive5xxErrors: 3, interval: 100ms,\n"
                            "      baseEjectionTime: 1500ms, maxEjectionPercent: 100}\n",
                            good, bad, NULL);
    fx_resp r;
    int fails = 0;
    for (int i = 0; i < 20; i++)
        fails += fx_get(p.port, "reviews", NULL, &r) == 500;
    /* round robin until the third 500 ejects the bad host: then only good */
    assert_int_equal(fails, 3);
    char *c = fx_admin(p.admin, "/clusters");
    char want[128];
    snprintf(want, sizeof want, "127.0.0.1:%d::health_flags::/failed_outlier_check", bad->l.port);
    assert_non_null(strstr(c, want));
    free(c);
    int before = atomic_load(&bad->count);
    for (int i = 0; i < 10; i++)
        assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    assert_int_equal(atomic_load(&bad->count), before);
    /* back after base ejection time (1.5 s) at the next sweep */
    fx_sleep_ms(2000);
    c = fx_admin(p.admin, "/clusters");
    snprintf(want, sizeof want, "127.0.0.1:%d::health_flags::healthy", bad->l.port);
    assert_non_null(strstr(c, want));
    free(c);
    for (int i = 0; i < 4; i++)
        fx_get(p.port, "reviews", NULL, &r);
    assert_true(atomic_load(&bad->count) > before);
    assert_int_equal(fx_admin_metric(p.admin, "envoy_cluster_outlier_detection_ejections_enforced_total{"), 1);
    fx_run_stop2(&p, y, good, bad);
}

typedef struct par_arg {
    int port;
    int status;
    char head[1024];
} par_arg;

static void *par_get(void *p)
{
    par_arg *a = p;
    fx_resp r;
    a->status = fx_get(a->port, "reviews", NULL, &r);
    memcpy(a->head, r.head, sizeof a->head);
    a->head[sizeof a->head - 1] = 0;
    return NULL;
}

static void test_pool_overflow_uo(void **state)
{
    fx_upstream *a = fx_upstream_start("slow", 200);
    atomic_store(&a->delay_ms, 1000);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_DR_HEAD
                           "  trafficPolicy:\n"
                           "    connectionPool:\n      tcp: {maxConnections: 1}\n"
                           "      http: {http1MaxPendingRequests: 1}\n",
                           a, NULL);
    par_arg args[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        args[i].port = p.port;
        pthread_create(&th[i], NULL, par_get, &args[i]);
    }
    int ok = 0, uo = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        ok += args[i].status == 200;
        if (args[i].status == 503) {
            uo++;
            assert_non_null(strstr(args[i].head, "x-envoy-overloaded: true"));
        }
    }
    /* one connection busy, one request pending: the other four overflow */
    assert_int_equal(ok, 2);
    assert_int_equal(uo, 4);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_pending_overflow{"), 4);
    assert_int_equal(fx_metric(m, "envoy_cluster_circuit_breakers_default_remaining_pending{"), 1);
    assert_non_null(strstr(m, "response_code=\"503\",response_flags=\"UO\""));
    free(m);
    /* /clusters lists the limits: the two set, Istio's 2^32-1 for the others */
    const char *cluster = "outbound|9080||reviews.default.svc.cluster.local::default_priority::";
    static const char *const limits[] = {"max_connections::1\n", "max_pending_requests::1\n",
                                         "max_requests::4294967295\n", "max_retries::4294967295\n"};
    char *c = fx_admin(p.admin, "/clusters");
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
        char want[160];
        snprintf(want, sizeof want, "%s%s", cluster, limits[k]);
        assert_non_null(strstr(c, want));
    }
    free(c);
    fx_run_stop(&p, y, a);
}

static void test_fault_abort_percentage(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_VS_HEAD
                           "    - match: [{headers: {x-slow: {exact: \"1\"}}}]\n"
                           "      route: [{destination: {host: reviews}}]\n"
                           "      fault: {delay: {fixedDelay: 150ms, percentage: {value: 100}}}\n"
                           "    - route: [{destination: {host: reviews}}]\n"
                           "      fault: {abort: {httpStatus: 418, percentage: {value: 30}}}\n",
                           a, NULL);
    int fd = fx_connect(p.port), aborted = 0, n = 500;
    for (int i = 0; i < n; i++) {
        const char *raw = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
        send(fd, raw, strlen(raw), MSG_NOSIGNAL);
        fx_resp r;
        assert_int_equal(fx_read_resp(fd, &r), 0);
        aborted += r.status == 418;
    }
    close(fd);
    /* 30 % of 500 = 150, sd 10.2: 4.5 sd */
    assert_in_range(aborted, 104, 196);
    assert_int_equal(atomic_load(&a->count), n - aborted);
    fx_resp r;
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_get(p.port, "reviews", "x-slow: 1\r\n", &r), 200);
    assert_true(fx_now_ns() - t0 >= 150000000);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_non_null(strstr(m, "response_code=\"418\",response_flags=\"FI\""));
    assert_non_null(strstr(m, "response_code=\"200\",response_flags=\"DI\""));
    assert_int_equal(fx_metric(m, "envoy_http_fault_delays_injected"), 1);
    assert_int_equal(fx_metric(m, "envoy_http_fault_aborts_injected"), aborted);
    free(m);
    fx_run_stop(&p, y, a);
}

static void test_rate_limit(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    const char *extra[] = {"--rate-limit", "5/10s", NULL};
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, extra);
    int ok = 0, limited = 0;
    for (int i = 0; i < 12; i++) {
        fx_resp r;
        int st = fx_get(p.port, "reviews", NULL, &r);
        ok += st == 200;
        if (st == 429) {
            limited++;
            assert_non_null(strstr(r.head, "x-envoy-ratelimited: true"));
        }
    }
    assert_int_equal(ok, 5);
    assert_int_equal(limited, 7);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_http_local_rate_limit_rate_limited"), 7);
    assert_int_equal(fx_metric(m, "envoy_http_local_rate_limit_ok"), 5);
    free(m);
    fx_run_stop(&p, y, a);
}

typedef struct load_arg {
    int port;
    _Atomic bool stop;
    int ok, failed, v2;
} load_arg;

static void *load_main(void *p)
{
    load_arg *a = p;
    int fd = -1;
    while (!atomic_load(&a->stop)) {
        if (fd < 0)
            fd = fx_connect(a->port);
        const char *raw = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
        fx_resp r;
        if (send(fd, raw, strlen(raw), MSG_NOSIGNAL) <= 0 || fx_read_resp(fd, &r) != 0) {
            a->failed++;
            close(fd);
            fd = -1;
            continue;
        }
        if (r.status == 200)
            a->ok++;
        else
            a->failed++;
        a->v2 += !strcmp(r.body, "v2");
        if (strstr(r.head, "connection: close")) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void test_reload_under_load(void **state)
{
    fx_upstream *a = fx_upstream_start("v1", 200), *b = fx_upstream_start("v2", 200);
    const char *vs = "---\n" FX_VS_HEAD "    - route: [{destination: {host: reviews, subset: %s}}]\n";
    char *v1 = fx_yaml_printf(FX_ENDPOINTS2 FX_SUBSETS "%s", a->l.port, b->l.port, vs);
    char *y1 = fx_yaml_printf(v1, "v1");
    char *y2 = fx_yaml_printf(v1, "v2");
    fx_proxy p;
    const char *workers[] = {"--workers", "2", NULL};
    assert_int_equal(fx_proxy_start(&p, y1, workers), 0);
    load_arg la[3] = {{.port = p.port}, {.port = p.port}, {.port = p.port}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, load_main, &la[i]);
    fx_sleep_ms(150);
    /* a broken file: the old configuration stays */
    fx_write_file(p.yaml, "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\n"
                          "spec:\n  hosts: [reviews]\n  htp: []\n");
    kill(p.pid, SIGHUP);
    fx_sleep_ms(500);
    fx_resp r;
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    assert_string_equal(r.body, "v1");
    fx_write_file(p.yaml, y2);
    kill(p.pid, SIGHUP);
    fx_sleep_ms(500);
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    assert_string_equal(r.body, "v2");
    for (int i = 0; i < 3; i++)
        atomic_store(&la[i].stop, true);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(la[i].failed, 0);
        assert_true(la[i].ok > 10);
        assert_true(la[i].v2 > 0);
    }
    char *err = fx_read_file(p.err);
    char want[128];
    snprintf(want, sizeof want, "%s:6:3: error: unknown field \"htp\"", p.yaml);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "reload failed; the previous configuration stays in force"));
    free(err);
    char *cd = fx_admin(p.admin, "/config_dump");
    assert_non_null(strstr(cd, "\"reloads_ok\": 1, \"reloads_failed\": 1"));
    free(cd);
    assert_int_equal(fx_proxy_stop(&p), 0);
    free(v1);
    free(y1);
    free(y2);
    fx_upstream_stop(a);
    fx_upstream_stop(b);
}

static void test_drain_on_sigterm(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    atomic_store(&a->delay_ms, 1200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, NULL);
    par_arg arg = {.port = p.port};
    pthread_t th;
    pthread_create(&th, NULL, par_get, &arg);
    while (atomic_load(&a->count) == 0)
        fx_sleep_ms(5); /* the request is at the upstream */
    kill(p.pid, SIGTERM);
    fx_sleep_ms(300);
    char *ready = fx_admin(p.admin, "/ready");
    assert_non_null(strstr(ready, "503"));
    free(ready);
    assert_int_equal(fx_connect(p.port), -1); /* no longer accepting */
    pthread_join(th, NULL);
    assert_int_equal(arg.status, 200); /* the request in flight finished */
    int st;
    waitpid(p.pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    p.pid = 0;
    fx_proxy_stop(&p);
    free(y);
    fx_upstream_stop(a);
}

static void test_hostile_input(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    const char *extra[] = {"--header-timeout", "300ms", "--max-body", "1MiB", NULL};
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, extra);
    fx_resp r;
    /* smuggling: CL + TE, duplicate CL, obfuscated TE */
    assert_int_equal(fx_request(p.port, "POST / HTTP/1.1\r\nHost: reviews\r\nContent-Length: 4\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &r), 400);
    assert_int_equal(fx_request(p.port, "POST / HTTP/1.1\r\nHost: reviews\r\nContent-Length: 4\r\n"
                                        "Content-Length: 5\r\n\r\nabcde", &r), 400);
    assert_int_equal(fx_request(p.port, "POST / HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: xchunked\r\n\r\n", &r),
                     501);
    /* a smuggled second request inside a body never reaches the upstream as a request */
    assert_int_equal(fx_request(p.port, "POST / HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n"
                                        "Connection: close\r\n\r\n"
                                        "2e\r\nGET /smuggled HTTP/1.1\r\nHost: reviews\r\nX: \r\n\r\n\r\n0\r\n\r\n", &r),
                     200);
    assert_null(strstr(a->last_head, "/smuggled"));
    assert_non_null(strstr(a->last_head, "transfer-encoding: chunked\r\n"));
    assert_int_equal(a->body_len[atomic_load(&a->count) - 1], 46);
    /* oversized head: 431 */
    char *big = malloc(70000);
    int n = snprintf(big, 70000, "GET / HTTP/1.1\r\nHost: reviews\r\nX-Big: ");
    memset(big + n, 'a', 65000);
    strcpy(big + n + 65000, "\r\n\r\n");
    assert_int_equal(fx_request(p.port, big, &r), 431);
    free(big);
    /* body too large: 413 */
    assert_int_equal(fx_request(p.port, "POST / HTTP/1.1\r\nHost: reviews\r\nContent-Length: 99999999\r\n\r\nab", &r),
                     413);
    /* slowloris: an unfinished head gets 408 after the header timeout */
    int slow = fx_connect(p.port);
    send(slow, "GET / HTTP/1.1\r\nHost: rev", 25, MSG_NOSIGNAL);
    /* truncated requests at every byte boundary: the proxy keeps serving */
    const char *req = "POST /x HTTP/1.1\r\nHost: reviews\r\nContent-Length: 3\r\n\r\nabc";
    for (size_t cut = 0; cut < strlen(req); cut += 3) {
        int fd = fx_connect(p.port);
        send(fd, req, cut, MSG_NOSIGNAL);
        close(fd);
    }
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    int64_t t0 = fx_now_ns();
    assert_int_equal(fx_read_resp(slow, &r), 0);
    assert_int_equal(r.status, 408);
    assert_true(fx_now_ns() - t0 < 2000000000);
    close(slow);
    /* pipelined requests are answered in order, one by one */
    int fd = fx_connect(p.port);
    const char *two = "GET /1 HTTP/1.1\r\nHost: reviews\r\n\r\nGET /2 HTTP/1.1\r\nHost: reviews\r\n\r\n";
    send(fd, two, strlen(two), MSG_NOSIGNAL);
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    close(fd);
    /* Expect: 100-continue is answered by the proxy, then the response */
    fd = fx_connect(p.port);
    const char *ex = "POST / HTTP/1.1\r\nHost: reviews\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    send(fd, ex, strlen(ex), MSG_NOSIGNAL);
    char cont[64] = {0};
    assert_int_equal(recv(fd, cont, 25, MSG_WAITALL), 25);
    assert_string_equal(cont, "HTTP/1.1 100 Continue\r\n\r\n");
    send(fd, "abc", 3, MSG_NOSIGNAL);
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(a->last_head, "expect"));
    assert_non_null(strstr(a->last_head, "content-length: 3\r\n"));
    close(fd);
    /* a chunked upstream body is decoded and re-chunked, never passed raw */
    atomic_store(&a->chunked, true);
    fd = fx_connect(p.port);
    const char *g = "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n";
    send(fd, g, strlen(g), MSG_NOSIGNAL);
    char all[2048];
    size_t got = 0;
    ssize_t k;
    while ((k = recv(fd, all + got, sizeof all - 1 - got, 0)) > 0)
        got += (size_t)k;
    all[got] = 0;
    close(fd);
    assert_non_null(strstr(all, "transfer-encoding: chunked\r\n"));
    /* chunk boundaries are the proxy's own: one chunk or two */
    assert_true(strstr(all, "\r\n\r\n4\r\nokok\r\n0\r\n\r\n") ||
                strstr(all, "\r\n\r\n2\r\nok\r\n2\r\nok\r\n0\r\n\r\n"));
    fx_run_stop(&p, y, a);
}

/* 40 users, 3 GETs each carrying "<pre>user-<N><post>": every user always
 * lands on one endpoint (v1 or v2), and the users reach both.  With
 * no_set_cookie, no response sets a cookie. */
static void assert_users_stick(int port, const char *pre, const char *post, bool no_set_cookie)
{
    fx_resp r;
    char first[8] = "";
    int seen_v1 = 0, seen_v2 = 0;
    for (int u = 0; u < 40; u++) {
        for (int k = 0; k < 3; k++) {
            char hdr[96];
            snprintf(hdr, sizeof hdr, "%suser-%d%s", pre, u, post);
            assert_int_equal(fx_get(port, "reviews", hdr, &r), 200);
            if (no_set_cookie)
                assert_null(strstr(r.head, "set-cookie"));
            if (k == 0)
                snprintf(first, sizeof first, "%.7s", r.body);
            else
                assert_string_equal(r.body, first);
        }
        seen_v1 += !strcmp(first, "v1");
        seen_v2 += !strcmp(first, "v2");
    }
    assert_true(seen_v1 > 0 && seen_v2 > 0);
}

static void test_authz_and_consistent_hash(void **state)
{
    fx_upstream *a = fx_upstream_start("v1", 200), *b = fx_upstream_start("v2", 200);
    fx_proxy p;
    char *y = fx_run_start2(&p, FX_ENDPOINTS2 FX_DR_HEAD
                            "  trafficPolicy:\n"
                            "    loadBalancer: {consistentHash: {httpHeaderName: X-User}}\n---\n"
                            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
                            "metadata: {name: no-admin}\nspec:\n  action: DENY\n"
                            "  rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]\n",
                            a, b, NULL);
    fx_resp r;
    assert_int_equal(fx_request(p.port, "GET /admin/x HTTP/1.1\r\nHost: reviews\r\n\r\n", &r), 403);
    assert_string_equal(r.body, "RBAC: access denied");
    assert_int_equal(atomic_load(&a->count) + atomic_load(&b->count), 0);
    /* one user always lands on one endpoint; many users spread over both */
    assert_users_stick(p.port, "x-user: ", "\r\n", false);
    fx_run_stop2(&p, y, a, b);
}

/* A new connection to port; gen receives the cookie value Envoy generates
 * for a request on it (xxHash64 of the connection's two addresses). */
static int connect_for_cookie(int port, char gen[17])
{
    int fd = fx_connect(port);
    struct sockaddr_in me, peer;
    socklen_t sl = sizeof me;
    getsockname(fd, (struct sockaddr *)&me, &sl);
    sl = sizeof peer;
    getpeername(fd, (struct sockaddr *)&peer, &sl);
    char ra[64], la[64];
    snprintf(ra, sizeof ra, "127.0.0.1:%d", ntohs(me.sin_port));
    snprintf(la, sizeof la, "127.0.0.1:%d", ntohs(peer.sin_port));
    pol_lb_cookie_generate((pol_lb_key){ra, strlen(ra), true}, (pol_lb_key){la, strlen(la), true}, gen);
    return fd;
}

/* consistentHash.httpCookie with a ttl: a request with the cookie sticks to
 * one endpoint; one without gets Envoy's generated cookie (xxHash64 of the
 * connection's addresses) in Set-Cookie, and sending it back lands where the
 * first request went. */
static void test_hash_cookie(void **state)
{
    fx_upstream *a = fx_upstream_start("v1", 200), *b = fx_upstream_start("v2", 200);
    fx_proxy p;
    char *y = fx_run_start2(&p, FX_ENDPOINTS2 FX_DR_HEAD
                            "  trafficPolicy:\n"
                            "    loadBalancer: {consistentHash: {httpCookie: {name: user, path: /, ttl: 90s}}}\n",
                            a, b, NULL);
    assert_users_stick(p.port, "cookie: theme=dark; user=\"", "\"; z=1\r\n", true);
    fx_resp r;
    char first[8];
    /* no cookie: the proxy makes one from the connection's two addresses */
    char gen[17], want[128];
    int fd = connect_for_cookie(p.port, gen);
    const char *get = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
    send(fd, get, strlen(get), MSG_NOSIGNAL);
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    snprintf(want, sizeof want, "set-cookie: user=\"%s\"; Max-Age=90; Path=/; HttpOnly\r\n", gen);
    assert_non_null(strstr(r.head, want));
    snprintf(first, sizeof first, "%.7s", r.body);
    close(fd);
    for (int k = 0; k < 5; k++) {
        char hdr[96];
        snprintf(hdr, sizeof hdr, "cookie: user=\"%s\"\r\n", gen);
        assert_int_equal(fx_get(p.port, "reviews", hdr, &r), 200);
        assert_string_equal(r.body, first);
        assert_null(strstr(r.head, "set-cookie"));
    }
    fx_run_stop2(&p, y, a, b);
}

/* httpCookie.attributes go into the generated Set-Cookie in their order,
 * after Path and before HttpOnly, a bare name for an empty value
 * (Envoy's Utility::makeSetCookieValue). */
static void test_hash_cookie_attributes(void **state)
{
    fx_upstream *a = fx_upstream_start("v1", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_DR_HEAD
                           "  trafficPolicy:\n"
                           "    loadBalancer:\n      consistentHash:\n        httpCookie:\n"
                           "          name: session\n          path: /shop\n          ttl: 3600s\n"
                           "          attributes: [{name: SameSite, value: Strict}, {name: Secure},"
                           " {name: Domain, value: example.com}]\n",
                           a, NULL);
    char gen[17], want[256];
    int fd = connect_for_cookie(p.port, gen);
    const char *get = "GET /shop/cart HTTP/1.1\r\nHost: reviews\r\n\r\n";
    send(fd, get, strlen(get), MSG_NOSIGNAL);
    fx_resp r;
    assert_int_equal(fx_read_resp(fd, &r), 0);
    assert_int_equal(r.status, 200);
    snprintf(want, sizeof want,
             "\r\nset-cookie: session=\"%s\"; Max-Age=3600; Path=/shop; SameSite=Strict; Secure; "
             "Domain=example.com; HttpOnly\r\n",
             gen);
    assert_non_null(strstr(r.head, want));
    close(fd);
    fx_run_stop(&p, y, a);
}

/* A sidecar honours the x-envoy-* retry and timeout overrides of its
 * (internal) callers and never forwards them. */
static void test_envoy_override_headers(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    atomic_store(&a->fail_first, 2);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_VS_HEAD
                           "    - route: [{destination: {host: reviews}}]\n",
                           a, NULL);
    fx_resp r;
    /* Istio's default policy does not retry 503; the header adds 5xx, one retry */
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-retry-on: 5xx\r\nx-envoy-max-retries: 1\r\n", &r), 503);
    assert_int_equal(atomic_load(&a->count), 2);
    assert_null(strstr(a->last_head, "x-envoy-retry-on"));
    assert_null(strstr(a->last_head, "x-envoy-max-retries"));
    atomic_store(&a->fail_first, 4);
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-retry-on: 5xx\r\nx-envoy-max-retries: 3\r\n", &r), 200);
    assert_non_null(strstr(r.head, "x-envoy-attempt-count: 3"));
    assert_int_equal(atomic_load(&a->count), 5);
    /* retriable-status-codes from the header */
    atomic_store(&a->fail_first, 6);
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-retry-on: retriable-status-codes\r\n"
                                               "x-envoy-retriable-status-codes: 418,503\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count), 7);
    /* without headers: the route's policy, no retry of a 503 */
    atomic_store(&a->fail_first, 8);
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 503);
    assert_int_equal(atomic_load(&a->count), 8);
    /* x-envoy-upstream-rq-timeout-ms replaces the route timeout (none here) */
    atomic_store(&a->delay_ms, 1500);
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-upstream-rq-timeout-ms: 50\r\n", &r), 504);
    assert_null(strstr(r.head, "x-envoy-upstream-service-time"));
    char *log = fx_read_file(p.log);
    assert_non_null(strstr(log, " 504 UT "));
    free(log);
    /* timeouts longer than int64 nanoseconds hold (2^64 ns is 18446744073709.6
     * ms) are as good as none: never one that wrapped round to under a ms */
    atomic_store(&a->delay_ms, 100);
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-upstream-rq-timeout-ms: 18446744073710\r\n", &r), 200);
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-upstream-rq-per-try-timeout-ms: 18446744073710\r\n", &r), 200);
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-upstream-rq-timeout-ms: 999999999999999\r\n", &r), 200);
    atomic_store(&a->delay_ms, 0);
    fx_run_stop(&p, y, a);
}

/* x-envoy-upstream-rq-per-try-timeout-ms from an internal caller (a
 * sidecar's): each try of a route with retries but no perTryTimeout ends at
 * that many ms, seen in the upstream's arrival times (try k+1 arrives one
 * per-try timeout plus a backoff below 25 ms, then 50 ms, after try k); the
 * upstream is told the per-try deadline in x-envoy-expected-rq-timeout-ms. */
static void test_per_try_timeout_header(void **state)
{
    fx_upstream *a = fx_upstream_start("slow", 200);
    atomic_store(&a->delay_ms, 2000);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_VS_HEAD
                           "    - route: [{destination: {host: reviews}}]\n"
                           "      timeout: 10s\n"
                           "      retries: {attempts: 2, retryOn: 5xx}\n",
                           a, NULL);
    fx_resp r;
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-upstream-rq-per-try-timeout-ms: 150\r\n", &r), 504);
    assert_int_equal(atomic_load(&a->count), 3);
    int64_t g1 = a->arrivals[1] - a->arrivals[0], g2 = a->arrivals[2] - a->arrivals[1];
    /* (10 ms below: the arrival times include each connection's delivery) */
    assert_in_range(g1, 140000000, 150000000 + 25000000 + 150000000);
    assert_in_range(g2, 140000000, 150000000 + 50000000 + 150000000);
    assert_non_null(strstr(a->last_head, "x-envoy-expected-rq-timeout-ms: 150\r\n"));
    assert_null(strstr(a->last_head, "x-envoy-upstream-rq-per-try-timeout-ms"));
    assert_int_equal(fx_admin_metric(p.admin, "envoy_cluster_upstream_rq_per_try_timeout{"), 3);
    char *log = fx_read_file(p.log);
    assert_non_null(strstr(log, " 504 UT,URX "));
    free(log);
    /* a per-try timeout at or above the route timeout is dropped (Envoy's
     * rule): one try, ended by the route timeout */
    atomic_store(&a->delay_ms, 1500);
    int before = atomic_load(&a->count);
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-upstream-rq-timeout-ms: 300\r\n"
                                               "x-envoy-upstream-rq-per-try-timeout-ms: 300\r\n", &r), 504);
    assert_int_equal(atomic_load(&a->count) - before, 1);
    /* the expected timeout is what is left of the route's 300 ms */
    const char *ex = strstr(a->last_head, "x-envoy-expected-rq-timeout-ms: ");
    assert_non_null(ex);
    assert_in_range(atoi(ex + 32), 250, 300);
    atomic_store(&a->delay_ms, 0);
    fx_run_stop(&p, y, a);
}

/* x-envoy-retriable-header-names with retry_on retriable-headers: a response
 * carrying any named header (names case-insensitive, blanks trimmed) is
 * retried; the test upstream always answers with x-upstream. */
static void test_retriable_header_names(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_VS_HEAD "    - route: [{destination: {host: reviews}}]\n", a, NULL);
    fx_resp r;
    /* named and present: retried until the retries run out (Istio's default 2),
     * the last response goes back */
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-retry-on: retriable-headers\r\n"
                                               "x-envoy-retriable-header-names: x-nope , X-Upstream\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count), 3);
    assert_non_null(strstr(r.head, "x-envoy-attempt-count: 3\r\n"));
    assert_null(strstr(a->last_head, "x-envoy-retriable-header-names"));
    /* x-envoy-max-retries applies */
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-retry-on: retriable-headers\r\nx-envoy-max-retries: 4\r\n"
                                               "x-envoy-retriable-header-names: x-upstream\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count), 8);
    /* no named header in the response: one attempt */
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-retry-on: retriable-headers\r\n"
                                               "x-envoy-retriable-header-names: x-nope,x-upstream-other\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count), 9);
    /* names without the retriable-headers condition: one attempt */
    assert_int_equal(fx_get(p.port, "reviews", "x-envoy-retriable-header-names: x-upstream\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count), 10);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry{"), 6);
    assert_int_equal(fx_metric(m, "envoy_cluster_upstream_rq_retry_limit_exceeded{"), 2);
    free(m);
    fx_run_stop(&p, y, a);
}

static void test_gateway_mode(void **state)
{
    fx_upstream *a = fx_upstream_start("shop", 200);
    fx_proxy p;
    const char *gw[] = {"--gateway", "istio-system/web", NULL};
    char *y = fx_run_start(&p, FX_ENDPOINTS1 FX_GATEWAY_WEB FX_SHOP_VS_HEAD
                           "    - route: [{destination: {host: reviews}}]\n",
                           a, gw);
    fx_resp r;
    assert_int_equal(fx_get(p.port, "shop.example.com", NULL, &r), 200);
    assert_string_equal(r.body, "shop");
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 404); /* not bound to the gateway */
    /* at the edge the x-envoy-* overrides of external callers are ignored (and not forwarded) */
    int before = atomic_load(&a->count);
    atomic_store(&a->fail_first, before + 1);
    assert_int_equal(fx_get(p.port, "shop.example.com", "x-envoy-retry-on: 5xx\r\nx-envoy-max-retries: 3\r\n", &r),
                     503);
    assert_int_equal(atomic_load(&a->count), before + 1);
    assert_null(strstr(a->last_head, "x-envoy-retry-on"));
    atomic_store(&a->fail_first, 0);
    assert_int_equal(fx_proxy_stop(&p), 0);
    /* as a sidecar the gateway's VirtualService does not apply */
    assert_int_equal(fx_proxy_start(&p, y, NULL), 0);
    assert_int_equal(fx_get(p.port, "shop.example.com", NULL, &r), 404);
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    fx_run_stop(&p, y, a);
}

/* As a gateway, a bound VirtualService keeps only the hosts its Gateway's
 * servers admit; a --gateway the configuration does not define is an error. */
static void test_gateway_server_hosts(void **state)
{
    fx_upstream *a = fx_upstream_start("shop", 200);
    fx_proxy p;
    const char *gw[] = {"--gateway", "istio-system/web", NULL};
    char *y = fx_run_start(&p, FX_ENDPOINTS1 "apiVersion: networking.istio.io/v1\nkind: Gateway\n"
                           "metadata: {name: web, namespace: istio-system}\nspec:\n"
                           "  selector: {istio: ingressgateway}\n"
                           "  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*.example.com\"]}]\n"
                           "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                           "metadata: {name: shop}\nspec:\n  hosts: [shop.example.com, shop.other.org]\n"
                           "  gateways: [istio-system/web]\n  http:\n"
                           "    - route: [{destination: {host: reviews}}]\n",
                           a, gw);
    fx_resp r;
    assert_int_equal(fx_get(p.port, "shop.example.com", NULL, &r), 200);
    assert_int_equal(fx_get(p.port, "shop.other.org", NULL, &r), 404); /* no server admits it */
    assert_int_equal(fx_proxy_stop(&p), 0);
    const char *missing[] = {"--gateway", "istio-system/nope", NULL};
    char *err = fx_run_refused(&p, y, missing);
    assert_non_null(strstr(err, "meshproxy: error: --gateway istio-system/nope: the configuration has no Gateway"));
    free(err);
    free(y);
    fx_upstream_stop(a);
}

static void test_bad_config_positioned_error(void **state)
{
    fx_proxy p;
    char *err = fx_run_refused(&p, FX_ENDPOINTS_HEAD "        - {address: \"nowhere\"}\n", NULL);
    char want[128];
    snprintf(want, sizeof want, "%s:9:21: error: invalid address \"nowhere\"", p.yaml);
    assert_non_null(strstr(err, want));
    free(err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_by_header),
        cmocka_unit_test(test_route_by_weight),
        cmocka_unit_test(test_retries_backoff),
        cmocka_unit_test(test_per_try_timeout),
        cmocka_unit_test(test_outlier_ejection_and_return),
        cmocka_unit_test(test_pool_overflow_uo),
        cmocka_unit_test(test_fault_abort_percentage),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_reload_under_load),
        cmocka_unit_test(test_drain_on_sigterm),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_authz_and_consistent_hash),
        cmocka_unit_test(test_hash_cookie),
        cmocka_unit_test(test_hash_cookie_attributes),
        cmocka_unit_test(test_envoy_override_headers),
        cmocka_unit_test(test_per_try_timeout_header),
        cmocka_unit_test(test_retriable_header_names),
        cmocka_unit_test(test_gateway_mode),
        cmocka_unit_test(test_gateway_server_hosts),
        cmocka_unit_test(test_bad_config_positioned_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
