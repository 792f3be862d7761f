/*
 * scenario_find.c - find the scenarios under files and directories (rules in
 * scenario_find.h).
 *
 * Each YAML file met is parsed once with a throw-away loader to see whether
 * it holds a Scenario document; nothing is decoded.  Parse errors go to the
 * caller's diag sink, so a broken file is reported once, positioned.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "config/scenario_find.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "config/yaml.h"

#define MAX_DEPTH 64

/* The real paths left out (owned). */
typedef struct excluded {
    char **real;
    size_t n;
} excluded;

static bool is_excluded(const excluded *x, const char *path)
{
    if (!x->n)
        return false;
    char *real = realpath(path, NULL);
    bool hit = false;
    for (size_t i = 0; real && i < x->n && !hit; i++)
        hit = !strcmp(real, x->real[i]);
    free(real);
    return hit;
}

static void push(cfg_scenario_list *l, const char *path)
{
    MS_VEC_GROW(l->paths, l->len, l->cap);
    l->paths[l->len++] = ms_xstrdup(path);
}

static bool has_yaml_suffix(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

/* Does the file hold a meshsim Scenario document?  Parse errors are reported. */
static bool holds_scenario(const char *path, ms_diag *d)
{
    cfg_loader *l = cfg_loader_create(d);
    bool found = false;
    if (cfg_load_path(l, path, NULL) == 0) {
        for (size_t i = 0; i < cfg_doc_count(l) && !found; i++) {
            const cfg_node *root = cfg_doc_at(l, i)->root;
            const char *kind = cfg_str(cfg_map_get(root, "kind"));
            const char *api = cfg_str(cfg_map_get(root, "apiVersion"));
            found = kind && api && !strcmp(kind, "Scenario") && !strncmp(api, "meshsim/", 8);
        }
    }
    cfg_loader_destroy(l);
    return found;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of `dir` (dot files skipped); NULL after reporting. */
static char **list_dir(const char *dir, size_t *n, ms_diag *d)
{
    DIR *h = opendir(dir);
    if (!h) {
        ms_diag_error(d, (ms_pos){dir, 0, 0}, "cannot open directory: %s", strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(h)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        MS_VEC_GROW(names, *n, cap);
        names[(*n)++] = ms_xstrdup(e->d_name);
    }
    closedir(h);
    if (*n > 1)
        qsort(names, *n, sizeof *names, cmp_str);
    return names ? names : ms_xcalloc(1, sizeof *names);
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), len = dl + strlen(name) + 2;
    char *p = ms_xmalloc(len);
    snprintf(p, len, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
    return p;
}

/* Search `dir`, appending its scenarios to `out`; *left_out is set when
 * something in it or below was excluded.  Returns -1 on errors. */
static int search_dir(const char *dir, int depth, const excluded *x, ms_diag *d,
                      cfg_scenario_list *out, bool *left_out)
{
    if (depth > MAX_DEPTH) {
        ms_diag_error(d, (ms_pos){dir, 0, 0}, "directories nested deeper than %d levels", MAX_DEPTH);
        return -1;
    }
    size_t n;
    char **names = list_dir(dir, &n, d);
    if (!names)
        return -1;
    size_t first = out->len, scenario_files = 0, last_file = 0;
    bool was_left_out = *left_out;
    *left_out = false;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = join(dir, names[i]);
        struct stat st;
        if (is_excluded(x, path)) {
            *left_out = true;
        } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (search_dir(path, depth + 1, x, d, out, left_out) != 0)
                rc = -1;
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && has_yaml_suffix(names[i])) {
            if (holds_scenario(path, d)) {
                last_file = out->len;
                push(out, path);
                scenario_files++;
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
    /* one Scenario file and nothing below: the directory is that scenario,
     * unless loading it whole would bring back something excluded */
    if (scenario_files == 1 && out->len == first + 1 && last_file == first && !*left_out) {
        free(out->paths[first]);
        out->paths[first] = ms_xstrdup(dir);
    }
    *left_out |= was_left_out;
    return rc;
}

int cfg_scenarios_find(const char *const *paths, size_t npaths, const char *const *exclude,
                       size_t nexclude, ms_diag *d, cfg_scenario_list *out)
{
    excluded x = {ms_xcalloc(nexclude ? nexclude : 1, sizeof *x.real), 0};
    for (size_t i = 0; i < nexclude; i++) {
        char *real = realpath(exclude[i], NULL);
        if (real)
            x.real[x.n++] = real;
        else
            ms_diag_error(d, (ms_pos){exclude[i], 0, 0}, "cannot open: %s", strerror(errno));
    }
    size_t errors = ms_diag_error_count(d);
    for (size_t i = 0; i < npaths; i++) {
        const char *p = paths[i];
        struct stat st;
        if (stat(p, &st) != 0) {
            ms_diag_error(d, (ms_pos){p, 0, 0}, "cannot open: %s", strerror(errno));
            errors = ms_diag_error_count(d);
            continue;
        }
        size_t before = out->len;
        if (is_excluded(&x, p)) {
            /* named and excluded: nothing to run here */
        } else if (S_ISDIR(st.st_mode)) {
            bool left_out = false;
            if (search_dir(p, 0, &x, d, out, &left_out) == 0 && out->len == before)
                ms_diag_error(d, (ms_pos){p, 0, 0}, "no Scenario document in this directory or below");
        } else if (holds_scenario(p, d)) {
            push(out, p);
        } else if (ms_diag_error_count(d) == errors) {
            ms_diag_error(d, (ms_pos){p, 0, 0},
                          "no Scenario document in this file (meshsim test runs Scenarios)");
        }
        errors = ms_diag_error_count(d);
    }
    for (size_t i = 0; i < x.n; i++)
        free(x.real[i]);
    free(x.real);
    return ms_diag_error_count(d) == 0 ? 0 : -1;
}

void cfg_scenario_list_fini(cfg_scenario_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}
