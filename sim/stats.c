/*
 * stats.c - Welford running mean/variance with Chan et al.'s merge (stats.h).
 *
 * add:   n += 1; delta = x - mean; mean += delta / n; m2 += delta * (x - mean)
 * merge: n = na + nb; delta = mean_b - mean_a;
 *        mean = mean_a + delta * nb / n; m2 = m2_a + m2_b + delta^2 * na * nb / n
 * Both keep m2 >= 0 up to rounding and never subtract large sums of squares,
 * which is what makes them stable where the textbook sum(x^2) - n mean^2 is not.
 */
#include "sim/stats.h"

#include <assert.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

void sim_welford_init(sim_welford *w)
{
    w->n = 0;
    w->mean = 0;
    w->m2 = 0;
}

void sim_welford_add(sim_welford *w, double x)
{
    w->n++;
    double delta = x - w->mean;
    w->mean += delta / (double)w->n;
    w->m2 += delta * (x - w->mean);
}

void sim_welford_merge(sim_welford *dst, const sim_welford *src)
{
    if (src->n == 0)
        return;
    if (dst->n == 0) {
        *dst = *src;
        return;
    }
    double na = (double)dst->n, nb = (double)src->n, n = na + nb;
    double delta = src->mean - dst->mean;
    dst->mean += delta * nb / n;
    dst->m2 += src->m2 + delta * delta * na * nb / n;
    dst->n += src->n;
}

double sim_welford_mean(const sim_welford *w)
{
    return w->n ? w->mean : 0;
}

double sim_welford_variance(const sim_welford *w)
{
    return w->n < 2 ? 0 : w->m2 / (double)(w->n - 1);
}

double sim_welford_stddev(const sim_welford *w)
{
    return sqrt(sim_welford_variance(w));
}

double sim_welford_ci_halfwidth(const sim_welford *w, double level)
{
    assert(level > 0 && level < 1);
    if (w->n < 2)
        return INFINITY;
    double t = gsl_cdf_tdist_Pinv((1 + level) / 2, (double)(w->n - 1));
    return t * sim_welford_stddev(w) / sqrt((double)w->n);
}
