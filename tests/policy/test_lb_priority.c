/*
 * test_lb_priority.c - priority load, overprovisioning, panic threshold,
 * locality weighting and Istio locality failover (policy-semantics.md 4.6,
 * 4.7, 3.6; traps 12 and 13).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy/lb.h"

#include "lb_fixture.h"

static void rr_config(pol_lb_config *cfg)
{
    pol_lb_config_init_envoy(cfg);
    cfg->policy = POL_LB_POLICY_ROUND_ROBIN;
}

/* 50 % threshold: 1 healthy of 3 is panic (all hosts picked), 2 of 3 is not. */
static void test_panic_threshold(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    pol_host_set_set_health(hs, 0, POL_HOST_UNHEALTHY);
    pol_host_set_set_ejected(hs, 1, true);
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {3};
    ms_rng rng = ms_splitmix_rng(&g);
    assert_true(pol_lb_in_panic(lb, 0));
    assert_int_equal(pol_lb_healthy_load(lb, 0), 100);
    uint32_t count[3] = {0};
    for (int i = 0; i < 300; i++)
        count[pol_lb_pick(lb, NULL, &rng, 0)]++;
    /* unhealthy and ejected hosts included (3.6) */
    assert_int_equal(count[0], 100);
    assert_int_equal(count[1], 100);
    assert_int_equal(count[2], 100);

    pol_host_set_set_ejected(hs, 1, false);
    changed(lb, hs, 0);
    assert_false(pol_lb_in_panic(lb, 0));
    uint32_t c2[3] = {0};
    for (int i = 0; i < 300; i++)
        c2[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(c2[0], 0);
    assert_int_equal(c2[1], 150);
    pol_lb_destroy(lb);

    /* Istio with outlier detection: threshold 0, so 1 of 3 is no panic (trap 13). */
    pol_host_set_set_ejected(hs, 1, true);
    cfg.panic_threshold_percent = 0;
    lb = make_lb(&cfg, hs, 1);
    assert_false(pol_lb_in_panic(lb, 0));
    for (int i = 0; i < 100; i++)
        assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 2);
    /* and nothing healthy gives 503 UH */
    pol_host_set_set_ejected(hs, 2, true);
    changed(lb, hs, 0);
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), -1);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Overprovisioning 1.4: P0 with 50 % healthy gets floor(140*0.5) = 70 %, P1 the
 * other 30 %; the 10-host example gives 84/16; loads follow r mod 100 + 1. */
static void test_priority_spill(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    add_hosts(hs, 4, NULL, 1);
    pol_host_set_set_health(hs, 0, POL_HOST_UNHEALTHY);
    pol_host_set_set_ejected(hs, 1, true);
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    assert_int_equal(pol_lb_priority_count(lb), 2);
    assert_int_equal(pol_lb_healthy_load(lb, 0), 70);
    assert_int_equal(pol_lb_healthy_load(lb, 1), 30);
    assert_false(pol_lb_in_panic(lb, 0));
    ms_splitmix g = {5};
    ms_rng rng = ms_splitmix_rng(&g);
    uint32_t p0 = 0;
    for (int i = 0; i < 20000; i++) {
        int32_t h = pol_lb_pick(lb, NULL, &rng, 0);
        assert_true(h >= 2);
        p0 += h < 4;
    }
    assert_in_range(p0, 13700, 14300);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);

    hs = pol_host_set_create();
    add_hosts(hs, 10, NULL, 0);
    add_hosts(hs, 2, NULL, 1);
    for (uint32_t i = 0; i < 4; i++)
        pol_host_set_set_health(hs, i, POL_HOST_UNHEALTHY);
    lb = make_lb(&cfg, hs, 1);
    assert_int_equal(pol_lb_healthy_load(lb, 0), 84);
    assert_int_equal(pol_lb_healthy_load(lb, 1), 16);
    /* 72 % healthy: floor(140 * 0.72) = 100, no spill (threshold 71.4 %) */
    pol_host_set_destroy(hs);
    pol_lb_destroy(lb);
}

/* Degraded hosts take load after the healthy ones; rounding goes to the first
 * healthy level. */
