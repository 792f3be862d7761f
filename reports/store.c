/*
 * store.c - results.sqlite (schema in store.h), written in one transaction
 * with prepared statements.
 */
#include "reports/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "reports/figures.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE run(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE routes(source_workload TEXT, destination_service TEXT, destination_version TEXT,"
    " host TEXT, requests INTEGER, errors INTEGER, retries INTEGER, timeouts INTEGER, rps REAL,"
    " latency_mean_ms REAL, latency_p50_ms REAL, latency_p90_ms REAL, latency_p99_ms REAL,"
    " latency_p999_ms REAL, latency_max_ms REAL, ingress_ms REAL, mesh_ms REAL, node_ms REAL,"
    " app_ms REAL);"
    "CREATE TABLE responses(source_workload TEXT, destination_service TEXT,"
    " destination_version TEXT, host TEXT, response_code INTEGER, response_flags TEXT,"
    " count INTEGER);"
    "CREATE TABLE latency_buckets(source_workload TEXT, destination_service TEXT,"
    " destination_version TEXT, host TEXT, lo_ns INTEGER, hi_ns INTEGER, count INTEGER);"
    "CREATE TABLE assertions(name TEXT, metric TEXT, passed INTEGER, observed REAL, unit TEXT,"
    " \"limit\" TEXT);"
    "CREATE INDEX routes_by_destination ON routes(destination_service, destination_version);"
    "CREATE INDEX responses_by_destination ON responses(destination_service, response_code);";

typedef struct writer {
    sqlite3 *db;
    char *err;
    size_t cap;
    int failed;
} writer;

static int fail(writer *w, const char *what)
{
    if (!w->failed)
        snprintf(w->err, w->cap, "%s: %s", what, sqlite3_errmsg(w->db));
    w->failed = 1;
    return -1;
}

static sqlite3_stmt *prep(writer *w, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
        fail(w, "prepare");
    return st;
}

static void step(writer *w, sqlite3_stmt *st)
{
    if (!st)
        return;
    if (sqlite3_step(st) != SQLITE_DONE)
        fail(w, "insert");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void kv(writer *w, sqlite3_stmt *st, const char *k, const char *v)
{
    if (!st)
        return;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, v ? v : "", -1, SQLITE_TRANSIENT);
    step(w, st);
}

static void bind_key(sqlite3_stmt *st, const mdl_row *row)
{
    sqlite3_bind_text(st, 1, row->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row->destination, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, row->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, row->host, -1, SQLITE_STATIC);
}

static void write_rows(writer *w, const mdl_mesh *m)
{
    const mdl_results *r = mdl_mesh_results(m);
    double secs = mdl_mesh_measured_seconds(m);
    sqlite3_stmt *rt = prep(w, "INSERT INTO routes VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_stmt *rs = prep(w, "INSERT INTO responses VALUES(?,?,?,?,?,?,?)");
    sqlite3_stmt *lb = prep(w, "INSERT INTO latency_buckets VALUES(?,?,?,?,?,?,?)");
    for (size_t i = 0; rt && rs && lb && i < r->nrows; i++) {
        const mdl_row *row = r->rows[i];
        rpt_figures f = rpt_row_figures(row, secs);
        const double cols[] = {f.rps, f.mean_ms, f.p50_ms, f.p90_ms, f.p99_ms, f.p999_ms,
                               f.max_ms, f.domain_ms[0], f.domain_ms[1], f.domain_ms[2],
                               f.domain_ms[3]};
        bind_key(rt, row);
        sqlite3_bind_int64(rt, 5, (sqlite3_int64)row->requests);
        sqlite3_bind_int64(rt, 6, (sqlite3_int64)row->errors);
        sqlite3_bind_int64(rt, 7, (sqlite3_int64)row->retries);
        sqlite3_bind_int64(rt, 8, (sqlite3_int64)row->timeouts);
        for (int c = 0; c < (int)(sizeof cols / sizeof cols[0]); c++)
            sqlite3_bind_double(rt, 9 + c, cols[c]);
        step(w, rt);
        for (int c = 0; c < MDL_MAX_STATUS; c++) {
            if (!row->codes[c])
                continue;
            bind_key(rs, row);
            sqlite3_bind_int(rs, 5, c);
            sqlite3_bind_text(rs, 6, "", -1, SQLITE_STATIC);
            sqlite3_bind_int64(rs, 7, (sqlite3_int64)row->codes[c]);
            step(w, rs);
        }
        for (int fl = 0; fl < POL_FLAG_COUNT; fl++) {
            if (!row->flags[fl])
                continue;
            bind_key(rs, row);
            sqlite3_bind_null(rs, 5);
            sqlite3_bind_text(rs, 6, pol_flag_short_name((pol_flag)fl), -1, SQLITE_STATIC);
            sqlite3_bind_int64(rs, 7, (sqlite3_int64)row->flags[fl]);
            step(w, rs);
        }
        sim_hist_iter it;
        sim_hist_iter_init(&it, &row->latency);
        while (sim_hist_iter_next(&it)) {
            bind_key(lb, row);
            sqlite3_bind_int64(lb, 5, it.lo);
            sqlite3_bind_int64(lb, 6, it.hi);
            sqlite3_bind_int64(lb, 7, (sqlite3_int64)it.count);
            step(w, lb);
        }
    }
    sqlite3_finalize(rt);
    sqlite3_finalize(rs);
    sqlite3_finalize(lb);
}

int rpt_store_write(const char *path, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                    const rpt_run_info *info, char *err, size_t cap)
{
    writer w = {NULL, err, cap, 0};
    if (sqlite3_open_v2(path, &w.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fail(&w, path);
        sqlite3_close(w.db);
        return -1;
    }
    char *msg = NULL;
    if (sqlite3_exec(w.db, schema, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(w.db, "BEGIN", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, cap, "schema: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(w.db);
        return -1;
    }
    const mdl_results *r = mdl_mesh_results(m);
    sqlite3_stmt *st = prep(&w, "INSERT INTO run VALUES(?,?)");
    char buf[64];
    kv(&w, st, "schema_version", "1");
    kv(&w, st, "scenario", r->scenario);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->seed);
    kv(&w, st, "seed", buf);
    snprintf(buf, sizeof buf, "%.9g", (double)r->duration_ns / 1e9);
    kv(&w, st, "duration_s", buf);
    snprintf(buf, sizeof buf, "%.9g", (double)r->warmup_ns / 1e9);
    kv(&w, st, "warmup_s", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->requests);
    kv(&w, st, "requests", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->events);
    kv(&w, st, "events", buf);
    kv(&w, st, "meshsim_version", info ? info->version : "");
    kv(&w, st, "command_line", info ? info->command_line : "");
    kv(&w, st, "started_at", info ? info->started_at : "");
    sqlite3_finalize(st);
    write_rows(&w, m);
    st = prep(&w, "INSERT INTO assertions VALUES(?,?,?,?,?,?)");
    for (size_t i = 0; st && i < na; i++) {
        sqlite3_bind_text(st, 1, a[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, a[i].metric, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, a[i].passed);
        if (a[i].observed_valid)
            sqlite3_bind_double(st, 4, a[i].observed);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_text(st, 5, a[i].unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, a[i].limit, -1, SQLITE_STATIC);
        step(&w, st);
    }
    sqlite3_finalize(st);
    if (!w.failed && sqlite3_exec(w.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        fail(&w, "commit");
    /* a results file travels alone: fold the WAL back into it */
    sqlite3_exec(w.db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    sqlite3_close(w.db);
    return w.failed ? -1 : 0;
}
