/*
 * test_backoff.c - Envoy's fully jittered exponential backoff
 * (policy-semantics.md 1.6, trap 11.1): windows, the jump to max, the reference
 * test vector, and the bounds derived from a retry policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/rng.h"
#include "policy/retry.h"

#include "scripted_rng.h"

/* Reference test vector: base 5, max 100, random 9999. */
static void test_reference_vector(void **state)
{
    (void)state;
    static const uint64_t v[] = {9999};
    script sc = {v, 1, 0};
    ms_rng rng = script_loop_rng(&sc);
    pol_backoff b;
    pol_backoff_init(&b, 5, 100);
    static const uint64_t delays[] = {4, 9, 19, 39, 79, 99, 99, 99};
    static const uint64_t windows[] = {5, 10, 20, 40, 80, 100, 100, 100};
    for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
        assert_int_equal(pol_backoff_window_ms(&b), windows[i]);
        assert_int_equal(pol_backoff_next_ms(&b, &rng), delays[i]);
    }
    assert_int_equal(sc.i, 8); /* one draw per delay */
}

/* Defaults 25/250 ms: windows of the first six retries, and their extremes. */
static void test_default_windows_first_six(void **state)
{
    (void)state;
    static const uint64_t windows[] = {25, 50, 100, 200, 250, 250};
    for (int extreme = 0; extreme < 2; extreme++) {
        static const uint64_t zero[] = {0}, big[] = {UINT64_MAX};
        script sc = {extreme ? big : zero, 1, 0};
        ms_rng rng = script_loop_rng(&sc);
        pol_backoff b;
        pol_backoff_init(&b, 25, 250);
        for (size_t i = 0; i < 6; i++) {
            assert_int_equal(pol_backoff_window_ms(&b), windows[i]);
            uint64_t d = pol_backoff_next_ms(&b, &rng);
            /* the delay is exactly u64 mod window (2^64-1 mod 25 = 15) */
            if (extreme)
                assert_int_equal(d, UINT64_MAX % windows[i]);
            else
                assert_int_equal(d, 0);
            assert_true(d < windows[i]);
        }
    }
}

/* w-1 from the window gives the largest delay: 24, 49, 99, 199, 249, 249. */
static void test_default_max_delays(void **state)
{
    (void)state;
    static const uint64_t v[] = {24, 49, 99, 199, 249, 249};
    script sc = {v, 6, 0};
    ms_rng rng = script_loop_rng(&sc);
    pol_backoff b;
    pol_backoff_init(&b, 25, 250);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(pol_backoff_next_ms(&b, &rng), v[i]);
}

/* Doubling stops once cur >= max/2: then cur jumps straight to max. */
static void test_jump_to_max(void **state)
{
    (void)state;
    static const struct {
        uint64_t base, max;
        uint64_t windows[5];
    } rows[] = {
        {30, 100, {30, 60, 100, 100, 100}},  /* 60 >= 50: jump, not 120 capped */
        {10, 35, {10, 20, 35, 35, 35}},      /* limit 17 */
        {25, 250, {25, 50, 100, 200, 250}},  /* 200 >= 125 */
        {1, 1, {1, 1, 1, 1, 1}},
        {40, 100, {40, 80, 100, 100, 100}},  /* 40 < 50: doubles to 80, then max */
        {50, 100, {50, 100, 100, 100, 100}}, /* 50 == limit: jump */
    };
    static const uint64_t v[] = {0};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        script sc = {v, 1, 0};
        ms_rng rng = script_loop_rng(&sc);
        pol_backoff b;
        pol_backoff_init(&b, rows[r].base, rows[r].max);
        for (size_t i = 0; i < 5; i++) {
            assert_int_equal(pol_backoff_window_ms(&b), rows[r].windows[i]);
            pol_backoff_next_ms(&b, &rng);
        }
        pol_backoff_reset(&b);
        assert_int_equal(pol_backoff_window_ms(&b), rows[r].base);
    }
}

/* Mean waits of the first retries with a real generator: ~12, 25, 50, 100, 125. */
static void test_mean_waits(void **state)
{
    (void)state;
    ms_splitmix g = {42};
    ms_rng rng = ms_splitmix_rng(&g);
    double sum[5] = {0};
    const int n = 20000;
    for (int k = 0; k < n; k++) {
        pol_backoff b;
        pol_backoff_init(&b, 25, 250);
        for (int i = 0; i < 5; i++)
            sum[i] += (double)pol_backoff_next_ms(&b, &rng);
    }
    static const double expect[] = {12.0, 24.5, 49.5, 99.5, 124.5};
    for (int i = 0; i < 5; i++)
        assert_true(sum[i] / n > expect[i] * 0.97 && sum[i] / n < expect[i] * 1.03);
}

static void test_policy_bounds(void **state)
{
    (void)state;
    pol_retry_policy p;
    pol_retry_policy_envoy_default(&p);
    assert_int_equal(pol_retry_policy_base_ms(&p), 25);
    assert_int_equal(pol_retry_policy_max_ms(&p), 250);
    p.base_interval_ns = 100 * INT64_C(1000000);
    assert_int_equal(pol_retry_policy_max_ms(&p), 1000); /* 10 x base */
    p.base_interval_ns = 400000;                         /* 0.4 ms: rounds up to 1 */
    assert_int_equal(pol_retry_policy_base_ms(&p), 1);
    assert_int_equal(pol_retry_policy_max_ms(&p), 10);
    p.base_interval_ns = 100 * INT64_C(1000000);
    p.max_interval_ns = 50 * INT64_C(1000000); /* max < base: rejected */
    assert_int_equal(pol_retry_policy_check(&p), -1);
    p.max_interval_ns = 100 * INT64_C(1000000);
    assert_int_equal(pol_retry_policy_check(&p), 0);
}

/* Through the retry state: Istio's default policy, random 9999: 24 ms then 49 ms. */
static void test_retry_state_backoff(void **state)
{
    (void)state;
    static const uint64_t v[] = {9999};
    script sc = {v, 1, 0};
    ms_rng rng = script_loop_rng(&sc);
    pol_retry_policy p;
    pol_retry_policy_istio_default(&p, false);
    pol_retry_state st;
    pol_retry_state_init(&st, &p);
    pol_retry_decision d;
    pol_retry_attempt_started(&st, 0, 0);
    pol_retry_on_reset(&st, POL_RESET_REMOTE_CONNECTION_FAILURE, false, NULL, NULL, &rng, &d);
    assert_true(d.retry);
    assert_int_equal(d.backoff_ns, 24 * INT64_C(1000000));
    pol_retry_attempt_started(&st, 1, 0);
    pol_retry_on_reset(&st, POL_RESET_REMOTE_CONNECTION_FAILURE, false, NULL, NULL, &rng, &d);
    assert_true(d.retry);
    assert_int_equal(d.backoff_ns, 49 * INT64_C(1000000));
    assert_int_equal(sc.i, 2);
    pol_retry_state_fini(&st, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_vector),
        cmocka_unit_test(test_default_windows_first_six),
        cmocka_unit_test(test_default_max_delays),
        cmocka_unit_test(test_jump_to_max),
        cmocka_unit_test(test_mean_waits),
        cmocka_unit_test(test_policy_bounds),
        cmocka_unit_test(test_retry_state_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
