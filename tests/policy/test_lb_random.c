/*
 * test_lb_random.c - RANDOM (policy-semantics.md 4.4; trap 14): weights
 * ignored, one draw per pick shared by priority and host, uniformity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "policy/lb.h"

#include "lb_fixture.h"

static void random_config(pol_lb_config *cfg)
{
    pol_lb_config_init_envoy(cfg);
    cfg->policy = POL_LB_POLICY_RANDOM;
}

/* hosts[r mod n] from the single draw r. */
static void test_scripted_draw(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 7, NULL, 0);
    pol_lb_config cfg;
    random_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    for (uint64_t r = 1000; r < 1100; r++) {
        script sc = {&r, 1, 0};
        ms_rng rng = script_rng(&sc);
        assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), (int32_t)(r % 7));
        assert_int_equal(sc.i, 1);
    }
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Weights 1..4 are ignored: every host gets 1/4 (+-5 % over 40000 picks, about
 * 6 standard deviations). */
static void test_uniform_ignores_weights(void **state)
{
    static const uint32_t w[4] = {1, 2, 3, 4};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, w, 0);
    pol_lb_config cfg;
    random_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {77};
    ms_rng rng = ms_splitmix_rng(&g);
    uint32_t count[4] = {0};
    for (int i = 0; i < 40000; i++)
        count[pol_lb_pick(lb, NULL, &rng, 0)]++;
    for (int i = 0; i < 4; i++)
        assert_in_range(count[i], 9500, 10500);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* The same r chose the priority: with P0 at 70 % (2 of 4 healthy) values
 * r mod 100 < 70 land in P0, the rest in P1, and the host is r mod n there. */
static void test_same_draw_for_priority_and_host(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    add_hosts(hs, 3, NULL, 1);
    pol_host_set_set_health(hs, 0, POL_HOST_UNHEALTHY);
    pol_host_set_set_health(hs, 1, POL_HOST_UNHEALTHY);
    pol_lb_config cfg;
    random_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    assert_int_equal(pol_lb_healthy_load(lb, 0), 70);
    uint64_t r = 169; /* 169 mod 100 + 1 = 70 <= 70: P0, healthy {2, 3}, 169 mod 2 = 1 */
    script sc = {&r, 1, 0};
    ms_rng rng = script_rng(&sc);
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 3);
    r = 170; /* 71: P1 (hosts 4..6), 170 mod 3 = 2 */
    sc.i = 0;
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 6);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

static void test_ejected_excluded(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    pol_host_set_set_ejected(hs, 0, true);
    pol_lb_config cfg;
    random_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {7};
    ms_rng rng = ms_splitmix_rng(&g);
    for (int i = 0; i < 500; i++)
        assert_int_not_equal(pol_lb_pick(lb, NULL, &rng, 0), 0);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripted_draw),
        cmocka_unit_test(test_uniform_ignores_weights),
        cmocka_unit_test(test_same_draw_for_priority_and_host),
        cmocka_unit_test(test_ejected_excluded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
