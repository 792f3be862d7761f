/*
 * cli.c - pieces the meshsim subcommands share (cli.h): option values,
 * the command line as run metadata, and `meshsim run` when the Scenario (or
 * --replications) asks for more than one replication.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/combine.h"
#include "reports/replicate.h"
#include "tools/meshsim/cli.h"

int cli_parse_count(const char *opt, const char *v, unsigned max, unsigned *out, ms_diag *d)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || !*v || v[0] == '-' || v[0] == '+' || n < 1 || n > max) {
        ms_diag_error(d, (ms_pos){0}, "%s takes a whole number from 1 to %u, not \"%s\"", opt, max, v);
        return -1;
    }
    *out = (unsigned)n;
    return 0;
}

double cli_seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

void cli_join_args(int argc, char **argv, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && n + 1 < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

int cli_run_replicated(const cfg_bundle *b, mdl_mesh *m, const mdl_options *opt, unsigned n,
                       const char *outdir, const rpt_run_info *info, bool quiet,
                       mdl_progress_fn progress, void *progress_ud)
{
    rpt_replicate_opts o = {*opt, n, outdir, info, progress, progress_ud};
    char err[512];
    rpt_combined *c = rpt_replicate_run(b, m, &o, err, sizeof err);
    if (!c) {
        /* a model's run error comes positioned ("FILE:LINE:COL: error: ...") */
        fprintf(stderr, strstr(err, ": error: ") ? "%s\n" : "meshsim: error: %s\n", err);
        return 2;
    }
    rpt_assertion *a = NULL;
    size_t na = rpt_combined_assertions(c, &a);
    if (!quiet) {
        rpt_combined_text(stdout, c, a, na);
        printf("\nreport: %s/report.html  %s/summary.json  %s/replications/*/\n", outdir,
               outdir, outdir);
    }
    int status = 0;
    for (size_t i = 0; i < na; i++)
        if (!a[i].passed)
            status = 1;
    if (status)
        rpt_assertions_print_failures(a, na, stderr);
    free(a);
    rpt_combined_destroy(c);
    return status;
}
