/*
 * test_world.c - the dispatch loop: FIFO ties through the world API, clock
 * semantics of sim_run_until / sim_step / sim_stop, cancellation from handlers,
 * and independence of two worlds stepped alternately (style.md section 6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/world.h"

typedef struct trace {
    size_t n;
    struct {
        sim_time t;
        uint64_t arg;
    } e[4096];
} trace;

static void record(sim_world *w, void *target, uint64_t arg)
{
    trace *tr = target;
    assert_true(tr->n < 4096);
    tr->e[tr->n].t = sim_now(w);
    tr->e[tr->n].arg = arg;
    tr->n++;
}

static int setup(void **state)
{
    *state = sim_world_create(42);
    return 0;
}

static int teardown(void **state)
{
    sim_world_destroy(*state);
    return 0;
}

static void test_fifo_ties_and_order(void **state)
{
    sim_world *w = *state;
    static trace tr;
    memset(&tr, 0, sizeof(tr));
    sim_schedule_at(w, 30, record, &tr, 1);
    sim_schedule_at(w, 10, record, &tr, 2);
    sim_schedule_at(w, 30, record, &tr, 3);
    sim_schedule_in(w, 30, record, &tr, 4);
    sim_schedule_at(w, 20, record, &tr, 5);
    assert_int_equal(sim_events_pending(w), 5);
    sim_run_until(w, 100);
    assert_int_equal(tr.n, 5);
    static const uint64_t want[] = {2, 5, 1, 3, 4};
    static const sim_time want_t[] = {10, 20, 30, 30, 30};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(tr.e[i].arg, want[i]);
        assert_int_equal(tr.e[i].t, want_t[i]);
    }
    assert_int_equal(sim_now(w), 100);
    assert_int_equal(sim_events_dispatched(w), 5);
    assert_int_equal(sim_events_pending(w), 0);
}

/* A handler scheduling at the current time runs after the events already
 * scheduled for that time. */
typedef struct chain {
    trace tr;
    int spawned;
} chain;

static void spawn_now(sim_world *w, void *target, uint64_t arg)
{
    chain *c = target;
    record(w, &c->tr, arg);
    if (!c->spawned++)
        sim_schedule_in(w, 0, record, &c->tr, 99);
}

static void test_zero_delay_after_existing(void **state)
{
    sim_world *w = *state;
    static chain c;
    memset(&c, 0, sizeof(c));
    sim_schedule_at(w, 5, spawn_now, &c, 1);
    sim_schedule_at(w, 5, record, &c.tr, 2);
    sim_schedule_at(w, 6, record, &c.tr, 3);
    sim_run_until(w, SIM_TIME_MAX);
    assert_int_equal(c.tr.n, 4);
    assert_int_equal(c.tr.e[0].arg, 1);
    assert_int_equal(c.tr.e[1].arg, 2);
    assert_int_equal(c.tr.e[2].arg, 99);
    assert_int_equal(c.tr.e[2].t, 5);
    assert_int_equal(c.tr.e[3].arg, 3);
    assert_int_equal(sim_now(w), 6); /* SIM_TIME_MAX: the clock stays at the last event */
}

static void test_run_until_bounds(void **state)
{
    sim_world *w = *state;
    static trace tr;
    memset(&tr, 0, sizeof(tr));
    sim_schedule_at(w, 50, record, &tr, 1);
    sim_schedule_at(w, 51, record, &tr, 2);
    sim_run_until(w, 50); /* inclusive */
    assert_int_equal(tr.n, 1);
    assert_int_equal(sim_now(w), 50);
    assert_int_equal(sim_next_time(w), 51);
    sim_run_until(w, 50); /* nothing due: no-op */
    assert_int_equal(tr.n, 1);
    /* scheduling at now after a run that stopped short of the next event */
    sim_schedule_at(w, 50, record, &tr, 3);
    sim_run_until(w, 60);
    assert_int_equal(tr.n, 3);
    assert_int_equal(tr.e[1].arg, 3);
    assert_int_equal(tr.e[2].arg, 2);
    assert_int_equal(sim_now(w), 60);
    /* saturation: "never" */
    sim_schedule_in(w, SIM_TIME_MAX, record, &tr, 4);
    assert_int_equal(sim_next_time(w), SIM_TIME_MAX);
    sim_run_until(w, 1000 * SIM_S);
    assert_int_equal(tr.n, 3);
    assert_int_equal(sim_events_pending(w), 1);
}

typedef struct stopper {
    trace tr;
    sim_event_id victim;
    bool victim_cancelled, self_cancel;
} stopper;

static void stop_here(sim_world *w, void *target, uint64_t arg)
{
    stopper *s = target;
    record(w, &s->tr, arg);
    sim_stop(w);
}

static void cancel_other(sim_world *w, void *target, uint64_t arg)
{
    stopper *s = target;
    record(w, &s->tr, arg);
    s->victim_cancelled = sim_cancel(w, s->victim);
}

