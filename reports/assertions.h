/*
 * assertions.h - a Scenario's assertions judged against what the run measured.
 */
#ifndef RPT_ASSERTIONS_H
#define RPT_ASSERTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/meshsim_docs.h"
#include "models/mesh.h"

typedef struct rpt_assertion {
    const cfg_assertion_spec *spec; /* borrowed */
    const char *name;   /* borrowed */
    const char *metric; /* borrowed */
    bool passed;
    bool observed_valid; /* false when nothing was selected (the assertion fails) */
    double observed;     /* in `unit` */
    const char *unit;    /* "ms", "ratio", "rps", "count" */
    char limit[96];      /* "max 300ms", "min 99.9%" as written */
    unsigned long long samples; /* requests behind the figure */
    double value;        /* observed in the comparison unit (ns for latencies) */
    /* Replications (reports/combine.h): with more than one, `observed` is the
     * mean over the replications, the assertion holds only when the whole 95%
     * confidence interval observed +- half_width is inside the limits, and
     * `unmatched` counts replications whose selection saw no request. */
    unsigned replications; /* 1 for a single run */
    double half_width;     /* in `unit`; 0 for a single run */
    unsigned unmatched;
} rpt_assertion;

/* Judge every assertion of the scenario.  *out is an array the caller frees. */
size_t rpt_assertions_evaluate(const mdl_mesh *m, const cfg_scenario_spec *sc, rpt_assertion **out);
/* Fill r's spec, name, metric, unit and limit (as written) from `a`. */
void rpt_assertion_describe(const cfg_assertion_spec *a, rpt_assertion *r);
/* Does a value (comparison unit) lie inside the assertion's limits? */
bool rpt_assertion_within(const cfg_assertion_spec *a, double v);
/* Print each failure as "FAIL name: observed X unit, limit ..." to `f` (with
 * the interval when replicated, see rpt_assertion_evidence). */
void rpt_assertions_print_failures(const rpt_assertion *a, size_t n, FILE *f);

#endif
