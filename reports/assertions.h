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
} rpt_assertion;

/* Judge every assertion of the scenario.  *out is an array the caller frees. */
size_t rpt_assertions_evaluate(const mdl_mesh *m, const cfg_scenario_spec *sc, rpt_assertion **out);
/* Print each failure as "FAIL name: observed X unit, limit ..." to `f`. */
void rpt_assertions_print_failures(const rpt_assertion *a, size_t n, FILE *f);

#endif
