/*
 * dist_spec.h - a probability distribution as the user wrote it.
 *
 * config/ parses `{dist: lognormal, median: 20ms, p99: 200ms}` into this value
 * type and checks it (p99 above median, positive scales...); sim/dist.h turns it
 * into a sampler.  Durations are in nanoseconds, as doubles.  The parameter names
 * follow scenario-format.md "Units".
 */
#ifndef MS_DIST_SPEC_H
#define MS_DIST_SPEC_H

#include <stddef.h>

typedef enum ms_dist_kind {
    MS_DIST_CONSTANT,    /* value */
    MS_DIST_EXPONENTIAL, /* mean */
    MS_DIST_LOGNORMAL,   /* median, p99 */
    MS_DIST_GAMMA,       /* mean, cv */
    MS_DIST_UNIFORM,     /* min, max */
    MS_DIST_PARETO,      /* scale (minimum), shape */
    MS_DIST_WEIBULL,     /* scale, shape */
    MS_DIST_EMPIRICAL,   /* quantile table: q_p ascending in [0,1], q_v non-decreasing */
} ms_dist_kind;

#define MS_DIST_MAX_QUANTILES 32

typedef struct ms_dist_spec {
    ms_dist_kind kind;
    double value;
    double mean;
    double median, p99;
    double cv;
    double min, max;
    double scale, shape;
    size_t nquantiles;
    double q_p[MS_DIST_MAX_QUANTILES];
    double q_v[MS_DIST_MAX_QUANTILES];
} ms_dist_spec;

static inline ms_dist_spec ms_dist_constant(double value)
{
    ms_dist_spec d = {0};
    d.kind = MS_DIST_CONSTANT;
    d.value = value;
    return d;
}

static inline ms_dist_spec ms_dist_exponential(double mean)
{
    ms_dist_spec d = {0};
    d.kind = MS_DIST_EXPONENTIAL;
    d.mean = mean;
    return d;
}

#endif
