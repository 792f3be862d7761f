/*
 * cmd_test.c - `meshsim test FILE|DIR... [--junit FILE] [-j N]
 * [--replications N] [-o DIR] [--exclude PATH]...`: the CI harness.
 *
 * 1. Find the scenarios (config/scenario_find.h) and build every one of them
 *    (load, decode, build the mesh) before simulating anything: bad input
 *    anywhere is reported, positioned, and exits 2 with nothing run.  The
 *    meshes are built again when their scenario runs, so only the decoded
 *    bundles are held while scenarios wait.
 * 2. Run them: in this process with -j 1, else in up to N worker processes
 *    (fork; each runs one scenario with all its replications and sends its
 *    verdicts back through a pipe as fixed-size records).  A worker that dies
 *    makes its scenario an error, not the whole run.
 * 3. Print one line per scenario in the order found (whatever order the
 *    workers finish in): PASS/FAIL/ERROR, name, wall time, assertions held,
 *    and the assertion nearest its limit ("tightest", or "worst" when some
 *    failed), measured as headroom relative to the limit
 *    (rpt_assertion_headroom); then the failures with their evidence, then
 *    "N passed, N failed".  Optionally JUnit XML and report directories.
 * Ctrl-C (SIGINT) or SIGTERM (tools/meshsim/interrupt.h): no further scenario
 * starts; the running ones, here or in the workers (the signal is passed on
 * to them), stop at their next slice of simulated time and write their
 * report directories complete, marked interrupted (so no DIR.tmp.PID is
 * left); they and the scenarios not started are errors in the lines and in
 * JUnit, which is still written; a note on stderr says what was kept, and
 * the exit status is 128 + the signal (130, 143).
 * Exit status: 0 every scenario passed, 1 one failed or errored, 2 bad input
 * or usage, 130 / 143 interrupted.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "config/meshsim_docs.h"
#include "config/scenario_find.h"
#include "reports/combine.h"
#include "reports/evidence.h"
#include "reports/junit.h"
#include "reports/replicate.h"
#include "reports/report_dir.h"
#include "tools/meshsim/cli.h"
#include "tools/meshsim/interrupt.h"

#ifndef MESHSIM_VERSION
#define MESHSIM_VERSION "0.0.0"
#endif

#define MAX_JOBS 256

const char cli_usage_test[] =
    "usage: meshsim test FILE|DIR... [--junit FILE] [-j N] [--replications N] [-o DIR]\n"
    "                    [--exclude PATH]...\n"
    "\n"
    "Run every Scenario found and judge its assertions.  A FILE is one scenario; a\n"
    "DIR is searched recursively: a directory with exactly one Scenario file (and\n"
    "no scenario below it) is that scenario, loaded as `meshsim run DIR` would;\n"
    "otherwise each YAML file holding a Scenario is one (with its includes).\n"
    "Every scenario is built first: bad input anywhere stops everything (exit 2).\n"
    "\n"
    "Prints one line per scenario, in the order found:\n"
    "  PASS  NAME  WALL  held/total  tightest: ASSERTION (headroom)\n"
    "headroom is how far the observed value stays inside its nearest limit,\n"
    "relative to the limit (\"worst\" and how far outside when it failed); then\n"
    "each failure with its observed value and limit, and \"N passed, N failed\".\n"
    "\n"
    "options:\n"
    "  --junit FILE       also write JUnit XML (one testsuite, one testcase per\n"
    "                     assertion, classname = scenario)\n"
    "  -j, --jobs N       run N scenarios at once in worker processes (default 1)\n"
    "  --replications N   run every scenario N times with independent seeds; an\n"
    "                     assertion holds only when its whole 95% confidence\n"
    "                     interval is within the limit (default: each Scenario's)\n"
    "  -o, --output DIR   write each scenario's report directory to DIR/NAME\n"
    "                     (default: none)\n"
    "  --exclude PATH     leave out this file or directory wherever it is met\n"
    "                     (repeatable; e.g. --exclude scenarios/long)\n"
    "  -h, --help         this help\n"
    "\n"
    "examples:\n"
    "  meshsim test scenarios/\n"
    "  meshsim test scenarios/ -j 2 --junit out/junit.xml\n"
    "\n"
    "Ctrl-C stops the running scenarios at their next step (their reports are\n"
    "written, marked interrupted), starts no other, and exits 130 (143 for\n"
    "SIGTERM).\n"
    "\n"
    "Exit status: 0 all scenarios pass, 1 one failed, 2 bad input or usage,\n"
    "130 / 143 interrupted.\n";

typedef struct test_args {
    const char **paths, **exclude;
    size_t npaths, nexclude;
    const char *junit, *out;
    unsigned jobs, replications;
} test_args;

typedef struct test_case {
    const char *path; /* borrowed from the scenario list */
    cfg_bundle b;
    const char *name;
    char *outdir; /* owned; NULL without -o */
    unsigned replications;
    /* results */
    bool done;
    bool interrupted; /* stopped by a signal (t->error says so) */
    bool not_run;     /* never started: a signal came first */
    double wall_s;
    char error[512]; /* "" when it ran to its end */
    rpt_assertion *a; /* owned */
    size_t na;
} test_case;

