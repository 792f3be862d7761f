/*
 * main.c - the meshsim command line.
 *
 *   meshsim run FILE|DIR... [-o DIR] [--seed N] [--duration D] [--replications N]
 *               [--export FMT] [--png] [--quiet]
 *   meshsim plot RESULTS.sqlite [-o DIR] [--png]  (cmd_plot.c)
 *   meshsim test FILE|DIR... [--junit FILE] [-j N] [--replications N] [-o DIR]  (cmd_test.c)
 *
 * Exit status: 0 every assertion holds, 1 an assertion failed, 2 bad input or
 * usage, 128 + N when stopped by signal N (130 for Ctrl-C, interrupt.h).  Only
 * the command line (tools/meshsim/) reads the wall clock (for the progress bar,
 * wall times and the run's metadata).
 */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "config/bundle.h"
#include "config/meshsim_docs.h"
#include "config/units.h"
#include "models/mesh.h"
#include "reports/assertions.h"
#include "reports/export.h"
#include "reports/report_dir.h"
#include "reports/summary.h"
#include "tools/meshsim/cli.h"
#include "tools/meshsim/cmd_plot.h"
#include "tools/meshsim/interrupt.h"

#ifndef MESHSIM_VERSION
#define MESHSIM_VERSION "0.0.0"
#endif

static const char usage_main[] =
    "usage: meshsim COMMAND [ARGS]\n"
    "\n"
    "Simulate a service mesh from its Kubernetes and Istio manifests plus meshsim\n"
    "documents (Cluster, WorkloadModel, Traffic, Scenario with assertions).\n"
    "\n"
    "commands:\n"
    "  run FILE|DIR...   simulate the scenario, print a summary, write a report directory\n"
    "  test FILE|DIR...  run every Scenario found, judge its assertions, \"N passed, N failed\"\n"
    "  plot RESULTS      draw a stored run's charts and report.html again\n"
    "  help [COMMAND]    show help (help run, help test, help plot)\n"
    "  version           print the version\n"
    "\n"
    "examples:\n"
    "  meshsim run scenarios/bookinfo\n"
    "  meshsim run scenarios/bookinfo --seed 7 --duration 2m -o out/bookinfo-7\n"
    "  meshsim run scenarios/queueing/mm1.yaml --replications 10\n"
    "  meshsim test scenarios/ -j 2 --junit out/junit.xml\n"
    "\n"
    "Exit status: 0 all assertions hold, 1 an assertion failed, 2 bad input or usage,\n"
    "130 stopped by Ctrl-C (the report keeps what was simulated).\n";

static const char usage_run[] =
    "usage: meshsim run FILE|DIR... [-o DIR] [--seed N] [--duration D] [--replications N]\n"
    "                   [--export FMT] [--png] [--quiet]\n"
    "\n"
    "Load every YAML document of the files and directories given (a Scenario's\n"
    "`include:` list is followed), simulate, print the per-route summary and the\n"
    "assertion results, and write DIR/summary.json, DIR/results.sqlite, the charts\n"
    "(DIR/*.svg, drawn by gnuplot; see meshsim help plot) and DIR/report.html.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR   report directory (default: out/SCENARIO-NAME)\n"
    "  --seed N           override the Scenario's seed (same seed, same results)\n"
    "  --duration D       override the Scenario's duration (e.g. 30s, 5m)\n"
    "  --replications N   override the Scenario's replications: N independent runs\n"
    "                     (seeds derived from the seed); figures become means with 95%\n"
    "                     confidence intervals, an assertion holds only when its whole\n"
    "                     interval is within the limit; DIR/replications/NNNN/ holds each\n"
    "                     run's own report\n"
    "  --export FMT       also write the time series as csv (series.csv), json\n"
    "                     (series.jsonl) or prom (metrics.prom); repeat or list: csv,prom\n"
    "  --png              also write each chart as PNG\n"
    "  -q, --quiet        print nothing but errors and failed assertions\n"
    "  -h, --help         this help\n"
    "\n"
    "examples:\n"
    "  meshsim run scenarios/bookinfo\n"
    "  meshsim run manifests/ traffic.yaml --duration 10m -o out/canary --export csv,prom\n"
    "\n"
    "Ctrl-C (or SIGTERM) stops the simulation at the next slice, writes what was\n"
    "simulated with run.status \"interrupted\" and exits 130 (143 for SIGTERM).\n";

