/*
 * host_set.c - hosts of one cluster grouped by priority and locality
 * (policy-semantics.md 4.1, 4.6, 4.7; ejection per 3.6).
 *
 * Layout after a rebuild: for each priority level, a small table of the
 * localities present (slots, sorted by locality id so the order does not depend
 * on insertion order of hosts) and, per availability (all / healthy / degraded),
 * one array of host indices sorted by (slot, index) plus slot offsets.  A pick
 * therefore reads one contiguous slice and never allocates.
 *
 * Localities are interned into a table that only grows (ids are stable for the
 * life of the set).  Address lookup is a linear scan: it is only used when the
 * membership changes, not per pick.
 */
#include "policy/host_set.h"

#include "base/alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef struct loc_entry {
    char *region;
    char *zone;
    char *subzone;
} loc_entry;

typedef struct prio_group {
    uint32_t n_loc;
    uint32_t *loc_ids;    /* n_loc, ascending */
    uint32_t *loc_weight; /* n_loc */
    uint32_t *idx[3];     /* per pol_host_avail: host indices */
    uint32_t *off[3];     /* per pol_host_avail: n_loc + 1 offsets into idx;
                             off[a][n_loc] is the group's length */
} prio_group;

struct pol_host_set {
    pol_host *hosts;
    uint32_t n, cap;
    loc_entry *locs;
    uint32_t n_locs, cap_locs;
    prio_group *prio;
    uint32_t n_prio;
    bool dirty;
    uint64_t generation;
};

pol_host_set *pol_host_set_create(void)
{
    pol_host_set *hs = ms_xcalloc(1, sizeof(*hs));
    return hs;
}

static void free_groups(pol_host_set *hs)
{
    for (uint32_t p = 0; p < hs->n_prio; p++) {
        prio_group *g = &hs->prio[p];
        free(g->loc_ids);
        free(g->loc_weight);
        for (int a = 0; a < 3; a++) {
            free(g->idx[a]);
            free(g->off[a]);
        }
    }
    free(hs->prio);
    hs->prio = NULL;
    hs->n_prio = 0;
}

void pol_host_set_destroy(pol_host_set *hs)
{
    if (!hs)
        return;
    free_groups(hs);
    for (uint32_t i = 0; i < hs->n; i++)
        free((char *)hs->hosts[i].address);
    free(hs->hosts);
    for (uint32_t i = 0; i < hs->n_locs; i++) {
        free(hs->locs[i].region);
        free(hs->locs[i].zone);
        free(hs->locs[i].subzone);
    }
    free(hs->locs);
    free(hs);
}

static const char *nz(const char *s) { return s ? s : ""; }

/* Id of the locality, interning a copy when new. */
static uint32_t intern_locality(pol_host_set *hs, pol_locality l)
{
    for (uint32_t i = 0; i < hs->n_locs; i++) {
        const loc_entry *e = &hs->locs[i];
        if (!strcmp(e->region, nz(l.region)) && !strcmp(e->zone, nz(l.zone)) &&
            !strcmp(e->subzone, nz(l.subzone)))
            return i;
    }
    MS_VEC_GROW(hs->locs, hs->n_locs, hs->cap_locs);
    loc_entry *e = &hs->locs[hs->n_locs];
    e->region = ms_xstrdup(nz(l.region));
    e->zone = ms_xstrdup(nz(l.zone));
    e->subzone = ms_xstrdup(nz(l.subzone));
    return hs->n_locs++;
}

uint32_t pol_host_set_add(pol_host_set *hs, const pol_host_spec *spec)
{
    assert(spec->address && spec->address[0]);
    assert(pol_host_set_find(hs, spec->address) < 0);
    MS_VEC_GROW(hs->hosts, hs->n, hs->cap);
    pol_host *h = &hs->hosts[hs->n];
    memset(h, 0, sizeof(*h));
    h->address = ms_xstrdup(spec->address);
    h->address_len = strlen(spec->address);
    h->weight = spec->weight ? spec->weight : 1;
    h->priority = spec->priority;
    h->locality = intern_locality(hs, spec->locality);
    h->locality_weight = spec->locality_weight;
    h->health = spec->health;
    h->created_at_ns = spec->created_at_ns;
    hs->dirty = true;
    return hs->n++;
}

