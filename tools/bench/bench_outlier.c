/*
 * bench_outlier.c - throughput of the hot policy decisions: outlier
 * pol_outlier_report() and pol_outlier_tick() for 10 and 100 hosts, the retry
 * backoff draw, and a full retry decision.  Prints one line per figure:
 *     <name> <operations/s> <ns/op>
 * Uses CLOCK_MONOTONIC and a SplitMix generator; the policy code itself never
 * reads a clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "base/rng.h"
#include "policy/outlier.h"
#include "policy/retry.h"

#include "bench_clock.h"

static void print(const char *name, uint64_t ops, int64_t ns, uint64_t sink)
{
    double s = (double)ns / 1e9;
    printf("%-34s %14.0f ops/s %8.2f ns/op   (sink %llu)\n", name, (double)ops / s, (double)ns / (double)ops,
           (unsigned long long)(sink & 0xff));
}

static void bench_report(uint32_t hosts)
{
    pol_outlier_config c = pol_outlier_config_envoy();
    c.max_ejection_percent = 50;
    pol_outlier *det = pol_outlier_create(&c, hosts);
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    const uint64_t n = 20000000;
    uint64_t sink = 0;
    int64_t now = 0;
    int64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = ms_rng_u64(&rng);
        uint32_t h = (uint32_t)(r % hosts);
        int code = (r >> 32) % 100 < 3 ? 503 : 200; /* 3 % errors */
        now += 1000;
        sink += pol_outlier_report(det, h, code, now, &rng);
        if ((i & 0xfffff) == 0)
            pol_outlier_tick(det, now, &rng);
    }
    int64_t dt = bench_now_ns() - t0;
    char name[64];
    snprintf(name, sizeof name, "outlier_report hosts=%u", hosts);
    print(name, n, dt, sink);
    pol_outlier_destroy(det);
}

static void bench_tick(uint32_t hosts)
{
    pol_outlier_config c = pol_outlier_config_envoy();
    c.max_ejection_percent = 50;
    c.enforcing_failure_percentage = 100;
    pol_outlier *det = pol_outlier_create(&c, hosts);
    ms_splitmix g = {2};
    ms_rng rng = ms_splitmix_rng(&g);
    const uint64_t n = hosts >= 100 ? 200000 : 2000000;
    uint64_t sink = 0;
    int64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        /* a full interval of volume on every host, outside the timed region */
        if (i % 64 == 0) {
            for (uint32_t h = 0; h < hosts; h++)
                for (int k = 0; k < 110; k++)
                    pol_outlier_report(det, h, (k % 50 == 0 && h % 7 == 0) ? 500 : 200,
                                       (int64_t)i * INT64_C(10000000000), &rng);
        }
        int64_t t0 = bench_now_ns();
        sink += pol_outlier_tick(det, (int64_t)(i + 1) * INT64_C(10000000000), &rng);
        total += bench_now_ns() - t0;
    }
    char name[64];
    snprintf(name, sizeof name, "outlier_tick hosts=%u", hosts);
    print(name, n, total, sink);
    pol_outlier_destroy(det);
}

static void bench_backoff(void)
{
    ms_splitmix g = {3};
    ms_rng rng = ms_splitmix_rng(&g);
    const uint64_t n = 50000000;
    uint64_t sink = 0;
    pol_backoff b;
    pol_backoff_init(&b, 25, 250);
    int64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if ((i & 7) == 0)
            pol_backoff_reset(&b);
        sink += pol_backoff_next_ms(&b, &rng);
    }
    print("backoff_next", n, bench_now_ns() - t0, sink);
}

static void bench_retry_decision(void)
{
    ms_splitmix g = {4};
    ms_rng rng = ms_splitmix_rng(&g);
    pol_retry_policy p;
    pol_retry_policy_istio_default(&p, false);
    pol_circuit_thresholds th = pol_circuit_thresholds_istio();
    pol_circuit cb;
    pol_cluster_stats cs = {0};
    pol_circuit_init(&cb, &th, &cs);
    const uint64_t n = 10000000;
    uint64_t sink = 0;
    int64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        pol_retry_state st;
        pol_retry_state_init(&st, &p);
        pol_retry_attempt_started(&st, (uint32_t)i & 15, 0);
        pol_retry_decision d;
        pol_retry_on_reset(&st, POL_RESET_REMOTE_CONNECTION_FAILURE, false, &cb, &cs, &rng, &d);
        sink += (uint64_t)d.backoff_ns;
        pol_retry_response r = pol_retry_response_status(200);
        pol_retry_on_response(&st, &r, &cb, &cs, &rng, &d);
        pol_retry_state_fini(&st, &cb);
    }
    print("retry_request(reset+200)", n, bench_now_ns() - t0, sink);
}

int main(void)
{
    bench_report(10);
    bench_report(100);
    bench_tick(10);
    bench_tick(100);
    bench_backoff();
    bench_retry_decision();
    return 0;
}
