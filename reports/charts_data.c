/*
 * charts_data.c - read a results.sqlite back (see charts_data.h).
 *
 * Only the columns named in docs/results-schema.md are read, by name, so a
 * later schema that adds columns still loads.  A file of another
 * schema_version is refused with a message naming both versions.
 */
#include "reports/charts_data.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define SCHEMA_VERSION "2"

const char *const rpt_chart_domain_names[RPT_CHART_NPARTS] = {"ingress", "mesh", "node", "app_queue",
                                                              "app_service"};

typedef struct reader {
    sqlite3 *db;
    char *err;
    size_t cap;
    int failed;
} reader;

static int fail(reader *r, const char *what)
{
    if (!r->failed)
        snprintf(r->err, r->cap, "%s: %s", what, sqlite3_errmsg(r->db));
    r->failed = 1;
    return -1;
}

static char *col_str(sqlite3_stmt *st, int c)
{
    const unsigned char *s = sqlite3_column_text(st, c);
    return ms_xstrdup(s ? (const char *)s : "");
}

static uint64_t col_u64(sqlite3_stmt *st, int c)
{
    sqlite3_int64 v = sqlite3_column_int64(st, c);
    return v > 0 ? (uint64_t)v : 0;
}

/* Run `sql` and hand each row to `row` (with `ctx`); on failure note it,
 * naming the table.  Nothing is run once the reader has failed. */
static void read_rows(reader *r, const char *table, const char *sql,
                      void (*row)(sqlite3_stmt *st, rpt_chart_data *d, void *ctx),
                      rpt_chart_data *d, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (r->failed)
        return;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            row(st, d, ctx);
    if (rc != SQLITE_DONE) {
        char what[96];
        snprintf(what, sizeof what, "reading table %s", table);
        fail(r, what);
    }
    sqlite3_finalize(st);
}

/* One key/value row of table run; the schema version goes to `ctx` (a char **). */
static void run_row(sqlite3_stmt *st, rpt_chart_data *d, void *ctx)
{
    char **schema_out = ctx;
    const char *k = (const char *)sqlite3_column_text(st, 0);
    const char *v = (const char *)sqlite3_column_text(st, 1);
    if (!k)
        return;
    v = v ? v : "";
    char **slot = !strcmp(k, "scenario")          ? &d->scenario
                  : !strcmp(k, "scenario_hash")   ? &d->scenario_hash
                  : !strcmp(k, "seed")            ? &d->seed
                  : !strcmp(k, "meshsim_version") ? &d->version
                  : !strcmp(k, "command_line")    ? &d->command_line
                  : !strcmp(k, "started_at")      ? &d->started_at
                  : !strcmp(k, "status")          ? &d->status
                  : !strcmp(k, "schema_version")  ? schema_out
                                                  : NULL;
    if (slot) {
        free(*slot);
        *slot = ms_xstrdup(v);
    } else if (!strcmp(k, "duration_s")) {
        d->duration_s = strtod(v, NULL);
    } else if (!strcmp(k, "warmup_s")) {
        d->warmup_s = strtod(v, NULL);
    } else if (!strcmp(k, "window_s")) {
        d->window_s = strtod(v, NULL);
    } else if (!strcmp(k, "requests")) {
        d->requests = strtoull(v, NULL, 10);
    }
}

static void read_run(reader *r, rpt_chart_data *d)
{
    char *schema = NULL;
    read_rows(r, "run", "SELECT key, value FROM run", run_row, d, &schema);
    if (!r->failed && (!schema || strcmp(schema, SCHEMA_VERSION) != 0)) {
        snprintf(r->err, r->cap, "results file has schema version %s; this meshsim reads version %s",
                 schema ? schema : "(none)", SCHEMA_VERSION);
        r->failed = 1;
    }
    free(schema);
    char **strs[] = {&d->scenario, &d->scenario_hash, &d->seed,      &d->version,
                     &d->command_line, &d->started_at, &d->status};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!*strs[i])
            *strs[i] = ms_xstrdup("");
}

static void series_row(sqlite3_stmt *st, rpt_chart_data *d, void *ctx)
{
    size_t *cap = ctx;
    MS_VEC_GROW(d->series, d->nseries, *cap);
    rpt_chart_series *s = &d->series[d->nseries++];
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(st, 0);
    s->source = col_str(st, 1);
    s->service = col_str(st, 2);
    s->workload = col_str(st, 3);
    s->version = col_str(st, 4);
    s->host = col_str(st, 5);
    s->route = col_str(st, 6);
    s->requests = col_u64(st, 7);
    s->errors = col_u64(st, 8);
    s->retries = col_u64(st, 9);
    s->timeouts = col_u64(st, 10);
    double *nums[] = {&s->rps,    &s->mean_ms, &s->p50_ms, &s->p90_ms,
                      &s->p99_ms, &s->p999_ms, &s->max_ms};
    for (int i = 0; i < 7; i++)
        *nums[i] = sqlite3_column_double(st, 11 + i);
    for (int i = 0; i < RPT_CHART_NPARTS; i++)
        s->domain_ms[i] = sqlite3_column_double(st, 18 + i);
}

