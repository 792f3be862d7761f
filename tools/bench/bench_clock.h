/*
 * bench_clock.h - the monotonic clock the benchmark programs time their loops
 * with (tools may read a clock; policy/ and sim/ may not).
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

static inline double bench_now_s(void) { return (double)bench_now_ns() * 1e-9; }

#endif
