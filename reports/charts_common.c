/*
 * charts_common.c - helpers shared by the chart modules (charts_int.h): gnuplot
 * string quoting, the time axis and grid, picking the busiest routes and
 * services, and the timeline drawn over time charts.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "reports/charts_int.h"

void rpt__gp_string(FILE *gp, const char *s)
{
    fputc('\'', gp);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', gp);
        if (*s == '\n' || *s == '\r')
            fputc(' ', gp); /* a newline would end the command */
        else
            fputc(*s, gp);
    }
    fputc('\'', gp);
}

void rpt__gp_number(FILE *gp, double v)
{
    if (!isfinite(v))
        v = 0;
    fprintf(gp, "%.9g", v);
}

void rpt__time_range(const rpt_chart_data *d, double *lo, double *hi)
{
    *lo = d->warmup_s > 0 ? d->warmup_s : 0;
    *hi = d->duration_s;
    if (!(*hi > *lo)) {
        *lo = 0;
        *hi = d->duration_s > 0 ? d->duration_s : 1;
    }
}

double rpt__window_s(const rpt_chart_data *d)
{
    if (d->window_s > 0)
        return d->window_s;
    double best = INFINITY;
    for (size_t i = 0; i + 1 < d->nwindows; i++) {
        double gap = d->windows[i + 1].t_s - d->windows[i].t_s;
        if (gap > 0 && gap < best)
            best = gap;
    }
    if (isfinite(best))
        return best;
    double lo, hi;
    rpt__time_range(d, &lo, &hi);
    return hi - lo;
}

double rpt__window_len(const rpt_chart_data *d, double t)
{
    double w = rpt__window_s(d), end = t + w;
    if (d->duration_s > t && end > d->duration_s)
        end = d->duration_s;
    return end > t ? end - t : w;
}

void rpt__gp_time_axis(FILE *gp, const rpt_chart_data *d)
{
    double lo, hi;
    rpt__time_range(d, &lo, &hi);
    fputs("set xrange [", gp);
    rpt__gp_number(gp, lo);
    fputc(':', gp);
    rpt__gp_number(gp, hi);
    fputs("]\nset xlabel 'simulated time (s)'\n", gp);
}

double rpt__axis_max(double max, double floor_)
{
    if (!(max > 0) || !isfinite(max))
        return floor_;
    return max * 1.1;
}

typedef struct ranked {
    size_t index;
    uint64_t requests;
    int64_t id;
} ranked;

