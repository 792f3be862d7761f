/*
 * test_lb_round_robin.c - ROUND_ROBIN (policy-semantics.md 4.2, 1.7, 3.6;
 * trap 15): exact weighted spread over a cycle, plain rotation with a
 * per-instance random start, ejected hosts left out, re-selection on retry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "policy/lb.h"

#include "lb_fixture.h"

static void rr_config(pol_lb_config *cfg)
{
    pol_lb_config_init_envoy(cfg);
    cfg->policy = POL_LB_POLICY_ROUND_ROBIN;
}

/* Weights 1,2,3: any 600 consecutive picks give exactly 100/200/300, whatever
 * the instance's random start. */
static void test_weighted_exact_over_cycle(void **state)
{
    static const uint32_t w[] = {1, 2, 3};
    for (uint64_t seed = 1; seed <= 64; seed++) {
        pol_host_set *hs = pol_host_set_create();
        add_hosts(hs, 3, w, 0);
        pol_lb_config cfg;
        rr_config(&cfg);
        pol_lb *lb = make_lb(&cfg, hs, seed);
        ms_splitmix g = {seed * 7};
        ms_rng rng = ms_splitmix_rng(&g);
        for (int round = 0; round < 3; round++) {
            uint32_t count[3] = {0};
            for (int i = 0; i < 600; i++) {
                int32_t h = pol_lb_pick(lb, NULL, &rng, 0);
                assert_true(h >= 0 && h < 3);
                count[h]++;
            }
            assert_int_equal(count[0], 100);
            assert_int_equal(count[1], 200);
            assert_int_equal(count[2], 300);
        }
        pol_lb_destroy(lb);
        pol_host_set_destroy(hs);
    }
}

/* Weights 1 and 4: the heavy host never waits more than one pick, the light one
 * comes exactly once in every 5 picks. */
static void test_weighted_interleaving(void **state)
{
    static const uint32_t w[] = {1, 4};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 2, w, 0);
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 99);
    ms_splitmix g = {5};
    ms_rng rng = ms_splitmix_rng(&g);
    int last_light = -1;
    for (int i = 0; i < 500; i++) {
        if (pol_lb_pick(lb, NULL, &rng, 0) == 0) {
            if (last_light >= 0)
                assert_int_equal(i - last_light, 5);
            last_light = i;
        }
    }
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Equal weights: hosts[seed mod n], then strictly in order (trap 15). */
static void test_equal_weights_rotation_random_start(void **state)
{
    uint32_t starts_seen = 0;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        pol_host_set *hs = pol_host_set_create();
        add_hosts(hs, 5, NULL, 0);
        pol_lb_config cfg;
        rr_config(&cfg);
        pol_lb *lb = make_lb(&cfg, hs, seed);
        ms_splitmix s = {seed};
        uint64_t instance_seed = ms_splitmix_next(&s);
        ms_splitmix g = {1000 + seed};
        ms_rng rng = ms_splitmix_rng(&g);
        int32_t first = pol_lb_pick(lb, NULL, &rng, 0);
        assert_int_equal(first, (int32_t)(instance_seed % 5));
        starts_seen |= 1u << first;
        int32_t prev = first;
        for (int i = 0; i < 23; i++) {
            int32_t h = pol_lb_pick(lb, NULL, &rng, 0);
            assert_int_equal(h, (prev + 1) % 5);
            prev = h;
        }
        pol_lb_destroy(lb);
        pol_host_set_destroy(hs);
    }
    /* Different instances start at different offsets. */
    assert_true(__builtin_popcount(starts_seen) >= 3);
}

/* Ejected (3.6) and unhealthy hosts are not picked; rotation continues over
 * the rest; un-ejecting brings the host back. */