/* What a worker sends back: this header, then na wire_assertion records. */
typedef struct wire_header {
    double wall_s;
    char error[512];
    uint32_t na;
    uint32_t interrupted;
} wire_header;

typedef struct wire_assertion { /* no implicit padding */
    double observed, value, half_width;
    uint64_t samples;
    uint32_t replications, unmatched;
    uint8_t passed, observed_valid, _pad[6];
} wire_assertion;

static int parse_test(int argc, char **argv, test_args *a, ms_diag *d)
{
    memset(a, 0, sizeof *a);
    a->jobs = 1;
    a->paths = ms_xcalloc((size_t)argc + 1, sizeof *a->paths);
    a->exclude = ms_xcalloc((size_t)argc + 1, sizeof *a->exclude);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        bool takes_value = !strcmp(s, "--junit") || !strcmp(s, "-j") || !strcmp(s, "--jobs") ||
                           !strcmp(s, "--replications") || !strcmp(s, "-o") ||
                           !strcmp(s, "--output") || !strcmp(s, "--exclude");
        if (takes_value && i + 1 >= argc) {
            ms_diag_error(d, (ms_pos){0}, "%s needs a value", s);
            return -1;
        }
        if (!strcmp(s, "-h") || !strcmp(s, "--help"))
            return 1;
        else if (!strcmp(s, "--junit"))
            a->junit = argv[++i];
        else if (!strcmp(s, "-o") || !strcmp(s, "--output"))
            a->out = argv[++i];
        else if (!strcmp(s, "--exclude"))
            a->exclude[a->nexclude++] = argv[++i];
        else if (!strcmp(s, "-j") || !strcmp(s, "--jobs")) {
            if (cli_parse_count(s, argv[++i], MAX_JOBS, &a->jobs, d) != 0)
                return -1;
        } else if (!strcmp(s, "--replications")) {
            if (cli_parse_count(s, argv[++i], MESHSIM_MAX_REPLICATIONS, &a->replications, d) != 0)
                return -1;
        } else if (s[0] == '-' && s[1]) {
            ms_diag_error(d, (ms_pos){0}, "unknown option \"%s\" (see meshsim test --help)", s);
            return -1;
        } else {
            a->paths[a->npaths++] = s;
        }
    }
    if (!a->npaths) {
        ms_diag_error(d, (ms_pos){0}, "test needs at least one FILE or DIR (see meshsim test --help)");
        return -1;
    }
    return 0;
}

/* --- building ------------------------------------------------------------ */

