/*
 * test_proxy_admin.c - meshproxy's admin endpoints beyond the read-only ones
 * tested in test_proxy.c, each against Envoy's behaviour: /stats text with
 * sorted "name: value" lines and the quantile summary of the duration
 * histogram, and Envoy's JSON form (format=json) parsed back by a strict
 * JSON reader; POST-only mutations (405 and Envoy's body otherwise);
 * /reset_counters zeroing counters but not gauges or histograms;
 * /healthcheck/fail turning /ready to 503 DRAINING and closing every HTTP/1
 * connection after its response until /healthcheck/ok; /drain_listeners
 * stopping the listener now, or after the drain period with ?graceful, while
 * the admin port and the process stay; /server_info; /help and 404.
 */
#define _GNU_SOURCE 1
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"
#include "proxy_run.h"

#define CLUSTER "cluster.outbound|9080||reviews.default.svc.cluster.local."

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
    assert_int_equal(fx_stat_value(body, CLUSTER "upstream_rq_total"), 4);
    assert_int_equal(fx_stat_value(body, CLUSTER "upstream_rq_2xx"), 4);
    assert_int_equal(fx_stat_value(body, CLUSTER "circuit_breakers.default.rq_open"), 0);
    assert_int_equal(fx_stat_value(body, "http.meshproxy.downstream_rq_total"), 4);
    assert_int_equal(fx_stat_value(body, "server.live"), 1);
    assert_int_equal(fx_stat_value(body, "server.concurrency"), 1);
    const char *istio = "reporter=.=source;.;source_workload=.=meshproxy;.;source_workload_namespace=.=default;.;"
                        "destination_service=.=reviews.default.svc.cluster.local;.;destination_service_name=.=reviews;"
                        ".;destination_service_namespace=.=default;.;destination_version=.=unknown;.;"
                        "response_code=.=200;.;response_flags=.=-;.;request_protocol=.=http;.;";
    char name[1024];
    snprintf(name, sizeof name, "%sistio_requests_total", istio);
    assert_int_equal(fx_stat_value(body, name), 4);
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
    assert_int_equal(fx_stat_value(body, CLUSTER "upstream_rq_2xx"), 4);
    assert_int_equal(fx_stat_value(body, CLUSTER "upstream_rq_5xx"), 0);
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

/* A strict JSON reader, enough to check /stats?format=json: the whole
 * grammar (RFC 8259) is accepted or the parse fails; strings keep their raw
 * (escaped) text, which the stats names never need decoded. */
typedef enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_kind;
typedef struct jv {
    jv_kind kind;
    double num;
    char *str;            /* JV_STR */
    char **keys;          /* JV_OBJ */
    struct jv **items;    /* JV_ARR, JV_OBJ */
    size_t n;
} jv;

static void jv_free(jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jv_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static const char *jv_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static char *jv_string(const char **pp)
{
    const char *p = *pp;
    if (*p != '"')
        return NULL;
    const char *start = ++p;
    while (*p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i]))
                        return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
                return NULL;
            }
        }
        p++;
    }
    *pp = p + 1;
    return strndup(start, (size_t)(p - start));
}

static jv *jv_parse_at(const char **pp, int depth);

static bool jv_push(jv *v, char *key, jv *item)
{
    v->items = realloc(v->items, (v->n + 1) * sizeof *v->items);
    if (key)
        v->keys = realloc(v->keys, (v->n + 1) * sizeof *v->keys);
    v->items[v->n] = item;
    if (key)
        v->keys[v->n] = key;
    v->n++;
    return true;
}

