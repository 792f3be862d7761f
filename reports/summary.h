/*
 * summary.h - the run's summary: summary.json (scenario-format.md "Outputs",
 * a pure function of inputs and seed) and the terminal table.
 */
#ifndef RPT_SUMMARY_H
#define RPT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "models/mesh.h"
#include "reports/assertions.h"
#include "reports/json.h"

void rpt_summary_json(FILE *f, const mdl_mesh *m, const rpt_assertion *a, size_t na);
void rpt_summary_text(FILE *f, const mdl_mesh *m, const rpt_assertion *a, size_t na);

/* The assertions array of summary.json (single run and replications alike):
 * name, metric, passed, observed (null when nothing matched), with
 * `interval` also ci95, interval [lo, hi] and unmatched_replications, then
 * unit and limit. */
void rpt_summary_assertions_json(rpt_json *j, const rpt_assertion *a, size_t na, bool interval);

#endif