typedef struct run_args {
    const char **paths;
    size_t npaths;
    const char *out;
    bool seed_set, duration_set, quiet;
    uint64_t seed;
    int64_t duration_ns;
    unsigned replications; /* 0: the Scenario's */
    unsigned exports; /* RPT_EXPORT_* bits */
    bool png;         /* charts also as PNG */
} run_args;

/* --duration D, read with the same unit parser as YAML durations (a scalar
 * node without a file position: messages start with "meshsim: error:"). */
static int parse_duration_arg(const char *s, int64_t *out, ms_diag *d)
{
    cfg_node n = {.kind = CFG_SCALAR};
    n.u.scalar.str = (char *)s;
    n.u.scalar.len = strlen(s);
    n.quoted = true;
    if (cfg_read_duration(&n, d, out) != 0)
        return -1;
    if (*out <= 0) {
        ms_diag_error(d, (ms_pos){0}, "--duration must be positive");
        return -1;
    }
    return 0;
}

/* Parse `run`'s arguments.  Returns 0, 1 for --help (nothing else done), or
 * -1 after reporting.  a->paths is allocated in every case. */
static int parse_run(int argc, char **argv, run_args *a, ms_diag *d)
{
    memset(a, 0, sizeof *a);
    a->paths = calloc((size_t)argc + 1, sizeof *a->paths);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        bool takes_value = !strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--seed") ||
                           !strcmp(s, "--duration") || !strcmp(s, "--replications") ||
                           !strcmp(s, "--export");
        if (takes_value && i + 1 >= argc) {
            ms_diag_error(d, (ms_pos){0}, "%s needs a value", s);
            return -1;
        }
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            return 1;
        } else if (!strcmp(s, "--png")) {
            a->png = true;
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = true;
        } else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
            a->out = argv[++i];
        } else if (!strcmp(s, "--seed")) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (errno || *end || !*v || v[0] == '-') {
                ms_diag_error(d, (ms_pos){0}, "--seed takes a whole number, not \"%s\"", v);
                return -1;
            }
            a->seed = n;
            a->seed_set = true;
        } else if (!strcmp(s, "--duration")) {
            if (parse_duration_arg(argv[++i], &a->duration_ns, d) != 0)
                return -1;
            a->duration_set = true;
        } else if (!strcmp(s, "--replications")) {
            if (cli_parse_count(s, argv[++i], MESHSIM_MAX_REPLICATIONS, &a->replications, d) != 0)
                return -1;
        } else if (!strcmp(s, "--export")) {
            char why[256];
            if (rpt_export_parse(argv[++i], &a->exports, why, sizeof why) != 0) {
                ms_diag_error(d, (ms_pos){0}, "%s", why);
                return -1;
            }
        } else if (s[0] == '-' && s[1]) {
            ms_diag_error(d, (ms_pos){0}, "unknown option \"%s\" (see meshsim run --help)", s);
            return -1;
        } else {
            a->paths[a->npaths++] = s;
        }
    }
    if (!a->npaths) {
        ms_diag_error(d, (ms_pos){0}, "run needs at least one FILE or DIR (see meshsim run --help)");
        return -1;
    }
    return 0;
}

/* --- progress --------------------------------------------------------------- */

typedef struct progress {
    struct timespec start;
    bool enabled, shown;
} progress;

static bool on_progress(void *ud, double fraction)
{
    progress *p = ud;
    if (cli_interrupt_caught()) {
        if (p->shown)
            fputc('\n', stderr);
        return false;
    }
    if (!p->enabled)
        return true;
    double e = cli_seconds_since(&p->start);
    if (e < 1.0 && !p->shown)
        return true;
    p->shown = true;
    int width = 40, filled = (int)(fraction * width);
    fprintf(stderr, "\r[%.*s%*s] %3.0f%%  %.1fs", filled, "========================================",
            width - filled, "", fraction * 100, e);
    if (fraction >= 1.0)
        fputc('\n', stderr);
    fflush(stderr);
    return true;
}