static void test_stop(void **state)
{
    sim_world *w = *state;
    static stopper s;
    memset(&s, 0, sizeof(s));
    sim_schedule_at(w, 10, record, &s.tr, 1);
    sim_schedule_at(w, 20, stop_here, &s, 2);
    sim_schedule_at(w, 20, record, &s.tr, 3); /* same time, after the stop */
    sim_schedule_at(w, 30, record, &s.tr, 4);
    sim_run_until(w, 100);
    assert_int_equal(s.tr.n, 2);
    assert_int_equal(sim_now(w), 20); /* clock at the stop time */
    sim_stop(w); /* outside a run: no effect */
    sim_run_until(w, 100);
    assert_int_equal(s.tr.n, 4);
    assert_int_equal(s.tr.e[2].arg, 3);
    assert_int_equal(sim_now(w), 100);
}

static void test_cancel_from_handler(void **state)
{
    sim_world *w = *state;
    static stopper s;
    memset(&s, 0, sizeof(s));
    sim_schedule_at(w, 10, cancel_other, &s, 1);
    s.victim = sim_schedule_at(w, 15, record, &s.tr, 2);
    sim_schedule_at(w, 20, record, &s.tr, 3);
    assert_true(sim_is_pending(w, s.victim));
    sim_run_until(w, 100);
    assert_true(s.victim_cancelled);
    assert_false(sim_is_pending(w, s.victim));
    assert_int_equal(s.tr.n, 2);
    assert_int_equal(s.tr.e[1].arg, 3);
    /* cancelling the event being dispatched, or a dispatched one, is false */
    s.victim_cancelled = true;
    s.victim = sim_schedule_at(w, 200, cancel_other, &s, 4);
    sim_run_until(w, 300);
    assert_false(s.victim_cancelled);
    assert_false(sim_cancel(w, s.victim));
}

/* A small stochastic model: entities with their own streams schedule each
 * other with random delays (ties included) and cancel at random. */
typedef struct model {
    sim_rng rng[3];
    sim_event_id last[3];
    uint64_t trace[3000][3];
    size_t n;
} model;

static void step_model(sim_world *w, void *target, uint64_t arg)
{
    model *m = target;
    if (m->n >= 3000)
        return;
    unsigned ent = (unsigned)(arg % 3);
    m->trace[m->n][0] = (uint64_t)sim_now(w);
    m->trace[m->n][1] = arg;
    m->trace[m->n][2] = sim_events_pending(w);
    m->n++;
    sim_rng *r = &m->rng[ent];
    sim_time d = (sim_time)sim_rng_below(r, 4) * 250;
    m->last[ent] = sim_schedule_in(w, d, step_model, m, arg + 3);
    if (sim_rng_below(r, 4) == 0)
        sim_schedule_in(w, (sim_time)sim_rng_below(r, 1000), step_model, m, sim_rng_u64(r) % 1000 * 3 + ent);
    if (sim_rng_below(r, 5) == 0)
        sim_cancel(w, m->last[sim_rng_below(r, 3)]);
}

static void model_init(model *m, sim_world *w)
{
    memset(m, 0, sizeof(*m));
    for (unsigned i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "entity[%u].delay", i);
        sim_world_rng_init(w, &m->rng[i], name);
        sim_schedule_at(w, 0, step_model, m, i);
    }
}

static void model_fini(model *m)
{
    for (unsigned i = 0; i < 3; i++)
        sim_rng_fini(&m->rng[i]);
}

static void test_two_worlds_alternating(void **state)
{
    static model alone_a, alone_b, alt_a, alt_b;
    sim_world *wa = sim_world_create(1), *wb = sim_world_create(2);
    model_init(&alone_a, wa);
    sim_run_until(wa, SIM_TIME_MAX);
    model_init(&alone_b, wb);
    sim_run_until(wb, SIM_TIME_MAX);
    sim_world_destroy(wa);
    sim_world_destroy(wb);
    assert_int_equal(alone_a.n, 3000);
    assert_int_equal(alone_b.n, 3000);
    assert_memory_not_equal(alone_a.trace, alone_b.trace, sizeof(alone_a.trace));

    wa = sim_world_create(1);
    wb = sim_world_create(2);
    model_init(&alt_a, wa);
    model_init(&alt_b, wb);
    bool more_a = true, more_b = true;
    while (more_a || more_b) {
        if (more_a)
            more_a = sim_step(wa, SIM_TIME_MAX);
        if (more_b)
            more_b = sim_step(wb, SIM_TIME_MAX);
    }
    assert_memory_equal(alone_a.trace, alt_a.trace, sizeof(alone_a.trace));
    assert_memory_equal(alone_b.trace, alt_b.trace, sizeof(alone_b.trace));
    assert_int_equal(sim_world_seed(wa), 1);
    sim_world_destroy(wa);
    sim_world_destroy(wb);
    model_fini(&alone_a);
    model_fini(&alone_b);
    model_fini(&alt_a);
    model_fini(&alt_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fifo_ties_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_delay_after_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_until_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_from_handler, setup, teardown),
        cmocka_unit_test(test_two_worlds_alternating),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
