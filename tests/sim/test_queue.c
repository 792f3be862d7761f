/*
 * test_queue.c - the event set alone: (time, push order) total order, FIFO ties,
 * cancellation (pending, dispatched, stale after slot reuse), compaction,
 * clear, and the monotone use a simulation makes of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/rng.h"
#include "sim/queue.h"

static void h1(sim_world *w, void *target, uint64_t arg) {}
static void h2(sim_world *w, void *target, uint64_t arg) {}

static int setup(void **state)
{
    sim_queue *q = malloc(sizeof(*q));
    sim_queue_init(q);
    *state = q;
    return 0;
}

static int teardown(void **state)
{
    sim_queue_fini(*state);
    free(*state);
    return 0;
}

static void test_equal_times_fifo(void **state)
{
    sim_queue *q = *state;
    for (uint64_t i = 0; i < 1000; i++)
        sim_queue_push(q, 50, h1, NULL, i);
    sim_queue_push(q, 10, h2, NULL, 7777);
    sim_event ev;
    assert_true(sim_queue_pop(q, &ev));
    assert_int_equal(ev.time, 10);
    assert_int_equal(ev.arg, 7777);
    assert_ptr_equal(ev.handler, h2);
    for (uint64_t i = 0; i < 1000; i++) {
        assert_true(sim_queue_pop(q, &ev));
        assert_int_equal(ev.time, 50);
        assert_int_equal(ev.arg, i);
        if (i % 3 == 0) /* pushes at the current time go after the earlier ones */
            sim_queue_push(q, 50, h1, NULL, 1000000 + i);
    }
    for (uint64_t i = 0; i < 1000; i += 3) {
        assert_true(sim_queue_pop(q, &ev));
        assert_int_equal(ev.arg, 1000000 + i);
    }
    assert_false(sim_queue_pop(q, &ev));
    assert_int_equal(sim_queue_size(q), 0);
}

/* Random monotone workload against a reference: each pop must return the
 * pending event with the smallest (time, push index). */
typedef struct ref_ev {
    sim_time time;
    uint64_t seq;
    sim_event_id id;
    int live;
} ref_ev;

static void test_total_order_random(void **state)
{
    sim_queue *q = *state;
    enum { N = 20000 };
    ref_ev *ref = calloc(N, sizeof(*ref));
    size_t nref = 0;
    ms_splitmix g = {12345};
    ms_rng r = ms_splitmix_rng(&g);
    sim_time now = 0;
    size_t popped = 0, cancelled = 0;
    while (nref < N || sim_queue_size(q) > 0) {
        uint64_t op = ms_rng_below(&r, 10);
        if (op < 5 && nref < N) {
            /* delays over many scales, with many ties */
            uint64_t scale = ms_rng_below(&r, 4);
            sim_time d = (sim_time)ms_rng_below(&r, scale == 0 ? 3 : scale == 1 ? 100 : scale == 2 ? 100000 : 1ull << 40);
            ref[nref] = (ref_ev){now + d, nref, 0, 1};
            ref[nref].id = sim_queue_push(q, now + d, h1, &ref[nref], nref);
            nref++;
        } else if (op < 6 && nref > 0) {
            size_t k = (size_t)ms_rng_below(&r, nref);
            bool was = ref[k].live;
            assert_int_equal(sim_queue_cancel(q, ref[k].id), was);
            assert_false(sim_queue_is_pending(q, ref[k].id));
            if (was)
                cancelled++;
            ref[k].live = 0;
        } else {
            sim_event ev;
            size_t best = SIZE_MAX;
            for (size_t k = 0; k < nref; k++)
                if (ref[k].live && (best == SIZE_MAX || ref[k].time < ref[best].time))
                    best = k; /* first minimum = smallest seq */
            bool got = sim_queue_pop(q, &ev);
            assert_int_equal(got, best != SIZE_MAX);
            if (!got)
                continue;
            assert_int_equal(ev.arg, best);
            assert_int_equal(ev.time, ref[best].time);
            assert_ptr_equal(ev.target, &ref[best]);
            assert_int_equal(ev.id, ref[best].id);
            ref[best].live = 0;
            now = ev.time;
            popped++;
        }
        size_t live = 0;
        if (nref % 997 == 0) {
            for (size_t k = 0; k < nref; k++)
                live += ref[k].live;
            assert_int_equal(sim_queue_size(q), live);
        }
    }
    assert_int_equal(popped + cancelled, N);
    free(ref);
}

