/*
 * results_fixture.h - a results.sqlite written by hand, following
 * docs/results-schema.md (schema_version 2), for the chart and page tests
 * (tests/reports/test_charts.c, test_html.c): they read a file whose every
 * number is known.
 *
 * The run: 60 s, warm-up 10 s, 5 s windows (t = 10, 15, ..., 55).  Four
 * series: browsers → productpage v1; productpage → reviews v1 / v2 (a canary
 * going from 10% to 50% at t = 35); productpage → ratings v1 with a route
 * name full of characters that need escaping.  The timeline: a push at 12 s,
 * a fault over [20, 30), two overlapping ejections over [32, 40), a rollout
 * step at 35 s, an assertion failure at 50 s.  Three assertions: one passed,
 * one failed, one that saw no traffic (observed NULL).
 *
 * Header-only, static: each test file is its own executable.
 */
#ifndef MS_TESTS_REPORTS_RESULTS_FIXTURE_H
#define MS_TESTS_REPORTS_RESULTS_FIXTURE_H

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FIXTURE_NASTY "r<1>&\"x\"'y' \u00e9"

static const char fixture_schema[] =
    "CREATE TABLE run(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE series(id INTEGER PRIMARY KEY, source_workload TEXT, destination_service TEXT,"
    " destination_workload TEXT, destination_version TEXT, request_host TEXT, route TEXT,"
    " requests INTEGER, errors INTEGER, retries INTEGER, timeouts INTEGER, rps REAL,"
    " latency_mean_ms REAL, latency_p50_ms REAL, latency_p90_ms REAL, latency_p99_ms REAL,"
    " latency_p999_ms REAL, latency_max_ms REAL, ingress_ms REAL, mesh_ms REAL, node_ms REAL,"
    " app_ms REAL, app_queue_ms REAL, app_service_ms REAL);"
    "CREATE TABLE windows(series_id INTEGER REFERENCES series(id), t_s REAL, requests INTEGER,"
    " errors INTEGER, retries INTEGER, timeouts INTEGER, ejections INTEGER,"
    " pool_overflows INTEGER, latency_mean_ms REAL, latency_p50_ms REAL, latency_p90_ms REAL,"
    " latency_p99_ms REAL, latency_max_ms REAL, PRIMARY KEY(series_id, t_s));"
    "CREATE TABLE responses(series_id INTEGER, t_s REAL, response_code INTEGER,"
    " response_flags TEXT, count INTEGER);"
    "CREATE TABLE latency_buckets(series_id INTEGER, t_s REAL, lo_ns INTEGER, hi_ns INTEGER,"
    " count INTEGER);"
    "CREATE TABLE timeline(t_s REAL, end_s REAL, kind TEXT, subject TEXT, detail TEXT);"
    "CREATE TABLE assertions(name TEXT, metric TEXT, selector TEXT, passed INTEGER,"
    " observed REAL, unit TEXT, \"limit\" TEXT);";

typedef struct fixture_series {
    const char *source, *service, *version, *route;
    double base_ms;   /* p50 of the series */
    double share;     /* of 100 requests/s per window */
} fixture_series;

static const fixture_series fixture_series_rows[4] = {
    {"browsers", "productpage", "v1", "", 40, 1.0},
    {"productpage", "reviews", "v1", "reviews", 12, 0.9},
    {"productpage", "reviews", "v2", "reviews", 18, 0.1},
    {"productpage", "ratings", "v1", FIXTURE_NASTY, 3, 0.5},
};

/* Requests of series s in window starting at t (5 s windows). */
static inline long fixture_requests(int s, double t)
{
    double share = fixture_series_rows[s].share;
    if (s == 1 && t >= 35)
        share = 0.5;
    if (s == 2 && t >= 35)
        share = 0.5;
    return lround(100 * 5 * share);
}

