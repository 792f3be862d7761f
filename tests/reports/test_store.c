/*
 * test_store.c - results.sqlite and the exports on a known scenario
 * (tests/reports/data/flaky.yaml: errors, retries, timeouts, pool overflows
 * and outlier ejections all happen), checked against the schema of
 * docs/results-schema.md and against each other:
 *   - the file is integrity_check-clean, a single file (no WAL left), with
 *     exactly the documented tables, columns and indexes;
 *   - run metadata: schema_version, seed, window, status, and scenario_hash
 *     equal to XXH64 of the input file's bytes;
 *   - counts add up: per series, requests = sum over responses = whole-run
 *     histogram total = sum over its windows; per window, requests = sum over
 *     its responses = its histogram total; errors, retries and timeouts of
 *     the windows sum to the series'; pool_overflows = UO responses;
 *   - histograms merge: per series, the per-window buckets summed by bounds
 *     give the whole-run histogram exactly;
 *   - series refine the summary's rows: grouped by (source, destination,
 *     version, host) they give the results rows' counts;
 *   - every ejection on the timeline inside the measured window is counted
 *     once in the windows of the series it hit, and the timeline holds as many
 *     ejections as the clusters' outlier statistics;
 *   - assertions carry their selector;
 *   - series.csv and series.jsonl parse back to the windows table, row for
 *     row; metrics.prom parses as Prometheus text format 0.0.4 and its
 *     counters and histograms agree with the database (cumulative buckets,
 *     +Inf = _count = the label set's istio_requests_total, _sum = the sum
 *     of latencies, the le="10" bucket within the bounds the fine histogram
 *     allows);
 *   - the exports are byte-identical when the same bundle runs again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "config/bundle.h"
#include "models/mesh.h"
#include "policy/cluster_stats.h"
#include "policy/outlier.h"
#include "reports/export.h"
#include "reports/report_dir.h"
#include "run_fixture.h"
#include "sql_fixture.h"

#define SCENARIO MESHSIM_SOURCE_DIR "/tests/reports/data/flaky.yaml"

typedef struct fixture {
    rf_run r;
    char dir[256];
    sqlite3 *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (rf_run_load(&f->r, SCENARIO, NULL, true) != 0)
        return -1;
    rf_scratch_dir(f->dir, sizeof f->dir, "store-test", false);
    char hash[32], err[256];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)cfg_loader_input_hash(f->r.b.loader));
    rpt_run_info info = {.version = "test", .command_line = "meshsim run flaky.yaml",
                         .started_at = "2026-01-01T00:00:00Z", .scenario_hash = hash,
                         .exports = RPT_EXPORT_CSV | RPT_EXPORT_JSON | RPT_EXPORT_PROM};
    if (rpt_report_dir_write(f->dir, f->r.m, f->r.a, f->r.na, &info, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/results.sqlite", f->dir);
    if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sqlite3_close(f->db);
    rf_remove_dir(f->dir);
    rf_run_fini(&f->r);
    free(f);
    return 0;
}

/* The text of export FILE in the fixture's report folder (the caller frees
 * it); fails the test when the file cannot be read. */
static char *slurp_export(const fixture *f, const char *file, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, file);
    char *text = rf_slurp(path, len);
    assert_non_null(text);
    return text;
}

/* --- the file and its schema --------------------------------------------------- */

static void columns(sqlite3 *db, const char *table, char *out, size_t cap)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT group_concat(name, ' ') FROM pragma_table_info('%s')", table);
    rf_sql_text(db, sql, out, cap);
}

