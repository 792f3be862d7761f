/*
 * test_proxy_admin.c - meshproxy's admin endpoints beyond the read-only ones
 * tested in test_proxy.c, each against Envoy's behaviour: /stats text with
 * sorted "name: value" lines and the quantile summary of the duration
 * histogram; POST-only mutations (405 and Envoy's body otherwise);
 * /reset_counters zeroing counters but not gauges or histograms;
 * /healthcheck/fail turning /ready to 503 DRAINING and closing every HTTP/1
 * connection after its response until /healthcheck/ok; /drain_listeners
 * stopping the listener now, or after the drain period with ?graceful, while
 * the admin port and the process stay; /server_info; /help and 404.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"
#include "proxy_run.h"

#define CLUSTER "cluster.outbound|9080||reviews.default.svc.cluster.local."

/* The value after "name: " on the line that is exactly `name`, or -1. */
static long long stat_value(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, name, n) && p[n] == ':' && p[n + 1] == ' ')
            return atoll(p + n + 2);
    return -1;
}

/* A keep-alive GET on fd; returns its status and whether the proxy said
 * "connection: close". */
static int keepalive_get(int fd, bool *closes)
{
    const char *raw = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
    if (send(fd, raw, strlen(raw), MSG_NOSIGNAL) != (ssize_t)strlen(raw))
        return -1;
    fx_resp r;
    if (fx_read_resp(fd, &r) != 0)
        return -1;
    *closes = strstr(r.head, "connection: close\r\n") != NULL;
    return r.status;
}

/* A keep-alive GET on a new connection: 200, and the proxy says
 * "connection: close". */
static void new_conn_get_closes(int port)
{
    int fd = fx_connect(port);
    assert_true(fd >= 0);
    bool closes;
    assert_int_equal(keepalive_get(fd, &closes), 200);
    assert_true(closes);
    close(fd);
}

/* An admin request that must answer `want` (its text is not looked at). */
static void admin_expect(int admin, const char *method, const char *path, int want)
{
    int st;
    char *s = fx_admin_call(admin, method, path, &st);
    assert_int_equal(st, want);
    free(s);
}

static bool peer_closed(int fd)
{
    char c;
    return recv(fd, &c, 1, 0) == 0;
}

static void test_stats_text(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    atomic_store(&a->delay_ms, 30);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, NULL);
    fx_resp r;
    for (int i = 0; i < 4; i++)
        assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    int st;
    char *s = fx_admin_call(p.admin, "GET", "/stats", &st);
    assert_int_equal(st, 200);
    char *body = strstr(s, "\r\n\r\n") + 4;
    assert_int_equal(stat_value(body, CLUSTER "upstream_rq_total"), 4);
    assert_int_equal(stat_value(body, CLUSTER "upstream_rq_2xx"), 4);
    assert_int_equal(stat_value(body, CLUSTER "circuit_breakers.default.rq_open"), 0);
    assert_int_equal(stat_value(body, "http.meshproxy.downstream_rq_total"), 4);
    assert_int_equal(stat_value(body, "server.live"), 1);
    assert_int_equal(stat_value(body, "server.concurrency"), 1);
    const char *istio = "reporter=.=source;.;source_workload=.=meshproxy;.;source_workload_namespace=.=default;.;"
                        "destination_service=.=reviews.default.svc.cluster.local;.;destination_service_name=.=reviews;"
                        ".;destination_service_namespace=.=default;.;destination_version=.=unknown;.;"
                        "response_code=.=200;.;response_flags=.=-;.;request_protocol=.=http;.;";
    char name[1024];
    snprintf(name, sizeof name, "%sistio_requests_total", istio);
    assert_int_equal(stat_value(body, name), 4);
    /* counters and gauges sorted by name, histograms after them */
    char prev[1024] = "";
    const char *hist = NULL;
    for (const char *l = body; *l; l = strchr(l, '\n') + 1) {
        const char *colon = strstr(l, ": ");
        assert_non_null(colon);
        if (!strncmp(colon + 2, "P0(", 3)) {
            hist = l;
            break;
        }
        char cur[1024];
        snprintf(cur, sizeof cur, "%.*s", (int)(colon - l), l);
        assert_true(strcmp(prev, cur) < 0);
        memcpy(prev, cur, sizeof cur);
    }
    /* the duration histogram: Envoy's ten quantiles, no flush interval (nan),
     * cumulative values ascending, every sample above the upstream's 30 ms */
    assert_non_null(hist);
    snprintf(name, sizeof name, "%sistio_request_duration_milliseconds: P0(nan,", istio);
    assert_ptr_equal(strstr(hist, name), hist);
    static const char *const qs[] = {"P0", "P25", "P50", "P75", "P90", "P95", "P99", "P99.5", "P99.9", "P100"};
    double last = 0;
    const char *q = hist;
    for (size_t i = 0; i < 10; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, " %s(nan,", qs[i]);
        q = strstr(q, tag);
        assert_non_null(q);
        double v = strtod(q + strlen(tag), NULL);
        assert_true(v >= 30.0 && v < 5000.0);
        assert_true(v >= last);
        last = v;
    }
    assert_string_equal(strchr(q, ')'), ")\n");
    free(s);
    /* ?filter=REGEX (percent-encoded) keeps the names it matches anywhere */
    s = fx_admin_call(p.admin, "GET", "/stats?filter=upstream_rq_%5B0-9%5Dxx%24", &st);
    assert_int_equal(st, 200);
    body = strstr(s, "\r\n\r\n") + 4;
    int lines = 0;
    for (const char *l = body; *l; l = strchr(l, '\n') + 1, lines++)
        assert_non_null(strstr(l, "upstream_rq_"));
    assert_int_equal(stat_value(body, CLUSTER "upstream_rq_2xx"), 4);
    assert_int_equal(stat_value(body, CLUSTER "upstream_rq_5xx"), 0);
    assert_int_equal(lines, 10); /* upstream_rq_1xx to 5xx, and retry.upstream_rq_1xx to 5xx */
    free(s);
    s = fx_admin_call(p.admin, "GET", "/stats?filter=%5Eserver%5C.(live%7Cconcurrency)%24", &st);
    body = strstr(s, "\r\n\r\n") + 4;
    assert_string_equal(body, "server.concurrency: 1\nserver.live: 1\n");
    free(s);
    s = fx_admin_call(p.admin, "GET", "/stats?filter=(unclosed", &st);
    assert_int_equal(st, 400);
    assert_non_null(strstr(s, "\r\n\r\nInvalid regex: "));
    free(s);
    fx_run_stop(&p, y, a);
}

