/*
 * charts_report.c - charts and report.html for a report directory (see
 * charts_report.h).
 */
#include "reports/charts_report.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "reports/charts.h"
#include "reports/charts_data.h"
#include "reports/html.h"

#define PATH_CAP 4200

static int write_page(const rpt_chart_data *d, const char *dir, const rpt_charts_drawn *drawn,
                      char *err, size_t cap)
{
    char tmp[PATH_CAP], dst[PATH_CAP];
    snprintf(tmp, sizeof tmp, "%s/.report.html.tmp", dir);
    snprintf(dst, sizeof dst, "%s/report.html", dir);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, cap, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = rpt_html_write(f, d, dir, drawn);
    if (fclose(f) != 0 || rc != 0) {
        snprintf(err, cap, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, dst) != 0) {
        snprintf(err, cap, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int rpt_report_draw(const char *results, const char *dir, bool png, FILE *notes,
                    size_t *ncharts, char *err, size_t cap)
{
    if (ncharts)
        *ncharts = 0;
    if (strlen(dir) > PATH_CAP - 64) {
        snprintf(err, cap, "report directory path too long");
        return -1;
    }
    rpt_chart_data d;
    if (rpt_chart_data_load(&d, results, err, cap) != 0)
        return -1;
    rpt_charts_drawn drawn;
    rpt_charts_draw(&d, dir, png, notes, &drawn);
    if (ncharts)
        *ncharts = drawn.count;
    int rc = write_page(&d, dir, &drawn, err, cap);
    rpt_chart_data_fini(&d);
    return rc;
}

void rpt_report_draw_remove(const char *dir)
{
    char p[PATH_CAP];
    for (size_t i = 0; i < RPT_NCHARTS; i++) {
        snprintf(p, sizeof p, "%s/%s.svg", dir, rpt_chart_name(i));
        unlink(p);
        snprintf(p, sizeof p, "%s/%s.png", dir, rpt_chart_name(i));
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/report.html", dir);
    unlink(p);
}