static void test_file_and_schema(void **state)
{
    fixture *f = *state;
    char buf[1024], wal[512];
    assert_string_equal(rf_sql_text(f->db, "PRAGMA integrity_check", buf, sizeof buf), "ok");
    assert_string_equal(rf_sql_text(f->db, "PRAGMA journal_mode", buf, sizeof buf), "delete");
    snprintf(wal, sizeof wal, "%s/results.sqlite-wal", f->dir);
    assert_int_equal(access(wal, F_OK), -1);
    static const char *const want[][2] = {
        {"run", "key value"},
        {"series", "id source_workload destination_service destination_workload "
                   "destination_version request_host route requests errors retries timeouts rps "
                   "latency_mean_ms latency_p50_ms latency_p90_ms latency_p99_ms latency_p999_ms "
                   "latency_max_ms ingress_ms mesh_ms node_ms app_ms app_queue_ms app_service_ms"},
        {"windows", "series_id t_s length_s requests errors retries timeouts ejections "
                    "pool_overflows latency_mean_ms latency_p50_ms latency_p90_ms latency_p99_ms "
                    "latency_max_ms"},
        {"responses", "series_id t_s response_code response_flags count"},
        {"latency_buckets", "series_id t_s lo_ns hi_ns count"},
        {"timeline", "t_s end_s kind subject detail"},
        {"assertions", "name metric selector passed observed unit limit samples"},
        {"cluster_stats", "source_workload cluster_name stat type value"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        columns(f->db, want[i][0], buf, sizeof buf);
        assert_string_equal(buf, want[i][1]);
    }
    assert_int_equal(rf_sql_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 8);
    rf_sql_text(f->db,
             "SELECT group_concat(tbl_name || '(' || (SELECT group_concat(name, ',') FROM "
             "pragma_index_info(m.name)) || ')', ' ') FROM (SELECT * FROM sqlite_master "
             "WHERE type = 'index' ORDER BY tbl_name, name) m",
             buf, sizeof buf);
    assert_string_equal(buf, "cluster_stats(cluster_name,stat) "
                             "latency_buckets(series_id,t_s) responses(series_id,t_s) "
                             "run(key) series(destination_service,destination_version) "
                             "timeline(kind,t_s) windows(series_id,t_s)");
}

static void test_run_metadata(void **state)
{
    fixture *f = *state;
    char buf[256], want[32];
    assert_int_equal(rf_sql_int(f->db, "SELECT value FROM run WHERE key = 'schema_version'"), 2);
    assert_string_equal(rf_sql_text(f->db, "SELECT value FROM run WHERE key = 'scenario'", buf,
                                 sizeof buf), "flaky");
    assert_int_equal(rf_sql_int(f->db, "SELECT value FROM run WHERE key = 'seed'"), 7);
    assert_int_equal(rf_sql_int(f->db, "SELECT value FROM run WHERE key = 'replication'"), 0);
    assert_int_equal(rf_sql_int(f->db, "SELECT value FROM run WHERE key = 'window_s'"), 5);
    assert_int_equal(rf_sql_int(f->db, "SELECT value FROM run WHERE key = 'duration_s'"), 30);
    assert_int_equal(rf_sql_int(f->db, "SELECT value FROM run WHERE key = 'warmup_s'"), 2);
    assert_string_equal(rf_sql_text(f->db, "SELECT value FROM run WHERE key = 'status'", buf,
                                 sizeof buf), "complete");
    assert_int_equal(rf_sql_int(f->db, "SELECT value FROM run WHERE key = 'requests'"),
                     (long long)mdl_mesh_results(f->r.m)->requests);
    size_t len;
    char *text = rf_slurp(SCENARIO, &len);
    assert_non_null(text);
    snprintf(want, sizeof want, "%016llx", (unsigned long long)XXH64(text, len, 0));
    free(text);
    assert_string_equal(rf_sql_text(f->db, "SELECT value FROM run WHERE key = 'scenario_hash'", buf,
                                 sizeof buf), want);
}

/* --- the numbers add up ------------------------------------------------------------ */

static void test_counts_add_up(void **state)
{
    fixture *f = *state;
    sqlite3 *db = f->db;
    assert_true(rf_sql_int(db, "SELECT count(*) FROM series") >= 3);
    assert_true(rf_sql_int(db, "SELECT count(*) FROM windows") >= 10);
    /* the scenario exercises every counter */
    const char *moving[] = {"errors", "retries", "timeouts", "ejections", "pool_overflows"};
    for (size_t i = 0; i < 5; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT sum(%s) FROM windows", moving[i]);
        assert_true(rf_sql_int(db, sql) > 0);
    }
    /* per series */
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s WHERE requests != "
                             "(SELECT sum(count) FROM responses r WHERE r.series_id = s.id)"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s WHERE requests != (SELECT sum(count) "
                             "FROM latency_buckets b WHERE b.series_id = s.id AND b.t_s IS NULL)"),
                     0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s JOIN (SELECT series_id, "
                             "sum(requests) rq, sum(errors) er, sum(retries) rt, sum(timeouts) tm "
                             "FROM windows GROUP BY 1) w ON w.series_id = s.id WHERE "
                             "s.requests != w.rq OR s.errors != w.er OR s.retries != w.rt OR "
                             "s.timeouts != w.tm"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series s WHERE NOT EXISTS (SELECT 1 FROM "
                             "windows w WHERE w.series_id = s.id)"), 0);
    /* per window */
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows w WHERE requests != (SELECT "
                             "coalesce(sum(count), 0) FROM responses r WHERE r.series_id = "
                             "w.series_id AND r.t_s = w.t_s)"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows w WHERE requests != (SELECT "
                             "coalesce(sum(count), 0) FROM latency_buckets b WHERE b.series_id = "
                             "w.series_id AND b.t_s = w.t_s)"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows w WHERE pool_overflows != (SELECT "
                             "coalesce(sum(count), 0) FROM responses r WHERE r.series_id = "
                             "w.series_id AND r.t_s = w.t_s AND ',' || response_flags || ',' "
                             "LIKE '%,UO,%')"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows WHERE requests > 0 AND NOT "
                             "(latency_p50_ms <= latency_p90_ms AND latency_p90_ms <= "
                             "latency_p99_ms AND latency_p99_ms <= latency_max_ms)"), 0);
    /* windows tile [warmup, duration) */
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows WHERE t_s < 2 OR t_s >= 30 OR "
                             "abs((t_s - 2) / 5 - round((t_s - 2) / 5)) > 1e-9"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows WHERE abs(length_s - min(5, 30 - t_s)) "
                             "> 1e-9"), 0);
    /* the sources' requests */
    assert_int_equal(rf_sql_int(db, "SELECT sum(requests) FROM series WHERE source_workload = 'load'"),
                     (long long)mdl_mesh_results(f->r.m)->requests);
}

