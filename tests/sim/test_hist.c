/*
 * test_hist.c - the log-linear histogram: bucket layout, quantile error <= 1%
 * against exact sorted quantiles, exact min/max/mean, merge, record_n, reset
 * and iteration.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "sim/hist.h"
#include "sim/rng.h"

static int setup(void **state)
{
    sim_hist *h = malloc(2 * sizeof(*h));
    sim_hist_init(&h[0]);
    sim_hist_init(&h[1]);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    sim_hist *h = *state;
    sim_hist_fini(&h[0]);
    sim_hist_fini(&h[1]);
    free(h);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_bucket_layout(void **state)
{
    assert_int_equal(sim_hist_bucket_index(0), 0);
    assert_int_equal(sim_hist_bucket_index(127), 127);
    assert_int_equal(sim_hist_bucket_index(INT64_MAX), SIM_HIST_NBUCKETS - 1);
    assert_int_equal(sim_hist_bucket_lo(0), 0);
    assert_int_equal(sim_hist_bucket_hi(SIM_HIST_NBUCKETS - 1), INT64_MAX);
    for (size_t i = 0; i < SIM_HIST_NBUCKETS; i++) {
        int64_t lo = sim_hist_bucket_lo(i), hi = sim_hist_bucket_hi(i);
        assert_true(lo <= hi);
        assert_int_equal(sim_hist_bucket_index(lo), i);
        assert_int_equal(sim_hist_bucket_index(hi), i);
        if (i + 1 < SIM_HIST_NBUCKETS)
            assert_int_equal(sim_hist_bucket_lo(i + 1), hi + 1);
        if (lo >= 128) /* width <= lo / 64 */
            assert_true((uint64_t)(hi - lo) + 1 <= (uint64_t)lo / 64);
        else
            assert_int_equal(hi, lo);
    }
}

/* Quantiles of 200k lognormal latencies (1 us .. seconds) vs exact nearest-rank
 * quantiles of the sorted data. */
static void test_quantiles_within_1pct(void **state)
{
    sim_hist *h = *state;
    enum { N = 200000 };
    int64_t *x = malloc(N * sizeof(*x));
    sim_rng r;
    sim_rng_init(&r, 5, "hist.data");
    long double sum = 0;
    for (size_t i = 0; i < N; i++) {
        x[i] = (int64_t)gsl_ran_lognormal(sim_rng_gsl(&r), log(2e6), 1.5) + (i % 7);
        sim_hist_record(h, x[i]);
        sum += x[i];
    }
    sim_rng_fini(&r);
    qsort(x, N, sizeof(*x), cmp_i64);
    static const double ps[] = {0, 1e-5, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95,
                                0.99, 0.999, 0.9999, 1};
    for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
        size_t rank = (size_t)ceil(ps[k] * N);
        int64_t exact = x[rank ? rank - 1 : 0], got = sim_hist_quantile(h, ps[k]);
        double err = fabs((double)(got - exact)) / (double)exact;
        if (err > 0.01)
            fail_msg("p%g: hist %lld exact %lld (error %.4f)", ps[k], (long long)got, (long long)exact, err);
        assert_true(err <= 1.0 / 128 + 1e-12); /* the documented bound */
    }
    assert_int_equal(sim_hist_count(h), N);
    assert_int_equal(sim_hist_min(h), x[0]);
    assert_int_equal(sim_hist_max(h), x[N - 1]);
    assert_true(sim_hist_quantile(h, 0) == x[0]);
    assert_true(sim_hist_quantile(h, 1) == x[N - 1]);
    assert_true(fabs(sim_hist_mean(h) - (double)(sum / N)) <= 1e-9 * (double)(sum / N));
    assert_true(sim_hist_sum(h) == (double)sum);
    free(x);
}

static void test_exact_small_values_and_mean(void **state)
{
    sim_hist *h = *state;
    for (int64_t v = 1; v <= 100; v++)
        sim_hist_record(h, v);
    assert_int_equal(sim_hist_quantile(h, 0.5), 50);
    assert_int_equal(sim_hist_quantile(h, 0.99), 99);
    assert_true(sim_hist_mean(h) == 50.5);
    assert_int_equal(sim_hist_min(h), 1);
    assert_int_equal(sim_hist_max(h), 100);
    /* huge values: exact sum beyond 64 bits */
    sim_hist_reset(h);
    assert_int_equal(sim_hist_count(h), 0);
    assert_int_equal(sim_hist_quantile(h, 0.5), 0);
    assert_true(sim_hist_mean(h) == 0);
    sim_hist_record_n(h, INT64_MAX, 4);
    sim_hist_record_n(h, 3, 0); /* no-op */
    assert_int_equal(sim_hist_count(h), 4);
    assert_true(sim_hist_mean(h) == (double)INT64_MAX);
    assert_int_equal(sim_hist_max(h), INT64_MAX);
    assert_int_equal(sim_hist_min(h), INT64_MAX);
}

static void test_merge_equals_recording_both(void **state)
{
    sim_hist *h = *state;
    sim_hist both;
    sim_hist_init(&both);
    sim_rng r;
    sim_rng_init(&r, 6, "hist.merge");
    for (int i = 0; i < 50000; i++) {
        int64_t v = (int64_t)gsl_ran_exponential(sim_rng_gsl(&r), 1e5);
        sim_hist_record(&h[i % 3 == 0], v);
        sim_hist_record(&both, v);
    }
    sim_hist_record_n(&h[1], 123456789, 10);
    sim_hist_record_n(&both, 123456789, 10);
    sim_hist_merge(&h[0], &h[1]);
    assert_int_equal(sim_hist_count(&h[0]), sim_hist_count(&both));
    assert_int_equal(sim_hist_min(&h[0]), sim_hist_min(&both));
    assert_int_equal(sim_hist_max(&h[0]), sim_hist_max(&both));
    assert_true(sim_hist_sum(&h[0]) == sim_hist_sum(&both));
    sim_hist_iter a, b;
    sim_hist_iter_init(&a, &h[0]);
    sim_hist_iter_init(&b, &both);
    size_t n = 0;
    uint64_t total = 0;
    while (sim_hist_iter_next(&a)) {
        assert_true(sim_hist_iter_next(&b));
        assert_int_equal(a.lo, b.lo);
        assert_int_equal(a.hi, b.hi);
        assert_int_equal(a.count, b.count);
        assert_true(a.count > 0);
        total += a.count;
        n++;
    }
    assert_false(sim_hist_iter_next(&b));
    assert_true(n > 10);
    assert_int_equal(total, sim_hist_count(&both));
    for (double p = 0; p <= 1; p += 0.05)
        assert_int_equal(sim_hist_quantile(&h[0], p), sim_hist_quantile(&both, p));
    /* merging an empty histogram changes nothing; into an empty one copies */
    sim_hist empty;
    sim_hist_init(&empty);
    sim_hist_merge(&both, &empty);
    assert_int_equal(sim_hist_count(&both), sim_hist_count(&h[0]));
    sim_hist_merge(&empty, &both);
    assert_int_equal(sim_hist_min(&empty), sim_hist_min(&both));
    assert_int_equal(sim_hist_quantile(&empty, 0.5), sim_hist_quantile(&both, 0.5));
    sim_hist_fini(&empty);
    sim_hist_fini(&both);
    sim_rng_fini(&r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_layout),
        cmocka_unit_test_setup_teardown(test_quantiles_within_1pct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_small_values_and_mean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_equals_recording_both, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
