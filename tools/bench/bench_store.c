/*
 * bench_store.c - what the results store costs for a long, busy run.
 *
 * Runs a scenario (default tools/bench/store: Bookinfo at 5,000 requests/s
 * for ten simulated minutes, 10 s windows), then reports:
 *   - the simulation's wall time and the process's peak RSS (getrusage);
 *   - the memory the time series hold (windows, their sparse histograms and
 *     response lists), next to what one full sim_hist per window would take;
 *   - results.sqlite: time to write it (median of 3 writes to fresh files),
 *     its size and row counts;
 *   - each export (csv, json, prom): time to write and size.
 * CLOCK_MONOTONIC timing lives here only, never in the library.
 *
 * Usage: bench_store [SCENARIO-PATH [OUT-DIR]]   (run from the source tree;
 *        OUT-DIR default /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <sqlite3.h>

#include "config/bundle.h"
#include "models/mesh.h"
#include "reports/export.h"
#include "reports/store.h"

#include "bench_clock.h"

#define RUNS 3

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long long count_rows(const char *db_path, const char *table)
{
    sqlite3 *db;
    long long n = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        char sql[128];
        sqlite3_stmt *st;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* Bytes held by the time series beyond the series themselves. */
static void series_memory(const mdl_series_set *s, size_t *windows, size_t *bytes, size_t *buckets)
{
    *windows = *bytes = *buckets = 0;
    for (size_t i = 0; i < s->nseries; i++) {
        const mdl_series *ser = s->series[i];
        *bytes += ser->_windows_cap * sizeof(mdl_window);
        for (size_t k = 0; k < ser->nwindows; k++) {
            const mdl_window *w = &ser->windows[k];
            *bytes += w->_responses_cap * sizeof(mdl_response_count);
            *bytes += (size_t)w->latency._cap * sizeof(uint64_t);
            *buckets += mdl_whist_nbuckets(&w->latency);
        }
        *windows += ser->nwindows;
    }
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *path = argc > 1 ? argv[1] : "tools/bench/store";
    const char *outdir = argc > 2 ? argv[2] : "/tmp";
    ms_diag *d = ms_diag_create();
    cfg_bundle b;
    const char *paths[1] = {path};
    mdl_mesh *m = NULL;
    if (cfg_bundle_load(&b, d, paths, 1) == 0)
        m = mdl_mesh_create(&b, NULL, d);
    if (!m) {
        ms_diag_print(d, stderr);
        cfg_bundle_fini(&b);
        ms_diag_destroy(d);
        return 2;
    }
    double t0 = bench_now_s();
    mdl_mesh_run(m, NULL, NULL);
    double sim_s = bench_now_s() - t0;
    const mdl_results *r = mdl_mesh_results(m);
    size_t windows, bytes, buckets;
    series_memory(&r->series, &windows, &bytes, &buckets);
    printf("scenario %s: %.0f s simulated, %llu requests from sources, %zu series, %zu windows\n",
           r->scenario, (double)r->duration_ns / 1e9, (unsigned long long)r->requests,
           r->series.nseries, windows);
    printf("simulation: %.2f s wall, peak RSS %.1f MiB\n", sim_s, (double)peak_rss_kib() / 1024);
    printf("time series memory: %.2f MiB (%zu non-empty window buckets; one full sim_hist per "
           "window would take %.1f MiB)\n",
           (double)bytes / 1048576, buckets,
           (double)windows * SIM_HIST_NBUCKETS * sizeof(uint64_t) / 1048576);

    rpt_assertion *as = NULL;
    size_t na = rpt_assertions_evaluate(m, &b.sim->scenario, &as);
    rpt_run_info info = {.version = "bench", .command_line = "bench_store", .started_at = ""};
    char db_path[1024], err[512];
    double t[RUNS];
    int rc = 0;
    for (int i = 0; i < RUNS && rc == 0; i++) {
        snprintf(db_path, sizeof db_path, "%s/bench_store.%ld.%d.sqlite", outdir, (long)getpid(), i);
        unlink(db_path);
        double s = bench_now_s();
        rc = rpt_store_write(db_path, m, as, na, &info, err, sizeof err);
        t[i] = bench_now_s() - s;
        if (i < RUNS - 1)
            unlink(db_path);
    }
    if (rc != 0) {
        fprintf(stderr, "bench_store: %s\n", err);
    } else {
        qsort(t, RUNS, sizeof t[0], cmp_double);
        printf("results.sqlite: %.3f s to write (median of %d; min %.3f), %.2f MiB; rows: series "
               "%lld, windows %lld, responses %lld, latency_buckets %lld, timeline %lld\n",
               t[RUNS / 2], RUNS, t[0], (double)file_size(db_path) / 1048576,
               count_rows(db_path, "series"), count_rows(db_path, "windows"),
               count_rows(db_path, "responses"), count_rows(db_path, "latency_buckets"),
               count_rows(db_path, "timeline"));
        unlink(db_path);
    }
    for (int i = 0; i < RPT_EXPORT_COUNT; i++) {
        unsigned fmt = rpt_export_format(i);
        char p[1024];
        snprintf(p, sizeof p, "%s/bench_store.%ld.%s", outdir, (long)getpid(),
                 rpt_export_file_name(fmt));
        FILE *f = fopen(p, "w");
        if (!f)
            continue;
        double s = bench_now_s();
        rpt_export_write(f, fmt, r);
        fclose(f);
        printf("%s: %.3f s to write, %.2f MiB\n", rpt_export_file_name(fmt), bench_now_s() - s,
               (double)file_size(p) / 1048576);
        unlink(p);
    }
    free(as);
    mdl_mesh_destroy(m);
    cfg_bundle_fini(&b);
    ms_diag_destroy(d);
    return rc ? 1 : 0;
}
