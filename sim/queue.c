/*
 * queue.c - the pending-event set: a FIFO-stable radix heap over a slab of
 * event slots (see queue.h for the contract).
 *
 * Structure
 *   _last            time of the last pop; every entry has time >= _last.
 *   _b[k], k = 0..63 bucket k holds the entries whose time t satisfies
 *                    bucket(t) = k, where bucket(t) = 0 if t == _last, else
 *                    64 - clz(t ^ _last): the 1-based position of the highest
 *                    bit where t and _last differ (<= 63 since times are >= 0).
 *                    Bucket 0 is consumed FIFO from _head0.
 *   _mask            bit k is set when bucket k may hold entries (a superset).
 *   _slots           payload + generation.  A slot is
 *                      live:  handler != NULL, exactly one entry in a bucket;
 *                      dead:  handler == NULL, exactly one entry (cancelled);
 *                      free:  handler == NULL, no entry, on the _free list.
 *                    _ndead counts dead slots, _nent all entries.  A slot's
 *                    generation changes when it becomes free, which makes
 *                    every id issued for it stale.
 *
 * Why entries stay correctly bucketed when _last grows: _last only moves to the
 * minimum m of the lowest non-empty bucket i, which is then redistributed.  m
 * and the old _last agree on every bit above bit i-1, so an entry of any bucket
 * j > i still first differs from m at bit j-1: it stays in bucket j.
 *
 * Why equal times pop in push (FIFO) order: bucket(t) is a function of t and
 * _last, and by the previous paragraph entries of equal time always share a
 * bucket.  Within a bucket, entries appear in push order: a push appends (and is
 * later than everything already queued), and a redistribution copies bucket i,
 * in order, into buckets below i, which are all empty at that moment.
 *
 * Costs: push O(1).  Pop O(1) from bucket 0; otherwise one scan of bucket i for
 * its minimum plus its redistribution, paid for by the entries moving to lower
 * buckets (each entry moves at most 63 times; typically ~log2 of its delay over
 * the mean gap between events).  All copies are sequential; the only random
 * access per event is its slot.  The free list is LIFO, so a handler's next
 * schedule reuses the slot its own dispatch just freed (still in cache).
 *
 * Dead entries are dropped when pops or scans meet them, or all at once by
 * compact() when they are more than half of all entries (amortised O(1) per
 * cancel, bounded memory for cancel-heavy models such as request timeouts).
 */
#include "sim/queue.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define NO_SLOT UINT32_MAX
#define MAX_SLOTS (UINT32_MAX - 1)
#define COMPACT_MIN 64    /* do not bother compacting tiny queues */

struct sim__qent {
    sim_time time;
    uint32_t slot;
    uint32_t _pad;
};

struct sim__qslot {
    sim_handler handler; /* NULL when dead or free */
    void *target;
    uint64_t arg;
    uint32_t gen;        /* generation of the current (or next) id, never 0 */
    uint32_t next;       /* free-list link when free */
};

typedef struct sim__qent qent;
typedef struct sim__qslot qslot;
typedef struct sim__qbucket qbucket;

static inline sim_event_id make_id(uint32_t gen, uint32_t slot)
{
    return (uint64_t)gen << 32 | slot;
}

