/*
 * test_sources.c - load sources: an open-loop source following a rate pattern
 * of steps and a linear ramp sends, in every interval, the integral of its
 * rate over that interval (Poisson: within 4 standard deviations), for several
 * seeds; and the halves of the ramp tell a ramp from a step.  A closed loop
 * that cannot advance in simulated time stops the run with a positioned error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "config/bundle.h"
#include "models/mesh.h"

static void test_rate_pattern_with_ramp(void **state)
{
    /* the scenario's assertion windows, in order, and the integral of the
     * rate over each */
    static const double expected[] = {2000, 2000, 4000, 10000, 4000};
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/models/data/rate-pattern.yaml", MESHSIM_SOURCE_DIR);
    const char *paths[1] = {path};
    for (uint64_t seed = 1; seed <= 4; seed++) {
        ms_diag *d = ms_diag_create();
        cfg_bundle b;
        assert_int_equal(cfg_bundle_load(&b, d, paths, 1), 0);
        mdl_options opt = {true, seed, false, 0};
        mdl_mesh *m = mdl_mesh_create(&b, &opt, d);
        assert_non_null(m);
        assert_int_equal(mdl_mesh_run(m, NULL, NULL), 0);
        assert_int_equal(mdl_mesh_probe_count(m), 5);
        for (size_t i = 0; i < 5; i++) {
            double n = (double)mdl_mesh_probe(m, i)->requests;
            printf("# seed %llu window %zu: %.0f requests (expected %.0f)\n",
                   (unsigned long long)seed, i, n, expected[i]);
            assert_true(fabs(n - expected[i]) <= 4 * sqrt(expected[i]));
        }
        mdl_mesh_destroy(m);
        cfg_bundle_fini(&b);
        ms_diag_destroy(d);
    }
}

static void test_zero_time_closed_loop_stops(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/models/data/zero-time-loop.yaml", MESHSIM_SOURCE_DIR);
    const char *paths[1] = {path};
    ms_diag *d = ms_diag_create();
    cfg_bundle b;
    assert_int_equal(cfg_bundle_load(&b, d, paths, 1), 0);
    mdl_mesh *m = mdl_mesh_create(&b, NULL, d);
    assert_non_null(m);
    assert_null(mdl_mesh_run_error(m));
    assert_int_equal(mdl_mesh_run(m, NULL, NULL), 2);
    char want[2400];
    snprintf(want, sizeof want,
             "%s:34:13: error: closed-loop source \"load\": its users keep sending at 0 s "
             "without simulated time passing (requests answered at once, no think time); give "
             "it a thinkTime or the path a cost",
             path);
    assert_string_equal(mdl_mesh_run_error(m), want);
    mdl_mesh_destroy(m);
    cfg_bundle_fini(&b);
    ms_diag_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_pattern_with_ramp),
        cmocka_unit_test(test_zero_time_closed_loop_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
