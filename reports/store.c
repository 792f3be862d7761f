/*
 * store.c - results.sqlite, schema version 2 (docs/results-schema.md).
 *
 * Order of work: create the tables in WAL mode; then one transaction each for
 * the run metadata, the series with their windows, responses and histograms,
 * and the timeline with the assertions; then the indexes (cheaper to build
 * once over the rows than to maintain while inserting); then the WAL is folded
 * back into the file.  The caller writes to a temporary name and renames it,
 * so a file that exists under its real name is always complete.  Any failure
 * rolls the open transaction back and reports the first error.
 */
#include "reports/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "reports/figures.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE run(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE series(id INTEGER PRIMARY KEY, source_workload TEXT, destination_service TEXT,"
    " destination_workload TEXT, destination_version TEXT, request_host TEXT, route TEXT,"
    " requests INTEGER, errors INTEGER, retries INTEGER, timeouts INTEGER, rps REAL,"
    " latency_mean_ms REAL, latency_p50_ms REAL, latency_p90_ms REAL, latency_p99_ms REAL,"
    " latency_p999_ms REAL, latency_max_ms REAL,"
    " ingress_ms REAL, mesh_ms REAL, node_ms REAL, app_ms REAL, app_queue_ms REAL,"
    " app_service_ms REAL);"
    "CREATE TABLE windows(series_id INTEGER REFERENCES series(id), t_s REAL, length_s REAL,"
    " requests INTEGER, errors INTEGER, retries INTEGER, timeouts INTEGER,"
    " ejections INTEGER, pool_overflows INTEGER,"
    " latency_mean_ms REAL, latency_p50_ms REAL, latency_p90_ms REAL, latency_p99_ms REAL,"
    " latency_max_ms REAL, PRIMARY KEY(series_id, t_s));"
    "CREATE TABLE responses(series_id INTEGER REFERENCES series(id), t_s REAL,"
    " response_code INTEGER, response_flags TEXT, count INTEGER);"
    "CREATE TABLE latency_buckets(series_id INTEGER REFERENCES series(id), t_s REAL,"
    " lo_ns INTEGER, hi_ns INTEGER, count INTEGER);"
    "CREATE TABLE timeline(t_s REAL, end_s REAL, kind TEXT, subject TEXT, detail TEXT);"
    "CREATE TABLE assertions(name TEXT, metric TEXT, selector TEXT, passed INTEGER,"
    " observed REAL, unit TEXT, \"limit\" TEXT, samples INTEGER);"
    "CREATE TABLE cluster_stats(source_workload TEXT, cluster_name TEXT, stat TEXT, type TEXT,"
    " value INTEGER);";

static const char indexes[] =
    "CREATE INDEX responses_by_series ON responses(series_id, t_s);"
    "CREATE INDEX latency_buckets_by_series ON latency_buckets(series_id, t_s);"
    "CREATE INDEX series_by_destination ON series(destination_service, destination_version);"
    "CREATE INDEX timeline_by_kind ON timeline(kind, t_s);"
    "CREATE INDEX cluster_stats_by_cluster ON cluster_stats(cluster_name, stat);";

typedef struct writer {
    sqlite3 *db;
    char *err;
    size_t cap;
    int failed;
} writer;

static void fail(writer *w, const char *what)
{
    if (!w->failed)
        snprintf(w->err, w->cap, "%s: %s", what, sqlite3_errmsg(w->db));
    w->failed = 1;
}

