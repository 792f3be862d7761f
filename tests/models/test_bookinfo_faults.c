/*
 * test_bookinfo_faults.c - Istio's fault-injection task on Bookinfo, with
 * Istio's manifests loaded unchanged (platform/bookinfo.yaml,
 * destination-rule-all.yaml, virtual-service-all-v1.yaml, then
 * virtual-service-reviews-test-v2.yaml and a ratings fault, each replacing the
 * VirtualService of the same name as `kubectl apply` does) and Bookinfo's own
 * timeouts in tests/models/data/bookinfo-fault-injection.yaml.  The task's
 * documented outcomes:
 *   - a 7 s delay on ratings for jason: reviews v2's 10 s timeout does not fire,
 *     but productpage's 3 s timeout with one retry does, so jason's page loads
 *     in about 6 s with the reviews section in error (a 200 page); the other
 *     users, routed to reviews v1, which calls nothing, are unaffected;
 *   - an HTTP 500 abort on ratings for jason: reviews v2's calls to ratings
 *     fail at once, and the page loads at once.
 * The fault's delay is mesh time, and the domains add up to the latency.
 */
#include "fault_fixture.h"

#define NFILES 6

/* Bookinfo with the task's routing and `fault` (a ratings VirtualService). */
static void run_task(run *r, const char *fault)
{
    static const char *const fixtures[NFILES - 2] = {
        "platform/bookinfo.yaml", "networking/destination-rule-all.yaml",
        "networking/virtual-service-all-v1.yaml", "networking/virtual-service-reviews-test-v2.yaml"};
    char paths[NFILES - 1][1024];
    const char *p[NFILES];
    for (int i = 0; i < NFILES - 2; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/fixtures/istio/bookinfo/%s", MESHSIM_SHARED_DIR,
                 fixtures[i]);
        p[i] = paths[i];
    }
    snprintf(paths[NFILES - 2], sizeof paths[0], "%s/fixtures/istio/bookinfo/networking/%s",
             MESHSIM_SHARED_DIR, fault);
    p[NFILES - 2] = paths[NFILES - 2];
    p[NFILES - 1] = "bookinfo-fault-injection.yaml";
    run_files(r, p, NFILES, 0);
}

static double ms(int64_t ns) { return (double)ns / 1e6; }

/* The row's domains add up to its latency mean. */
static void assert_domains_add_up(const mdl_row *row)
{
    double sum = 0;
    for (int d = 0; d < MDL_NDOMAINS; d++)
        sum += row->domain_ns[d];
    double mean = sim_hist_mean(&row->latency);
    assert_true(fabs(sum / (double)row->requests - mean) <= 1e-6 * mean);
}

/* Every one of the row's requests answered with `status`. */
static void assert_all(const mdl_row *row, int status)
{
    assert_non_null(row);
    assert_true(row->requests > 0);
    assert_int_equal(row->codes[status], row->requests);
}