/* Load and build every scenario; -1 when any reported an error. */
static int build_all(test_case *tc, const cfg_scenario_list *list, const test_args *a, ms_diag *d)
{
    int rc = 0;
    for (size_t i = 0; i < list->len; i++) {
        test_case *t = &tc[i];
        t->path = list->paths[i];
        const char *paths[1] = {t->path};
        /* built once to check it, then again when it runs: only the bundles
         * stay in memory while scenarios wait for their turn */
        mdl_mesh *m = NULL;
        if (cfg_bundle_load(&t->b, d, paths, 1) == 0) {
            mdl_options opt = {0};
            m = mdl_mesh_create(&t->b, &opt, d);
        }
        if (!m) {
            rc = -1;
            continue;
        }
        mdl_mesh_destroy(m);
        const cfg_scenario_spec *sc = &t->b.sim->scenario;
        t->name = sc->name.str;
        t->replications = a->replications ? a->replications : (unsigned)sc->replications.v;
        if (a->out) {
            /* DIR/NAME, made unique among the scenarios of this run */
            size_t same = 0;
            for (size_t k = 0; k < i; k++)
                same += tc[k].name && !strcmp(tc[k].name, t->name);
            size_t len = strlen(a->out) + strlen(t->name) + 32;
            t->outdir = ms_xmalloc(len);
            if (same)
                snprintf(t->outdir, len, "%s/%s-%zu", a->out, t->name, same + 1);
            else
                snprintf(t->outdir, len, "%s/%s", a->out, t->name);
        }
    }
    return rc;
}

/* --- running ------------------------------------------------------------- */

/* Between slices of simulated time: stop once a signal came. */
static bool keep_going(void *ud, double fraction)
{
    (void)ud;
    (void)fraction;
    return cli_interrupt_caught() == 0;
}

/* Run one scenario (all its replications) to its verdicts. */
static void run_case(test_case *t, const rpt_run_info *run_info)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const cfg_scenario_spec *sc = &t->b.sim->scenario;
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)cfg_loader_input_hash(t->b.loader));
    rpt_run_info case_info = *run_info;
    case_info.scenario_hash = hash; /* each scenario's own inputs */
    const rpt_run_info *info = &case_info;
    mdl_options opt = {0};
    ms_diag *d = ms_diag_create();
    mdl_mesh *m = mdl_mesh_create(&t->b, &opt, d); /* built before: the input is good */
    ms_diag_destroy(d);
    if (!m) {
        snprintf(t->error, sizeof t->error, "the scenario could not be built again");
        t->wall_s = cli_seconds_since(&t0);
        t->done = true;
        return;
    }
    if (t->replications <= 1) {
        int ran = mdl_mesh_run(m, keep_going, NULL);
        if (ran == 2) {
            snprintf(t->error, sizeof t->error, "%s", mdl_mesh_run_error(m));
            mdl_mesh_destroy(m);
            t->wall_s = cli_seconds_since(&t0);
            t->done = true;
            return;
        }
        t->interrupted = ran != 0;
        case_info.interrupted = t->interrupted;
        t->na = rpt_assertions_evaluate(m, sc, &t->a);
        /* a report that cannot be written makes the scenario an error (its
         * verdicts are kept: each of its testcases carries the error) */
        if (t->outdir)
            rpt_report_dir_write(t->outdir, m, t->a, t->na, info, t->error, sizeof t->error);
        if (t->interrupted && !t->error[0]) {
            const mdl_results *r = mdl_mesh_results(m);
            snprintf(t->error, sizeof t->error,
                     "interrupted by %s at %.1fs of %.1fs simulated%s",
                     cli_signal_name(cli_interrupt_caught()), (double)r->simulated_ns / 1e9,
                     (double)r->duration_ns / 1e9,
                     t->outdir ? "; report marked interrupted" : "");
        }
        mdl_mesh_destroy(m);
    } else {
        rpt_replicate_opts o = {{0}, t->replications, t->outdir, info, keep_going, NULL};
        rpt_combined *c = rpt_replicate_run(&t->b, m, &o, t->error, sizeof t->error);
        if (c) {
            t->na = rpt_combined_assertions(c, &t->a);
            /* a stopped replication is left out unless it is the only one */
            unsigned kept = rpt_combined_count(c);
            t->interrupted = kept < t->replications;
            if (t->interrupted)
                snprintf(t->error, sizeof t->error,
                         "interrupted by %s: %u of %u replications combined%s",
                         cli_signal_name(cli_interrupt_caught()), kept, t->replications,
                         t->outdir ? "; the stopped one's report marked interrupted" : "");
        }
        rpt_combined_destroy(c);
    }
    t->wall_s = cli_seconds_since(&t0);
    t->done = true;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* In a worker: run, send the verdicts, exit without running atexit code. */
