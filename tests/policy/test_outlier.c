/*
 * test_outlier.c - outlier detection (policy-semantics.md 3, traps 11.7-11.11):
 * ejection durations and multiplier decay, un-ejection only at ticks, the strict
 * max_ejection_percent rule, counter reset rules, success-rate (population stdev)
 * and failure-percentage sweeps, split local-origin mode, enforcement draws,
 * jitter, and Istio's OutlierDetection mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/rng.h"
#include "policy/istio_map.h"
#include "policy/outlier.h"

#include "scripted_rng.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

/* |a - b| <= eps, with the values in the failure message. */
#define assert_near(a, b, eps)                                                                  \
    do {                                                                                       \
        double a_ = (a), b_ = (b);                                                             \
        if (!(a_ - b_ <= (eps) && b_ - a_ <= (eps)))                                           \
            fail_msg("%s = %.9f, expected %.9f", #a, a_, b_);                                 \
    } while (0)

/* Report `n` results `code` for host h at now; returns whether any ejected. */
static bool report_n(pol_outlier *det, uint32_t h, int n, int code, int64_t now)
{
    bool ej = false;
    for (int i = 0; i < n; i++)
        ej |= pol_outlier_report(det, h, code, now, NULL);
    return ej;
}

/* Tick at every multiple of the interval in (from, to]. */
static void tick_until(pol_outlier *det, int64_t from, int64_t to)
{
    int64_t iv = pol_outlier_config_get(det)->interval_ns;
    for (int64_t t = (from / iv + 1) * iv; t <= to; t += iv)
        pol_outlier_tick(det, t, NULL);
}

static void test_config_defaults(void **state)
{
    (void)state;
    pol_outlier_config e = pol_outlier_config_envoy();
    assert_int_equal(e.interval_ns, 10 * SEC);
    assert_int_equal(e.base_ejection_time_ns, 30 * SEC);
    assert_int_equal(pol_outlier_config_max_ejection_ns(&e), 300 * SEC);
    assert_int_equal(e.max_ejection_percent, 10);
    assert_int_equal(e.consecutive_5xx, 5);
    assert_int_equal(e.enforcing_consecutive_5xx, 100);
    assert_int_equal(e.consecutive_gateway_failure, 5);
    assert_int_equal(e.enforcing_consecutive_gateway_failure, 0);
    assert_int_equal(e.success_rate_minimum_hosts, 5);
    assert_int_equal(e.success_rate_request_volume, 100);
    assert_int_equal(e.success_rate_stdev_factor, 1900);
    assert_int_equal(e.enforcing_success_rate, 100);
    assert_int_equal(e.failure_percentage_threshold, 85);
    assert_int_equal(e.failure_percentage_request_volume, 50);
    assert_int_equal(e.enforcing_failure_percentage, 0);
    pol_outlier_config i = pol_outlier_config_istio();
    assert_int_equal(i.enforcing_success_rate, 0);
    e.base_ejection_time_ns = 400 * SEC; /* max defaults to max(300 s, base) */
    assert_int_equal(pol_outlier_config_max_ejection_ns(&e), 400 * SEC);
    assert_int_equal(pol_outlier_config_check(&e), 0);
    e.max_ejection_time_ns = 100 * SEC;
    assert_int_equal(pol_outlier_config_check(&e), -1);
}

/* 1st, 2nd, 3rd ejection of a host re-ejected right after each un-ejection:
 * base x multiplier; un-ejection only on ticks. 10 hosts at 10 %: one allowed. */
static void test_ejection_durations(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    pol_outlier *det = pol_outlier_create(&c, 10);
    static const struct {
        int64_t eject_at;
        uint32_t multiplier;
        int64_t duration;
        int64_t last_tick_ejected, uneject_tick;
    } rows[] = {
        {5 * SEC, 1, 30 * SEC, 30 * SEC, 40 * SEC},    /* 30-40 s in practice */
        {41 * SEC, 2, 60 * SEC, 100 * SEC, 110 * SEC}, /* 101 s is due: tick 110 */
        {111 * SEC, 3, 90 * SEC, 200 * SEC, 210 * SEC},
    };
    int64_t now = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        tick_until(det, now, rows[i].eject_at);
        now = rows[i].eject_at;
        assert_false(report_n(det, 0, 4, 500, now));
        assert_true(pol_outlier_report(det, 0, 500, now, NULL));
        assert_true(pol_outlier_is_ejected(det, 0));
        assert_int_equal(pol_outlier_host_multiplier(det, 0), rows[i].multiplier);
        assert_int_equal(pol_outlier_host_ejection_ns(det, 0), rows[i].duration);
        /* still ejected once the duration has passed, until the next tick */
        tick_until(det, now, rows[i].last_tick_ejected);
        assert_true(pol_outlier_is_ejected(det, 0));
        assert_int_equal(pol_outlier_ejections_active(det), 1);
        pol_outlier_tick(det, rows[i].uneject_tick, NULL);
        assert_false(pol_outlier_is_ejected(det, 0));
        assert_int_equal(pol_outlier_ejections_active(det), 0);
        now = rows[i].uneject_tick;
    }
    const pol_outlier_stats *s = pol_outlier_stats_get(det);
    assert_int_equal(s->ejections_enforced_total, 3);
    assert_int_equal(s->ejections_enforced[POL_OUTLIER_CONSECUTIVE_5XX], 3);
    assert_int_equal(s->ejections_detected[POL_OUTLIER_CONSECUTIVE_5XX], 3);
    assert_int_equal(s->ejections_active, 0);

    /* decay: multiplier 3 drops by 1 per healthy interval after un-ejection at 210 s */
    static const struct {
        int64_t tick;
        uint32_t multiplier;
    } decay[] = {{220 * SEC, 2}, {230 * SEC, 1}, {240 * SEC, 0}, {250 * SEC, 0}};
    for (size_t i = 0; i < sizeof decay / sizeof decay[0]; i++) {
        pol_outlier_tick(det, decay[i].tick, NULL);
        assert_int_equal(pol_outlier_host_multiplier(det, 0), decay[i].multiplier);
    }
    /* back to a 30 s ejection */
    report_n(det, 0, 5, 503, 251 * SEC);
    assert_int_equal(pol_outlier_host_ejection_ns(det, 0), 30 * SEC);
    /* /reset_counters: the counters go to zero, the gauge and the ejection stay */
    assert_int_equal(s->ejections_enforced_total, 4);
    pol_outlier_reset_counters(det);
    assert_int_equal(s->ejections_enforced_total, 0);
    assert_int_equal(s->ejections_total, 0);
    assert_int_equal(s->ejections_enforced[POL_OUTLIER_CONSECUTIVE_5XX], 0);
    assert_int_equal(s->ejections_detected[POL_OUTLIER_CONSECUTIVE_5XX], 0);
    assert_int_equal(s->ejections_active, 1);
    assert_true(pol_outlier_is_ejected(det, 0));
    assert_int_equal(pol_outlier_host_multiplier(det, 0), 1);
    pol_outlier_destroy(det);
}

