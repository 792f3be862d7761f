/*
 * station.c - multi-server FIFO station (see station.h).  The waiting line is
 * a growable ring buffer: no allocation once it has reached its peak length.
 */
#include "models/station.h"

#include <assert.h>
#include <stdlib.h>

#include "base/alloc.h"

void mdl_station_init(mdl_station *s, uint32_t servers, size_t queue_limit)
{
    assert(servers > 0);
    *s = (mdl_station){0};
    s->servers = servers;
    s->queue_limit = queue_limit;
}

void mdl_station_fini(mdl_station *s)
{
    free(s->_ring);
    s->_ring = NULL;
    s->_len = s->_cap = s->_head = 0;
}

static void ring_push(mdl_station *s, mdl_waiter wt)
{
    if (s->_len == s->_cap) {
        size_t ncap = s->_cap ? s->_cap * 2 : 16;
        mdl_waiter *n = ms_xmalloc(ncap * sizeof *n);
        for (size_t i = 0; i < s->_len; i++)
            n[i] = s->_ring[(s->_head + i) % s->_cap];
        free(s->_ring);
        s->_ring = n;
        s->_cap = ncap;
        s->_head = 0;
    }
    s->_ring[(s->_head + s->_len) % s->_cap] = wt;
    s->_len++;
}

static size_t jobs(const mdl_station *s) { return s->busy + s->_len; }

/* Close the occupancy segment that ends at `now` (the job count changes next). */
static void account(mdl_station *s, sim_time now)
{
    s->_area += (double)jobs(s) * (double)(now - s->_mark);
    s->_mark = now;
}

void mdl_station_window(mdl_station *s, sim_time now)
{
    s->_from = s->_mark = now;
    s->_area = 0;
    s->_arrivals = 0;
}

double mdl_station_mean_jobs(const mdl_station *s, sim_time now)
{
    if (now <= s->_from)
        return 0;
    double area = s->_area + (double)jobs(s) * (double)(now - s->_mark);
    return area / (double)(now - s->_from);
}

mdl_admit mdl_station_acquire(mdl_station *s, sim_world *w, sim_handler granted, void *target,
                              uint64_t arg)
{
    if (s->busy < s->servers) {
        account(s, sim_now(w));
        s->_arrivals++;
        s->busy++;
        sim_schedule_in(w, 0, granted, target, arg);
        return MDL_ADMIT_NOW;
    }
    if (s->_len >= s->queue_limit)
        return MDL_ADMIT_FULL;
    account(s, sim_now(w));
    s->_arrivals++;
    ring_push(s, (mdl_waiter){granted, target, arg});
    return MDL_ADMIT_QUEUED;
}

void mdl_station_release(mdl_station *s, sim_world *w)
{
    assert(s->busy > 0);
    account(s, sim_now(w));
    if (s->_len > 0) {
        mdl_waiter wt = s->_ring[s->_head];
        s->_head = (s->_head + 1) % s->_cap;
        s->_len--;
        sim_schedule_in(w, 0, wt.granted, wt.target, wt.arg);
        return; /* the server passes straight to the waiter */
    }
    s->busy--;
}