static void worker_main(test_case *t, const rpt_run_info *info, int fd)
{
    run_case(t, info);
    wire_header h;
    memset(&h, 0, sizeof h); /* padding too: the bytes go through a pipe */
    h.wall_s = t->wall_s;
    snprintf(h.error, sizeof h.error, "%s", t->error);
    h.na = (uint32_t)t->na;
    h.interrupted = t->interrupted;
    int rc = write_all(fd, &h, sizeof h);
    for (size_t i = 0; rc == 0 && i < t->na; i++) {
        const rpt_assertion *a = &t->a[i];
        wire_assertion w;
        memset(&w, 0, sizeof w);
        w.observed = a->observed;
        w.value = a->value;
        w.half_width = a->half_width;
        w.samples = a->samples;
        w.replications = a->replications;
        w.unmatched = a->unmatched;
        w.passed = a->passed;
        w.observed_valid = a->observed_valid;
        rc = write_all(fd, &w, sizeof w);
    }
    _exit(rc == 0 ? 0 : 3);
}

/* Turn a worker's bytes into the case's verdicts; -1 when malformed. */
static int decode(test_case *t, const char *buf, size_t len)
{
    wire_header h;
    const cfg_scenario_spec *sc = &t->b.sim->scenario;
    if (len < sizeof h)
        return -1;
    memcpy(&h, buf, sizeof h);
    if (len != sizeof h + h.na * sizeof(wire_assertion) || (h.na && h.na != sc->nassertions))
        return -1;
    h.error[sizeof h.error - 1] = '\0';
    t->wall_s = h.wall_s;
    snprintf(t->error, sizeof t->error, "%s", h.error);
    t->na = h.na;
    t->interrupted = h.interrupted != 0;
    t->a = ms_xcalloc(h.na ? h.na : 1, sizeof *t->a);
    for (size_t i = 0; i < h.na; i++) {
        wire_assertion w;
        memcpy(&w, buf + sizeof h + i * sizeof w, sizeof w);
        rpt_assertion *a = &t->a[i];
        rpt_assertion_describe(&sc->assertions[i], a);
        a->passed = w.passed;
        a->observed_valid = w.observed_valid;
        a->replications = w.replications;
        a->unmatched = w.unmatched;
        a->observed = w.observed;
        a->value = w.value;
        a->half_width = w.half_width;
        a->samples = w.samples;
    }
    return 0;
}

typedef struct worker {
    pid_t pid;
    int fd;
    size_t idx;
    char *buf;
    size_t len, cap;
} worker;

static void finish_worker(test_case *tc, worker *w)
{
    test_case *t = &tc[w->idx];
    close(w->fd);
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status))
        snprintf(t->error, sizeof t->error, "worker process killed by signal %d", WTERMSIG(status));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || decode(t, w->buf, w->len) != 0)
        snprintf(t->error, sizeof t->error, "worker process failed (exit status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    free(w->buf);
    memset(w, 0, sizeof *w);
    t->done = true;
}

/* Start a worker for case i; falls back to running it here if fork fails. */
static void spawn(test_case *tc, size_t i, worker *w, const rpt_run_info *info)
{
    int p[2];
    fflush(stdout);
    fflush(stderr);
    pid_t pid = -1;
    if (pipe(p) == 0) {
        pid = fork();
        if (pid < 0) {
            close(p[0]);
            close(p[1]);
        }
    }
    if (pid < 0) {
        run_case(&tc[i], info);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        worker_main(&tc[i], info, p[1]);
    }
    close(p[1]);
    *w = (worker){.pid = pid, .fd = p[0], .idx = i};
}

/* --- output -------------------------------------------------------------- */

static size_t worst_assertion(const test_case *t)
{
    size_t worst = 0;
    for (size_t i = 1; i < t->na; i++)
        if (rpt_assertion_headroom(&t->a[i]) < rpt_assertion_headroom(&t->a[worst]))
            worst = i;
    return worst;
}

static bool case_passed(const test_case *t)
{
    if (t->error[0])
        return false;
    for (size_t i = 0; i < t->na; i++)
        if (!t->a[i].passed)
            return false;
    return true;
}

