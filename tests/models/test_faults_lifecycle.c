/*
 * test_faults_lifecycle.c - pod-kill, pod life cycle and the control plane:
 *   - a killed pod gets connections (UF) from a proxy only until the endpoint
 *     removal is pushed to it, and requests in flight at the kill are reset
 *     (UC); then no error at all;
 *   - with every pod killed: UF, then no healthy upstream (UH) until the
 *     replacements are ready and pushed, then recovery;
 *   - outlier detection ejects the dead pod long before a late push;
 *   - with a grace period longer than the push, the pod drains: no error;
 *   - the timeline shows the fault, the pod and the pushes with their times;
 *   - the same seed gives the same results;
 *   - faults naming what does not exist are refused at their node.
 */
#include "fault_fixture.h"
#include "policy/flags.h"

#define S 1000000000LL

static void test_pod_kill_until_push(void **state)
{
    run r;
    run_file(&r, "pod-kill.yaml", 0);
    const mdl_row *before = probe(&r, "before"), *stale = probe(&r, "stale"), *after = probe(&r, "after");
    assert_true(before->requests > 2500);
    assert_int_equal(before->errors, 0);
    /* the requests in flight on the pod when it died were reset */
    const mdl_results *res = mdl_mesh_results(r.m);
    assert_int_equal(res->nrows, 1);
    assert_true(res->rows[0]->flags[POL_FLAG_UC] >= 1);
    assert_int_equal(res->rows[0]->errors, res->rows[0]->flags[POL_FLAG_UC] + res->rows[0]->flags[POL_FLAG_UF]);
    /* 10s..12s: the proxy still sends to the dead pod: connect failures only */
    assert_true(stale->requests > 500);
    assert_true(stale->errors > stale->requests / 5);
    assert_int_equal(stale->errors, stale->flags[POL_FLAG_UF]);
    assert_int_equal(stale->errors, stale->codes[503]);
    /* from the push on: nothing fails, replacement or not */
    assert_true(after->requests > 8000);
    assert_int_equal(after->errors, 0);
    run_close(&r);
}

static void test_pod_kill_all_until_ready(void **state)
{
    run r;
    run_file(&r, "pod-kill-all.yaml", 0);
    const mdl_row *stale = probe(&r, "stale"), *none = probe(&r, "none-left"),
                  *unpushed = probe(&r, "none-ready"), *rec = probe(&r, "recovered");
    assert_true(stale->requests > 500);
    assert_int_equal(stale->flags[POL_FLAG_UF], stale->requests);
    /* the removal reached the proxy: no host left */
    assert_true(none->requests > 1500);
    assert_int_equal(none->flags[POL_FLAG_UH], none->requests);
    /* ready at 18s, but the proxy learns it at 20s */
    assert_true(unpushed->requests > 500);
    assert_int_equal(unpushed->flags[POL_FLAG_UH], unpushed->requests);
    assert_true(rec->requests > 5000);
    assert_int_equal(rec->errors, 0);
    /* the timeline: the fault, the pods, the pushes */
    const mdl_event *f = timeline_find(&r, "fault", "backend-", "pod-kill");
    assert_non_null(f);
    assert_int_equal(f->at_ns, 10 * S);
    const mdl_event *p = timeline_find(&r, "pod", "backend-0", "killed");
    assert_non_null(p);
    assert_int_equal(p->at_ns, 10 * S);
    assert_int_equal(p->end_ns, 15 * S);
    const mdl_event *gone = timeline_find(&r, "push", "backend-0", "not ready");
    assert_non_null(gone);
    assert_int_equal(gone->at_ns, 10 * S);
    assert_int_equal(gone->end_ns, 12 * S);
    const mdl_event *ready = timeline_find(&r, "push", "backend-0", "endpoint ready");
    assert_non_null(ready);
    assert_int_equal(ready->at_ns, 18 * S);
    assert_int_equal(ready->end_ns, 20 * S);
    run_close(&r);
}

