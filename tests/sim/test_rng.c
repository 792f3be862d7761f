/*
 * test_rng.c - named streams: reproducible, distinct per name, independent of
 * other streams, full 64-bit seeding, and the ms_rng / GSL views.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "base/hash.h"
#include "sim/rng.h"

static void draw(sim_rng *r, uint64_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = sim_rng_u64(r);
}

static void test_same_seed_same_numbers(void **state)
{
    sim_rng a, b;
    uint64_t x[100], y[100];
    sim_rng_init(&a, 7, "pod[1].service_time");
    sim_rng_init(&b, 7, "pod[1].service_time");
    draw(&a, x, 100);
    draw(&b, y, 100);
    assert_memory_equal(x, y, sizeof(x));
    sim_rng_fini(&a);
    sim_rng_fini(&b);
    sim_rng_fini(&b); /* idempotent */
}

static void test_different_name_or_seed_differs(void **state)
{
    sim_rng a, b, c;
    uint64_t x[16], y[16], z[16];
    sim_rng_init(&a, 7, "pod[1].service_time");
    sim_rng_init(&b, 7, "pod[2].service_time");
    sim_rng_init(&c, 8, "pod[1].service_time");
    draw(&a, x, 16);
    draw(&b, y, 16);
    draw(&c, z, 16);
    for (size_t i = 0; i < 16; i++) {
        assert_int_not_equal(x[i], y[i]);
        assert_int_not_equal(x[i], z[i]);
    }
    sim_rng_fini(&a);
    sim_rng_fini(&b);
    sim_rng_fini(&c);
}

/* Stream A's draws do not depend on whether stream B exists or is used. */
static void test_new_stream_does_not_shift_others(void **state)
{
    sim_rng a1, a2, b;
    uint64_t x[64], y[64], junk[1000];
    sim_rng_init(&a1, 99, "lb.decision");
    draw(&a1, x, 64);
    sim_rng_init(&b, 99, "fault.delay");
    draw(&b, junk, 1000);
    sim_rng_init(&a2, 99, "lb.decision");
    for (size_t i = 0; i < 64; i++) {
        draw(&b, junk, 3);
        y[i] = sim_rng_u64(&a2);
    }
    assert_memory_equal(x, y, sizeof(x));
    sim_rng_fini(&a1);
    sim_rng_fini(&a2);
    sim_rng_fini(&b);
}

/* Seeds that agree in the low 32 bits give different streams (GSL's built-in
 * generators would collide here). */
static void test_full_64bit_seed(void **state)
{
    sim_rng a, b;
    sim_rng_init_seed(&a, 0x00000001deadbeefULL);
    sim_rng_init_seed(&b, 0x00000002deadbeefULL);
    assert_int_not_equal(sim_rng_u64(&a), sim_rng_u64(&b));
    sim_rng_fini(&a);
    sim_rng_fini(&b);
    /* 20,000 stream names: all first draws distinct */
    enum { N = 20000 };
    static uint64_t first[N];
    for (size_t i = 0; i < N; i++) {
        char name[48];
        snprintf(name, sizeof(name), "instance[%zu].service_time", i);
        sim_rng r;
        sim_rng_init(&r, 1, name);
        first[i] = sim_rng_u64(&r);
        sim_rng_fini(&r);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            if (first[i] == first[j])
                fail_msg("streams %zu and %zu start identically", i, j);
}

static void test_uniform_ranges_and_views(void **state)
{
    sim_rng r;
    sim_rng_init(&r, 3, "uniform");
    double sum = 0;
    enum { N = 100000 };
    for (int i = 0; i < N; i++) {
        double u = sim_rng_uniform(&r), v = sim_rng_uniform_pos(&r);
        assert_true(u >= 0 && u < 1);
        assert_true(v > 0 && v < 1);
        sum += u;
        assert_true(sim_rng_below(&r, 10) < 10);
    }
    /* mean of U(0,1): sd of the mean is 1/sqrt(12 N) = 0.0009 */
    assert_true(sum / N > 0.5 - 0.004 && sum / N < 0.5 + 0.004);

    /* the ms_rng view draws from the same stream */
    sim_rng a, b;
    sim_rng_init(&a, 3, "view");
    sim_rng_init(&b, 3, "view");
    ms_rng v = sim_rng_view(&a);
    for (int i = 0; i < 10; i++)
        assert_int_equal(ms_rng_u64(&v), sim_rng_u64(&b));
    /* and so does the GSL handle */
    assert_int_equal(gsl_rng_get(sim_rng_gsl(&a)), sim_rng_u64(&b));
    assert_int_equal(gsl_rng_max(sim_rng_gsl(&a)), UINT64_MAX);
    assert_string_equal(gsl_rng_name(sim_rng_gsl(&a)), "xoshiro256++");
    /* gsl_rng_uniform_int relies on max/min being right */
    for (int i = 0; i < 1000; i++)
        assert_true(gsl_rng_uniform_int(sim_rng_gsl(&a), 7) < 7);
    sim_rng_fini(&r);
    sim_rng_fini(&a);
    sim_rng_fini(&b);
}

/* The first outputs are pinned: changing the generator or the seeding changes
 * every simulation result, and must be a deliberate decision. */
static void test_golden_values(void **state)
{
    sim_rng r;
    sim_rng_init_seed(&r, 0);
    uint64_t x0 = sim_rng_u64(&r);
    /* xoshiro256++ seeded with SplitMix64(0): computed independently below */
    uint64_t s[4], sm = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t z = (sm += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        s[i] = z ^ (z >> 31);
    }
    uint64_t t = s[0] + s[3];
    uint64_t want = ((t << 23) | (t >> 41)) + s[0];
    assert_int_equal(x0, want);
    sim_rng_fini(&r);
    sim_rng_init(&r, 1, "a");
    sim_rng t2;
    sim_rng_init_seed(&t2, ms_stream_seed(1, "a"));
    assert_int_equal(sim_rng_u64(&r), sim_rng_u64(&t2));
    sim_rng_fini(&r);
    sim_rng_fini(&t2);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_numbers),
        cmocka_unit_test(test_different_name_or_seed_differs),
        cmocka_unit_test(test_new_stream_does_not_shift_others),
        cmocka_unit_test(test_full_64bit_seed),
        cmocka_unit_test(test_uniform_ranges_and_views),
        cmocka_unit_test(test_golden_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
