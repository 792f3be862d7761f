/*
 * test_proxy_internal.c - internal and external callers of a gateway
 * (--internal-address, Envoy's internal_address_config with
 * use_remote_address): an internal caller's x-envoy-* overrides are honoured
 * and the upstream sees x-envoy-internal: true; an external caller's are
 * ignored, its x-envoy-internal is dropped and the upstream sees
 * x-envoy-external-address; a request that arrives with X-Forwarded-For is
 * external even from an internal address; without the option no caller is
 * internal (Envoy's default since 1.33); a bad range is a usage error.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"
#include "proxy_yaml.h"
#include "proxy_run.h"

#define GATEWAY_YAML \
    FX_ENDPOINTS1 FX_GATEWAY_WEB FX_SHOP_VS_HEAD "    - route: [{destination: {host: reviews}}]\n"

#define RETRY3 "x-envoy-retry-on: 5xx\r\nx-envoy-max-retries: 3\r\n"

/* One request failing its first attempt: how many attempts reached the upstream. */
static int attempts(fx_upstream *a, int port, const char *extra, int *status)
{
    int before = atomic_load(&a->count);
    atomic_store(&a->fail_first, before + 1);
    fx_resp r;
    *status = fx_get(port, "shop.example.com", extra, &r);
    atomic_store(&a->fail_first, 0);
    return atomic_load(&a->count) - before;
}

/* How many x-request-id fields an upstream head carries. */
static int count_request_ids(const char *head)
{
    int n = 0;
    for (const char *p = strstr(head, "x-request-id: "); p; p = strstr(p + 1, "x-request-id: "))
        n++;
    return n;
}