/* A host healthy for one interval after un-ejection gets a shorter next ejection. */
static void test_partial_decay(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    pol_outlier *det = pol_outlier_create(&c, 10);
    report_n(det, 0, 5, 500, 5 * SEC);
    tick_until(det, 0, 40 * SEC);          /* un-ejected at 40 s, multiplier 1 */
    report_n(det, 0, 5, 500, 41 * SEC);    /* multiplier 2: 60 s */
    tick_until(det, 40 * SEC, 110 * SEC);  /* un-ejected at 110 s */
    assert_false(pol_outlier_is_ejected(det, 0));
    tick_until(det, 110 * SEC, 120 * SEC); /* one healthy interval: 2 -> 1 */
    assert_int_equal(pol_outlier_host_multiplier(det, 0), 1);
    report_n(det, 0, 5, 500, 125 * SEC);   /* multiplier 2 again: 60 s, not 90 s */
    assert_int_equal(pol_outlier_host_ejection_ns(det, 0), 60 * SEC);
    pol_outlier_destroy(det);
}

/* Multiplier increments stop once multiplier x base >= max + base; durations
 * are clamped to max. base 30 s, max 90 s: 30, 60, 90, 90 and multiplier 4. */
static void test_multiplier_cap(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    c.max_ejection_time_ns = 90 * SEC;
    c.max_ejection_percent = 100;
    pol_outlier *det = pol_outlier_create(&c, 1);
    static const struct {
        uint32_t m;
        int64_t d;
    } rows[] = {{1, 30 * SEC}, {2, 60 * SEC}, {3, 90 * SEC}, {4, 90 * SEC}, {4, 90 * SEC}};
    int64_t now = 1 * SEC;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        report_n(det, 0, 5, 500, now);
        assert_true(pol_outlier_is_ejected(det, 0));
        assert_int_equal(pol_outlier_host_multiplier(det, 0), rows[i].m);
        assert_int_equal(pol_outlier_host_ejection_ns(det, 0), rows[i].d);
        int64_t due = now + rows[i].d;
        int64_t t = (due / (10 * SEC) + (due % (10 * SEC) != 0)) * 10 * SEC;
        tick_until(det, now, t);
        assert_false(pol_outlier_is_ejected(det, 0));
        now = t + 1 * SEC;
    }
    pol_outlier_destroy(det);
}

