/*
 * bench_queue.c - hold-model benchmark of the event set and of the engine.
 *
 * The hold model (Jones 1986; ns-3 utils/bench-scheduler.cc): keep N events
 * pending; repeatedly take the earliest one and schedule a new one at its time
 * plus an Exp(mean 100 ns) increment.  Three variants per N:
 *   queue   sim_queue alone: pop + push, increments from a precomputed table;
 *   world   through sim_world: dispatch calls a handler that calls
 *           sim_schedule_in, increments from the same table;
 *   world+rng  as world, but the handler draws the increment from a sim_rng
 *           stream with gsl_ran_exponential (what a model pays).
 * Increments are rounded to whole ns, so ties occur and exercise the sequence
 * tie-break.  Each figure is the median of 3 timed runs, after a warm-up of
 * 2N events.  CLOCK_MONOTONIC timing lives here only, never in the library.
 *
 * Usage: bench_queue [events_per_run [mean_increment_ns]]
 *        (defaults 10,000,000 and 100, as ns-3's bench-scheduler)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "base/alloc.h"
#include "sim/queue.h"
#include "sim/rng.h"
#include "sim/world.h"

#include "bench_clock.h"

#define NDELTAS (1u << 20)
#define RUNS 3

typedef struct bench {
    const sim_time *deltas;
    uint64_t i;          /* next increment */
    uint64_t remaining;  /* events left to dispatch in this phase */
    double mean_ns;      /* mean increment */
    sim_rng rng;
} bench;

static sim_time next_delta(bench *b)
{
    return b->deltas[b->i++ & (NDELTAS - 1)];
}

static sim_time rng_delta(bench *b)
{
    return (sim_time)llround(gsl_ran_exponential(sim_rng_gsl(&b->rng), b->mean_ns));
}

static void noop(sim_world *w, void *target, uint64_t arg)
{
}

/* Raw queue: returns events per second for `events` hold operations. */
static double run_queue(bench *b, size_t n, uint64_t events)
{
    sim_queue q;
    sim_queue_init(&q);
    for (size_t k = 0; k < n; k++)
        sim_queue_push(&q, next_delta(b), noop, NULL, 0);
    sim_event ev;
    for (uint64_t k = 0; k < 2 * (uint64_t)n; k++) {
        sim_queue_pop(&q, &ev);
        sim_queue_push(&q, ev.time + next_delta(b), ev.handler, NULL, 0);
    }
    double t0 = bench_now_s();
    for (uint64_t k = 0; k < events; k++) {
        sim_queue_pop(&q, &ev);
        sim_queue_push(&q, ev.time + next_delta(b), ev.handler, ev.target, ev.arg);
    }
    double dt = bench_now_s() - t0;
    sim_queue_fini(&q);
    return (double)events / dt;
}

static void hold_table(sim_world *w, void *target, uint64_t arg)
{
    bench *b = target;
    if (--b->remaining == 0)
        sim_stop(w);
    sim_schedule_in(w, next_delta(b), hold_table, b, arg);
}

static void hold_rng(sim_world *w, void *target, uint64_t arg)
{
    bench *b = target;
    if (--b->remaining == 0)
        sim_stop(w);
    sim_schedule_in(w, rng_delta(b), hold_rng, b, arg);
}

/* Through the world: returns events per second. */
static double run_world(bench *b, size_t n, uint64_t events, sim_handler h)
{
    sim_world *w = sim_world_create(1);
    for (size_t k = 0; k < n; k++)
        sim_schedule_at(w, next_delta(b), h, b, k);
    b->remaining = 2 * (uint64_t)n;
    sim_run_until(w, SIM_TIME_MAX);
    b->remaining = events;
    uint64_t before = sim_events_dispatched(w);
    double t0 = bench_now_s();
    sim_run_until(w, SIM_TIME_MAX);
    double dt = bench_now_s() - t0;
    uint64_t done = sim_events_dispatched(w) - before;
    if (done != events || sim_events_pending(w) != n) {
        fprintf(stderr, "bench_queue: dispatched %llu of %llu events\n",
                (unsigned long long)done, (unsigned long long)events);
        exit(1);
    }
    sim_world_destroy(w);
    return (double)events / dt;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of_runs(bench *b, int variant, size_t n, uint64_t events)
{
    double r[RUNS];
    for (int k = 0; k < RUNS; k++) {
        if (variant == 0)
            r[k] = run_queue(b, n, events);
        else
            r[k] = run_world(b, n, events, variant == 1 ? hold_table : hold_rng);
    }
    qsort(r, RUNS, sizeof(double), cmp_double);
    return r[RUNS / 2];
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    double mean_ns = argc > 2 ? strtod(argv[2], NULL) : 100;
    if (events == 0 || !(mean_ns > 0)) {
        fprintf(stderr, "usage: bench_queue [events_per_run [mean_increment_ns]]\n");
        return 2;
    }
    bench b = {0};
    b.mean_ns = mean_ns;
    sim_rng_init(&b.rng, 42, "bench.hold.increment");
    sim_time *deltas = ms_xmalloc(NDELTAS * sizeof(sim_time));
    for (size_t k = 0; k < NDELTAS; k++)
        deltas[k] = rng_delta(&b);
    b.deltas = deltas;

    printf("hold model, Exp(mean %g ns) increments, %llu events per run, median of %d runs\n",
           mean_ns, (unsigned long long)events, RUNS);
    printf("%10s %16s %16s %16s\n", "pending", "queue ev/s", "world ev/s", "world+rng ev/s");
    static const size_t sizes[] = {1000, 10000, 100000, 1000000};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        double q = median_of_runs(&b, 0, sizes[s], events);
        double w = median_of_runs(&b, 1, sizes[s], events);
        double wr = median_of_runs(&b, 2, sizes[s], events);
        printf("%10zu %16.3e %16.3e %16.3e\n", sizes[s], q, w, wr);
        fflush(stdout);
    }
    free(deltas);
    sim_rng_fini(&b.rng);
    return 0;
}
