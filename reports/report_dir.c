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

#include "reports/summary.h"

#define PATH_CAP 4096

static int write_summary(const char *tmp, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                         char *err, size_t cap)
{
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, cap, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    rpt_summary_json(f, m, a, na);
    if (fclose(f) != 0) {
        snprintf(err, cap, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write one file of the report as WORK/.NAME.tmp, then rename it to WORK/NAME. */
static int write_one(const char *work, const char *name, bool db, const mdl_mesh *m,
                     const rpt_assertion *a, size_t na, const rpt_run_info *info, char *err,
                     size_t cap)
{
    char tmp[PATH_CAP + 64], dst[PATH_CAP + 64];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", work, name);
    snprintf(dst, sizeof dst, "%s/%s", work, name);
    unlink(tmp);
    int rc = db ? rpt_store_write(tmp, m, a, na, info, err, cap)
                : write_summary(tmp, m, a, na, err, cap);
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

int rpt_report_dir_write(const char *dir, const mdl_mesh *m, const rpt_assertion *a, size_t na,
                         const rpt_run_info *info, char *err, size_t cap)
{
    static const char *const files[] = {"results.sqlite", "summary.json"};
    if (strlen(dir) >= PATH_CAP - 32) {
        snprintf(err, cap, "output path too long");
        return -1;
    }
    struct stat st;
    bool fresh = stat(dir, &st) != 0;
    if (!fresh && !S_ISDIR(st.st_mode)) {
        snprintf(err, cap, "%s exists and is not a directory", dir);
        return -1;
    }
    char work[PATH_CAP];
    if (fresh) {
        make_parents(dir);
        snprintf(work, sizeof work, "%s.tmp.%ld", dir, (long)getpid());
        if (mkdir(work, 0777) != 0) {
            snprintf(err, cap, "cannot create %s: %s", work, strerror(errno));
            return -1;
        }
    } else {
        snprintf(work, sizeof work, "%s", dir);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof files / sizeof files[0]; i++)
        rc = write_one(work, files[i], i == 0, m, a, na, info, err, cap);
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
        rmdir(work);
    }
    return rc;
}
