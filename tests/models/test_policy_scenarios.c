/*
 * test_policy_scenarios.c - the traffic-policy library seen end to end
 * through the simulator: small scenarios under tests/models/data/ whose
 * outcome Istio's and Envoy's semantics fix (policy-semantics.md), checked
 * exactly where the outcome is deterministic and within a 99.9% confidence
 * interval (z = 3.29) where it is a proportion.
 */
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
#include "models/mesh.h"

#define Z999 3.29

typedef struct run {
    ms_diag *d;
    cfg_bundle b;
    mdl_mesh *m;
} run;

static void run_data(run *r, const char *const *files, size_t n)
{
    char paths[4][1024];
    const char *p[4];
    assert_true(n <= 4);
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
    mdl_options opt = {false, 0, false, 0};
    r->m = mdl_mesh_create(&r->b, &opt, r->d);
    assert_non_null(r->m);
    assert_int_equal(mdl_mesh_run(r->m, NULL, NULL), 0);
}

static void run_one(run *r, const char *file)
{
    run_data(r, &file, 1);
}

static void run_close(run *r)
{
    mdl_mesh_destroy(r->m);
    cfg_bundle_fini(&r->b);
    ms_diag_destroy(r->d);
}

static const mdl_row *find_row(const mdl_mesh *m, const char *src, const char *dst, const char *ver)
{
    const mdl_results *res = mdl_mesh_results(m);
    for (size_t i = 0; i < res->nrows; i++)
        if (!strcmp(res->rows[i]->source, src) && !strcmp(res->rows[i]->destination, dst) &&
            (!ver || !strcmp(res->rows[i]->version, ver)))
            return res->rows[i];
    return NULL;
}

/* Is k successes out of n consistent with probability p (99.9% interval)? */
static void assert_proportion(uint64_t k, uint64_t n, double p)
{
    double obs = (double)k / (double)n;
    double half = Z999 * sqrt(p * (1 - p) / (double)n);
    if (fabs(obs - p) > half)
        print_error("proportion %g (%llu/%llu), expected %g +- %g\n", obs, (unsigned long long)k,
                    (unsigned long long)n, p, half);
    assert_true(fabs(obs - p) <= half);
}

/* 10% abort: 10% +- noise of 503 FI; 50% delay: DI on about half, and neither
 * the delay nor the abort reaches the router (no UT from a 10ms route timeout
 * with a 20ms delay, no retry of an aborted 503). */
static void test_fault_abort_and_delay(void **state)
{
    run r;
    run_one(&r, "fault-abort.yaml");
    const mdl_row *row = find_row(r.m, "load", "backend", NULL);
    assert_non_null(row);
    assert_true(row->requests > 10000);
    assert_proportion(row->flags[POL_FLAG_FI], row->requests, 0.10);
    assert_int_equal(row->codes[503], row->flags[POL_FLAG_FI]);
    assert_int_equal(row->errors, row->flags[POL_FLAG_FI]);
    assert_proportion(row->flags[POL_FLAG_DI], row->requests, 0.50);
    assert_int_equal(row->flags[POL_FLAG_UT], 0);
    assert_int_equal(row->retries, 0);
    assert_int_equal(row->codes[200] + row->codes[503], row->requests);
    /* about half wait 20ms more: the mean is above 10ms */
    assert_true(sim_hist_mean(&row->latency) > 10e6);
    run_close(&r);
}

/* STRICT refuses plaintext (503 UC, no retry), RBAC answers 403 to a caller
 * it does not allow, and lets the allowed one through. */
static void test_peer_authentication_and_authorization(void **state)
{
    run r;
    run_one(&r, "security.yaml");
    const mdl_row *ok = find_row(r.m, "from-trusted", "backend", NULL);
    const mdl_row *denied = find_row(r.m, "from-stranger", "backend", NULL);
    const mdl_row *plain = find_row(r.m, "from-plain", "backend", NULL);
    assert_non_null(ok);
    assert_non_null(denied);
    assert_non_null(plain);
    assert_true(ok->requests > 900);
    assert_int_equal(ok->codes[200], ok->requests);
    assert_int_equal(denied->codes[403], denied->requests);
    assert_int_equal(plain->codes[503], plain->requests);
    assert_int_equal(plain->flags[POL_FLAG_UC], plain->requests);
    assert_int_equal(plain->retries, 0);
    run_close(&r);
}

/* Istio's local rate limit task shape: per pod 10 tokens a second, two pods
 * over 20s pass exactly 2 x 10 x 20 requests; the rest are 429 RL and are
 * not retried (x-envoy-ratelimited without envoy-ratelimited in retryOn). */
static void test_local_rate_limit_per_pod(void **state)
{
    run r;
    run_one(&r, "ratelimit.yaml");
    const mdl_row *row = find_row(r.m, "load", "backend", NULL);
    assert_non_null(row);
    assert_true(row->requests > 1800);
    assert_int_equal(row->codes[200], 400);
    assert_int_equal(row->codes[429], row->requests - 400);
    assert_int_equal(row->flags[POL_FLAG_RL], row->codes[429]);
    assert_int_equal(row->errors, row->codes[429]);
    assert_int_equal(row->retries, 0);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_abort_and_delay),
        cmocka_unit_test(test_peer_authentication_and_authorization),
        cmocka_unit_test(test_local_rate_limit_per_pod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
