/*
 * world.c - a simulation world: the clock, the pending-event queue and the
 * dispatch loop (see world.h for the contract).
 *
 * Invariants
 *   - now only moves forward, and only to the time of the event being
 *     dispatched or to the `end` of sim_run_until;
 *   - every pending event has time >= now (schedule asserts it), so the queue's
 *     (time, seq) order is the dispatch order;
 *   - the world holds no pointer into the queue across a handler call: a
 *     handler may schedule and cancel freely, even its own (already stale) id.
 * Everything lives in the struct; nothing is static, so worlds are independent.
 */
#include "sim/world.h"

#include <assert.h>
#include <stdlib.h>

#include "base/alloc.h"

struct sim_world {
    sim_queue queue;     /* first: hot in the dispatch loop */
    sim_time now;
    uint64_t dispatched;
    bool stopped;        /* set by sim_stop during a run */
    bool running;        /* inside sim_run_until / sim_step */
    uint64_t seed;
};

sim_world *sim_world_create(uint64_t seed)
{
    sim_world *w = ms_xcalloc(1, sizeof(*w));
    sim_queue_init(&w->queue);
    w->seed = seed;
    return w;
}

void sim_world_destroy(sim_world *w)
{
    if (!w)
        return;
    assert(!w->running && "sim_world_destroy from a handler");
    sim_queue_fini(&w->queue);
    free(w);
}

uint64_t sim_world_seed(const sim_world *w)
{
    return w->seed;
}

sim_time sim_now(const sim_world *w)
{
    return w->now;
}

sim_event_id sim_schedule_at(sim_world *w, sim_time at, sim_handler h, void *target, uint64_t arg)
{
    assert(at >= w->now && "scheduling in the past");
    assert(h != NULL);
    return sim_queue_push(&w->queue, at, h, target, arg);
}

sim_event_id sim_schedule_in(sim_world *w, sim_time delay, sim_handler h, void *target, uint64_t arg)
{
    assert(delay >= 0 && "negative delay");
    sim_time at = delay > SIM_TIME_MAX - w->now ? SIM_TIME_MAX : w->now + delay;
    assert(h != NULL);
    return sim_queue_push(&w->queue, at, h, target, arg);
}

bool sim_cancel(sim_world *w, sim_event_id id)
{
    return sim_queue_cancel(&w->queue, id);
}

bool sim_is_pending(const sim_world *w, sim_event_id id)
{
    return sim_queue_is_pending(&w->queue, id);
}

void sim_run_until(sim_world *w, sim_time end)
{
    assert(end >= w->now && "sim_run_until into the past");
    assert(!w->running && "sim_run_until from a handler");
    w->running = true;
    w->stopped = false;
    sim_event ev;
    while (sim_queue_pop_until(&w->queue, end, &ev)) {
        w->now = ev.time;
        w->dispatched++;
        ev.handler(w, ev.target, ev.arg);
        if (w->stopped)
            break;
    }
    if (!w->stopped && end != SIM_TIME_MAX)
        w->now = end;
    w->stopped = false;
    w->running = false;
}

bool sim_step(sim_world *w, sim_time end)
{
    assert(!w->running && "sim_step from a handler");
    sim_event ev;
    if (!sim_queue_pop_until(&w->queue, end, &ev))
        return false;
    w->running = true;
    w->now = ev.time;
    w->dispatched++;
    ev.handler(w, ev.target, ev.arg);
    w->stopped = false;
    w->running = false;
    return true;
}

void sim_stop(sim_world *w)
{
    if (w->running)
        w->stopped = true;
}

sim_time sim_next_time(sim_world *w)
{
    return sim_queue_peek_time(&w->queue);
}

uint64_t sim_events_dispatched(const sim_world *w)
{
    return w->dispatched;
}

size_t sim_events_pending(const sim_world *w)
{
    return sim_queue_size(&w->queue);
}

void sim_world_rng_init(const sim_world *w, sim_rng *r, const char *stream_name)
{
    sim_rng_init(r, w->seed, stream_name);
}
