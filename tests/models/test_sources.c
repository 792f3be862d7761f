/*
 * test_sources.c - load sources: an open-loop source following a rate pattern
 * of steps and a linear ramp sends, in every interval, the integral of its
 * rate over that interval (Poisson: within 4 standard deviations), for several
 * seeds; and the halves of the ramp tell a ramp from a step.  A closed loop
 * that cannot advance in simulated time stops the run with a positioned error.
 */
#include "fault_fixture.h"

static void test_rate_pattern_with_ramp(void **state)
{
    /* the scenario's assertion windows, in order, and the integral of the
     * rate over each */
    static const double expected[] = {2000, 2000, 4000, 10000, 4000};
    for (uint64_t seed = 1; seed <= 4; seed++) {
        run r;
        run_file(&r, "rate-pattern.yaml", seed);
        const mdl_mesh *m = r.m;
        assert_int_equal(mdl_mesh_probe_count(m), 5);
        for (size_t i = 0; i < 5; i++) {
            double n = (double)mdl_mesh_probe(m, i)->requests;
            printf("# seed %llu window %zu: %.0f requests (expected %.0f)\n",
                   (unsigned long long)seed, i, n, expected[i]);
            assert_true(fabs(n - expected[i]) <= 4 * sqrt(expected[i]));
        }
        run_close(&r);
    }
}

static void test_zero_time_closed_loop_stops(void **state)
{
    const char *file = "zero-time-loop.yaml";
    run r;
    run_build(&r, &file, 1, 0);
    mdl_mesh *m = r.m;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/models/data/%s", MESHSIM_SOURCE_DIR, file);
    assert_null(mdl_mesh_run_error(m));
    assert_int_equal(mdl_mesh_run(m, NULL, NULL), 2);
    char want[2400];
    snprintf(want, sizeof want,
             "%s:34:13: error: closed-loop source \"load\": its users keep sending at 0 s "
             "without simulated time passing (requests answered at once, no think time); give "
             "it a thinkTime or the path a cost",
             path);
    assert_string_equal(mdl_mesh_run_error(m), want);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_pattern_with_ramp),
        cmocka_unit_test(test_zero_time_closed_loop_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
