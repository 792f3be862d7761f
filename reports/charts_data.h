/*
 * charts_data.h - a stored results.sqlite read back into memory, for the
 * charts and the HTML page.
 *
 * The file is read only through the schema of docs/results-schema.md
 * (schema_version 2): run, series, windows, latency_buckets (whole-run rows,
 * t_s NULL), timeline and assertions.  Everything here is owned by the
 * rpt_chart_data and freed by rpt_chart_data_fini().  Arrays keep the file's
 * order: series by id, windows by (series, t_s), timeline by t_s.
 */
#ifndef RPT_CHARTS_DATA_H
#define RPT_CHARTS_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The parts of a request's time: the domains ingress, mesh and node, then the
 * application's split into its queue and its service (the series table's
 * app_queue_ms and app_service_ms, which add up to app_ms); they add up to the
 * mean latency. */
#define RPT_CHART_NPARTS 5

typedef struct rpt_chart_series {
    int64_t id;
    char *source, *service, *workload, *version, *host, *route;
    char *label; /* "source → service version", made unique among the series */
    uint64_t requests, errors, retries, timeouts;
    double rps, mean_ms, p50_ms, p90_ms, p99_ms, p999_ms, max_ms;
    double domain_ms[RPT_CHART_NPARTS];
    size_t first_window, nwindows; /* its rows of rpt_chart_data.windows */
    size_t first_bucket, nbuckets; /* its whole-run rows of rpt_chart_data.buckets */
} rpt_chart_series;

typedef struct rpt_chart_window {
    double t_s; /* window start, simulated seconds */
    uint64_t requests, errors, retries, timeouts, ejections, pool_overflows;
    double mean_ms, p50_ms, p90_ms, p99_ms, max_ms;
} rpt_chart_window;

typedef struct rpt_chart_bucket {
    int64_t lo_ns, hi_ns;
    uint64_t count;
} rpt_chart_bucket;

typedef struct rpt_chart_event {
    double t_s, end_s;
    char *kind, *subject, *detail;
} rpt_chart_event;

typedef struct rpt_chart_assertion {
    char *name, *metric, *selector, *unit, *limit;
    bool passed, observed_valid;
    double observed;
} rpt_chart_assertion;

typedef struct rpt_chart_data {
    /* run metadata (strings "" when the key is absent) */
    char *scenario, *scenario_hash, *seed, *version, *command_line, *started_at, *status;
    double duration_s, warmup_s, window_s;
    uint64_t requests;
    rpt_chart_series *series;
    size_t nseries;
    rpt_chart_window *windows;
    size_t nwindows;
    rpt_chart_bucket *buckets;
    size_t nbuckets;
    rpt_chart_event *timeline;
    size_t ntimeline;
    rpt_chart_assertion *assertions;
    size_t nassertions;
} rpt_chart_data;

/* Read `path` (opened read-only; never created or changed).  Returns 0, or -1
 * with a one-line reason in err (cap bytes) and *d empty (fini is still safe). */
int rpt_chart_data_load(rpt_chart_data *d, const char *path, char *err, size_t cap);
void rpt_chart_data_fini(rpt_chart_data *d);

/* Part names in the order of domain_ms: "ingress", "mesh", "node", "app_queue",
 * "app_service". */
extern const char *const rpt_chart_domain_names[RPT_CHART_NPARTS];

#endif
