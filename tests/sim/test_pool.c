/*
 * test_pool.c - the fixed-size object pool: alignment, LIFO reuse of freed
 * objects, live counts, growth by chunks, and no overlap between objects.
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/pool.h"

typedef struct req {
    uint64_t id;
    char payload[40];
} req;

static void test_alloc_free_reuse(void **state)
{
    sim_pool p;
    sim_pool_init(&p, sizeof(req), 8);
    assert_int_equal(sim_pool_live(&p), 0);
    assert_int_equal(sim_pool_capacity(&p), 0);
    req *r[20];
    for (int i = 0; i < 20; i++) {
        r[i] = sim_pool_alloc(&p);
        assert_int_equal((uintptr_t)r[i] % alignof(max_align_t), 0);
        r[i]->id = (uint64_t)i;
        memset(r[i]->payload, i, sizeof(r[i]->payload));
    }
    assert_int_equal(sim_pool_live(&p), 20);
    assert_int_equal(sim_pool_capacity(&p), 24); /* 3 chunks of 8 */
    for (int i = 0; i < 20; i++) { /* no object overlaps another */
        assert_int_equal(r[i]->id, (uint64_t)i);
        for (size_t k = 0; k < sizeof(r[i]->payload); k++)
            assert_int_equal(r[i]->payload[k], i);
    }
    sim_pool_free(&p, r[3]);
    sim_pool_free(&p, r[7]);
    sim_pool_free(&p, NULL);
    assert_int_equal(sim_pool_live(&p), 18);
    /* LIFO: the last freed comes back first, and no new chunk is needed */
    assert_ptr_equal(sim_pool_alloc(&p), r[7]);
    assert_ptr_equal(sim_pool_alloc(&p), r[3]);
    assert_int_equal(sim_pool_capacity(&p), 24);
    assert_int_equal(sim_pool_live(&p), 20);
    for (int i = 0; i < 20; i++)
        sim_pool_free(&p, r[i]);
    assert_int_equal(sim_pool_live(&p), 0);
    /* steady state: alloc/free cycles never grow the pool */
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 20; i++)
            r[i] = sim_pool_alloc(&p);
        for (int i = 0; i < 20; i++)
            sim_pool_free(&p, r[i]);
    }
    assert_int_equal(sim_pool_capacity(&p), 24);
    sim_pool_fini(&p);
    sim_pool_fini(&p); /* idempotent */
}

static void test_tiny_objects(void **state)
{
    sim_pool p;
    sim_pool_init(&p, 1, 1000);
    char *a = sim_pool_alloc(&p), *b = sim_pool_alloc(&p);
    assert_true(b - a >= (ptrdiff_t)sizeof(void *));
    *a = 'x';
    *b = 'y';
    assert_int_equal(*a, 'x');
    sim_pool_free(&p, a);
    sim_pool_free(&p, b);
    assert_int_equal(sim_pool_live(&p), 0);
    sim_pool_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_free_reuse),
        cmocka_unit_test(test_tiny_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