static jv *jv_parse_at(const char **pp, int depth)
{
    const char *p = jv_ws(*pp);
    jv *v = calloc(1, sizeof *v);
    if (!v || depth > 64)
        goto fail;
    if (*p == '{' || *p == '[') {
        bool obj = *p == '{';
        v->kind = obj ? JV_OBJ : JV_ARR;
        p = jv_ws(p + 1);
        if (*p == (obj ? '}' : ']')) {
            p++;
        } else {
            for (;;) {
                char *key = NULL;
                if (obj) {
                    key = jv_string(&p);
                    p = key ? jv_ws(p) : p;
                    if (!key || *p != ':') {
                        free(key);
                        goto fail;
                    }
                    p++;
                }
                jv *item = jv_parse_at(&p, depth + 1);
                if (!item) {
                    free(key);
                    goto fail;
                }
                jv_push(v, key, item);
                p = jv_ws(p);
                if (*p == ',') {
                    p = jv_ws(p + 1);
                    continue;
                }
                if (*p != (obj ? '}' : ']'))
                    goto fail;
                p++;
                break;
            }
        }
    } else if (*p == '"') {
        v->kind = JV_STR;
        if (!(v->str = jv_string(&p)))
            goto fail;
    } else if (!strncmp(p, "null", 4)) {
        v->kind = JV_NULL;
        p += 4;
    } else if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
        v->kind = JV_BOOL;
        v->num = *p == 't';
        p += *p == 't' ? 4 : 5;
    } else {
        /* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
        const char *q = p;
        if (*q == '-')
            q++;
        if (*q == '0')
            q++;
        else if (*q >= '1' && *q <= '9')
            while (isdigit((unsigned char)*q))
                q++;
        else
            goto fail;
        if (*q == '.') {
            if (!isdigit((unsigned char)*++q))
                goto fail;
            while (isdigit((unsigned char)*q))
                q++;
        }
        if (*q == 'e' || *q == 'E') {
            q++;
            if (*q == '+' || *q == '-')
                q++;
            if (!isdigit((unsigned char)*q))
                goto fail;
            while (isdigit((unsigned char)*q))
                q++;
        }
        v->kind = JV_NUM;
        v->num = strtod(p, NULL);
        p = q;
    }
    *pp = p;
    return v;
fail:
    jv_free(v);
    return NULL;
}

/* The whole text as one JSON value, or NULL. */
static jv *jv_parse(const char *text)
{
    const char *p = text;
    jv *v = jv_parse_at(&p, 0);
    if (v && *jv_ws(p)) {
        jv_free(v);
        return NULL;
    }
    return v;
}

/* Object member `key`, or NULL. */
static jv *jv_get(const jv *o, const char *key)
{
    if (!o || o->kind != JV_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return o->items[i];
    return NULL;
}

/* /stats?format=json parsed and checked against Envoy's shape: {"stats":[
 * {"name","value"}... then at most one {"histograms":{"supported_quantiles",
 * "computed_quantiles"}} last]}, names sorted.  Returns the parse (caller
 * frees) and the number of histograms in *nhist. */
static jv *stats_json(const char *body, size_t *nhist)
{
    jv *root = jv_parse(body);
    assert_non_null(root);
    assert_int_equal(root->kind, JV_OBJ);
    assert_int_equal(root->n, 1);
    jv *stats = jv_get(root, "stats");
    assert_non_null(stats);
    assert_int_equal(stats->kind, JV_ARR);
    *nhist = 0;
    const char *prev = "";
    for (size_t i = 0; i < stats->n; i++) {
        jv *e = stats->items[i];
        assert_int_equal(e->kind, JV_OBJ);
        jv *h = jv_get(e, "histograms");
        if (h) {
            assert_int_equal(i, stats->n - 1);
            assert_int_equal(e->n, 1);
            assert_int_equal(h->n, 2);
            jv *sq = jv_get(h, "supported_quantiles"), *cq = jv_get(h, "computed_quantiles");
            assert_non_null(sq);
            assert_non_null(cq);
            static const double want[] = {0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100};
            assert_int_equal(sq->n, 10);
            for (size_t k = 0; k < 10; k++) {
                assert_int_equal(sq->items[k]->kind, JV_NUM);
                assert_true(sq->items[k]->num == want[k]);
            }
            assert_int_equal(cq->kind, JV_ARR);
            const char *hprev = "";
            for (size_t k = 0; k < cq->n; k++) {
                jv *one = cq->items[k], *name = jv_get(one, "name"), *values = jv_get(one, "values");
                assert_int_equal(one->n, 2);
                assert_non_null(name);
                assert_int_equal(name->kind, JV_STR);
                assert_true(strcmp(hprev, name->str) < 0);
                hprev = name->str;
                assert_non_null(values);
                assert_int_equal(values->kind, JV_ARR);
                assert_int_equal(values->n, 10);
                for (size_t q = 0; q < 10; q++) {
                    jv *iv = jv_get(values->items[q], "interval"), *cum = jv_get(values->items[q], "cumulative");
                    assert_int_equal(values->items[q]->n, 2);
                    assert_non_null(iv);
                    assert_int_equal(iv->kind, JV_NULL); /* no flush interval: nan, written null */
                    assert_non_null(cum);
                    assert_int_equal(cum->kind, JV_NUM);
                }
            }
            *nhist = cq->n;
            continue;
        }
        assert_int_equal(e->n, 2);
        jv *name = jv_get(e, "name"), *value = jv_get(e, "value");
        assert_non_null(name);
        assert_int_equal(name->kind, JV_STR);
        assert_non_null(value);
        assert_int_equal(value->kind, JV_NUM);
        assert_true(strcmp(prev, name->str) < 0);
        prev = name->str;
    }
    return root;
}

/* The value of stat `name` in a stats_json() parse, or -1. */
static double json_stat(const jv *root, const char *name)
{
    const jv *stats = jv_get(root, "stats");
    for (size_t i = 0; i < stats->n; i++) {
        const jv *n = jv_get(stats->items[i], "name");
        if (n && !strcmp(n->str, name))
            return jv_get(stats->items[i], "value")->num;
    }
    return -1;
}

static void test_stats_json(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    atomic_store(&a->delay_ms, 30);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, NULL);
    fx_resp r;
    for (int i = 0; i < 3; i++)
        assert_int_equal(fx_get(p.port, "reviews", NULL, &r), 200);
    int st;
    char *s = fx_admin_call(p.admin, "GET", "/stats?format=json", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "content-type: application/json\r\n"));
    size_t nhist;
    jv *root = stats_json(strstr(s, "\r\n\r\n") + 4, &nhist);
    assert_true(json_stat(root, CLUSTER "upstream_rq_total") == 3);
    assert_true(json_stat(root, CLUSTER "upstream_rq_2xx") == 3);
    assert_true(json_stat(root, "http.meshproxy.downstream_rq_total") == 3);
    assert_true(json_stat(root, "server.live") == 1);
    assert_int_equal(nhist, 1);
    /* the histogram's quantiles: every sample above the upstream's 30 ms,
     * ascending, and the same numbers as the text form's P0..P100 */
    jv *hq = jv_get(jv_get(jv_get(root, "stats")->items[jv_get(root, "stats")->n - 1], "histograms"),
                    "computed_quantiles")->items[0];
    assert_non_null(strstr(jv_get(hq, "name")->str, "istio_request_duration_milliseconds"));
    jv *values = jv_get(hq, "values");
    char *t = fx_admin_call(p.admin, "GET", "/stats?filter=istio_request_duration", &st);
    const char *tb = strstr(t, "\r\n\r\n") + 4;
    double last = 0;
    for (size_t q = 0; q < 10; q++) {
        double v = jv_get(values->items[q], "cumulative")->num;
        assert_true(v >= 30.0 && v < 5000.0);
        assert_true(v >= last);
        last = v;
        tb = strstr(tb, "(nan,");
        assert_non_null(tb);
        tb += 5;
        assert_true(strtod(tb, NULL) == v);
    }
    free(t);
    jv_free(root);
    free(s);
    /* filter and format together: only the matching names, no histograms */
    s = fx_admin_call(p.admin, "GET", "/stats?filter=%5Eserver%5C.(live%7Cconcurrency)%24&format=json", &st);
    assert_int_equal(st, 200);
    assert_string_equal(strstr(s, "\r\n\r\n") + 4,
                        "{\"stats\":[{\"name\":\"server.concurrency\",\"value\":1},{\"name\":\"server.live\",\"value\":1}]}");
    free(s);
    /* format first, then a filter keeping the histogram only */
    s = fx_admin_call(p.admin, "GET", "/stats?format=json&filter=duration_milliseconds%24", &st);
    assert_int_equal(st, 200);
    root = stats_json(strstr(s, "\r\n\r\n") + 4, &nhist);
    assert_int_equal(nhist, 1);
    assert_int_equal(jv_get(root, "stats")->n, 1);
    jv_free(root);
    free(s);
    /* nothing matches: an empty list */
    s = fx_admin_call(p.admin, "GET", "/stats?format=json&filter=no_such_stat", &st);
    assert_int_equal(st, 200);
    assert_string_equal(strstr(s, "\r\n\r\n") + 4, "{\"stats\":[]}");
    free(s);
    /* format=text is the default form; an unknown format is 400 with the usage */
    s = fx_admin_call(p.admin, "GET", "/stats?format=text&filter=%5Eserver%5C.live%24", &st);
    assert_int_equal(st, 200);
    assert_string_equal(strstr(s, "\r\n\r\n") + 4, "server.live: 1\n");
    free(s);
    s = fx_admin_call(p.admin, "GET", "/stats?format=xml", &st);
    assert_int_equal(st, 400);
    assert_string_equal(strstr(s, "\r\n\r\n") + 4, "usage: /stats?format=(json|text)\n\n");
    free(s);
    fx_run_stop(&p, y, a);
}

