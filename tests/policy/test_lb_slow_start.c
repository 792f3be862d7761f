/*
 * test_lb_slow_start.c - slow start / Istio warmup (policy-semantics.md 4.9):
 * factor at time points, aggression, minimum weight, and its effect on ROUND_ROBIN
 * and LEAST_REQUEST picks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "policy/lb.h"

#include "lb_fixture.h"

#define S 1000000000LL

static void test_factor_time_points(void **state)
{
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    cfg.slow_start = true;
    cfg.slow_start_window_ns = 10 * S;
    pol_host h = {0};
    h.created_at_ns = 100 * S;
    h.weight = 1;
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 100 * S), 0.1, 1e-12); /* floor 10 % */
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 100 * S + S / 2), 0.1, 1e-12);
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 102 * S), 0.2, 1e-12);
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 105 * S), 0.5, 1e-12);
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 109 * S + S / 2), 0.95, 1e-12);
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 110 * S), 1.0, 0);
    /* aggression 2: sqrt(time factor) */
    cfg.slow_start_aggression = 2.0;
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 102 * S + S / 2), 0.5, 1e-12);
    /* minimum 0: 1 ms floor on t */
    cfg.slow_start_aggression = 1.0;
    cfg.slow_start_min_weight_percent = 0;
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 100 * S), 0.0001, 1e-12);
    /* unhealthy hosts and disabled slow start: 1 */
    h.health = POL_HOST_UNHEALTHY;
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 101 * S), 1.0, 0);
    h.health = POL_HOST_HEALTHY;
    cfg.slow_start = false;
    assert_float_equal(pol_lb_slow_start_factor(&cfg, &h, 101 * S), 1.0, 0);
}

/* Round robin, equal weights: a new host at half its window gets weight 0.5,
 * so 1/3 of picks against one old host (EDF while in slow start), and plain
 * alternation once the window is over. */
static void test_round_robin_ramp(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 2, NULL, 0);
    pol_host_set_set_created_at(hs, 1, 60 * S);
    pol_lb_config cfg;
    pol_lb_config_init_envoy(&cfg);
    cfg.slow_start = true;
    cfg.slow_start_window_ns = 10 * S;
    pol_lb *lb = make_lb(&cfg, hs, 3);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    uint32_t count[2] = {0};
    for (int i = 0; i < 300; i++)
        count[pol_lb_pick(lb, NULL, &rng, 65 * S)]++;
    assert_in_range(count[1], 99, 101);
    int32_t prev = pol_lb_pick(lb, NULL, &rng, 71 * S);
    for (int i = 0; i < 10; i++) {
        int32_t h = pol_lb_pick(lb, NULL, &rng, 71 * S);
        assert_int_equal(h, 1 - prev);
        prev = h;
    }
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Least request, equal weights: slow start switches P2C to EDF; at 20 % of the
 * window the new host gets 0.2/1.2 of picks. */
static void test_least_request_ramp(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 2, NULL, 0);
    pol_host_set_set_created_at(hs, 0, 10 * S);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    cfg.slow_start = true;
    cfg.slow_start_window_ns = 10 * S;
    pol_lb *lb = make_lb(&cfg, hs, 3);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    uint32_t count[2] = {0};
    for (int i = 0; i < 1200; i++)
        count[pol_lb_pick(lb, NULL, &rng, 12 * S)]++;
    assert_in_range(count[0], 199, 201);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factor_time_points),
        cmocka_unit_test(test_round_robin_ramp),
        cmocka_unit_test(test_least_request_ramp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
