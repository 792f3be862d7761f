/*
 * test_lb_maglev.c - MAGLEV (policy-semantics.md 4.5, 1.7; trap 17): table
 * balance, weights, independence from insertion order, small disruption when a
 * host leaves, prime table size, missing key means random.
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

static void maglev_config(pol_lb_config *cfg)
{
    pol_lb_config_init_istio(cfg);
    cfg->policy = POL_LB_POLICY_MAGLEV;
    cfg->hash_source = POL_LB_HASH_HEADER;
}

static int32_t pick_key(pol_lb *lb, const char *key)
{
    script none = {NULL, 0, 0};
    ms_rng rng = script_rng(&none);
    pol_lb_context ctx = {0};
    ctx.header_value = (pol_lb_key){key, strlen(key), true};
    return pol_lb_pick(lb, &ctx, &rng, 0);
}

/* Equal weights: the round-robin fill gives every host floor or ceil of M/N
 * slots, i.e. its share is within 0.1 % of 1/N. */
static void test_table_balance(void **state)
{
    static const uint32_t ns[] = {1, 3, 7, 10, 100};
    for (size_t c = 0; c < sizeof ns / sizeof ns[0]; c++) {
        pol_host_set *hs = pol_host_set_create();
        add_hosts(hs, ns[c], NULL, 0);
        pol_lb_config cfg;
        maglev_config(&cfg);
        pol_lb *lb = make_lb(&cfg, hs, 1);
        uint64_t size, lo, hi;
        assert_int_equal(pol_lb_hash_table_stats(lb, 0, &size, &lo, &hi), 0);
        assert_int_equal(size, 65537);
        assert_int_equal(lo, 65537 / ns[c]);
        assert_int_equal(hi, (65537 + ns[c] - 1) / ns[c]);
        pol_lb_destroy(lb);
        pol_host_set_destroy(hs);
    }
}

/* Weights 1:2:5 take 1/8, 2/8, 5/8 of the slots (+-1 %). */
static void test_weighted_table(void **state)
{
    static const uint32_t w[3] = {1, 2, 5};
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, w, 0);
    pol_lb_config cfg;
    maglev_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    uint64_t size, lo, hi;
    assert_int_equal(pol_lb_hash_table_stats(lb, 0, &size, &lo, &hi), 0);
    assert_in_range(lo, 65537 / 8 * 99 / 100, 65537 / 8 * 101 / 100);
    assert_in_range(hi, 65537 * 5 / 8 * 99 / 100, 65537 * 5 / 8 * 101 / 100);
    uint32_t count[3] = {0};
    for (int k = 0; k < 16000; k++) {
        char key[32];
        snprintf(key, sizeof key, "w%d", k);
        count[pick_key(lb, key)]++;
    }
    assert_in_range(count[0], 1700, 2300);
    assert_in_range(count[2], 9600, 10400);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Hosts are sorted by address first: adding them in another order gives the
 * same host for every key; lookup is table[h mod M]. */
static void test_order_independent(void **state)
{
    pol_host_set *a = pol_host_set_create(), *b = pol_host_set_create();
    add_hosts(a, 6, NULL, 0);
    for (int i = 5; i >= 0; i--) {
        char addr[32];
        snprintf(addr, sizeof addr, "10.0.0.%d:8080", i);
        pol_host_spec s = {0};
        s.address = addr;
        pol_host_set_add(b, &s);
    }
    pol_lb_config cfg;
    maglev_config(&cfg);
    pol_lb *la = make_lb(&cfg, a, 1), *lb = make_lb(&cfg, b, 2);
    for (int k = 0; k < 2000; k++) {
        char key[32];
        snprintf(key, sizeof key, "o%d", k);
        assert_string_equal(pol_host_set_host(a, (uint32_t)pick_key(la, key))->address,
                            pol_host_set_host(b, (uint32_t)pick_key(lb, key))->address);
    }
    pol_lb_destroy(la);
    pol_lb_destroy(lb);
    pol_host_set_destroy(a);
    pol_host_set_destroy(b);
}

/* One of 10 hosts leaves: its keys (about 1/10) move; Maglev is not perfectly
 * minimal, but keys moving between two remaining hosts stay under 2 %. */
