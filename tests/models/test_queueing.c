/*
 * test_queueing.c - the mesh with every mesh and network cost set to zero
 * reproduces queueing theory: M/M/1, M/M/2 (Erlang C) and M/D/1 mean sojourn
 * times fall inside the 95% Student-t confidence interval of independent
 * replications, and the M/M/1 p99 matches ln(100)/(mu - lambda).  Little's
 * law ties the server's own occupancy to what the clients saw: in every
 * replication the time-average number of requests the server held, L, equals
 * its admission rate times the callers' mean latency (lambda W), and L falls
 * inside the confidence interval of the theory's value.  A CPU-starved
 * sidecar (one worker, exponential cost) is a queue too: the client's
 * outbound and the server's inbound sidecar form two M/M/1 stations in
 * tandem, whose mean sojourn times add (Jackson).  The attribution splits the
 * M/M/1 latency into the application's queue, Wq = rho / (mu - lambda), and
 * its service, 1 / mu, and the domains add up to the latency mean.
 * Assertions that select the domain app_queue or app_service measure exactly
 * those parts of each request (data/app-split.yaml).
 */
#include "fault_fixture.h"

#define REPLICATIONS 10

/* Run `file` REPLICATIONS times with seeds 1..N; collect assertion probe 0's
 * mean and p99 (ms) and the time-average number of requests held by the
 * workload "server", checking Little's law on each replication.  With
 * `app_split` (two of them): probe 0's mean application queue and service
 * (ms), checking on each replication that the domains add up to the mean. */
static void replicate_ex(const char *file, sim_time duration, bool little, sim_welford *mean,
                         sim_welford *p99, sim_welford *jobs, sim_welford *app_split)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/queueing/%s", MESHSIM_SOURCE_DIR, file);
    const char *paths[1] = {path};
    sim_welford_init(mean);
    sim_welford_init(p99);
    sim_welford_init(jobs);
    if (app_split)
        sim_welford_init(&app_split[0]), sim_welford_init(&app_split[1]);
    for (int rep = 1; rep <= REPLICATIONS; rep++) {
        ms_diag *d = ms_diag_create();
        cfg_bundle b;
        assert_int_equal(cfg_bundle_load(&b, d, paths, 1), 0);
        mdl_options opt = {true, (uint64_t)rep, true, duration};
        mdl_mesh *m = mdl_mesh_create(&b, &opt, d);
        assert_non_null(m);
        assert_int_equal(mdl_mesh_run(m, NULL, NULL), 0);
        const mdl_row *row = mdl_mesh_probe(m, 0);
        assert_true(row->requests > 10000);
        sim_welford_add(mean, sim_hist_mean(&row->latency) / 1e6);
        sim_welford_add(p99, (double)sim_hist_quantile(&row->latency, 0.99) / 1e6);
        double l = 0, lambda = 0;
        assert_int_equal(mdl_mesh_app_occupancy(m, "server", &l, &lambda), 0);
        double lw = lambda * sim_hist_mean(&row->latency) / 1e9;
        /* only the few requests in flight at the window's edges may differ */
        if (little)
            assert_true(fabs(l - lw) <= 0.01 * lw);
        sim_welford_add(jobs, l);
        if (app_split) {
            double n = (double)row->requests, sum = 0;
            for (int dom = 0; dom < MDL_NDOMAINS; dom++)
                sum += row->domain_ns[dom];
            assert_true(fabs(sum / n - sim_hist_mean(&row->latency)) <= 1e-6 * sum / n);
            double queue = row->domain_ns[MDL_DOM_APP_QUEUE];
            assert_true(queue > 0 && queue < row->domain_ns[MDL_DOM_APP]);
            sim_welford_add(&app_split[0], queue / n / 1e6);
            sim_welford_add(&app_split[1], (row->domain_ns[MDL_DOM_APP] - queue) / n / 1e6);
        }
        mdl_mesh_destroy(m);
        cfg_bundle_fini(&b);
        ms_diag_destroy(d);
    }
}

/* The application is the only station with a cost: Little's law holds there
 * with the callers' whole latency. */
static void replicate(const char *file, sim_time duration, sim_welford *mean, sim_welford *p99,
                      sim_welford *jobs)
{
    replicate_ex(file, duration, true, mean, p99, jobs, NULL);
}