static int by_requests_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->requests != y->requests)
        return x->requests > y->requests ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t rpt__busiest_series(const rpt_chart_data *d, size_t *out, size_t cap, size_t *total)
{
    ranked *r = ms_xcalloc(d->nseries ? d->nseries : 1, sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < d->nseries; i++)
        if (d->series[i].requests)
            r[n++] = (ranked){i, d->series[i].requests, d->series[i].id};
    qsort(r, n, sizeof *r, by_requests_desc);
    size_t k = n < cap ? n : cap;
    for (size_t i = 0; i < k; i++)
        out[i] = r[i].index;
    free(r);
    if (total)
        *total = n;
    return k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void rpt__grid_init(rpt__grid *g, const rpt_chart_data *d)
{
    g->t = ms_xmalloc((d->nwindows ? d->nwindows : 1) * sizeof *g->t);
    for (size_t i = 0; i < d->nwindows; i++)
        g->t[i] = d->windows[i].t_s;
    qsort(g->t, d->nwindows, sizeof *g->t, cmp_double);
    g->n = 0;
    for (size_t i = 0; i < d->nwindows; i++)
        if (!g->n || g->t[g->n - 1] != g->t[i])
            g->t[g->n++] = g->t[i];
}

void rpt__grid_fini(rpt__grid *g)
{
    free(g->t);
    g->t = NULL;
    g->n = 0;
}

size_t rpt__grid_index(const rpt__grid *g, double t)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->t[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t rpt__services(const rpt_chart_data *d, const char **out, size_t cap, size_t *total)
{
    /* distinct names with their request sums, then the busiest */
    const char **names = ms_xcalloc(d->nseries ? d->nseries : 1, sizeof *names);
    ranked *r = ms_xcalloc(d->nseries ? d->nseries : 1, sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < d->nseries; i++) {
        const rpt_chart_series *s = &d->series[i];
        if (!s->requests)
            continue;
        size_t j = 0;
        while (j < n && strcmp(names[j], s->service) != 0)
            j++;
        if (j == n) {
            names[n] = s->service;
            r[n] = (ranked){j, 0, (int64_t)j};
            n++;
        }
        r[j].requests += s->requests;
    }
    qsort(r, n, sizeof *r, by_requests_desc);
    size_t k = n < cap ? n : cap;
    for (size_t i = 0; i < k; i++)
        out[i] = names[r[i].index];
    free(names);
    free(r);
    if (total)
        *total = n;
    return k;
}

/* --- timeline --------------------------------------------------------------- */

typedef struct kind_style {
    const char *kind, *color, *key;
    bool shaded; /* intervals shaded; instants are lines */
} kind_style;

static const kind_style kinds[] = {
    {"fault", "#d62728", "fault", true},
    {"ejection", "#ff7f0e", "outlier ejection", true},
    {"pod", "#17becf", "pod down", true},
    {"push", "#7f7f7f", "config push", false},
    {"rollout", "#1f77b4", "rollout step", false},
    {"assertion", "#9467bd", "assertion failed", false},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

typedef struct span {
    double lo, hi;
} span;

static int by_lo(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Up to this many intervals of a kind are shaded one by one, so overlaps
 * (several hosts ejected at once) show darker; more are merged first. */
#define MAX_SEPARATE_SPANS 200

/* The kind's intervals (shaded kinds) or instants, clipped to [lo, hi].
 * Instants closer than `snap` are merged, and so are overlapping intervals
 * when there are more than MAX_SEPARATE_SPANS.  Returns how many; *out is the
 * caller's to free. */
static size_t kind_spans(const rpt_chart_data *d, const kind_style *k, double lo, double hi,
                         double snap, span **out)
{
    span *s = ms_xcalloc(d->ntimeline ? d->ntimeline : 1, sizeof *s);
    size_t n = 0;
    for (size_t i = 0; i < d->ntimeline; i++) {
        const rpt_chart_event *e = &d->timeline[i];
        if (strcmp(e->kind, k->kind) != 0)
            continue;
        double a = e->t_s, b = k->shaded ? e->end_s : e->t_s;
        if (b < lo || a > hi)
            continue;
        s[n++] = (span){a < lo ? lo : a, b > hi ? hi : b};
    }
    qsort(s, n, sizeof *s, by_lo);
    if (k->shaded && n <= MAX_SEPARATE_SPANS) {
        *out = s;
        return n;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && s[i].lo <= s[m - 1].hi + snap) {
            if (s[i].hi > s[m - 1].hi)
                s[m - 1].hi = s[i].hi;
        } else {
            s[m++] = s[i];
        }
    }
    *out = s;
    return m;
}

void rpt__gp_timeline_objects(FILE *gp, const rpt_chart_data *d)
{
    double lo, hi;
    rpt__time_range(d, &lo, &hi);
    double snap = (hi - lo) / 500; /* about a pixel: nearer marks would overlap anyway */
    for (size_t k = 0; k < NKINDS; k++) {
        span *s;
        size_t n = kind_spans(d, &kinds[k], lo, hi, snap, &s);
        for (size_t i = 0; i < n; i++) {
            if (kinds[k].shaded && s[i].hi - s[i].lo > snap) {
                fputs("set object rect from first ", gp);
                rpt__gp_number(gp, s[i].lo);
                fputs(", graph 0 to first ", gp);
                rpt__gp_number(gp, s[i].hi);
                fprintf(gp, ", graph 1 behind fillcolor rgb '%s' fillstyle transparent solid 0.15 noborder\n",
                        kinds[k].color);
            } else {
                fputs("set arrow from first ", gp);
                rpt__gp_number(gp, s[i].lo);
                fputs(", graph 0 to first ", gp);
                rpt__gp_number(gp, s[i].lo);
                fprintf(gp, ", graph 1 nohead back linecolor rgb '%s' linewidth 1.5 dashtype 2\n",
                        kinds[k].color);
            }
        }
        free(s);
    }
}

void rpt__gp_timeline_keys(FILE *gp, const rpt_chart_data *d)
{
    double lo, hi;
    rpt__time_range(d, &lo, &hi);
    for (size_t k = 0; k < NKINDS; k++) {
        span *s;
        size_t n = kind_spans(d, &kinds[k], lo, hi, 0, &s);
        bool any_interval = false;
        for (size_t i = 0; i < n; i++)
            any_interval |= s[i].hi > s[i].lo;
        free(s);
        if (!n)
            continue;
        if (kinds[k].shaded && any_interval)
            fprintf(gp, ", keyentry with boxes fillcolor rgb '%s' fillstyle solid 0.35 noborder"
                        " title '%s'", kinds[k].color, kinds[k].key);
        else
            fprintf(gp, ", keyentry with lines linecolor rgb '%s' linewidth 1.5 dashtype 2"
                        " title '%s'", kinds[k].color, kinds[k].key);
    }
}

void rpt__gp_timeline_clear(FILE *gp)
{
    fputs("unset object\nunset arrow\n", gp);
}

void rpt__panel_layout(size_t n, int *rows, int *cols)
{
    *cols = n > 1 ? 2 : 1;
    *rows = n ? (int)((n + (size_t)*cols - 1) / (size_t)*cols) : 1;
}

void rpt__gp_empty(FILE *gp, const char *title, const char *message)
{
    fputs("set title ", gp);
    rpt__gp_string(gp, title);
    fputs("\nunset xtics\nunset ytics\nunset key\nunset border\nset label 1 ", gp);
    rpt__gp_string(gp, message);
    fputs(" at graph 0.5, graph 0.5 center\nset xrange [0:1]\nset yrange [0:1]\n"
          "plot 2 notitle\n",
          gp);
}
