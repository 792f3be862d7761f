/*
 * main.c - the meshsim command line.
 *
 *   meshsim run FILE|DIR... [-o DIR] [--seed N] [--duration D] [--quiet]
 *
 * Exit status: 0 every assertion holds, 1 an assertion failed, 2 bad input or
 * usage.  Reports are written under a temporary name and renamed into place,
 * so a reader never sees half a file.  This is the only place that reads the
 * wall clock (for the progress bar and the run's metadata).
 */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "config/bundle.h"
#include "config/meshsim_docs.h"
#include "config/units.h"
#include "models/mesh.h"
#include "reports/assertions.h"
#include "reports/store.h"
#include "reports/summary.h"

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
    "  help [COMMAND]    show help\n"
    "  version           print the version\n"
    "\n"
    "examples:\n"
    "  meshsim run scenarios/bookinfo\n"
    "  meshsim run scenarios/bookinfo --seed 7 --duration 2m -o out/bookinfo-7\n"
    "\n"
    "Exit status: 0 all assertions hold, 1 an assertion failed, 2 bad input or usage.\n";

static const char usage_run[] =
    "usage: meshsim run FILE|DIR... [-o DIR] [--seed N] [--duration D] [--quiet]\n"
    "\n"
    "Load every YAML document of the files and directories given (a Scenario's\n"
    "`include:` list is followed), simulate, print the per-route summary and the\n"
    "assertion results, and write DIR/summary.json and DIR/results.sqlite.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR   report directory (default: out/SCENARIO-NAME)\n"
    "  --seed N           override the Scenario's seed (same seed, same results)\n"
    "  --duration D       override the Scenario's duration (e.g. 30s, 5m)\n"
    "  -q, --quiet        print nothing but errors and failed assertions\n"
    "  -h, --help         this help\n"
    "\n"
    "examples:\n"
    "  meshsim run scenarios/bookinfo\n"
    "  meshsim run manifests/ traffic.yaml --duration 10m -o out/canary\n";

typedef struct run_args {
    const char **paths;
    size_t npaths;
    const char *out;
    bool seed_set, duration_set, quiet;
    uint64_t seed;
    int64_t duration_ns;
} run_args;

static int parse_duration_arg(const char *s, int64_t *out, ms_diag *d)
{
    /* reuse the YAML unit parser on a one-scalar document */
    cfg_loader *l = cfg_loader_create(d);
    char text[128];
    snprintf(text, sizeof text, "\"%s\"\n", s);
    int rc = -1;
    if (cfg_load_string(l, "--duration", text, strlen(text)) == 0 && cfg_doc_count(l) == 1)
        rc = cfg_read_duration(cfg_doc_at(l, 0)->root, d, out);
    cfg_loader_destroy(l);
    if (rc == 0 && *out <= 0) {
        ms_diag_error(d, (ms_pos){0}, "--duration must be positive");
        rc = -1;
    }
    return rc;
}