/* Strict rule 100*(active+1)/total <= max% (trap 11.8). All hosts fail. */
static void test_max_ejection_percent_rounding(void **state)
{
    (void)state;
    static const struct {
        uint32_t hosts, max_pct;
        bool always_one;
        uint32_t ejected;
    } rows[] = {
        {1, 10, false, 0},  {3, 10, false, 0},  {9, 10, false, 0},  {10, 10, false, 1},
        {20, 10, false, 2}, {19, 10, false, 1}, {1, 100, false, 1}, {3, 34, false, 1},
        {3, 33, false, 0},  {3, 66, false, 1},  {3, 67, false, 2},  {3, 100, false, 3},
        {4, 25, false, 1},  {4, 50, false, 2},  {1, 10, true, 1},   {3, 10, true, 1},
        {10, 200, false, 10}, /* capped at 100 */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_outlier_config c = pol_outlier_config_envoy();
        c.max_ejection_percent = rows[i].max_pct;
        c.always_eject_one_host = rows[i].always_one;
        pol_outlier *det = pol_outlier_create(&c, rows[i].hosts);
        for (uint32_t h = 0; h < rows[i].hosts; h++)
            report_n(det, h, 5, 500, 1 * SEC);
        const pol_outlier_stats *s = pol_outlier_stats_get(det);
        if (pol_outlier_ejections_active(det) != rows[i].ejected)
            fail_msg("row %zu: %u hosts at %u%%: %u ejected", i, rows[i].hosts, rows[i].max_pct,
                     pol_outlier_ejections_active(det));
        assert_int_equal(s->ejections_overflow, rows[i].hosts - rows[i].ejected);
        assert_int_equal(s->ejections_detected[POL_OUTLIER_CONSECUTIVE_5XX], rows[i].hosts);
        assert_int_equal(s->ejections_enforced_total, rows[i].ejected);
        for (uint32_t h = 0; h < rows[i].hosts; h++) {
            uint32_t c5;
            pol_outlier_host_counters(det, h, &c5, NULL, NULL);
            assert_int_equal(c5, 0); /* reset even when the ejection overflowed */
        }
        pol_outlier_destroy(det);
    }
}