static void test_mutations_need_post_and_reset_counters(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, NULL);
    fx_resp r;
    for (int i = 0; i < 3; i++)
        assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    static const char *const mutations[] = {"/reset_counters", "/healthcheck/fail", "/healthcheck/ok",
                                            "/drain_listeners"};
    int st;
    for (size_t i = 0; i < 4; i++) {
        char *s = fx_admin_call(p.admin, "GET", mutations[i], &st);
        assert_int_equal(st, 405);
        assert_non_null(strstr(s, "\r\n\r\nMethod GET not allowed, POST required."));
        free(s);
    }
    /* nothing changed: still serving, counters intact */
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    char *s = fx_admin_call(p.admin, "GET", "/stats", &st);
    assert_int_equal(stat_value(s, CLUSTER "upstream_rq_total"), 4);
    free(s);
    s = fx_admin_call(p.admin, "POST", "/reset_counters", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "\r\n\r\nOK\n"));
    free(s);
    s = fx_admin_call(p.admin, "GET", "/stats", &st);
    assert_int_equal(stat_value(s, CLUSTER "upstream_rq_total"), 0);
    assert_int_equal(stat_value(s, CLUSTER "upstream_rq_2xx"), 0);
    assert_int_equal(stat_value(s, "http.meshproxy.downstream_rq_total"), 0);
    /* gauges stay */
    assert_int_equal(stat_value(s, CLUSTER "membership_total"), 1);
    assert_int_equal(stat_value(s, CLUSTER "upstream_cx_active"), 1);
    free(s);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    assert_non_null(strstr(m, "response_flags=\"-\",request_protocol=\"http\",connection_security_policy=\"unknown\"} 0\n"));
    /* the histogram is not a counter: its count stays */
    assert_non_null(strstr(m, "istio_request_duration_milliseconds_count{reporter=\"source\""));
    assert_non_null(strstr(m, "connection_security_policy=\"unknown\",le=\"+Inf\"} 4\n"));
    /* no outlier detection configured: no outlier_detection stats, as in /stats */
    assert_null(strstr(m, "outlier_detection"));
    free(m);
    assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    s = fx_admin_call(p.admin, "GET", "/stats", &st);
    assert_int_equal(stat_value(s, CLUSTER "upstream_rq_total"), 1);
    free(s);
    fx_run_stop(&p, y, a);
}

static void test_healthcheck_fail_and_ok(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, NULL);
    int st;
    bool closes;
    int fd = fx_connect(p.port);
    assert_int_equal(keepalive_get(fd, &closes), 200);
    assert_false(closes);
    char *s = fx_admin_call(p.admin, "POST", "/healthcheck/fail", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "\r\n\r\nOK\n"));
    free(s);
    s = fx_admin_call(p.admin, "GET", "/ready", &st);
    assert_int_equal(st, 503);
    assert_non_null(strstr(s, "\r\n\r\nDRAINING\n"));
    free(s);
    /* drainClose(): the next response on the open connection closes it */
    assert_int_equal(keepalive_get(fd, &closes), 200);
    assert_true(closes);
    assert_true(peer_closed(fd));
    close(fd);
    /* new connections are still accepted and served, one request each */
    new_conn_get_closes(p.port);
    s = fx_admin_call(p.admin, "GET", "/stats", &st);
    assert_int_equal(stat_value(s, "server.live"), 0);
    free(s);
    admin_expect(p.admin, "POST", "/healthcheck/ok", 200);
    s = fx_admin_call(p.admin, "GET", "/ready", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "\r\n\r\nLIVE\n"));
    free(s);
    fd = fx_connect(p.port);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(keepalive_get(fd, &closes), 200);
        assert_false(closes);
    }
    close(fd);
    fx_run_stop(&p, y, a);
}

