/*
 * rng.h - deterministic random-number streams, one per (entity, purpose).
 *
 * A stream is named by a stable string ("instance[3].service_time") and seeded
 * with ms_stream_seed(run_seed, name), so its numbers depend only on the run seed
 * and its own name: adding or removing another stream never shifts them (common
 * random numbers across variants; the ROSS phold warning, style.md section 7).
 *
 * Generator: xoshiro256++ (Blackman & Vigna 2019) plugged into GSL as a
 * gsl_rng_type, so every gsl_ran_* sampler works on it.  Why not a built-in GSL
 * generator: all of them (mt19937, taus2, ranlxd, gfsr4, mrg...) reduce the seed
 * given to gsl_rng_set to 32 bits, and with 2^32 possible seeds the birthday
 * bound gives a seed collision between two of n streams with probability about
 * n^2/2^33: 1% for 10^4 streams, 69% for 10^5, i.e. two supposedly independent
 * streams would draw identical numbers.  xoshiro256++ takes the full 64-bit mixed
 * seed (expanded to its 256-bit state with SplitMix64, as its authors
 * recommend), making collisions ~n^2/2^65 (3e-10 for 10^5 streams).  It is also
 * 3-4x faster than mt19937, passes BigCrush, and has period 2^256 - 1, so
 * streams started at random points do not overlap in practice.  It returns the
 * full 64 bits (gsl_rng_max = 2^64 - 1); doubles carry 53 random bits.
 *
 * A sim_rng is a caller-embedded struct owning one heap-allocated gsl_rng.  It
 * must not be copied by value (two copies would share one state); pass pointers.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "base/rng.h"

typedef struct sim_rng {
    gsl_rng *_gsl; /* private; owned */
} sim_rng;

/* The GSL generator type used by every stream (xoshiro256++, see above). */
const gsl_rng_type *sim_rng_type(void);

/* Initialise stream `stream_name` of run `run_seed`: seed =
 * ms_stream_seed(run_seed, stream_name).  The name is not kept.  Allocates;
 * aborts when memory is exhausted.  Release with sim_rng_fini. */
void sim_rng_init(sim_rng *r, uint64_t run_seed, const char *stream_name);

/* Initialise from an explicit 64-bit seed (all 64 bits are used). */
void sim_rng_init_seed(sim_rng *r, uint64_t seed);

/* Release the generator.  Safe on a zeroed or already finalised sim_rng. */
void sim_rng_fini(sim_rng *r);

/* Uniform double in [0, 1), 53 random bits. */
double sim_rng_uniform(sim_rng *r);

/* Uniform double in (0, 1). */
double sim_rng_uniform_pos(sim_rng *r);

/* 64 uniformly random bits. */
uint64_t sim_rng_u64(sim_rng *r);

/* Uniform integer in [0, n), n > 0, without bias. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);

/* A base/rng.h view for policy/ code.  Borrows r: valid while r lives; drawing
 * through the view advances r's stream. */
ms_rng sim_rng_view(sim_rng *r);

/* The underlying generator, for gsl_ran_* calls.  Borrowed. */
gsl_rng *sim_rng_gsl(sim_rng *r);

#endif
