/*
 * test_stats.c - Welford mean/variance against a two-pass computation, the
 * Chan et al. merge, and the Student-t confidence half-width.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "sim/rng.h"
#include "sim/stats.h"

enum { N = 100000 };

static double data[N];

static void fill(double offset)
{
    sim_rng r;
    sim_rng_init(&r, 11, "stats.data");
    for (size_t i = 0; i < N; i++)
        data[i] = offset + sim_rng_uniform(&r) * 10;
    sim_rng_fini(&r);
}

static void two_pass(const double *x, size_t n, double *mean, double *var)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        q += (x[i] - *mean) * (x[i] - *mean);
    *var = q / (double)(n - 1);
}

static void test_welford_matches_two_pass(void **state)
{
    /* a large offset defeats the naive sum-of-squares formula */
    fill(1e9);
    sim_welford w;
    sim_welford_init(&w);
    for (size_t i = 0; i < N; i++)
        sim_welford_add(&w, data[i]);
    double mean, var;
    two_pass(data, N, &mean, &var);
    assert_int_equal(w.n, N);
    assert_true(fabs(sim_welford_mean(&w) - mean) <= 1e-12 * mean);
    assert_true(fabs(sim_welford_variance(&w) - var) <= 1e-6 * var);
    assert_true(fabs(sim_welford_stddev(&w) - sqrt(var)) <= 1e-6 * sqrt(var));
}

static void test_welford_merge(void **state)
{
    fill(3);
    sim_welford all = {0}, part[3] = {{0}}, merged = {0};
    for (size_t i = 0; i < N; i++) {
        sim_welford_add(&all, data[i]);
        sim_welford_add(&part[i < 10 ? 0 : i < 60000 ? 1 : 2], data[i]);
    }
    for (int k = 0; k < 3; k++)
        sim_welford_merge(&merged, &part[k]);
    sim_welford empty = {0};
    sim_welford_merge(&merged, &empty);
    assert_int_equal(merged.n, all.n);
    assert_true(fabs(merged.mean - all.mean) <= 1e-12 * all.mean);
    assert_true(fabs(sim_welford_variance(&merged) - sim_welford_variance(&all)) <= 1e-9 * sim_welford_variance(&all));
}

static void test_small_and_ci(void **state)
{
    sim_welford w;
    sim_welford_init(&w);
    assert_true(sim_welford_mean(&w) == 0);
    assert_true(sim_welford_variance(&w) == 0);
    assert_true(isinf(sim_welford_ci_halfwidth(&w, 0.95)));
    sim_welford_add(&w, 1);
    assert_true(sim_welford_variance(&w) == 0);
    sim_welford_add(&w, 3);
    assert_true(sim_welford_mean(&w) == 2);
    assert_true(fabs(sim_welford_variance(&w) - 2) < 1e-15);
    /* t_{0.975, 1} = 12.7062; s = sqrt 2; n = 2: half-width = 12.7062 */
    assert_true(fabs(sim_welford_ci_halfwidth(&w, 0.95) - 12.7062047) < 1e-5);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_welford_matches_two_pass),
        cmocka_unit_test(test_welford_merge),
        cmocka_unit_test(test_small_and_ci),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