static void test_histograms_merge(void **state)
{
    fixture *f = *state;
    /* per-window buckets summed by bounds = the whole-run histogram, bucket for bucket */
    const char *diff =
        "SELECT count(*) FROM (SELECT series_id, lo_ns, hi_ns, sum(count) c FROM latency_buckets "
        "WHERE t_s IS NOT NULL GROUP BY 1, 2, 3) w FULL OUTER JOIN (SELECT series_id, lo_ns, "
        "hi_ns, count c FROM latency_buckets WHERE t_s IS NULL) t USING (series_id, lo_ns, hi_ns) "
        "WHERE w.c IS NOT t.c";
    assert_int_equal(rf_sql_int(f->db, diff), 0);
    assert_int_equal(rf_sql_int(f->db, "SELECT count(*) FROM latency_buckets WHERE count <= 0 OR "
                                "hi_ns < lo_ns OR (lo_ns >= 128 AND (hi_ns - lo_ns + 1) * 64 > "
                                "lo_ns)"), 0);
}

static void test_series_refine_the_rows(void **state)
{
    fixture *f = *state;
    const mdl_results *r = mdl_mesh_results(f->r.m);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->db,
                                        "SELECT sum(requests), sum(errors), sum(retries), "
                                        "sum(timeouts) FROM series WHERE source_workload = ?1 AND "
                                        "destination_service = ?2 AND destination_version = ?3 "
                                        "AND request_host = ?4", -1, &st, NULL), SQLITE_OK);
    long long total = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const mdl_row *row = r->rows[i];
        sqlite3_bind_text(st, 1, row->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, row->destination, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, row->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, row->host, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int64(st, 0), (long long)row->requests);
        assert_int_equal(sqlite3_column_int64(st, 1), (long long)row->errors);
        assert_int_equal(sqlite3_column_int64(st, 2), (long long)row->retries);
        assert_int_equal(sqlite3_column_int64(st, 3), (long long)row->timeouts);
        total += (long long)row->requests;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    assert_int_equal(rf_sql_int(f->db, "SELECT sum(requests) FROM series"), total);
}

