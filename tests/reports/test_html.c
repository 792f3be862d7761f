/*
 * test_html.c - report.html made from a known results file
 * (results_fixture.h):
 *   - the page is well-formed XML (xmllint --noout), starts with the scenario,
 *     seed, version and the verdict, and has the assertion table before the
 *     route, domain and timeline tables and the charts;
 *   - every text from the file is escaped (scenario, route, assertion names);
 *   - every chart is inlined as an <svg> with ids unique across the page and
 *     every in-page reference pointing at an existing id;
 *   - the page loads nothing: no src=, no link, no script, only in-page
 *     references, and a Content-Security-Policy that forbids fetching;
 *   - without gnuplot the page is still written and says why there is no
 *     chart; an unreadable results file leaves no page behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/charts.h"
#include "reports/charts_report.h"
#include "results_fixture.h"
#include "run_fixture.h"

typedef struct fixture {
    char dir[256], db[512], page[512];
    char *html;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    rf_scratch_dir(f->dir, sizeof f->dir, "html-test", true);
    snprintf(f->db, sizeof f->db, "%s/results.sqlite", f->dir);
    snprintf(f->page, sizeof f->page, "%s/report.html", f->dir);
    if (fixture_write(f->db, "canary & <co>") != 0)
        return -1;
    char err[1024];
    size_t drawn;
    if (rpt_report_draw(f->db, f->dir, false, stderr, &drawn, err, sizeof err) != 0 ||
        drawn != RPT_NCHARTS) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    f->html = rf_slurp(f->page, NULL);
    *state = f;
    return f->html ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rf_remove_dir(f->dir);
    free(f->html);
    free(f);
    return 0;
}

static const char *at(const char *html, const char *needle)
{
    const char *p = strstr(html, needle);
    if (!p)
        fail_msg("the page lacks \"%s\"", needle);
    return p;
}

static size_t count(const char *html, const char *needle)
{
    size_t n = 0;
    for (const char *p = html; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_well_formed(void **state)
{
    fixture *f = *state;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", f->page);
    assert_int_equal(system(cmd), 0);
    const char *head = "<!DOCTYPE html>\n<html lang=\"en\"";
    assert_true(strncmp(f->html, head, strlen(head)) == 0);
    assert_int_equal(count(f->html, ".tmp"), 0);
    assert_int_equal(access(f->page, F_OK), 0);
}

static void test_order_and_verdict(void **state)
{
    fixture *f = *state;
    const char *h = f->html;
    const char *title = at(h, "<h1>canary &amp; &lt;co&gt;</h1>");
    const char *seed = at(h, "seed <b>42</b>");
    const char *version = at(h, "meshsim <b>9.8.7</b>");
    const char *verdict = at(h, "<p class=\"verdict fail\" id=\"verdict\">FAIL: 2 of 3 assertions failed</p>");
    const char *table = at(h, "<table id=\"assertion-table\">");
    const char *routes = at(h, "<table id=\"route-table\">");
    const char *domains = at(h, "<table id=\"domain-table\">");
    const char *timeline = at(h, "<table id=\"timeline-table\">");
    const char *charts = at(h, "<section id=\"charts\">");
    assert_true(title < seed && seed < version && version < verdict && verdict < table);
    assert_true(table < routes && routes < domains && domains < timeline && timeline < charts);
    at(h, "<span class=\"badge pass\">PASS</span></td><td>product page p99 &lt; 250ms</td>"
          "<td>latency.p99</td><td>destination=productpage</td><td>160 ms</td><td>max 250ms</td>");
    at(h, "<span class=\"badge fail\">FAIL</span></td><td>errors &lt;1% &amp; &quot;fast&quot;</td>"
          "<td>error_rate</td><td>-</td><td>2%</td><td>max 1%</td>");
    at(h, "<td><span class=\"note\">no request matched</span></td><td>min 1</td>");
    /* the route table: the fixture's ratings row, escaped route name */
    at(h, "<td>productpage</td><td>ratings v1</td><td>ratings</td>"
          "<td>r&lt;1&gt;&amp;&quot;x&quot;&#39;y&#39; \u00e9</td><td class=\"num\">2500</td>"
          "<td class=\"num\">50.0</td><td class=\"num\">98.00%</td>");
    /* domains: ingress, mesh, node, the application's queue and service (44.9 ms
     * of app time in the fixture, not shown as such), mean */
    at(h, "<th class=\"num\">Node network</th><th class=\"num\">App queue</th>"
          "<th class=\"num\">App service</th><th class=\"num\">Mean latency</th>");
    at(h, "<td>browsers \u2192 productpage v1</td><td class=\"num\">2.00</td>"
          "<td class=\"num\">0.80</td><td class=\"num\">0.30</td><td class=\"num\">5.50</td>"
          "<td class=\"num\">39.4</td><td class=\"num\">48.0</td>");
    at(h, "<tr><td class=\"num\">20.000</td><td class=\"num\">30.000</td><td class=\"kind\">fault"
          "</td><td>reviews</td><td>abort 10% 503</td></tr>");
    assert_int_equal(count(h, "<td class=\"kind\">"), 7);
}