static inline int fixture_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "fixture: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Write the fixture file at `path` (replaced).  Returns 0 or -1. */
static inline int fixture_write(const char *path, const char *scenario)
{
    unlink(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    int rc = fixture_exec(db, fixture_schema);
    rc |= fixture_exec(db, "BEGIN");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO run VALUES(?,?)", -1, &st, NULL);
    const char *kv[][2] = {{"schema_version", "2"}, {"scenario", scenario},
                           {"scenario_hash", "00112233aabbccdd"}, {"seed", "42"},
                           {"replication", "0"}, {"duration_s", "60"}, {"warmup_s", "10"},
                           {"window_s", "5"}, {"requests", "5000"}, {"events", "123456"},
                           {"meshsim_version", "9.8.7"},
                           {"command_line", "meshsim run x --seed 42"},
                           {"started_at", "2026-01-01T00:00:00Z"}, {"status", "complete"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        sqlite3_bind_text(st, 1, kv[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kv[i][1], -1, SQLITE_STATIC);
        rc |= sqlite3_step(st) != SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

    sqlite3_stmt *ser, *win, *buck;
    sqlite3_prepare_v2(db, "INSERT INTO series VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       -1, &ser, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO windows VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &win, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO latency_buckets VALUES(?,?,?,?,?)", -1, &buck, NULL);
    for (int s = 0; s < 4; s++) {
        const fixture_series *f = &fixture_series_rows[s];
        long total = 0, errors = 0;
        for (double t = 10; t < 60; t += 5) {
            long n = fixture_requests(s, t), e = (t >= 20 && t < 30) ? n / 10 : 0;
            double p50 = f->base_ms * (t >= 20 && t < 30 ? 2 : 1);
            total += n, errors += e;
            sqlite3_bind_int(win, 1, s + 1);
            sqlite3_bind_double(win, 2, t);
            sqlite3_bind_int64(win, 3, n);
            sqlite3_bind_int64(win, 4, e);
            for (int c = 5; c <= 8; c++)
                sqlite3_bind_int(win, c, 0);
            sqlite3_bind_double(win, 9, p50 * 1.2);
            sqlite3_bind_double(win, 10, p50);
            sqlite3_bind_double(win, 11, p50 * 2);
            sqlite3_bind_double(win, 12, p50 * 4);
            sqlite3_bind_double(win, 13, p50 * 6);
            rc |= sqlite3_step(win) != SQLITE_DONE;
            sqlite3_reset(win);
        }
        /* whole-run histogram: 1%-wide buckets around base_ms, counts adding up to total */
        long left = total;
        for (int b = 0; left > 0; b++) {
            double lo_ms = f->base_ms * pow(1.01, b - 70);
            long c = b < 140 ? total / 160 : left;
            c = c > left ? left : (c < 1 ? 1 : c);
            left -= c;
            sqlite3_bind_int(buck, 1, s + 1);
            sqlite3_bind_null(buck, 2);
            sqlite3_bind_int64(buck, 3, (sqlite3_int64)(lo_ms * 1e6));
            sqlite3_bind_int64(buck, 4, (sqlite3_int64)(lo_ms * 1.01 * 1e6));
            sqlite3_bind_int64(buck, 5, c);
            rc |= sqlite3_step(buck) != SQLITE_DONE;
            sqlite3_reset(buck);
        }
        const char *workload = s == 0 ? "productpage-v1" : s == 3 ? "ratings-v1" : "reviews";
        sqlite3_bind_int(ser, 1, s + 1);
        sqlite3_bind_text(ser, 2, f->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(ser, 3, f->service, -1, SQLITE_STATIC);
        sqlite3_bind_text(ser, 4, workload, -1, SQLITE_STATIC);
        sqlite3_bind_text(ser, 5, f->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(ser, 6, f->service, -1, SQLITE_STATIC);
        sqlite3_bind_text(ser, 7, f->route, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ser, 8, total);
        sqlite3_bind_int64(ser, 9, errors);
        sqlite3_bind_int64(ser, 10, 3);
        sqlite3_bind_int64(ser, 11, 1);
        /* the domains add up to the mean; the application's service is base - 0.6 ms,
         * its queue the rest of its time */
        double app = f->base_ms * 1.2 - 1.1 - (s == 0 ? 2 : 0), service = f->base_ms - 0.6;
        const double nums[] = {total / 50.0, f->base_ms * 1.2, f->base_ms, f->base_ms * 2,
                               f->base_ms * 4, f->base_ms * 5, f->base_ms * 6,
                               s == 0 ? 2.0 : 0.0, 0.8, 0.3, app, app - service, service};
        for (int c = 0; c < 13; c++)
            sqlite3_bind_double(ser, 12 + c, nums[c]);
        rc |= sqlite3_step(ser) != SQLITE_DONE;
        sqlite3_reset(ser);
    }
    sqlite3_finalize(ser);
    sqlite3_finalize(win);
    sqlite3_finalize(buck);
    rc |= fixture_exec(db,
                       "INSERT INTO timeline VALUES"
                       "(12, 12, 'push', 'istiod', 'VirtualService reviews'),"
                       "(20, 30, 'fault', 'reviews', 'abort 10% 503'),"
                       "(32, 38, 'ejection', 'reviews-v2-0', 'consecutive 5xx'),"
                       "(34, 40, 'ejection', 'reviews-v2-1', 'consecutive 5xx'),"
                       "(38, 38, 'unejection', 'reviews-v2-0', ''),"
                       "(35, 35, 'rollout', 'reviews', 'step 2: v2 50%'),"
                       "(50, 50, 'assertion', 'error rate < 1%', 'observed 2%');"
                       "INSERT INTO assertions VALUES"
                       "('product page p99 < 250ms', 'latency.p99', 'destination=productpage', 1,"
                       " 160, 'ms', 'max 250ms'),"
                       "('errors <1% & \"fast\"', 'error_rate', '', 0, 0.02, 'ratio', 'max 1%'),"
                       "('details answers', 'requests', 'destination=details', 0, NULL, 'count',"
                       " 'min 1');");
    rc |= fixture_exec(db, "COMMIT");
    sqlite3_close(db);
    return rc ? -1 : 0;
}

#endif
