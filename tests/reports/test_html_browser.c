/*
 * test_html_browser.c - report.html opened from disk (file://) by headless
 * Chromium, as a person would open it:
 *   - the browser logs no console message at all (no error, no blocked load:
 *     the page's Content-Security-Policy turns any fetch into a console
 *     error, so this also proves the page needs nothing from outside);
 *   - the DOM it builds holds the verdict, the assertion table with its three
 *     rows and every chart as an <svg> element with drawn paths and text;
 *   - a screenshot of the page is drawn (a PNG well above a blank page's size).
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
#include "results_fixture.h"

static void remove_dir(const char *dir)
{
    DIR *dd = opendir(dir);
    if (!dd)
        return;
    struct dirent *e;
    while ((e = readdir(dd))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_dir(p);
        else
            unlink(p);
    }
    closedir(dd);
    rmdir(dir);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, fp);
    s[got] = '\0';
    fclose(fp);
    return s;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static bool chromium_installed(void)
{
    return system("command -v chromium >/dev/null 2>&1") == 0;
}

static void test_page_in_chromium(void **state)
{
    if (!chromium_installed()) {
        printf("SKIP: chromium is not installed, so report.html was not opened in a browser "
               "(apt-get install chromium; CI installs it)\n");
        skip();
    }
    char dir[256], db[512], cmd[4096], err[1024];
    snprintf(dir, sizeof dir, "%s/html-browser-test.%ld", MESHSIM_BINARY_DIR, (long)getpid());
    remove_dir(dir);
    mkdir(dir, 0777);
    snprintf(db, sizeof db, "%s/results.sqlite", dir);
    assert_int_equal(fixture_write(db, "canary & <co>"), 0);
    size_t drawn;
    assert_int_equal(rpt_report_draw(db, dir, false, stderr, &drawn, err, sizeof err), 0);
    assert_int_equal(drawn, RPT_NCHARTS);

    /* one browser run dumps the DOM with console logging on, another draws
     * a screenshot; both from file://, with a throw-away profile */
    const char *flags = "--headless --disable-gpu --no-sandbox --no-first-run"
                        " --disable-extensions --hide-scrollbars";
    snprintf(cmd, sizeof cmd,
             "cd '%s' && timeout 120 chromium %s --user-data-dir='%s/profile'"
             " --enable-logging=stderr --v=0 --dump-dom 'file://%s/report.html'"
             " >dom.html 2>chromium.log",
             dir, flags, dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && timeout 120 chromium %s --user-data-dir='%s/profile'"
             " --window-size=1280,4000 --screenshot='%s/shot.png' 'file://%s/report.html'"
             " >/dev/null 2>&1",
             dir, flags, dir, dir, dir);
    assert_int_equal(system(cmd), 0);

    char path[700];
    snprintf(path, sizeof path, "%s/chromium.log", dir);
    char *log = slurp(path);
    assert_non_null(log);
    for (const char *p = log; (p = strstr(p, ":CONSOLE")); p++) {
        const char *eol = strchr(p, '\n');
        fail_msg("console message: %.*s", eol ? (int)(eol - p) : 200, p);
    }
    free(log);

    snprintf(path, sizeof path, "%s/dom.html", dir);
    char *dom = slurp(path);
    assert_non_null(dom);
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
        assert_true(count(part, "<path") > 10);
        assert_true(count(part, "<text") > 5);
        assert_non_null(strstr(part, "</svg>"));
        free(part);
    }
    free(dom);

    struct stat st;
    snprintf(path, sizeof path, "%s/shot.png", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 100000); /* a blank 1280x4000 page is a few kB */
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_in_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
