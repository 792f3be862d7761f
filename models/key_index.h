/*
 * key_index.h - a hash index from a tuple of strings to the item holding them:
 * how the results find a request's row (results.c) and its time series
 * (series.c) in O(1) whatever their number.  Open addressing on the tuple's
 * hash, which the slot keeps so that a probe reads an item only when the
 * hashes agree.  A lookup structure only: no order or output depends on it.
 * The zero value is an empty index.
 */
#ifndef MDL_KEY_INDEX_H
#define MDL_KEY_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mdl_key_slot mdl_key_slot;

typedef struct mdl_key_index {
    mdl_key_slot *_slots; /* _cap a power of two, at most half full */
    size_t _cap, _n;
} mdl_key_index;

/* Does `item` hold `key`? (compares the strings) */
typedef bool (*mdl_key_same_fn)(const void *item, const char *const *key);

/* The hash of key[0..nkey) (no string NULL): FNV-1a over each string with its
 * terminating NUL, each folded in with MurmurHash3's finaliser. */
uint64_t mdl_key_hash(const char *const *key, size_t nkey);

/* strcmp over two key tuples, string by string: their order. */
int mdl_key_cmp(const char *const *a, const char *const *b, size_t nkey);

/* The item holding `key` (whose hash is h), or NULL. */
void *mdl_key_index_find(const mdl_key_index *ix, uint64_t h, const char *const *key, mdl_key_same_fn same);

/* Index `item`, whose key hashes to h and is not indexed yet. */
void mdl_key_index_add(mdl_key_index *ix, uint64_t h, void *item);

void mdl_key_index_fini(mdl_key_index *ix);

#endif