/* Counter reset rules (trap 11.10) and equality (not >=) thresholds. */
static void test_counter_rules(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy(); /* gateway: detect, enforce 0 */
    c.max_ejection_percent = 100;
    pol_outlier *det = pol_outlier_create(&c, 2);
    uint32_t c5, gw, lo;

    /* 4xx and 200 are successes and reset both counters */
    static const int success_codes[] = {200, 204, 302, 404, 429, 499};
    for (size_t i = 0; i < sizeof success_codes / sizeof success_codes[0]; i++) {
        report_n(det, 0, 4, 503, 0);
        pol_outlier_report(det, 0, success_codes[i], 0, NULL);
        pol_outlier_host_counters(det, 0, &c5, &gw, NULL);
        assert_int_equal(c5, 0);
        assert_int_equal(gw, 0);
    }
    /* a non-gateway 5xx resets the gateway counter only */
    report_n(det, 0, 3, 503, 0);
    pol_outlier_report(det, 0, 500, 0, NULL);
    pol_outlier_host_counters(det, 0, &c5, &gw, NULL);
    assert_int_equal(c5, 4);
    assert_int_equal(gw, 0);
    pol_outlier_report(det, 0, 200, 0, NULL);

    /* 5 x 503: gateway detected (not enforced) then 5xx detected and enforced */
    assert_true(report_n(det, 0, 5, 503, 0));
    const pol_outlier_stats *s = pol_outlier_stats_get(det);
    assert_int_equal(s->ejections_detected[POL_OUTLIER_CONSECUTIVE_GATEWAY_FAILURE], 1);
    assert_int_equal(s->ejections_enforced[POL_OUTLIER_CONSECUTIVE_GATEWAY_FAILURE], 0);
    assert_int_equal(s->ejections_enforced[POL_OUTLIER_CONSECUTIVE_5XX], 1);
    pol_outlier_host_counters(det, 0, &c5, &gw, NULL);
    assert_int_equal(c5, 0);
    assert_int_equal(gw, 0);

    /* already ejected: counters keep counting, no detection, no reset */
    report_n(det, 0, 7, 503, 1 * SEC);
    pol_outlier_host_counters(det, 0, &c5, &gw, NULL);
    assert_int_equal(c5, 7);
    assert_int_equal(gw, 7);
    assert_int_equal(s->ejections_detected[POL_OUTLIER_CONSECUTIVE_5XX], 1);

    /* un-ejection resets all three counters; then it fires again at 5 */
    tick_until(det, 0, 30 * SEC);
    assert_false(pol_outlier_is_ejected(det, 0));
    pol_outlier_host_counters(det, 0, &c5, &gw, &lo);
    assert_int_equal(c5 + gw + lo, 0);
    assert_false(report_n(det, 0, 4, 500, 31 * SEC));
    assert_true(pol_outlier_report(det, 0, 500, 31 * SEC, NULL));
    pol_outlier_destroy(det);
}

/* Non-split: a connect failure is a 503, a timeout a 504, connect success is
 * ignored.  Split: they go to the local-origin counter only. */
static void test_local_origin(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    c.max_ejection_percent = 100;
    pol_outlier *det = pol_outlier_create(&c, 1);
    uint32_t c5, gw, lo;
    report_n(det, 0, 2, POL_OUTLIER_LOCAL_CONNECT_FAILED, 0);
    report_n(det, 0, 2, POL_OUTLIER_LOCAL_TIMEOUT, 0);
    pol_outlier_report(det, 0, POL_OUTLIER_LOCAL_CONNECT_SUCCESS, 0, NULL);
    pol_outlier_host_counters(det, 0, &c5, &gw, &lo);
    assert_int_equal(c5, 4);
    assert_int_equal(gw, 4);
    assert_int_equal(lo, 0);
    assert_true(pol_outlier_report(det, 0, POL_OUTLIER_LOCAL_CONNECT_FAILED, 0, NULL));
    pol_outlier_destroy(det);

    c.split_external_local_origin_errors = true;
    det = pol_outlier_create(&c, 1);
    report_n(det, 0, 4, POL_OUTLIER_LOCAL_CONNECT_FAILED, 0);
    pol_outlier_host_counters(det, 0, &c5, &gw, &lo);
    assert_int_equal(c5, 0);
    assert_int_equal(lo, 4);
    pol_outlier_report(det, 0, POL_OUTLIER_LOCAL_CONNECT_SUCCESS, 0, NULL);
    pol_outlier_host_counters(det, 0, NULL, NULL, &lo);
    assert_int_equal(lo, 0);
    report_n(det, 0, 4, POL_OUTLIER_LOCAL_TIMEOUT, 0);
    assert_true(pol_outlier_report(det, 0, POL_OUTLIER_LOCAL_CONNECT_FAILED, 0, NULL));
    const pol_outlier_stats *s = pol_outlier_stats_get(det);
    assert_int_equal(s->ejections_enforced[POL_OUTLIER_CONSECUTIVE_LOCAL_ORIGIN_FAILURE], 1);
    assert_int_equal(s->ejections_enforced_total, 1);
    pol_outlier_destroy(det);
}