static void test_ejections(void **state)
{
    fixture *f = *state;
    sqlite3 *db = f->db;
    /* probe 0 selects destination backend: all clusters' enforced ejections */
    long long ejections = (long long)mdl_mesh_probe_ejections(f->r.m, 0);
    assert_true(ejections > 0);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM timeline WHERE kind = 'ejection'"), ejections);
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM timeline WHERE kind = 'ejection' AND "
                             "(end_s <= t_s OR subject NOT LIKE 'backend-v1-%' OR detail NOT LIKE "
                             "'by client-% for backend.default.svc.cluster.local')"), 0);
    assert_true(rf_sql_int(db, "SELECT count(*) FROM timeline WHERE kind = 'unejection'") > 0);
    /* one client workload and one backend-v1 series: each ejection in the measured
     * window counts exactly once, in the window where it began */
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM series WHERE destination_workload = "
                             "'backend-v1'"), 1);
    assert_int_equal(rf_sql_int(db, "SELECT sum(ejections) FROM windows w JOIN series s ON s.id = "
                             "w.series_id WHERE s.destination_workload = 'backend-v1'"),
                     rf_sql_int(db, "SELECT count(*) FROM timeline WHERE kind = 'ejection' AND t_s >= 2 "
                             "AND t_s < 30"));
    assert_int_equal(rf_sql_int(db, "SELECT count(*) FROM windows w JOIN series s ON s.id = w.series_id "
                             "WHERE w.ejections != (SELECT count(*) FROM timeline WHERE kind = "
                             "'ejection' AND t_s >= w.t_s AND t_s < w.t_s + w.length_s) AND "
                             "s.destination_workload = 'backend-v1'"), 0);
    assert_int_equal(rf_sql_int(db, "SELECT sum(ejections) FROM windows w JOIN series s ON s.id = "
                             "w.series_id WHERE s.destination_workload != 'backend-v1'"), 0);
}

static void test_assertions(void **state)
{
    fixture *f = *state;
    char buf[256];
    assert_int_equal(rf_sql_int(f->db, "SELECT count(*) FROM assertions"), 2);
    assert_string_equal(rf_sql_text(f->db, "SELECT selector FROM assertions WHERE name = "
                                        "'backend errors stay visible'", buf, sizeof buf),
                        "destination=backend version=v1");
    assert_string_equal(rf_sql_text(f->db, "SELECT selector || '|' || metric || '|' || \"limit\" FROM "
                                        "assertions WHERE name = 'v2 p99'", buf, sizeof buf),
                        "source=load version=v2|latency.p99|max 1s");
    assert_int_equal(rf_sql_int(f->db, "SELECT count(*) FROM assertions WHERE samples <= 0"), 0);
}

/* --- CSV and JSON lines --------------------------------------------------------------- */

/* Split one CSV record (RFC 4180 quoting) in place; returns the field count. */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line, *out = line;
    while (n < max) {
        fields[n++] = out;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"'))
                *out++ = (*p == '"' ? (p++, '"') : *p), p++;
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',')
                *out++ = *p++;
        }
        bool more = *p == ',';
        *out++ = '\0';
        if (!more)
            break;
        p++;
    }
    return n;
}