static void exec(writer *w, const char *sql, const char *what)
{
    if (!w->failed && sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail(w, what);
}

static sqlite3_stmt *prep(writer *w, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (!w->failed && sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
        fail(w, "prepare");
    return st;
}

/* Run a bound statement and make it ready for the next row. */
static void step(writer *w, sqlite3_stmt *st)
{
    if (!st || w->failed)
        return;
    if (sqlite3_step(st) != SQLITE_DONE)
        fail(w, "insert");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void begin(writer *w) { exec(w, "BEGIN", "begin"); }

static void commit(writer *w)
{
    if (w->failed)
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    else
        exec(w, "COMMIT", "commit");
}

static double secs(sim_time t) { return (double)t / 1e9; }

/* --- run ------------------------------------------------------------------ */

static void kv(writer *w, sqlite3_stmt *st, const char *k, const char *v)
{
    if (!st)
        return;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, v ? v : "", -1, SQLITE_TRANSIENT);
    step(w, st);
}

static void kv_num(writer *w, sqlite3_stmt *st, const char *k, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.9g", v);
    kv(w, st, k, buf);
}

static void kv_uint(writer *w, sqlite3_stmt *st, const char *k, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", v);
    kv(w, st, k, buf);
}

static void write_run(writer *w, const mdl_results *r, const rpt_run_info *info)
{
    sqlite3_stmt *st = prep(w, "INSERT INTO run VALUES(?,?)");
    kv_uint(w, st, "schema_version", RPT_SCHEMA_VERSION);
    kv(w, st, "scenario", r->scenario);
    kv(w, st, "scenario_hash", info && info->scenario_hash ? info->scenario_hash : "");
    kv_uint(w, st, "seed", (unsigned long long)r->seed);
    kv_uint(w, st, "replication", info ? info->replication : 0);
    kv_num(w, st, "duration_s", secs(r->duration_ns));
    kv_num(w, st, "warmup_s", secs(r->warmup_ns));
    kv_num(w, st, "window_s", secs(r->series.width_ns));
    kv_num(w, st, "simulated_s", secs(r->simulated_ns));
    kv_uint(w, st, "requests", (unsigned long long)r->requests);
    kv_uint(w, st, "events", (unsigned long long)r->events);
    kv(w, st, "meshsim_version", info ? info->version : "");
    kv(w, st, "command_line", info ? info->command_line : "");
    kv(w, st, "started_at", info ? info->started_at : "");
    kv(w, st, "status", (info && info->interrupted) || r->stopped ? "interrupted" : "complete");
    sqlite3_finalize(st);
}

/* --- series and their windows ------------------------------------------------ */

typedef struct series_stmts {
    sqlite3_stmt *series, *window, *response, *bucket;
} series_stmts;

static void bind_doubles(sqlite3_stmt *st, int first, const double *v, int n)
{
    for (int i = 0; i < n; i++)
        sqlite3_bind_double(st, first + i, v[i]);
}

static void write_series_row(writer *w, sqlite3_stmt *st, sqlite3_int64 id, const mdl_series *s,
                             double measured_s)
{
    const mdl_row *t = s->total;
    rpt_figures f = rpt_row_figures(t, measured_s);
    const char *key[] = {s->source, s->destination, s->workload, s->version, s->host, s->route};
    const double cols[] = {f.rps, f.mean_ms, f.p50_ms, f.p90_ms, f.p99_ms, f.p999_ms, f.max_ms,
                           f.domain_ms[0], f.domain_ms[1], f.domain_ms[2], f.domain_ms[3],
                           f.domain_ms[MDL_DOM_APP_QUEUE], f.app_service_ms};
    sqlite3_bind_int64(st, 1, id);
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, 2 + i, key[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)t->requests);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)t->errors);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)t->retries);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)t->timeouts);
    bind_doubles(st, 12, cols, (int)(sizeof cols / sizeof cols[0]));
    step(w, st);
}

/* One histogram bucket; t_s < 0 stores NULL (the whole-run histogram). */
static void write_bucket(writer *w, sqlite3_stmt *st, sqlite3_int64 id, double t_s, int64_t lo,
                         int64_t hi, uint64_t count)
{
    sqlite3_bind_int64(st, 1, id);
    if (t_s < 0)
        sqlite3_bind_null(st, 2);
    else
        sqlite3_bind_double(st, 2, t_s);
    sqlite3_bind_int64(st, 3, lo);
    sqlite3_bind_int64(st, 4, hi);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)count);
    step(w, st);
}

static void write_window(writer *w, const series_stmts *ss, sqlite3_int64 id,
                         const mdl_series_set *set, const mdl_window *win)
{
    double t_s = secs(mdl_series_window_start(set, win->index));
    double len_s = secs(mdl_series_window_length(set, win->index));
    rpt_figures f = rpt_window_figures(win, len_s);
    const uint64_t counts[] = {win->requests, win->errors, win->retries, win->timeouts,
                               win->ejections, win->pool_overflows};
    const double lat[] = {f.mean_ms, f.p50_ms, f.p90_ms, f.p99_ms, f.max_ms};
    sqlite3_stmt *st = ss->window;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_double(st, 2, t_s);
    sqlite3_bind_double(st, 3, len_s);
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, 4 + i, (sqlite3_int64)counts[i]);
    bind_doubles(st, 10, lat, 5);
    step(w, st);
    for (size_t i = 0; i < win->nresponses; i++) {
        const mdl_response_count *rc = &win->responses[i];
        char flags[POL_FLAGS_FORMAT_MAX];
        pol_flags_format(rc->flags, false, flags, sizeof flags);
        sqlite3_bind_int64(ss->response, 1, id);
        sqlite3_bind_double(ss->response, 2, t_s);
        sqlite3_bind_int(ss->response, 3, rc->code);
        sqlite3_bind_text(ss->response, 4, flags, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ss->response, 5, (sqlite3_int64)rc->count);
        step(w, ss->response);
    }
    for (size_t i = 0; i < mdl_whist_nbuckets(&win->latency); i++) {
        int64_t lo, hi;
        uint64_t count;
        mdl_whist_bucket(&win->latency, i, &lo, &hi, &count);
        write_bucket(w, ss->bucket, id, t_s, lo, hi, count);
    }
}

