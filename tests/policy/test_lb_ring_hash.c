/*
 * test_lb_ring_hash.c - RING_HASH (policy-semantics.md 4.5, 1.7; traps 16
 * and 18): ring sizes, stickiness, spread, minimal disruption when a host
 * leaves, missing key means random, hash inputs, retry walk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <xxhash.h>

#include "policy/lb.h"

#include "lb_fixture.h"

static void ring_config(pol_lb_config *cfg)
{
    pol_lb_config_init_istio(cfg);
    cfg->policy = POL_LB_POLICY_RING_HASH;
    cfg->hash_source = POL_LB_HASH_HEADER;
}

static int32_t pick_key(pol_lb *lb, const char *key, ms_rng *rng)
{
    pol_lb_context ctx = {0};
    ctx.header_value.p = key;
    ctx.header_value.len = strlen(key);
    ctx.header_value.present = true;
    return pol_lb_pick(lb, &ctx, rng, 0);
}

/* N equal hosts get ceil(1024/N) entries each (trap 16). */
static void test_ring_sizes(void **state)
{
    static const struct {
        uint32_t n;
        uint64_t per_host;
    } cases[] = {{1, 1024}, {2, 512}, {3, 342}, {7, 147}, {10, 103}, {1000, 2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pol_host_set *hs = pol_host_set_create();
        add_hosts(hs, cases[c].n, NULL, 0);
        pol_lb_config cfg;
        ring_config(&cfg);
        pol_lb *lb = make_lb(&cfg, hs, 1);
        uint64_t size, lo, hi;
        assert_int_equal(pol_lb_hash_table_stats(lb, 0, &size, &lo, &hi), 0);
        assert_int_equal(lo, cases[c].per_host);
        assert_int_equal(hi, cases[c].per_host);
        assert_int_equal(size, cases[c].per_host * cases[c].n);
        pol_lb_destroy(lb);
        pol_host_set_destroy(hs);
    }
    /* Weights 1:3: min_w = 1/4, scale = ceil(256)/0.25 = 1024: 256 and 768. */
    static const uint32_t w[2] = {1, 3};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 2, w, 0);
    pol_lb_config cfg;
    ring_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    uint64_t size, lo, hi;
    assert_int_equal(pol_lb_hash_table_stats(lb, 0, &size, &lo, &hi), 0);
    assert_int_equal(size, 1024);
    assert_int_equal(lo, 256);
    assert_int_equal(hi, 768);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* The same key gives the same host, in every instance, and no random draw. */
static void test_same_key_same_host(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 8, NULL, 0);
    pol_lb_config cfg;
    ring_config(&cfg);
    pol_lb *a = make_lb(&cfg, hs, 1), *b = make_lb(&cfg, hs, 2);
    script none = {NULL, 0, 0};
    ms_rng rng = script_rng(&none); /* any draw would fail the test */
    for (int k = 0; k < 500; k++) {
        char key[32];
        snprintf(key, sizeof key, "user-%d", k);
        int32_t h = pick_key(a, key, &rng);
        assert_true(h >= 0 && h < 8);
        assert_int_equal(pick_key(a, key, &rng), h);
        assert_int_equal(pick_key(b, key, &rng), h);
        /* header hash is xxHash64(value, seed 0) */
        pol_lb_context ctx = {0};
        ctx.has_hash = true;
        ctx.hash = XXH64(key, strlen(key), 0);
        assert_int_equal(pol_lb_pick(a, &ctx, &rng, 0), h);
    }
    pol_lb_destroy(a);
    pol_lb_destroy(b);
    pol_host_set_destroy(hs);
}

/* 20000 keys over 10 hosts: each host's share within +-35 % of 1/10 with the
 * default ring (103 entries per host), within +-8 % with a 64 Ki ring. */
