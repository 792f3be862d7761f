/*
 * test_sim_vs_proxy.c - the same policy in the simulator and in meshproxy
 * gives the same result: a backend of two endpoints failing 30 % of requests
 * with 503, a VirtualService retrying twice on 5xx.  `meshsim run` simulates
 * it; meshproxy runs it in front of two test upstreams with the same error
 * behaviour.  Error rate after retries (theory 0.3^3 = 2.7 %) and retries per
 * request (theory 0.3 + 0.09 = 0.39) must agree within 4.5 standard errors of
 * their difference.  Ejection: a bad endpoint (always 503) next to a good one,
 * outlierDetection consecutive5xxErrors 5: both eject it once, after exactly
 * its 5 failures.  This is what makes the simulator trustworthy: keep it.
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "proxy_fixture.h"

static const char *scenario =
    "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: retries-vs-proxy}\n"
    "spec: {duration: 20s, warmup: 0s, seed: 3}\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: backend}\n"
    "spec: {selector: {app: backend}, ports: [{port: 80}]}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: backend}\n"
    "spec: {replicas: 2, template: {metadata: {labels: {app: backend}}}}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: client}\n"
    "spec: {replicas: 1, template: {metadata: {labels: {app: client}}}}\n---\n"
    "apiVersion: meshsim/v1alpha1\nkind: WorkloadModel\nmetadata: {name: backend}\n"
    "spec: {selector: {app: backend}, concurrency: 100, serviceTime: 1ms, errors: {rate: 30%, status: 503}}\n---\n"
    "apiVersion: meshsim/v1alpha1\nkind: Traffic\nmetadata: {name: load}\n"
    "spec:\n  sources:\n    - {name: load, from: {app: client}, url: http://backend/, rate: 500rps, timeout: 10s}\n"
    "---\n";

static const char *policy =
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: backend}\n"
    "spec:\n  hosts: [backend]\n  http:\n    - route: [{destination: {host: backend}}]\n"
    "      retries: {attempts: 2, retryOn: 5xx}\n";

static double json_number(const char *json, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(json, k);
    return p ? atof(p + strlen(k)) : -1;
}

typedef struct load {
    int port, n, errors;
} load;

/* Run the simulator on `scenario` followed by `policy` under /tmp/<tag>-<pid>:
 * its summary.json, malloc'd; the scenario and the output are removed. */
static char *run_meshsim(const char *tag, const char *scenario_text, const char *policy_text)
{
    char dir[64], file[96], cmd[512], path[128];
    snprintf(dir, sizeof dir, "/tmp/%s-%d", tag, (int)getpid());
    snprintf(file, sizeof file, "%s.yaml", dir);
    char *text = malloc(strlen(scenario_text) + strlen(policy_text) + 1);
    strcpy(text, scenario_text);
    strcat(text, policy_text);
    fx_write_file(file, text);
    free(text);
    snprintf(cmd, sizeof cmd, "%s/tools/meshsim run %s -o %s --quiet", MESHSIM_BINARY_DIR, file, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *json = fx_read_file(path);
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, file);
    assert_int_equal(system(cmd), 0);
    return json;
}

static void *client(void *arg)
{
    load *l = arg;
    int fd = fx_connect(l->port);
    for (int i = 0; i < l->n; i++) {
        const char *raw = "GET / HTTP/1.1\r\nHost: backend\r\n\r\n";
        fx_resp r;
        if (send(fd, raw, strlen(raw), MSG_NOSIGNAL) <= 0 || fx_read_resp(fd, &r) != 0) {
            l->errors++;
            close(fd);
            fd = fx_connect(l->port);
            continue;
        }
        l->errors += r.status != 200;
    }
    close(fd);
    return NULL;
}

static void test_error_rate_after_retries_matches(void **state)
{
    /* the simulator */
    char *json = run_meshsim("px-sim", scenario, policy);
    double sim_n = json_number(json, "requests");
    double sim_err = json_number(json, "error_rate");
    double sim_retries = json_number(json, "retries") / sim_n;
    free(json);
    assert_true(sim_n > 5000);

    /* meshproxy in front of two upstreams failing 30 % */
    fx_upstream *a = fx_upstream_start("a", 200), *b = fx_upstream_start("b", 200);
    a->seed = 11;
    b->seed = 12;
    atomic_store(&a->fail_permille, 300);
    atomic_store(&b->fail_permille, 300);
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "apiVersion: meshsim/v1alpha1\nkind: Endpoints\nmetadata: {name: up}\nspec:\n  services:\n"
             "    - host: backend\n      port: 80\n      endpoints:\n"
             "        - {address: \"127.0.0.1:%d\"}\n        - {address: \"127.0.0.1:%d\"}\n---\n%s",
             a->l.port, b->l.port, policy);
    fx_proxy p;
    assert_int_equal(fx_proxy_start(&p, yaml, NULL), 0);
    enum { THREADS = 16, PER = 200 };
    load l[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        l[i] = (load){p.port, PER, 0};
        pthread_create(&th[i], NULL, client, &l[i]);
    }
    int errors = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        errors += l[i].errors;
    }
    double px_n = THREADS * PER;
    double px_err = errors / px_n;
    char *m = fx_admin(p.admin, "/stats/prometheus");
    double px_retries = (double)fx_metric(m, "envoy_cluster_upstream_rq_retry{") / px_n;
    free(m);
    assert_int_equal(fx_proxy_stop(&p), 0);
    fx_upstream_stop(a);
    fx_upstream_stop(b);

    /* error rate: binomial standard error of the difference */
    double se = sqrt(sim_err * (1 - sim_err) / sim_n + px_err * (1 - px_err) / px_n);
    print_message("error rate after retries: simulator %.4f (n=%.0f), meshproxy %.4f (n=%.0f), theory 0.0270\n",
                  sim_err, sim_n, px_err, px_n);
    print_message("retries per request: simulator %.4f, meshproxy %.4f, theory 0.3900\n", sim_retries, px_retries);
    assert_true(fabs(sim_err - px_err) < 4.5 * se + 1e-9);
    /* retries per request: at most 2 per request, variance below p(1-p) of each step */
    double se_r = sqrt(0.5 / sim_n + 0.5 / px_n);
    assert_true(fabs(sim_retries - px_retries) < 4.5 * se_r);
    assert_true(fabs(px_err - 0.027) < 4.5 * sqrt(0.027 * 0.973 / px_n));
}

