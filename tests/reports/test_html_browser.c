/*
 * test_html_browser.c - report.html opened from disk (file://) by headless
 * Chromium, as a person would open it:
 *   - the browser logs no console message at all (no error, no blocked load:
 *     the page's Content-Security-Policy turns any fetch into a console
 *     error, so this also proves the page needs nothing from outside);
 *   - the DOM it builds holds the verdict, the assertion table with its three
 *     rows and every chart as an <svg> element with drawn paths and text;
 *   - a screenshot of the page is drawn (a PNG well above a blank page's size);
 *   - the replications' page (reports/html_combined.h) also loads without a
 *     console message, shows its verdict, assertion, route and replication
 *     tables, with one link per replication; the page each link names opens
 *     in the browser with every chart.
 * Skipped, saying so, when chromium is not installed (CI installs it:
 * scripts/install-deps.sh).
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
#include "reports/combine.h"
#include "reports/replicate.h"
#include "results_fixture.h"
#include "run_fixture.h"

/* Headless, from file://, nothing of the user's: every browser run here. */
#define CHROMIUM_FLAGS \
    "--headless --disable-gpu --no-sandbox --no-first-run --disable-extensions"

#define MM1 MESHSIM_SOURCE_DIR "/scenarios/queueing/mm1.yaml"

static bool chromium_installed(void)
{
    return system("command -v chromium >/dev/null 2>&1") == 0;
}

/* Run chromium on `url` from `dir`, dumping the DOM to dir/OUT and its log to
 * dir/OUT.log; fail on any console message.  Returns the DOM. */
static char *dump_dom(const char *dir, const char *url, const char *out)
{
    char cmd[4096], path[700];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && timeout 120 chromium %s --user-data-dir='%s/profile'"
             " --enable-logging=stderr --v=0 --dump-dom '%s' >'%s' 2>'%s.log'",
             dir, CHROMIUM_FLAGS, dir, url, out, out);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/%s.log", dir, out);
    char *log = rf_slurp(path, NULL);
    assert_non_null(log);
    for (const char *p = log; (p = strstr(p, ":CONSOLE")); p++) {
        const char *eol = strchr(p, '\n');
        fail_msg("console message: %.*s", eol ? (int)(eol - p) : 200, p);
    }
    free(log);
    snprintf(path, sizeof path, "%s/%s", dir, out);
    char *dom = rf_slurp(path, NULL);
    assert_non_null(dom);
    return dom;
}

static void test_page_in_chromium(void **state)
{
    if (!chromium_installed()) {
        printf("SKIP: chromium is not installed, so report.html was not opened in a browser "
               "(apt-get install chromium; CI installs it)\n");
        skip();
    }
    char dir[256], db[512], cmd[4096], err[1024];
    rf_scratch_dir(dir, sizeof dir, "html-browser-test", true);
    snprintf(db, sizeof db, "%s/results.sqlite", dir);
    assert_int_equal(fixture_write(db, "canary & <co>"), 0);
    size_t drawn;
    assert_int_equal(rpt_report_draw(db, dir, false, stderr, &drawn, err, sizeof err), 0);
    assert_int_equal(drawn, RPT_NCHARTS);

    /* one browser run dumps the DOM with console logging on, another draws
     * a screenshot; both from file://, with a throw-away profile */
    char url[600];
    snprintf(url, sizeof url, "file://%s/report.html", dir);
    char *dom = dump_dom(dir, url, "dom.html");
    snprintf(cmd, sizeof cmd,
             "cd '%s' && timeout 120 chromium %s --user-data-dir='%s/profile'"
             " --hide-scrollbars --window-size=1280,4000 --screenshot='%s/shot.png' '%s'"
             " >/dev/null 2>&1",
             dir, CHROMIUM_FLAGS, dir, dir, url);
    assert_int_equal(system(cmd), 0);
    char path[700];
    assert_non_null(strstr(dom, "FAIL: 2 of 3 assertions failed"));
    const char *table = strstr(dom, "<table id=\"assertion-table\">");
    assert_non_null(table);
    const char *table_end = strstr(table, "</table>");
    size_t rows = 0;
    for (const char *p = table; (p = strstr(p, "<span class=\"badge ")) && p < table_end; p++)
        rows++;
    assert_int_equal(rows, 3);
    assert_non_null(strstr(table, "errors &lt;1% &amp; \"fast\""));
    for (size_t i = 0; i < RPT_NCHARTS; i++) {
        char fig[64];
        snprintf(fig, sizeof fig, "<figure id=\"chart-%s\">", rpt_chart_name(i));
        const char *f = strstr(dom, fig);
        if (!f)
            fail_msg("the DOM has no %s", fig);
        const char *end = strstr(f, "</figure>");
        const char *svg = strstr(f, "<svg class=\"chart\"");
        assert_true(svg && svg < end);
        size_t len = (size_t)(end - svg);
        char *part = strndup(svg, len);
        assert_true(rf_count(part, "<path") > 10);
        assert_true(rf_count(part, "<text") > 5);
        assert_non_null(strstr(part, "</svg>"));
        free(part);
    }
    free(dom);

    struct stat st;
    snprintf(path, sizeof path, "%s/shot.png", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 100000); /* a blank 1280x4000 page is a few kB */
    rf_remove_dir(dir);
}

static void test_replications_page_in_chromium(void **state)
{
    if (!chromium_installed()) {
        printf("SKIP: chromium is not installed, so the replications' report.html was not "
               "opened in a browser (apt-get install chromium; CI installs it)\n");
        skip();
    }
    rf_run r;
    assert_int_equal(rf_run_load(&r, MM1, NULL, false), 0);
    char dir[300], work[256], url[700], err[256];
    rf_scratch_dir(work, sizeof work, "html-browser-reps", true);
    snprintf(dir, sizeof dir, "%s/report", work);
    mdl_options opt = {false, 0, true, 10 * SIM_S};
    mdl_mesh *m = mdl_mesh_create(&r.b, &opt, r.d);
    assert_non_null(m);
    rpt_replicate_opts o = {opt, 3, dir, NULL, NULL, NULL};
    rpt_combined *c = rpt_replicate_run(&r.b, m, &o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);

    snprintf(url, sizeof url, "file://%s/report.html", dir);
    char *dom = dump_dom(work, url, "top.html");
    assert_true(strstr(dom, "id=\"verdict\">PASS: ") || strstr(dom, "id=\"verdict\">FAIL: "));
    assert_non_null(strstr(dom, "<table id=\"assertion-table\">"));
    assert_non_null(strstr(dom, "<table id=\"route-table\">"));
    const char *reps = strstr(dom, "<table id=\"replication-table\">");
    assert_non_null(reps);
    assert_int_equal(rf_count(reps, "<a href=\"replications/"), 3);
    free(dom);

    /* each link as the browser resolves it: that replication's page, charts in */
    for (unsigned i = 0; i < 3; i++) {
        snprintf(url, sizeof url, "file://%s/replications/%04u/report.html", dir, i);
        dom = dump_dom(work, url, "rep.html");
        for (size_t k = 0; k < RPT_NCHARTS; k++) {
            char fig[64];
            snprintf(fig, sizeof fig, "<figure id=\"chart-%s\">", rpt_chart_name(k));
            if (!strstr(dom, fig))
                fail_msg("replication %u's page has no %s", i, fig);
        }
        free(dom);
    }
    rpt_combined_destroy(c);
    rf_remove_dir(work);
    rf_run_fini(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_in_chromium),
        cmocka_unit_test(test_replications_page_in_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
