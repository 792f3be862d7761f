/*
 * test_dist.c - every distribution against its analytic mean and quantiles,
 * the lognormal (median, p99) parametrisation, the empirical table (including
 * its atoms outside the table), and rejection of invalid specs.
 *
 * Statistical checks use N = 200,000 draws from fixed seeds:
 *   mean:      |sample mean - mean| <= 3.29 s / sqrt(N)  (99.9% two-sided)
 *   quantiles: with tol = 4 sqrt(p(1-p)/N) (binomial), the fraction of draws
 *              <= quantile(p) is within tol of p, and the sample p50/p99 lie
 *              in [quantile(p - tol), quantile(p + tol)] (and within 5% of
 *              quantile(p) for the smooth kinds).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "sim/dist.h"

#define N 200000

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *draws(const sim_dist *d, const char *stream)
{
    static double x[N];
    sim_rng r;
    sim_rng_init(&r, 2024, stream);
    for (size_t i = 0; i < N; i++) {
        x[i] = sim_dist_sample(d, &r);
        assert_true(x[i] >= 0);
    }
    sim_rng_fini(&r);
    return x;
}

static void check_dist(const ms_dist_spec *spec, const char *stream)
{
    sim_dist d;
    assert_int_equal(sim_dist_init(&d, spec), 0);
    double *x = draws(&d, stream);
    double sum = 0, sq = 0;
    for (size_t i = 0; i < N; i++)
        sum += x[i];
    double mean = sum / N;
    for (size_t i = 0; i < N; i++)
        sq += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(sq / (N - 1));
    double bound = 3.29 * sd / sqrt((double)N);
    if (fabs(mean - sim_dist_mean(&d)) > bound)
        fail_msg("%s: sample mean %g, analytic %g, bound %g", stream, mean, sim_dist_mean(&d), bound);

    static const double ps[] = {0.5, 0.99};
    qsort(x, N, sizeof(double), cmp_double);
    for (size_t k = 0; k < 2; k++) {
        double p = ps[k], q = sim_dist_quantile(&d, p);
        size_t below = 0;
        while (below < N && x[below] <= q)
            below++;
        double frac = (double)below / N, tol = 4 * sqrt(p * (1 - p) / N);
        if (spec->kind != MS_DIST_CONSTANT && fabs(frac - p) > tol)
            fail_msg("%s: P(X <= q%g) = %g, want %g +- %g", stream, p, frac, p, tol);
        double sample_q = x[(size_t)ceil(p * N) - 1];
        double qlo = sim_dist_quantile(&d, p - tol), qhi = sim_dist_quantile(&d, p + tol);
        if (sample_q < qlo || sample_q > qhi)
            fail_msg("%s: sample p%g %g outside [%g, %g]", stream, p * 100, sample_q, qlo, qhi);
        if (spec->kind != MS_DIST_EMPIRICAL && fabs(sample_q - q) > 0.05 * q)
            fail_msg("%s: sample p%g %g, analytic %g", stream, p * 100, sample_q, q);
    }
}

static void test_constant(void **state)
{
    ms_dist_spec s = ms_dist_constant(1500);
    check_dist(&s, "constant");
    sim_dist d;
    sim_dist_init(&d, &s);
    assert_true(sim_dist_quantile(&d, 0.3) == 1500);
    assert_true(sim_dist_mean(&d) == 1500);
}

static void test_exponential(void **state)
{
    ms_dist_spec s = ms_dist_exponential(5e6);
    check_dist(&s, "exponential");
}

static void test_lognormal_median_p99(void **state)
{
    ms_dist_spec s = {.kind = MS_DIST_LOGNORMAL, .median = 20e6, .p99 = 200e6};
    check_dist(&s, "lognormal");
    sim_dist d;
    assert_int_equal(sim_dist_init(&d, &s), 0);
    /* the parametrisation reproduces the spec exactly... */
    assert_true(fabs(sim_dist_quantile(&d, 0.5) - 20e6) < 1);
    assert_true(fabs(sim_dist_quantile(&d, 0.99) - 200e6) < 10);
    /* ...and so do the draws */
    double *x = draws(&d, "lognormal.spec");
    qsort(x, N, sizeof(double), cmp_double);
    assert_true(fabs(x[N / 2 - 1] / 20e6 - 1) < 0.01);
    assert_true(fabs(x[(size_t)(0.99 * N) - 1] / 200e6 - 1) < 0.04);
}

static void test_gamma(void **state)
{
    ms_dist_spec s = {.kind = MS_DIST_GAMMA, .mean = 1e6, .cv = 0.5};
    check_dist(&s, "gamma");
    ms_dist_spec s2 = {.kind = MS_DIST_GAMMA, .mean = 1e6, .cv = 2}; /* shape 1/4 */
    check_dist(&s2, "gamma.cv2");
}

static void test_uniform(void **state)
{
    ms_dist_spec s = {.kind = MS_DIST_UNIFORM, .min = 1000, .max = 3000};
    check_dist(&s, "uniform");
}

static void test_pareto(void **state)
{
    ms_dist_spec s = {.kind = MS_DIST_PARETO, .scale = 1e6, .shape = 3};
    check_dist(&s, "pareto");
    sim_dist d;
    assert_int_equal(sim_dist_init(&d, &s), 0);
    assert_true(fabs(sim_dist_mean(&d) - 1.5e6) < 1e-3);
    assert_true(sim_dist_quantile(&d, 0) == 1e6);
    ms_dist_spec heavy = {.kind = MS_DIST_PARETO, .scale = 1, .shape = 1};
    assert_int_equal(sim_dist_init(&d, &heavy), 0);
    assert_true(isinf(sim_dist_mean(&d)));
}