static void test_ejected_and_unhealthy_excluded(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 3);
    ms_splitmix g = {8};
    ms_rng rng = ms_splitmix_rng(&g);
    pol_host_set_set_ejected(hs, 1, true);
    changed(lb, hs, 0);
    uint32_t count[4] = {0};
    for (int i = 0; i < 300; i++)
        count[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(count[1], 0);
    assert_int_equal(count[0], 100);
    assert_int_equal(count[2], 100);
    assert_int_equal(count[3], 100);

    pol_host_set_set_health(hs, 2, POL_HOST_UNHEALTHY);
    changed(lb, hs, 0); /* 2 of 4 healthy: 50 % is not below the 50 % threshold */
    assert_false(pol_lb_in_panic(lb, 0));
    uint32_t c2[4] = {0};
    for (int i = 0; i < 200; i++)
        c2[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(c2[0], 100);
    assert_int_equal(c2[3], 100);

    pol_host_set_set_ejected(hs, 1, false);
    changed(lb, hs, 0);
    uint32_t c3[4] = {0};
    for (int i = 0; i < 300; i++)
        c3[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(c3[1], 100);
    assert_int_equal(c3[2], 0);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* 1.7: a pick that lands on a previous host is repeated, up to the limit; the
 * last pick is returned anyway. */
static void test_previous_hosts_reselection(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    pol_lb_config cfg;
    rr_config(&cfg);
    ms_splitmix s = {42};
    uint64_t instance_seed = ms_splitmix_next(&s);
    uint32_t next = (uint32_t)(instance_seed % 3);
    pol_lb *lb = make_lb(&cfg, hs, 42);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);

    uint32_t prev[2] = {next, 0};
    pol_lb_context ctx = {0};
    ctx.previous_hosts = prev;
    ctx.previous_host_count = 1;
    ctx.host_selection_retry_max_attempts = 1;
    /* The rotation would give `next`; it is rejected, so the one after it. */
    assert_int_equal(pol_lb_pick(lb, &ctx, &rng, 0), (int32_t)((next + 1) % 3));
    next = (next + 2) % 3;

    /* No re-pick allowed: the previous host is returned. */
    prev[0] = next;
    ctx.host_selection_retry_max_attempts = 0;
    assert_int_equal(pol_lb_pick(lb, &ctx, &rng, 0), (int32_t)next);
    next = (next + 1) % 3;

    /* Two previous hosts, two re-picks: lands on the third. */
    prev[0] = next;
    prev[1] = (next + 1) % 3;
    ctx.previous_host_count = 2;
    ctx.host_selection_retry_max_attempts = 5;
    assert_int_equal(pol_lb_pick(lb, &ctx, &rng, 0), (int32_t)((next + 2) % 3));
    next = next % 3; /* three picks made: back to the same offset */

    /* Every host rejected: after 1 + 2 picks the last one is returned. */
    uint32_t all[3] = {0, 1, 2};
    ctx.previous_hosts = all;
    ctx.previous_host_count = 3;
    ctx.host_selection_retry_max_attempts = 2;
    assert_int_equal(pol_lb_pick(lb, &ctx, &rng, 0), (int32_t)((next + 2) % 3));
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* No host at all, or nothing healthy without panic: -1 (503 UH). */
static void test_no_host(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), -1);
    add_hosts(hs, 2, NULL, 0);
    pol_host_set_set_health(hs, 0, POL_HOST_UNHEALTHY);
    pol_host_set_set_health(hs, 1, POL_HOST_UNHEALTHY);
    changed(lb, hs, 0);
    pol_lb_destroy(lb);
    cfg.panic_threshold_percent = 0;
    lb = make_lb(&cfg, hs, 1);
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), -1);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Weight change through a host update: the new ratio applies at once. */
static void test_weight_update(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 2, NULL, 0);
    pol_lb_config cfg;
    rr_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 11);
    ms_splitmix g = {2};
    ms_rng rng = ms_splitmix_rng(&g);
    pol_host_set_set_weight(hs, 1, 9);
    changed(lb, hs, 0);
    uint32_t count[2] = {0};
    for (int i = 0; i < 1000; i++)
        count[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(count[0], 100);
    assert_int_equal(count[1], 900);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weighted_exact_over_cycle),
        cmocka_unit_test(test_weighted_interleaving),
        cmocka_unit_test(test_equal_weights_rotation_random_start),
        cmocka_unit_test(test_ejected_and_unhealthy_excluded),
        cmocka_unit_test(test_previous_hosts_reselection),
        cmocka_unit_test(test_no_host),
        cmocka_unit_test(test_weight_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
