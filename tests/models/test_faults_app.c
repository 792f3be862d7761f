/*
 * test_faults_app.c - faults on the applications and on istiod:
 *   - slowdown: an M/M/1 server whose service times grow by a factor shows
 *     the sojourn time queueing theory predicts, W = S / (1 - rho), before and
 *     during the fault (95% Student-t interval over 10 seeds);
 *   - errors: the configured rate of the configured status during the fault
 *     (99.9% binomial interval), none before or after;
 *   - control-plane-down: an endpoint removal waits for istiod to come back,
 *     so a killed pod gets connections (UF) for as long, and none after.
 */
#include "fault_fixture.h"
#include "policy/flags.h"
#include "sim/stats.h"

static void test_slowdown_queueing(void **state)
{
    sim_welford before, slow;
    sim_welford_init(&before);
    sim_welford_init(&slow);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        run r;
        run_file(&r, "slowdown.yaml", seed);
        const mdl_row *b = probe(&r, "before"), *s = probe(&r, "slow");
        assert_true(b->requests > 11000);
        assert_true(s->requests > 27000);
        sim_welford_add(&before, sim_hist_mean(&b->latency) / 1e6);
        sim_welford_add(&slow, sim_hist_mean(&s->latency) / 1e6);
        run_close(&r);
    }
    assert_in_ci(&before, 1.0 / (1.0 - 0.5));  /* S = 1ms, rho = 0.5: 2ms */
    assert_in_ci(&slow, 1.6 / (1.0 - 0.8));    /* S = 1.6ms, rho = 0.8: 8ms */
}

static void test_errors_rate(void **state)
{
    run r;
    run_file(&r, "errors.yaml", 0);
    const mdl_row *before = probe(&r, "before"), *during = probe(&r, "during"),
                  *after = probe(&r, "after");
    assert_true(before->requests > 4000);
    assert_int_equal(before->errors, 0);
    assert_true(during->requests > 18000);
    assert_int_equal(during->errors, during->codes[503]);
    assert_proportion(during->errors, during->requests, 0.20);
    assert_true(after->requests > 4000);
    assert_int_equal(after->errors, 0);
    const mdl_event *e = timeline_find(&r, "fault", "app=backend", "errors rate=0.2 status=503");
    assert_non_null(e);
    assert_int_equal(e->at_ns, 10 * SIM_S);
    assert_int_equal(e->end_ns, 50 * SIM_S);
    run_close(&r);
}

static void test_control_plane_down_delays_removal(void **state)
{
    run r;
    run_file(&r, "control-plane-down.yaml", 0);
    const mdl_row *before = probe(&r, "before"), *stale = probe(&r, "stale"),
                  *after = probe(&r, "after");
    assert_int_equal(before->errors, 0);
    /* long after the 1s push delay, the dead pod still gets connections */
    assert_true(stale->requests > 3500);
    assert_true(stale->errors > stale->requests / 5);
    assert_int_equal(stale->errors, stale->flags[POL_FLAG_UF]);
    assert_true(after->requests > 3500);
    assert_int_equal(after->errors, 0);
    /* no push while istiod is down; the queued change goes out at 25s */
    assert_null(timeline_find(&r, "push", "backend", NULL));
    const mdl_event *resync = timeline_find(&r, "push", "istiod", "1 queued");
    assert_non_null(resync);
    assert_int_equal(resync->at_ns, 25 * SIM_S);
    assert_int_equal(resync->end_ns, 26 * SIM_S);
    const mdl_event *f = timeline_find(&r, "fault", "istiod", "control-plane-down");
    assert_non_null(f);
    assert_int_equal(f->at_ns, 5 * SIM_S);
    assert_int_equal(f->end_ns, 25 * SIM_S);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slowdown_queueing),
        cmocka_unit_test(test_errors_rate),
        cmocka_unit_test(test_control_plane_down_delays_removal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