static void test_json_reader_rejects(void **state)
{
    /* the checks above mean something only if the reader refuses bad JSON */
    static const char *const bad[] = {"{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{\"a\":nan}", "[01]", "[1.]",
                                      "\"\\x\"", "{\"a\":1}x", "[", "{'a':1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(jv_parse(bad[i]));
    jv *v = jv_parse(" {\"a\":[null,true,-1.5e2,\"x\\\"y\"]} ");
    assert_non_null(v);
    assert_true(jv_get(v, "a")->items[2]->num == -150);
    jv_free(v);
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
    assert_int_equal(fx_stat_value(s, CLUSTER "upstream_rq_total"), 4);
    free(s);
    s = fx_admin_call(p.admin, "POST", "/reset_counters", &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(s, "\r\n\r\nOK\n"));
    free(s);
    s = fx_admin_call(p.admin, "GET", "/stats", &st);
    assert_int_equal(fx_stat_value(s, CLUSTER "upstream_rq_total"), 0);
    assert_int_equal(fx_stat_value(s, CLUSTER "upstream_rq_2xx"), 0);
    assert_int_equal(fx_stat_value(s, "http.meshproxy.downstream_rq_total"), 0);
    /* gauges stay */
    assert_int_equal(fx_stat_value(s, CLUSTER "membership_total"), 1);
    assert_int_equal(fx_stat_value(s, CLUSTER "upstream_cx_active"), 1);
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
    assert_int_equal(fx_stat_value(s, CLUSTER "upstream_rq_total"), 1);
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
    assert_int_equal(fx_stat_value(s, "server.live"), 0);
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
    assert_non_null(strstr(s, "\n  /stats: print server stats\n      filter: "));
    assert_non_null(strstr(s, "\n      format: output format: json or text (the default)\n"));
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
        cmocka_unit_test(test_json_reader_rejects),
        cmocka_unit_test(test_stats_json),
        cmocka_unit_test(test_mutations_need_post_and_reset_counters),
        cmocka_unit_test(test_healthcheck_fail_and_ok),
        cmocka_unit_test(test_drain_listeners),
        cmocka_unit_test(test_drain_listeners_graceful),
        cmocka_unit_test(test_server_info_help_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
