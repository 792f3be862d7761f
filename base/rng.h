/*
 * rng.h - the random-number interface handed to code that must not own a
 * generator (policy/ decisions, meshproxy).
 *
 * A generator is any function returning 64 uniformly random bits.  The simulator
 * wraps its GSL streams in this interface (sim/rng.h); meshproxy wraps its own
 * per-worker generator.  Nothing in policy/ ever reads a global RNG.
 */
#ifndef MS_RNG_H
#define MS_RNG_H

#include <stdint.h>

typedef struct ms_rng {
    uint64_t (*next_u64)(void *state);
    void *state;
} ms_rng;

static inline uint64_t ms_rng_u64(ms_rng *r) { return r->next_u64(r->state); }

/* Uniform double in [0, 1) with 53 random bits. */
static inline double ms_rng_uniform(ms_rng *r)
{
    return (double)(ms_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method). */
static inline uint64_t ms_rng_below(ms_rng *r, uint64_t n)
{
    __uint128_t m = (__uint128_t)ms_rng_u64(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t t = (0 - n) % n;
        while (lo < t) {
            m = (__uint128_t)ms_rng_u64(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* A tiny self-contained generator (SplitMix64) for tests and tools that need an
 * ms_rng without GSL.  Initialise with a seed; use ms_splitmix_rng() to view it. */
typedef struct ms_splitmix {
    uint64_t s;
} ms_splitmix;

static inline uint64_t ms_splitmix_next(void *state)
{
    ms_splitmix *g = state;
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline ms_rng ms_splitmix_rng(ms_splitmix *g)
{
    ms_rng r = {ms_splitmix_next, g};
    return r;
}

#endif
