/*
 * run_fixture.h - what the report tests share: a scenario loaded from the
 * source tree and run, a scratch directory under the build tree (named after
 * the test and the process, so parallel tests never meet), and reading files
 * back.  Header-only (static inline) so each test program takes what it uses.
 */
#ifndef TESTS_RUN_FIXTURE_H
#define TESTS_RUN_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/bundle.h"
#include "models/mesh.h"
#include "reports/assertions.h"

/* Remove `dir` and everything under it (symbolic links are not followed). */
static inline void rf_remove_dir(const char *dir)
{
    DIR *dd = opendir(dir);
    if (!dd)
        return;
    struct dirent *e;
    while ((e = readdir(dd))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t nd = strlen(dir), ne = strlen(e->d_name);
        char *p = malloc(nd + ne + 2);
        memcpy(p, dir, nd);
        p[nd] = '/';
        memcpy(p + nd + 1, e->d_name, ne + 1);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rf_remove_dir(p);
        else
            unlink(p);
        free(p);
    }
    closedir(dd);
    rmdir(dir);
}

/* BUILD/NAME.PID into `buf`, emptied (removed; created again when `create`). */
static inline void rf_scratch_dir(char *buf, size_t cap, const char *name, bool create)
{
    snprintf(buf, cap, "%s/%s.%ld", MESHSIM_BINARY_DIR, name, (long)getpid());
    rf_remove_dir(buf);
    if (create)
        mkdir(buf, 0777);
}

/* The whole file, NUL-terminated (its length in *len when len is not NULL);
 * NULL when it cannot be read.  The caller frees it. */
static inline char *rf_slurp(const char *path, size_t *len)
{
    if (len)
        *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)(n < 0 ? 0 : n) + 1);
    size_t got = fread(s, 1, (size_t)(n < 0 ? 0 : n), fp);
    s[got] = '\0';
    fclose(fp);
    if (len)
        *len = got;
    return s;
}

/* How many times `needle` occurs in `s` (not overlapping). */
static inline size_t rf_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* A scenario loaded and run, its assertions evaluated. */
typedef struct rf_run {
    ms_diag *d;
    cfg_bundle b;
    mdl_mesh *m;
    rpt_assertion *a;
    size_t na;
} rf_run;

/* Load `path` (a scenario file or folder) and, when
 * `run` is true, run it with options `opt` (NULL: the scenario's own) and
 * evaluate its assertions.  Returns 0, or -1 (the diagnostics on stderr). */
static inline int rf_run_load(rf_run *r, const char *path, const mdl_options *opt, bool run)
{
    memset(r, 0, sizeof *r);
    const char *paths[1] = {path};
    r->d = ms_diag_create();
    if (cfg_bundle_load(&r->b, r->d, paths, 1) != 0) {
        ms_diag_print(r->d, stderr);
        return -1;
    }
    if (!run)
        return 0;
    r->m = mdl_mesh_create(&r->b, opt, r->d);
    if (!r->m || mdl_mesh_run(r->m, NULL, NULL) != 0) {
        ms_diag_print(r->d, stderr);
        return -1;
    }
    r->na = rpt_assertions_evaluate(r->m, &r->b.sim->scenario, &r->a);
    return 0;
}

static inline void rf_run_fini(rf_run *r)
{
    free(r->a);
    mdl_mesh_destroy(r->m);
    cfg_bundle_fini(&r->b);
    ms_diag_destroy(r->d);
    memset(r, 0, sizeof *r);
}

#endif
