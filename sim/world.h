/*
 * world.h - a simulation: clock, event queue and dispatch loop.
 *
 * A sim_world owns everything a run mutates in the engine; there is no global
 * state, so several worlds can live (and be stepped alternately) in one process
 * without disturbing each other.  Handlers run one at a time, in the total order
 * (time, seq) of sim/queue.h: equal times run in the order they were scheduled.
 * While a handler runs, sim_now() is its event's time.  Models keep their own
 * state; the engine only stores (handler, target, arg) per event (ROSS-style).
 *
 * Randomness is not drawn from the world: models own sim_rng streams seeded with
 * sim_world_seed() and a stable name (sim/rng.h), e.g. via sim_world_rng_init.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/queue.h" /* sim_world, sim_handler, sim_event_id */
#include "sim/rng.h"
#include "sim/time.h"

/* A new world at time 0 with run seed `seed`.  The caller owns it and frees it
 * with sim_world_destroy.  Never NULL (aborts when memory is exhausted). */
sim_world *sim_world_create(uint64_t seed);

/* Free the world; pending events are dropped without being called.  NULL ok.
 * Must not be called from a handler. */
void sim_world_destroy(sim_world *w);

uint64_t sim_world_seed(const sim_world *w);

/* Current simulated time. */
sim_time sim_now(const sim_world *w);

/* Schedule h(w, target, arg) at absolute time `at` (asserted >= sim_now).
 * Returns a handle for sim_cancel.  `target` is not owned. */
sim_event_id sim_schedule_at(sim_world *w, sim_time at, sim_handler h, void *target, uint64_t arg);

/* Schedule after `delay` >= 0 (asserted); now + delay saturates at
 * SIM_TIME_MAX ("never" unless the run reaches the end of time). */
sim_event_id sim_schedule_in(sim_world *w, sim_time delay, sim_handler h, void *target, uint64_t arg);

/* Cancel a pending event: true if it was pending, false otherwise (0, stale,
 * already dispatched or cancelled, or the event currently being dispatched).
 * Safe from handlers. */
bool sim_cancel(sim_world *w, sim_event_id id);

/* True while the event is pending. */
bool sim_is_pending(const sim_world *w, sim_event_id id);

/* Dispatch events in (time, seq) order while their time is <= end (asserted
 * >= now).  On return the clock is `end`, or the time of the event during which
 * sim_stop was called.  Exception: with end == SIM_TIME_MAX ("run until nothing
 * is left") the clock stays at the last dispatched event's time.  Must not be
 * called from a handler. */
void sim_run_until(sim_world *w, sim_time end);

/* Dispatch the single earliest pending event if its time is <= end; returns
 * false (clock unchanged) when there is none.  The clock moves to the event's
 * time, not to `end`.  Lets callers interleave worlds or trace step by step. */
bool sim_step(sim_world *w, sim_time end);

/* From a handler: make sim_run_until return once the current event is done.
 * Outside a run it has no effect (each sim_run_until starts unstopped). */
void sim_stop(sim_world *w);

/* Time of the earliest pending event, or SIM_TIME_MAX when none. */
sim_time sim_next_time(sim_world *w);

/* Events dispatched since creation. */
uint64_t sim_events_dispatched(const sim_world *w);

/* Live events pending (cancelled ones are not counted). */
size_t sim_events_pending(const sim_world *w);

/* Convenience: sim_rng_init(r, sim_world_seed(w), stream_name). */
void sim_world_rng_init(const sim_world *w, sim_rng *r, const char *stream_name);

#endif
