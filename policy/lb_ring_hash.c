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
#include "policy/lb.h"

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

typedef struct ring {
    ring_entry *e;
    uint64_t size;
    uint64_t min_per_host, max_per_host;
} ring;

typedef struct ring_lb {
    pol_lb base;
    ring *rings; /* one per priority level */
    uint32_t n_rings;
} ring_lb;

static pol_lb *ring_create(const pol_lb_config *cfg)
{
    ring_lb *r = ms_xcalloc(1, sizeof(*r));
    return &r->base;
}

static void free_rings(ring_lb *r)
{
    for (uint32_t i = 0; i < r->n_rings; i++)
        free(r->rings[i].e);
    free(r->rings);
    r->rings = NULL;
    r->n_rings = 0;
}

static void ring_destroy(pol_lb *lb)
{
    free_rings((ring_lb *)lb);
    free(lb);
}

static int cmp_entry(const void *a, const void *b)
{
    const ring_entry *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->host > y->host) - (x->host < y->host);
}

static void build_ring(const pol_lb *lb, uint32_t p, ring *rg)
{
    uint32_t total;
    pol_host_set_group(lb->hs, p, POL_HOSTS_ALL, -1, &total);
    if (total == 0)
        return;
    uint32_t *hosts = ms_xmalloc(total * sizeof(uint32_t));
    double *w = ms_xmalloc(total * sizeof(double));
    double w_min, w_max;
    uint32_t n = pol__lb_hash_hosts(lb, p, hosts, w, &w_min, &w_max);
    if (n == 0) {
        free(hosts);
        free(w);
        return;
    }
    double scale = ceil(w_min * (double)lb->cfg.min_ring_size) / w_min;
    if (scale > (double)lb->cfg.max_ring_size)
        scale = (double)lb->cfg.max_ring_size;
    uint64_t cap = (uint64_t)ceil(scale) + n; /* + n: rounding up of the last shares */
    rg->e = ms_xmalloc(cap * sizeof(ring_entry));
    rg->min_per_host = UINT64_MAX;
    rg->max_per_host = 0;

    size_t max_len = 0;
    const pol_host *hv = pol_host_set_hosts(lb->hs);
    for (uint32_t i = 0; i < n; i++)
        if (hv[hosts[i]].address_len > max_len)
            max_len = hv[hosts[i]].address_len;
    char *key = ms_xmalloc(max_len + 24);

    double current = 0.0, target = 0.0;
    uint64_t count = 0;
    for (uint32_t i = 0; i < n; i++) {
        const pol_host *h = &hv[hosts[i]];
        memcpy(key, h->address, h->address_len);
        target += scale * w[i];
        uint64_t k = 0;
        while (current < target && count < cap) {
            int len = snprintf(key + h->address_len, 24, "_%llu", (unsigned long long)k);
            rg->e[count].hash = XXH64(key, h->address_len + (size_t)len, 0);
            rg->e[count].host = hosts[i];
            count++;
            k++;
            current += 1.0;
        }
        if (k < rg->min_per_host)
            rg->min_per_host = k;
        if (k > rg->max_per_host)
            rg->max_per_host = k;
    }
    rg->size = count;
    qsort(rg->e, count, sizeof(ring_entry), cmp_entry);
    free(key);
    free(hosts);
    free(w);
}

static void ring_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    ring_lb *r = (ring_lb *)lb;
    free_rings(r);
    r->n_rings = lb->prio.n;
    r->rings = ms_xcalloc(r->n_rings ? r->n_rings : 1, sizeof(ring));
    for (uint32_t p = 0; p < r->n_rings; p++)
        build_ring(lb, p, &r->rings[p]);
}

static int32_t ring_lookup(const pol_lb *lb, uint32_t p, uint64_t h, uint32_t attempt)
{
    const ring *rg = &((const ring_lb *)lb)->rings[p];
    if (rg->size == 0)
        return -1;
    uint64_t lo = 0, hi = rg->size; /* first index with hash >= h */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (rg->e[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == rg->size)
        lo = 0;
    return (int32_t)rg->e[(lo + attempt) % rg->size].host;
}

static int32_t ring_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__lb_hash_pick(lb, ctx, rng, ring_lookup);
}

static int ring_stats(const pol_lb *lb, uint32_t p, uint64_t *size, uint64_t *min_per_host,
                    uint64_t *max_per_host)
{
    const ring_lb *r = (const ring_lb *)lb;
    if (p >= r->n_rings || r->rings[p].size == 0)
        return -1;
    *size = r->rings[p].size;
    *min_per_host = r->rings[p].min_per_host;
    *max_per_host = r->rings[p].max_per_host;
    return 0;
}

const pol_lb_ops pol__lb_ring_hash_ops = {
    .policy = POL_LB_POLICY_RING_HASH,
    .name = "RING_HASH",
    .create = ring_create,
    .destroy = ring_destroy,
    .pick = ring_pick,
    .on_hosts_changed = ring_on_hosts_changed,
    .table_stats = ring_stats,
};
