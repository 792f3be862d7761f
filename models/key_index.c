/*
 * key_index.c - the string-tuple hash index of the results, and the order of
 * key tuples (see key_index.h).
 */
#include "models/key_index.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hash.h"

struct mdl_key_slot {
    uint64_t hash;
    void *item; /* NULL: empty */
};

uint64_t mdl_key_hash(const char *const *key, size_t nkey)
{
    uint64_t h = 0;
    for (size_t i = 0; i < nkey; i++) {
        /* ms_fnv1a64(key[i], strlen(key[i]) + 1) in one pass */
        uint64_t f = 0xcbf29ce484222325ULL;
        const unsigned char *p = (const unsigned char *)key[i];
        do {
            f ^= *p;
            f *= 0x100000001b3ULL;
        } while (*p++);
        h = ms_fmix64(h ^ f);
    }
    return h;
}

int mdl_key_cmp(const char *const *a, const char *const *b, size_t nkey)
{
    for (size_t i = 0; i < nkey; i++) {
        int c = strcmp(a[i], b[i]);
        if (c)
            return c;
    }
    return 0;
}

void *mdl_key_index_find(const mdl_key_index *ix, uint64_t h, const char *const *key, mdl_key_same_fn same)
{
    if (!ix->_cap)
        return NULL;
    for (size_t i = (size_t)h & (ix->_cap - 1);; i = (i + 1) & (ix->_cap - 1)) {
        const mdl_key_slot *s = &ix->_slots[i];
        if (!s->item)
            return NULL;
        if (s->hash == h && same(s->item, key))
            return s->item;
    }
}

static void put(mdl_key_slot *slots, size_t cap, uint64_t h, void *item)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].item)
        i = (i + 1) & (cap - 1);
    slots[i] = (mdl_key_slot){h, item};
}

void mdl_key_index_add(mdl_key_index *ix, uint64_t h, void *item)
{
    if (2 * (ix->_n + 1) > ix->_cap) {
        size_t cap = ix->_cap ? ix->_cap * 2 : 64;
        mdl_key_slot *slots = ms_xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < ix->_cap; i++)
            if (ix->_slots[i].item)
                put(slots, cap, ix->_slots[i].hash, ix->_slots[i].item);
        free(ix->_slots);
        ix->_slots = slots;
        ix->_cap = cap;
    }
    put(ix->_slots, ix->_cap, h, item);
    ix->_n++;
}

void mdl_key_index_fini(mdl_key_index *ix)
{
    free(ix->_slots);
    *ix = (mdl_key_index){0};
}