static void read_series(reader *r, rpt_chart_data *d)
{
    size_t cap = 0;
    read_rows(r, "series",
              "SELECT id, source_workload, destination_service, destination_workload,"
              " destination_version, request_host, route, requests, errors, retries,"
              " timeouts, rps, latency_mean_ms, latency_p50_ms, latency_p90_ms,"
              " latency_p99_ms, latency_p999_ms, latency_max_ms, ingress_ms, mesh_ms,"
              " node_ms, app_queue_ms, app_service_ms FROM series ORDER BY id",
              series_row, d, &cap);
}

/* Index of the series with `id` (series are sorted by id), or -1. */
static long series_index(const rpt_chart_data *d, int64_t id)
{
    size_t lo = 0, hi = d->nseries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->series[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->nseries && d->series[lo].id == id ? (long)lo : -1;
}

static void windows_row(sqlite3_stmt *st, rpt_chart_data *d, void *ctx)
{
    size_t *cap = ctx;
    long si = series_index(d, sqlite3_column_int64(st, 0));
    if (si < 0)
        return; /* a window of no known series: nothing to draw it in */
    MS_VEC_GROW(d->windows, d->nwindows, *cap);
    rpt_chart_window *w = &d->windows[d->nwindows];
    rpt_chart_series *s = &d->series[si];
    if (!s->nwindows)
        s->first_window = d->nwindows;
    s->nwindows++;
    d->nwindows++;
    w->t_s = sqlite3_column_double(st, 1);
    w->requests = col_u64(st, 2);
    w->errors = col_u64(st, 3);
    w->retries = col_u64(st, 4);
    w->timeouts = col_u64(st, 5);
    w->ejections = col_u64(st, 6);
    w->pool_overflows = col_u64(st, 7);
    w->mean_ms = sqlite3_column_double(st, 8);
    w->p50_ms = sqlite3_column_double(st, 9);
    w->p90_ms = sqlite3_column_double(st, 10);
    w->p99_ms = sqlite3_column_double(st, 11);
    w->max_ms = sqlite3_column_double(st, 12);
}

static void read_windows(reader *r, rpt_chart_data *d)
{
    size_t cap = 0;
    read_rows(r, "windows",
              "SELECT series_id, t_s, requests, errors, retries, timeouts, ejections,"
              " pool_overflows, latency_mean_ms, latency_p50_ms, latency_p90_ms,"
              " latency_p99_ms, latency_max_ms FROM windows ORDER BY series_id, t_s",
              windows_row, d, &cap);
}

static void buckets_row(sqlite3_stmt *st, rpt_chart_data *d, void *ctx)
{
    size_t *cap = ctx;
    long si = series_index(d, sqlite3_column_int64(st, 0));
    if (si < 0)
        return;
    MS_VEC_GROW(d->buckets, d->nbuckets, *cap);
    rpt_chart_series *s = &d->series[si];
    if (!s->nbuckets)
        s->first_bucket = d->nbuckets;
    s->nbuckets++;
    d->buckets[d->nbuckets++] = (rpt_chart_bucket){sqlite3_column_int64(st, 1),
                                                   sqlite3_column_int64(st, 2), col_u64(st, 3)};
}

static void read_buckets(reader *r, rpt_chart_data *d)
{
    size_t cap = 0;
    read_rows(r, "latency_buckets",
              "SELECT series_id, lo_ns, hi_ns, SUM(count) FROM latency_buckets"
              " WHERE t_s IS NULL GROUP BY series_id, lo_ns, hi_ns"
              " ORDER BY series_id, lo_ns",
              buckets_row, d, &cap);
}

static void timeline_row(sqlite3_stmt *st, rpt_chart_data *d, void *ctx)
{
    size_t *cap = ctx;
    MS_VEC_GROW(d->timeline, d->ntimeline, *cap);
    rpt_chart_event *e = &d->timeline[d->ntimeline++];
    e->t_s = sqlite3_column_double(st, 0);
    e->end_s = sqlite3_column_type(st, 1) == SQLITE_NULL ? e->t_s : sqlite3_column_double(st, 1);
    if (e->end_s < e->t_s)
        e->end_s = e->t_s;
    e->kind = col_str(st, 2);
    e->subject = col_str(st, 3);
    e->detail = col_str(st, 4);
}

static void read_timeline(reader *r, rpt_chart_data *d)
{
    size_t cap = 0;
    read_rows(r, "timeline",
              "SELECT t_s, end_s, kind, subject, detail FROM timeline"
              " ORDER BY t_s, rowid",
              timeline_row, d, &cap);
}

static void assertions_row(sqlite3_stmt *st, rpt_chart_data *d, void *ctx)
{
    size_t *cap = ctx;
    MS_VEC_GROW(d->assertions, d->nassertions, *cap);
    rpt_chart_assertion *a = &d->assertions[d->nassertions++];
    a->name = col_str(st, 0);
    a->metric = col_str(st, 1);
    a->selector = col_str(st, 2);
    a->passed = sqlite3_column_int(st, 3) != 0;
    a->observed_valid = sqlite3_column_type(st, 4) != SQLITE_NULL;
    a->observed = sqlite3_column_double(st, 4);
    a->unit = col_str(st, 5);
    a->limit = col_str(st, 6);
}

static void read_assertions(reader *r, rpt_chart_data *d)
{
    size_t cap = 0;
    read_rows(r, "assertions",
              "SELECT name, metric, selector, passed, observed, unit, \"limit\""
              " FROM assertions ORDER BY rowid",
              assertions_row, d, &cap);
}

static const char *label_extra(const rpt_chart_series *s, int pass)
{
    return pass == 0 ? s->host : s->route;
}

/* Another series has the same label but a different host (pass 0) or route
 * (pass 1): adding it tells them apart. */
static bool extra_tells_apart(const rpt_chart_data *d, size_t i, int pass)
{
    const rpt_chart_series *s = &d->series[i];
    for (size_t j = 0; j < d->nseries; j++)
        if (j != i && !strcmp(d->series[j].label, s->label) &&
            strcmp(label_extra(&d->series[j], pass), label_extra(s, pass)) != 0)
            return true;
    return false;
}

static char *label_join(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = ms_xmalloc(n);
    snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

/* "source → service version"; where two series share it, the request host and
 * then the route are added where they tell them apart.  Quadratic in the number of
 * series, which is small (one per source, destination, version, host, route). */
static void make_labels(rpt_chart_data *d)
{
    for (size_t i = 0; i < d->nseries; i++) {
        rpt_chart_series *s = &d->series[i];
        char *head = label_join(s->source, " \u2192 ", s->service[0] ? s->service : "-");
        s->label = s->version[0] ? label_join(head, " ", s->version) : ms_xstrdup(head);
        free(head);
    }
    for (int pass = 0; pass < 2; pass++) {
        char **next = ms_xcalloc(d->nseries ? d->nseries : 1, sizeof *next);
        for (size_t i = 0; i < d->nseries; i++) {
            rpt_chart_series *s = &d->series[i];
            if (extra_tells_apart(d, i, pass))
                next[i] = label_join(s->label, pass == 0 ? " host " : " route ",
                                     label_extra(s, pass)[0] ? label_extra(s, pass) : "-");
        }
        for (size_t i = 0; i < d->nseries; i++)
            if (next[i]) {
                free(d->series[i].label);
                d->series[i].label = next[i];
            }
        free(next);
    }
}

int rpt_chart_data_load(rpt_chart_data *d, const char *path, char *err, size_t cap)
{
    memset(d, 0, sizeof *d);
    reader r = {NULL, err, cap, 0};
    if (sqlite3_open_v2(path, &r.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, cap, "cannot open %s: %s", path, sqlite3_errmsg(r.db));
        sqlite3_close(r.db);
        return -1;
    }
    sqlite3_exec(r.db, "BEGIN", NULL, NULL, NULL); /* one consistent snapshot */
    read_run(&r, d);
    read_series(&r, d);
    read_windows(&r, d);
    read_buckets(&r, d);
    read_timeline(&r, d);
    read_assertions(&r, d);
    sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(r.db);
    if (r.failed) {
        char inner[512];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, cap, "%s: %s", path, inner);
        rpt_chart_data_fini(d);
        return -1;
    }
    make_labels(d);
    return 0;
}

void rpt_chart_data_fini(rpt_chart_data *d)
{
    char *strs[] = {d->scenario, d->scenario_hash, d->seed,  d->version,
                    d->command_line, d->started_at, d->status};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (size_t i = 0; i < d->nseries; i++) {
        rpt_chart_series *s = &d->series[i];
        free(s->source), free(s->service), free(s->workload), free(s->version);
        free(s->host), free(s->route), free(s->label);
    }
    free(d->series);
    free(d->windows);
    free(d->buckets);
    for (size_t i = 0; i < d->ntimeline; i++)
        free(d->timeline[i].kind), free(d->timeline[i].subject), free(d->timeline[i].detail);
    free(d->timeline);
    for (size_t i = 0; i < d->nassertions; i++) {
        rpt_chart_assertion *a = &d->assertions[i];
        free(a->name), free(a->metric), free(a->selector), free(a->unit), free(a->limit);
    }
    free(d->assertions);
    memset(d, 0, sizeof *d);
}