static void test_csv_parses_back(void **state)
{
    fixture *f = *state;
    char *text = slurp_export(f, "series.csv", NULL);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->db,
                                        "SELECT w.requests, w.errors, w.ejections, w.latency_p99_ms, "
                                        "s.destination_workload, s.route FROM windows w JOIN series "
                                        "s ON s.id = w.series_id WHERE w.series_id = ?1 AND "
                                        "abs(w.t_s - ?2) < 1e-9", -1, &st, NULL), SQLITE_OK);
    long long rows = 0, requests = 0;
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    char *fields[32];
    assert_int_equal(csv_split(line, fields, 32), 20);
    assert_string_equal(fields[0], "series_id");
    assert_string_equal(fields[9], "requests");
    assert_string_equal(fields[19], "latency_max_ms");
    while ((line = strtok_r(NULL, "\n", &save))) {
        assert_int_equal(csv_split(line, fields, 32), 20);
        sqlite3_bind_int64(st, 1, atoll(fields[0]));
        sqlite3_bind_double(st, 2, atof(fields[1]));
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int64(st, 0), atoll(fields[9]));
        assert_int_equal(sqlite3_column_int64(st, 1), atoll(fields[10]));
        assert_int_equal(sqlite3_column_int64(st, 2), atoll(fields[13]));
        double p99 = sqlite3_column_double(st, 3);
        assert_true(fabs(p99 - atof(fields[18])) <= 1e-5 * p99 + 1e-9);
        assert_string_equal((const char *)sqlite3_column_text(st, 4), fields[5]);
        assert_string_equal((const char *)sqlite3_column_text(st, 5), fields[8]);
        sqlite3_reset(st);
        rows++;
        requests += atoll(fields[9]);
    }
    sqlite3_finalize(st);
    free(text);
    assert_int_equal(rows, rf_sql_int(f->db, "SELECT count(*) FROM windows"));
    assert_int_equal(requests, rf_sql_int(f->db, "SELECT sum(requests) FROM series"));
}

/* A small JSON reader: enough to validate a line and pull numbers out of it. */
typedef struct jp {
    const char *p;
    bool ok;
} jp;

static void ws(jp *j)
{
    while (isspace((unsigned char)*j->p))
        j->p++;
}

static bool value(jp *j, const char *want_key, double *out, double *resp_sum);

static bool string_lit(jp *j, char *buf, size_t cap)
{
    if (*j->p != '"')
        return false;
    size_t n = 0;
    for (j->p++; *j->p && *j->p != '"'; j->p++) {
        if (*j->p == '\\')
            j->p++;
        if ((unsigned char)*j->p < 0x20)
            return false;
        if (n + 1 < cap)
            buf[n++] = *j->p;
    }
    if (cap)
        buf[n] = '\0';
    if (*j->p != '"')
        return false;
    j->p++;
    return true;
}

/* Parse one value; for an object, store the number under `want_key` into
 * *out and add every "count" found in a "responses" array to *resp_sum. */
static bool value(jp *j, const char *want_key, double *out, double *resp_sum)
{
    ws(j);
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        bool obj = close == '}';
        j->p++;
        ws(j);
        if (*j->p == close)
            return j->p++, true;
        for (;;) {
            char key[64] = "";
            if (obj) {
                ws(j);
                if (!string_lit(j, key, sizeof key))
                    return false;
                ws(j);
                if (*j->p++ != ':')
                    return false;
            }
            ws(j);
            const char *start = j->p;
            bool in_responses = !strcmp(key, "responses");
            if (!value(j, in_responses ? "count" : NULL, NULL, NULL))
                return false;
            if (in_responses && resp_sum) {
                /* re-read the array to add its counts */
                jp k = {start, true};
                k.p++;
                ws(&k);
                while (*k.p == '{') {
                    double c = 0;
                    if (!value(&k, "count", &c, NULL))
                        return false;
                    *resp_sum += c;
                    ws(&k);
                    if (*k.p == ',')
                        k.p++;
                    ws(&k);
                }
            }
            if (obj && want_key && out && !strcmp(key, want_key))
                *out = strtod(start, NULL);
            ws(j);
            if (*j->p == ',') {
                j->p++;
                continue;
            }
            if (*j->p == close)
                return j->p++, true;
            return false;
        }
    }
    if (*j->p == '"')
        return string_lit(j, NULL, 0);
    if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4))
        return j->p += 4, true;
    if (!strncmp(j->p, "false", 5))
        return j->p += 5, true;
    char *end;
    strtod(j->p, &end);
    if (end == j->p)
        return false;
    j->p = end;
    return true;
}