static void test_cancel(void **state)
{
    sim_queue *q = *state;
    sim_event_id a = sim_queue_push(q, 5, h1, NULL, 1);
    sim_event_id b = sim_queue_push(q, 6, h1, NULL, 2);
    assert_int_not_equal(a, 0);
    assert_int_not_equal(a, b);
    assert_false(sim_queue_cancel(q, 0));
    assert_true(sim_queue_is_pending(q, a));
    assert_true(sim_queue_cancel(q, a));      /* pending */
    assert_false(sim_queue_cancel(q, a));     /* twice */
    assert_int_equal(sim_queue_size(q), 1);
    sim_event ev;
    assert_true(sim_queue_pop(q, &ev));
    assert_int_equal(ev.arg, 2);
    assert_int_equal(ev.id, b);
    assert_false(sim_queue_cancel(q, b));     /* already dispatched */
    assert_false(sim_queue_pop(q, &ev));
    /* the freed slots are reused: old ids must stay stale */
    sim_event_id c = sim_queue_push(q, 7, h1, NULL, 3);
    sim_event_id d = sim_queue_push(q, 8, h1, NULL, 4);
    assert_true((uint32_t)c == (uint32_t)a || (uint32_t)c == (uint32_t)b);
    assert_int_not_equal(c, a);
    assert_int_not_equal(c, b);
    assert_false(sim_queue_cancel(q, a));
    assert_false(sim_queue_cancel(q, b));
    assert_false(sim_queue_is_pending(q, a));
    assert_true(sim_queue_is_pending(q, c));
    assert_true(sim_queue_is_pending(q, d));
    assert_false(sim_queue_cancel(q, (sim_event_id)1 << 32 | 999999)); /* never issued */
    assert_int_equal(sim_queue_size(q), 2);
}

/* Cancelling most events triggers compaction; the survivors keep their order. */
static void test_cancel_heavy_compacts(void **state)
{
    sim_queue *q = *state;
    enum { N = 100000 };
    sim_event_id *ids = malloc(N * sizeof(*ids));
    for (uint64_t i = 0; i < N; i++)
        ids[i] = sim_queue_push(q, (sim_time)(i % 1000) * 1000, h1, NULL, i);
    for (uint64_t i = 0; i < N; i++)
        if (i % 10 != 0)
            assert_true(sim_queue_cancel(q, ids[i]));
    assert_int_equal(sim_queue_size(q), N / 10);
    assert_true(q->_nent < N / 2); /* dead entries were reclaimed */
    sim_event ev;
    sim_time last = -1;
    uint64_t last_arg = 0, n = 0;
    while (sim_queue_pop(q, &ev)) {
        assert_int_equal(ev.arg % 10, 0);
        assert_true(ev.time > last || (ev.time == last && ev.arg > last_arg));
        last = ev.time;
        last_arg = ev.arg;
        n++;
    }
    assert_int_equal(n, N / 10);
    free(ids);
}

static void test_pop_until_and_peek(void **state)
{
    sim_queue *q = *state;
    assert_int_equal(sim_queue_peek_time(q), SIM_TIME_MAX);
    sim_queue_push(q, 100, h1, NULL, 1);
    sim_event_id x = sim_queue_push(q, 40, h1, NULL, 2);
    assert_int_equal(sim_queue_peek_time(q), 40);
    assert_true(sim_queue_cancel(q, x));
    assert_int_equal(sim_queue_peek_time(q), 100);
    sim_event ev;
    assert_false(sim_queue_pop_until(q, 99, &ev));
    /* an event earlier than the one left is still accepted after a failed pop */
    sim_queue_push(q, 60, h1, NULL, 3);
    assert_true(sim_queue_pop_until(q, 99, &ev));
    assert_int_equal(ev.arg, 3);
    assert_true(sim_queue_pop_until(q, 100, &ev));
    assert_int_equal(ev.arg, 1);
    sim_queue_push(q, SIM_TIME_MAX, h1, NULL, 4);
    assert_int_equal(sim_queue_peek_time(q), SIM_TIME_MAX);
    assert_int_equal(sim_queue_size(q), 1);
    assert_true(sim_queue_pop(q, &ev));
    assert_int_equal(ev.time, SIM_TIME_MAX);
}

static void test_clear(void **state)
{
    sim_queue *q = *state;
    sim_event_id a = sim_queue_push(q, 3, h1, NULL, 1);
    sim_queue_push(q, 3000, h1, NULL, 2);
    sim_queue_clear(q);
    assert_int_equal(sim_queue_size(q), 0);
    assert_false(sim_queue_is_pending(q, a));
    assert_false(sim_queue_cancel(q, a));
    sim_event ev;
    assert_false(sim_queue_pop(q, &ev));
    sim_queue_push(q, 5, h2, NULL, 9);
    assert_true(sim_queue_pop(q, &ev));
    assert_int_equal(ev.arg, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_equal_times_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_total_order_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_heavy_compacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pop_until_and_peek, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