static int parse_run(int argc, char **argv, run_args *a, ms_diag *d)
{
    memset(a, 0, sizeof *a);
    a->paths = calloc((size_t)argc + 1, sizeof *a->paths);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(usage_run, stdout);
            exit(0);
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = true;
        } else if (!strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--seed") ||
                   !strcmp(s, "--duration")) {
            if (i + 1 >= argc) {
                ms_diag_error(d, (ms_pos){0}, "%s needs a value", s);
                return -1;
            }
            const char *v = argv[++i];
            if (s[1] == 'o' || !strcmp(s, "--output")) {
                a->out = v;
            } else if (!strcmp(s, "--seed")) {
                char *end;
                errno = 0;
                unsigned long long n = strtoull(v, &end, 10);
                if (errno || *end || !*v || v[0] == '-') {
                    ms_diag_error(d, (ms_pos){0}, "--seed takes a whole number, not \"%s\"", v);
                    return -1;
                }
                a->seed = n;
                a->seed_set = true;
            } else {
                if (parse_duration_arg(v, &a->duration_ns, d) != 0)
                    return -1;
                a->duration_set = true;
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

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static bool on_progress(void *ud, double fraction)
{
    progress *p = ud;
    if (!p->enabled)
        return true;
    double e = elapsed(&p->start);
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

/* --- reports ------------------------------------------------------------------ */

static int write_file_atomic(const char *dir, const char *name, const mdl_mesh *m,
                             const rpt_assertion *a, size_t na)
{
    char tmp[4400], dst[4400];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    rpt_summary_json(f, m, a, na);
    if (fclose(f) != 0 || rename(tmp, dst) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int write_reports(const char *dir, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                         const rpt_run_info *info)
{
    struct stat st;
    char work[4200];
    bool fresh = stat(dir, &st) != 0;
    if (strlen(dir) > 4000) {
        fprintf(stderr, "meshsim: error: output path too long\n");
        return -1;
    }
    if (!fresh && !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "meshsim: error: %s exists and is not a directory\n", dir);
        return -1;
    }
    if (fresh) {
        /* create the parent chain, then build the report in DIR.tmp.PID */
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", dir);
        for (char *p = parent + 1; *p; p++)
            if (*p == '/') {
                *p = '\0';
                mkdir(parent, 0777);
                *p = '/';
            }
        snprintf(work, sizeof work, "%s.tmp.%ld", dir, (long)getpid());
        if (mkdir(work, 0777) != 0) {
            fprintf(stderr, "meshsim: error: cannot create %s: %s\n", work, strerror(errno));
            return -1;
        }
    } else {
        snprintf(work, sizeof work, "%s", dir);
    }
    char db[4400], dbtmp[4400], err[512];
    snprintf(db, sizeof db, "%s/results.sqlite", work);
    snprintf(dbtmp, sizeof dbtmp, "%s/.results.sqlite.tmp", work);
    unlink(dbtmp);
    int rc = rpt_store_write(dbtmp, m, a, na, info, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "meshsim: error: results.sqlite: %s\n", err);
    if (rc == 0 && rename(dbtmp, db) != 0)
        rc = -1;
    if (rc == 0 && write_file_atomic(work, "summary.json", m, a, na) != 0) {
        fprintf(stderr, "meshsim: error: cannot write %s/summary.json\n", work);
        rc = -1;
    }
    if (rc != 0) {
        unlink(dbtmp);
        if (fresh) {
            unlink(db);
            char p[4400];
            snprintf(p, sizeof p, "%s/summary.json", work);
            unlink(p);
            rmdir(work);
        }
        return -1;
    }
    if (fresh && rename(work, dir) != 0) {
        fprintf(stderr, "meshsim: error: cannot rename %s to %s: %s\n", work, dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void join_args(int argc, char **argv, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && n + 1 < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

static int cmd_run(int argc, char **argv, int full_argc, char **full_argv)
{
    ms_diag *d = ms_diag_create();
    run_args a;
    if (parse_run(argc, argv, &a, d) != 0) {
        ms_diag_print(d, stderr);
        ms_diag_destroy(d);
        free(a.paths);
        return 2;
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
    mdl_mesh_run(m, on_progress, &pr);

    const cfg_scenario_spec *sc = &b.sim->scenario;
    rpt_assertion *as = NULL;
    size_t na = rpt_assertions_evaluate(m, sc, &as);
    if (!a.quiet)
        rpt_summary_text(stdout, m, as, na);

    char outdir[4096];
    if (a.out)
        snprintf(outdir, sizeof outdir, "%s", a.out);
    else
        snprintf(outdir, sizeof outdir, "out/%s", sc->name.str);
    char cmdline[2048], started[64];
    join_args(full_argc, full_argv, cmdline, sizeof cmdline);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&wall));
    rpt_run_info info = {MESHSIM_VERSION, cmdline, started};
    int status = 0;
    if (write_reports(outdir, m, as, na, &info) != 0)
        status = 2;
    else if (!a.quiet)
        printf("\nreport: %s/summary.json  %s/results.sqlite\n", outdir, outdir);
    bool failed = false;
    for (size_t i = 0; i < na; i++)
        failed |= !as[i].passed;
    if (failed) {
        rpt_assertions_print_failures(as, na, stderr);
        if (!status)
            status = 1;
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
    fprintf(stderr, "meshsim: error: unknown command \"%s\"\n\n%s", cmd, usage_main);
    return 2;
}