static void test_jsonl_parses_back(void **state)
{
    fixture *f = *state;
    char *text = slurp_export(f, "series.jsonl", NULL);
    long long rows = 0;
    double requests = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        jp j = {line, true};
        double req = -1, resp = 0;
        assert_true(value(&j, "requests", &req, &resp));
        ws(&j);
        assert_int_equal(*j.p, '\0'); /* one value per line */
        assert_true(req >= 0);
        assert_true(req == resp);
        requests += req;
        rows++;
    }
    free(text);
    assert_int_equal(rows, rf_sql_int(f->db, "SELECT count(*) FROM windows"));
    assert_int_equal((long long)requests, rf_sql_int(f->db, "SELECT sum(requests) FROM series"));
}

/* --- Prometheus text format ------------------------------------------------------------ */

typedef struct sample {
    char name[96];
    char labels[512]; /* name="value" pairs, ',' joined, without le; unescaped */
    char le[32];      /* "" when absent */
    double value;
} sample;

static bool is_name(const char *s, size_t n, bool colon)
{
    if (!n || isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || (colon && s[i] == ':')))
            return false;
    return true;
}

/* Parse a sample line; false if it does not follow the 0.0.4 grammar. */
static bool parse_sample(const char *line, sample *s)
{
    memset(s, 0, sizeof *s);
    size_t n = strcspn(line, "{ ");
    if (!is_name(line, n, true) || n >= sizeof s->name)
        return false;
    memcpy(s->name, line, n);
    const char *p = line + n;
    size_t ln = 0;
    if (*p == '{') {
        p++;
        while (*p != '}') {
            size_t k = strcspn(p, "=");
            if (!is_name(p, k, false) || p[k] != '=' || p[k + 1] != '"')
                return false;
            char key[64], val[256];
            snprintf(key, sizeof key, "%.*s", (int)k, p);
            p += k + 2;
            size_t v = 0;
            for (; *p && *p != '"'; p++) {
                if (*p == '\\') {
                    p++;
                    if (*p != '\\' && *p != '"' && *p != 'n')
                        return false;
                }
                if (v + 1 < sizeof val)
                    val[v++] = *p == 'n' && p[-1] == '\\' ? '\n' : *p;
            }
            val[v] = '\0';
            if (*p++ != '"')
                return false;
            if (!strcmp(key, "le"))
                snprintf(s->le, sizeof s->le, "%.31s", val);
            else
                ln += (size_t)snprintf(s->labels + ln, sizeof s->labels - ln, "%s%s=%s",
                                       ln ? "," : "", key, val);
            if (*p == ',')
                p++;
            else if (*p != '}')
                return false;
        }
        p++;
    }
    if (*p++ != ' ')
        return false;
    char *end;
    s->value = strtod(p, &end);
    return end != p && *end == '\0';
}

static double le_value(const char *le) { return !strcmp(le, "+Inf") ? INFINITY : atof(le); }