static void test_degraded_load(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    add_hosts(hs, 3, NULL, 1);
    pol_host_set_set_health(hs, 0, POL_HOST_DEGRADED);
    pol_host_set_set_health(hs, 1, POL_HOST_DEGRADED);
    for (uint32_t i = 3; i < 6; i++)
        pol_host_set_set_health(hs, i, POL_HOST_DEGRADED);
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    /* P0: healthy floor(140/3) = 46, degraded floor(280/3) = 93; P1: degraded 100.
     * normalized = 100: healthy P0 46, degraded P0 min(54, 93) = 54, P1 0. */
    assert_int_equal(pol_lb_healthy_load(lb, 0), 46);
    assert_int_equal(pol_lb_degraded_load(lb, 0), 54);
    assert_int_equal(pol_lb_healthy_load(lb, 1) + pol_lb_degraded_load(lb, 1), 0);
    uint64_t r = 46; /* 47 > 46: degraded hosts of P0 */
    script sc = {&r, 1, 0};
    ms_rng rng = script_rng(&sc);
    int32_t h = pol_lb_pick(lb, NULL, &rng, 0);
    assert_true(h == 0 || h == 1);
    r = 45;
    sc.i = 0;
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 2);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Every level in panic: loads by host counts (3 and 1 hosts: 75/25). */
static void test_total_panic(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    add_hosts(hs, 1, NULL, 1);
    for (uint32_t i = 0; i < 4; i++)
        pol_host_set_set_health(hs, i, POL_HOST_UNHEALTHY);
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    assert_true(pol_lb_in_panic(lb, 0) && pol_lb_in_panic(lb, 1));
    assert_int_equal(pol_lb_healthy_load(lb, 0), 75);
    assert_int_equal(pol_lb_healthy_load(lb, 1), 25);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Locality-weighted: localities a (weight 1) and b (weight 3) -> 1:3 of picks;
 * half of b unhealthy -> effective weight 3 * min(1, 1.4 * 0.5) = 2.1. */
static void test_locality_weighted(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    const char *zones[2] = {"a", "b"};
    for (int z = 0; z < 2; z++) {
        for (int i = 0; i < 2; i++) {
            char addr[32];
            snprintf(addr, sizeof addr, "10.%d.0.%d:80", z, i);
            pol_host_spec s = {0};
            s.address = addr;
            s.locality = (pol_locality){"r", zones[z], ""};
            s.locality_weight = z ? 3 : 1;
            pol_host_set_add(hs, &s);
        }
    }
    pol_lb_config cfg;
    rr_config(&cfg);
    cfg.locality_weighted = true;
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {5};
    ms_rng rng = ms_splitmix_rng(&g);
    uint32_t count[4] = {0};
    for (int i = 0; i < 400; i++)
        count[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(count[0] + count[1], 100);
    assert_int_equal(count[0], 50);
    assert_int_equal(count[2] + count[3], 300);

    pol_host_set_set_health(hs, 3, POL_HOST_UNHEALTHY);
    changed(lb, hs, 0);
    uint32_t c2[4] = {0};
    for (int i = 0; i < 3100; i++)
        c2[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_in_range(c2[0] + c2[1], 999, 1001);
    assert_in_range(c2[2], 2099, 2101);
    assert_int_equal(c2[3], 0);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Istio failover ranks and compaction (4.7). */
static void test_istio_failover(void **state)
{
    pol_locality me = {"us-east", "z1", "s1"};
    static const pol_lb_failover_rule rules[] = {{"us-east", "eu-west"}};
    assert_int_equal(pol_lb_istio_locality_rank(me, (pol_locality){"us-east", "z1", "s1"}, rules, 1), 0);
    assert_int_equal(pol_lb_istio_locality_rank(me, (pol_locality){"us-east", "z1", "s2"}, rules, 1), 1);
    assert_int_equal(pol_lb_istio_locality_rank(me, (pol_locality){"us-east", "z2", "s1"}, rules, 1), 2);
    assert_int_equal(pol_lb_istio_locality_rank(me, (pol_locality){"eu-west", "z1", "s1"}, rules, 1), 3);
    assert_int_equal(pol_lb_istio_locality_rank(me, (pol_locality){"ap-south", "z1", "s1"}, rules, 1), 4);
    assert_int_equal(pol_lb_istio_locality_rank(me, (pol_locality){"ap-south", "z1", "s1"}, NULL, 0), 3);

    pol_host_set *hs = pol_host_set_create();
    static const pol_locality where[] = {
        {"us-east", "z1", "s1"}, {"us-east", "z2", ""}, {"ap-south", "a", ""}, {"eu-west", "b", ""}};
    for (int i = 0; i < 4; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "10.9.0.%d:80", i);
        pol_host_spec s = {0};
        s.address = addr;
        s.locality = where[i];
        pol_host_set_add(hs, &s);
    }
    /* ranks 0, 2, 4, 3 -> compacted 0, 1, 3, 2 */
    pol_lb_istio_apply_failover(hs, me, true, rules, 1);
    assert_int_equal(pol_host_set_host(hs, 0)->priority, 0);
    assert_int_equal(pol_host_set_host(hs, 1)->priority, 1);
    assert_int_equal(pol_host_set_host(hs, 2)->priority, 3);
    assert_int_equal(pol_host_set_host(hs, 3)->priority, 2);
    pol_host_set_rebuild(hs);
    assert_int_equal(pol_host_set_priority_count(hs), 4);
    /* P0 fully healthy takes everything; ejecting it fails over to P1 */
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    cfg.panic_threshold_percent = 0;
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    for (int i = 0; i < 50; i++)
        assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 0);
    pol_host_set_set_ejected(hs, 0, true);
    changed(lb, hs, 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 1);
    pol_lb_destroy(lb);
    /* without outlier detection: everything in P0 */
    pol_lb_istio_apply_failover(hs, me, false, rules, 1);
    pol_host_set_rebuild(hs);
    assert_int_equal(pol_host_set_priority_count(hs), 1);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panic_threshold),
        cmocka_unit_test(test_priority_spill),
        cmocka_unit_test(test_degraded_load),
        cmocka_unit_test(test_total_panic),
        cmocka_unit_test(test_locality_weighted),
        cmocka_unit_test(test_istio_failover),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