static void test_mm1_mean_and_p99(void **state)
{
    sim_welford mean, p99, jobs, app[2];
    replicate_ex("mm1.yaml", 100 * SIM_S, true, &mean, &p99, &jobs, app);
    assert_in_ci(&mean, 5.0);              /* W = 1/(mu - lambda) */
    assert_in_ci(&app[0], 4.0);            /* Wq = rho/(mu - lambda) */
    assert_in_ci(&app[1], 1.0);            /* 1/mu */
    assert_in_ci(&jobs, 4.0);              /* L = rho / (1 - rho) */
    assert_in_ci(&p99, log(100.0) / 0.2);  /* 23.026 ms */
}

static void test_mm2_erlang_c(void **state)
{
    sim_welford mean, p99, jobs;
    replicate("mm2.yaml", 100 * SIM_S, &mean, &p99, &jobs);
    /* C(2, 1.6) = 0.711111; Wq = C / (c mu - lambda) = 1.777778; W = Wq + 1 */
    assert_in_ci(&mean, 2.777778);
    assert_in_ci(&jobs, 1.6 * 2.777778);   /* L = lambda W */
}

static void test_md1_pollaczek_khinchine(void **state)
{
    sim_welford mean, p99, jobs;
    replicate("md1.yaml", 100 * SIM_S, &mean, &p99, &jobs);
    assert_in_ci(&mean, 3.0); /* Wq = rho / (2 mu (1 - rho)) = 2, W = 3 */
    assert_in_ci(&jobs, 2.4); /* L = lambda W, lambda = 0.8/ms */
}

static void test_starved_sidecars_tandem_mm1(void **state)
{
    sim_welford mean, p99, jobs;
    replicate_ex("sidecar.yaml", 100 * SIM_S, false, &mean, &p99, &jobs, NULL);
    /* two M/M/1 in tandem, mu = 1/ms, lambda = 0.5/ms: W = 2 / (mu - lambda) */
    assert_in_ci(&mean, 4.0);
    /* the application holds nothing: its service time is zero */
    assert_true(sim_welford_mean(&jobs) < 1e-9);
}

/* select.domain app_queue / app_service: each request's part, so their sums
 * are the row's split exactly and they add up to select.domain app; the
 * service part of M/M/1 with mean 1ms is exponential: p99 = ln(100) ms. */
static void test_domain_probes(void **state)
{
    run r;
    run_file(&r, "app-split.yaml", 0);
    const mdl_row *whole = probe(&r, "whole"), *app = probe(&r, "app");
    const mdl_row *queue = probe(&r, "queue"), *service = probe(&r, "service");
    double n = (double)whole->requests;
    assert_true(n > 40000);
    assert_int_equal(queue->requests, whole->requests);
    assert_int_equal(service->requests, whole->requests);
    double q = sim_hist_mean(&queue->latency), s = sim_hist_mean(&service->latency);
    double a = sim_hist_mean(&app->latency);
    printf("# app %.6f ms = queue %.6f ms + service %.6f ms\n", a / 1e6, q / 1e6, s / 1e6);
    assert_true(fabs(q * n - whole->domain_ns[MDL_DOM_APP_QUEUE]) <= 1e-9 * q * n);
    assert_true(fabs(s * n - (whole->domain_ns[MDL_DOM_APP] - whole->domain_ns[MDL_DOM_APP_QUEUE])) <=
                1e-9 * s * n);
    assert_true(fabs(q + s - a) <= 1e-9 * a);
    assert_true(fabs(s / 1e6 - 1.0) < 0.03);
    double p99 = (double)sim_hist_quantile(&service->latency, 0.99) / 1e6;
    printf("# service p99 %.4f ms, theory %.4f ms\n", p99, log(100.0));
    assert_true(fabs(p99 - log(100.0)) < 0.25);
    for (size_t i = 0; i < mdl_mesh_probe_count(r.m); i++)
        assert_true(mdl_mesh_probe(r.m, i)->requests == whole->requests);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mm1_mean_and_p99),
        cmocka_unit_test(test_mm2_erlang_c),
        cmocka_unit_test(test_md1_pollaczek_khinchine),
        cmocka_unit_test(test_starved_sidecars_tandem_mm1),
        cmocka_unit_test(test_domain_probes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
