/*
 * charts_split.c - split.svg: how each destination service's requests were
 * shared among its versions, window by window, as stacked areas (percent).
 * One panel per service that received more than one version's traffic
 * (requests that reached no version, e.g. for want of an endpoint, are shown
 * but do not count as a version); when none did, one per service.
 * Versions are stacked in name order, the same colours in every panel.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "reports/charts_int.h"

#define MAX_VERSIONS 8 /* more are summed into "other" */

static const char *const colors[MAX_VERSIONS + 1] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                                     "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                                                     "#9c755f"};

typedef struct panel {
    const char *service;
    const char *versions[MAX_VERSIONS + 1]; /* sorted; the last "other" if needed */
    size_t nversions;
} panel;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t versions_of(const rpt_chart_data *d, const char *service, const char **out)
{
    const char **all = ms_xcalloc(d->nseries ? d->nseries : 1, sizeof *all);
    size_t n = 0;
    for (size_t i = 0; i < d->nseries; i++) {
        const rpt_chart_series *s = &d->series[i];
        if (!s->requests || strcmp(s->service, service) != 0)
            continue;
        size_t j = 0;
        while (j < n && strcmp(all[j], s->version) != 0)
            j++;
        if (j == n)
            all[n++] = s->version;
    }
    qsort(all, n, sizeof *all, cmp_str);
    size_t k = n > MAX_VERSIONS ? MAX_VERSIONS : n;
    memcpy(out, all, k * sizeof *out);
    if (n > MAX_VERSIONS)
        out[k++] = "other";
    free(all);
    return k;
}

/* Panels to draw; returns how many. */
static size_t panels(const rpt_chart_data *d, panel *p)
{
    const char *names[RPT__MAX_PANELS];
    size_t ns = rpt__services(d, names, RPT__MAX_PANELS, NULL), n = 0;
    for (int multi_only = 1; multi_only >= 0 && !n; multi_only--)
        for (size_t i = 0; i < ns; i++) {
            panel q = {names[i], {0}, 0};
            q.nversions = versions_of(d, names[i], q.versions);
            size_t named = 0; /* requests that reached no version do not make a split */
            for (size_t v = 0; v < q.nversions; v++)
                named += q.versions[v][0] != '\0';
            if (named > 1 || !multi_only)
                p[n++] = q;
        }
    return n;
}

static size_t version_slot(const panel *p, const char *version)
{
    for (size_t v = 0; v < p->nversions; v++)
        if (!strcmp(p->versions[v], version))
            return v;
    return p->nversions - 1; /* "other" */
}

static void size(const rpt_chart_data *d, int *w, int *h)
{
    panel p[RPT__MAX_PANELS];
    int rows, cols;
    rpt__panel_layout(panels(d, p), &rows, &cols);
    *w = cols > 1 ? 1100 : 800;
    *h = 50 + 230 * rows;
}

static void data(FILE *gp, const rpt_chart_data *d)
{
    panel p[RPT__MAX_PANELS];
    size_t np = panels(d, p);
    rpt__grid grid;
    rpt__grid_init(&grid, d);
    uint64_t *counts = ms_xcalloc((grid.n ? grid.n : 1) * (MAX_VERSIONS + 1), sizeof *counts);
    for (size_t k = 0; k < np; k++) {
        memset(counts, 0, (grid.n ? grid.n : 1) * (MAX_VERSIONS + 1) * sizeof *counts);
        for (size_t i = 0; i < d->nseries; i++) {
            const rpt_chart_series *s = &d->series[i];
            if (strcmp(s->service, p[k].service) != 0)
                continue;
            size_t v = version_slot(&p[k], s->version);
            for (size_t j = 0; j < s->nwindows; j++) {
                const rpt_chart_window *win = &d->windows[s->first_window + j];
                counts[rpt__grid_index(&grid, win->t_s) * (MAX_VERSIONS + 1) + v] += win->requests;
            }
        }
        /* columns: time, then the running sum of the shares (0..100) */
        fprintf(gp, "$split%zu << EOD\n", k);
        bool gap = false;
        for (size_t g = 0; g < grid.n; g++) {
            uint64_t *c = &counts[g * (MAX_VERSIONS + 1)], total = 0;
            for (size_t v = 0; v < p[k].nversions; v++)
                total += c[v];
            if (!total) {
                if (!gap && g)
                    fputc('\n', gp);
                gap = true;
                continue;
            }
            gap = false;
            rpt__gp_number(gp, grid.t[g] + rpt__window_len(d, grid.t[g]) / 2);
            uint64_t run = 0;
            for (size_t v = 0; v < p[k].nversions; v++) {
                run += c[v];
                fputc(' ', gp);
                rpt__gp_number(gp, 100.0 * (double)run / (double)total);
            }
            fputc('\n', gp);
        }
        fputs("EOD\n", gp);
    }
    free(counts);
    rpt__grid_fini(&grid);
}

static void plot(FILE *gp, const rpt_chart_data *d)
{
    panel p[RPT__MAX_PANELS];
    size_t np = panels(d, p);
    if (!np) {
        rpt__gp_empty(gp, "Traffic split by version", "no request was measured");
        return;
    }
    int rows, cols;
    rpt__panel_layout(np, &rows, &cols);
    fprintf(gp, "set multiplot layout %d,%d title 'Traffic split by destination version"
                " (share of each service''s requests per window)' font ',14'\n",
            rows, cols);
    rpt__gp_time_axis(gp, d);
    fputs("set yrange [0:100]\nset ylabel 'share of requests (%)'\nset ytics 0,25,100\n"
          "set key outside right top vertical\nset style fill solid 0.85 noborder\n",
          gp);
    for (size_t k = 0; k < np; k++) {
        fputs("set title ", gp);
        rpt__gp_string(gp, p[k].service[0] ? p[k].service : "(no service)");
        fputs("\nplot ", gp);
        for (size_t v = 0; v < p[k].nversions; v++) {
            if (v == 0)
                fprintf(gp, "$split%zu using 1:(0):2", k);
            else
                fprintf(gp, ", $split%zu using 1:%zu:%zu", k, v + 1, v + 2);
            fprintf(gp, " with filledcurves lc rgb '%s' title ", colors[v]);
            rpt__gp_string(gp, p[k].versions[v][0] ? p[k].versions[v] : "(no version)");
        }
        fputc('\n', gp);
    }
    fputs("unset multiplot\n", gp);
}

const rpt__chart rpt__chart_split = {"split", "Traffic split by destination version", size, data,
                                     plot};
