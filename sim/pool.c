/*
 * pool.c - fixed-size object pool (pool.h).
 *
 * Invariants
 *   - every object is `_size` bytes at a multiple of `_size` from its chunk's
 *     start; `_size` is a multiple of alignof(max_align_t), so objects are
 *     aligned for any type;
 *   - an object is either live (handed out), on the free list (its first word
 *     links to the next free object), or in the untouched tail [_bump, _end) of
 *     the newest chunk;
 *   - _live = handed out - given back.
 * Chunks are never returned to malloc before sim_pool_fini: the pool's high
 * water mark is its footprint, the usual trade-off of free-list pools (ROSS
 * free_q, HAProxy pools).  Under ASan, free objects are poisoned except for the
 * link word.
 */
#include "sim/pool.h"

#include <assert.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void sim_pool_init(sim_pool *p, size_t object_size, size_t objects_per_chunk)
{
    assert(object_size > 0 && objects_per_chunk > 0);
    size_t align = alignof(max_align_t);
    memset(p, 0, sizeof(*p));
    if (object_size < sizeof(void *))
        object_size = sizeof(void *);
    p->_size = (object_size + align - 1) / align * align;
    p->_per_chunk = objects_per_chunk;
}

void sim_pool_fini(sim_pool *p)
{
    for (size_t i = 0; i < p->_nchunks; i++) {
        UNPOISON(p->_chunks[i], p->_size * p->_per_chunk);
        free(p->_chunks[i]);
    }
    free(p->_chunks);
    size_t size = p->_size, per_chunk = p->_per_chunk;
    memset(p, 0, sizeof(*p));
    p->_size = size;
    p->_per_chunk = per_chunk;
}

static void add_chunk(sim_pool *p)
{
    size_t bytes = p->_size * p->_per_chunk;
    assert(bytes / p->_per_chunk == p->_size && "pool chunk size overflows");
    char *chunk = ms_xmalloc(bytes);
    MS_VEC_GROW(p->_chunks, p->_nchunks, p->_chunk_cap);
    p->_chunks[p->_nchunks++] = chunk;
    p->_bump = chunk;
    p->_end = chunk + bytes;
    POISON(chunk, bytes);
}

void *sim_pool_alloc(sim_pool *p)
{
    void *obj = p->_free;
    if (obj) {
        UNPOISON(obj, sizeof(void *));
        memcpy(&p->_free, obj, sizeof(void *));
    } else {
        if (p->_bump == p->_end)
            add_chunk(p);
        obj = p->_bump;
        p->_bump += p->_size;
    }
    UNPOISON(obj, p->_size);
    p->_live++;
    return obj;
}

void sim_pool_free(sim_pool *p, void *obj)
{
    if (!obj)
        return;
    assert(p->_live > 0 && "sim_pool_free: more frees than allocations");
    memcpy(obj, &p->_free, sizeof(void *));
    p->_free = obj;
    p->_live--;
    POISON((char *)obj + sizeof(void *), p->_size - sizeof(void *));
    POISON(obj, sizeof(void *));
}

size_t sim_pool_live(const sim_pool *p)
{
    return p->_live;
}

size_t sim_pool_capacity(const sim_pool *p)
{
    return p->_nchunks * p->_per_chunk;
}
