/*
 * yaml_int.h - private parts of the YAML loader shared by yaml.c (files,
 * directories, arena, accessors) and yaml_parse.c (libyaml events -> nodes).
 *
 * Invariants: every node, string and document the loader hands out lives in
 * the loader's arena and stays valid (and unmoved) until cfg_loader_destroy().
 * Temporary build state (frames, anchors) is heap memory owned by one parse.
 */
#ifndef CFG_YAML_INT_H
#define CFG_YAML_INT_H

#include <stddef.h>

#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t embedded in the loader */
#include <xxhash.h>

#include "config/yaml.h"

typedef struct cfg__block cfg__block;

struct cfg_loader {
    ms_diag *diag;     /* borrowed */
    cfg__block *arena; /* newest block first */
    cfg_doc **docs;    /* each doc allocated in the arena, so pointers are stable */
    size_t ndocs, capdocs;
    char **seen; /* realpaths of files and directories already loaded (heap) */
    size_t nseen, capseen;
    XXH64_state_t input_hash; /* every loaded file's bytes, in load order */
};

/* Arena allocation, zeroed, aligned for any type; dies when memory is out. */
void *cfg__alloc(cfg_loader *l, size_t size);
char *cfg__strndup(cfg_loader *l, const char *s, size_t n);

/* Parse `len` bytes of YAML named `file` (a string interned in the loader) and
 * append its documents.  The buffer is borrowed.  Refuses NUL bytes and invalid
 * UTF-8 before libyaml sees the text.  Reports every problem into l->diag; sets
 * *ndocs to the number of documents appended.  Returns 0, or -1 after an error. */
int cfg__parse_buffer(cfg_loader *l, const char *file, const unsigned char *buf, size_t len,
                      size_t *ndocs);

#endif