/* Fill host buckets with (success, total) then tick at 10 s. */
static void fill(pol_outlier *det, uint32_t h, int success, int total)
{
    for (int i = 0; i < total; i++)
        pol_outlier_report(det, h, i < success ? 200 : 500, 1 * SEC, NULL);
}

/* The code's example: {50,100,100,100,100}: mean 90, stdev 20, threshold 52. */
static void test_success_rate_example(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    c.consecutive_5xx = 1000; /* keep the consecutive path out */
    c.max_ejection_percent = 20;
    pol_outlier *det = pol_outlier_create(&c, 5);
    static const int sr[] = {50, 100, 100, 100, 100};
    for (uint32_t h = 0; h < 5; h++) {
        /* interleave failures so no consecutive run matters */
        for (int i = 0; i < 100; i++)
            pol_outlier_report(det, h, (i % 2 == 0 || i / 2 >= (100 - sr[h])) ? 200 : 500, 1 * SEC, NULL);
    }
    assert_int_equal(pol_outlier_tick(det, 10 * SEC, NULL), 1);
    assert_near(pol_outlier_success_rate_threshold(det), 52.0, 1e-9);
    assert_near(pol_outlier_host_success_rate(det, 0), 50.0, 1e-9);
    assert_true(pol_outlier_is_ejected(det, 0));
    const pol_outlier_stats *s = pol_outlier_stats_get(det);
    assert_int_equal(s->ejections_detected[POL_OUTLIER_SUCCESS_RATE], 1);
    assert_int_equal(s->ejections_enforced[POL_OUTLIER_SUCCESS_RATE], 1);
    assert_int_equal(s->ejections_total, 1);
    pol_outlier_destroy(det);
}

/* Hand-computed: {70,95,95,100,100,100}: mean 93.3333, population variance
 * 683.3333/6 = 113.8889, stdev 10.67187, threshold 93.3333 - 1.9 x 10.67187 =
 * 73.05678: only the 70 % host is below. */
static void test_success_rate_hand_computed(void **state)
{
    (void)state;
    static const int sr[] = {70, 95, 95, 100, 100, 100};
    for (int istio = 0; istio < 2; istio++) {
        pol_outlier_config c = istio ? pol_outlier_config_istio() : pol_outlier_config_envoy();
        c.consecutive_5xx = 1000;
        c.max_ejection_percent = 50;
        pol_outlier *det = pol_outlier_create(&c, 6);
        for (uint32_t h = 0; h < 6; h++)
            fill(det, h, sr[h], 100);
        pol_outlier_tick(det, 10 * SEC, NULL);
        assert_near(pol_outlier_success_rate_threshold(det), 73.05678, 1e-4);
        const pol_outlier_stats *s = pol_outlier_stats_get(det);
        assert_int_equal(s->ejections_detected[POL_OUTLIER_SUCCESS_RATE], 1);
        /* Istio: enforcing_success_rate 0, detection only */
        assert_int_equal(pol_outlier_is_ejected(det, 0), !istio);
        assert_int_equal(s->ejections_enforced[POL_OUTLIER_SUCCESS_RATE], istio ? 0 : 1);
        for (uint32_t h = 1; h < 6; h++)
            assert_false(pol_outlier_is_ejected(det, h));
        /* the next interval has no volume: nothing is computed */
        pol_outlier_tick(det, 20 * SEC, NULL);
        assert_near(pol_outlier_success_rate_threshold(det), -1.0, 0);
        pol_outlier_destroy(det);
    }
}

