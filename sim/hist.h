/*
 * hist.h - log-linear (HdrHistogram-style) histogram of non-negative int64
 * values, typically latencies in ns.
 *
 * Layout: values below 128 have a bucket each (exact); above, every power of two
 * [2^e, 2^(e+1)) is split into 64 equal sub-buckets, so a bucket is at most 1/64
 * of its lower bound wide.  A quantile is reported as the middle of its bucket
 * (clamped to [min, max]), hence within 1/128 (0.78%) of the exact nearest-rank
 * value.  The whole int64 range is covered (3,712 buckets, 29.7 KB of uint64
 * counts allocated once at init), so no value is ever clamped or lost.
 *
 * Invariants: count = sum of bucket counts; min/max are the exact extreme values
 * recorded; sum is exact (128-bit).  Record is O(1) with no allocation; merge
 * and quantile are O(buckets).  Histograms are mergeable (same layout always).
 */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_HIST_SUB_BITS 6                           /* 64 sub-buckets per octave */
#define SIM_HIST_NBUCKETS ((64 - SIM_HIST_SUB_BITS) << SIM_HIST_SUB_BITS) /* 3712 */

/* Caller-embeddable; fields are private (use the accessors). */
typedef struct sim_hist {
    uint64_t *_counts; /* SIM_HIST_NBUCKETS, owned */
    uint64_t _count;
    int64_t _min, _max;
    unsigned __int128 _sum;
} sim_hist;

/* Initialise empty (allocates the buckets once; aborts on exhaustion). */
void sim_hist_init(sim_hist *h);

/* Free the buckets.  Safe on a zeroed or finalised histogram. */
void sim_hist_fini(sim_hist *h);

/* Forget every value; keeps the storage. */
void sim_hist_reset(sim_hist *h);

/* Record one value >= 0 (asserted). */
void sim_hist_record(sim_hist *h, int64_t value);

/* Record `n` occurrences of value (n = 0 does nothing). */
void sim_hist_record_n(sim_hist *h, int64_t value, uint64_t n);

/* dst += src (src unchanged).  Equivalent to recording src's values into dst,
 * except that values are known only to bucket precision for quantiles. */
void sim_hist_merge(sim_hist *dst, const sim_hist *src);

uint64_t sim_hist_count(const sim_hist *h);
int64_t sim_hist_min(const sim_hist *h);  /* 0 when empty */
int64_t sim_hist_max(const sim_hist *h);  /* 0 when empty */
double sim_hist_sum(const sim_hist *h);   /* exact sum rounded to double */
double sim_hist_mean(const sim_hist *h);  /* exact sum / count; 0 when empty */

/* The value at quantile p in [0,1] (asserted): the bucket holding the
 * nearest-rank element ceil(p*count) (rank 1 for p = 0), reported as the bucket
 * middle clamped to [min, max].  p = 0 gives min and p = 1 gives max exactly.
 * 0 when empty. */
int64_t sim_hist_quantile(const sim_hist *h, double p);

/* Bucket of a value and its bounds (inclusive), for reports and tests. */
size_t sim_hist_bucket_index(int64_t value);
int64_t sim_hist_bucket_lo(size_t index);
int64_t sim_hist_bucket_hi(size_t index);

/* Iteration over the non-empty buckets in increasing order:
 *     sim_hist_iter it;
 *     sim_hist_iter_init(&it, h);
 *     while (sim_hist_iter_next(&it)) use(it.lo, it.hi, it.count);
 * lo and hi are the inclusive bounds of the bucket.  h must not change meanwhile. */
typedef struct sim_hist_iter {
    int64_t lo, hi;     /* public, read-only */
    uint64_t count;     /* public, read-only */
    const sim_hist *_h;
    size_t _next;
} sim_hist_iter;

void sim_hist_iter_init(sim_hist_iter *it, const sim_hist *h);
bool sim_hist_iter_next(sim_hist_iter *it);

#endif