static inline unsigned bucket_of(sim_time t, sim_time last)
{
    uint64_t x = (uint64_t)t ^ (uint64_t)last;
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

static void bucket_grow(qbucket *b)
{
    uint32_t cap = b->_cap ? b->_cap * 2 : 16;
    assert(cap > b->_cap && "bucket overflow");
    b->_e = ms_xrealloc(b->_e, (size_t)cap * sizeof(qent));
    b->_cap = cap;
}

static inline void bucket_append(sim_queue *q, unsigned k, qent e)
{
    qbucket *b = &q->_b[k];
    if (b->_len == b->_cap)
        bucket_grow(b);
    b->_e[b->_len++] = e;
    q->_mask |= UINT64_C(1) << k;
}

void sim_queue_init(sim_queue *q)
{
    memset(q, 0, sizeof(*q));
    q->_free = NO_SLOT;
}

void sim_queue_fini(sim_queue *q)
{
    for (unsigned k = 0; k < SIM__QUEUE_BUCKETS; k++)
        free(q->_b[k]._e);
    free(q->_slots);
    sim_queue_init(q);
}

static inline void slot_release(sim_queue *q, uint32_t s)
{
    qslot *sl = &q->_slots[s];
    sl->handler = NULL;
    sl->gen = sl->gen + 1 ? sl->gen + 1 : 1; /* never 0, so no id is 0 */
    sl->next = q->_free;
    q->_free = s;
}

static uint32_t slot_take(sim_queue *q)
{
    uint32_t s = q->_free;
    if (s != NO_SLOT) {
        q->_free = q->_slots[s].next;
        return s;
    }
    if (q->_nslots == q->_slot_cap) {
        assert(q->_nslots < MAX_SLOTS && "too many pending events");
        uint32_t cap = q->_slot_cap ? q->_slot_cap * 2 : 64;
        if (cap < q->_slot_cap || cap > MAX_SLOTS)
            cap = MAX_SLOTS;
        q->_slots = ms_xrealloc(q->_slots, (size_t)cap * sizeof(qslot));
        q->_slot_cap = cap;
    }
    s = q->_nslots++;
    q->_slots[s].gen = 1;
    return s;
}

/* Drop every dead entry (freeing its slot), keeping the order of the rest. */
static void compact(sim_queue *q)
{
    for (unsigned k = 0; k < SIM__QUEUE_BUCKETS; k++) {
        qbucket *b = &q->_b[k];
        uint32_t from = k == 0 ? q->_head0 : 0, n = 0;
        for (uint32_t i = from; i < b->_len; i++) {
            if (q->_slots[b->_e[i].slot].handler)
                b->_e[n++] = b->_e[i];
            else
                slot_release(q, b->_e[i].slot);
        }
        b->_len = n;
        if (n == 0)
            q->_mask &= ~(UINT64_C(1) << k);
    }
    q->_head0 = 0;
    q->_nent -= q->_ndead;
    q->_ndead = 0;
}

sim_event_id sim_queue_push(sim_queue *q, sim_time at, sim_handler h, void *target, uint64_t arg)
{
    assert(at >= q->_last && "event earlier than the last one popped");
    assert(h != NULL);
    uint32_t s = slot_take(q);
    qslot *sl = &q->_slots[s];
    sl->handler = h;
    sl->target = target;
    sl->arg = arg;
    qent e = {at, s, 0};
    bucket_append(q, bucket_of(at, q->_last), e);
    q->_nent++;
    return make_id(sl->gen, s);
}

/* Bucket 0 is exhausted: find the lowest bucket with a live entry, drop its
 * dead entries and return its minimum time (bucket index in *k), or
 * SIM_TIME_MAX (and *k = 0) when no live entry is left.  Changes no order. */
static sim_time lowest_min(sim_queue *q, unsigned *k)
{
    qbucket *b0 = &q->_b[0];
    b0->_len = 0;
    q->_head0 = 0;
    q->_mask &= ~UINT64_C(1);
    while (q->_mask) {
        unsigned i = (unsigned)__builtin_ctzll(q->_mask);
        qbucket *b = &q->_b[i];
        sim_time m = SIM_TIME_MAX;
        uint32_t n = 0;
        for (uint32_t j = 0; j < b->_len; j++) {
            qent e = b->_e[j];
            if (q->_slots[e.slot].handler) {
                b->_e[n++] = e;
                if (e.time < m)
                    m = e.time;
            } else {
                slot_release(q, e.slot);
                q->_ndead--;
                q->_nent--;
            }
        }
        b->_len = n;
        if (n) {
            *k = i;
            return m;
        }
        q->_mask &= ~(UINT64_C(1) << i);
    }
    *k = 0;
    return SIM_TIME_MAX;
}

/* Move _last to m, the minimum of bucket i, and spread bucket i below it. */
static void redistribute(sim_queue *q, unsigned i, sim_time m)
{
    qbucket *b = &q->_b[i];
    q->_last = m;
    for (uint32_t j = 0; j < b->_len; j++) {
        qent e = b->_e[j];
        unsigned k = bucket_of(e.time, m);
        assert(k < i);
        bucket_append(q, k, e);
    }
    b->_len = 0;
    q->_mask &= ~(UINT64_C(1) << i);
}

bool sim_queue_pop_until(sim_queue *q, sim_time limit, sim_event *out)
{
    qbucket *b0 = &q->_b[0];
    for (;;) {
        while (q->_head0 < b0->_len) {
            qent e = b0->_e[q->_head0];
            qslot *sl = &q->_slots[e.slot];
            if (!sl->handler) {
                q->_head0++;
                q->_nent--;
                q->_ndead--;
                slot_release(q, e.slot);
                continue;
            }
            if (e.time > limit)
                return false;
            q->_head0++;
            q->_nent--;
            out->time = e.time;
            out->handler = sl->handler;
            out->target = sl->target;
            out->arg = sl->arg;
            out->id = make_id(sl->gen, e.slot);
            slot_release(q, e.slot);
            return true;
        }
        unsigned i;
        sim_time m = lowest_min(q, &i);
        if (m == SIM_TIME_MAX && i == 0)
            return false;
        if (m > limit)
            return false;
        redistribute(q, i, m);
    }
}

bool sim_queue_pop(sim_queue *q, sim_event *out)
{
    return sim_queue_pop_until(q, SIM_TIME_MAX, out);
}

sim_time sim_queue_peek_time(sim_queue *q)
{
    qbucket *b0 = &q->_b[0];
    while (q->_head0 < b0->_len) {
        qent e = b0->_e[q->_head0];
        if (q->_slots[e.slot].handler)
            return e.time;
        q->_head0++;
        q->_nent--;
        q->_ndead--;
        slot_release(q, e.slot);
    }
    unsigned i;
    return lowest_min(q, &i);
}

static qslot *live_slot(const sim_queue *q, sim_event_id id)
{
    uint32_t s = (uint32_t)id, gen = (uint32_t)(id >> 32);
    if (s >= q->_nslots)
        return NULL;
    qslot *sl = &q->_slots[s];
    return sl->gen == gen && sl->handler ? sl : NULL;
}

bool sim_queue_cancel(sim_queue *q, sim_event_id id)
{
    qslot *sl = live_slot(q, id);
    if (!sl)
        return false;
    sl->handler = NULL;
    q->_ndead++;
    if (q->_ndead > COMPACT_MIN && q->_ndead * 2 > q->_nent)
        compact(q);
    return true;
}

bool sim_queue_is_pending(const sim_queue *q, sim_event_id id)
{
    return live_slot(q, id) != NULL;
}

size_t sim_queue_size(const sim_queue *q)
{
    return q->_nent - q->_ndead;
}

void sim_queue_clear(sim_queue *q)
{
    for (unsigned k = 0; k < SIM__QUEUE_BUCKETS; k++) {
        qbucket *b = &q->_b[k];
        for (uint32_t j = k == 0 ? q->_head0 : 0; j < b->_len; j++)
            slot_release(q, b->_e[j].slot);
        b->_len = 0;
    }
    q->_head0 = 0;
    q->_mask = 0;
    q->_nent = q->_ndead = 0;
}
