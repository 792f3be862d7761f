/*
 * test_charts.c - reading results.sqlite back and drawing the charts:
 *   - the reader returns exactly the fixture's rows (tests/reports/
 *     results_fixture.h), with unique route labels, and refuses a file of
 *     another schema version or a file that is not a database;
 *   - every chart is drawn as a non-empty SVG that parses as XML
 *     (xmllint --noout), shows its title, units, legends and the fixture's
 *     names (escaped), and leaves no temporary file; --png adds PNG files;
 *   - an empty run still gives every chart, saying there was no traffic;
 *   - without gnuplot on PATH: one warning line, no file, no failure; with a
 *     gnuplot that fails or stops reading: one warning per chart, no file.
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
#include "reports/charts_data.h"
#include "results_fixture.h"
#include "run_fixture.h"

typedef struct fixture {
    char dir[256], db[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    rf_scratch_dir(f->dir, sizeof f->dir, "charts-test", true);
    snprintf(f->db, sizeof f->db, "%s/results.sqlite", f->dir);
    if (fixture_write(f->db, "canary & <co>") != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rf_remove_dir(f->dir);
    free(f);
    return 0;
}

static size_t count_files(const char *dir, const char *suffix)
{
    DIR *dd = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (dd && (e = readdir(dd))) {
        size_t l = strlen(e->d_name), s = strlen(suffix);
        if (l >= s && !strcmp(e->d_name + l - s, suffix))
            n++;
    }
    if (dd)
        closedir(dd);
    return n;
}

static void test_reader_returns_the_rows(void **state)
{
    fixture *f = *state;
    rpt_chart_data d;
    char err[512] = "";
    assert_int_equal(rpt_chart_data_load(&d, f->db, err, sizeof err), 0);
    assert_string_equal(d.scenario, "canary & <co>");
    assert_string_equal(d.seed, "42");
    assert_string_equal(d.version, "9.8.7");
    assert_string_equal(d.status, "complete");
    assert_true(d.duration_s == 60 && d.warmup_s == 10 && d.window_s == 5);
    assert_int_equal(d.nseries, 4);
    assert_int_equal(d.nwindows, 40);
    assert_int_equal(d.ntimeline, 7);
    assert_int_equal(d.nassertions, 3);
    assert_string_equal(d.series[0].label, "browsers \u2192 productpage v1");
    assert_string_equal(d.series[2].label, "productpage \u2192 reviews v2");
    assert_string_equal(d.series[3].route, FIXTURE_NASTY);
    for (size_t i = 0; i < d.nseries; i++) {
        const rpt_chart_series *s = &d.series[i];
        uint64_t windows = 0, buckets = 0;
        assert_int_equal(s->nwindows, 10);
        for (size_t w = 0; w < s->nwindows; w++)
            windows += d.windows[s->first_window + w].requests;
        for (size_t b = 0; b < s->nbuckets; b++)
            buckets += d.buckets[s->first_bucket + b].count;
        assert_int_equal(windows, s->requests);
        assert_int_equal(buckets, s->requests);
    }
    assert_true(d.windows[d.series[1].first_window + 5].t_s == 35);
    assert_int_equal(d.windows[d.series[1].first_window + 5].requests, 250);
    assert_true(d.assertions[0].passed && d.assertions[0].observed_valid);
    assert_false(d.assertions[1].passed);
    assert_false(d.assertions[2].observed_valid);
    assert_string_equal(d.timeline[1].kind, "fault");
    assert_true(d.timeline[1].end_s == 30);
    rpt_chart_data_fini(&d);
}

static void test_reader_refuses_other_files(void **state)
{
    fixture *f = *state;
    rpt_chart_data d;
    char err[1024], path[512], want[1024];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/v1.sqlite", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(fixture_exec(db, "CREATE TABLE run(key TEXT PRIMARY KEY, value TEXT);"
                                      "INSERT INTO run VALUES('schema_version', '1');"),
                     0);
    sqlite3_close(db);
    assert_int_equal(rpt_chart_data_load(&d, path, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: results file has schema version 1; this meshsim reads version 2", path);
    assert_string_equal(err, want);
    assert_int_equal(d.nseries, 0);
    rpt_chart_data_fini(&d);

    snprintf(path, sizeof path, "%s/not-a-db.sqlite", f->dir);
    FILE *fp = fopen(path, "w");
    fputs("this is not a database, just some text that is long enough for a header\n", fp);
    fclose(fp);
    assert_int_equal(rpt_chart_data_load(&d, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: reading table run: file is not a database", path);
    assert_string_equal(err, want);

    snprintf(path, sizeof path, "%s/missing.sqlite", f->dir);
    assert_int_equal(rpt_chart_data_load(&d, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(access(path, F_OK), -1); /* never created */
}