/* Poll (up to 3 s) until a connection to port is refused. */
static bool becomes_refused(int port, int64_t *when)
{
    for (int i = 0; i < 300; i++) {
        int fd = fx_connect(port);
        if (fd < 0) {
            *when = fx_now_ns();
            return true;
        }
        close(fd);
        fx_sleep_ms(10);
    }
    return false;
}

static void test_drain_listeners(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, NULL);
    int st;
    bool closes;
    int busy = fx_connect(p.port), idle = fx_connect(p.port);
    assert_int_equal(keepalive_get(busy, &closes), 200);
    assert_int_equal(keepalive_get(idle, &closes), 200);
    /* a request in flight when the drain begins */
    atomic_store(&a->delay_ms, 300);
    const char *raw = "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n";
    send(busy, raw, strlen(raw), MSG_NOSIGNAL);
    fx_sleep_ms(50);
    char *s = fx_admin_call(p.admin, "POST", "/drain_listeners", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "\r\n\r\nOK\n"));
    free(s);
    int64_t when;
    assert_true(becomes_refused(p.port, &when));
    /* the idle connection was closed, the busy one gets its response, then closes */
    assert_true(peer_closed(idle));
    close(idle);
    fx_resp r;
    assert_int_equal(fx_read_resp(busy, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "connection: close\r\n"));
    assert_true(peer_closed(busy));
    close(busy);
    /* the process and its admin port stay; /ready answers as Envoy's (the
     * health check has not failed) */
    admin_expect(p.admin, "GET", "/ready", 200);
    admin_expect(p.admin, "POST", "/drain_listeners", 200); /* again: nothing to do */
    fx_run_stop(&p, y, a);
}

static void test_drain_listeners_graceful(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    const char *args[] = {"--drain-timeout", "600ms", NULL};
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, args);
    int st;
    char *s = fx_admin_call(p.admin, "POST", "/drain_listeners?graceful", &st);
    int64_t start = fx_now_ns();
    assert_int_equal(st, 200);
    free(s);
    /* during the drain period: still accepting, every response closes */
    for (int i = 0; i < 3; i++)
        new_conn_get_closes(p.port);
    assert_true(fx_now_ns() - start < 400000000); /* else the check above proved nothing */
    int64_t when;
    assert_true(becomes_refused(p.port, &when));
    assert_true(when - start >= 550000000);
    assert_int_equal(fx_proxy_stop(&p), 0);
    /* skip_exit: the drain without ever stopping the listener */
    assert_int_equal(fx_proxy_start(&p, y, args), 0);
    admin_expect(p.admin, "POST", "/drain_listeners?graceful&skip_exit", 200);
    fx_sleep_ms(900);
    new_conn_get_closes(p.port);
    fx_run_stop(&p, y, a);
}

static void test_server_info_help_and_unknown(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    const char *args[] = {"--workers", "2", NULL};
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, args);
    int st;
    char *s = fx_admin_call(p.admin, "GET", "/server_info", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "content-type: application/json\r\n"));
    assert_non_null(strstr(s, "\"state\": \"LIVE\""));
    assert_non_null(strstr(s, "\"concurrency\": 2"));
    assert_non_null(strstr(s, "\"mode\": \"sidecar\""));
    assert_non_null(strstr(s, "\"uptime_current_epoch\": \""));
    free(s);
    s = fx_admin_call(p.admin, "POST", "/healthcheck/fail", &st);
    free(s);
    s = fx_admin_call(p.admin, "GET", "/server_info", &st);
    assert_non_null(strstr(s, "\"state\": \"DRAINING\""));
    free(s);
    s = fx_admin_call(p.admin, "GET", "/help", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "\r\n\r\nadmin commands are:\n  /clusters: "));
    assert_non_null(strstr(s, "\n  /healthcheck/fail (POST): cause the server to fail health checks\n"));
    assert_non_null(strstr(s, "\n  /drain_listeners (POST): drain listeners\n      graceful: "));
    assert_non_null(strstr(s, "\n  /stats: print server stats\n"));
    free(s);
    s = fx_admin_call(p.admin, "GET", "/", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "\r\n\r\nadmin commands are:\n"));
    free(s);
    s = fx_admin_call(p.admin, "GET", "/nothing", &st);
    assert_int_equal(st, 404);
    assert_non_null(strstr(s, "\r\n\r\ninvalid path. admin commands are:\n"));
    free(s);
    admin_expect(p.admin, "GET", "/Ready", 404); /* paths match case and all */
    fx_run_stop(&p, y, a);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_text),
        cmocka_unit_test(test_mutations_need_post_and_reset_counters),
        cmocka_unit_test(test_healthcheck_fail_and_ok),
        cmocka_unit_test(test_drain_listeners),
        cmocka_unit_test(test_drain_listeners_graceful),
        cmocka_unit_test(test_server_info_help_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
