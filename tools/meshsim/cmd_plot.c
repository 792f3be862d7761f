/*
 * cmd_plot.c - `meshsim plot RESULTS.sqlite [-o DIR] [--png]`: read a stored
 * results file and draw its charts and report.html again, by default beside
 * the file.  Exit status: 0 every chart drawn, 1 the page was written but not
 * every chart could be drawn (the warnings say why, e.g. gnuplot missing),
 * 2 usage or a results file that cannot be read.
 */
#include "tools/meshsim/cmd_plot.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/charts.h"
#include "reports/charts_report.h"

const char meshsim_usage_plot[] =
    "usage: meshsim plot RESULTS.sqlite [-o DIR] [--png]\n"
    "\n"
    "Draw the charts of a stored run again from its results file (gnuplot, SVG),\n"
    "and its report.html page with every chart inlined:\n"
    "  latency.svg  p50/p90/p99 per window, per route\n"
    "  traffic.svg  request and error rates per service, with faults, ejections,\n"
    "               pushes and rollout steps marked\n"
    "  split.svg    traffic split by destination version over time\n"
    "  cdf.svg      latency distribution per route, log axis\n"
    "  domains.svg  mean latency per route split by domain\n"
    "\n"
    "options:\n"
    "  -o, --output DIR   where to write (default: the directory of RESULTS.sqlite;\n"
    "                     created when missing)\n"
    "  --png              also write each chart as PNG\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 every chart drawn, 1 report.html written but a chart is missing\n"
    "(e.g. gnuplot not installed), 2 bad usage or unreadable results file.\n";

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char p[4096];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return -1;
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int meshsim_cmd_plot(int argc, char **argv)
{
    const char *results = NULL, *out = NULL;
    bool png = false;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(meshsim_usage_plot, stdout);
            return 0;
        } else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "meshsim: error: %s needs a value\n", s);
                return 2;
            }
            out = argv[++i];
        } else if (!strcmp(s, "--png")) {
            png = true;
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "meshsim: error: unknown option \"%s\" (see meshsim plot --help)\n", s);
            return 2;
        } else if (results) {
            fprintf(stderr, "meshsim: error: plot takes one results file, not \"%s\" too\n", s);
            return 2;
        } else {
            results = s;
        }
    }
    if (!results) {
        fprintf(stderr, "meshsim: error: plot needs a RESULTS.sqlite file (see meshsim plot --help)\n");
        return 2;
    }
    struct stat st;
    if (stat(results, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "meshsim: error: %s: %s\n", results,
                stat(results, &st) != 0 ? strerror(errno) : "not a file");
        return 2;
    }
    char dir[4096];
    if (out) {
        snprintf(dir, sizeof dir, "%s", out);
    } else {
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", results);
        snprintf(dir, sizeof dir, "%s", dirname(copy));
    }
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "meshsim: error: cannot create %s: %s\n", dir, strerror(errno));
        return 2;
    }
    char err[1024];
    size_t drawn = 0;
    if (rpt_report_draw(results, dir, png, stderr, &drawn, err, sizeof err) != 0) {
        fprintf(stderr, "meshsim: error: %s\n", err);
        return 2;
    }
    printf("report: %s/report.html (%zu of %d charts drawn)\n", dir, drawn, RPT_NCHARTS);
    return drawn == RPT_NCHARTS ? 0 : 1;
}