static FILE *notes_open(char **buf, size_t *len)
{
    FILE *m = open_memstream(buf, len);
    assert_non_null(m);
    return m;
}

/* Draw every chart of `d` into `dir` and check that not one warning was noted. */
static void draw_quietly(const rpt_chart_data *d, const char *dir, bool png, rpt_charts_drawn *out)
{
    char *notes = NULL;
    size_t len = 0;
    FILE *m = notes_open(&notes, &len);
    rpt_charts_draw(d, dir, png, m, out);
    fclose(m);
    assert_string_equal(notes, "");
    free(notes);
}

static void check_svg(const char *dir, const char *name, const char *const *must)
{
    char path[600], cmd[800];
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    char *s = rf_slurp(path, NULL);
    assert_non_null(s);
    assert_true(strlen(s) > 1000);
    assert_non_null(strstr(s, "<svg"));
    assert_non_null(strstr(s, "</svg>"));
    for (size_t i = 0; must[i]; i++)
        if (!strstr(s, must[i]))
            fail_msg("%s.svg lacks \"%s\"", name, must[i]);
    free(s);
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static void test_every_chart_is_drawn(void **state)
{
    fixture *f = *state;
    rpt_chart_data d;
    char err[512], *notes = NULL;
    size_t len = 0;
    assert_int_equal(rpt_chart_data_load(&d, f->db, err, sizeof err), 0);
    /* gnuplot writes its messages to our standard error: catch them in a file */
    char errpath[600];
    snprintf(errpath, sizeof errpath, "%s/gnuplot-stderr.txt", f->dir);
    fflush(stderr);
    int saved = dup(2);
    FILE *errfile = fopen(errpath, "w");
    assert_non_null(errfile);
    dup2(fileno(errfile), 2);
    FILE *m = notes_open(&notes, &len);
    rpt_charts_drawn out;
    rpt_charts_draw(&d, f->dir, false, m, &out);
    fclose(m);
    dup2(saved, 2);
    close(saved);
    fclose(errfile);
    assert_string_equal(notes, ""); /* not one warning from us */
    free(notes);
    char *gnuplot_said = rf_slurp(errpath, NULL);
    assert_string_equal(gnuplot_said, ""); /* nor from gnuplot */
    free(gnuplot_said);
    unlink(errpath);
    assert_false(out.gnuplot_missing);
    assert_int_equal(out.count, RPT_NCHARTS);
    for (size_t i = 0; i < RPT_NCHARTS; i++)
        assert_true(out.svg[i] && !out.png[i]);
    assert_int_equal(count_files(f->dir, ".svg"), RPT_NCHARTS);
    assert_int_equal(count_files(f->dir, ".tmp"), 0);
    assert_int_equal(count_files(f->dir, ".png"), 0);

    const char *latency[] = {"Latency per window (ms), per route", "latency (ms)",
                             "simulated time (s)", "p50", "p90", "p99",
                             "browsers \u2192 productpage v1", "productpage \u2192 reviews v2", NULL};
    const char *traffic[] = {"Request rate", "requests/s", "Error rate", "errors (% of requests)",
                             "fault", "outlier ejection", "config push", "rollout step",
                             "assertion failed", "productpage", "reviews", "ratings", NULL};
    const char *split[] = {"Traffic split by destination version", "share of requests (%)",
                           "reviews", "v1", "v2", NULL};
    const char *cdf[] = {"Latency distribution per route", "latency (ms, log scale)",
                         "requests answered within (%)", "productpage \u2192 ratings v1", NULL};
    const char *domains[] = {"Mean latency per route, split by domain",
                             "mean time per request (ms)", "ingress", "mesh (sidecars)",
                             "node network", "app queue", "app service",
                             "browsers \u2192 productpage v1", NULL};
    check_svg(f->dir, "latency", latency);
    check_svg(f->dir, "traffic", traffic);
    check_svg(f->dir, "split", split);
    check_svg(f->dir, "cdf", cdf);
    check_svg(f->dir, "domains", domains);

    /* the split chart has one panel: only reviews had two versions */
    char path[600];
    snprintf(path, sizeof path, "%s/split.svg", f->dir);
    char *s = rf_slurp(path, NULL);
    assert_null(strstr(s, "ratings"));
    free(s);
    rpt_chart_data_fini(&d);
}

static void test_png_on_request(void **state)
{
    fixture *f = *state;
    rpt_chart_data d;
    char err[512];
    assert_int_equal(rpt_chart_data_load(&d, f->db, err, sizeof err), 0);
    rpt_charts_drawn out;
    draw_quietly(&d, f->dir, true, &out);
    for (size_t i = 0; i < RPT_NCHARTS; i++) {
        char path[600];
        assert_true(out.svg[i] && out.png[i]);
        snprintf(path, sizeof path, "%s/%s.png", f->dir, rpt_chart_name(i));
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        unsigned char magic[8] = {0};
        assert_int_equal(fread(magic, 1, 8, fp), 8);
        fclose(fp);
        assert_memory_equal(magic, "\x89PNG\r\n\x1a\n", 8);
    }
    assert_int_equal(count_files(f->dir, ".tmp"), 0);
    rpt_chart_data_fini(&d);
}

static void test_empty_run_still_has_every_chart(void **state)
{
    fixture *f = *state;
    char db[1024], out_dir[512], err[512];
    snprintf(out_dir, sizeof out_dir, "%s/empty", f->dir);
    mkdir(out_dir, 0777);
    snprintf(db, sizeof db, "%s/results.sqlite", out_dir);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(fixture_exec(h, fixture_schema), 0);
    assert_int_equal(fixture_exec(h, "INSERT INTO run VALUES('schema_version','2'),"
                                     "('scenario','idle'),('duration_s','10'),('warmup_s','0')"),
                     0);
    sqlite3_close(h);
    rpt_chart_data d;
    assert_int_equal(rpt_chart_data_load(&d, db, err, sizeof err), 0);
    rpt_charts_drawn out;
    draw_quietly(&d, out_dir, false, &out);
    assert_int_equal(out.count, RPT_NCHARTS);
    const char *none[] = {"no request was measured", NULL};
    const char *no_hist[] = {"no latency histogram was stored", NULL};
    check_svg(out_dir, "latency", none);
    check_svg(out_dir, "traffic", none);
    check_svg(out_dir, "split", none);
    check_svg(out_dir, "cdf", no_hist);
    check_svg(out_dir, "domains", none);
    rpt_chart_data_fini(&d);
}

/* Two series with the same source, destination, version and host are told
 * apart by their routes, and a route full of quotes and markup survives the
 * trip through gnuplot's strings into well-formed SVG. */
static void test_labels_with_markup_and_quotes(void **state)
{
    fixture *f = *state;
    char out_dir[512], db[1024], err[512];
    snprintf(out_dir, sizeof out_dir, "%s/nasty", f->dir);
    mkdir(out_dir, 0777);
    snprintf(db, sizeof db, "%s/results.sqlite", out_dir);
    assert_int_equal(fixture_write(db, "nasty"), 0);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(fixture_exec(h, "UPDATE series SET destination_service = 'reviews',"
                                     " request_host = 'reviews' WHERE id = 4"),
                     0);
    sqlite3_close(h);
    rpt_chart_data d;
    assert_int_equal(rpt_chart_data_load(&d, db, err, sizeof err), 0);
    assert_string_equal(d.series[1].label, "productpage \u2192 reviews v1 route reviews");
    assert_string_equal(d.series[3].label, "productpage \u2192 reviews v1 route " FIXTURE_NASTY);
    rpt_charts_drawn out;
    draw_quietly(&d, out_dir, false, &out);
    assert_int_equal(out.count, RPT_NCHARTS);
    /* gnuplot escapes & and < in SVG text; quotes stay as they are */
    const char *nasty[] = {"route r&lt;1>&amp;\"x\"'y' \u00e9", NULL};
    check_svg(out_dir, "latency", nasty);
    check_svg(out_dir, "cdf", nasty);
    check_svg(out_dir, "domains", nasty);
    rpt_chart_data_fini(&d);
}

/* Draw with PATH set to `path`; returns the notes (caller frees). */
static char *draw_with_path(fixture *f, const char *out_dir, const char *path, rpt_charts_drawn *out)
{
    rpt_chart_data d;
    char err[512], *notes = NULL, *old = strdup(getenv("PATH"));
    size_t len = 0;
    assert_int_equal(rpt_chart_data_load(&d, f->db, err, sizeof err), 0);
    mkdir(out_dir, 0777);
    setenv("PATH", path, 1);
    FILE *m = notes_open(&notes, &len);
    rpt_charts_draw(&d, out_dir, true, m, out);
    fclose(m);
    setenv("PATH", old, 1);
    free(old);
    rpt_chart_data_fini(&d);
    return notes;
}

static void test_without_gnuplot(void **state)
{
    fixture *f = *state;
    char out_dir[512], empty_bin[512];
    snprintf(out_dir, sizeof out_dir, "%s/no-gnuplot", f->dir);
    snprintf(empty_bin, sizeof empty_bin, "%s/empty-bin", f->dir);
    mkdir(empty_bin, 0777);
    rpt_charts_drawn out;
    char *notes = draw_with_path(f, out_dir, empty_bin, &out);
    assert_string_equal(notes, "meshsim: warning: gnuplot not found on PATH: no charts drawn"
                               " (install gnuplot-nox)\n");
    free(notes);
    assert_true(out.gnuplot_missing);
    assert_int_equal(out.count, 0);
    assert_int_equal(count_files(out_dir, ".svg") + count_files(out_dir, ".png"), 0);
}

static void fake_gnuplot(const char *bin, const char *body)
{
    char path[600];
    mkdir(bin, 0777);
    snprintf(path, sizeof path, "%s/gnuplot", bin);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "#!/bin/sh\n%s\n", body);
    fclose(fp);
    chmod(path, 0755);
}

