/*
 * store.h - the run's SQLite results file (results.sqlite).
 *
 * Schema (version 1):
 *   run(key TEXT PRIMARY KEY, value TEXT)      scenario, seed, meshsim version,
 *                                              command line, duration_s, ...
 *   routes(source_workload, destination_service, destination_version, host,
 *          requests, errors, retries, timeouts, rps, latency_mean_ms,
 *          latency_p50_ms, latency_p90_ms, latency_p99_ms, latency_p999_ms,
 *          latency_max_ms, ingress_ms, mesh_ms, node_ms, app_ms)
 *   responses(source_workload, destination_service, destination_version, host,
 *             response_code, response_flags, count)   istio_requests_total-style
 *   latency_buckets(source_workload, destination_service, destination_version,
 *                   host, lo_ns, hi_ns, count)  the mergeable histogram
 *   assertions(name, metric, passed, observed, unit, limit)
 * Everything is written in one transaction.
 */
#ifndef RPT_STORE_H
#define RPT_STORE_H

#include <stddef.h>

#include "models/mesh.h"
#include "reports/assertions.h"

typedef struct rpt_run_info {
    const char *version;
    const char *command_line;
    const char *started_at; /* wall-clock start, ISO 8601 (metadata only) */
} rpt_run_info;

/* Write the results to `path` (created; must not exist).  Returns 0, or -1 with
 * a message in err (cap bytes). */
int rpt_store_write(const char *path, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                    const rpt_run_info *info, char *err, size_t cap);

#endif
