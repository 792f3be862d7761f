/*
 * test_interrupt.c - Ctrl-C and SIGTERM in the middle of `meshsim run`:
 * the child stops at the next slice and exits 128 + the signal (130 for
 * SIGINT, 143 for SIGTERM), says on stderr what it kept, and leaves a complete
 * report directory (no temporary left; summary.json says "interrupted") whose
 * results.sqlite passes integrity_check, has run.status "interrupted", covers
 * less than the requested duration, and still adds up (windows sum to their series,
 * responses to requests).
 *
 * The same signals in the middle of `meshsim test -j 2 -o DIR --junit FILE`
 * (the hour-long scenario, replicated, beside the queueing ones): exit
 * 128 + the signal with a note saying what was kept, no DIR.tmp.PID left
 * anywhere under DIR, the stopped scenario's line an ERROR saying it was
 * interrupted, its replications so far integrity-checked results.sqlite files
 * (the last one marked interrupted, none started after it), the top
 * report.html written, and the JUnit XML valid.
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

#include "../reports/run_fixture.h"
#include "../reports/sql_fixture.h"

#define MESHSIM MESHSIM_BINARY_DIR "/tools/meshsim"

/* Run meshsim into `dir` (`test`: meshsim test, else meshsim run), send `sig`
 * after `delay_ms`; returns the wait status. */