static void print_line(const test_case *t, int namew)
{
    bool ok = case_passed(t);
    printf("%-5s  %-*s %8.2fs  ", t->error[0] ? "ERROR" : ok ? "PASS" : "FAIL", namew, t->name,
           t->wall_s);
    if (t->error[0]) {
        printf("%s\n", t->error);
        return;
    }
    size_t held = 0;
    for (size_t i = 0; i < t->na; i++)
        held += t->a[i].passed;
    printf("%zu/%zu held", held, t->na);
    if (t->replications > 1)
        printf(", %u replications", t->replications);
    if (!t->na) {
        printf("  (no assertions)\n");
        return;
    }
    const rpt_assertion *w = &t->a[worst_assertion(t)];
    double room = rpt_assertion_headroom(w);
    if (isinf(room) && room < 0)
        printf("  worst: %s (no request matched)\n", w->name);
    else if (room >= 0)
        printf("  %s: %s (%.1f%% headroom)\n", ok ? "tightest" : "worst", w->name, 100 * room);
    else
        printf("  worst: %s (%.1f%% beyond the limit)\n", w->name, -100 * room);
}

static void print_failures(const test_case *tc, size_t n)
{
    bool any = false;
    for (size_t k = 0; k < n; k++) {
        const test_case *t = &tc[k];
        if (case_passed(t))
            continue;
        if (!any)
            printf("\nfailures:\n");
        any = true;
        if (t->error[0])
            printf("  %s (%s): error: %s\n", t->name, t->path, t->error);
        for (size_t i = 0; i < t->na; i++) {
            if (t->a[i].passed)
                continue;
            char ev[RPT_EVIDENCE_CAP];
            rpt_assertion_evidence(&t->a[i], ev, sizeof ev);
            printf("  %s (%s): FAIL %s: %s\n", t->name, t->path, t->a[i].name, ev);
        }
    }
    bool replicated = false;
    for (size_t k = 0; k < n; k++)
        replicated |= !case_passed(&tc[k]) && tc[k].replications > 1;
    if (replicated)
        printf("  (with replications an assertion holds only when its whole 95%% interval is "
               "within the limit)\n");
}

