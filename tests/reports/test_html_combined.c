/*
 * test_html_combined.c - report.html at the top of a replicated run's report
 * directory (reports/html_combined.h), from 4 replications of the M/M/1
 * scenario:
 *   - the page is well-formed XML (xmllint --noout) and loads nothing (no
 *     src=, no script, a Content-Security-Policy forbidding fetches);
 *   - the verdict and every assertion row match rpt_combined_assertions:
 *     badge, mean and the interval [mean - hw, mean + hw] as printed;
 *   - the route table has one row per combined route, each figure with its
 *     ± half-width;
 *   - the replication table has one row per replication with its seed, and
 *     its link points at that replication's own report.html, which exists;
 *   - the page is a pure function of the inputs and seed: the same bytes
 *     from a second run into another directory (footer aside: no clock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/combine.h"
#include "reports/replicate.h"
#include "run_fixture.h"

#define MM1 MESHSIM_SOURCE_DIR "/scenarios/queueing/mm1.yaml"

#define REPS 4

/* Replicate mm1 into `dir`; returns the combination. */
static rpt_combined *replicate_into(rf_run *r, const char *dir)
{
    mdl_options opt = {false, 0, true, 20 * SIM_S};
    mdl_mesh *m = mdl_mesh_create(&r->b, &opt, r->d);
    assert_non_null(m);
    rpt_run_info info = {.version = "test-version", .command_line = "meshsim run mm1 & <more>"};
    rpt_replicate_opts o = {opt, REPS, dir, &info, NULL, NULL};
    char err[256];
    rpt_combined *c = rpt_replicate_run(&r->b, m, &o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

/* The text of the element starting at `from` up to `end_tag`, or fail. */
static char *between(const char *from, const char *end_tag)
{
    assert_non_null(from);
    const char *end = strstr(from, end_tag);
    assert_non_null(end);
    return strndup(from, (size_t)(end - from));
}

static void test_combined_page(void **state)
{
    rf_run r;
    assert_int_equal(rf_run_load(&r, MM1, NULL, false), 0);
    char dir[256], page[512], cmd[1024];
    rf_scratch_dir(dir, sizeof dir, "html-combined-test", false);
    rpt_combined *c = replicate_into(&r, dir);
    snprintf(page, sizeof page, "%s/report.html", dir);
    char *h = rf_slurp(page, NULL);
    assert_non_null(h);

    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", page);
    assert_int_equal(system(cmd), 0);
    assert_null(strstr(h, "src="));
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "<link"));
    assert_non_null(strstr(h, "content=\"default-src 'none';"));
    assert_non_null(strstr(h, "<b>4</b> replications"));
    assert_non_null(strstr(h, "meshsim <b>test-version</b>"));
    assert_non_null(strstr(h, "meshsim run mm1 &amp; &lt;more&gt;"));

    rpt_assertion *a = NULL;
    size_t na = rpt_combined_assertions(c, &a);
    assert_int_equal(na, 2);
    size_t failed = 0;
    for (size_t i = 0; i < na; i++)
        failed += !a[i].passed;
    char want[256];
    if (failed)
        snprintf(want, sizeof want, "FAIL: %zu of 2 assertions failed", failed);
    else
        snprintf(want, sizeof want, "PASS: all 2 assertions hold over the whole interval");
    assert_non_null(strstr(h, want));

    char *table = between(strstr(h, "<table id=\"assertion-table\">"), "</table>");
    assert_int_equal(rf_count(table, "<span class=\"badge "), na);
    const char *row = table;
    for (size_t i = 0; i < na; i++) {
        row = strstr(row, "<tr class=");
        assert_non_null(row);
        char *tr = between(row, "</tr>");
        assert_non_null(strstr(tr, a[i].passed ? ">PASS<" : ">FAIL<"));
        assert_non_null(strstr(tr, a[i].name));
        assert_string_equal(a[i].unit, "ms");
        snprintf(want, sizeof want, ">%.4g ms<", a[i].observed);
        assert_non_null(strstr(tr, want));
        snprintf(want, sizeof want, ">[%.4g ms, %.4g ms]<", a[i].observed - a[i].half_width,
                 a[i].observed + a[i].half_width);
        if (!strstr(tr, want))
            fail_msg("row %zu lacks %s: %s", i, want, tr);
        assert_non_null(strstr(tr, ">0 of 4<"));
        free(tr);
        row++;
    }
    free(table);

    table = between(strstr(h, "<table id=\"route-table\">"), "</table>");
    size_t routes = rf_count(table, "<tr>") - 1; /* the header row */
    assert_true(routes >= 1);
    assert_true(rf_count(table, " ± ") >= routes * 9);
    free(table);

    /* the domain table: the single run's columns, the application split into
     * its queue and its service (M/M/1 at rho = 0.8: about 4 ms and 1 ms) */
    table = between(strstr(h, "<table id=\"domain-table\">"), "</table>");
    assert_non_null(strstr(table, "<th class=\"num\">Ingress</th><th class=\"num\">Mesh</th>"
                                  "<th class=\"num\">Node network</th><th class=\"num\">App queue"
                                  "</th><th class=\"num\">App service</th>"));
    assert_int_equal(rf_count(table, " ± "), 5);
    assert_null(strstr(table, ">app<"));
    free(table);

    table = between(strstr(h, "<table id=\"replication-table\">"), "</table>");
    assert_int_equal(rf_count(table, "<a href=\"replications/"), REPS);
    for (unsigned i = 0; i < REPS; i++) {
        snprintf(want, sizeof want, "<td class=\"num\">%u</td><td class=\"num\">%llu</td>", i,
                 (unsigned long long)rpt_replication_seed(1, i)); /* mm1's seed */
        assert_non_null(strstr(table, want));
        char link[64], target[600];
        snprintf(link, sizeof link, "<a href=\"replications/%04u/report.html\">", i);
        assert_non_null(strstr(table, link));
        snprintf(target, sizeof target, "%s/replications/%04u/report.html", dir, i);
        assert_int_equal(access(target, R_OK), 0);
    }
    free(table);

    /* the same bytes again, in another directory */
    char dir2[256];
    rf_scratch_dir(dir2, sizeof dir2, "html-combined-test-again", false);
    rpt_combined *c2 = replicate_into(&r, dir2);
    snprintf(page, sizeof page, "%s/report.html", dir2);
    char *h2 = rf_slurp(page, NULL);
    assert_non_null(h2);
    assert_string_equal(h, h2);
    free(h2);
    rpt_combined_destroy(c2);
    rf_remove_dir(dir2);

    free(a);
    free(h);
    rpt_combined_destroy(c);
    rf_remove_dir(dir);
    rf_run_fini(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_combined_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
