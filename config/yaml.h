/*
 * yaml.h - YAML documents as a tree of nodes that remember where they came from.
 *
 * The loader reads files (or whole directories, in name order) with libyaml and
 * builds one tree per document.  Every node keeps file, line and column (1-based,
 * converted once from libyaml's 0-based marks) so that any later check can point
 * at the exact offending node.  All nodes and strings are owned by the loader and
 * live until cfg_loader_destroy().
 *
 * Defences: aliases are resolved by sharing the anchored node, and a document
 * whose alias expansion would exceed CFG_MAX_EXPANDED_NODES is refused (alias
 * bombs); files larger than CFG_MAX_FILE_BYTES, binary junk (NUL bytes, invalid
 * UTF-8) and nesting deeper than CFG_MAX_DEPTH are refused with a positioned
 * error.  Nothing here aborts on bad input.
 */
#ifndef CFG_YAML_H
#define CFG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define CFG_MAX_EXPANDED_NODES 1000000
#define CFG_MAX_FILE_BYTES (64u << 20)
#define CFG_MAX_DEPTH 200

typedef enum cfg_kind {
    CFG_SCALAR,
    CFG_MAP,
    CFG_SEQ,
} cfg_kind;

typedef struct cfg_node cfg_node;

typedef struct cfg_pair {
    cfg_node *key; /* always a scalar */
    cfg_node *value;
} cfg_pair;

struct cfg_node {
    cfg_kind kind;
    ms_pos pos;
    bool quoted;  /* scalar written in quotes ('..' or ".."): never null/bool/number by style */
    bool is_null; /* plain scalar "", "~", "null", "Null", "NULL" */
    union {
        struct {
            char *str; /* NUL-terminated; may contain no NUL (refused at load) */
            size_t len;
        } scalar;
        struct {
            cfg_pair *items;
            size_t len;
        } map;
        struct {
            cfg_node **items;
            size_t len;
        } seq;
    } u;
};

typedef struct cfg_doc {
    cfg_node *root;   /* NULL for an empty document */
    const char *file; /* owned by the loader */
    int index;        /* 0-based document index within the file */
} cfg_doc;

typedef struct cfg_loader cfg_loader;

/* The loader reports into `diag` (borrowed; must outlive the loader). */
cfg_loader *cfg_loader_create(ms_diag *diag);
void cfg_loader_destroy(cfg_loader *l); /* NULL is fine */
ms_diag *cfg_loader_diag(cfg_loader *l);

/* Load a file or a directory (its *.yaml and *.yml files, recursively, in
 * byte-wise name order).  Documents are appended.  A file already loaded (same
 * real path) is skipped silently.  Returns 0, or -1 after reporting errors
 * (a missing path is reported at `from`, or without position when from is NULL). */
int cfg_load_path(cfg_loader *l, const char *path, const cfg_node *from);

/* Load `rel` relative to the directory of the file holding `from` (for
 * `include:`); an absolute `rel` is used as is.  Errors point at `from`. */
int cfg_load_relative(cfg_loader *l, const cfg_node *from, const char *rel);

/* Load YAML text held in memory, named `name` in messages (tests, stdin). */
int cfg_load_string(cfg_loader *l, const char *name, const char *text, size_t len);

size_t cfg_doc_count(const cfg_loader *l);
/* XXH64 (seed 0) of the bytes of every file and string loaded so far,
 * concatenated in load order (a file loaded twice counts once): the
 * content hash of a scenario's inputs. */
uint64_t cfg_loader_input_hash(const cfg_loader *l);
const cfg_doc *cfg_doc_at(const cfg_loader *l, size_t i);

/* Intern a string in the loader (owned by it).  For names built while decoding. */
const char *cfg_loader_strdup(cfg_loader *l, const char *s);

/* --- reading nodes ---------------------------------------------------------- */

/* Value of `key` in a map, or NULL if absent or `map` is not a map. */
const cfg_node *cfg_map_get(const cfg_node *map, const char *key);
/* The scalar string, or NULL if the node is not a scalar. */
const char *cfg_str(const cfg_node *n);
const char *cfg_kind_name(cfg_kind kind); /* "scalar", "mapping", "sequence" */

#endif