static void test_minimal_disruption(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 10, NULL, 0);
    pol_lb_config cfg;
    maglev_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    enum { K = 20000 };
    static char before[K][32];
    for (int k = 0; k < K; k++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", k);
        snprintf(before[k], 32, "%s", pol_host_set_host(hs, (uint32_t)pick_key(lb, key))->address);
    }
    pol_host_set_remove(hs, (uint32_t)pol_host_set_find(hs, "10.0.0.6:8080"));
    changed(lb, hs, 0);
    int moved = 0, between = 0;
    for (int k = 0; k < K; k++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", k);
        const char *now = pol_host_set_host(hs, (uint32_t)pick_key(lb, key))->address;
        if (strcmp(now, before[k])) {
            between += strcmp(before[k], "10.0.0.6:8080") != 0;
            moved++;
        } else {
            assert_string_not_equal(before[k], "10.0.0.6:8080");
        }
    }
    assert_in_range(moved - between, K / 10 * 9 / 10, K / 10 * 11 / 10);
    assert_true(between < K * 2 / 100);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

static void test_table_size_must_be_prime(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 2, NULL, 0);
    pol_host_set_rebuild(hs);
    pol_lb_config cfg;
    maglev_config(&cfg);
    cfg.maglev_table_size = 65536;
    const char *why = NULL;
    assert_int_equal(pol_lb_config_check(&cfg, &why), -1);
    assert_string_equal(why, "maglev table size must be prime");
    ms_splitmix g = {1};
    ms_rng rng = ms_splitmix_rng(&g);
    assert_null(pol_lb_create(&cfg, hs, &rng));
    cfg.maglev_table_size = 251;
    pol_lb *lb = pol_lb_create(&cfg, hs, &rng);
    assert_non_null(lb);
    /* lookup is table[h mod M]: hashes congruent mod 251 land on one host */
    script none = {NULL, 0, 0};
    ms_rng nr = script_rng(&none);
    for (uint64_t h = 0; h < 251; h++) {
        pol_lb_context c1 = {0}, c2 = {0};
        c1.has_hash = c2.has_hash = true;
        c1.hash = h;
        c2.hash = h + 251 * 1000003ull;
        assert_int_equal(pol_lb_pick(lb, &c1, &nr, 0), pol_lb_pick(lb, &c2, &nr, 0));
    }
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* No key (trap 18): one random draw used as the hash. */
static void test_missing_key_is_random(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 4, NULL, 0);
    pol_lb_config cfg;
    maglev_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    ms_splitmix g = {9};
    uint32_t count[4] = {0};
    for (int i = 0; i < 4000; i++) {
        uint64_t r = ms_splitmix_next(&g);
        script sc = {&r, 1, 0};
        ms_rng rng = script_rng(&sc);
        pol_lb_context ctx = {0};
        int32_t h = pol_lb_pick(lb, &ctx, &rng, 0);
        assert_int_equal(sc.i, 1);
        assert_int_equal(h, pol_lb_pick(lb, &(pol_lb_context){.has_hash = true, .hash = r}, &rng, 0));
        count[h]++;
    }
    for (int i = 0; i < 4; i++)
        assert_in_range(count[i], 850, 1150);
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

/* Retry: attempt a looks up h XOR (2^64 - a); with previous_hosts the re-pick
 * usually finds another host. */
static void test_retry_mutates_hash(void **state)
{
    pol_host_set *hs = pol_host_set_create();
    add_hosts(hs, 3, NULL, 0);
    pol_lb_config cfg;
    maglev_config(&cfg);
    pol_lb *lb = make_lb(&cfg, hs, 1);
    script none = {NULL, 0, 0};
    ms_rng rng = script_rng(&none);
    for (uint64_t h = 1; h < 200; h++) {
        pol_lb_context c = {.has_hash = true, .hash = h};
        uint32_t first = (uint32_t)pol_lb_pick(lb, &c, &rng, 0);
        pol_lb_context alt = {.has_hash = true, .hash = h ^ (UINT64_MAX - 1 + 1)};
        int32_t want = pol_lb_pick(lb, &alt, &rng, 0);
        c.previous_hosts = &first;
        c.previous_host_count = 1;
        c.host_selection_retry_max_attempts = 1;
        assert_int_equal(pol_lb_pick(lb, &c, &rng, 0), want);
    }
    pol_lb_destroy(lb);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_balance),
        cmocka_unit_test(test_weighted_table),
        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_minimal_disruption),
        cmocka_unit_test(test_table_size_must_be_prime),
        cmocka_unit_test(test_missing_key_is_random),
        cmocka_unit_test(test_retry_mutates_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