/* Run everything, printing each line as soon as it and those before it are done. */
static void run_all(test_case *tc, size_t n, unsigned jobs, const rpt_run_info *info, int namew)
{
    size_t next = 0, printed = 0, running = 0;
    worker *w = ms_xcalloc(jobs, sizeof *w);
    struct pollfd *pf = ms_xcalloc(jobs, sizeof *pf);
    bool passed_on = false;
    while (printed < n) {
        int sig = cli_interrupt_caught();
        if (sig) {
            /* nothing more starts; the workers stop too (a SIGTERM may
             * have come to this process alone) */
            for (; next < n; next++) {
                test_case *t = &tc[next];
                snprintf(t->error, sizeof t->error, "not run: interrupted by %s",
                         cli_signal_name(sig));
                t->not_run = t->done = true;
            }
            for (unsigned k = 0; k < jobs && !passed_on; k++)
                if (w[k].pid)
                    kill(w[k].pid, sig);
            passed_on = true;
        }
        while (jobs > 1 && running < jobs && next < n) {
            size_t slot = 0;
            while (w[slot].pid)
                slot++;
            spawn(tc, next++, &w[slot], info);
            running += w[slot].pid != 0;
        }
        if (jobs == 1 && next < n)
            run_case(&tc[next++], info);
        while (printed < n && tc[printed].done) {
            print_line(&tc[printed++], namew);
            fflush(stdout);
        }
        if (!running)
            continue;
        for (unsigned k = 0; k < jobs; k++)
            pf[k] = (struct pollfd){.fd = w[k].pid ? w[k].fd : -1, .events = POLLIN};
        /* a bounded wait: a signal between the check above and poll() is
         * seen within 200 ms */
        if (poll(pf, jobs, 200) <= 0)
            continue; /* EINTR or nothing yet */
        for (unsigned k = 0; k < jobs; k++) {
            if (!w[k].pid || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (w[k].cap - w[k].len < 4096) {
                w[k].cap = w[k].cap ? w[k].cap * 2 : 8192;
                w[k].buf = ms_xrealloc(w[k].buf, w[k].cap);
            }
            ssize_t r = read(w[k].fd, w[k].buf + w[k].len, w[k].cap - w[k].len);
            if (r > 0) {
                w[k].len += (size_t)r;
            } else if (r == 0 || errno != EINTR) {
                finish_worker(tc, &w[k]);
                running--;
            }
        }
    }
    free(pf);
    free(w);
}

static void write_junit(const test_args *a, const test_case *tc, size_t n, const char *started,
                        double wall_s, int *status)
{
    rpt_junit_case *jc = ms_xcalloc(n ? n : 1, sizeof *jc);
    for (size_t k = 0; k < n; k++) {
        const cfg_scenario_spec *sc = &tc[k].b.sim->scenario;
        jc[k] = (rpt_junit_case){tc[k].name, tc[k].path, (uint64_t)sc->seed.v, tc[k].wall_s,
                                 tc[k].error[0] ? tc[k].error : NULL, tc[k].a, tc[k].na};
    }
    rpt_junit_suite s = {"meshsim", started, MESHSIM_VERSION, wall_s};
    char err[512];
    if (rpt_junit_write(a->junit, &s, jc, n, err, sizeof err) != 0) {
        fprintf(stderr, "meshsim: error: %s\n", err);
        *status = 2;
    }
    free(jc);
}

int cmd_test(int argc, char **argv, int full_argc, char **full_argv)
{
    ms_diag *d = ms_diag_create();
    test_args a;
    int parsed = parse_test(argc, argv, &a, d);
    if (parsed != 0) {
        if (parsed > 0)
            fputs(cli_usage_test, stdout);
        ms_diag_print(d, stderr);
        ms_diag_destroy(d);
        free(a.paths);
        free(a.exclude);
        return parsed > 0 ? 0 : 2;
    }
    cfg_scenario_list list = {0};
    int rc = cfg_scenarios_find(a.paths, a.npaths, a.exclude, a.nexclude, d, &list);
    size_t n = list.len;
    test_case *tc = ms_xcalloc(n ? n : 1, sizeof *tc);
    if (rc == 0)
        rc = build_all(tc, &list, &a, d);
    ms_diag_print(d, stderr);
    int status = 2;
    if (rc == 0) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        time_t wall = time(NULL);
        char cmdline[2048], started[64];
        cli_join_args(full_argc, full_argv, cmdline, sizeof cmdline);
        strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%S", gmtime(&wall));
        rpt_run_info info = {.version = MESHSIM_VERSION, .command_line = cmdline,
                             .started_at = started};
        int namew = 8;
        for (size_t k = 0; k < n; k++)
            namew = strlen(tc[k].name) > (size_t)namew ? (int)strlen(tc[k].name) : namew;
        if (cli_interrupt_install() != 0)
            fprintf(stderr, "meshsim: warning: cannot catch Ctrl-C: %s\n", strerror(errno));
        run_all(tc, n, a.jobs, &info, namew > 40 ? 40 : namew);
        double wall_s = cli_seconds_since(&t0);
        print_failures(tc, n);
        size_t passed = 0;
        for (size_t k = 0; k < n; k++)
            passed += case_passed(&tc[k]);
        printf("\n%zu passed, %zu failed\n", passed, n - passed);
        status = passed == n ? 0 : 1;
        if (a.junit)
            write_junit(&a, tc, n, started, wall_s, &status);
        int sig = cli_interrupt_caught();
        if (sig) {
            fflush(stdout); /* the note comes last */
            size_t stopped = 0, not_run = 0;
            for (size_t k = 0; k < n; k++) {
                stopped += tc[k].interrupted;
                not_run += tc[k].not_run;
            }
            fprintf(stderr,
                    "meshsim: interrupted by %s: %zu of %zu scenarios ran to their end, %zu "
                    "stopped%s, %zu not run%s\n",
                    cli_signal_name(sig), n - stopped - not_run, n, stopped,
                    a.out ? " (their reports are marked interrupted)" : "", not_run,
                    a.junit ? "; JUnit XML written" : "");
            status = 128 + sig;
        }
    }
    for (size_t k = 0; k < n; k++) {
        free(tc[k].a);
        free(tc[k].outdir);
        if (tc[k].b.sim)
            cfg_bundle_fini(&tc[k].b);
    }
    free(tc);
    cfg_scenario_list_fini(&list);
    ms_diag_destroy(d);
    free(a.paths);
    free(a.exclude);
    return status;
}