static void test_prometheus_parses_back(void **state)
{
    fixture *f = *state;
    char *text = slurp_export(f, "metrics.prom", NULL);
    assert_true(text[strlen(text) - 1] == '\n');
    size_t cap = 4096, n = 0;
    double envoy_retries = 0;
    sample *ss = calloc(cap, sizeof *ss);
    char typed[128][96];
    int ntyped = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            char name[96], type[32];
            if (sscanf(line, "# TYPE %95s %31s", name, type) == 2) {
                assert_true(!strcmp(type, "counter") || !strcmp(type, "histogram") ||
                            !strcmp(type, "gauge"));
                assert_true(ntyped < 128);
                snprintf(typed[ntyped++], sizeof typed[0], "%s", name);
            } else {
                assert_true(!strncmp(line, "# HELP ", 7));
            }
            continue;
        }
        assert_true(n < cap);
        if (!parse_sample(line, &ss[n]))
            fail_msg("not a 0.0.4 sample line: %s", line);
        /* its family was typed before it */
        bool found = false;
        for (int t = 0; t < ntyped; t++)
            found |= !strncmp(ss[n].name, typed[t], strlen(typed[t]));
        assert_true(found);
        if (!strcmp(ss[n].name, "envoy_cluster_upstream_rq_retry"))
            envoy_retries += ss[n].value;
        /* unique (name, labels) */
        for (size_t k = 0; k < n; k++)
            assert_false(!strcmp(ss[k].name, ss[n].name) && !strcmp(ss[k].labels, ss[n].labels) &&
                         !strcmp(ss[k].le, ss[n].le));
        n++;
    }
    free(text);
    /* Istio's two families, then one per Envoy cluster statistic */
    assert_int_equal(ntyped, 2 + rf_sql_int(f->db, "SELECT count(DISTINCT stat) FROM cluster_stats"));
    assert_true(envoy_retries ==
                (double)rf_sql_int(f->db, "SELECT sum(value) FROM cluster_stats "
                                   "WHERE stat = 'upstream_rq_retry'"));

    /* counters: the total equals the database's; per label set the histogram agrees */
    double total = 0, hist_total = 0;
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(ss[i].name, "istio_requests_total")) {
            assert_non_null(strstr(ss[i].labels, "reporter=source,source_workload="));
            assert_non_null(strstr(ss[i].labels, ",destination_service="));
            assert_non_null(strstr(ss[i].labels, ",destination_workload="));
            assert_non_null(strstr(ss[i].labels, ",destination_version="));
            assert_non_null(strstr(ss[i].labels, ",response_code="));
            assert_non_null(strstr(ss[i].labels, ",response_flags="));
            total += ss[i].value;
            continue;
        }
        if (strcmp(ss[i].name, "istio_request_duration_milliseconds_count"))
            continue;
        groups++;
        const char *g = ss[i].labels;
        double count = ss[i].value, sum = -1, inf = -1, prev = 0, prev_le = -INFINITY;
        double counters = 0;
        for (size_t k = 0; k < n; k++) {
            if (!strcmp(ss[k].name, "istio_request_duration_milliseconds_sum") &&
                !strcmp(ss[k].labels, g))
                sum = ss[k].value;
            if (!strcmp(ss[k].name, "istio_requests_total") &&
                !strncmp(ss[k].labels, g, strlen(g)) && ss[k].labels[strlen(g)] == ',')
                counters += ss[k].value;
            if (strcmp(ss[k].name, "istio_request_duration_milliseconds_bucket") ||
                strcmp(ss[k].labels, g))
                continue;
            double le = le_value(ss[k].le);
            assert_true(le > prev_le);       /* increasing bounds */
            assert_true(ss[k].value >= prev); /* cumulative */
            prev_le = le, prev = ss[k].value;
            if (isinf(le))
                inf = ss[k].value;
        }
        assert_true(inf == count);
        assert_true(counters == count);
        assert_true(sum > 0);
        hist_total += count;
    }
    assert_true(groups > 0);
    long long requests = rf_sql_int(f->db, "SELECT sum(requests) FROM series");
    assert_true(total == (double)requests);
    assert_true(hist_total == (double)requests);
    /* _sum over all label sets = the sum of the latencies (series means x requests) */
    double sums = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ss[i].name, "istio_request_duration_milliseconds_sum"))
            sums += ss[i].value;
    double want = rf_sql_real(f->db, "SELECT sum(latency_mean_ms * requests) FROM series");
    assert_true(fabs(sums - want) <= 1e-6 * want);
    /* the 10 ms bucket, summed over label sets, lies within what the fine buckets allow */
    double le10 = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ss[i].name, "istio_request_duration_milliseconds_bucket") &&
            !strcmp(ss[i].le, "10"))
            le10 += ss[i].value;
    double below = (double)rf_sql_int(f->db, "SELECT sum(count) FROM latency_buckets WHERE t_s IS NULL "
                                      "AND hi_ns <= 10000000");
    double upto = (double)rf_sql_int(f->db, "SELECT sum(count) FROM latency_buckets WHERE t_s IS NULL "
                                     "AND lo_ns <= 10000000");
    assert_true(below <= le10 && le10 <= upto);
    assert_true(below > 0 && upto < (double)requests);
    free(ss);
}

