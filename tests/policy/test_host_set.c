/*
 * test_host_set.c - host set grouping by priority, availability and locality
 * (policy-semantics.md 4.1, 4.7; ejection 3.6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy/host_set.h"

static uint32_t add(pol_host_set *hs, const char *addr, uint32_t prio, const char *zone,
                    uint32_t weight, pol_host_health health)
{
    pol_host_spec s = {0};
    s.address = addr;
    s.priority = prio;
    s.locality = (pol_locality){"r", zone, NULL};
    s.weight = weight;
    s.health = health;
    return pol_host_set_add(hs, &s);
}

static void test_groups(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    assert_int_equal(add(hs, "1.0.0.1:80", 0, "b", 2, POL_HOST_HEALTHY), 0);
    add(hs, "1.0.0.2:80", 0, "a", 0, POL_HOST_HEALTHY);
    add(hs, "1.0.0.3:80", 0, "b", 1, POL_HOST_DEGRADED);
    add(hs, "1.0.0.4:80", 2, "a", 1, POL_HOST_UNHEALTHY);
    add(hs, "1.0.0.5:80", 0, "a", 1, POL_HOST_HEALTHY);
    assert_true(pol_host_set_dirty(hs));
    pol_host_set_rebuild(hs);
    assert_false(pol_host_set_dirty(hs));
    assert_int_equal(pol_host_set_host(hs, 1)->weight, 1); /* 0 means 1 */
    assert_int_equal(pol_host_set_priority_count(hs), 3);   /* P1 exists, empty */
    uint32_t n;
    const uint32_t *g = pol_host_set_group(hs, 0, POL_HOSTS_ALL, -1, &n);
    assert_int_equal(n, 4);
    /* sorted by locality slot (ids in order of first appearance: b=0, a=1) */
    assert_int_equal(pol_host_set_locality_count(hs, 0), 2);
    assert_string_equal(pol_host_set_locality(hs, pol_host_set_locality_id(hs, 0, 0)).zone, "b");
    assert_int_equal(g[0], 0);
    assert_int_equal(g[1], 2);
    assert_int_equal(g[2], 1);
    assert_int_equal(g[3], 4);
    g = pol_host_set_group(hs, 0, POL_HOSTS_HEALTHY, -1, &n);
    assert_int_equal(n, 3);
    g = pol_host_set_group(hs, 0, POL_HOSTS_HEALTHY, 0, &n);
    assert_int_equal(n, 1);
    assert_int_equal(g[0], 0);
    g = pol_host_set_group(hs, 0, POL_HOSTS_HEALTHY, 1, &n);
    assert_int_equal(n, 2);
    assert_int_equal(g[0], 1);
    assert_int_equal(g[1], 4);
    g = pol_host_set_group(hs, 0, POL_HOSTS_DEGRADED, -1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(g[0], 2);
    pol_host_set_group(hs, 1, POL_HOSTS_ALL, -1, &n);
    assert_int_equal(n, 0);
    pol_host_set_group(hs, 2, POL_HOSTS_HEALTHY, -1, &n);
    assert_int_equal(n, 0);
    /* locality weight defaults to the sum of host weights: b = 2 + 1 */
    assert_int_equal(pol_host_set_locality_weight(hs, 0, 0), 3);
    assert_int_equal(pol_host_set_locality_weight(hs, 0, 1), 2);
    pol_host_set_destroy(hs);
}

static void test_ejection_and_updates(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add(hs, "1.0.0.1:80", 0, "a", 1, POL_HOST_HEALTHY);
    add(hs, "1.0.0.2:80", 0, "a", 1, POL_HOST_DEGRADED);
    add(hs, "1.0.0.3:80", 0, "a", 1, POL_HOST_HEALTHY);
    pol_host_set_rebuild(hs);
    uint64_t gen = pol_host_set_generation(hs);
    pol_host_set_set_ejected(hs, 0, true);
    pol_host_set_set_ejected(hs, 1, true);
    pol_host_set_rebuild(hs);
    assert_true(pol_host_set_generation(hs) > gen);
    uint32_t n;
    const uint32_t *g = pol_host_set_group(hs, 0, POL_HOSTS_HEALTHY, -1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(g[0], 2);
    pol_host_set_group(hs, 0, POL_HOSTS_DEGRADED, -1, &n);
    assert_int_equal(n, 0);
    pol_host_set_group(hs, 0, POL_HOSTS_ALL, -1, &n);
    assert_int_equal(n, 3);

    /* active counter: not a membership change, never negative */
    pol_host_set_active_add(hs, 2, 3);
    pol_host_set_active_add(hs, 2, -5);
    assert_false(pol_host_set_dirty(hs));
    assert_int_equal(pol_host_set_host(hs, 2)->active_requests, 0);

    /* remove shifts later indices; find by address */
    assert_int_equal(pol_host_set_find(hs, "1.0.0.3:80"), 2);
    pol_host_set_remove(hs, 0);
    assert_int_equal(pol_host_set_find(hs, "1.0.0.3:80"), 1);
    assert_int_equal(pol_host_set_find(hs, "1.0.0.1:80"), -1);
    assert_int_equal(pol_host_set_count(hs), 2);
    pol_host_set_rebuild(hs);
    pol_host_set_group(hs, 0, POL_HOSTS_ALL, -1, &n);
    assert_int_equal(n, 2);
    pol_host_set_destroy(hs);
}

static void test_explicit_locality_weight(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    pol_host_spec s = {0};
    s.address = "1.1.1.1:80";
    s.locality = (pol_locality){"r", "z", "s"};
    s.locality_weight = 7;
    pol_host_set_add(hs, &s);
    s.address = "1.1.1.2:80";
    pol_host_set_add(hs, &s);
    pol_host_set_rebuild(hs);
    assert_int_equal(pol_host_set_locality_count(hs, 0), 1);
    assert_int_equal(pol_host_set_locality_weight(hs, 0, 0), 7);
    assert_int_equal(pol_host_set_locality_table_size(hs), 1);
    pol_host_set_destroy(hs);
    pol_host_set_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_ejection_and_updates),
        cmocka_unit_test(test_explicit_locality_weight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
