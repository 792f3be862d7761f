/*
 * bench_lb.c - picks per second of each load balancer (policy/lb.h) at 10 and
 * 100 hosts, single thread.
 *
 * Setup per run: one priority, all hosts healthy, equal weights except the
 * "weighted" rows (weights 1..n), a SplitMix64 rng.  Least request keeps the
 * in-flight counters moving (each pick adds one, a pick 8 later removes it) so
 * P2C compares real values; hash balancers get a fresh header key per pick.
 * Timing uses clock_gettime(CLOCK_MONOTONIC): tools may read a clock, policy/
 * may not.
 */
#include "policy/lb.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"

#define PICKS 2000000

static void run(const char *label, pol_lb_policy policy, uint32_t n, bool weighted)
{
    pol_host_set *hs = pol_host_set_create();
    for (uint32_t i = 0; i < n; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "10.1.%u.%u:8080", i / 256, i % 256);
        pol_host_spec s = {0};
        s.address = addr;
        s.weight = weighted ? i + 1 : 1;
        s.locality = (pol_locality){"region", "zone", ""};
        pol_host_set_add(hs, &s);
    }
    pol_host_set_rebuild(hs);
    pol_lb_config cfg;
    pol_lb_config_init_istio(&cfg);
    cfg.policy = policy;
    cfg.hash_source = POL_LB_HASH_HEADER;
    ms_splitmix g = {12345};
    ms_rng rng = ms_splitmix_rng(&g);
    pol_lb *lb = pol_lb_create(&cfg, hs, &rng);
    int32_t ring[8] = {0};
    char key[32];
    pol_lb_context ctx = {0};
    bool hashed = policy == POL_LB_POLICY_RING_HASH || policy == POL_LB_POLICY_MAGLEV;
    uint64_t sink = 0;
    double t0 = bench_now_s();
    for (uint32_t i = 0; i < PICKS; i++) {
        int32_t h;
        if (hashed) {
            int len = snprintf(key, sizeof key, "user-%u", i);
            ctx.header_value = (pol_lb_key){key, (size_t)len, true};
            h = pol_lb_pick(lb, &ctx, &rng, 0);
        } else {
            h = pol_lb_pick(lb, NULL, &rng, 0);
        }
        if (policy == POL_LB_POLICY_LEAST_REQUEST) {
            pol_host_set_active_add(hs, (uint32_t)h, 1);
            if (i >= 8)
                pol_host_set_active_add(hs, (uint32_t)ring[i % 8], -1);
            ring[i % 8] = h;
        }
        sink += (uint64_t)h;
    }
    double dt = bench_now_s() - t0;
    printf("%-14s %-9s hosts=%-4u %12.0f picks/s  (%.1f ns/pick)%s\n", pol_lb_policy_name(policy),
           label, n, PICKS / dt, dt * 1e9 / PICKS, sink == 0 ? " !" : "");
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

int main(void)
{
    static const uint32_t sizes[] = {10, 100};
    for (size_t s = 0; s < 2; s++) {
        uint32_t n = sizes[s];
        run("equal", POL_LB_POLICY_ROUND_ROBIN, n, false);
        run("weighted", POL_LB_POLICY_ROUND_ROBIN, n, true);
        run("equal", POL_LB_POLICY_LEAST_REQUEST, n, false);
        run("weighted", POL_LB_POLICY_LEAST_REQUEST, n, true);
        run("equal", POL_LB_POLICY_RANDOM, n, false);
        run("equal", POL_LB_POLICY_RING_HASH, n, false);
        run("equal", POL_LB_POLICY_MAGLEV, n, false);
    }
    return 0;
}