void pol_host_set_remove(pol_host_set *hs, uint32_t index)
{
    assert(index < hs->n);
    free((char *)hs->hosts[index].address);
    memmove(&hs->hosts[index], &hs->hosts[index + 1], (hs->n - index - 1) * sizeof(pol_host));
    hs->n--;
    hs->dirty = true;
}

int32_t pol_host_set_find(const pol_host_set *hs, const char *address)
{
    for (uint32_t i = 0; i < hs->n; i++)
        if (!strcmp(hs->hosts[i].address, address))
            return (int32_t)i;
    return -1;
}

/* Host `index`, for a setter: the groups go stale. */
static pol_host *changing(pol_host_set *hs, uint32_t index)
{
    assert(index < hs->n);
    hs->dirty = true;
    return &hs->hosts[index];
}

void pol_host_set_set_health(pol_host_set *hs, uint32_t index, pol_host_health health)
{
    changing(hs, index)->health = health;
}

void pol_host_set_set_ejected(pol_host_set *hs, uint32_t index, bool ejected)
{
    changing(hs, index)->ejected = ejected;
}

void pol_host_set_set_weight(pol_host_set *hs, uint32_t index, uint32_t weight)
{
    changing(hs, index)->weight = weight ? weight : 1;
}

void pol_host_set_set_priority(pol_host_set *hs, uint32_t index, uint32_t priority)
{
    changing(hs, index)->priority = priority;
}

void pol_host_set_set_created_at(pol_host_set *hs, uint32_t index, int64_t created_at_ns)
{
    changing(hs, index)->created_at_ns = created_at_ns;
}

void pol_host_set_active_add(pol_host_set *hs, uint32_t index, int64_t delta)
{
    assert(index < hs->n);
    pol_host *h = &hs->hosts[index];
    if (delta < 0 && (uint64_t)(-delta) > h->active_requests)
        h->active_requests = 0;
    else
        h->active_requests += (uint64_t)delta;
}

