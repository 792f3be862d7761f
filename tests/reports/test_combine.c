/*
 * test_combine.c - replications combined into 95% Student-t intervals
 * (reports/combine.h, reports/replicate.h):
 *   - replication seeds: replication 0 is the seed itself, the others fixed
 *     values that must never change, all distinct and below 2^63;
 *   - the combined mean and half-width are exactly those of the replications
 *     run one by one with those seeds (t quantile from GSL);
 *   - the half-width shrinks like t(N-1)/sqrt(N): both N = 4 and N = 16 imply
 *     the same spread of the replications within a factor of 2;
 *   - an assertion holds only when the whole interval is inside its limits,
 *     checked at the exact edges (a limit on the interval's end holds, the
 *     next double beyond it does not), and a mean inside a limit with an
 *     interval crossing it fails;
 *   - counts of replications lacking a row are filled with zeros;
 *   - same seed, same summary bytes; another seed, other bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/bundle.h"
#include "config/meshsim_docs.h"
#include "models/mesh.h"
#include "reports/combine_int.h"
#include "reports/replicate.h"

typedef struct fixture {
    ms_diag *d;
    cfg_bundle b;
} fixture;

static void load(fixture *f, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", MESHSIM_SOURCE_DIR, rel);
    const char *paths[1] = {path};
    f->d = ms_diag_create();
    assert_int_equal(cfg_bundle_load(&f->b, f->d, paths, 1), 0);
}

static void unload(fixture *f)
{
    cfg_bundle_fini(&f->b);
    ms_diag_destroy(f->d);
}

/* n replications of the loaded scenario, `duration` long, seed overridden
 * when seed != 0. */
