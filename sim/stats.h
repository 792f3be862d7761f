/*
 * stats.h - streaming statistics: Welford's running mean and variance.
 *
 * Numerically stable one-pass mean/variance (Welford 1962), and the pairwise
 * merge of Chan, Golub & LeVeque (1979) so per-window or per-replication
 * accumulators combine exactly as if all values had been added to one.
 * Invariant: n values added; mean is their mean; m2 = sum (x - mean)^2.
 * A value type: zero-initialised ({0}) is an empty accumulator.
 */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <stdint.h>

typedef struct sim_welford {
    uint64_t n;
    double mean;
    double m2;
} sim_welford;

void sim_welford_init(sim_welford *w);          /* empty */
void sim_welford_add(sim_welford *w, double x);
void sim_welford_merge(sim_welford *dst, const sim_welford *src); /* dst += src */
double sim_welford_mean(const sim_welford *w);     /* 0 when empty */
double sim_welford_variance(const sim_welford *w); /* sample (n-1); 0 when n < 2 */
double sim_welford_stddev(const sim_welford *w);

/* Half-width of the two-sided Student-t confidence interval for the mean at
 * `level` in (0,1) (e.g. 0.95): t_{(1+level)/2, n-1} * s / sqrt(n).  For
 * replications.  INFINITY when n < 2. */
double sim_welford_ci_halfwidth(const sim_welford *w, double level);

#endif
