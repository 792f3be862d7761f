/*
 * report_dir.h - a run's report directory (summary.json, results.sqlite, the
 * exports asked for in rpt_run_info.exports, the charts and report.html drawn
 * from results.sqlite: reports/charts_report.h), written so that no reader ever sees half a file: a new directory is built
 * as DIR.tmp.PID and renamed to DIR when complete; in an existing directory
 * each file is written under a temporary name and renamed over the old one.
 */
#ifndef RPT_REPORT_DIR_H
#define RPT_REPORT_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "models/mesh.h"
#include "reports/assertions.h"
#include "reports/store.h"

/* Write the report into `dir` (its parents are created).  Returns 0, or -1
 * with a one-line reason in err (cap bytes) and nothing left behind. */
int rpt_report_dir_write(const char *dir, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                         const rpt_run_info *info, char *err, size_t cap);

/* The directory a report is built in, into `work` (wcap bytes, at least
 * strlen(dir) + 32): DIR.tmp.PID, made with the missing parents of DIR, when
 * DIR does not exist (*fresh), else DIR itself.  Returns 0, or -1 with a
 * one-line reason in err when DIR is not a directory or cannot be made. */
int rpt_report_dir_open(const char *dir, char *work, size_t wcap, bool *fresh, char *err,
                        size_t cap);

#endif
