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
#include "policy/lb.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define EMPTY UINT32_MAX

typedef struct mtable {
    uint32_t *slot; /* M host indices, or NULL when the level has no eligible host */
    uint64_t min_per_host, max_per_host;
} mtable;

typedef struct maglev_lb {
    pol_lb base;
    mtable *t; /* one per priority level */
    uint32_t n_t;
} maglev_lb;

typedef struct build_entry {
    uint32_t host;
    double w;
    uint64_t offset, skip, next;
    double target;
    uint64_t count;
} build_entry;

static pol_lb *maglev_create(const pol_lb_config *cfg)
{
    maglev_lb *m = ms_xcalloc(1, sizeof(*m));
    return &m->base;
}

static void free_tables(maglev_lb *m)
{
    for (uint32_t i = 0; i < m->n_t; i++)
        free(m->t[i].slot);
    free(m->t);
    m->t = NULL;
    m->n_t = 0;
}

static void maglev_destroy(pol_lb *lb)
{
    free_tables((maglev_lb *)lb);
    free(lb);
}

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

static void build_table(const pol_lb *lb, uint32_t p, mtable *t)
{
    uint64_t M = lb->cfg.maglev_table_size;
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
    const pol_host *hv = pol_host_set_hosts(lb->hs);
    sort_item *it = ms_xcalloc(n, sizeof(sort_item));
    for (uint32_t i = 0; i < n; i++) {
        const pol_host *h = &hv[hosts[i]];
        it[i].addr = h->address;
        it[i].e.host = hosts[i];
        it[i].e.w = w[i];
        it[i].e.offset = XXH64(h->address, h->address_len, 0) % M;
        it[i].e.skip = XXH64(h->address, h->address_len, 1) % (M - 1) + 1;
    }
    qsort(it, n, sizeof(sort_item), cmp_addr);

    t->slot = ms_xmalloc(M * sizeof(uint32_t));
    for (uint64_t s = 0; s < M; s++)
        t->slot[s] = EMPTY;
    uint64_t filled = 0;
    for (uint64_t round = 1; filled < M; round++) {
        for (uint32_t i = 0; i < n && filled < M; i++) {
            build_entry *e = &it[i].e;
            if ((double)round * e->w < e->target)
                continue;
            e->target += w_max;
            uint64_t c;
            do {
                c = (e->offset + e->next * e->skip) % M;
                e->next++;
            } while (t->slot[c] != EMPTY);
            t->slot[c] = e->host;
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
    free(hosts);
    free(w);
}

static void maglev_on_hosts_changed(pol_lb *lb, int64_t now_ns)
{
    maglev_lb *m = (maglev_lb *)lb;
    free_tables(m);
    m->n_t = lb->prio.n;
    m->t = ms_xcalloc(m->n_t ? m->n_t : 1, sizeof(mtable));
    for (uint32_t p = 0; p < m->n_t; p++)
        build_table(lb, p, &m->t[p]);
}

static int32_t maglev_lookup(const pol_lb *lb, uint32_t p, uint64_t h, uint32_t attempt)
{
    const mtable *t = &((const maglev_lb *)lb)->t[p];
    if (!t->slot)
        return -1;
    if (attempt > 0)
        h ^= UINT64_MAX - attempt + 1;
    return (int32_t)t->slot[h % lb->cfg.maglev_table_size];
}

static int32_t maglev_pick(pol_lb *lb, const pol_lb_context *ctx, ms_rng *rng, int64_t now_ns)
{
    return pol__lb_hash_pick(lb, ctx, rng, maglev_lookup);
}

static int maglev_stats(const pol_lb *lb, uint32_t p, uint64_t *size, uint64_t *min_per_host,
                        uint64_t *max_per_host)
{
    const maglev_lb *m = (const maglev_lb *)lb;
    if (p >= m->n_t || !m->t[p].slot)
        return -1;
    *size = lb->cfg.maglev_table_size;
    *min_per_host = m->t[p].min_per_host;
    *max_per_host = m->t[p].max_per_host;
    return 0;
}

const pol_lb_ops pol__lb_maglev_ops = {
    .policy = POL_LB_POLICY_MAGLEV,
    .name = "MAGLEV",
    .create = maglev_create,
    .destroy = maglev_destroy,
    .pick = maglev_pick,
    .on_hosts_changed = maglev_on_hosts_changed,
    .table_stats = maglev_stats,
};
