/*
 * doc_int.h - private helpers of the meshsim document decoders (doc_*.c):
 * field readers that keep the node of each value, owned allocations, and the
 * per-kind decode functions called by doc_common.c's dispatcher.
 *
 * Field readers (cfg__f_*): read map[key] when present into *out (value and
 * node); leave *out alone when the key is absent.  Return 0, or -1 after
 * reporting.  A present null value is an error, as in units.h.
 */
#ifndef CFG_DOC_INT_H
#define CFG_DOC_INT_H

#include "config/decode_int.h"
#include "config/meshsim_docs.h"
#include "config/units.h"

typedef struct cfg__doc {
    cfg_meshsim *m;
    cfg_loader *l;
    ms_diag *d;
    const cfg_node *root; /* the document's mapping */
    cfg_val_str name;     /* metadata.name; "" (node NULL) when absent or invalid */
} cfg__doc;

/* Make room for element `len` of a heap array (realloc'd; caller frees) whose
 * capacity is implied by its length: the next power of two.  For the arrays of
 * struct cfg_meshsim, which carry no capacity field. */
void *cfg__grow(void *p, size_t len, size_t size);

/* Zeroed array of n elements, owned by `m` (freed by cfg_meshsim_destroy). */
void *cfg__own(cfg_meshsim *m, size_t n, size_t size);

int cfg__f_dur(cfg__doc *c, const cfg_node *map, const char *key, cfg_val_dur *out);
int cfg__f_dist(cfg__doc *c, const cfg_node *map, const char *key, cfg_val_dist *out);
int cfg__f_str(cfg__doc *c, const cfg_node *map, const char *key, cfg_val_str *out);
int cfg__f_int(cfg__doc *c, const cfg_node *map, const char *key, int64_t min, int64_t max,
               cfg_val_int *out);
int cfg__f_double(cfg__doc *c, const cfg_node *map, const char *key, double min, double max,
                  cfg_val_num *out);
int cfg__f_fraction(cfg__doc *c, const cfg_node *map, const char *key, cfg_val_num *out);
int cfg__f_rate(cfg__doc *c, const cfg_node *map, const char *key, cfg_val_num *out);
int cfg__f_bandwidth(cfg__doc *c, const cfg_node *map, const char *key, cfg_val_num *out);
int cfg__f_size(cfg__doc *c, const cfg_node *map, const char *key, cfg_val_size *out);
/* A label map {k: v} (values any non-null scalar). */
int cfg__f_labels(cfg__doc *c, const cfg_node *map, const char *key, cfg_label_set *out);
int cfg__labels(cfg__doc *c, const cfg_node *n, const char *what, cfg_label_set *out);
/* One of `names` (n of them); *out gets the index.  Unknown values are
 * reported as: unknown WHAT "x"; did you mean "y"?  (or "; expected a, b or c"). */
int cfg__enum(cfg__doc *c, const cfg_node *n, const char *what, const char *const *names,
              size_t nnames, int *out);
/* cfg__enum of map[key] (KEY naming it in messages): the index, with *node
 * set to the value; -1 when absent or after reporting. */
int cfg__f_enum(cfg__doc *c, const cfg_node *map, const char *key, const char *const *names,
                size_t n, const cfg_node **node);
/* Report `missing required field "key"` (plus " for SUFFIX" when suffix is
 * non-NULL) at the map when absent; returns the node or NULL. */
const cfg_node *cfg__require(cfg__doc *c, const cfg_node *map, const char *key,
                             const char *suffix);
/* cfg__require, then cfg__f_seq: the sequence, or NULL after reporting. */
const cfg_node *cfg__require_seq(cfg__doc *c, const cfg_node *map, const char *key,
                                 const char *suffix);
/* The mapping at map[key], checked: NULL when absent or not a mapping
 * (reported).  Its keys are checked against known[] unless known is NULL. */
const cfg_node *cfg__f_map(cfg__doc *c, const cfg_node *map, const char *key,
                           const char *const *known, size_t nknown);
/* The sequence at map[key], checked: NULL when absent or not a sequence (reported). */
const cfg_node *cfg__f_seq(cfg__doc *c, const cfg_node *map, const char *key);

/* "a.yaml:3:1" into buf, for messages naming another position. */
const char *cfg__pos_text(ms_pos p, char *buf, size_t size);

/* Per kind: `spec` is the checked spec mapping (never NULL). */
void cfg__decode_scenario(cfg__doc *c, const cfg_node *spec);
void cfg__decode_cluster(cfg__doc *c, const cfg_node *spec);
void cfg__decode_workload(cfg__doc *c, const cfg_node *spec);
void cfg__decode_traffic(cfg__doc *c, const cfg_node *spec);
void cfg__decode_faults(cfg__doc *c, const cfg_node *spec);
void cfg__decode_endpoints(cfg__doc *c, const cfg_node *spec);

void cfg__scenario_default(cfg_scenario_spec *s);
void cfg__cluster_default(cfg_meshsim *m, cfg_cluster_spec *cl);
/* Fill zones with the default zone when none were given. */
void cfg__cluster_default_zones(cfg_meshsim *m, cfg_cluster_spec *cl);

#endif
