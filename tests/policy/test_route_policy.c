/*
 * test_route_policy.c - every VirtualService HTTP route's policy mapped once
 * (policy/route_policy.h): each route gets its own retries, timeouts and
 * fault; a route of another VirtualService (a delegate's) is found by search;
 * no route, or a route of none of them, gets Istio's defaults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/istio_map.h"
#include "policy/route_policy.h"

#define MS INT64_C(1000000)

/* Two VirtualServices: vs[0] with routes {3 attempts, 2 s timeout} and {no
 * retries block, 50 % abort 503}; vs[1] with one route {attempts 0}. */
typedef struct fixture {
    pol_http_route r0[2], r1[1], stray[1];
    pol_virtual_service vs[2];
    pol_route_policies p;
} fixture;

static int setup(void **state)
{
    fixture *f = test_calloc(1, sizeof *f);
    f->r0[0].retries = (pol_http_retry){.set = true, .attempts = {3, true}};
    f->r0[0].timeout = (pol_opt_duration){2000 * MS, true};
    f->r0[1].fault.set = true;
    f->r0[1].fault.abort.set = true;
    f->r0[1].fault.abort.http_status = (pol_opt_int){503, true};
    f->r0[1].fault.abort.percentage = (pol_opt_double){50, true};
    f->r1[0].retries = (pol_http_retry){.set = true, .attempts = {0, true}};
    f->vs[0].http = f->r0;
    f->vs[0].nhttp = 2;
    f->vs[1].http = f->r1;
    f->vs[1].nhttp = 1;
    pol_route_policies_init(&f->p, f->vs, 2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pol_route_policies_fini(&f->p);
    test_free(f);
    return 0;
}

static void test_each_route_mapped(void **state)
{
    fixture *f = *state;
    const pol_route_policies *p = &f->p;
    const pol_route_policy *a = pol_route_policies_find(p, &f->vs[0], &f->r0[0]);
    assert_int_equal(a->retry.num_retries, 3);
    assert_int_equal(a->timeouts.global_ns, 2000 * MS);
    assert_false(a->fault.has_delay || a->fault.has_abort);
    const pol_route_policy *b = pol_route_policies_find(p, &f->vs[0], &f->r0[1]);
    assert_int_equal(b->retry.num_retries, 2); /* Istio's default policy */
    assert_int_equal(b->timeouts.global_ns, 0);
    assert_true(b->fault.has_abort);
    assert_int_equal(b->fault.http_status, 503);
    assert_int_equal(b->fault.abort_percent.numerator, 500000);
    const pol_route_policy *c = pol_route_policies_find(p, &f->vs[1], &f->r1[0]);
    assert_int_equal(c->retry.retry_on, 0); /* attempts 0: no retries */
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(b, c);
    /* the same as mapping the route directly */
    pol_retry_policy want;
    pol_istio_map_retry(&f->r0[0].retries, false, &want);
    assert_memory_equal(&a->retry, &want, sizeof want);
}

static void test_delegated_route_found(void **state)
{
    fixture *f = *state;
    const pol_route_policies *p = &f->p;
    /* the decision names the root VirtualService, the route is the delegate's */
    const pol_route_policy *d = pol_route_policies_find(p, &f->vs[0], &f->r1[0]);
    assert_ptr_equal(d, pol_route_policies_find(p, &f->vs[1], &f->r1[0]));
    assert_ptr_equal(d, pol_route_policies_find(p, NULL, &f->r1[0]));
    assert_int_equal(d->retry.retry_on, 0);
}

static void test_fallback(void **state)
{
    fixture *f = *state;
    const pol_route_policies *p = &f->p;
    const pol_route_policy *none = pol_route_policies_find(p, &f->vs[0], NULL);
    assert_ptr_equal(none, &p->fallback);
    assert_ptr_equal(pol_route_policies_find(p, NULL, &f->stray[0]), &p->fallback);
    assert_int_equal(none->retry.num_retries, 2);
    assert_int_equal(none->timeouts.global_ns, 0);
    assert_false(none->fault.has_delay || none->fault.has_abort);
    /* no VirtualService at all */
    pol_route_policies empty;
    pol_route_policies_init(&empty, NULL, 0);
    assert_ptr_equal(pol_route_policies_find(&empty, NULL, &f->r0[0]), &empty.fallback);
    pol_route_policies_fini(&empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_route_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delegated_route_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
