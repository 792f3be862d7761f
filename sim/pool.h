/*
 * pool.h - fixed-size object pool for hot per-request objects.
 *
 * Objects are carved out of chunks of `objects_per_chunk` objects, allocated on
 * demand and kept until sim_pool_fini; freed objects go on a LIFO free list and
 * are handed out again first (hot in cache).  So a pool in steady state never
 * calls malloc.  Each object is aligned for any type (max_align_t).  Owned by its
 * creator (a model, a world); never shared between worlds, not thread-safe.
 * Under AddressSanitizer freed objects are poisoned, so use-after-free of a
 * pooled object is reported.
 */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <stddef.h>

/* Caller-embeddable; all fields are private. */
typedef struct sim_pool {
    size_t _size;        /* object stride (rounded up) */
    size_t _per_chunk;
    void *_free;         /* free list through the first word of objects */
    char *_bump, *_end;  /* unused tail of the newest chunk */
    void **_chunks;
    size_t _nchunks, _chunk_cap;
    size_t _live;
} sim_pool;

/* Initialise for objects of `object_size` bytes (> 0), `objects_per_chunk`
 * (> 0) per chunk.  Allocates nothing until the first sim_pool_alloc. */
void sim_pool_init(sim_pool *p, size_t object_size, size_t objects_per_chunk);

/* Free all chunks.  Objects still live become invalid (not an error: pools
 * can be dropped wholesale).  Safe on a finalised pool. */
void sim_pool_fini(sim_pool *p);

/* An object of object_size bytes, uninitialised.  Never NULL (aborts when memory
 * is exhausted).  Return it with sim_pool_free to the same pool. */
void *sim_pool_alloc(sim_pool *p);

/* Give back an object obtained from this pool (NULL ok). */
void sim_pool_free(sim_pool *p, void *obj);

/* Objects allocated and not yet freed. */
size_t sim_pool_live(const sim_pool *p);

/* Objects the chunks can hold (live + free + never used). */
size_t sim_pool_capacity(const sim_pool *p);

#endif
