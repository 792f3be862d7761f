/*
 * lb_maglev.c - MAGLEV consistent hashing (policy-semantics.md 4.5; retries
 * 1.7; trap 17).
 *
 * One lookup table of M slots (M prime, default 65537) per priority level, built
 * in on_hosts_changed from the level's healthy hosts (all in panic) with
 * normalized weights w_i:
 *   - hosts sorted by address, so the table does not depend on update order;
 *   - offset_i = xxHash64(addr, seed 0) mod M, skip_i = xxHash64(addr, seed 1)
 *     mod (M - 1) + 1; host i prefers slots (offset_i + j * skip_i) mod M;
 *   - rounds r = 1, 2, ...: visiting hosts in sorted order, host i claims its next
 *     free preferred slot when r * w_i >= target_i, then target_i += w_max; stop
 *     when all M slots are taken.  Equal weights give the paper's fill.
 * Lookup: table[h mod M]; on re-selection attempt a > 0 the hash is first XORed
 * with 2^64 - a (1.7), which does not guarantee another host.  No request hash:
 * a random h.
 *
 * Memory: 4 bytes per slot per level (Envoy's bit-packed compact table gives the
 * same answers and is not needed here).  Built at host change, never per pick.
 */
#include "policy/lb_int.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define EMPTY UINT32_MAX

typedef struct build_entry {
    uint32_t host;
    double w;
    uint64_t offset, skip, next;
    double target;
    uint64_t count;
} build_entry;

/* qsort has no context argument: the addresses are looked up through this
 * array of pointers, sorted together with the entries. */
typedef struct sort_item {
    const char *addr;
    build_entry e;
} sort_item;

static int cmp_addr(const void *a, const void *b)
{
    return strcmp(((const sort_item *)a)->addr, ((const sort_item *)b)->addr);
}

static void build_table(const pol_lb *lb, const pol__hash_hosts *in, pol__hash_table *t)
{
    uint64_t M = lb->cfg.maglev_table_size;
    uint32_t n = in->n;
    const pol_host *hv = pol_host_set_hosts(lb->hs);
    sort_item *it = ms_xcalloc(n, sizeof(sort_item));
    for (uint32_t i = 0; i < n; i++) {
        const pol_host *h = &hv[in->hosts[i]];
        it[i].addr = h->address;
        it[i].e.host = in->hosts[i];
        it[i].e.w = in->w[i];
        it[i].e.offset = XXH64(h->address, h->address_len, 0) % M;
        it[i].e.skip = XXH64(h->address, h->address_len, 1) % (M - 1) + 1;
    }
    qsort(it, n, sizeof(sort_item), cmp_addr);

    uint32_t *slot = ms_xmalloc(M * sizeof(uint32_t));
    for (uint64_t s = 0; s < M; s++)
        slot[s] = EMPTY;
    uint64_t filled = 0;
    for (uint64_t round = 1; filled < M; round++) {
        for (uint32_t i = 0; i < n && filled < M; i++) {
            build_entry *e = &it[i].e;
            if ((double)round * e->w < e->target)
                continue;
            e->target += in->w_max;
            uint64_t c;
            do {
                c = (e->offset + e->next * e->skip) % M;
                e->next++;
            } while (slot[c] != EMPTY);
            slot[c] = e->host;
            e->count++;
            filled++;
        }
    }
    t->min_per_host = UINT64_MAX;
    t->max_per_host = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (it[i].e.count < t->min_per_host)
            t->min_per_host = it[i].e.count;
        if (it[i].e.count > t->max_per_host)
            t->max_per_host = it[i].e.count;
    }
    free(it);
    t->e = slot;
    t->size = M;
}

static void maglev_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    pol__hash_lb_rebuild(lb, build_table);
}

static int32_t maglev_lookup(const pol_lb *lb, const pol__hash_table *t, uint64_t h,
                             uint32_t attempt)
{
    if (attempt > 0)
        h ^= UINT64_MAX - attempt + 1;
    return (int32_t)((const uint32_t *)t->e)[h % t->size];
}

static int32_t maglev_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__hash_lb_pick(lb, ctx, rng, maglev_lookup);
}

const pol_lb_ops pol__lb_maglev_ops = {
    .name = "MAGLEV",
    .create = pol__hash_lb_create,
    .destroy = pol__hash_lb_destroy,
    .pick = maglev_pick,
    .on_hosts_changed = maglev_on_hosts_changed,
    .table_stats = pol__hash_lb_stats,
};
