/*
 * test_interrupt.c - Ctrl-C and SIGTERM in the middle of `meshsim run`:
 * the child stops at the next slice and exits 128 + the signal (130 for
 * SIGINT, 143 for SIGTERM), says on stderr what it kept, and leaves a complete
 * report directory (no temporary left; summary.json says "interrupted") whose
 * results.sqlite passes integrity_check, has run.status "interrupted", covers
 * less than the requested duration, and still adds up (windows sum to their series,
 * responses to requests).
 *
 * The run asks for 20 simulated hours, far more than the child can simulate
 * before the signal.  If the signal comes so early that the child has not yet
 * installed its handler (it dies of the signal instead), the test tries again
 * with a longer delay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MESHSIM MESHSIM_BINARY_DIR "/tools/meshsim"

static void remove_dir(const char *dir)
{
    DIR *dd = opendir(dir);
    if (!dd)
        return;
    struct dirent *e;
    while ((e = readdir(dd))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[768];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(dd);
    rmdir(dir);
}

/* Run meshsim into `dir`, send `sig` after `delay_ms`; returns the wait status. */
static int run_and_signal(const char *dir, const char *log, int sig, long delay_ms)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(MESHSIM, MESHSIM, "run", MESHSIM_SOURCE_DIR "/scenarios/bookinfo", "--duration",
              "20h", "--quiet", "--export", "csv", "-o", dir, (char *)NULL);
        _exit(127);
    }
    struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, sig);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static long long one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void text(sqlite3 *db, const char *sql, char *buf, size_t cap)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static void check_interrupted(int sig, const char *signame)
{
    char dir[512], log[600], db_path[600], csv[600];
    snprintf(dir, sizeof dir, "%s/interrupt-test.%ld.%d", MESHSIM_BINARY_DIR, (long)getpid(), sig);
    snprintf(log, sizeof log, "%s.log", dir);
    remove_dir(dir);
    int status = 0;
    const long delays[] = {300, 1000, 3000};
    for (size_t i = 0; i < 3; i++) {
        status = run_and_signal(dir, log, sig, delays[i]);
        if (!WIFSIGNALED(status))
            break; /* the handler was in place */
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + sig);

    /* the note on stderr */
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    char want[128];
    snprintf(want, sizeof want, "meshsim: interrupted by %s at ", signame);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "marked interrupted"));

    /* a complete directory, no temporary left beside it */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.", dir);
    DIR *parent = opendir(MESHSIM_BINARY_DIR);
    struct dirent *e;
    while ((e = readdir(parent)))
        assert_null(strstr(e->d_name, strrchr(tmp, '/') + 1));
    closedir(parent);
    snprintf(csv, sizeof csv, "%s/series.csv", dir);
    assert_int_equal(access(csv, R_OK), 0);
    char summary_path[600];
    snprintf(summary_path, sizeof summary_path, "%s/summary.json", dir);
    f = fopen(summary_path, "r");
    assert_non_null(f);
    n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    assert_non_null(strstr(out, "\"status\": \"interrupted\""));

    snprintf(db_path, sizeof db_path, "%s/results.sqlite", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char buf[256];
    text(db, "PRAGMA integrity_check", buf, sizeof buf);
    assert_string_equal(buf, "ok");
    text(db, "SELECT value FROM run WHERE key = 'status'", buf, sizeof buf);
    assert_string_equal(buf, "interrupted");
    long long simulated = one(db, "SELECT CAST(value AS REAL) FROM run WHERE key = 'simulated_s'");
    assert_true(simulated > 0 && simulated < 20 * 3600);
    assert_true(one(db, "SELECT sum(requests) FROM series") > 0);
    assert_int_equal(one(db, "SELECT count(*) FROM windows WHERE t_s > (SELECT CAST(value AS REAL) "
                             "FROM run WHERE key = 'simulated_s')"), 0);
    assert_int_equal(one(db, "SELECT count(*) FROM series s WHERE requests != (SELECT sum(requests) "
                             "FROM windows w WHERE w.series_id = s.id)"), 0);
    assert_int_equal(one(db, "SELECT count(*) FROM series s WHERE requests != (SELECT sum(count) "
                             "FROM responses r WHERE r.series_id = s.id)"), 0);
    sqlite3_close(db);
    remove_dir(dir);
    unlink(log);
}

static void test_sigint(void **state)
{
    check_interrupted(SIGINT, "SIGINT");
    (void)state;
}

static void test_sigterm(void **state)
{
    check_interrupted(SIGTERM, "SIGTERM");
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigint),
        cmocka_unit_test(test_sigterm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