static int cmd_run(int argc, char **argv, int full_argc, char **full_argv)
{
    ms_diag *d = ms_diag_create();
    run_args a;
    int parsed = parse_run(argc, argv, &a, d);
    if (parsed != 0) {
        if (parsed > 0)
            fputs(usage_run, stdout);
        ms_diag_print(d, stderr);
        ms_diag_destroy(d);
        free(a.paths);
        return parsed > 0 ? 0 : 2;
    }
    cfg_bundle b;
    int rc = cfg_bundle_load(&b, d, a.paths, a.npaths);
    mdl_mesh *m = NULL;
    if (rc == 0) {
        mdl_options opt = {a.seed_set, a.seed, a.duration_set, a.duration_ns};
        m = mdl_mesh_create(&b, &opt, d);
    }
    ms_diag_print(d, stderr);
    if (!m) {
        cfg_bundle_fini(&b);
        ms_diag_destroy(d);
        free(a.paths);
        return 2;
    }
    progress pr = {.enabled = !a.quiet && isatty(2)};
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    time_t wall = time(NULL);
    if (cli_interrupt_install() != 0)
        fprintf(stderr, "meshsim: warning: cannot handle Ctrl-C: %s\n", strerror(errno));
    const cfg_scenario_spec *sc = &b.sim->scenario;
    char outdir[4096];
    if (a.out)
        snprintf(outdir, sizeof outdir, "%s", a.out);
    else
        snprintf(outdir, sizeof outdir, "out/%s", sc->name.str);
    char cmdline[2048], started[64];
    cli_join_args(full_argc, full_argv, cmdline, sizeof cmdline);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&wall));
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)cfg_loader_input_hash(b.loader));
    rpt_run_info info = {.version = MESHSIM_VERSION, .command_line = cmdline, .started_at = started,
                         .scenario_hash = hash, .exports = a.exports, .png = a.png};
    unsigned reps = a.replications ? a.replications : (unsigned)sc->replications.v;
    if (reps > 1) {
        mdl_options opt = {a.seed_set, a.seed, a.duration_set, a.duration_ns};
        int st = cli_run_replicated(&b, m, &opt, reps, outdir, &info, a.quiet, on_progress, &pr);
        int sig = cli_interrupt_caught();
        if (sig && st != 2) {
            fprintf(stderr, "meshsim: interrupted: report %s keeps the replications run so far\n",
                    outdir);
            st = 128 + sig;
        }
        cfg_bundle_fini(&b);
        ms_diag_destroy(d);
        free(a.paths);
        return st;
    }
    int ran = mdl_mesh_run(m, on_progress, &pr);
    if (ran == 2) {
        /* the model cannot go on: nothing meaningful to report */
        fprintf(stderr, "%s\n", mdl_mesh_run_error(m));
        mdl_mesh_destroy(m);
        cfg_bundle_fini(&b);
        ms_diag_destroy(d);
        free(a.paths);
        return 2;
    }
    info.interrupted = ran != 0;
    rpt_assertion *as = NULL;
    size_t na = rpt_assertions_evaluate(m, sc, &as);
    if (!a.quiet)
        rpt_summary_text(stdout, m, as, na);
    int status = 0;
    char err[512];
    if (rpt_report_dir_write(outdir, m, as, na, &info, err, sizeof err) != 0) {
        fprintf(stderr, "meshsim: error: %s\n", err);
        status = 2;
    }
    else if (!a.quiet)
        printf("\nreport: %s/report.html  %s/summary.json  %s/results.sqlite\n", outdir, outdir,
               outdir);
    bool failed = false;
    for (size_t i = 0; i < na; i++)
        failed |= !as[i].passed;
    if (failed) {
        rpt_assertions_print_failures(as, na, stderr);
        if (!status)
            status = 1;
    }
    int sig = cli_interrupt_caught();
    if (sig) {
        cli_interrupt_note(stderr, sig, m, outdir);
        if (status != 2)
            status = 128 + sig;
    }
    free(as);
    mdl_mesh_destroy(m);
    cfg_bundle_fini(&b);
    ms_diag_destroy(d);
    free(a.paths);
    return status;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        if (argc > 2 && !strcmp(argv[2], "run"))
            fputs(usage_run, stdout);
        else if (argc > 2 && !strcmp(argv[2], "test"))
            fputs(cli_usage_test, stdout);
        else if (argc > 2 && !strcmp(argv[2], "plot"))
            fputs(meshsim_usage_plot, stdout);
        else
            fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("meshsim %s\n", MESHSIM_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2, argc, argv);
    if (!strcmp(cmd, "test"))
        return cmd_test(argc - 2, argv + 2, argc, argv);
    if (!strcmp(cmd, "plot"))
        return meshsim_cmd_plot(argc - 2, argv + 2);
    fprintf(stderr, "meshsim: error: unknown command \"%s\"\n\n%s", cmd, usage_main);
    return 2;
}
