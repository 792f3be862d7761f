/*
 * station.h - a multi-server FIFO service station: c servers, a waiting line
 * with an optional limit.
 *
 * Sidecar and gateway worker threads, and an application's concurrency slots,
 * are all stations.  A job asks for a server with mdl_station_acquire(); when it
 * gets one (at once or later, in arrival order) its `granted` handler is
 * scheduled at the current time; it gives the server back with
 * mdl_station_release().  The station never calls the handler directly, so
 * there is no re-entrancy.  Invariants: busy <= servers; the line is non-empty
 * only when busy == servers.
 *
 * The station also integrates the number of jobs it holds (in service plus
 * waiting) over simulated time, from the start of a measurement window, so that
 * its time-average occupancy L can be set against Little's law L = lambda W.
 */
#ifndef MDL_STATION_H
#define MDL_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "sim/world.h"

typedef struct mdl_waiter {
    sim_handler granted;
    void *target;
    uint64_t arg;
} mdl_waiter;

typedef struct mdl_station {
    uint32_t servers;
    uint32_t busy;
    size_t queue_limit; /* waiting jobs allowed; SIZE_MAX for no limit */
    mdl_waiter *_ring;  /* owned */
    size_t _head, _len, _cap;
    /* occupancy accounting over the window [_from, now] */
    sim_time _from, _mark; /* window start; last change of the job count */
    double _area;          /* integral of the job count over [_from, _mark], job-ns */
    uint64_t _arrivals;    /* jobs admitted (now or queued) since _from */
} mdl_station;

void mdl_station_init(mdl_station *s, uint32_t servers, size_t queue_limit);
void mdl_station_fini(mdl_station *s);

typedef enum mdl_admit {
    MDL_ADMIT_NOW,    /* granted handler scheduled at the current time */
    MDL_ADMIT_QUEUED, /* waiting; granted later in FIFO order */
    MDL_ADMIT_FULL,   /* line full: nothing scheduled */
} mdl_admit;

mdl_admit mdl_station_acquire(mdl_station *s, sim_world *w, sim_handler granted, void *target,
                              uint64_t arg);
/* Give back one server; grants it to the first waiter, if any. */
void mdl_station_release(mdl_station *s, sim_world *w);
static inline size_t mdl_station_waiting(const mdl_station *s) { return s->_len; }

/* Start a new measurement window at `now` (forgets the area and arrivals). */
void mdl_station_window(mdl_station *s, sim_time now);
/* Over the window up to `now`: the time-average number of jobs held (in service
 * or waiting), and the jobs admitted.  0 when the window is empty. */
double mdl_station_mean_jobs(const mdl_station *s, sim_time now);
static inline uint64_t mdl_station_arrivals(const mdl_station *s) { return s->_arrivals; }

#endif
