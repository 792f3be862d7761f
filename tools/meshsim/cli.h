/*
 * cli.h - pieces shared by the meshsim subcommands (main.c, cmd_test.c;
 * defined in cli.c).
 */
#ifndef MESHSIM_CLI_H
#define MESHSIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/diag.h"
#include "config/bundle.h"
#include "models/mesh.h"
#include "reports/store.h"

#define MESHSIM_MAX_REPLICATIONS 10000 /* as the Scenario field allows */

/* Option `opt`'s value `v` as a whole number in 1..max; -1 after reporting
 * "OPT takes a whole number from 1 to MAX, not "V"". */
int cli_parse_count(const char *opt, const char *v, unsigned max, unsigned *out, ms_diag *d);

/* Wall-clock seconds since t0 (CLOCK_MONOTONIC). */
double cli_seconds_since(const struct timespec *t0);

/* argv joined with spaces into buf (cap bytes, truncated): run metadata. */
void cli_join_args(int argc, char **argv, char *buf, size_t cap);

/* `meshsim run` with replications (n >= 2): run them (m is replication 0's
 * mesh, consumed), print the combined table unless quiet, write the report
 * to outdir, print failed assertions.  Returns the exit status. */
int cli_run_replicated(const cfg_bundle *b, mdl_mesh *m, const mdl_options *opt, unsigned n,
                       const char *outdir, const rpt_run_info *info, bool quiet,
                       mdl_progress_fn progress, void *progress_ud);

/* `meshsim test ARGS...`; full argv for the run metadata.  Exit status. */
int cmd_test(int argc, char **argv, int full_argc, char **full_argv);
extern const char cli_usage_test[];

#endif
