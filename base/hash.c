/*
 * hash.c - stream seed derivation: mix(run seed, stable stream name).
 */
#include "base/hash.h"

#include <string.h>

uint64_t ms_stream_seed(uint64_t seed, const char *name)
{
    uint64_t h = ms_fnv1a64(name, strlen(name));
    return ms_fmix64(ms_fmix64(seed ^ 0x9e3779b97f4a7c15ULL) ^ h);
}
