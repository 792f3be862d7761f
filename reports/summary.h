/*
 * summary.h - the run's summary: summary.json (scenario-format.md "Outputs",
 * a pure function of inputs and seed) and the terminal table.
 */
#ifndef RPT_SUMMARY_H
#define RPT_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "models/mesh.h"
#include "reports/assertions.h"

void rpt_summary_json(FILE *f, const mdl_mesh *m, const rpt_assertion *a, size_t na);
void rpt_summary_text(FILE *f, const mdl_mesh *m, const rpt_assertion *a, size_t na);

#endif