static void test_failing_gnuplot(void **state)
{
    fixture *f = *state;
    const char *bodies[] = {"cat >/dev/null; exit 3", "exec 0<&-; exit 0"};
    const char *why[] = {"gnuplot exited with status 3", ""};
    for (int k = 0; k < 2; k++) {
        char out_dir[512], bin[512], path[1200];
        snprintf(out_dir, sizeof out_dir, "%s/bad-gnuplot-%d", f->dir, k);
        snprintf(bin, sizeof bin, "%s/bad-bin-%d", f->dir, k);
        fake_gnuplot(bin, bodies[k]);
        snprintf(path, sizeof path, "%s:/usr/bin:/bin", bin);
        rpt_charts_drawn out;
        char *notes = draw_with_path(f, out_dir, path, &out);
        size_t lines = 0;
        for (char *p = notes; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, RPT_NCHARTS);
        assert_non_null(strstr(notes, "meshsim: warning: chart latency not drawn: "));
        assert_non_null(strstr(notes, why[k]));
        free(notes);
        assert_int_equal(out.count, 0);
        assert_int_equal(count_files(out_dir, ".svg") + count_files(out_dir, ".png") +
                             count_files(out_dir, ".tmp"),
                         0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_returns_the_rows),
        cmocka_unit_test(test_reader_refuses_other_files),
        cmocka_unit_test(test_every_chart_is_drawn),
        cmocka_unit_test(test_png_on_request),
        cmocka_unit_test(test_empty_run_still_has_every_chart),
        cmocka_unit_test(test_labels_with_markup_and_quotes),
        cmocka_unit_test(test_without_gnuplot),
        cmocka_unit_test(test_failing_gnuplot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
