/*
 * rng.c - named random streams on a 64-bit-seeded GSL generator type.
 *
 * The generator is xoshiro256++ (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021; reference code public
 * domain), exposed to GSL through a `static const gsl_rng_type`, so
 * gsl_rng_alloc/gsl_rng_set/gsl_rng_free and all gsl_ran_* samplers work with
 * it.  rng.h explains why none of GSL's built-in types fits: they all keep only
 * 32 bits of the seed.
 *
 * Seeding: gsl_rng_set(seed) expands the full 64-bit seed into the 256-bit
 * state with SplitMix64 (four consecutive outputs of a bijective mix, so the
 * state is never all-zero and distinct seeds give distinct states).
 *
 * Invariant: a sim_rng either owns exactly one gsl_rng of sim_rng_type() or
 * has _gsl == NULL (never initialised, or finalised).  No static mutable state:
 * the type table is const and each stream's state lives in its gsl_rng.
 */
#include "sim/rng.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/hash.h"

_Static_assert(sizeof(unsigned long) == 8, "gsl_rng_get must return 64 bits");

typedef struct xoshiro_state {
    uint64_t s[4];
} xoshiro_state;

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t xoshiro_next(xoshiro_state *x)
{
    uint64_t *s = x->s;
    uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static uint64_t splitmix_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void xoshiro_set(void *state, unsigned long seed)
{
    xoshiro_state *x = state;
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        x->s[i] = splitmix_next(&sm);
}

static unsigned long xoshiro_get(void *state)
{
    return xoshiro_next(state);
}

static double xoshiro_get_double(void *state)
{
    return (double)(xoshiro_next(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "xoshiro256++",
    ULONG_MAX,
    0,
    sizeof(xoshiro_state),
    xoshiro_set,
    xoshiro_get,
    xoshiro_get_double,
};

const gsl_rng_type *sim_rng_type(void)
{
    return &xoshiro_type;
}

void sim_rng_init_seed(sim_rng *r, uint64_t seed)
{
    r->_gsl = gsl_rng_alloc(&xoshiro_type);
    if (!r->_gsl) {
        fprintf(stderr, "meshsim: out of memory (gsl_rng_alloc)\n");
        abort();
    }
    gsl_rng_set(r->_gsl, seed);
}

void sim_rng_init(sim_rng *r, uint64_t run_seed, const char *stream_name)
{
    assert(stream_name != NULL);
    sim_rng_init_seed(r, ms_stream_seed(run_seed, stream_name));
}

void sim_rng_fini(sim_rng *r)
{
    if (r->_gsl)
        gsl_rng_free(r->_gsl);
    r->_gsl = NULL;
}

double sim_rng_uniform(sim_rng *r)
{
    return xoshiro_get_double(r->_gsl->state);
}

double sim_rng_uniform_pos(sim_rng *r)
{
    double u;
    do
        u = xoshiro_get_double(r->_gsl->state);
    while (u == 0.0);
    return u;
}

uint64_t sim_rng_u64(sim_rng *r)
{
    return xoshiro_next(r->_gsl->state);
}

static uint64_t view_next(void *state)
{
    return sim_rng_u64(state);
}

ms_rng sim_rng_view(sim_rng *r)
{
    ms_rng v = {view_next, r};
    return v;
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    assert(n > 0);
    ms_rng v = sim_rng_view(r);
    return ms_rng_below(&v, n);
}

gsl_rng *sim_rng_gsl(sim_rng *r)
{
    return r->_gsl;
}