/* One statistic of the client's cluster for the backend. */
static long long backend_stat(sqlite3 *db, const char *stat)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT value FROM cluster_stats WHERE source_workload = 'client' AND "
             "cluster_name = 'outbound|80||backend.default.svc.cluster.local' AND stat = '%s'",
             stat);
    return rf_sql_int(db, sql);
}

/* Envoy's cluster statistics: every statistic of the client's cluster for the
 * backend is there, named as Envoy names it, and the numbers hang together. */
static void test_cluster_stats(void **state)
{
    fixture *f = *state;
    size_t ncs, nos;
    pol_cluster_stats_table(&ncs);
    pol_outlier_stats_table(&nos);
    assert_int_equal(rf_sql_int(f->db, "SELECT count(*) FROM cluster_stats WHERE source_workload = "
                                "'client' AND cluster_name LIKE 'outbound|80||backend.%'"),
                     (long long)(ncs + nos));
    assert_int_equal(backend_stat(f->db, "membership_total"), 4); /* three v1 pods, one v2 */
    long long by_class = 0;
    const char *classes[] = {"upstream_rq_1xx", "upstream_rq_2xx", "upstream_rq_3xx",
                             "upstream_rq_4xx", "upstream_rq_5xx"};
    for (int i = 0; i < 5; i++)
        by_class += backend_stat(f->db, classes[i]);
    assert_int_equal(backend_stat(f->db, "upstream_rq_completed"), by_class);
    assert_true(backend_stat(f->db, "upstream_rq_retry") > 0);
    assert_true(backend_stat(f->db, "upstream_rq_pending_overflow") > 0);
    /* every ejection the detector enforced is on the timeline */
    assert_int_equal(backend_stat(f->db, "outlier_detection.ejections_enforced_total"),
                     rf_sql_int(f->db, "SELECT count(*) FROM timeline WHERE kind = 'ejection'"));
    assert_int_equal(rf_sql_int(f->db, "SELECT count(*) FROM cluster_stats WHERE type NOT IN "
                                "('counter', 'gauge')"),
                     0);
}

/* The exports are a pure function of inputs and seed: a second run of the
 * same bundle writes the same bytes. */
static void test_exports_are_deterministic(void **state)
{
    fixture *f = *state;
    mdl_mesh *again = mdl_mesh_create(&f->r.b, NULL, f->r.d);
    assert_non_null(again);
    assert_int_equal(mdl_mesh_run(again, NULL, NULL), 0);
    for (int i = 0; i < RPT_EXPORT_COUNT; i++) {
        unsigned fmt = rpt_export_format(i);
        char *buf = NULL;
        size_t len = 0, want_len;
        char *want = slurp_export(f, rpt_export_file_name(fmt), &want_len);
        FILE *mem = open_memstream(&buf, &len);
        rpt_export_write(mem, fmt, mdl_mesh_results(again));
        fclose(mem);
        assert_int_equal(len, want_len);
        assert_memory_equal(buf, want, len);
        free(buf);
        free(want);
    }
    mdl_mesh_destroy(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_and_schema),
        cmocka_unit_test(test_run_metadata),
        cmocka_unit_test(test_counts_add_up),
        cmocka_unit_test(test_histograms_merge),
        cmocka_unit_test(test_series_refine_the_rows),
        cmocka_unit_test(test_ejections),
        cmocka_unit_test(test_assertions),
        cmocka_unit_test(test_csv_parses_back),
        cmocka_unit_test(test_jsonl_parses_back),
        cmocka_unit_test(test_prometheus_parses_back),
        cmocka_unit_test(test_cluster_stats),
        cmocka_unit_test(test_exports_are_deterministic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
