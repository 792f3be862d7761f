/*
 * yaml.c - the YAML loader: files, directories, includes, the arena that owns
 * every node, and the small node accessors of yaml.h.
 *
 * Parsing proper (libyaml events into nodes, aliases, limits) is in
 * yaml_parse.c.  Here:
 *  - a path is a file or a directory; directories are walked recursively, their
 *    entries in byte-wise (strcmp) order, loading *.yaml and *.yml files and
 *    skipping names that start with '.' (editor backups, .git);
 *  - every file and directory is remembered by realpath: loading one twice is
 *    silently skipped, which also stops symlink loops;
 *  - a file named explicitly (command line, include) that holds no document
 *    gets a warning; files found inside directories do not;
 *  - positions name the file as it was given (or joined from its directory),
 *    never the realpath, so messages show what the user typed.
 *
 * _XOPEN_SOURCE is defined for realpath(), which glibc hides under plain
 * _POSIX_C_SOURCE.
 */
#define _XOPEN_SOURCE 700

#include "config/yaml.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "config/yaml_int.h"

#define BLOCK_BYTES (64u * 1024u)
#define MAX_DIR_DEPTH 64

struct cfg__block {
    cfg__block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

void *cfg__alloc(cfg_loader *l, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    cfg__block *b = l->arena;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > BLOCK_BYTES / 4 ? size : BLOCK_BYTES;
        cfg__block *nb = ms_xmalloc(sizeof *nb + cap);
        nb->used = 0;
        nb->cap = cap;
        if (b && size > BLOCK_BYTES / 4) {
            /* a big object gets its own block behind the current one, so the
             * free space of the current block is not wasted */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            l->arena = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *cfg__strndup(cfg_loader *l, const char *s, size_t n)
{
    char *p = cfg__alloc(l, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

cfg_loader *cfg_loader_create(ms_diag *diag)
{
    cfg_loader *l = ms_xcalloc(1, sizeof *l);
    l->diag = diag;
    XXH64_reset(&l->input_hash, 0);
    return l;
}

void cfg_loader_destroy(cfg_loader *l)
{
    if (!l)
        return;
    for (cfg__block *b = l->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    for (size_t i = 0; i < l->nseen; i++)
        free(l->seen[i]);
    free(l->seen);
    free(l->docs);
    free(l);
}

ms_diag *cfg_loader_diag(cfg_loader *l) { return l->diag; }

const char *cfg_loader_strdup(cfg_loader *l, const char *s)
{
    return cfg__strndup(l, s, strlen(s));
}

size_t cfg_doc_count(const cfg_loader *l) { return l->ndocs; }

uint64_t cfg_loader_input_hash(const cfg_loader *l) { return XXH64_digest(&l->input_hash); }

const cfg_doc *cfg_doc_at(const cfg_loader *l, size_t i)
{
    return i < l->ndocs ? l->docs[i] : NULL;
}

/* Remember `path` by realpath.  Returns 1 if it was new, 0 if already seen,
 * -1 (errno set) when realpath fails. */
static int remember(cfg_loader *l, const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return -1;
    for (size_t i = 0; i < l->nseen; i++) {
        if (!strcmp(l->seen[i], real)) {
            free(real);
            return 0;
        }
    }
    MS_VEC_GROW(l->seen, l->nseen, l->capseen);
    l->seen[l->nseen++] = real;
    return 1;
}

static ms_pos pos_of(const cfg_node *from)
{
    if (from)
        return from->pos;
    ms_pos none = {NULL, 0, 0};
    return none;
}

/* Read and parse one regular file.  `name` is interned in the loader. */
static int load_file(cfg_loader *l, const char *name, int fd, const struct stat *st,
                     bool explicit_file)
{
    ms_pos at_file = {name, 0, 0};
    if ((uint64_t)st->st_size > CFG_MAX_FILE_BYTES) {
        ms_diag_error(l->diag, at_file, "file is larger than %u MiB", CFG_MAX_FILE_BYTES >> 20);
        return -1;
    }
    size_t size = (size_t)st->st_size;
    unsigned char *buf = ms_xmalloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0)
                ms_diag_error(l->diag, at_file, "cannot read: %s", strerror(errno));
            else
                ms_diag_error(l->diag, at_file, "cannot read: file shrank while reading");
            free(buf);
            return -1;
        }
        got += (size_t)n;
    }
    size_t ndocs = 0;
    XXH64_update(&l->input_hash, buf, size);
    int rc = cfg__parse_buffer(l, name, buf, size, &ndocs);
    free(buf);
    if (rc == 0 && ndocs == 0 && explicit_file)
        ms_diag_warning(l->diag, at_file, "file holds no YAML document");
    return rc;
}

static bool has_yaml_suffix(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_any(cfg_loader *l, const char *name, const cfg_node *from, const char *what,
                    bool explicit_file, int dir_depth);

static int load_dir(cfg_loader *l, const char *name, const cfg_node *from, int dir_depth)
{
    ms_pos at = from ? from->pos : (ms_pos){name, 0, 0};
    if (dir_depth > MAX_DIR_DEPTH) {
        ms_diag_error(l->diag, at, "directories nested deeper than %d levels", MAX_DIR_DEPTH);
        return -1;
    }
    DIR *dir = opendir(name);
    if (!dir) {
        ms_diag_error(l->diag, at, "cannot open directory \"%s\": %s", name, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        MS_VEC_GROW(names, n, cap);
        names[n++] = ms_xstrdup(e->d_name);
    }
    closedir(dir);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    size_t dlen = strlen(name);
    bool slash = dlen > 0 && name[dlen - 1] == '/';
    for (size_t i = 0; i < n; i++) {
        size_t len = dlen + 1 + strlen(names[i]) + 1;
        char *path = ms_xmalloc(len);
        snprintf(path, len, "%s%s%s", name, slash ? "" : "/", names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && (S_ISDIR(st.st_mode) ||
                                     (S_ISREG(st.st_mode) && has_yaml_suffix(names[i])))) {
            if (load_any(l, cfg_loader_strdup(l, path), from, NULL, false, dir_depth + 1) < 0)
                rc = -1;
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* Report "cannot open [WHAT ]"NAME": <errno text>" at `at`; returns -1. */
static int open_error(cfg_loader *l, ms_pos at, const char *what, const char *name)
{
    ms_diag_error(l->diag, at, "cannot open %s%s\"%s\": %s", what ? what : "", what ? " " : "",
                  name, strerror(errno));
    return -1;
}

/* Load file or directory `name` (interned).  `what` words the open error
 * ("include file"), NULL for plain paths. */
static int load_any(cfg_loader *l, const char *name, const cfg_node *from, const char *what,
                    bool explicit_file, int dir_depth)
{
    ms_pos at = pos_of(from);
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return open_error(l, at, what, name);
    struct stat st;
    int fresh = fstat(fd, &st) < 0 ? -1 : remember(l, name);
    if (fresh < 0)
        open_error(l, at, what, name); /* before close(), which may change errno */
    if (fresh <= 0) {
        close(fd);
        return fresh;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        rc = load_dir(l, name, from, dir_depth);
    } else if (!S_ISREG(st.st_mode)) {
        close(fd);
        ms_diag_error(l->diag, at, "cannot load \"%s\": not a regular file or directory", name);
        rc = -1;
    } else {
        rc = load_file(l, name, fd, &st, explicit_file);
        close(fd);
    }
    return rc;
}

int cfg_load_path(cfg_loader *l, const char *path, const cfg_node *from)
{
    size_t before = ms_diag_error_count(l->diag);
    load_any(l, cfg_loader_strdup(l, path), from, NULL, true, 0);
    return ms_diag_error_count(l->diag) > before ? -1 : 0;
}

int cfg_load_relative(cfg_loader *l, const cfg_node *from, const char *rel)
{
    size_t before = ms_diag_error_count(l->diag);
    const char *path = rel;
    char *joined = NULL;
    const char *slash = from && from->pos.file ? strrchr(from->pos.file, '/') : NULL;
    if (rel[0] != '/' && slash) {
        size_t dlen = (size_t)(slash - from->pos.file) + 1;
        joined = ms_xmalloc(dlen + strlen(rel) + 1);
        memcpy(joined, from->pos.file, dlen);
        strcpy(joined + dlen, rel);
        path = joined;
    }
    const char *name = cfg_loader_strdup(l, path);
    free(joined);
    ms_pos at = pos_of(from);
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        /* name the path as the user wrote it, at the include node */
        ms_diag_error(l->diag, at, "cannot open include file \"%s\": %s", rel, strerror(errno));
        return -1;
    }
    close(fd);
    load_any(l, name, from, "include file", true, 0);
    return ms_diag_error_count(l->diag) > before ? -1 : 0;
}

int cfg_load_string(cfg_loader *l, const char *name, const char *text, size_t len)
{
    size_t ndocs;
    XXH64_update(&l->input_hash, text, len);
    return cfg__parse_buffer(l, cfg_loader_strdup(l, name), (const unsigned char *)text, len,
                             &ndocs);
}

/* --- reading nodes ----------------------------------------------------------- */

const cfg_node *cfg_map_get(const cfg_node *map, const char *key)
{
    if (!map || map->kind != CFG_MAP)
        return NULL;
    for (size_t i = 0; i < map->u.map.len; i++)
        if (!strcmp(map->u.map.items[i].key->u.scalar.str, key))
            return map->u.map.items[i].value;
    return NULL;
}

const char *cfg_str(const cfg_node *n)
{
    return n && n->kind == CFG_SCALAR ? n->u.scalar.str : NULL;
}

const char *cfg_kind_name(cfg_kind kind)
{
    switch (kind) {
    case CFG_SCALAR: return "scalar";
    case CFG_MAP: return "mapping";
    case CFG_SEQ: return "sequence";
    }
    return "node";
}
