/*
 * test_scenarios.c - end-to-end checks of the bundled scenarios:
 *   - every scenario in scenarios/ loads, runs and all its assertions hold;
 *   - the same seed gives a byte-identical summary.json, another seed another;
 *   - two meshes built in one process run the same as one alone;
 *   - a closed loop obeys the response-time law R = N/X - Z (Little's law
 *     over the whole loop of users, think time and server);
 *   - a Service with no endpoints answers 503 UH;
 *   - the Bookinfo-like scenario routes as its VirtualServices say: jason's
 *     requests reach reviews v2 only, the others split 90/10 over v1 and v3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/bundle.h"
#include "config/meshsim_docs.h"
#include "models/mesh.h"
#include "reports/assertions.h"
#include "reports/summary.h"

typedef struct run {
    ms_diag *d;
    cfg_bundle b;
    mdl_mesh *m;
} run;

static void run_open_path(run *r, const char *path, bool seed_set, uint64_t seed)
{
    const char *paths[1] = {path};
    r->d = ms_diag_create();
    assert_int_equal(cfg_bundle_load(&r->b, r->d, paths, 1), 0);
    mdl_options opt = {seed_set, seed, false, 0};
    r->m = mdl_mesh_create(&r->b, &opt, r->d);
    assert_non_null(r->m);
}

static void run_open(run *r, const char *rel, bool seed_set, uint64_t seed)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", MESHSIM_SOURCE_DIR, rel);
    run_open_path(r, path, seed_set, seed);
}

static void run_close(run *r)
{
    mdl_mesh_destroy(r->m);
    cfg_bundle_fini(&r->b);
    ms_diag_destroy(r->d);
}

/* summary.json of a finished run, as a malloc'd string. */
static char *summary(run *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rpt_assertion *a = NULL;
    size_t na = rpt_assertions_evaluate(r->m, &r->b.sim->scenario, &a);
    rpt_summary_json(f, r->m, a, na);
    fclose(f);
    free(a);
    return buf;
}

static char *run_summary(const char *rel, bool seed_set, uint64_t seed)
{
    run r;
    run_open(&r, rel, seed_set, seed);
    assert_int_equal(mdl_mesh_run(r.m, NULL, NULL), 0);
    char *s = summary(&r);
    run_close(&r);
    return s;
}

static void test_every_scenario_passes(void **state)
{
    static const char *const all[] = {"bookinfo", "queueing/mm1.yaml", "queueing/mm2.yaml",
                                      "queueing/md1.yaml", "queueing/closed.yaml",
                                      "queueing/sidecar.yaml"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        run r;
        run_open(&r, all[i], false, 0);
        assert_int_equal(mdl_mesh_run(r.m, NULL, NULL), 0);
        rpt_assertion *a = NULL;
        size_t na = rpt_assertions_evaluate(r.m, &r.b.sim->scenario, &a);
        assert_true(na > 0);
        for (size_t k = 0; k < na; k++) {
            if (!a[k].passed)
                print_error("%s: %s failed (observed %g %s, %s)\n", all[i], a[k].name, a[k].observed,
                            a[k].unit, a[k].limit);
            assert_true(a[k].passed);
        }
        free(a);
        run_close(&r);
    }
}

static void test_same_seed_same_bytes(void **state)
{
    char *a = run_summary("bookinfo", false, 0);
    char *b = run_summary("bookinfo", false, 0);
    char *c = run_summary("bookinfo", true, 43);
    assert_string_equal(a, b);
    assert_true(strcmp(a, c) != 0);
    assert_non_null(strstr(a, "\"seed\": 42"));
    assert_non_null(strstr(c, "\"seed\": 43"));
    free(a);
    free(b);
    free(c);
}

static void test_two_meshes_in_one_process(void **state)
{
    char *alone = run_summary("bookinfo", false, 0);
    run x, y;
    run_open(&x, "bookinfo", false, 0);
    run_open(&y, "queueing/mm1.yaml", false, 0);
    assert_int_equal(mdl_mesh_run(y.m, NULL, NULL), 0);
    assert_int_equal(mdl_mesh_run(x.m, NULL, NULL), 0);
    char *s = summary(&x);
    assert_string_equal(alone, s);
    free(s);
    free(alone);
    run_close(&x);
    run_close(&y);
}

