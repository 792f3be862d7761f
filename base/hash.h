/*
 * hash.h - small, stable hashes used for stream seeds and tables.
 *
 * Values must never change between releases: RNG stream seeds are derived from
 * them, so changing a hash changes every simulation result.
 */
#ifndef MS_HASH_H
#define MS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* MurmurHash3's 64-bit finaliser: a bijective mix of all input bits. */
static inline uint64_t ms_fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* FNV-1a over bytes, 64-bit. */
static inline uint64_t ms_fnv1a64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Seed of the stream called `name` in a run seeded with `seed`. */
uint64_t ms_stream_seed(uint64_t seed, const char *name);

#endif
