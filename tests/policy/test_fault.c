/*
 * test_fault.c - fault injection (policy-semantics.md 6, trap 11.25):
 * percentage precision, independent draws, 10 % +- noise over 100k draws, 0 %
 * when the percentage is unset, flags DI / FI, gRPC aborts, Istio's mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/rng.h"
#include "policy/fault.h"
#include "policy/istio_map.h"

#include "scripted_rng.h"

#define MS INT64_C(1000000)

static void test_fraction_precision(void **state)
{
    (void)state;
    static const struct {
        double pct;
        uint32_t num;
    } rows[] = {
        {0, 0}, {10, 100000}, {100, 1000000}, {33.33335, 333333}, {0.0001, 1},
        {0.00009, 0}, {50.5, 505000}, {-1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_fraction f = pol_fraction_from_percent(rows[i].pct);
        assert_int_equal(f.denominator, 1000000);
        assert_int_equal(f.numerator, rows[i].num);
    }
    /* draw: u64 mod denominator < numerator */
    static const uint64_t v[] = {99999, 100000, 1099999};
    script sc = {v, 3, 0};
    ms_rng rng = {script_loop_next, &sc};
    pol_fraction ten = pol_fraction_from_percent(10);
    assert_true(pol_fraction_draw(ten, &rng));
    assert_false(pol_fraction_draw(ten, &rng));
    assert_true(pol_fraction_draw(ten, &rng)); /* 1099999 mod 1e6 = 99999 */
    pol_fraction h = pol_fraction_hundred(100);
    assert_true(pol_fraction_draw(h, &rng));
}

/* 10 % delay and 10 % abort over 100k requests: each ~10 %, both ~1 %. */
static void test_percentages_over_100k(void **state)
{
    (void)state;
    ms_splitmix g = {2024};
    ms_rng rng = ms_splitmix_rng(&g);
    pol_fault_config c;
    memset(&c, 0, sizeof c);
    c.has_delay = true;
    c.delay_ns = 5000 * MS;
    c.delay_percent = pol_fraction_from_percent(10);
    c.has_abort = true;
    c.http_status = 503;
    c.grpc_status = -1;
    c.abort_percent = pol_fraction_from_percent(10);
    pol_fault_stats st = {0};
    int delays = 0, aborts = 0, both = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        pol_fault_decision d;
        pol_fault_decide(&c, &rng, &st, &d);
        delays += d.delay;
        aborts += d.abort;
        both += d.delay && d.abort;
        if (d.abort)
            assert_int_equal(d.status, 503);
    }
    /* binomial sd at 10 %: ~95; allow 5 sd */
    assert_true(delays > 10000 - 475 && delays < 10000 + 475);
    assert_true(aborts > 10000 - 475 && aborts < 10000 + 475);
    assert_true(both > 1000 - 160 && both < 1000 + 160); /* independent draws */
    assert_int_equal(st.delays_injected, (uint64_t)delays);
    assert_int_equal(st.aborts_injected, (uint64_t)aborts);
}

/* Istio: unset percentage = 0 %: no fault at all, over 100k requests. */
static void test_unset_percentage_is_zero(void **state)
{
    (void)state;
    pol_fault_injection in;
    memset(&in, 0, sizeof in);
    in.set = true;
    in.delay.set = true;
    in.delay.fixed_delay = (pol_opt_duration){7 * MS, true};
    in.abort.set = true;
    in.abort.http_status = (pol_opt_int){500, true};
    pol_fault_config c;
    assert_int_equal(pol_istio_map_fault(&in, &c), 0);
    assert_true(c.has_delay);
    assert_true(c.has_abort);
    assert_int_equal(c.delay_percent.numerator, 0);
    assert_int_equal(c.abort_percent.numerator, 0);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    for (int i = 0; i < 100000; i++) {
        pol_fault_decision d;
        pol_fault_decide(&c, &rng, NULL, &d);
        assert_false(d.delay);
        assert_false(d.abort);
        assert_int_equal(d.flags, 0);
    }
    /* deprecated integer percent for the delay */
    in.delay.percent = (pol_opt_int){100, true};
    pol_istio_map_fault(&in, &c);
    assert_int_equal(c.delay_percent.numerator, 100);
    assert_int_equal(c.delay_percent.denominator, 100);
    /* percentage wins over percent */
    in.delay.percentage = (pol_opt_double){12.5, true};
    pol_istio_map_fault(&in, &c);
    assert_int_equal(c.delay_percent.numerator, 125000);
    assert_int_equal(c.delay_percent.denominator, 1000000);
    /* no fixed delay: no delay (exponentialDelay is dropped) */
    in.delay.fixed_delay.set = false;
    pol_istio_map_fault(&in, &c);
    assert_false(c.has_delay);
    /* no block */
    pol_istio_map_fault(NULL, &c);
    assert_false(c.has_delay);
    assert_false(c.has_abort);
}