/* Request volume and minimum hosts gate the success-rate sweep. */
static void test_success_rate_gates(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    c.consecutive_5xx = 1000;
    c.max_ejection_percent = 100;
    /* host 4 has 99 requests: only 4 valid hosts < 5 minimum */
    pol_outlier *det = pol_outlier_create(&c, 5);
    fill(det, 0, 10, 100);
    for (uint32_t h = 1; h < 4; h++)
        fill(det, h, 100, 100);
    fill(det, 4, 99, 99);
    pol_outlier_tick(det, 10 * SEC, NULL);
    assert_int_equal(pol_outlier_ejections_active(det), 0);
    assert_near(pol_outlier_host_success_rate(det, 4), -1.0, 0);
    /* a 4-host cluster never runs the sweep */
    pol_outlier_destroy(det);
    det = pol_outlier_create(&c, 4);
    fill(det, 0, 0, 200);
    for (uint32_t h = 1; h < 4; h++)
        fill(det, h, 200, 200);
    pol_outlier_tick(det, 10 * SEC, NULL);
    assert_int_equal(pol_outlier_ejections_active(det), 0);
    pol_outlier_destroy(det);
}

/* Failure percentage: threshold 85 %, volume 50, minimum 5 hosts. */
static void test_failure_percentage(void **state)
{
    (void)state;
    static const struct {
        int failures[6];
        int totals[6];
        uint32_t nhosts;
        bool ejected0, ejected1;
    } rows[] = {
        {{43, 42, 0, 0, 0}, {50, 50, 50, 50, 50}, 5, true, false},  /* 86 % vs 84 % */
        {{85, 0, 0, 0, 0}, {100, 50, 50, 50, 50}, 5, true, false},  /* exactly 85 %: >= */
        {{49, 0, 0, 0, 0}, {49, 50, 50, 50, 50}, 5, false, false},  /* volume 49 < 50 */
        {{50, 0, 0, 0, 0}, {50, 50, 50, 50, 49}, 5, false, false},  /* 4 valid hosts */
        {{50, 50, 0, 0, 0, 0}, {50, 50, 50, 50, 50, 50}, 6, true, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_outlier_config c = pol_outlier_config_envoy();
        c.consecutive_5xx = 100000;
        c.consecutive_gateway_failure = 100000;
        c.success_rate_request_volume = 100000; /* keep success rate out */
        c.enforcing_failure_percentage = 100;
        c.max_ejection_percent = 100;
        pol_outlier *det = pol_outlier_create(&c, rows[i].nhosts);
        for (uint32_t h = 0; h < rows[i].nhosts; h++)
            fill(det, h, rows[i].totals[h] - rows[i].failures[h], rows[i].totals[h]);
        pol_outlier_tick(det, 10 * SEC, NULL);
        if (pol_outlier_is_ejected(det, 0) != rows[i].ejected0 ||
            pol_outlier_is_ejected(det, 1) != rows[i].ejected1)
            fail_msg("row %zu", i);
        const pol_outlier_stats *s = pol_outlier_stats_get(det);
        assert_int_equal(s->ejections_enforced[POL_OUTLIER_FAILURE_PERCENTAGE],
                         rows[i].ejected0 + rows[i].ejected1);
        pol_outlier_destroy(det);
    }
    /* Envoy default enforcing 0: detected only */
    pol_outlier_config c = pol_outlier_config_envoy();
    c.consecutive_5xx = 100000;
    c.consecutive_gateway_failure = 100000;
    c.success_rate_request_volume = 100000;
    pol_outlier *det = pol_outlier_create(&c, 5);
    fill(det, 0, 0, 60);
    for (uint32_t h = 1; h < 5; h++)
        fill(det, h, 60, 60);
    pol_outlier_tick(det, 10 * SEC, NULL);
    assert_false(pol_outlier_is_ejected(det, 0));
    assert_int_equal(pol_outlier_stats_get(det)->ejections_detected[POL_OUTLIER_FAILURE_PERCENTAGE], 1);
    pol_outlier_destroy(det);
}

/* Enforcement percentage and jitter use the rng: u64 mod 100 < pct;
 * jitter u64 mod (jitter_ms + 1). */
static void test_enforcement_and_jitter(void **state)
{
    (void)state;
    pol_outlier_config c = pol_outlier_config_envoy();
    c.enforcing_consecutive_5xx = 50;
    c.max_ejection_percent = 100;
    c.max_ejection_time_jitter_ns = 5000 * MS;
    pol_outlier *det = pol_outlier_create(&c, 1);
    static const uint64_t v[] = {150 /* 50: not enforced */, 249 /* 49: enforced */, 12345 /* jitter */};
    script sc = {v, 3, 0};
    ms_rng rng = {script_loop_next, &sc};
    for (int i = 0; i < 5; i++)
        pol_outlier_report(det, 0, 500, 0, &rng);
    assert_false(pol_outlier_is_ejected(det, 0));
    assert_int_equal(sc.i, 1);
    for (int i = 0; i < 5; i++)
        pol_outlier_report(det, 0, 500, 0, &rng);
    assert_true(pol_outlier_is_ejected(det, 0));
    assert_int_equal(sc.i, 3);
    assert_int_equal(pol_outlier_host_ejection_ns(det, 0), 30 * SEC + (12345 % 5001) * MS);
    const pol_outlier_stats *s = pol_outlier_stats_get(det);
    assert_int_equal(s->ejections_detected[POL_OUTLIER_CONSECUTIVE_5XX], 2);
    assert_int_equal(s->ejections_enforced[POL_OUTLIER_CONSECUTIVE_5XX], 1);
    pol_outlier_tick(det, 30 * SEC, &rng);
    assert_true(pol_outlier_is_ejected(det, 0)); /* 32.3 s not reached */
    pol_outlier_tick(det, 40 * SEC, &rng);
    assert_false(pol_outlier_is_ejected(det, 0));
    pol_outlier_destroy(det);

    /* 50 % over many detections */
    ms_splitmix g = {7};
    ms_rng r2 = ms_splitmix_rng(&g);
    c.max_ejection_time_jitter_ns = 0;
    det = pol_outlier_create(&c, 1);
    int enforced = 0;
    for (int k = 0; k < 4000; k++) {
        for (int i = 0; i < 5; i++)
            pol_outlier_report(det, 0, 500, 0, &r2);
        if (pol_outlier_is_ejected(det, 0)) {
            enforced++;
            pol_outlier_reset(det);
        }
    }
    assert_true(enforced > 1850 && enforced < 2150);
    pol_outlier_destroy(det);
}

/* minHealthPercent / panic: OD itself ejects regardless of health (Istio's panic
 * threshold 0 then keeps traffic off all of them); the mapping writes the
 * threshold. */
static void test_istio_mapping_and_panic(void **state)
{
    (void)state;
    pol_outlier_detection in;
    memset(&in, 0, sizeof in);
    pol_outlier_config c;
    uint32_t panic = 99;
    pol_istio_map_outlier(&in, false, &c, &panic);
    assert_int_equal(panic, 0); /* Istio: panic disabled whenever OD is set */
    assert_int_equal(c.consecutive_5xx, 5);
    assert_int_equal(c.enforcing_consecutive_5xx, 100);
    assert_int_equal(c.enforcing_consecutive_gateway_failure, 0);
    assert_int_equal(c.enforcing_success_rate, 0);
    assert_int_equal(c.max_ejection_percent, 10);
    assert_int_equal(c.interval_ns, 10 * SEC);
    assert_int_equal(c.base_ejection_time_ns, 30 * SEC);

    in.consecutive_5xx_errors = (pol_opt_int){0, true};
    in.consecutive_gateway_errors = (pol_opt_int){3, true};
    in.interval = (pol_opt_duration){1 * SEC, true};
    in.base_ejection_time = (pol_opt_duration){15 * SEC, true};
    in.max_ejection_percent = (pol_opt_int){100, true};
    in.min_health_percent = (pol_opt_int){30, true};
    in.split_external_local_origin_errors = (pol_opt_bool){true, true};
    in.consecutive_local_origin_failures = (pol_opt_int){7, true};
    pol_istio_map_outlier(&in, false, &c, &panic);
    assert_int_equal(c.consecutive_5xx, 0);
    assert_int_equal(c.enforcing_consecutive_5xx, 0); /* 0 disables */
    assert_int_equal(c.consecutive_gateway_failure, 3);
    assert_int_equal(c.enforcing_consecutive_gateway_failure, 100);
    assert_int_equal(c.interval_ns, 1 * SEC);
    assert_int_equal(c.base_ejection_time_ns, 15 * SEC);
    assert_int_equal(c.max_ejection_percent, 100);
    assert_true(c.split_external_local_origin_errors);
    assert_int_equal(c.enforcing_local_origin_success_rate, 0);
    assert_int_equal(c.consecutive_local_origin_failure, 7);
    assert_int_equal(panic, 30);
    pol_istio_map_outlier(&in, true, &c, &panic);
    assert_int_equal(panic, 0);
    in.max_ejection_percent = (pol_opt_int){0, true}; /* copied only if > 0 */
    pol_istio_map_outlier(&in, false, &c, &panic);
    assert_int_equal(c.max_ejection_percent, 10);

    /* Istio with maxEjectionPercent 100: all 5 hosts can be ejected; with
     * consecutive5xxErrors 0 the 5xx detector never fires. */
    pol_outlier_detection od;
    memset(&od, 0, sizeof od);
    od.max_ejection_percent = (pol_opt_int){100, true};
    pol_istio_map_outlier(&od, false, &c, &panic);
    pol_outlier *det = pol_outlier_create(&c, 5);
    for (uint32_t h = 0; h < 5; h++)
        report_n(det, h, 5, 503, 1 * SEC);
    assert_int_equal(pol_outlier_ejections_active(det), 5);
    pol_outlier_destroy(det);
    od.consecutive_5xx_errors = (pol_opt_int){0, true};
    pol_istio_map_outlier(&od, false, &c, &panic);
    det = pol_outlier_create(&c, 5);
    report_n(det, 0, 50, 500, 1 * SEC);
    assert_int_equal(pol_outlier_ejections_active(det), 0);
    pol_outlier_destroy(det);
}

static void test_stats_names(void **state)
{
    (void)state;
    size_t n;
    const pol_stat_desc *t = pol_outlier_stats_table(&n);
    static const char *const want[] = {
        "ejections_active", "ejections_overflow", "ejections_enforced_total",
        "ejections_detected_consecutive_5xx", "ejections_enforced_consecutive_5xx",
        "ejections_detected_consecutive_gateway_failure", "ejections_enforced_success_rate",
        "ejections_detected_failure_percentage_local_origin",
        "ejections_enforced_consecutive_local_origin_failure",
    };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(t[i].name, want[w]) == 0;
        if (!found)
            fail_msg("missing stat %s", want[w]);
    }
    pol_outlier_config c = pol_outlier_config_envoy();
    c.max_ejection_percent = 100;
    pol_outlier *det = pol_outlier_create(&c, 2);
    report_n(det, 1, 5, 500, 0);
    const pol_outlier_stats *s = pol_outlier_stats_get(det);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, "ejections_enforced_consecutive_5xx") == 0)
            assert_int_equal(pol_stat_value(s, &t[i]), 1);
        if (strcmp(t[i].name, "ejections_active") == 0)
            assert_int_equal(pol_stat_value(s, &t[i]), 1);
    }
    pol_outlier_destroy(det);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_ejection_durations),
        cmocka_unit_test(test_partial_decay),
        cmocka_unit_test(test_multiplier_cap),
        cmocka_unit_test(test_max_ejection_percent_rounding),
        cmocka_unit_test(test_counter_rules),
        cmocka_unit_test(test_local_origin),
        cmocka_unit_test(test_success_rate_example),
        cmocka_unit_test(test_success_rate_hand_computed),
        cmocka_unit_test(test_success_rate_gates),
        cmocka_unit_test(test_failure_percentage),
        cmocka_unit_test(test_enforcement_and_jitter),
        cmocka_unit_test(test_istio_mapping_and_panic),
        cmocka_unit_test(test_stats_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
