/*
 * dist.c - distribution samplers, analytic means and inverse CDFs (dist.h).
 *
 * Parameters are validated and converted once in sim_dist_init; sampling is a
 * switch over the kind and one gsl_ran_* call, using the caller's stream.
 * Meaning of the converted parameters (a, b) per kind, in GSL's argument order:
 *   CONSTANT     a = value
 *   EXPONENTIAL  a = mean                  gsl_ran_exponential(r, mean)
 *   LOGNORMAL    a = mu, b = sigma         gsl_ran_lognormal(r, zeta, sigma)
 *   GAMMA        a = shape k, b = scale    gsl_ran_gamma(r, a, b)
 *   UNIFORM      a = min, b = max          gsl_ran_flat(r, a, b)
 *   PARETO       a = shape, b = scale x_m  gsl_ran_pareto(r, a, b)
 *   WEIBULL      a = scale, b = shape      gsl_ran_weibull(r, a, b)
 *   EMPIRICAL    p[0..n), v[0..n)          inverse CDF, linear interpolation
 * Invariant after a successful init: every sample and every quantile is >= 0,
 * and `mean` holds the analytic mean.
 */
#include "sim/dist.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

static bool pos(double x)
{
    return isfinite(x) && x > 0;
}

static bool nonneg(double x)
{
    return isfinite(x) && x >= 0;
}

/* Validate and copy the quantile table; mean by integrating the inverse CDF
 * (trapezoids between points, atoms at both ends). */
static int init_empirical(sim_dist *d, const ms_dist_spec *s)
{
    size_t n = s->nquantiles;
    if (n == 0 || n > MS_DIST_MAX_QUANTILES)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(s->q_p[i]) && s->q_p[i] >= 0 && s->q_p[i] <= 1) || !nonneg(s->q_v[i]))
            return -1;
        if (i > 0 && (s->q_p[i] <= s->q_p[i - 1] || s->q_v[i] < s->q_v[i - 1]))
            return -1;
    }
    d->n = n;
    memcpy(d->p, s->q_p, n * sizeof(double));
    memcpy(d->v, s->q_v, n * sizeof(double));
    double m = d->p[0] * d->v[0] + (1 - d->p[n - 1]) * d->v[n - 1];
    for (size_t i = 0; i + 1 < n; i++)
        m += (d->p[i + 1] - d->p[i]) * (d->v[i] + d->v[i + 1]) / 2;
    d->mean = m;
    return 0;
}

/* Mean of Weibull(scale, shape) = scale * Gamma(1 + 1/shape). */
static int weibull_mean(double scale, double shape, double *mean)
{
    gsl_sf_result g;
    int status = gsl_sf_gamma_e(1 + 1 / shape, &g);
    if (status == GSL_EOVRFLW) {
        *mean = INFINITY;
        return 0;
    }
    if (status != GSL_SUCCESS)
        return -1;
    *mean = scale * g.val;
    return 0;
}

static int init_kind(sim_dist *d, const ms_dist_spec *s)
{
    switch (s->kind) {
    case MS_DIST_CONSTANT:
        if (!nonneg(s->value))
            return -1;
        d->a = d->mean = s->value;
        return 0;
    case MS_DIST_EXPONENTIAL:
        if (!pos(s->mean))
            return -1;
        d->a = d->mean = s->mean;
        return 0;
    case MS_DIST_LOGNORMAL:
        if (!pos(s->median) || !pos(s->p99) || s->p99 <= s->median)
            return -1;
        d->a = log(s->median);
        d->b = (log(s->p99) - log(s->median)) / gsl_cdf_ugaussian_Pinv(0.99);
        d->mean = exp(d->a + d->b * d->b / 2);
        return 0;
    case MS_DIST_GAMMA:
        if (!pos(s->mean) || !pos(s->cv))
            return -1;
        d->a = 1 / (s->cv * s->cv);
        d->b = s->mean * s->cv * s->cv;
        if (!pos(d->a) || !pos(d->b))
            return -1;
        d->mean = s->mean;
        return 0;
    case MS_DIST_UNIFORM:
        if (!nonneg(s->min) || !nonneg(s->max) || s->min > s->max)
            return -1;
        d->a = s->min;
        d->b = s->max;
        d->mean = (s->min + s->max) / 2;
        return 0;
    case MS_DIST_PARETO:
        if (!pos(s->scale) || !pos(s->shape))
            return -1;
        d->a = s->shape;
        d->b = s->scale;
        d->mean = s->shape > 1 ? s->shape * s->scale / (s->shape - 1) : INFINITY;
        return 0;
    case MS_DIST_WEIBULL:
        if (!pos(s->scale) || !pos(s->shape))
            return -1;
        d->a = s->scale;
        d->b = s->shape;
        return weibull_mean(s->scale, s->shape, &d->mean);
    case MS_DIST_EMPIRICAL:
        return init_empirical(d, s);
    }
    return -1;
}