static void spread(uint64_t min_ring, double tol)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 10, NULL, 0);
    pol_lb_config cfg;
    ring_config(&cfg);
    cfg.min_ring_size = min_ring;
    pol_lb *lb = make_lb(&cfg, hs, 1);
    script none = {NULL, 0, 0};
    ms_rng rng = script_rng(&none);
    uint32_t count[10] = {0};
    for (int k = 0; k < 20000; k++) {
        char key[32];
        snprintf(key, sizeof key, "session-%d", k);
        count[pick_key(lb, key, &rng)]++;
    }
    for (int i = 0; i < 10; i++)
        assert_in_range(count[i], (uint32_t)(2000 * (1 - tol)), (uint32_t)(2000 * (1 + tol)));
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

static void test_keys_spread(void **state)
{
    spread(1024, 0.35);
    spread(65536, 0.08);
}

/* One of n hosts leaves.  Keys of that host all move.  A ring-hash host keeps
 * its entries "ip:port_0..k-1" but, with fewer hosts, gets ceil(1024/(n-1))
 * instead of ceil(1024/n) of them; only keys caught by those added entries move
 * between remaining hosts.  Returns (moved, moved between remaining). */
static void disruption(uint32_t n, int *moved, int *between)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, n, NULL, 0);
    pol_lb_config cfg;
    ring_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    script none = {NULL, 0, 0};
    ms_rng rng = script_rng(&none);
    enum { K = 20000 };
    static char before[K][32];
    for (int k = 0; k < K; k++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", k);
        snprintf(before[k], 32, "%s", pol_host_set_host(hs, (uint32_t)pick_key(lb, key, &rng))->address);
    }
    int32_t gone = pol_host_set_find(hs, "10.0.0.3:8080");
    pol_host_set_remove(hs, (uint32_t)gone);
    changed(lb, hs, 0);
    *moved = *between = 0;
    for (int k = 0; k < K; k++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", k);
        const char *now = pol_host_set_host(hs, (uint32_t)pick_key(lb, key, &rng))->address;
        if (strcmp(now, before[k])) {
            *between += strcmp(before[k], "10.0.0.3:8080") != 0;
            (*moved)++;
        } else {
            assert_string_not_equal(before[k], "10.0.0.3:8080");
        }
    }
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

static void test_minimal_disruption(void **state)
{
    int moved, between;
    /* 600 -> 599 hosts: 2 entries per host before and after, so the ring only
     * loses the leaving host's entries: exactly its keys move, about 1/600. */
    disruption(600, &moved, &between);
    assert_int_equal(between, 0);
    assert_in_range(moved, 1, 400); /* 2 entries: a very uneven arc */
    /* 10 -> 9 hosts: 103 -> 114 entries per host.  The leaving host's ~10 % of
     * keys move, plus what the 99 added entries (~9.6 % of the ring) catch. */
    disruption(10, &moved, &between);
    assert_in_range(moved - between, 20000 / 10 * 6 / 10, 20000 / 10 * 14 / 10);
    assert_true(between < 20000 * 12 / 100);
}

/* No header (trap 18): a random value is drawn and used as the hash. */
static void test_missing_key_is_random(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 5, NULL, 0);
    pol_lb_config cfg;
    ring_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {4};
    uint32_t count[5] = {0};
    for (int i = 0; i < 2000; i++) {
        uint64_t r = ms_splitmix_next(&g);
        script sc = {&r, 1, 0};
        ms_rng rng = script_rng(&sc);
        pol_lb_context ctx = {0}; /* header absent */
        int32_t h = pol_lb_pick(lb, &ctx, &rng, 0);
        assert_int_equal(sc.i, 1);
        pol_lb_context with = {0};
        with.has_hash = true;
        with.hash = r;
        script none = {NULL, 0, 0};
        ms_rng nr = script_rng(&none);
        assert_int_equal(pol_lb_pick(lb, &with, &nr, 0), h);
        count[h]++;
    }
    for (int i = 0; i < 5; i++)
        assert_in_range(count[i], 200, 600);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Hash inputs: cookie, source IP and query value are xxHash64 of the value; a
 * missing cookie with ttl hashes the generated value. */
