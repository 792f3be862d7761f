/*
 * test_policy_clock.c - the outlier detector and the local rate limiter driven by
 * real CLOCK_MONOTONIC time, as meshproxy drives them.  policy/ never reads a
 * clock; this test reads it and passes now_ns in, proving that the modules need
 * nothing but that.  Bounds are loose enough for a loaded machine (sanitizers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "base/rng.h"
#include "policy/outlier.h"
#include "policy/ratelimit.h"

#define MS INT64_C(1000000)

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* interval 50 ms, base ejection 100 ms: the host comes back at the first tick
 * >= 100 ms after its ejection, i.e. 100-150 ms later. */
static void test_outlier_real_time(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    c.interval_ns = 50 * MS;
    c.base_ejection_time_ns = 100 * MS;
    pol_outlier *det = pol_outlier_create(&c, 10);
    ms_splitmix g = {11};
    ms_rng rng = ms_splitmix_rng(&g);
    int64_t start = mono_ns(), next_tick = start + c.interval_ns;
    sleep_ms(10);
    int64_t ejected_at = mono_ns();
    for (int i = 0; i < 5; i++)
        pol_outlier_report(det, 3, 503, ejected_at, &rng);
    assert_true(pol_outlier_is_ejected(det, 3));
    /* Load may delay any tick; what must hold is that the host comes back at
     * the first tick at or past its ejection time, and not before. */
    int64_t back_at = 0, last_ejected_tick = 0;
    while (mono_ns() - start < 5000 * MS) {
        int64_t now = mono_ns();
        if (now >= next_tick) {
            pol_outlier_tick(det, now, &rng);
            next_tick += c.interval_ns;
            if (!pol_outlier_is_ejected(det, 3)) {
                back_at = now;
                break;
            }
            last_ejected_tick = now;
        }
        sleep_ms(2);
    }
    assert_true(back_at != 0);
    assert_true(back_at - ejected_at >= 100 * MS);
    assert_true(last_ejected_tick == 0 || last_ejected_tick - ejected_at < 100 * MS);
    assert_int_equal(pol_outlier_ejections_active(det), 0);
    pol_outlier_destroy(det);
}

/* 5 tokens, refilled to 5 every 50 ms (timer bucket): bursts of 8 requests
 * every few milliseconds for ~230 ms.  Within each fill period at most 5 are
 * allowed, and a request is limited only once 5 have been (the period's fill
 * always tops the bucket up to 5).  This holds however late the loop runs. */
static void test_ratelimit_real_time(void **state)
{
    (void)state;
    pol_ratelimit_config c = pol_ratelimit_config_make(5, 5, 50 * MS);
    c.filter_enabled = pol_fraction_hundred(100);
    c.filter_enforced = pol_fraction_hundred(100);
    int64_t start = mono_ns();
    pol_ratelimit rl;
    pol_ratelimit_init(&rl, &c, start);
    ms_splitmix g = {12};
    ms_rng rng = ms_splitmix_rng(&g);
    uint64_t allowed = 0, limited = 0, period = 0, in_period = 0;
    int64_t now = start;
    while (now - start < 230 * MS) {
        uint64_t p = (uint64_t)((now - start) / c.fill_interval_ns);
        if (p != period) {
            period = p;
            in_period = 0;
        }
        for (int i = 0; i < 8; i++) {
            pol_ratelimit_decision d;
            pol_ratelimit_decide(&rl, now, &rng, &d);
            if (d.limited) {
                limited++;
                assert_int_equal(in_period, 5);
            } else {
                allowed++;
                in_period++;
                assert_true(in_period <= 5);
            }
        }
        sleep_ms(3);
        now = mono_ns();
    }
    assert_true(limited >= 3);
    assert_int_equal(rl.stats.ok, allowed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outlier_real_time),
        cmocka_unit_test(test_ratelimit_real_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
