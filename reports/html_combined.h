/*
 * html_combined.h - report.html at the top of a replicated run's report
 * directory (docs/replications.md): the combined verdict, each assertion
 * with its mean and 95% confidence interval, the route table and the domain
 * split as mean ± half-width, and one row per replication (seed, its own
 * verdict) linking to that replication's own report.html, where its charts
 * are.  The charts are linked, not inlined: each replication's page already
 * inlines them, and a page inlining N replications' charts would grow with
 * N.  Like a run's page (html.h) it loads nothing, runs no script and is
 * well-formed XML; the links are relative, so the directory can be moved.
 */
#ifndef RPT_HTML_COMBINED_H
#define RPT_HTML_COMBINED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reports/assertions.h"
#include "reports/combine.h"

/* What the page says about one replication. */
typedef struct rpt_html_replication {
    uint64_t seed;
    size_t failed;    /* its assertions that failed on their own */
    bool interrupted; /* stopped by a signal */
    bool combined;    /* counted in the combination */
} rpt_html_replication;

/* Write the page to `out`: `a` (na) as rpt_combined_assertions judged them,
 * `reps` (nreps) in replication order; `version` and `command_line` may be
 * NULL.  Returns 0, or -1 when writing to `out` failed. */
int rpt_html_combined_write(FILE *out, const rpt_combined *c, const rpt_assertion *a, size_t na,
                            const rpt_html_replication *reps, size_t nreps, const char *version,
                            const char *command_line);

#endif
