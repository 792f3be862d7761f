/*
 * queue.h - the pending-event set of the engine, usable on its own (benchmarks).
 *
 * Order: events come out in the total order (time, seq), seq being the push
 * order: equal times are FIFO and no order ever depends on an address.
 *
 * Monotone: like every discrete-event simulation, the queue never receives an
 * event earlier than the last one it returned (asserted: push time >= the time
 * of the last pop).  This lets it be a radix heap (Ahuja, Mehlhorn, Orlin &
 * Tarjan 1990) on the integer nanosecond time: 64 FIFO buckets, bucket k holding
 * events whose time first differs from the last popped time at bit k-1.  Push is
 * O(1) (one xor, one count-leading-zeros, one append); pop takes bucket 0 in
 * FIFO order, and when it is empty redistributes the lowest non-empty bucket
 * around its minimum; an event moves down at most 64 times, in practice about
 * log2(its delay / mean gap) times, by sequential copies.  Bucket order keeps
 * push order, so no sequence number needs storing.
 *
 * Each event's payload (handler, target, arg) lives inline in a slot of a slab;
 * buckets hold 16-byte (time, slot) entries.  All storage grows geometrically
 * and is recycled (free list of slots, bucket arrays keep their capacity), so a
 * queue in steady state never allocates.
 *
 * Events are referred to by handle (sim_event_id = generation << 32 | slot),
 * never by pointer.  Cancelling only marks the slot; the entry is dropped when
 * a pop or a redistribution meets it, or by a compaction pass once dead entries
 * outnumber live ones (bounded memory for models that cancel most of their
 * timeouts).  An id is stale once its event was dispatched or cancelled; stale
 * ids are always safe to cancel (they return false).  Generations are 32-bit: an
 * id could alias a new event only after 2^32 reuses of one slot.
 *
 * Not thread-safe; one queue belongs to one world (or one benchmark).
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/time.h"

typedef struct sim_world sim_world;

/* An event handler: called once, at the event's time, with the clock set to it.
 * `target` and `arg` are the values given at scheduling; the engine never
 * dereferences `target`. */
typedef void (*sim_handler)(sim_world *w, void *target, uint64_t arg);

/* Handle of a scheduled event: generation << 32 | slot.  0 is never valid. */
typedef uint64_t sim_event_id;

/* A dispatched event, as returned by sim_queue_pop. */
typedef struct sim_event {
    sim_time time;
    sim_handler handler;
    void *target;
    uint64_t arg;
    sim_event_id id; /* already stale when returned */
} sim_event;

#define SIM__QUEUE_BUCKETS 64

struct sim__qent;  /* bucket entry: time, slot */
struct sim__qslot; /* payload, generation, free-list link */

struct sim__qbucket {
    struct sim__qent *_e;
    uint32_t _len, _cap;
};

/* Caller-embeddable (the world embeds one).  All fields are private. */
typedef struct sim_queue {
    sim_time _last;         /* time of the last pop (0 before any) */
    uint64_t _mask;         /* bit k set: bucket k may be non-empty */
    uint32_t _head0;        /* next entry of bucket 0 (FIFO) */
    size_t _nent, _ndead;   /* entries in buckets; of which cancelled */
    struct sim__qslot *_slots;
    uint32_t _nslots, _slot_cap, _free;
    struct sim__qbucket _b[SIM__QUEUE_BUCKETS];
} sim_queue;

/* Initialise an empty queue in caller storage; allocates nothing yet. */
void sim_queue_init(sim_queue *q);

/* Free the queue's storage.  Pending events are dropped without being called. */
void sim_queue_fini(sim_queue *q);

/* Add an event at time `at` (>= the time of the last pop, asserted).  Returns its handle (never 0).  The queue
 * does not own `target`.  Aborts only if memory is exhausted. */
sim_event_id sim_queue_push(sim_queue *q, sim_time at, sim_handler h, void *target, uint64_t arg);

/* Remove the earliest live event into *out and return true; false when no live
 * event is pending (out untouched).  The event's id is stale afterwards. */
bool sim_queue_pop(sim_queue *q, sim_event *out);

/* Like sim_queue_pop, but only if the earliest live event's time is <= limit;
 * otherwise false and nothing is removed. */
bool sim_queue_pop_until(sim_queue *q, sim_time limit, sim_event *out);

/* Time of the earliest live event, or SIM_TIME_MAX when none.  Drops dead
 * entries it meets, hence not const.  O(1) when an event is due at the last
 * popped time, else one scan of the lowest non-empty bucket (not cached: call
 * it once per step, not in a loop). */
sim_time sim_queue_peek_time(sim_queue *q);

/* Cancel a pending event: true if it was pending (it will never be returned),
 * false if the id is 0, stale, already dispatched or already cancelled. */
bool sim_queue_cancel(sim_queue *q, sim_event_id id);

/* True while the event is pending (neither dispatched nor cancelled). */
bool sim_queue_is_pending(const sim_queue *q, sim_event_id id);

/* Number of live pending events. */
size_t sim_queue_size(const sim_queue *q);

/* Drop every pending event (handlers not called); keeps the storage.  All ids
 * issued before become stale. */
void sim_queue_clear(sim_queue *q);

#endif
