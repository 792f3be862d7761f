/*
 * test_ratelimit.c - local rate limit token bucket (policy-semantics.md 8.1,
 * trap 11.29): exact refill arithmetic, enabled / enforced percentages with
 * their 0 % defaults, 429 + RL, config checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/rng.h"
#include "policy/ratelimit.h"

#include "scripted_rng.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

static pol_ratelimit_config always(uint32_t max, uint32_t per_fill, int64_t interval)
{
    pol_ratelimit_config c = pol_ratelimit_config_make(max, per_fill, interval);
    c.filter_enabled = pol_fraction_hundred(100);
    c.filter_enforced = pol_fraction_hundred(100);
    return c;
}

/* Bucket max 10, +3 per second starting at t0 = 1000 s. */
static void test_refill_arithmetic(void **state)
{
    (void)state;
    pol_ratelimit_config c = always(10, 3, 1 * SEC);
    pol_ratelimit rl;
    int64_t t0 = 1000 * SEC;
    pol_ratelimit_init(&rl, &c, t0);
    static const struct {
        int64_t at;     /* offset from t0 */
        int take;       /* requests made at `at` */
        uint64_t tokens_before, allowed;
    } rows[] = {
        {0, 10, 10, 10},              /* starts full */
        {0, 1, 0, 0},                 /* empty */
        {999 * MS, 1, 0, 0},          /* no fill before the first interval */
        {1000 * MS, 2, 3, 2},         /* +3 at t0+1 s */
        {1999 * MS, 2, 1, 1},
        {2000 * MS, 0, 3, 0},         /* +3 */
        {4500 * MS, 0, 9, 0},         /* +3 at 3 s and 4 s: 9 */
        {5000 * MS, 0, 10, 0},        /* capped at max */
        {3600 * SEC, 11, 10, 10},     /* long idle: full, no overflow */
        {3600 * SEC + 1, 0, 0, 0},
    };
    uint64_t limited = 0, ok = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t now = t0 + rows[i].at;
        if (pol_ratelimit_tokens(&rl, now) != rows[i].tokens_before)
            fail_msg("row %zu: %llu tokens", i, (unsigned long long)pol_ratelimit_tokens(&rl, now));
        uint64_t allowed = 0;
        for (int k = 0; k < rows[i].take; k++) {
            pol_ratelimit_decision d;
            static const uint64_t zero[] = {0};
            script sc = {zero, 1, 0};
            ms_rng rng = {script_loop_next, &sc};
            pol_ratelimit_decide(&rl, now, &rng, &d);
            if (!d.limited) {
                allowed++;
                ok++;
            } else {
                limited++;
                assert_int_equal(d.status, 429);
                assert_int_equal(d.flags, POL_FLAG_BIT(POL_FLAG_RL));
            }
        }
        assert_int_equal(allowed, rows[i].allowed);
    }
    assert_int_equal(rl.stats.ok, ok);
    assert_int_equal(rl.stats.rate_limited, limited);
    assert_int_equal(rl.stats.enforced, limited);
    assert_int_equal(rl.stats.enabled, ok + limited);
}

/* Defaults 0 %: the filter does nothing and draws once per request. */
static void test_defaults_disabled(void **state)
{
    (void)state;
    pol_ratelimit_config c = pol_ratelimit_config_make(1, 0, 1 * SEC);
    assert_int_equal(c.tokens_per_fill, 1);
    assert_int_equal(c.filter_enabled.numerator, 0);
    assert_int_equal(c.filter_enforced.numerator, 0);
    assert_int_equal(c.status, 429);
    pol_ratelimit rl;
    pol_ratelimit_init(&rl, &c, 0);
    ms_splitmix g = {3};
    ms_rng rng = ms_splitmix_rng(&g);
    for (int i = 0; i < 100; i++) {
        pol_ratelimit_decision d;
        pol_ratelimit_decide(&rl, 0, &rng, &d);
        assert_false(d.limited);
    }
    assert_int_equal(rl.stats.enabled, 0);
    assert_int_equal(pol_ratelimit_tokens(&rl, 0), 1);

    /* enabled but not enforced: counted, passes, token bucket still consumed */
    c.filter_enabled = pol_fraction_hundred(100);
    pol_ratelimit_init(&rl, &c, 0);
    pol_ratelimit_decision d;
    pol_ratelimit_decide(&rl, 0, &rng, &d);
    assert_false(d.limited);
    assert_false(d.not_enforced);
    pol_ratelimit_decide(&rl, 0, &rng, &d);
    assert_false(d.limited);
    assert_true(d.not_enforced);
    assert_int_equal(rl.stats.ok, 1);
    assert_int_equal(rl.stats.rate_limited, 1);
    assert_int_equal(rl.stats.enforced, 0);
}

/* 50 % enforced: u64 mod 100 < 50; draws: enabled always, enforced only when
 * no token is left. */
static void test_enforced_draws(void **state)
{
    (void)state;
    pol_ratelimit_config c = always(1, 1, 1 * SEC);
    c.filter_enforced = pol_fraction_hundred(50);
    c.status = 200; /* < 400: replaced by 429 */
    pol_ratelimit rl;
    pol_ratelimit_init(&rl, &c, 0);
    static const uint64_t v[] = {0, 0, 49, 0, 50};
    script sc = {v, 5, 0};
    ms_rng rng = {script_loop_next, &sc};
    pol_ratelimit_decision d;
    pol_ratelimit_decide(&rl, 0, &rng, &d); /* token */
    assert_false(d.limited);
    assert_int_equal(sc.i, 1);
    pol_ratelimit_decide(&rl, 0, &rng, &d); /* enabled 0, enforced 49 < 50 */
    assert_true(d.limited);
    assert_int_equal(d.status, 429);
    assert_int_equal(sc.i, 3);
    pol_ratelimit_decide(&rl, 0, &rng, &d); /* enforced draw 50: not enforced */
    assert_false(d.limited);
    assert_true(d.not_enforced);
    assert_int_equal(sc.i, 5);
}

static void test_config_check(void **state)
{
    (void)state;
    pol_ratelimit_config c = pol_ratelimit_config_make(10, 1, 50 * MS);
    assert_int_equal(pol_ratelimit_config_check(&c), 0);
    c.fill_interval_ns = 49 * MS;
    assert_int_equal(pol_ratelimit_config_check(&c), -1);
    c = pol_ratelimit_config_make(0, 1, 1 * SEC);
    assert_int_equal(pol_ratelimit_config_check(&c), -1);
}

/* Sustained rate: 1000 req/s offered to a 10-token, +5 per 100 ms bucket for 10.1 s:
 * 10 initial + 100 fills x 5 = 510 allowed. */
static void test_sustained_rate(void **state)
{
    (void)state;
    pol_ratelimit_config c = always(10, 5, 100 * MS);
    pol_ratelimit rl;
    pol_ratelimit_init(&rl, &c, 0);
    ms_splitmix g = {9};
    ms_rng rng = ms_splitmix_rng(&g);
    uint64_t allowed = 0;
    for (int64_t t = 0; t < 10 * SEC + 100 * MS; t += 1 * MS) {
        pol_ratelimit_decision d;
        pol_ratelimit_decide(&rl, t, &rng, &d);
        allowed += !d.limited;
    }
    assert_int_equal(allowed, 510);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refill_arithmetic),
        cmocka_unit_test(test_defaults_disabled),
        cmocka_unit_test(test_enforced_draws),
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_sustained_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