static void test_hash_inputs(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 16, NULL, 0);
    pol_lb_config cfg;
    ring_config(&cfg);
    static const pol_lb_hash_source src[] = {POL_LB_HASH_COOKIE, POL_LB_HASH_SOURCE_IP,
                                             POL_LB_HASH_QUERY_PARAM};
    script none = {NULL, 0, 0};
    ms_rng rng = script_rng(&none);
    for (size_t s = 0; s < 3; s++) {
        cfg.hash_source = src[s];
        pol_lb *lb = make_lb(&cfg, hs, 1);
        for (int k = 0; k < 50; k++) {
            char v[32];
            snprintf(v, sizeof v, "10.1.2.%d", k);
            pol_lb_key key = {v, strlen(v), true};
            pol_lb_context ctx = {0};
            if (s == 0)
                ctx.cookie_value = key;
            else if (s == 1)
                ctx.source_ip = key;
            else
                ctx.query_value = key;
            ctx.header_value = (pol_lb_key){"x", 1, true}; /* not the configured input */
            pol_lb_context ref = {0};
            ref.has_hash = true;
            ref.hash = XXH64(v, strlen(v), 0);
            assert_int_equal(pol_lb_pick(lb, &ctx, &rng, 0), pol_lb_pick(lb, &ref, &rng, 0));
        }
        pol_lb_destroy(lb);
    }
    /* Generated cookie: hex of xxHash64(remote + local). */
    char out[17], both[64], hex[17];
    pol_lb_cookie_generate((pol_lb_key){"1.2.3.4:5", 9, true}, (pol_lb_key){"6.7.8.9:80", 10, true},
                           out);
    snprintf(both, sizeof both, "%s%s", "1.2.3.4:5", "6.7.8.9:80");
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)XXH64(both, strlen(both), 0));
    assert_string_equal(out, hex);
    cfg.hash_source = POL_LB_HASH_COOKIE;
    cfg.cookie_ttl_set = true;
    pol_lb *lb = make_lb(&cfg, hs, 1);
    pol_lb_context ctx = {0};
    ctx.downstream_remote_address = (pol_lb_key){"1.2.3.4:5", 9, true};
    ctx.downstream_local_address = (pol_lb_key){"6.7.8.9:80", 10, true};
    pol_lb_context ref = {0};
    ref.has_hash = true;
    ref.hash = XXH64(hex, 16, 0);
    assert_int_equal(pol_lb_pick(lb, &ctx, &rng, 0), pol_lb_pick(lb, &ref, &rng, 0));
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Retry with previous_hosts walks to the next ring entries: over many keys the
 * re-pick mostly lands elsewhere and never returns the previous host when the
 * walk found another one within the limit. */
static void test_retry_walks_ring(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    pol_lb_config cfg;
    ring_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    script none = {NULL, 0, 0};
    ms_rng rng = script_rng(&none);
    int different = 0;
    for (int k = 0; k < 300; k++) {
        char key[32];
        snprintf(key, sizeof key, "r%d", k);
        uint32_t first = (uint32_t)pick_key(lb, key, &rng);
        pol_lb_context ctx = {0};
        ctx.header_value = (pol_lb_key){key, strlen(key), true};
        ctx.previous_hosts = &first;
        ctx.previous_host_count = 1;
        ctx.host_selection_retry_max_attempts = 5;
        int32_t again = pol_lb_pick(lb, &ctx, &rng, 0);
        different += again != (int32_t)first;
    }
    assert_true(different >= 295); /* 6 consecutive entries of one host: rare */
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_sizes),
        cmocka_unit_test(test_same_key_same_host),
        cmocka_unit_test(test_keys_spread),
        cmocka_unit_test(test_minimal_disruption),
        cmocka_unit_test(test_missing_key_is_random),
        cmocka_unit_test(test_hash_inputs),
        cmocka_unit_test(test_retry_walks_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
