/*
 * test_report_dir.c - the report directory and its files:
 *   - a new directory appears complete (summary, results, the charts and
 *     report.html; no temporary left);
 *   - writing again into an existing directory replaces the files in place;
 *   - a path that is a file is refused and nothing is left behind;
 *   - results.sqlite adds up: per series, responses by code and histogram
 *     bucket counts both equal the request count, and the run table holds
 *     the seed (tests/reports/test_store.c checks the store in depth).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/bundle.h"
#include "models/mesh.h"
#include "reports/report_dir.h"
#include "run_fixture.h"
#include "sql_fixture.h"

typedef struct fixture {
    rf_run r;
    char dir[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    mdl_options opt = {false, 0, true, 10 * SIM_S};
    if (rf_run_load(&f->r, MESHSIM_SOURCE_DIR "/scenarios/bookinfo", &opt, true) != 0)
        return -1;
    rf_scratch_dir(f->dir, sizeof f->dir, "report-dir-test", false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rf_remove_dir(f->dir);
    rf_run_fini(&f->r);
    free(f);
    return 0;
}

/* The names in `dir` but "." and "..", sorted, each followed by a space
 * (a leftover temporary file such as ".summary.json.tmp" would show). */
static void listing(const char *dir, char *out, size_t cap)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            strncat(out, names[i]->d_name, cap - strlen(out) - 2);
            strcat(out, " ");
        }
        free(names[i]);
    }
    free(names);
}

static void test_new_and_existing_directory(void **state)
{
    fixture *f = *state;
    rpt_run_info info = {.version = "test", .command_line = "meshsim run",
                         .started_at = "2026-01-01T00:00:00Z"};
    char err[256] = "", names[512];
    assert_int_equal(rpt_report_dir_write(f->dir, f->r.m, f->r.a, f->r.na, &info, err, sizeof err), 0);
    listing(f->dir, names, sizeof names);
    assert_string_equal(names, "cdf.svg domains.svg latency.svg report.html results.sqlite "
                               "split.svg summary.json traffic.svg ");
    char tmpdir[300];
    snprintf(tmpdir, sizeof tmpdir, "%s.tmp.%ld", f->dir, (long)getpid());
    assert_int_equal(access(tmpdir, F_OK), -1);
    /* again, into the directory that now exists */
    assert_int_equal(rpt_report_dir_write(f->dir, f->r.m, f->r.a, f->r.na, &info, err, sizeof err), 0);
    listing(f->dir, names, sizeof names);
    assert_string_equal(names, "cdf.svg domains.svg latency.svg report.html results.sqlite "
                               "split.svg summary.json traffic.svg ");
}

static void test_path_that_is_a_file_is_refused(void **state)
{
    fixture *f = *state;
    FILE *file = fopen(f->dir, "w");
    assert_non_null(file);
    fclose(file);
    char err[256] = "";
    assert_int_equal(rpt_report_dir_write(f->dir, f->r.m, f->r.a, f->r.na, NULL, err, sizeof err), -1);
    char want[400];
    snprintf(want, sizeof want, "%s exists and is not a directory", f->dir);
    assert_string_equal(err, want);
    unlink(f->dir);
}

static void test_results_add_up(void **state)
{
    fixture *f = *state;
    char err[256] = "", path[400];
    assert_int_equal(rpt_report_dir_write(f->dir, f->r.m, f->r.a, f->r.na, NULL, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/results.sqlite", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_true(rf_sql_int(db, "SELECT count(*) FROM series") >= 5);
    /* per series: codes and whole-run histogram buckets both sum to the requests */
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s WHERE requests != (SELECT sum(count) "
                             "FROM responses r WHERE r.series_id = s.id)"),
                     0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s WHERE requests != (SELECT sum(count) "
                             "FROM latency_buckets b WHERE b.series_id = s.id AND b.t_s IS NULL)"),
                     0);
    assert_int_equal(rf_sql_int(db, "SELECT sum(requests) FROM series WHERE source_workload = 'browsers'"),
                     (long long)mdl_mesh_results(f->r.m)->requests);
    assert_int_equal(rf_sql_int(db, "SELECT value FROM run WHERE key = 'seed'"), 42);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM assertions"), (long long)f->r.na);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_and_existing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_that_is_a_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_add_up, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
