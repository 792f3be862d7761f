/*
 * replicate.c - replications run in sequence in this process, each with the
 * seed rpt_replication_seed(seed, i), each written to its own report
 * directory and added to the combination (replicate.h).
 *
 * One replication's mesh lives at a time: memory does not grow with the
 * number of replications, only the combined accumulators do (per route).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "reports/replicate.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/meshsim_docs.h"
#include "base/alloc.h"
#include "reports/html_combined.h"
#include "reports/report_dir.h"

#define PATH_CAP 4096

typedef struct progress_share {
    const rpt_replicate_opts *o;
    unsigned i;
} progress_share;

static bool on_progress(void *ud, double fraction)
{
    progress_share *p = ud;
    return p->o->progress(p->o->progress_ud, (p->i + fraction) / p->o->replications);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* In a reused DIR, the replications beyond `n` left by an earlier run. */
static void remove_stale(const char *work, unsigned n)
{
    for (unsigned i = n; i < 10000; i++) {
        char dir[PATH_CAP + 64];
        struct stat st;
        snprintf(dir, sizeof dir, "%s/replications/%04u", work, i);
        if (stat(dir, &st) != 0)
            break;
        remove_tree(dir);
    }
}

/* Write WORK/NAME through WORK/.NAME.tmp, renamed when complete. */
static int write_file(const char *work, const char *name, int (*fill)(FILE *, void *), void *ud,
                      char *err, size_t cap)
{
    char tmp[PATH_CAP + 64], dst[PATH_CAP + 64];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", work, name);
    snprintf(dst, sizeof dst, "%s/%s", work, name);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, cap, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = fill(f, ud);
    rc |= ferror(f);
    if (fclose(f) != 0 || rc != 0 || rename(tmp, dst) != 0) {
        snprintf(err, cap, "cannot write %s: %s", dst, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* What the top of the report is made of. */
typedef struct top_pages {
    const rpt_combined *c;
    rpt_assertion *a;
    size_t na;
    const rpt_html_replication *reps;
    size_t nreps;
    const rpt_run_info *info;
} top_pages;

static int fill_summary(FILE *f, void *ud)
{
    top_pages *t = ud;
    rpt_combined_json(f, t->c, t->a, t->na);
    return 0;
}

static int fill_html(FILE *f, void *ud)
{
    top_pages *t = ud;
    return rpt_html_combined_write(f, t->c, t->a, t->na, t->reps, t->nreps,
                                   t->info ? t->info->version : NULL,
                                   t->info ? t->info->command_line : NULL);
}

/* DIR/summary.json and DIR/report.html of the combination. */
static int write_top(const char *work, const rpt_combined *c, const rpt_html_replication *reps,
                     size_t nreps, const rpt_run_info *info, char *err, size_t cap)
{
    top_pages t = {c, NULL, 0, reps, nreps, info};
    t.na = rpt_combined_assertions(c, &t.a);
    int rc = write_file(work, "summary.json", fill_summary, &t, err, cap);
    if (rc == 0)
        rc = write_file(work, "report.html", fill_html, &t, err, cap);
    free(t.a);
    return rc;
}

/* The directory the report is built in (rpt_report_dir_open), with its
 * replications/ folder.  Returns -1 with err when it cannot be made. */
static int open_work(const char *dir, char *work, size_t wcap, bool *fresh, char *err, size_t cap)
{
    if (strlen(dir) >= PATH_CAP - 64) {
        snprintf(err, cap, "output path too long");
        return -1;
    }
    if (rpt_report_dir_open(dir, work, wcap, fresh, err, cap) != 0)
        return -1;
    char reps[PATH_CAP + 32];
    snprintf(reps, sizeof reps, "%s/replications", work);
    if (mkdir(reps, 0777) != 0 && errno != EEXIST) {
        snprintf(err, cap, "cannot create %s: %s", reps, strerror(errno));
        if (*fresh)
            remove_tree(work);
        return -1;
    }
    return 0;
}

rpt_combined *rpt_replicate_run(const cfg_bundle *b, mdl_mesh *first, const rpt_replicate_opts *o,
                                char *err, size_t cap)
{
    const cfg_scenario_spec *sc = &b->sim->scenario;
    uint64_t seed = o->mdl.seed_set ? o->mdl.seed : (uint64_t)sc->seed.v;
    char work[PATH_CAP];
    bool fresh = false;
    if (o->outdir && open_work(o->outdir, work, sizeof work, &fresh, err, cap) != 0) {
        mdl_mesh_destroy(first);
        return NULL;
    }
    rpt_combined *c = rpt_combined_create(sc);
    rpt_html_replication *reps = ms_xcalloc(o->replications, sizeof *reps);
    size_t nreps = 0;
    int rc = 0;
    bool stopped = false;
    for (unsigned i = 0; i < o->replications && rc == 0 && !stopped; i++) {
        mdl_mesh *m = first;
        if (i > 0) {
            mdl_options opt = o->mdl;
            opt.seed_set = true;
            opt.seed = rpt_replication_seed(seed, i);
            ms_diag *d = ms_diag_create();
            m = mdl_mesh_create(b, &opt, d); /* replication 0 built: the input is good */
            ms_diag_destroy(d);
            if (!m) {
                snprintf(err, cap, "replication %u could not be built", i);
                rc = -1;
                break;
            }
        }
        progress_share ps = {o, i};
        int ran = mdl_mesh_run(m, o->progress ? on_progress : NULL, &ps);
        if (ran == 2) {
            snprintf(err, cap, "%s", mdl_mesh_run_error(m));
            mdl_mesh_destroy(m);
            rc = -1;
            break;
        }
        stopped = ran != 0;
        rpt_assertion *a = NULL;
        size_t na = rpt_assertions_evaluate(m, sc, &a);
        /* a stopped replication covers less time: combined only when alone */
        rpt_html_replication *r = &reps[nreps++];
        r->seed = rpt_replication_seed(seed, i);
        r->interrupted = stopped;
        r->combined = !stopped || i == 0;
        if (r->combined)
            rpt_combined_add(c, m, a, na);
        for (size_t k = 0; k < na; k++)
            r->failed += !a[k].passed;
        if (o->outdir) {
            char dir[PATH_CAP + 64];
            snprintf(dir, sizeof dir, "%s/replications/%04u", work, i);
            rpt_run_info ri = o->info ? *o->info : (rpt_run_info){0};
            ri.replication = i; /* results.sqlite's run.replication */
            ri.interrupted = stopped;
            rc = rpt_report_dir_write(dir, m, a, na, &ri, err, cap);
        }
        free(a);
        mdl_mesh_destroy(m);
    }
    if (rc == 0 && o->outdir)
        rc = write_top(work, c, reps, nreps, o->info, err, cap);
    free(reps);
    if (rc == 0 && o->outdir && !fresh)
        remove_stale(work, rpt_combined_count(c));
    if (rc == 0 && o->outdir && fresh && rename(work, o->outdir) != 0) {
        snprintf(err, cap, "cannot rename %s to %s: %s", work, o->outdir, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        if (fresh)
            remove_tree(work);
        rpt_combined_destroy(c);
        return NULL;
    }
    return c;
}