static const mdl_row *find_row(const mdl_results *res, const char *src, const char *dst,
                               const char *ver)
{
    for (size_t i = 0; i < res->nrows; i++)
        if (!strcmp(res->rows[i]->source, src) && !strcmp(res->rows[i]->destination, dst) &&
            !strcmp(res->rows[i]->version, ver))
            return res->rows[i];
    return NULL;
}

static void test_bookinfo_routes_as_configured(void **state)
{
    run r;
    run_open(&r, "bookinfo", false, 0);
    assert_int_equal(mdl_mesh_run(r.m, NULL, NULL), 0);
    const mdl_results *res = mdl_mesh_results(r.m);
    const mdl_row *root = find_row(res, "browsers", "productpage", "v1");
    const mdl_row *v1 = find_row(res, "productpage-v1", "reviews", "v1");
    const mdl_row *v2 = find_row(res, "productpage-v1", "reviews", "v2");
    const mdl_row *v3 = find_row(res, "productpage-v1", "reviews", "v3");
    assert_non_null(root);
    assert_non_null(v1);
    assert_non_null(v2);
    assert_non_null(v3);
    /* reviews v2 answers jason only (10% of the mix), so v2 calls ratings
     * as often as it is called, but for the calls that straddle the edges of
     * the measured window (called before it ends, calling after) */
    const mdl_row *v2r = find_row(res, "reviews-v2", "ratings", "v1");
    assert_non_null(v2r);
    assert_true(llabs((long long)v2r->requests - (long long)v2->requests) <= 2);
    double jason = (double)v2->requests / (double)root->requests;
    assert_true(jason > 0.08 && jason < 0.12);
    /* the others: 90/10 between v1 and v3 */
    double share_v3 = (double)v3->requests / (double)(v1->requests + v3->requests);
    assert_true(share_v3 > 0.08 && share_v3 < 0.12);
    /* reviews v1 calls nobody */
    assert_null(find_row(res, "reviews-v1", "ratings", "v1"));
    /* the domain split adds up to the mean latency */
    double sum = 0;
    for (int d = 0; d < MDL_NDOMAINS; d++)
        sum += root->domain_ns[d];
    double mean = sim_hist_mean(&root->latency) * (double)root->requests;
    assert_true(sum > mean * 0.999 && sum < mean * 1.001);
    run_close(&r);
}

static void test_closed_loop_response_time_law(void **state)
{
    run r;
    run_open(&r, "queueing/closed.yaml", false, 0);
    assert_int_equal(mdl_mesh_run(r.m, NULL, NULL), 0);
    const mdl_results *res = mdl_mesh_results(r.m);
    const mdl_row *row = find_row(res, "users", "server", "");
    assert_non_null(row);
    double x = (double)row->requests / mdl_mesh_measured_seconds(r.m); /* per s */
    double n = 10, z = 0.010;                                          /* users, think (s) */
    double law = n / x - z;
    double measured = sim_hist_mean(&row->latency) / 1e9;
    printf("# X %.1f/s  R measured %.4f ms  N/X - Z %.4f ms\n", x, measured * 1e3, law * 1e3);
    assert_true(fabs(measured - law) / law < 0.03);
    run_close(&r);
}

static void test_service_without_endpoints_answers_503_uh(void **state)
{
    run r;
    run_open_path(&r, MESHSIM_SOURCE_DIR "/tests/models/data/no-endpoints.yaml", false, 0);
    assert_int_equal(mdl_mesh_run(r.m, NULL, NULL), 0);
    const mdl_row *row = find_row(mdl_mesh_results(r.m), "load", "ghost", "");
    assert_non_null(row);
    assert_true(row->requests > 100);
    assert_int_equal(row->codes[503], row->requests);
    assert_int_equal(row->flags[POL_FLAG_UH], row->requests);
    assert_int_equal(row->errors, row->requests);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_scenario_passes),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_two_meshes_in_one_process),
        cmocka_unit_test(test_bookinfo_routes_as_configured),
        cmocka_unit_test(test_closed_loop_response_time_law),
        cmocka_unit_test(test_service_without_endpoints_answers_503_uh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
