/*
 * lb_ring_hash.c - RING_HASH, ketama-style consistent hashing
 * (policy-semantics.md 4.5; retries 1.7; traps 16 and 18).
 *
 * One ring per priority level, built in on_hosts_changed from the level's
 * healthy hosts (all hosts when the level is in panic) with normalized weights
 * w_i (sum <= 1):
 *     scale = min(ceil(min_w * min_ring_size) / min_w, max_ring_size)
 *     walk hosts in host-set order: target += scale * w_i; while current < target,
 *     add (xxHash64("<ip:port>_<k>", seed 0), host) for k = 0, 1, ...
 *     then sort by hash.
 * So N equal hosts get ceil(min_ring_size / N) entries each (N = 3: 342 each).
 * Lookup: the first entry with hash >= h, wrapping to entry 0; on a re-selection
 * attempt a, entry (found + a) mod size.  No request hash: a random h (so it
 * behaves like RANDOM).
 *
 * Ties between equal entry hashes are ordered by host index so that the ring
 * does not depend on the sort algorithm.  Memory: 12-16 bytes per entry; the
 * table is rebuilt (and reallocated) on every host change, never per pick.
 */
#include "policy/lb_int.h"

#include "base/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

typedef struct ring_entry {
    uint64_t hash;
    uint32_t host;
} ring_entry;

static int cmp_entry(const void *a, const void *b)
{
    const ring_entry *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->host > y->host) - (x->host < y->host);
}

static void build_ring(const pol_lb *lb, const pol__hash_hosts *in, pol__hash_table *t)
{
    double scale = ceil(in->w_min * (double)lb->cfg.min_ring_size) / in->w_min;
    if (scale > (double)lb->cfg.max_ring_size)
        scale = (double)lb->cfg.max_ring_size;
    uint64_t cap = (uint64_t)ceil(scale) + in->n; /* + n: rounding up of the last shares */
    ring_entry *e = ms_xmalloc(cap * sizeof(ring_entry));
    t->min_per_host = UINT64_MAX;
    t->max_per_host = 0;

    size_t max_len = 0;
    const pol_host *hv = pol_host_set_hosts(lb->hs);
    for (uint32_t i = 0; i < in->n; i++)
        if (hv[in->hosts[i]].address_len > max_len)
            max_len = hv[in->hosts[i]].address_len;
    char *key = ms_xmalloc(max_len + 24);

    double current = 0.0, target = 0.0;
    uint64_t count = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        const pol_host *h = &hv[in->hosts[i]];
        memcpy(key, h->address, h->address_len);
        target += scale * in->w[i];
        uint64_t k = 0;
        while (current < target && count < cap) {
            int len = snprintf(key + h->address_len, 24, "_%llu", (unsigned long long)k);
            e[count].hash = XXH64(key, h->address_len + (size_t)len, 0);
            e[count].host = in->hosts[i];
            count++;
            k++;
            current += 1.0;
        }
        if (k < t->min_per_host)
            t->min_per_host = k;
        if (k > t->max_per_host)
            t->max_per_host = k;
    }
    qsort(e, count, sizeof(ring_entry), cmp_entry);
    free(key);
    t->e = e;
    t->size = count;
}

static void ring_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    pol__hash_lb_rebuild(lb, build_ring);
}

static int32_t ring_lookup(const pol_lb *lb, const pol__hash_table *t, uint64_t h,
                           uint32_t attempt)
{
    const ring_entry *e = t->e;
    uint64_t lo = 0, hi = t->size; /* first index with hash >= h */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (e[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == t->size)
        lo = 0;
    return (int32_t)e[(lo + attempt) % t->size].host;
}

static int32_t ring_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__hash_lb_pick(lb, ctx, rng, ring_lookup);
}

const pol_lb_ops pol__lb_ring_hash_ops = {
    .name = "RING_HASH",
    .create = pol__hash_lb_create,
    .destroy = pol__hash_lb_destroy,
    .pick = ring_pick,
    .on_hosts_changed = ring_on_hosts_changed,
    .table_stats = pol__hash_lb_stats,
};