int sim_dist_init(sim_dist *d, const ms_dist_spec *spec)
{
    memset(d, 0, sizeof(*d));
    d->kind = spec->kind;
    if (init_kind(d, spec) != 0) {
        memset(d, 0, sizeof(*d));
        return -1;
    }
    return 0;
}

/* Inverse of the piecewise-linear CDF; flat (atoms) outside the table. */
static double empirical_quantile(const sim_dist *d, double p)
{
    size_t n = d->n;
    if (p <= d->p[0])
        return d->v[0];
    if (p >= d->p[n - 1])
        return d->v[n - 1];
    size_t lo = 0, hi = n - 1; /* p[lo] < p < p[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->p[mid] <= p)
            lo = mid;
        else
            hi = mid;
    }
    double f = (p - d->p[lo]) / (d->p[hi] - d->p[lo]);
    return d->v[lo] + f * (d->v[hi] - d->v[lo]);
}

double sim_dist_sample(const sim_dist *d, sim_rng *r)
{
    gsl_rng *g = sim_rng_gsl(r);
    switch (d->kind) {
    case MS_DIST_CONSTANT:
        return d->a;
    case MS_DIST_EXPONENTIAL:
        return gsl_ran_exponential(g, d->a);
    case MS_DIST_LOGNORMAL:
        return gsl_ran_lognormal(g, d->a, d->b);
    case MS_DIST_GAMMA:
        return gsl_ran_gamma(g, d->a, d->b);
    case MS_DIST_UNIFORM:
        return gsl_ran_flat(g, d->a, d->b);
    case MS_DIST_PARETO:
        return gsl_ran_pareto(g, d->a, d->b);
    case MS_DIST_WEIBULL:
        return gsl_ran_weibull(g, d->a, d->b);
    case MS_DIST_EMPIRICAL:
        return empirical_quantile(d, gsl_rng_uniform(g));
    }
    assert(!"sim_dist_sample on an uninitialised sim_dist");
    return 0;
}

double sim_dist_mean(const sim_dist *d)
{
    return d->mean;
}

double sim_dist_quantile(const sim_dist *d, double p)
{
    assert(p >= 0 && p <= 1);
    switch (d->kind) {
    case MS_DIST_CONSTANT:
        return d->a;
    case MS_DIST_EXPONENTIAL:
        return p == 1 ? INFINITY : gsl_cdf_exponential_Pinv(p, d->a);
    case MS_DIST_LOGNORMAL:
        return p == 0 ? 0 : p == 1 ? INFINITY : gsl_cdf_lognormal_Pinv(p, d->a, d->b);
    case MS_DIST_GAMMA:
        return p == 0 ? 0 : p == 1 ? INFINITY : gsl_cdf_gamma_Pinv(p, d->a, d->b);
    case MS_DIST_UNIFORM:
        return gsl_cdf_flat_Pinv(p, d->a, d->b);
    case MS_DIST_PARETO:
        return p == 1 ? INFINITY : gsl_cdf_pareto_Pinv(p, d->a, d->b);
    case MS_DIST_WEIBULL:
        return p == 1 ? INFINITY : gsl_cdf_weibull_Pinv(p, d->a, d->b);
    case MS_DIST_EMPIRICAL:
        return empirical_quantile(d, p);
    }
    assert(!"sim_dist_quantile on an uninitialised sim_dist");
    return 0;
}

const char *sim_dist_kind_name(ms_dist_kind kind)
{
    switch (kind) {
    case MS_DIST_CONSTANT: return "constant";
    case MS_DIST_EXPONENTIAL: return "exponential";
    case MS_DIST_LOGNORMAL: return "lognormal";
    case MS_DIST_GAMMA: return "gamma";
    case MS_DIST_UNIFORM: return "uniform";
    case MS_DIST_PARETO: return "pareto";
    case MS_DIST_WEIBULL: return "weibull";
    case MS_DIST_EMPIRICAL: return "empirical";
    }
    return "unknown";
}
