/*
 * lb_fixture.h - test fixture shared by the load-balancer tests
 * (tests/policy/test_lb_*.c): build a host set, create a balancer over it with
 * a seeded generator, and apply host changes.  Also brings in scripted_rng.h
 * for the scripted draws these tests feed to pol_lb_pick().
 *
 * Header-only, `static inline`: each test file is its own cmocka executable.
 * The caller owns the host set and the balancer and destroys both
 * (pol_lb_destroy, then pol_host_set_destroy: the balancer borrows the set).
 */
#ifndef MS_TESTS_POLICY_LB_FIXTURE_H
#define MS_TESTS_POLICY_LB_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "base/rng.h"
#include "policy/lb.h"
#include "scripted_rng.h"

/* Add n hosts "10.0.<p>.<i>:8080" with the given weights (NULL: all 1), all in
 * locality r1/z1, at the given priority.  Leaves the set dirty. */
static inline void add_hosts(pol_host_set *hs, uint32_t n, const uint32_t *weights, uint32_t priority)
{
    for (uint32_t i = 0; i < n; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "10.0.%u.%u:8080", priority, i);
        pol_host_spec s = {0};
        s.address = addr;
        s.weight = weights ? weights[i] : 1;
        s.priority = priority;
        s.locality.region = "r1";
        s.locality.zone = "z1";
        pol_host_set_add(hs, &s);
    }
}

/* Rebuild the set if dirty and create a balancer whose per-instance draw comes
 * from splitmix(seed); fails the test if creation fails. */
static inline pol_lb *make_lb(const pol_lb_config *cfg, pol_host_set *hs, uint64_t seed)
{
    if (pol_host_set_dirty(hs))
        pol_host_set_rebuild(hs);
    ms_splitmix g = {seed};
    ms_rng r = ms_splitmix_rng(&g);
    pol_lb *lb = pol_lb_create(cfg, hs, &r);
    assert_non_null(lb);
    return lb;
}

/* After changing the set: rebuild it and tell the balancer (lb.h contract). */
static inline void changed(pol_lb *lb, pol_host_set *hs, int64_t now_ns)
{
    pol_host_set_rebuild(hs);
    pol_lb_on_hosts_changed(lb, now_ns);
}

#endif