static void write_series(writer *w, const mdl_results *r, double measured_s)
{
    series_stmts ss = {
        prep(w, "INSERT INTO series VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
        prep(w, "INSERT INTO windows VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
        prep(w, "INSERT INTO responses VALUES(?,?,?,?,?)"),
        prep(w, "INSERT INTO latency_buckets VALUES(?,?,?,?,?)"),
    };
    const mdl_series_set *set = &r->series;
    for (size_t i = 0; !w->failed && i < set->nseries; i++) {
        const mdl_series *s = set->series[i];
        sqlite3_int64 id = (sqlite3_int64)i + 1;
        write_series_row(w, ss.series, id, s, measured_s);
        sim_hist_iter it;
        sim_hist_iter_init(&it, &s->total->latency);
        while (sim_hist_iter_next(&it))
            write_bucket(w, ss.bucket, id, -1, it.lo, it.hi, it.count);
        for (size_t k = 0; k < s->nwindows; k++)
            write_window(w, &ss, id, set, &s->windows[k]);
    }
    sqlite3_finalize(ss.series);
    sqlite3_finalize(ss.window);
    sqlite3_finalize(ss.response);
    sqlite3_finalize(ss.bucket);
}

/* --- timeline and assertions ------------------------------------------------- */

static void write_timeline(writer *w, const mdl_results *r)
{
    sqlite3_stmt *st = prep(w, "INSERT INTO timeline VALUES(?,?,?,?,?)");
    for (size_t i = 0; st && i < r->ntimeline; i++) {
        const mdl_event *e = &r->timeline[i];
        sqlite3_bind_double(st, 1, secs(e->at_ns));
        sqlite3_bind_double(st, 2, secs(e->end_ns));
        sqlite3_bind_text(st, 3, e->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, e->subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e->detail, -1, SQLITE_STATIC);
        step(w, st);
    }
    sqlite3_finalize(st);
}

void rpt_selector_format(const cfg_assertion_spec *spec, char *buf, size_t cap)
{
    const char *names[] = {"source", "destination", "version", "host", "route", "domain"};
    const char *values[] = {spec->select.source.str, spec->select.destination.str,
                            spec->select.version.str, spec->select.host.str,
                            spec->select.route.str, spec->select.domain.str};
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    for (int i = 0; i < 6; i++) {
        if (!values[i] || n >= cap)
            continue;
        int k = snprintf(buf + n, cap - n, "%s%s=%s", n ? " " : "", names[i], values[i]);
        n += k > 0 ? (size_t)k : 0;
    }
}

static void write_assertions(writer *w, const rpt_assertion *a, size_t na)
{
    sqlite3_stmt *st = prep(w, "INSERT INTO assertions VALUES(?,?,?,?,?,?,?,?)");
    for (size_t i = 0; st && i < na; i++) {
        char sel[512] = "";
        if (a[i].spec)
            rpt_selector_format(a[i].spec, sel, sizeof sel);
        sqlite3_bind_text(st, 1, a[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, a[i].metric, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sel, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 4, a[i].passed);
        if (a[i].observed_valid)
            sqlite3_bind_double(st, 5, a[i].observed);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_text(st, 6, a[i].unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, a[i].limit, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)a[i].samples);
        step(w, st);
    }
    sqlite3_finalize(st);
}

/* --- Envoy cluster statistics ---------------------------------------------- */

static void write_stat_table(writer *w, sqlite3_stmt *st, const mdl_cluster_counters *c,
                             const void *stats, const char *prefix, const pol_stat_desc *t,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        sqlite3_bind_text(st, 1, c->client, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->cluster, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, t[i].kind == POL_STAT_GAUGE ? "gauge" : "counter", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)pol_stat_value(stats, &t[i]));
        step(w, st);
    }
}

static void write_cluster_stats(writer *w, const mdl_results *r)
{
    sqlite3_stmt *st = prep(w, "INSERT INTO cluster_stats VALUES(?,?,?,?,?)");
    size_t ncs, nos;
    const pol_stat_desc *cs = pol_cluster_stats_table(&ncs);
    const pol_stat_desc *os = pol_outlier_stats_table(&nos);
    for (size_t i = 0; st && i < r->nclusters; i++) {
        const mdl_cluster_counters *c = &r->clusters[i];
        write_stat_table(w, st, c, &c->stats, "", cs, ncs);
        write_stat_table(w, st, c, &c->outlier, "outlier_detection.", os, nos);
    }
    sqlite3_finalize(st);
}

int rpt_store_write(const char *path, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                    const rpt_run_info *info, char *err, size_t cap)
{
    writer w = {NULL, err, cap, 0};
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &w.db, flags, NULL) != SQLITE_OK) {
        fail(&w, path);
        sqlite3_close(w.db);
        return -1;
    }
    const mdl_results *r = mdl_mesh_results(m);
    exec(&w, schema, "schema");
    begin(&w);
    write_run(&w, r, info);
    commit(&w);
    begin(&w);
    write_series(&w, r, mdl_mesh_measured_seconds(m));
    commit(&w);
    begin(&w);
    write_timeline(&w, r);
    write_assertions(&w, a, na);
    write_cluster_stats(&w, r);
    commit(&w);
    exec(&w, indexes, "index");
    /* a results file travels alone: fold the WAL back into it */
    exec(&w, "PRAGMA journal_mode=DELETE", "checkpoint");
    if (sqlite3_close(w.db) != SQLITE_OK && !w.failed) {
        snprintf(err, cap, "close %s: failed", path);
        w.failed = 1;
    }
    return w.failed ? -1 : 0;
}
