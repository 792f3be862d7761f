/*
 * store.h - the run's SQLite results file (results.sqlite).
 *
 * The schema, its conventions and example queries are in
 * docs/results-schema.md (the single documented truth; schema_version 2).
 * The file is written in WAL mode, one transaction per group of tables, with
 * prepared statements; indexes are built after the rows; the WAL is folded
 * back into the file at the end, so the result is a single self-contained file.
 */
#ifndef RPT_STORE_H
#define RPT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "models/mesh.h"
#include "reports/assertions.h"

#define RPT_SCHEMA_VERSION 2

typedef struct rpt_run_info {
    const char *version;
    const char *command_line;
    const char *started_at;    /* wall-clock start, ISO 8601 (metadata only) */
    const char *scenario_hash; /* hex XXH64 of the input files; NULL: unknown */
    unsigned replication;      /* 0-based; 0 for a single run */
    bool interrupted;          /* stopped early by a signal: run.status "interrupted" */
    unsigned exports;          /* RPT_EXPORT_* bits (reports/export.h): extra files */
    bool png;                  /* charts also as PNG (reports/charts.h) */
} rpt_run_info;

/* Write the results to `path` (created; must not exist).  Returns 0, or -1 with
 * a message in err (cap bytes). */
int rpt_store_write(const char *path, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                    const rpt_run_info *info, char *err, size_t cap);

/* The assertion's selection as stored in assertions.selector: "key=value"
 * pairs joined by spaces in the order source, destination, version, host,
 * route, domain; "" when it selects everything. */
void rpt_selector_format(const cfg_assertion_spec *spec, char *buf, size_t cap);

#endif
