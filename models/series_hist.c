/*
 * series_hist.c - sparse window histograms (see series_hist.h).
 *
 * The table is keyed by bucket index + 1 in the slot's top 16 bits (so an empty
 * slot is 0 whatever the bucket), the count in the low 48 bits; it is at most
 * half full.  Sealing compacts the used slots and sorts them: the key is in
 * the high bits, so sorting the raw slots sorts by bucket.
 */
#include "models/series_hist.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/hash.h"
#include "sim/hist.h"

#define COUNT_BITS 48
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)

static uint64_t slot_key(uint64_t slot) { return slot >> COUNT_BITS; }

static uint32_t slot_find(const uint64_t *slots, uint32_t cap, uint64_t key)
{
    uint32_t i = (uint32_t)ms_fmix64(key) & (cap - 1);
    while (slots[i] && slot_key(slots[i]) != key)
        i = (i + 1) & (cap - 1);
    return i;
}

static void grow(mdl_whist *h)
{
    uint32_t cap = h->_cap ? h->_cap * 2 : 16;
    uint64_t *slots = ms_xcalloc(cap, sizeof *slots);
    for (uint32_t i = 0; i < h->_cap; i++)
        if (h->_slots[i])
            slots[slot_find(slots, cap, slot_key(h->_slots[i]))] = h->_slots[i];
    free(h->_slots);
    h->_slots = slots;
    h->_cap = cap;
}

void mdl_whist_record(mdl_whist *h, int64_t value)
{
    assert(value >= 0 && !h->_sealed);
    if (2 * (h->_n + 1) > h->_cap)
        grow(h);
    uint64_t key = (uint64_t)sim_hist_bucket_index(value) + 1;
    uint32_t i = slot_find(h->_slots, h->_cap, key);
    if (!h->_slots[i]) {
        h->_slots[i] = key << COUNT_BITS;
        h->_n++;
    }
    assert((h->_slots[i] & COUNT_MASK) < COUNT_MASK);
    h->_slots[i]++;
    if (!h->count || value < h->min)
        h->min = value;
    if (!h->count || value > h->max)
        h->max = value;
    h->count++;
    h->sum += (double)value;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void mdl_whist_seal(mdl_whist *h)
{
    if (h->_sealed)
        return;
    h->_sealed = true;
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->_cap; i++)
        if (h->_slots[i])
            h->_slots[n++] = h->_slots[i];
    assert(n == h->_n);
    if (n > 1)
        qsort(h->_slots, n, sizeof *h->_slots, cmp_u64);
    if (n && n < h->_cap) {
        h->_slots = ms_xrealloc(h->_slots, n * sizeof *h->_slots);
        h->_cap = n;
    }
}

void mdl_whist_fini(mdl_whist *h)
{
    free(h->_slots);
    *h = (mdl_whist){0};
}

double mdl_whist_mean(const mdl_whist *h) { return h->count ? h->sum / (double)h->count : 0; }

size_t mdl_whist_nbuckets(const mdl_whist *h)
{
    assert(h->_sealed || !h->_n);
    return h->_n;
}

void mdl_whist_bucket(const mdl_whist *h, size_t i, int64_t *lo, int64_t *hi, uint64_t *count)
{
    assert(h->_sealed && i < h->_n);
    size_t b = (size_t)slot_key(h->_slots[i]) - 1;
    *lo = sim_hist_bucket_lo(b);
    *hi = sim_hist_bucket_hi(b);
    *count = h->_slots[i] & COUNT_MASK;
}

int64_t mdl_whist_quantile(const mdl_whist *h, double p)
{
    assert(p >= 0 && p <= 1 && (h->_sealed || !h->count));
    if (h->count == 0)
        return 0;
    double r = ceil(p * (double)h->count);
    uint64_t rank = r < 1 ? 1 : r >= (double)h->count ? h->count : (uint64_t)r;
    if (rank == 1)
        return h->min;
    if (rank == h->count)
        return h->max;
    uint64_t cum = 0;
    for (uint32_t i = 0; i < h->_n; i++) {
        cum += h->_slots[i] & COUNT_MASK;
        if (cum >= rank) {
            int64_t lo, hi;
            uint64_t c;
            mdl_whist_bucket(h, i, &lo, &hi, &c);
            int64_t mid = lo + (hi - lo) / 2;
            return mid < h->min ? h->min : mid > h->max ? h->max : mid;
        }
    }
    assert(!"counts add up to count");
    return h->max;
}