static void test_weibull(void **state)
{
    ms_dist_spec s = {.kind = MS_DIST_WEIBULL, .scale = 2e6, .shape = 1.5};
    check_dist(&s, "weibull");
    sim_dist d;
    sim_dist_init(&d, &s);
    assert_true(fabs(sim_dist_mean(&d) - 2e6 * 0.9027452929509336) < 1);
}

static void test_empirical(void **state)
{
    ms_dist_spec s = {.kind = MS_DIST_EMPIRICAL, .nquantiles = 5,
                      .q_p = {0, 0.5, 0.9, 0.99, 1}, .q_v = {1000, 10000, 50000, 200000, 1000000}};
    check_dist(&s, "empirical");
    sim_dist d;
    assert_int_equal(sim_dist_init(&d, &s), 0);
    assert_true(sim_dist_quantile(&d, 0.5) == 10000);
    assert_true(fabs(sim_dist_quantile(&d, 0.7) - 30000) < 1e-6);
    assert_true(sim_dist_quantile(&d, 1) == 1000000);
    double want = 0.5 * 5500 + 0.4 * 30000 + 0.09 * 125000 + 0.01 * 600000;
    assert_true(fabs(sim_dist_mean(&d) - want) < 1e-6);
}

/* Outside the table: atoms at the first and last values. */
static void test_empirical_atoms(void **state)
{
    ms_dist_spec s = {.kind = MS_DIST_EMPIRICAL, .nquantiles = 2, .q_p = {0.2, 0.8}, .q_v = {5, 10}};
    sim_dist d;
    assert_int_equal(sim_dist_init(&d, &s), 0);
    assert_true(sim_dist_quantile(&d, 0.1) == 5);
    assert_true(sim_dist_quantile(&d, 0.9) == 10);
    assert_true(fabs(sim_dist_mean(&d) - 7.5) < 1e-12);
    double *x = draws(&d, "empirical.atoms");
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(x[i] >= 5 && x[i] <= 10);
        lo += x[i] == 5;
        hi += x[i] == 10;
    }
    double tol = 4 * sqrt(0.2 * 0.8 / N);
    assert_true(fabs((double)lo / N - 0.2) < tol);
    assert_true(fabs((double)hi / N - 0.2) < tol);
    ms_dist_spec one = {.kind = MS_DIST_EMPIRICAL, .nquantiles = 1, .q_p = {0.5}, .q_v = {42}};
    assert_int_equal(sim_dist_init(&d, &one), 0);
    assert_true(sim_dist_mean(&d) == 42);
}

static void test_invalid_specs_rejected(void **state)
{
    const ms_dist_spec bad[] = {
        ms_dist_constant(-1),
        ms_dist_constant(NAN),
        ms_dist_exponential(0),
        ms_dist_exponential(-5),
        ms_dist_exponential(INFINITY),
        {.kind = MS_DIST_LOGNORMAL, .median = 20, .p99 = 20},
        {.kind = MS_DIST_LOGNORMAL, .median = 20, .p99 = 10},
        {.kind = MS_DIST_LOGNORMAL, .median = 0, .p99 = 10},
        {.kind = MS_DIST_GAMMA, .mean = 1, .cv = 0},
        {.kind = MS_DIST_GAMMA, .mean = 1, .cv = -1},
        {.kind = MS_DIST_GAMMA, .mean = 0, .cv = 1},
        {.kind = MS_DIST_UNIFORM, .min = 5, .max = 4},
        {.kind = MS_DIST_UNIFORM, .min = -1, .max = 4},
        {.kind = MS_DIST_PARETO, .scale = 0, .shape = 2},
        {.kind = MS_DIST_PARETO, .scale = 1, .shape = 0},
        {.kind = MS_DIST_WEIBULL, .scale = 1, .shape = -2},
        {.kind = MS_DIST_WEIBULL, .scale = 0, .shape = 2},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = 0},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = MS_DIST_MAX_QUANTILES + 1},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = 2, .q_p = {0.5, 0.5}, .q_v = {1, 2}},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = 2, .q_p = {0.6, 0.5}, .q_v = {1, 2}},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = 2, .q_p = {0.1, 0.5}, .q_v = {3, 2}},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = 2, .q_p = {0.1, 1.5}, .q_v = {1, 2}},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = 2, .q_p = {-0.1, 0.5}, .q_v = {1, 2}},
        {.kind = MS_DIST_EMPIRICAL, .nquantiles = 2, .q_p = {0.1, 0.5}, .q_v = {-1, 2}},
        {.kind = (ms_dist_kind)99},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sim_dist d;
        if (sim_dist_init(&d, &bad[i]) != -1)
            fail_msg("invalid spec %zu (%s) accepted", i, sim_dist_kind_name(bad[i].kind));
    }
    ms_dist_spec ok = {.kind = MS_DIST_UNIFORM, .min = 4, .max = 4};
    sim_dist d;
    assert_int_equal(sim_dist_init(&d, &ok), 0);
    assert_string_equal(sim_dist_kind_name(MS_DIST_WEIBULL), "weibull");
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_lognormal_median_p99),
        cmocka_unit_test(test_gamma),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_pareto),
        cmocka_unit_test(test_weibull),
        cmocka_unit_test(test_empirical),
        cmocka_unit_test(test_empirical_atoms),
        cmocka_unit_test(test_invalid_specs_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
