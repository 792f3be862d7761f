/*
 * replicate.h - run a scenario's replications one after the other, write
 * each one's report directory, and combine them (reports/combine.h).
 *
 * Report layout (docs/replications.md): DIR/summary.json holds the combined
 * figures, DIR/report.html shows them (reports/html_combined.h);
 * DIR/replications/NNNN/ (0000, 0001, ...) is each replication's own
 * report directory, as `meshsim run --seed S` would write it (its own
 * results.sqlite).  A new DIR is built under a temporary name and renamed
 * when complete; nothing is left behind on failure.
 */
#ifndef RPT_REPLICATE_H
#define RPT_REPLICATE_H

#include <stddef.h>

#include "config/bundle.h"
#include "models/mesh.h"
#include "reports/combine.h"
#include "reports/store.h"

typedef struct rpt_replicate_opts {
    mdl_options mdl;          /* replication 0's options; the others override the seed */
    unsigned replications;    /* >= 1 */
    const char *outdir;       /* NULL: no report is written */
    const rpt_run_info *info; /* for each replication's results.sqlite */
    mdl_progress_fn progress; /* NULL, or told the fraction over all replications */
    void *progress_ud;
} rpt_replicate_opts;

/* Run the replications.  `first` is replication 0's mesh, built from `b`
 * with o->mdl and not yet run; it is destroyed here, as are the others.
 * Returns the combination (the caller destroys it), or NULL with a one-line
 * reason in err (cap bytes) when the report could not be written.  When the
 * progress callback stops a replication early, no further one is started;
 * the stopped one gets its report directory (run.status "interrupted") but
 * joins the combination only if it is replication 0 (nothing else to show). */
rpt_combined *rpt_replicate_run(const cfg_bundle *b, mdl_mesh *first, const rpt_replicate_opts *o,
                                char *err, size_t cap);

#endif