/* Flags and statuses; exactly one draw per configured part. */
static void test_decisions_and_draws(void **state)
{
    (void)state;
    static const uint64_t zero[] = {0};
    static const struct {
        bool delay, abort;
        double pd, pa;
        int64_t delay_ns;
        const char *grpc;
        int http;
        bool want_delay, want_abort;
        int status, grpc_status;
        pol_flags flags;
        size_t draws;
    } rows[] = {
        {true, true, 100, 100, 5 * MS, NULL, 503, true, true, 503, -1,
         POL_FLAG_BIT(POL_FLAG_DI) | POL_FLAG_BIT(POL_FLAG_FI), 2},
        {true, false, 100, 0, 5 * MS, NULL, 0, true, false, 0, -1, POL_FLAG_BIT(POL_FLAG_DI), 1},
        {false, true, 0, 100, 0, NULL, 418, false, true, 418, -1, POL_FLAG_BIT(POL_FLAG_FI), 1},
        {false, true, 0, 100, 0, "UNAVAILABLE", 0, false, true, 200, 14, POL_FLAG_BIT(POL_FLAG_FI), 1},
        {true, true, 0, 0, 5 * MS, NULL, 503, false, false, 0, -1, 0, 2},
        {true, false, 100, 0, 0, NULL, 0, false, false, 0, -1, 0, 1}, /* zero delay: no DI */
        {false, false, 0, 0, 0, NULL, 0, false, false, 0, -1, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pol_fault_injection in;
        memset(&in, 0, sizeof in);
        in.set = true;
        if (rows[i].delay) {
            in.delay.set = true;
            in.delay.fixed_delay = (pol_opt_duration){rows[i].delay_ns, true};
            in.delay.percentage = (pol_opt_double){rows[i].pd, true};
        }
        if (rows[i].abort) {
            in.abort.set = true;
            in.abort.grpc_status = rows[i].grpc;
            if (!rows[i].grpc)
                in.abort.http_status = (pol_opt_int){rows[i].http, true};
            in.abort.percentage = (pol_opt_double){rows[i].pa, true};
        }
        pol_fault_config c;
        assert_int_equal(pol_istio_map_fault(&in, &c), 0);
        script sc = {zero, 1, 0};
        ms_rng rng = {script_loop_next, &sc};
        pol_fault_decision d;
        pol_fault_decide(&c, &rng, NULL, &d);
        if (d.delay != rows[i].want_delay || d.abort != rows[i].want_abort || d.flags != rows[i].flags ||
            sc.i != rows[i].draws)
            fail_msg("row %zu", i);
        if (d.abort) {
            assert_int_equal(d.status, rows[i].status);
            assert_int_equal(d.grpc_status, rows[i].grpc_status);
        }
        if (d.delay)
            assert_int_equal(d.delay_ns, rows[i].delay_ns);
    }
    /* unknown gRPC name: error, abort dropped */
    pol_fault_injection in;
    memset(&in, 0, sizeof in);
    in.set = true;
    in.abort.set = true;
    in.abort.grpc_status = "NOT_A_CODE";
    pol_fault_config c;
    assert_int_equal(pol_istio_map_fault(&in, &c), -1);
    assert_false(c.has_abort);
    assert_int_equal(pol_grpc_status_from_name("DEADLINE_EXCEEDED"), 4);
    assert_string_equal(pol_grpc_status_name(16), "UNAUTHENTICATED");
    assert_null(pol_grpc_status_name(17));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fraction_precision),
        cmocka_unit_test(test_percentages_over_100k),
        cmocka_unit_test(test_unset_percentage_is_zero),
        cmocka_unit_test(test_decisions_and_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