static void test_charts_inlined_with_unique_ids(void **state)
{
    fixture *f = *state;
    const char *h = f->html;
    assert_int_equal(count(h, "<svg class=\"chart\""), RPT_NCHARTS);
    for (size_t i = 0; i < RPT_NCHARTS; i++) {
        char fig[64];
        snprintf(fig, sizeof fig, "<figure id=\"chart-%s\">\n<svg class=\"chart\"", rpt_chart_name(i));
        at(h, fig);
    }
    assert_int_equal(count(h, "<?xml"), 0);
    assert_int_equal(count(h, "<title>Gnuplot</title>"), 0);
    /* every id once; every in-page reference names one of them */
    size_t nids = 0;
    char **ids = calloc(count(h, " id=") + 1, sizeof *ids);
    for (const char *p = h; (p = strstr(p, " id=")); p += 4) {
        char q = p[4];
        const char *end = strchr(p + 5, q);
        ids[nids++] = strndup(p + 5, (size_t)(end - p - 5));
    }
    for (size_t i = 0; i < nids; i++)
        for (size_t j = i + 1; j < nids; j++)
            if (!strcmp(ids[i], ids[j]))
                fail_msg("id \"%s\" appears twice", ids[i]);
    size_t refs = 0;
    const char *ref_starts[] = {"href='#", "href=\"#", "url(#"};
    for (size_t k = 0; k < 3; k++)
        for (const char *p = h; (p = strstr(p, ref_starts[k])); p++) {
            p += strlen(ref_starts[k]);
            size_t n = strcspn(p, "'\")");
            bool found = false;
            for (size_t i = 0; i < nids && !found; i++)
                found = strlen(ids[i]) == n && !strncmp(ids[i], p, n);
            if (!found)
                fail_msg("reference to a missing id: %.*s", (int)n, p);
            refs++;
        }
    assert_true(refs > RPT_NCHARTS); /* the nav links and gnuplot's point shapes */
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
}

static void test_self_contained(void **state)
{
    fixture *f = *state;
    const char *h = f->html;
    assert_int_equal(count(h, "src="), 0);
    assert_int_equal(count(h, "<link"), 0);
    assert_int_equal(count(h, "<script"), 0);
    assert_int_equal(count(h, "<img"), 0);
    at(h, "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"");
    /* the only URLs are XML namespace names */
    for (const char *p = h; (p = strstr(p, "http:")); p++)
        if (strncmp(p, "http://www.w3.org/", 18) != 0)
            fail_msg("the page names a URL: %.40s", p);
    assert_int_equal(count(h, "https:"), 0);
}

static void test_without_gnuplot_and_bad_results(void **state)
{
    fixture *f = *state;
    char dir[600], err[1024], empty[600], *notes = NULL;
    size_t len = 0, drawn = 99;
    snprintf(dir, sizeof dir, "%s/no-gnuplot", f->dir);
    snprintf(empty, sizeof empty, "%s/empty-bin", f->dir);
    mkdir(dir, 0777);
    mkdir(empty, 0777);
    char *old = strdup(getenv("PATH"));
    setenv("PATH", empty, 1);
    FILE *m = open_memstream(&notes, &len);
    int rc = rpt_report_draw(f->db, dir, true, m, &drawn, err, sizeof err);
    fclose(m);
    setenv("PATH", old, 1);
    free(old);
    assert_int_equal(rc, 0);
    assert_int_equal(drawn, 0);
    assert_string_equal(notes, "meshsim: warning: gnuplot not found on PATH: no charts drawn"
                               " (install gnuplot-nox)\n");
    free(notes);
    char page[700];
    snprintf(page, sizeof page, "%s/report.html", dir);
    char *h = rf_slurp(page, NULL);
    assert_non_null(h);
    at(h, "No chart was drawn: gnuplot was not found");
    at(h, "<table id=\"assertion-table\">");
    assert_int_equal(count(h, "<svg"), 0);
    free(h);

    /* a results file of another schema: an error, no page */
    char bad_dir[600], bad_db[700];
    snprintf(bad_dir, sizeof bad_dir, "%s/bad", f->dir);
    mkdir(bad_dir, 0777);
    snprintf(bad_db, sizeof bad_db, "%s/results.sqlite", bad_dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(bad_db, &db), SQLITE_OK);
    fixture_exec(db, "CREATE TABLE run(key TEXT, value TEXT);"
                     "INSERT INTO run VALUES('schema_version','3');");
    sqlite3_close(db);
    assert_int_equal(rpt_report_draw(bad_db, bad_dir, false, stderr, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "results file has schema version 3; this meshsim reads version 2"));
    snprintf(page, sizeof page, "%s/report.html", bad_dir);
    assert_int_equal(access(page, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_order_and_verdict),
        cmocka_unit_test(test_charts_inlined_with_unique_ids),
        cmocka_unit_test(test_self_contained),
        cmocka_unit_test(test_without_gnuplot_and_bad_results),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