static bool in_avail(const pol_host *h, int a)
{
    switch (a) {
    case POL_HOSTS_ALL:
        return true;
    case POL_HOSTS_HEALTHY:
        return !h->ejected && h->health == POL_HOST_HEALTHY;
    default:
        return !h->ejected && h->health == POL_HOST_DEGRADED;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Build the group of priority p.  `slot_of` is scratch of n_locs entries. */
static void build_priority(pol_host_set *hs, uint32_t p, int32_t *slot_of)
{
    prio_group *g = &hs->prio[p];
    uint32_t n_in = 0;
    for (uint32_t l = 0; l < hs->n_locs; l++)
        slot_of[l] = -1;
    g->loc_ids = ms_xmalloc((hs->n_locs ? hs->n_locs : 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < hs->n; i++) {
        const pol_host *h = &hs->hosts[i];
        if (h->priority != p)
            continue;
        n_in++;
        if (slot_of[h->locality] < 0) {
            slot_of[h->locality] = 0;
            g->loc_ids[g->n_loc++] = h->locality;
        }
    }
    qsort(g->loc_ids, g->n_loc, sizeof(uint32_t), cmp_u32);
    for (uint32_t s = 0; s < g->n_loc; s++)
        slot_of[g->loc_ids[s]] = (int32_t)s;

    /* Locality weights: the largest given one, else the sum of host weights. */
    g->loc_weight = ms_xcalloc(g->n_loc ? g->n_loc : 1, sizeof(uint32_t));
    uint32_t *given = ms_xcalloc(g->n_loc ? g->n_loc : 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < hs->n; i++) {
        const pol_host *h = &hs->hosts[i];
        if (h->priority != p)
            continue;
        uint32_t s = (uint32_t)slot_of[h->locality];
        g->loc_weight[s] += h->weight;
        if (h->locality_weight > given[s])
            given[s] = h->locality_weight;
    }
    for (uint32_t s = 0; s < g->n_loc; s++)
        if (given[s])
            g->loc_weight[s] = given[s];
    free(given);

    for (int a = 0; a < 3; a++) {
        g->idx[a] = ms_xmalloc((n_in ? n_in : 1) * sizeof(uint32_t));
        g->off[a] = ms_xcalloc(g->n_loc + 1, sizeof(uint32_t));
        uint32_t *off = g->off[a];
        for (uint32_t i = 0; i < hs->n; i++) {
            const pol_host *h = &hs->hosts[i];
            if (h->priority == p && in_avail(h, a))
                off[slot_of[h->locality] + 1]++;
        }
        for (uint32_t s = 0; s < g->n_loc; s++)
            off[s + 1] += off[s];
        /* Fill in index order per slot; off[s] is used as a cursor, then restored. */
        for (uint32_t i = 0; i < hs->n; i++) {
            const pol_host *h = &hs->hosts[i];
            if (h->priority == p && in_avail(h, a))
                g->idx[a][off[slot_of[h->locality]]++] = i;
        }
        for (uint32_t s = g->n_loc; s > 0; s--)
            off[s] = off[s - 1];
        off[0] = 0;
    }
}

void pol_host_set_rebuild(pol_host_set *hs)
{
    free_groups(hs);
    uint32_t n_prio = 0;
    for (uint32_t i = 0; i < hs->n; i++)
        if (hs->hosts[i].priority + 1 > n_prio)
            n_prio = hs->hosts[i].priority + 1;
    hs->n_prio = n_prio;
    hs->prio = ms_xcalloc(n_prio ? n_prio : 1, sizeof(prio_group));
    int32_t *slot_of = ms_xmalloc((hs->n_locs ? hs->n_locs : 1) * sizeof(int32_t));
    for (uint32_t p = 0; p < n_prio; p++)
        build_priority(hs, p, slot_of);
    free(slot_of);
    hs->dirty = false;
    hs->generation++;
}

bool pol_host_set_dirty(const pol_host_set *hs) { return hs->dirty; }
uint64_t pol_host_set_generation(const pol_host_set *hs) { return hs->generation; }
uint32_t pol_host_set_count(const pol_host_set *hs) { return hs->n; }
const pol_host *pol_host_set_hosts(const pol_host_set *hs) { return hs->hosts; }

const pol_host *pol_host_set_host(const pol_host_set *hs, uint32_t index)
{
    assert(index < hs->n);
    return &hs->hosts[index];
}

uint32_t pol_host_set_priority_count(const pol_host_set *hs) { return hs->n_prio; }

uint32_t pol_host_set_locality_count(const pol_host_set *hs, uint32_t p)
{
    assert(p < hs->n_prio);
    return hs->prio[p].n_loc;
}

const uint32_t *pol_host_set_group(const pol_host_set *hs, uint32_t p, pol_host_avail avail,
                                   int32_t slot, uint32_t *n)
{
    assert(p < hs->n_prio && !hs->dirty);
    const prio_group *g = &hs->prio[p];
    const uint32_t *off = g->off[avail];
    if (slot < 0) {
        *n = off[g->n_loc];
        return g->idx[avail];
    }
    assert((uint32_t)slot < g->n_loc);
    *n = off[slot + 1] - off[slot];
    return g->idx[avail] + off[slot];
}

uint32_t pol_host_set_locality_id(const pol_host_set *hs, uint32_t p, uint32_t slot)
{
    assert(p < hs->n_prio && slot < hs->prio[p].n_loc);
    return hs->prio[p].loc_ids[slot];
}

uint32_t pol_host_set_locality_weight(const pol_host_set *hs, uint32_t p, uint32_t slot)
{
    assert(p < hs->n_prio && slot < hs->prio[p].n_loc);
    return hs->prio[p].loc_weight[slot];
}

pol_locality pol_host_set_locality(const pol_host_set *hs, uint32_t id)
{
    assert(id < hs->n_locs);
    pol_locality l = {hs->locs[id].region, hs->locs[id].zone, hs->locs[id].subzone};
    return l;
}

uint32_t pol_host_set_locality_table_size(const pol_host_set *hs) { return hs->n_locs; }