static int run_and_signal(bool test, const char *dir, const char *log, int sig, long delay_ms)
{
    char junit[600];
    snprintf(junit, sizeof junit, "%s.junit.xml", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        if (test)
            execl(MESHSIM, MESHSIM, "test", MESHSIM_SOURCE_DIR "/scenarios/long",
                  MESHSIM_SOURCE_DIR "/scenarios/queueing", "-j", "2", "-o", dir, "--junit",
                  junit, (char *)NULL);
        else
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

static void check_interrupted(int sig, const char *signame)
{
    char dir[512], log[600], db_path[600], csv[600];
    snprintf(dir, sizeof dir, "%s/interrupt-test.%ld.%d", MESHSIM_BINARY_DIR, (long)getpid(), sig);
    snprintf(log, sizeof log, "%s.log", dir);
    rf_remove_dir(dir);
    int status = 0;
    const long delays[] = {300, 1000, 3000};
    for (size_t i = 0; i < 3; i++) {
        status = run_and_signal(false, dir, log, sig, delays[i]);
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
    rf_sql_text(db, "PRAGMA integrity_check", buf, sizeof buf);
    assert_string_equal(buf, "ok");
    rf_sql_text(db, "SELECT value FROM run WHERE key = 'status'", buf, sizeof buf);
    assert_string_equal(buf, "interrupted");
    long long simulated = rf_sql_int(db, "SELECT CAST(value AS REAL) FROM run WHERE key = 'simulated_s'");
    assert_true(simulated > 0 && simulated < 20 * 3600);
    assert_true(rf_sql_int(db, "SELECT sum(requests) FROM series") > 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows WHERE t_s > (SELECT CAST(value AS REAL) "
                             "FROM run WHERE key = 'simulated_s')"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s WHERE requests != (SELECT sum(requests) "
                             "FROM windows w WHERE w.series_id = s.id)"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s WHERE requests != (SELECT sum(count) "
                             "FROM responses r WHERE r.series_id = s.id)"), 0);
    sqlite3_close(db);
    rf_remove_dir(dir);
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

/* No NAME.tmp... file or directory anywhere under `dir`. */
static void assert_no_temporary(const char *dir)
{
    DIR *dd = opendir(dir);
    assert_non_null(dd);
    struct dirent *e;
    while ((e = readdir(dd))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (strstr(e->d_name, ".tmp"))
            fail_msg("temporary left behind: %s/%s", dir, e->d_name);
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            assert_no_temporary(p);
    }
    closedir(dd);
}

static void check_test_interrupted(int sig, const char *signame)
{
    char dir[512], log[600], cmd[2048];
    snprintf(dir, sizeof dir, "%s/interrupt-harness.%ld.%d", MESHSIM_BINARY_DIR, (long)getpid(),
             sig);
    snprintf(log, sizeof log, "%s.log", dir);
    rf_remove_dir(dir);
    int status = 0;
    const long delays[] = {1500, 3000, 5000};
    for (size_t i = 0; i < 3; i++) {
        status = run_and_signal(true, dir, log, sig, delays[i]);
        if (!WIFSIGNALED(status))
            break; /* the handler was in place */
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + sig);

    char *out = rf_slurp(log, NULL);
    assert_non_null(out);
    char want[160];
    snprintf(want, sizeof want, "meshsim: interrupted by %s: ", signame);
    if (!strstr(out, want))
        fail_msg("no note \"%s\" in:\n%s", want, out);
    const char *line = strstr(out, "ERROR  bookinfo-1h ");
    assert_non_null(line);
    snprintf(want, sizeof want, "interrupted by %s: ", signame);
    const char *eol = strchr(line, '\n');
    const char *said = strstr(line, want);
    unsigned combined = 0;
    if (!said || said > eol ||
        sscanf(said + strlen(want), "%u of 5 replications combined", &combined) != 1)
        fail_msg("the line does not say \"%s\" K of 5 replications combined:\n%s", want, out);
    assert_non_null(strstr(out, "JUnit XML written"));
    free(out);

    /* every report directory complete, nothing temporary left beside or under it */
    DIR *dd = opendir(MESHSIM_BINARY_DIR);
    struct dirent *e;
    const char *base = strrchr(dir, '/') + 1;
    while ((e = readdir(dd)))
        if (!strncmp(e->d_name, base, strlen(base)) && strstr(e->d_name, ".tmp"))
            fail_msg("temporary left behind: %s", e->d_name);
    closedir(dd);
    assert_no_temporary(dir);
    char path[700];
    snprintf(path, sizeof path, "%s/bookinfo-1h/report.html", dir);
    assert_int_equal(access(path, R_OK), 0);
    /* the replications run so far: those before the stopped one complete,
     * the stopped one (the last) interrupted, none started after it; the
     * stopped one is combined only when it is replication 0 */
    unsigned last = 0;
    for (unsigned i = 0;; i++) {
        snprintf(path, sizeof path, "%s/bookinfo-1h/replications/%04u", dir, i);
        if (access(path, F_OK) != 0)
            break;
        last = i;
    }
    for (unsigned i = 0; i <= last; i++) {
        snprintf(path, sizeof path, "%s/bookinfo-1h/replications/%04u/results.sqlite", dir, i);
        sqlite3 *db;
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        char buf[256];
        rf_sql_text(db, "PRAGMA integrity_check", buf, sizeof buf);
        assert_string_equal(buf, "ok");
        rf_sql_text(db, "SELECT value FROM run WHERE key = 'status'", buf, sizeof buf);
        assert_string_equal(buf, i == last ? "interrupted" : "complete");
        sqlite3_close(db);
    }
    assert_true(last < 4);
    assert_int_equal(combined, last == 0 ? 1 : last);

    snprintf(cmd, sizeof cmd,
             "xmllint --noout --schema '%s/tests/tools/junit.xsd' '%s.junit.xml' 2>/dev/null",
             MESHSIM_SOURCE_DIR, dir);
    assert_int_equal(system(cmd), 0);

    rf_remove_dir(dir);
    snprintf(path, sizeof path, "%s.junit.xml", dir);
    unlink(path);
    unlink(log);
}

static void test_harness_sigint(void **state)
{
    check_test_interrupted(SIGINT, "SIGINT");
    (void)state;
}

static void test_harness_sigterm(void **state)
{
    check_test_interrupted(SIGTERM, "SIGTERM");
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigint),
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_harness_sigint),
        cmocka_unit_test(test_harness_sigterm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