static void test_pod_kill_ejected_before_push(void **state)
{
    run r;
    run_file(&r, "pod-kill-ejected.yaml", 0);
    const mdl_row *stale = probe(&r, "stale"), *after = probe(&r, "after");
    /* the first reset ejected the dead pod: no connection ever went to it */
    assert_int_equal(stale->errors, 0);
    assert_int_equal(after->errors, 0);
    const mdl_results *res = mdl_mesh_results(r.m);
    uint64_t uc = 0, uf = 0;
    for (size_t i = 0; i < res->nrows; i++) {
        uc += res->rows[i]->flags[POL_FLAG_UC];
        uf += res->rows[i]->flags[POL_FLAG_UF];
    }
    assert_true(uc >= 1);
    assert_int_equal(uf, 0);
    assert_true(mdl_mesh_probe_ejections(r.m, probe_index(&r, "after")) >= 1);
    run_close(&r);
}

static void test_pod_kill_graceful_drains(void **state)
{
    run r;
    run_file(&r, "pod-kill-graceful.yaml", 0);
    /* the same kill as pod-kill.yaml, with a grace period longer than the
     * push: not one request fails */
    const mdl_results *res = mdl_mesh_results(r.m);
    assert_int_equal(res->nrows, 1);
    assert_true(res->rows[0]->requests > 11000);
    assert_int_equal(res->rows[0]->errors, 0);
    const mdl_event *p = timeline_find(&r, "pod", "backend-", "terminating (grace 5000 ms)");
    assert_non_null(p);
    assert_int_equal(p->at_ns, 10 * S);
    assert_int_equal(p->end_ns, 15 * S);
    /* withdrawn at once, ready again 3s after the replacement was created */
    const mdl_event *gone = timeline_find(&r, "push", "backend-", "not ready");
    assert_non_null(gone);
    assert_int_equal(gone->at_ns, 10 * S);
    const mdl_event *back = timeline_find(&r, "push", "backend-", "endpoint ready");
    assert_non_null(back);
    assert_int_equal(back->at_ns, 18 * S);
    run_close(&r);
}

static void test_same_seed_same_results(void **state)
{
    run a, b, c;
    run_file(&a, "pod-kill.yaml", 0);
    run_file(&b, "pod-kill.yaml", 0);
    run_file(&c, "pod-kill.yaml", 12);
    const mdl_row *ra = probe(&a, "stale"), *rb = probe(&b, "stale"), *rc = probe(&c, "stale");
    assert_int_equal(ra->requests, rb->requests);
    assert_int_equal(ra->errors, rb->errors);
    assert_true(ra->requests != rc->requests || ra->errors != rc->errors);
    run_close(&a);
    run_close(&b);
    run_close(&c);
}

/* Faults the model refuses, each reported at its node (file:line:column). */
static void test_fault_errors(void **state)
{
    static const char *const want[] = {
        "fault-errors.yaml:29:65: error: count 3 is more than the 2 pods the selector matches",
        "fault-errors.yaml:30:42: error: pod-kill fault: its selector matches no pod",
        "fault-errors.yaml:31:48: error: node \"zone-a-3\" is not a node of the Cluster; did you mean \"zone-a-1\"?",
        "fault-errors.yaml:32:58: error: zone \"zone-c\" is not a zone of the Cluster; did you mean \"zone-a\"?",
        "fault-errors.yaml:33:86: error: region \"eu\" is not a region of the Cluster",
        "fault-errors.yaml:34:51: error: slowdown fault: its selector matches no pod",
        "fault-errors.yaml:35:54: error: external-outage: host \"api.example.com\" is not an external "
        "service (a MESH_EXTERNAL ServiceEntry host, or a WorkloadModel with that host)",
    };
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/models/data/fault-errors.yaml", MESHSIM_SOURCE_DIR);
    const char *p[1] = {path};
    ms_diag *d = ms_diag_create();
    cfg_bundle b;
    assert_int_equal(cfg_bundle_load(&b, d, p, 1), 0);
    assert_null(mdl_mesh_create(&b, NULL, d));
    assert_int_equal(ms_diag_count(d), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *msg = ms_diag_message(d, i);
        const char *tail = strstr(msg, "fault-errors.yaml:");
        if (!tail || strcmp(tail, want[i]))
            print_error("got  %s\nwant %s\n", msg, want[i]);
        assert_non_null(tail);
        assert_string_equal(tail, want[i]);
    }
    cfg_bundle_fini(&b);
    ms_diag_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_kill_until_push),
        cmocka_unit_test(test_pod_kill_all_until_ready),
        cmocka_unit_test(test_pod_kill_ejected_before_push),
        cmocka_unit_test(test_pod_kill_graceful_drains),
        cmocka_unit_test(test_same_seed_same_results),
        cmocka_unit_test(test_fault_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