static rpt_combined *replicate(fixture *f, unsigned n, sim_time duration, uint64_t seed)
{
    mdl_options opt = {seed != 0, seed, true, duration};
    mdl_mesh *m = mdl_mesh_create(&f->b, &opt, f->d);
    assert_non_null(m);
    rpt_replicate_opts o = {opt, n, NULL, NULL, NULL, NULL};
    char err[256];
    rpt_combined *c = rpt_replicate_run(&f->b, m, &o, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(rpt_combined_count(c), n);
    return c;
}

static void test_replication_seeds(void **state)
{
    assert_true(rpt_replication_seed(42, 0) == 42);
    /* golden values: changing them changes every replicated result */
    assert_true(rpt_replication_seed(1, 1) == 3999735003017065618ULL);
    assert_true(rpt_replication_seed(1, 2) == 66247978908438004ULL);
    enum { N = 2000 };
    uint64_t *s = calloc(N, sizeof *s);
    for (unsigned i = 0; i < N; i++) {
        s[i] = rpt_replication_seed(7, i);
        assert_true(s[i] < (1ULL << 63));
        assert_true(s[i] == rpt_replication_seed(7, i));
        for (unsigned k = 0; k < i; k++)
            assert_true(s[k] != s[i]);
    }
    free(s);
}

static void test_mean_and_halfwidth_are_the_replications(void **state)
{
    fixture f;
    load(&f, "queueing/mm1.yaml");
    enum { N = 5 };
    sim_time dur = 20 * SIM_S;
    rpt_combined *c = replicate(&f, N, dur, 0);
    /* the same replications one by one */
    sim_welford w = {0};
    for (unsigned i = 0; i < N; i++) {
        mdl_options opt = {true, rpt_replication_seed(1, i), true, dur};
        mdl_mesh *m = mdl_mesh_create(&f.b, &opt, f.d);
        assert_non_null(m);
        assert_int_equal(mdl_mesh_run(m, NULL, NULL), 0);
        sim_welford_add(&w, sim_hist_mean(&mdl_mesh_probe(m, 0)->latency));
        assert_true(c->seeds[i] == opt.seed);
        mdl_mesh_destroy(m);
    }
    rpt_assertion *a = NULL;
    size_t na = rpt_combined_assertions(c, &a);
    assert_int_equal(na, 2);
    double mean = sim_welford_mean(&w);
    double hw = gsl_cdf_tdist_Pinv(0.975, N - 1) * sim_welford_stddev(&w) / sqrt(N);
    printf("# mean %.6f ms +- %.6f ms\n", mean / 1e6, hw / 1e6);
    assert_true(a[0].value == mean);
    assert_true(a[0].observed == mean / 1e6);
    assert_true(fabs(a[0].half_width - hw / 1e6) <= 1e-12 * hw / 1e6);
    assert_true(a[0].half_width > 0);
    assert_int_equal(a[0].replications, N);
    assert_int_equal(a[0].unmatched, 0);
    /* the application's queue and service add up to its time */
    assert_string_equal(rpt__domain_fig_name(MDL_NDOMAINS), "app_queue");
    assert_string_equal(rpt__domain_fig_name(MDL_NDOMAINS + 1), "app_service");
    double app = sim_welford_mean(&c->domain_ms[MDL_DOM_APP]);
    double queue = sim_welford_mean(&c->domain_ms[MDL_NDOMAINS]);
    double service = sim_welford_mean(&c->domain_ms[MDL_NDOMAINS + 1]);
    assert_true(queue > 2 * service && service > 0.9 && service < 1.1); /* Wq ~ 4 ms, 1/mu = 1 ms */
    assert_true(fabs(queue + service - app) <= 1e-9 * app);
    free(a);
    rpt_combined_destroy(c);
    unload(&f);
}

/* sigma implied by a half-width: hw * sqrt(n) / t(n-1) */
static double implied_sigma(const rpt_combined *c)
{
    double n = (double)c->n;
    return rpt__hw(&c->values[0]) * sqrt(n) / gsl_cdf_tdist_Pinv(0.975, n - 1);
}

static void test_interval_shrinks_like_one_over_sqrt_n(void **state)
{
    fixture f;
    load(&f, "queueing/mm1.yaml");
    rpt_combined *c4 = replicate(&f, 4, 20 * SIM_S, 0);
    rpt_combined *c16 = replicate(&f, 16, 20 * SIM_S, 0);
    double h4 = rpt__hw(&c4->values[0]), h16 = rpt__hw(&c16->values[0]);
    double s4 = implied_sigma(c4), s16 = implied_sigma(c16);
    printf("# half-width N=4 %.4f ms, N=16 %.4f ms; implied sigma %.4f / %.4f ms\n", h4 / 1e6,
           h16 / 1e6, s4 / 1e6, s16 / 1e6);
    assert_true(h16 < h4);
    assert_true(s4 / s16 > 0.5 && s4 / s16 < 2.0);
    /* 16 replications: the interval covers M/M/1's W = 5ms */
    double m16 = sim_welford_mean(&c16->values[0]);
    assert_true(fabs(m16 - 5e6) <= h16);
    rpt_combined_destroy(c4);
    rpt_combined_destroy(c16);
    unload(&f);
}

static bool holds(const rpt_combined *c)
{
    rpt_assertion *a = NULL;
    rpt_combined_assertions(c, &a);
    bool ok = a[0].passed;
    free(a);
    return ok;
}

static void test_assertion_needs_the_whole_interval(void **state)
{
    fixture f;
    load(&f, "queueing/mm1.yaml");
    rpt_combined *c = replicate(&f, 4, 10 * SIM_S, 0);
    cfg_assertion_spec *s = &f.b.sim->scenario.assertions[0]; /* latency.mean, ns */
    const sim_welford *w = &c->values[0];
    double mean = sim_welford_mean(w), hw = rpt__hw(w);
    assert_true(hw > 0 && isfinite(hw));
    double lo = mean - hw, hi = mean + hw;
    s->has_min = true, s->has_max = false;
    s->min.v = lo;
    assert_true(holds(c));
    s->min.v = nextafter(lo, INFINITY);
    assert_false(holds(c));
    s->has_min = false, s->has_max = true;
    s->max.v = hi;
    assert_true(holds(c));
    s->max.v = nextafter(hi, -INFINITY);
    assert_false(holds(c));
    s->has_min = true;
    s->min.v = lo, s->max.v = hi;
    assert_true(holds(c));
    /* the mean is inside, the interval is not: fails */
    s->has_min = false;
    s->max.v = mean;
    assert_false(holds(c));
    assert_true(rpt_assertion_within(s, mean)); /* what a single run would accept */
    rpt_combined_destroy(c);
    unload(&f);
}

static void test_missing_counts_are_zeros(void **state)
{
    sim_welford w = {0}, want = {0};
    sim_welford_add(&w, 3);
    sim_welford_add(&w, 5);
    sim_welford f = rpt__filled(&w, 4);
    double xs[] = {3, 5, 0, 0};
    for (int i = 0; i < 4; i++)
        sim_welford_add(&want, xs[i]);
    assert_int_equal(f.n, 4);
    assert_true(fabs(sim_welford_mean(&f) - 2.0) < 1e-15);
    assert_true(fabs(sim_welford_variance(&f) - sim_welford_variance(&want)) < 1e-12);
    assert_true(isinf(rpt__hw(&(sim_welford){0})));
}

static char *json(const rpt_combined *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rpt_assertion *a = NULL;
    size_t na = rpt_combined_assertions(c, &a);
    rpt_combined_json(f, c, a, na);
    fclose(f);
    free(a);
    return buf;
}

static void test_same_seed_same_bytes(void **state)
{
    fixture f;
    load(&f, "bookinfo");
    rpt_combined *x = replicate(&f, 3, 10 * SIM_S, 0);
    rpt_combined *y = replicate(&f, 3, 10 * SIM_S, 0);
    rpt_combined *z = replicate(&f, 3, 10 * SIM_S, 43);
    char *jx = json(x), *jy = json(y), *jz = json(z);
    assert_string_equal(jx, jy);
    assert_true(strcmp(jx, jz) != 0);
    assert_non_null(strstr(jx, "\"count\": 3"));
    assert_non_null(strstr(jx, "\"seeds\": [\n      42,"));
    assert_non_null(strstr(jx, "\"requests_ci95\": "));
    free(jx);
    free(jy);
    free(jz);
    rpt_combined_destroy(x);
    rpt_combined_destroy(y);
    rpt_combined_destroy(z);
    unload(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replication_seeds),
        cmocka_unit_test(test_mean_and_halfwidth_are_the_replications),
        cmocka_unit_test(test_interval_shrinks_like_one_over_sqrt_n),
        cmocka_unit_test(test_assertion_needs_the_whole_interval),
        cmocka_unit_test(test_missing_counts_are_zeros),
        cmocka_unit_test(test_same_seed_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