static void test_internal_caller_of_gateway(void **state)
{
    fx_upstream *a = fx_upstream_start("shop", 200);
    fx_proxy p;
    const char *args[] = {"--gateway", "istio-system/web", "--internal-address", "10.0.0.0/8",
                          "--internal-address", "127.0.0.0/8", NULL};
    char *y = fx_run_start(&p, GATEWAY_YAML, a, args);
    int st;
    /* loopback is internal: the overrides apply (one failure, then a retry) */
    assert_int_equal(attempts(a, p.port, RETRY3, &st), 2);
    assert_int_equal(st, 200);
    assert_non_null(strstr(a->last_head, "x-envoy-internal: true\r\n"));
    assert_null(strstr(a->last_head, "x-envoy-external-address"));
    assert_null(strstr(a->last_head, "x-envoy-retry-on"));
    /* an internal caller's request id is kept */
    assert_int_equal(attempts(a, p.port, "x-request-id: client-chosen\r\n", &st), 1);
    assert_non_null(strstr(a->last_head, "x-request-id: client-chosen\r\n"));
    assert_int_equal(count_request_ids(a->last_head), 1);
    /* x-envoy-retriable-header-names (the upstream always sends x-upstream):
     * retried until Istio's 2 retries run out */
    fx_resp r;
    int before = atomic_load(&a->count);
    assert_int_equal(fx_get(p.port, "shop.example.com", "x-envoy-retry-on: retriable-headers\r\n"
                                                        "x-envoy-retriable-header-names: x-upstream\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count) - before, 3);
    /* per-try timeout from the header: 100 ms tries against a 400 ms upstream,
     * three tries then 504 */
    atomic_store(&a->delay_ms, 400);
    before = atomic_load(&a->count);
    assert_int_equal(fx_get(p.port, "shop.example.com",
                            "x-envoy-upstream-rq-per-try-timeout-ms: 100\r\nx-envoy-retry-on: 5xx\r\n"
                            "x-envoy-max-retries: 2\r\n", &r), 504);
    assert_int_equal(atomic_load(&a->count) - before, 3);
    atomic_store(&a->delay_ms, 0);
    /* X-Forwarded-For from the client: more than one address once ours is
     * appended, so external however internal the peer */
    assert_int_equal(attempts(a, p.port, RETRY3 "x-forwarded-for: 10.1.2.3\r\nx-envoy-internal: true\r\n", &st), 1);
    assert_int_equal(st, 503);
    assert_null(strstr(a->last_head, "x-envoy-internal"));
    assert_non_null(strstr(a->last_head, "x-envoy-external-address: 127.0.0.1\r\n"));
    assert_non_null(strstr(a->last_head, "x-forwarded-for: 10.1.2.3, 127.0.0.1\r\n"));
    fx_run_stop(&p, y, a);
}

static void test_external_caller_of_gateway(void **state)
{
    fx_upstream *a = fx_upstream_start("shop", 200);
    char *y = fx_yaml_printf(GATEWAY_YAML, a->l.port);
    fx_proxy p;
    /* an internal range that leaves loopback out */
    const char *args[] = {"--gateway", "istio-system/web", "--internal-address", "10.0.0.0/8",
                          "--internal-address", "fd00::/8", NULL};
    assert_int_equal(fx_proxy_start(&p, y, args), 0);
    int st;
    assert_int_equal(attempts(a, p.port, RETRY3 "x-envoy-internal: true\r\nx-envoy-external-address: 10.0.0.1\r\n"
                                                "x-request-id: client-chosen\r\n", &st), 1);
    assert_int_equal(st, 503);
    assert_null(strstr(a->last_head, "x-envoy-internal"));
    assert_non_null(strstr(a->last_head, "x-envoy-external-address: 127.0.0.1\r\n"));
    assert_null(strstr(a->last_head, "10.0.0.1"));
    /* the edge replaces an external caller's request id with a fresh UUID */
    assert_null(strstr(a->last_head, "client-chosen"));
    assert_int_equal(count_request_ids(a->last_head), 1);
    assert_null(strstr(a->last_head, "x-envoy-retry-on"));
    /* so is x-envoy-retriable-header-names (the upstream always sends x-upstream) */
    int before = atomic_load(&a->count);
    fx_resp hr;
    assert_int_equal(fx_get(p.port, "shop.example.com", "x-envoy-retry-on: retriable-headers\r\n"
                                                        "x-envoy-retriable-header-names: x-upstream\r\n", &hr), 200);
    assert_int_equal(atomic_load(&a->count) - before, 1);
    assert_null(strstr(a->last_head, "x-envoy-retriable-header-names"));
    /* the per-try timeout header is ignored as well: the slow answer comes back */
    atomic_store(&a->delay_ms, 300);
    fx_resp r;
    before = atomic_load(&a->count);
    assert_int_equal(fx_get(p.port, "shop.example.com", "x-envoy-upstream-rq-per-try-timeout-ms: 50\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count) - before, 1);
    assert_null(strstr(a->last_head, "x-envoy-expected-rq-timeout-ms"));
    atomic_store(&a->delay_ms, 0);
    assert_int_equal(fx_proxy_stop(&p), 0);
    /* no --internal-address: nobody is internal */
    const char *none[] = {"--gateway", "istio-system/web", NULL};
    assert_int_equal(fx_proxy_start(&p, y, none), 0);
    assert_int_equal(attempts(a, p.port, RETRY3, &st), 1);
    assert_non_null(strstr(a->last_head, "x-envoy-external-address: 127.0.0.1\r\n"));
    fx_run_stop(&p, y, a);
}

static void test_sidecar_callers_are_internal(void **state)
{
    fx_upstream *a = fx_upstream_start("ok", 200);
    fx_proxy p;
    char *y = fx_run_start(&p, FX_ENDPOINTS1, a, NULL);
    atomic_store(&a->fail_first, 1);
    fx_resp r;
    assert_int_equal(fx_get(p.port, "reviews", RETRY3 "x-forwarded-for: 203.0.113.7\r\n", &r), 200);
    assert_int_equal(atomic_load(&a->count), 2);
    assert_non_null(strstr(a->last_head, "x-envoy-internal: true\r\n"));
    assert_null(strstr(a->last_head, "x-envoy-external-address"));
    fx_run_stop(&p, y, a);
}

static void test_bad_internal_address(void **state)
{
    fx_proxy p;
    const char *args[] = {"--gateway", "istio-system/web", "--internal-address", "10.0.0.0/33", NULL};
    char *err = fx_run_refused(&p, FX_ENDPOINTS_HEAD "        - {address: \"127.0.0.1:1\"}\n", args);
    assert_non_null(strstr(err, "meshproxy: error: bad value \"10.0.0.0/33\" for --internal-address"));
    free(err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_internal_caller_of_gateway),
        cmocka_unit_test(test_external_caller_of_gateway),
        cmocka_unit_test(test_sidecar_callers_are_internal),
        cmocka_unit_test(test_bad_internal_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
