/*
 * fault_fixture.h - the shared set-up of the tests/models/ scenario tests:
 * load scenario files (tests/models/data/ or absolute paths), build the mesh,
 * run it; find a row, read the probes (the Scenario's assertions, each a
 * window of the run) and the timeline; statistical asserts.  Header-only.
 */
#ifndef TEST_FAULT_FIXTURE_H
#define TEST_FAULT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/bundle.h"
#include "config/meshsim_docs.h"
#include "models/mesh.h"
#include "sim/stats.h"

#define Z999 3.29 /* 99.9% two-sided normal quantile */

typedef struct run {
    ms_diag *d;
    cfg_bundle b;
    mdl_mesh *m;
} run;

#define RUN_MAX_FILES 8

/* Load `files` in order (a relative name is under tests/models/data/, an
 * absolute one is taken as is) and build the mesh with `seed` (0: the
 * Scenario's own), without running it. */
static inline void run_build(run *r, const char *const *files, size_t n, uint64_t seed)
{
    char paths[RUN_MAX_FILES][1024];
    const char *p[RUN_MAX_FILES];
    assert_true(n <= RUN_MAX_FILES);
    for (size_t i = 0; i < n; i++) {
        if (files[i][0] == '/')
            snprintf(paths[i], sizeof paths[i], "%s", files[i]);
        else
            snprintf(paths[i], sizeof paths[i], "%s/tests/models/data/%s", MESHSIM_SOURCE_DIR,
                     files[i]);
        p[i] = paths[i];
    }
    r->d = ms_diag_create();
    assert_int_equal(cfg_bundle_load(&r->b, r->d, p, n), 0);
    mdl_options opt = {seed != 0, seed, false, 0};
    r->m = mdl_mesh_create(&r->b, &opt, r->d);
    assert_non_null(r->m);
}

/* run_build, then run the scenario to its end. */
static inline void run_files(run *r, const char *const *files, size_t n, uint64_t seed)
{
    run_build(r, files, n, seed);
    assert_int_equal(mdl_mesh_run(r->m, NULL, NULL), 0);
}

static inline void run_file(run *r, const char *file, uint64_t seed)
{
    run_files(r, &file, 1, seed);
}

static inline void run_close(run *r)
{
    mdl_mesh_destroy(r->m);
    cfg_bundle_fini(&r->b);
    ms_diag_destroy(r->d);
}

/* The row (src, dst, ver); ver NULL: any version, "" the row of calls that
 * got no answer; NULL when there is none. */
static inline const mdl_row *find_row(const mdl_mesh *m, const char *src, const char *dst,
                                      const char *ver)
{
    const mdl_results *res = mdl_mesh_results(m);
    for (size_t i = 0; i < res->nrows; i++)
        if (!strcmp(res->rows[i]->source, src) && !strcmp(res->rows[i]->destination, dst) &&
            (!ver || !strcmp(res->rows[i]->version, ver)))
            return res->rows[i];
    return NULL;
}

/* The first row whose source is `source`; fails the test when there is none. */
static inline const mdl_row *source_row(const mdl_mesh *m, const char *source)
{
    const mdl_results *res = mdl_mesh_results(m);
    for (size_t i = 0; i < res->nrows; i++)
        if (!strcmp(res->rows[i]->source, source))
            return res->rows[i];
    fail_msg("no row for %s", source);
    return NULL;
}

/* The probe of the Scenario assertion named `name`. */
static inline const mdl_row *probe(const run *r, const char *name)
{
    const cfg_scenario_spec *sc = &r->b.sim->scenario;
    for (size_t i = 0; i < sc->nassertions; i++)
        if (!strcmp(sc->assertions[i].name.str, name))
            return mdl_mesh_probe(r->m, i);
    fail_msg("no assertion named %s", name);
    return NULL;
}

static inline size_t probe_index(const run *r, const char *name)
{
    const cfg_scenario_spec *sc = &r->b.sim->scenario;
    for (size_t i = 0; i < sc->nassertions; i++)
        if (!strcmp(sc->assertions[i].name.str, name))
            return i;
    fail_msg("no assertion named %s", name);
    return 0;
}

/* The first timeline entry of `kind` whose subject and detail contain the
 * given texts (NULL: any); NULL when there is none. */
static inline const mdl_event *timeline_find(const run *r, const char *kind, const char *subject,
                                             const char *detail)
{
    const mdl_results *res = mdl_mesh_results(r->m);
    for (size_t i = 0; i < res->ntimeline; i++) {
        const mdl_event *e = &res->timeline[i];
        if (!strcmp(e->kind, kind) && (!subject || strstr(e->subject, subject)) &&
            (!detail || strstr(e->detail, detail)))
            return e;
    }
    return NULL;
}

/* Is the sample mean `mean` (standard error `se`) within z = 3.29 of `want`? */
static inline void assert_mean_near(double mean, double se, double want)
{
    double half = Z999 * se;
    if (fabs(mean - want) > half)
        print_error("mean %g, expected %g +- %g\n", mean, want, half);
    assert_true(fabs(mean - want) <= half);
}

/* Is the mean of the replications `w` within their 95% confidence interval
 * of `expected`? */
static inline void assert_in_ci(const sim_welford *w, double expected)
{
    double mean = sim_welford_mean(w), hw = sim_welford_ci_halfwidth(w, 0.95);
    printf("# mean %.4f +- %.4f (expected %.4f)\n", mean, hw, expected);
    assert_true(hw > 0);
    assert_true(fabs(mean - expected) <= hw);
}

/* Is k successes out of n consistent with probability p (99.9% interval)? */
static inline void assert_proportion(uint64_t k, uint64_t n, double p)
{
    double obs = (double)k / (double)n;
    double half = Z999 * sqrt(p * (1 - p) / (double)n);
    if (fabs(obs - p) > half)
        print_error("proportion %g (%llu/%llu), expected %g +- %g\n", obs, (unsigned long long)k,
                    (unsigned long long)n, p, half);
    assert_true(fabs(obs - p) <= half);
}

#endif
