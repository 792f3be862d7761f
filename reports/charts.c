/*
 * charts.c - draw every chart (charts.h): one gnuplot process per chart, fed
 * the chart's data once and its plot commands once per output format.  The
 * outputs go to DIR/.NAME.EXT.tmp and are renamed to DIR/NAME.EXT only when
 * gnuplot exited cleanly and wrote a non-empty file.
 */
#include "reports/charts.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/charts_gnuplot.h"
#include "reports/charts_int.h"

static const rpt__chart *const charts[RPT_NCHARTS] = {
    &rpt__chart_latency, &rpt__chart_traffic, &rpt__chart_split, &rpt__chart_cdf,
    &rpt__chart_domains,
};

/* Line colours for routes and services (Tableau 10, then two more). */
static const char *const line_colors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                          "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                          "#9c755f", "#bab0ac", "#1b9e77", "#7570b3"};

#define PATH_CAP 4200

const char *rpt_chart_name(size_t i)
{
    return i < RPT_NCHARTS ? charts[i]->name : NULL;
}

const char *rpt_chart_title(size_t i)
{
    return i < RPT_NCHARTS ? charts[i]->title : NULL;
}

typedef enum format { FMT_SVG, FMT_PNG } format;

static void paths(const char *dir, const char *name, format f, char *tmp, char *dst)
{
    const char *ext = f == FMT_SVG ? "svg" : "png";
    snprintf(tmp, PATH_CAP, "%s/.%s.%s.tmp", dir, name, ext);
    snprintf(dst, PATH_CAP, "%s/%s.%s", dir, name, ext);
}

static void write_script(FILE *gp, const rpt__chart *c, const rpt_chart_data *d, const char *dir,
                         bool png)
{
    int w, h;
    c->size(d, &w, &h);
    fputs("set encoding utf8\n", gp);
    for (size_t i = 0; i < sizeof line_colors / sizeof line_colors[0]; i++)
        fprintf(gp, "set linetype %zu lc rgb '%s' lw 2\n", i + 1, line_colors[i]);
    c->data(gp, d);
    for (int f = FMT_SVG; f <= (png ? FMT_PNG : FMT_SVG); f++) {
        char tmp[PATH_CAP], dst[PATH_CAP];
        paths(dir, c->name, (format)f, tmp, dst);
        fputs("reset\nset encoding utf8\n", gp);
        if (f == FMT_SVG)
            fprintf(gp, "set terminal svg size %d,%d dynamic noenhanced font 'sans,12'"
                        " background '#ffffff'\n", w, h);
        else
            fprintf(gp, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'"
                        " background '#ffffff'\n", w, h);
        fputs("set output ", gp);
        rpt__gp_string(gp, tmp);
        fputc('\n', gp);
        c->plot(gp, d);
        fputs("unset output\n", gp);
    }
}

static bool non_empty(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

static void draw_one(size_t i, const rpt_chart_data *d, const char *dir, bool png, FILE *notes,
                     rpt_charts_drawn *out)
{
    const rpt__chart *c = charts[i];
    char tmp[2][PATH_CAP], dst[2][PATH_CAP], err[2 * PATH_CAP + 256];
    int nf = png ? 2 : 1;
    for (int f = 0; f < nf; f++) {
        paths(dir, c->name, (format)f, tmp[f], dst[f]);
        unlink(tmp[f]);
    }
    rpt_gnuplot g;
    int rc = rpt_gnuplot_open(&g, err, sizeof err);
    if (rc == 0) {
        write_script(g.in, c, d, dir, png);
        rc = rpt_gnuplot_close(&g, err, sizeof err);
    }
    for (int f = 0; rc == 0 && f < nf; f++)
        if (!non_empty(tmp[f])) {
            snprintf(err, sizeof err, "gnuplot wrote nothing to %s", tmp[f]);
            rc = -1;
        }
    for (int f = 0; rc == 0 && f < nf; f++)
        if (rename(tmp[f], dst[f]) != 0) {
            snprintf(err, sizeof err, "cannot rename %s: %s", tmp[f], strerror(errno));
            rc = -1;
        } else if (f == FMT_SVG) {
            out->svg[i] = true;
            out->count++;
        } else {
            out->png[i] = true;
        }
    for (int f = 0; f < nf; f++)
        unlink(tmp[f]);
    if (rc != 0)
        fprintf(notes, "meshsim: warning: chart %s not drawn: %s\n", c->name, err);
}

void rpt_charts_draw(const rpt_chart_data *d, const char *dir, bool png, FILE *notes,
                     rpt_charts_drawn *out)
{
    memset(out, 0, sizeof *out);
    if (!rpt_gnuplot_on_path()) {
        out->gnuplot_missing = true;
        fprintf(notes, "meshsim: warning: gnuplot not found on PATH: no charts drawn"
                       " (install gnuplot-nox)\n");
        return;
    }
    if (strlen(dir) > PATH_CAP - 64) {
        fprintf(notes, "meshsim: warning: no charts drawn: directory path too long\n");
        return;
    }
    for (size_t i = 0; i < RPT_NCHARTS; i++)
        draw_one(i, d, dir, png, notes, out);
}
