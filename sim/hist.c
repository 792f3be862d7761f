/*
 * hist.c - log-linear histogram (hist.h): bucket arithmetic, record, merge,
 * quantiles and iteration.
 *
 * Bucket index of a value v (SUB_BITS = 6, 64 sub-buckets per octave):
 *     shift = max(0, floor(log2 v) - 6)      (0 for v < 128)
 *     index = shift * 64 + (v >> shift)
 * For v < 128 the index is v itself (width-1 buckets, exact).  For v in
 * [2^e, 2^(e+1)), e >= 7, v >> shift lies in [64, 128), so each octave gets 64
 * buckets of width 2^shift = 2^e / 64.  The index is monotone in v and the
 * largest (INT64_MAX) maps to SIM_HIST_NBUCKETS - 1.  Computing it takes one
 * count-leading-zeros, a shift and an add: record is O(1) and branch-free.
 *
 * Quantile error: the reported value is the bucket middle, at most half a
 * bucket (2^e / 128) from any value in it, i.e. a relative error <= 1/128.
 */
#include "sim/hist.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define SUB_BITS SIM_HIST_SUB_BITS
#define SUB_COUNT (1u << SUB_BITS)

_Static_assert(SIM_HIST_NBUCKETS == 3712, "bucket layout changed");

size_t sim_hist_bucket_index(int64_t value)
{
    assert(value >= 0);
    uint64_t v = (uint64_t)value;
    unsigned shift = (unsigned)(63 - SUB_BITS) - (unsigned)__builtin_clzll(v | SUB_COUNT);
    return ((size_t)shift << SUB_BITS) + (size_t)(v >> shift);
}

static unsigned bucket_shift(size_t index)
{
    size_t octave = index >> SUB_BITS;
    return octave ? (unsigned)(octave - 1) : 0;
}

int64_t sim_hist_bucket_lo(size_t index)
{
    assert(index < SIM_HIST_NBUCKETS);
    unsigned shift = bucket_shift(index);
    uint64_t sub = index - ((size_t)shift << SUB_BITS);
    return (int64_t)(sub << shift);
}

int64_t sim_hist_bucket_hi(size_t index)
{
    unsigned shift = bucket_shift(index);
    return sim_hist_bucket_lo(index) + (int64_t)((UINT64_C(1) << shift) - 1);
}

void sim_hist_init(sim_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->_counts = ms_xcalloc(SIM_HIST_NBUCKETS, sizeof(uint64_t));
}

void sim_hist_fini(sim_hist *h)
{
    free(h->_counts);
    memset(h, 0, sizeof(*h));
}

void sim_hist_reset(sim_hist *h)
{
    memset(h->_counts, 0, SIM_HIST_NBUCKETS * sizeof(uint64_t));
    h->_count = 0;
    h->_min = h->_max = 0;
    h->_sum = 0;
}

void sim_hist_record_n(sim_hist *h, int64_t value, uint64_t n)
{
    assert(value >= 0 && "negative value recorded");
    if (n == 0)
        return;
    h->_counts[sim_hist_bucket_index(value)] += n;
    if (h->_count == 0 || value < h->_min)
        h->_min = value;
    if (h->_count == 0 || value > h->_max)
        h->_max = value;
    h->_count += n;
    h->_sum += (unsigned __int128)(uint64_t)value * n;
}

void sim_hist_record(sim_hist *h, int64_t value)
{
    sim_hist_record_n(h, value, 1);
}

void sim_hist_merge(sim_hist *dst, const sim_hist *src)
{
    if (src->_count == 0)
        return;
    for (size_t i = 0; i < SIM_HIST_NBUCKETS; i++)
        dst->_counts[i] += src->_counts[i];
    if (dst->_count == 0 || src->_min < dst->_min)
        dst->_min = src->_min;
    if (dst->_count == 0 || src->_max > dst->_max)
        dst->_max = src->_max;
    dst->_count += src->_count;
    dst->_sum += src->_sum;
}

uint64_t sim_hist_count(const sim_hist *h)
{
    return h->_count;
}

int64_t sim_hist_min(const sim_hist *h)
{
    return h->_count ? h->_min : 0;
}

int64_t sim_hist_max(const sim_hist *h)
{
    return h->_count ? h->_max : 0;
}

double sim_hist_sum(const sim_hist *h)
{
    return (double)h->_sum;
}

double sim_hist_mean(const sim_hist *h)
{
    if (h->_count == 0)
        return 0;
    /* Integer part exactly, then the remainder: no precision lost to a huge sum. */
    unsigned __int128 q = h->_sum / h->_count, r = h->_sum % h->_count;
    return (double)q + (double)r / (double)h->_count;
}

int64_t sim_hist_quantile(const sim_hist *h, double p)
{
    assert(p >= 0 && p <= 1);
    if (h->_count == 0)
        return 0;
    double r = ceil(p * (double)h->_count);
    uint64_t rank = r < 1 ? 1 : r >= (double)h->_count ? h->_count : (uint64_t)r;
    if (rank == 1)
        return h->_min;
    if (rank == h->_count)
        return h->_max;
    uint64_t cum = 0;
    size_t i = 0;
    for (; i < SIM_HIST_NBUCKETS; i++) {
        cum += h->_counts[i];
        if (cum >= rank)
            break;
    }
    assert(i < SIM_HIST_NBUCKETS);
    int64_t lo = sim_hist_bucket_lo(i), hi = sim_hist_bucket_hi(i);
    int64_t mid = lo + (hi - lo) / 2;
    if (mid < h->_min)
        return h->_min;
    if (mid > h->_max)
        return h->_max;
    return mid;
}

void sim_hist_iter_init(sim_hist_iter *it, const sim_hist *h)
{
    memset(it, 0, sizeof(*it));
    it->_h = h;
}

bool sim_hist_iter_next(sim_hist_iter *it)
{
    const uint64_t *counts = it->_h->_counts;
    for (size_t i = it->_next; i < SIM_HIST_NBUCKETS; i++) {
        if (counts[i]) {
            it->lo = sim_hist_bucket_lo(i);
            it->hi = sim_hist_bucket_hi(i);
            it->count = counts[i];
            it->_next = i + 1;
            return true;
        }
    }
    it->_next = SIM_HIST_NBUCKETS;
    return false;
}
