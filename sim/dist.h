/*
 * dist.h - samplers for the distributions users write (base/dist_spec.h).
 *
 * A sim_dist is a small value type built once from a spec (parameters are
 * converted and validated once, not at each draw) and sampled with a caller's
 * stream.  Parametrisations, as operators think (architecture.md "Engine"):
 *   constant(value)          always `value`
 *   exponential(mean)        rate 1/mean
 *   lognormal(median, p99)   mu = ln median, sigma = (ln p99 - ln median)/z_0.99
 *   gamma(mean, cv)          shape k = 1/cv^2, scale theta = mean*cv^2
 *   uniform(min, max)        flat on [min, max]
 *   pareto(scale, shape)     x_m = scale (the minimum value), alpha = shape
 *   weibull(scale, shape)    lambda = scale, k = shape
 *   empirical(q_p[], q_v[])  inverse-CDF of a quantile table, linear between
 *                            points; below the first probability the value is
 *                            q_v[0], above the last it is q_v[n-1] (atoms of
 *                            mass q_p[0] and 1 - q_p[n-1]): the table is never
 *                            extrapolated, so give p = 0 and p = 1 for none.
 * Values are in the spec's unit (ns for durations) and never negative: specs
 * that could produce negative values are rejected.
 */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <stddef.h>

#include "base/dist_spec.h"
#include "sim/rng.h"

typedef struct sim_dist {
    ms_dist_kind kind;
    double a, b;        /* converted parameters, per kind (see dist.c) */
    double mean;        /* analytic mean, computed at init */
    size_t n;           /* empirical: number of points */
    double p[MS_DIST_MAX_QUANTILES];
    double v[MS_DIST_MAX_QUANTILES];
} sim_dist;

/* Build a sampler from `spec` (copied; the spec need not outlive d).  Returns
 * 0, or -1 when the parameters are invalid: non-finite numbers; constant < 0;
 * exponential mean <= 0; lognormal median <= 0 or p99 <= median; gamma mean <= 0
 * or cv <= 0; uniform min < 0 or min > max; pareto or weibull scale <= 0 or
 * shape <= 0; empirical with 0 or more than MS_DIST_MAX_QUANTILES points,
 * probabilities outside [0,1] or not strictly ascending, values negative or
 * decreasing; unknown kind.  On -1, *d is left zeroed. */
int sim_dist_init(sim_dist *d, const ms_dist_spec *spec);

/* One draw from r.  Never negative. */
double sim_dist_sample(const sim_dist *d, sim_rng *r);

/* Analytic mean (INFINITY for pareto with shape <= 1). */
double sim_dist_mean(const sim_dist *d);

/* Analytic inverse CDF at p in [0,1] (asserted): the smallest x with
 * P(X <= x) >= p.  May be INFINITY at p = 1 for unbounded kinds. */
double sim_dist_quantile(const sim_dist *d, double p);

/* Short name of the kind ("lognormal"...), static storage. */
const char *sim_dist_kind_name(ms_dist_kind kind);

#endif