/* The 7 s delay for jason: productpage gives up on reviews after 3 s, twice. */
static void test_delay_jason_sees_reviews_error_after_6s(void **state)
{
    (void)state;
    run r;
    run_task(&r, "virtual-service-ratings-test-delay.yaml");
    const mdl_row *jason = find_row(r.m, "jason", "productpage", NULL);
    assert_all(jason, 200); /* the page, with the reviews section in error */
    assert_true(jason->requests > 150);
    printf("# jason: %llu pages, min %.1f ms, max %.1f ms; mesh %.1f ms of %.1f ms\n",
           (unsigned long long)jason->requests, ms(sim_hist_min(&jason->latency)),
           ms(sim_hist_max(&jason->latency)), jason->domain_ns[MDL_DOM_MESH] / (double)jason->requests / 1e6,
           sim_hist_mean(&jason->latency) / 1e6);
    /* 3 s + 3 s, plus the page's own work and its call to details */
    assert_true(sim_hist_min(&jason->latency) >= 6000 * 1000000LL);
    assert_true(sim_hist_max(&jason->latency) < 6100 * 1000000LL);
    assert_domains_add_up(jason);
    assert_true(jason->domain_ns[MDL_DOM_MESH] / (double)jason->requests > 5900e6);

    /* productpage's tries at reviews: each given up after its 3 s timeout */
    const mdl_row *gave_up = find_row(r.m, "productpage-v1", "reviews", "");
    assert_non_null(gave_up);
    assert_int_equal(gave_up->codes[0], gave_up->requests);
    assert_int_equal(gave_up->timeouts, gave_up->requests);
    /* two tries per page, but for the pages at the edges of the measured
     * window, whose first or second try falls outside it (about 2 rps x 3 s) */
    assert_true(llabs((long long)gave_up->requests - 2 * (long long)jason->requests) <= 20);
    assert_true(sim_hist_min(&gave_up->latency) >= 3000 * 1000000LL);
    assert_true(sim_hist_max(&gave_up->latency) < 3001 * 1000000LL);
    assert_null(find_row(r.m, "productpage-v1", "reviews", "v2")); /* none answered in time */

    /* reviews v2 -> ratings: delayed 7 s, within its 10 s timeout: no error */
    const mdl_row *ratings = find_row(r.m, "reviews-v2", "ratings", "v1");
    assert_all(ratings, 200);
    assert_int_equal(ratings->flags[POL_FLAG_DI], ratings->requests);
    assert_true(sim_hist_min(&ratings->latency) >= 7000 * 1000000LL);
    assert_true(sim_hist_max(&ratings->latency) < 7100 * 1000000LL);

    /* everyone else: reviews v1, no ratings, no delay */
    const mdl_row *others = find_row(r.m, "others", "productpage", NULL);
    assert_all(others, 200);
    assert_true(others->requests > 2000);
    assert_true(sim_hist_quantile(&others->latency, 0.99) < 100 * 1000000LL);
    assert_domains_add_up(others);
    const mdl_row *v1 = find_row(r.m, "productpage-v1", "reviews", "v1");
    assert_all(v1, 200);
    assert_true(llabs((long long)v1->requests - (long long)others->requests) <= 4);
    assert_null(find_row(r.m, "reviews-v1", "ratings", NULL));
    run_close(&r);
}

/* The HTTP 500 abort for jason: his ratings fail at once, his page is fast. */
static void test_abort_jason_ratings_fail_at_once(void **state)
{
    (void)state;
    run r;
    run_task(&r, "virtual-service-ratings-test-abort.yaml");
    const mdl_row *jason = find_row(r.m, "jason", "productpage", NULL);
    assert_all(jason, 200);
    assert_true(jason->requests > 150);
    assert_true(sim_hist_quantile(&jason->latency, 0.99) < 100 * 1000000LL);
    assert_domains_add_up(jason);

    /* reviews v2 renders "Ratings service is currently unavailable": a 200 */
    assert_all(find_row(r.m, "productpage-v1", "reviews", "v2"), 200);
    const mdl_row *ratings = find_row(r.m, "reviews-v2", "ratings", NULL);
    assert_all(ratings, 500);
    assert_int_equal(ratings->errors, ratings->requests);
    assert_int_equal(ratings->flags[POL_FLAG_FI], ratings->requests);
    assert_int_equal(ratings->retries, 0);
    assert_true(llabs((long long)ratings->requests - (long long)jason->requests) <= 4);
    /* the client's sidecar answers itself: no ratings pod involved */
    assert_true(sim_hist_max(&ratings->latency) < 5 * 1000000LL);
    assert_true(ratings->domain_ns[MDL_DOM_APP] == 0);

    const mdl_row *others = find_row(r.m, "others", "productpage", NULL);
    assert_all(others, 200);
    assert_null(find_row(r.m, "reviews-v1", "ratings", NULL));
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_jason_sees_reviews_error_after_6s),
        cmocka_unit_test(test_abort_jason_ratings_fail_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
