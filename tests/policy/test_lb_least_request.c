/*
 * test_lb_least_request.c - LEAST_REQUEST (policy-semantics.md 4.3; trap 14):
 * P2C with replacement and strict "<" ties on scripted random draws, exact draw
 * counts, full scan, and EDF on weight/(active+1)^bias for unequal weights.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "policy/lb.h"

#include "lb_fixture.h"

static void set_active(pol_host_set *hs, const uint64_t *active, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        pol_host_set_active_add(hs, i, -(int64_t)pol_host_set_host(hs, i)->active_requests);
        pol_host_set_active_add(hs, i, (int64_t)active[i]);
    }
}

/* Every pair of draws (a, b): the host with strictly fewer active requests wins,
 * ties keep the first draw; the same host may be drawn twice. */
static void test_p2c_picks_less_loaded(void **state)
{
    static const uint64_t active[4] = {5, 1, 3, 1};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    set_active(hs, active, 4);
    for (uint64_t a = 0; a < 4; a++) {
        for (uint64_t b = 0; b < 4; b++) {
            /* draw 1: priority; draws 2-3: the two samples (+ 4k: mod n) */
            uint64_t v[3] = {7, a + 4 * 1000, b + 4 * 77};
            script sc = {v, 3, 0};
            ms_rng rng = script_rng(&sc);
            int32_t want = active[b] < active[a] ? (int32_t)b : (int32_t)a;
            assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), want);
            assert_int_equal(sc.i, 3); /* exactly 1 + choice_count draws */
        }
    }
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

static void test_p2c_tie_keeps_first_and_single_host_draws(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    uint64_t v[3] = {0, 2, 1};
    script sc = {v, 3, 0};
    ms_rng rng = script_rng(&sc);
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 2); /* all idle: first draw */
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);

    /* One host: still choice_count draws. */
    hs = pol_host_set_create();
    add_hosts(hs, 1, NULL, 0);
    lb = make_lb(&cfg, hs, 1);
    uint64_t v1[3] = {0, 5, 9};
    script s1 = {v1, 3, 0};
    rng = script_rng(&s1);
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 0);
    assert_int_equal(s1.i, 3);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* choice_count 3: the least loaded of three draws, ties to the earliest. */
static void test_choice_count_three(void **state)
{
    static const uint64_t active[5] = {4, 2, 2, 9, 0};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 5, NULL, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    cfg.choice_count = 3;
    pol_lb *lb = make_lb(&cfg, hs, 1);
    set_active(hs, active, 5);
    uint64_t v[4] = {0, 0, 2, 1};
    script sc = {v, 4, 0};
    ms_rng rng = script_rng(&sc);
    assert_int_equal(pol_lb_pick(lb, NULL, &rng, 0), 2);
    assert_int_equal(sc.i, 4);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* P2C under load: with the caller counting requests in and out, the spread of
 * in-flight requests stays tight. */
static void test_p2c_balances_in_flight(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 10, NULL, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 3);
    ms_splitmix g = {17};
    ms_rng rng = ms_splitmix_rng(&g);
    for (int i = 0; i < 200; i++) /* 200 long requests, none finishes */
        pol_host_set_active_add(hs, (uint32_t)pol_lb_pick(lb, NULL, &rng, 0), 1);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < 10; i++) {
        uint64_t a = pol_host_set_host(hs, i)->active_requests;
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
    }
    assert_true(hi - lo <= 6); /* random would be ~ +-3 sigma = +-13 */
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

static void test_full_scan(void **state)
{
    static const uint64_t active[4] = {3, 1, 4, 1};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    cfg.lr_method = POL_LB_LR_FULL_SCAN;
    pol_lb *lb = make_lb(&cfg, hs, 1);
    set_active(hs, active, 4);
    ms_splitmix g = {2};
    ms_rng rng = ms_splitmix_rng(&g);
    uint32_t count[4] = {0};
    for (int i = 0; i < 4000; i++)
        count[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(count[0] + count[2], 0);
    assert_in_range(count[1], 1800, 2200); /* tie broken uniformly */
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Unequal weights: EDF on weight/(active+1).  With no request in flight the
 * split is exactly by weight; a loaded heavy host loses its advantage. */
static void test_edf_unequal_weights(void **state)
{
    static const uint32_t w[2] = {1, 3};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 2, w, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 5);
    ms_splitmix g = {3};
    ms_rng rng = ms_splitmix_rng(&g);
    uint32_t count[2] = {0};
    for (int i = 0; i < 400; i++)
        count[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_in_range(count[0], 99, 101);
    assert_int_equal(count[0] + count[1], 400);

    /* Host 1 (weight 3) has 2 in flight: 3/3 = 1 = host 0's 1/1. */
    static const uint64_t active[2] = {0, 2};
    set_active(hs, active, 2);
    for (int i = 0; i < 4; i++) /* weights refresh as hosts are re-added */
        pol_lb_pick(lb, NULL, &rng, 0);
    uint32_t c2[2] = {0};
    for (int i = 0; i < 400; i++)
        c2[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_in_range(c2[0], 199, 201);

    /* bias 0: plain weighted round robin, load ignored (exact). */
    pol_lb_destroy(lb);
    cfg.active_request_bias = 0.0;
    lb = make_lb(&cfg, hs, 5);
    uint32_t c3[2] = {0};
    for (int i = 0; i < 400; i++)
        c3[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_int_equal(c3[0], 100);
    assert_int_equal(c3[1], 300);

    /* bias 2: 3/(2+1)^2 = 1/3 against 1: host 0 gets ~3/4. */
    pol_lb_destroy(lb);
    cfg.active_request_bias = 2.0;
    lb = make_lb(&cfg, hs, 5);
    uint32_t c4[2] = {0};
    for (int i = 0; i < 400; i++)
        c4[pol_lb_pick(lb, NULL, &rng, 0)]++;
    assert_in_range(c4[0], 298, 302);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Ejected hosts are never sampled. */
static void test_ejected_excluded(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 5);
    pol_host_set_set_ejected(hs, 2, true);
    changed(lb, hs, 0);
    ms_splitmix g = {3};
    ms_rng rng = ms_splitmix_rng(&g);
    for (int i = 0; i < 1000; i++)
        assert_int_not_equal(pol_lb_pick(lb, NULL, &rng, 0), 2);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Re-selection: the first pick samples the previous host twice, the re-pick
 * samples another. */
static void test_previous_hosts(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 5);
    uint64_t v[6] = {0, 1, 1, 0, 2, 1};
    script sc = {v, 6, 0};
    ms_rng rng = script_rng(&sc);
    uint32_t prev[1] = {1};
    pol_lb_context ctx = {0};
    ctx.previous_hosts = prev;
    ctx.previous_host_count = 1;
    ctx.host_selection_retry_max_attempts = 5;
    assert_int_equal(pol_lb_pick(lb, &ctx, &rng, 0), 2);
    assert_int_equal(sc.i, 6);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p2c_picks_less_loaded),
        cmocka_unit_test(test_p2c_tie_keeps_first_and_single_host_draws),
        cmocka_unit_test(test_choice_count_three),
        cmocka_unit_test(test_p2c_balances_in_flight),
        cmocka_unit_test(test_full_scan),
        cmocka_unit_test(test_edf_unequal_weights),
        cmocka_unit_test(test_ejected_excluded),
        cmocka_unit_test(test_previous_hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