static const char *ejection_scenario =
    "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: ejection-vs-proxy}\n"
    "spec:\n  duration: 10s\n  warmup: 0s\n  seed: 3\n"
    "  assertions: [{name: ejections, metric: ejections, select: {destination: backend}, max: 100}]\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: backend}\n"
    "spec: {selector: {app: backend}, ports: [{port: 80}]}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: good}\n"
    "spec: {replicas: 1, template: {metadata: {labels: {app: backend, version: good}}}}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\n"
    "spec: {replicas: 1, template: {metadata: {labels: {app: backend, version: bad}}}}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: client}\n"
    "spec: {replicas: 1, template: {metadata: {labels: {app: client}}}}\n---\n"
    "apiVersion: meshsim/v1alpha1\nkind: WorkloadModel\nmetadata: {name: good}\n"
    "spec: {selector: {version: good}, concurrency: 100, serviceTime: 1ms}\n---\n"
    "apiVersion: meshsim/v1alpha1\nkind: WorkloadModel\nmetadata: {name: bad}\n"
    "spec: {selector: {version: bad}, concurrency: 100, serviceTime: 1ms, errors: {rate: 100%, status: 503}}\n---\n"
    "apiVersion: meshsim/v1alpha1\nkind: Traffic\nmetadata: {name: load}\n"
    "spec:\n  sources:\n    - {name: load, from: {app: client}, url: http://backend/, rate: 200rps, timeout: 10s}\n"
    "---\n";

static const char *ejection_policy =
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: backend}\n"
    "spec:\n  host: backend\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 5, interval: 1s,\n"
    "      baseEjectionTime: 30s, maxEjectionPercent: 50}\n";

static void test_ejection_matches(void **state)
{
    char *json = run_meshsim("px-ej", ejection_scenario, ejection_policy);
    const char *bad = strstr(json, "\"version\": \"bad\"");
    assert_non_null(bad);
    double sim_bad = json_number(bad, "requests");
    double sim_bad_errors = json_number(bad, "errors");
    double sim_ejections = json_number(json, "observed");
    free(json);

    fx_upstream *good = fx_upstream_start("good", 200), *badu = fx_upstream_start("bad", 503);
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "apiVersion: meshsim/v1alpha1\nkind: Endpoints\nmetadata: {name: up}\nspec:\n  services:\n"
             "    - host: backend\n      port: 80\n      endpoints:\n"
             "        - {address: \"127.0.0.1:%d\"}\n        - {address: \"127.0.0.1:%d\"}\n---\n%s",
             good->l.port, badu->l.port, ejection_policy);
    fx_proxy p;
    assert_int_equal(fx_proxy_start(&p, yaml, NULL), 0);
    int errors = 0;
    int fd = fx_connect(p.port);
    for (int i = 0; i < 300; i++) {
        const char *raw = "GET / HTTP/1.1\r\nHost: backend\r\n\r\n";
        fx_resp r;
        send(fd, raw, strlen(raw), MSG_NOSIGNAL);
        assert_int_equal(fx_read_resp(fd, &r), 0);
        errors += r.status != 200;
    }
    close(fd);
    char *m = fx_admin(p.admin, "/stats/prometheus");
    long long px_ejections = fx_metric(m, "envoy_cluster_outlier_detection_ejections_enforced_total{");
    free(m);
    print_message("bad endpoint: simulator %.0f requests, %.0f errors, %.0f ejection(s); "
                  "meshproxy %d requests, %d errors, %lld ejection(s)\n",
                  sim_bad, sim_bad_errors, sim_ejections, atomic_load(&badu->count), errors, px_ejections);
    assert_int_equal((int)sim_bad, 5);
    assert_int_equal((int)sim_bad_errors, 5);
    assert_int_equal((int)sim_ejections, 1);
    assert_int_equal(atomic_load(&badu->count), (int)sim_bad);
    assert_int_equal(errors, (int)sim_bad_errors);
    assert_int_equal(px_ejections, (long long)sim_ejections);
    assert_int_equal(fx_proxy_stop(&p), 0);
    fx_upstream_stop(good);
    fx_upstream_stop(badu);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_rate_after_retries_matches),
        cmocka_unit_test(test_ejection_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
