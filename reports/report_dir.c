/*
 * report_dir.c - the report directory, written atomically (see report_dir.h).
 */
#include "reports/report_dir.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/charts_report.h"
#include "reports/export.h"
#include "reports/summary.h"

#define PATH_CAP 4096

/* summary.json, or the export `format` (a RPT_EXPORT_* bit) when not 0. */
static int write_text(const char *tmp, unsigned format, const mdl_mesh *m, const rpt_assertion *a,
                      size_t na, char *err, size_t cap)
{
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, cap, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (format)
        rpt_export_write(f, format, mdl_mesh_results(m));
    else
        rpt_summary_json(f, m, a, na);
    if (ferror(f) + fclose(f) != 0) {
        snprintf(err, cap, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write one file of the report as WORK/.NAME.tmp, then rename it to WORK/NAME:
 * the database (db), summary.json, or an export (format). */
static int write_one(const char *work, const char *name, bool db, unsigned format,
                     const mdl_mesh *m, const rpt_assertion *a, size_t na,
                     const rpt_run_info *info, char *err, size_t cap)
{
    char tmp[PATH_CAP + 64], dst[PATH_CAP + 64];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", work, name);
    snprintf(dst, sizeof dst, "%s/%s", work, name);
    unlink(tmp);
    int rc = db ? rpt_store_write(tmp, m, a, na, info, err, cap)
                : write_text(tmp, format, m, a, na, err, cap);
    if (rc == 0 && rename(tmp, dst) != 0) {
        snprintf(err, cap, "cannot rename %s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    return rc;
}

static void make_parents(const char *dir)
{
    char parent[PATH_CAP];
    snprintf(parent, sizeof parent, "%s", dir);
    for (char *p = parent + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(parent, 0777);
            *p = '/';
        }
}

int rpt_report_dir_open(const char *dir, char *work, size_t wcap, bool *fresh, char *err,
                        size_t cap)
{
    if (strlen(dir) >= PATH_CAP - 32) {
        snprintf(err, cap, "output path too long");
        return -1;
    }
    struct stat st;
    *fresh = stat(dir, &st) != 0;
    if (!*fresh && !S_ISDIR(st.st_mode)) {
        snprintf(err, cap, "%s exists and is not a directory", dir);
        return -1;
    }
    if (!*fresh) {
        snprintf(work, wcap, "%s", dir);
        return 0;
    }
    make_parents(dir);
    snprintf(work, wcap, "%s.tmp.%ld", dir, (long)getpid());
    if (mkdir(work, 0777) != 0) {
        snprintf(err, cap, "cannot create %s: %s", work, strerror(errno));
        return -1;
    }
    return 0;
}

/* The charts and report.html, drawn from the results file just written.  Not
 * being able to draw them is a warning on stderr: the results are complete. */
static void draw(const char *work, const rpt_run_info *info)
{
    char results[PATH_CAP + 64], err[PATH_CAP + 256];
    snprintf(results, sizeof results, "%s/results.sqlite", work);
    if (rpt_report_draw(results, work, info && info->png, stderr, NULL, err, sizeof err) != 0)
        fprintf(stderr, "meshsim: warning: report.html not written: %s\n", err);
}

int rpt_report_dir_write(const char *dir, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                         const rpt_run_info *info, char *err, size_t cap)
{
    static const char *const files[] = {"results.sqlite", "summary.json"};
    unsigned exports = info ? info->exports : 0;
    char work[PATH_CAP];
    bool fresh;
    if (rpt_report_dir_open(dir, work, sizeof work, &fresh, err, cap) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof files / sizeof files[0]; i++)
        rc = write_one(work, files[i], i == 0, 0, m, a, na, info, err, cap);
    for (int i = 0; rc == 0 && i < RPT_EXPORT_COUNT; i++)
        if (exports & rpt_export_format(i))
            rc = write_one(work, rpt_export_file_name(rpt_export_format(i)), false,
                           rpt_export_format(i), m, a, na, info, err, cap);
    if (rc == 0)
        draw(work, info);
    if (fresh && rc == 0 && rename(work, dir) != 0) {
        snprintf(err, cap, "cannot rename %s to %s: %s", work, dir, strerror(errno));
        rc = -1;
    }
    if (fresh && rc != 0) {
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            char p[PATH_CAP + 64];
            snprintf(p, sizeof p, "%s/%s", work, files[i]);
            unlink(p);
        }
        for (int i = 0; i < RPT_EXPORT_COUNT; i++) {
            char p[PATH_CAP + 64];
            snprintf(p, sizeof p, "%s/%s", work, rpt_export_file_name(rpt_export_format(i)));
            unlink(p);
        }
        rpt_report_draw_remove(work);
        rmdir(work);
    }
    return rc;
}
