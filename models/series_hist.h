/*
 * series_hist.h - a sparse latency histogram for one time-series window.
 *
 * It uses exactly the buckets of sim/hist.h (so window histograms merge with
 * each other and with the run's full histograms bucket for bucket), but keeps
 * only the non-empty ones: a window holds a few hundred distinct buckets at
 * most in practice, a few KB instead of sim_hist's fixed 29.7 KB, so memory
 * grows with the traffic and not with windows x series.
 *
 * While recording, buckets live in an open-addressing table keyed by bucket
 * index (each slot one uint64: index << 48 | count).  mdl_whist_seal() turns
 * the table into an array sorted by bucket; quantiles and bucket access need a
 * sealed histogram, and nothing is recorded after sealing.
 *
 * Quantiles follow sim_hist_quantile() exactly (nearest rank, bucket middle
 * clamped to [min, max]), so a run with one window reports the same figures
 * for the window as for the whole run.
 */
#ifndef MDL_SERIES_HIST_H
#define MDL_SERIES_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mdl_whist {
    uint64_t count;    /* read-only: values recorded */
    int64_t min, max;  /* read-only: exact extremes (0 when empty) */
    double sum;        /* read-only: of the values */
    uint64_t *_slots;  /* owned */
    uint32_t _n, _cap; /* buckets used; table size (a power of two, 0 before use) */
    bool _sealed;
} mdl_whist;

/* A zeroed mdl_whist is empty and ready. */
void mdl_whist_record(mdl_whist *h, int64_t value); /* value >= 0; not sealed */
void mdl_whist_seal(mdl_whist *h);                   /* idempotent */
void mdl_whist_fini(mdl_whist *h);                   /* frees; zeroed after */

double mdl_whist_mean(const mdl_whist *h); /* 0 when empty */
/* The value at quantile p in [0,1] as sim_hist_quantile() computes it.  Sealed. */
int64_t mdl_whist_quantile(const mdl_whist *h, double p);

/* Non-empty buckets of a sealed histogram, in increasing order: i < nbuckets. */
size_t mdl_whist_nbuckets(const mdl_whist *h);
void mdl_whist_bucket(const mdl_whist *h, size_t i, int64_t *lo, int64_t *hi, uint64_t *count);

#endif
