/*
 * doc_common.c - the entry points of meshsim_docs.h (create, destroy, decode,
 * finish) and the field readers shared by the per-kind decoders doc_*.c.
 *
 * The dispatcher checks the document envelope (apiVersion, kind, metadata,
 * spec), refuses kinds this version does not simulate, and hands the spec
 * mapping to the decoder of the kind.  Decoders fill their spec struct with the
 * defaults first and then override what the document gives, so a field with an
 * error keeps its default and decoding goes on collecting errors.
 *
 * Ownership: arrays built while decoding are owned by the cfg_meshsim through
 * a list of allocations (cfg__own) freed by cfg_meshsim_destroy; nodes and
 * strings are borrowed from the loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/suggest.h"
#include "config/doc_int.h"
#include "config/units_int.h"
#include "config/yaml_int.h"
#include "policy/resources.h"

typedef struct owned {
    void **items;
    size_t len, cap;
} owned;

struct cfg_meshsim *cfg_meshsim_create(void)
{
    cfg_meshsim *m = ms_xcalloc(1, sizeof *m);
    m->_private = ms_xcalloc(1, sizeof(owned));
    cfg__scenario_default(&m->scenario);
    return m;
}

void cfg_meshsim_destroy(struct cfg_meshsim *m)
{
    if (!m)
        return;
    owned *o = m->_private;
    for (size_t i = 0; i < o->len; i++)
        free(o->items[i]);
    free(o->items);
    free(o);
    free(m->workloads);
    free(m->sources);
    free(m->faults);
    free(m->upstreams);
    free(m);
}

void *cfg__own(cfg_meshsim *m, size_t n, size_t size)
{
    owned *o = m->_private;
    void *p = ms_xcalloc(n, size);
    MS_VEC_GROW(o->items, o->len, o->cap);
    o->items[o->len++] = p;
    return p;
}

void *cfg__grow(void *p, size_t len, size_t size)
{
    if (len == 0)
        return ms_xrealloc(p, size);
    if ((len & (len - 1)) == 0) /* full: len is the capacity */
        return ms_xrealloc(p, 2 * len * size);
    return p;
}

const char *cfg__pos_text(ms_pos p, char *buf, size_t size)
{
    snprintf(buf, size, "%s:%d:%d", p.file ? p.file : "meshsim", p.line, p.col);
    return buf;
}

/* --- field readers ------------------------------------------------------------ */

/* The body of every cfg__f_* reader: `read_call` reads node n into out. */
#define FIELD_BODY(read_call)                                                      \
    {                                                                              \
        const cfg_node *n = cfg_map_get(map, key);                                 \
        if (!n)                                                                    \
            return 0;                                                              \
        if (read_call < 0)                                                         \
            return -1;                                                             \
        out->node = n;                                                             \
        return 0;                                                                  \
    }
#define FIELD_READER(fn, type, read_call)                                          \
    int fn(cfg__doc *c, const cfg_node *map, const char *key, type *out) FIELD_BODY(read_call)

FIELD_READER(cfg__f_dur, cfg_val_dur, cfg_read_duration(n, c->d, &out->ns))
FIELD_READER(cfg__f_dist, cfg_val_dist, cfg_read_dist(n, c->d, &out->spec))
FIELD_READER(cfg__f_str, cfg_val_str, cfg_read_string(n, c->d, &out->str))
FIELD_READER(cfg__f_fraction, cfg_val_num, cfg_read_fraction(n, c->d, &out->v))
FIELD_READER(cfg__f_rate, cfg_val_num, cfg_read_rate(n, c->d, &out->v))
FIELD_READER(cfg__f_bandwidth, cfg_val_num, cfg_read_bandwidth(n, c->d, &out->v))
FIELD_READER(cfg__f_size, cfg_val_size, cfg_read_size(n, c->d, &out->bytes))

int cfg__f_int(cfg__doc *c, const cfg_node *map, const char *key, int64_t min, int64_t max,
               cfg_val_int *out) FIELD_BODY(cfg_read_int(n, c->d, min, max, &out->v))

int cfg__f_double(cfg__doc *c, const cfg_node *map, const char *key, double min, double max,
                  cfg_val_num *out) FIELD_BODY(cfg_read_double(n, c->d, min, max, &out->v))

int cfg__labels(cfg__doc *c, const cfg_node *n, const char *what, cfg_label_set *out)
{
    if (cfg_expect_map(n, c->d, what) < 0)
        return -1;
    cfg_label *items = cfg__own(c->m, n->u.map.len, sizeof *items);
    size_t len = 0;
    int rc = 0;
    CFG_MAP_EACH(p, n) {
        const char *s;
        if (cfg_read_string(p->value, c->d, &s) < 0) {
            rc = -1;
            continue;
        }
        items[len++] = (cfg_label){p->key->u.scalar.str, s, p->value};
    }
    if (rc < 0)
        return -1;
    out->items = items;
    out->len = len;
    out->node = n;
    return 0;
}

int cfg__f_labels(cfg__doc *c, const cfg_node *map, const char *key, cfg_label_set *out)
{
    const cfg_node *n = cfg_map_get(map, key);
    return n ? cfg__labels(c, n, key, out) : 0;
}

int cfg__enum(cfg__doc *c, const cfg_node *n, const char *what, const char *const *names,
              size_t nnames, int *out)
{
    const char *s;
    if (cfg_read_string(n, c->d, &s) < 0)
        return -1;
    int i = pol_enum_lookup(names, nnames, s);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    char list[512];
    ms_suggest_report(c->d, n->pos, s, names, nnames,
                        cfg__join(list, sizeof list, "", names, nnames, " or "),
                        "unknown %s \"%s\"", what, s);
    return -1;
}

int cfg__f_enum(cfg__doc *c, const cfg_node *map, const char *key, const char *const *names,
                size_t n, const cfg_node **node)
{
    const cfg_node *v = cfg_map_get(map, key);
    int i;
    if (!v || cfg__enum(c, v, key, names, n, &i) < 0)
        return -1;
    *node = v;
    return i;
}

const cfg_node *cfg__require(cfg__doc *c, const cfg_node *map, const char *key,
                             const char *suffix)
{
    const cfg_node *n = cfg_map_get(map, key);
    if (n)
        return n;
    if (suffix)
        ms_diag_error(c->d, map->pos, "missing required field \"%s\" for %s", key, suffix);
    else
        ms_diag_error(c->d, map->pos, "missing required field \"%s\"", key);
    return NULL;
}

const cfg_node *cfg__require_seq(cfg__doc *c, const cfg_node *map, const char *key,
                                 const char *suffix)
{
    return cfg__require(c, map, key, suffix) ? cfg__f_seq(c, map, key) : NULL;
}

const cfg_node *cfg__f_map(cfg__doc *c, const cfg_node *map, const char *key,
                           const char *const *known, size_t nknown)
{
    const cfg_node *n = cfg_map_get(map, key);
    if (!n || cfg_expect_map(n, c->d, key) < 0)
        return NULL;
    if (known)
        cfg_check_fields(n, c->d, known, nknown);
    return n;
}

const cfg_node *cfg__f_seq(cfg__doc *c, const cfg_node *map, const char *key)
{
    const cfg_node *n = cfg_map_get(map, key);
    if (!n || cfg_expect_seq(n, c->d, key) < 0)
        return NULL;
    return n;
}

/* --- dispatch -------------------------------------------------------------------- */

typedef void decode_fn(cfg__doc *c, const cfg_node *spec);

/* The kinds of meshsim/v1alpha1.  Those past the end of decoders[] are known
 * but refused by this version. */
static const char *const kind_names[] = {
    "Scenario", "Cluster", "WorkloadModel", "Traffic", "FaultSchedule", "Endpoints",
    "Rollout", "Experiment",
};
static decode_fn *const decoders[] = {
    cfg__decode_scenario, cfg__decode_cluster, cfg__decode_workload,
    cfg__decode_traffic,  cfg__decode_faults,  cfg__decode_endpoints,
};

static const char *const envelope_fields[] = {"apiVersion", "kind", "metadata", "spec"};
static const char *const metadata_fields[] = {"name", "namespace", "labels", "annotations"};

static void decode_metadata(cfg__doc *c)
{
    const cfg_node *md = cfg__f_map(c, c->root, "metadata", metadata_fields,
                                    CFG_COUNT(metadata_fields));
    if (!md)
        return;
    cfg__f_str(c, md, "name", &c->name);
    cfg_val_str ns = {NULL, NULL};
    cfg__f_str(c, md, "namespace", &ns);
    cfg__f_map(c, md, "labels", NULL, 0);
    cfg__f_map(c, md, "annotations", NULL, 0);
}

int cfg_meshsim_decode(struct cfg_meshsim *m, cfg_loader *l, const cfg_doc *doc,
                       const char *kind, ms_diag *d)
{
    const cfg_node *root = doc->root;
    if (!root || root->kind != CFG_MAP)
        return 0;
    const char *api = cfg_str(cfg_map_get(root, "apiVersion"));
    if (!api || strcmp(api, CFG_MESHSIM_API_VERSION))
        return 0;
    cfg__doc c = {m, l, d, root, {"", NULL}};
    const cfg_node *kind_node = cfg_map_get(root, "kind");
    if (!kind)
        kind = cfg_str(kind_node);
    if (!kind) {
        const char *unused;
        if (kind_node)
            cfg_read_string(kind_node, d, &unused); /* reports what it is instead */
        else
            ms_diag_error(d, root->pos, "missing required field \"kind\"");
        return 1;
    }
    ms_pos kpos = kind_node ? kind_node->pos : root->pos;
    int k = pol_enum_lookup(kind_names, CFG_COUNT(kind_names), kind);
    if (k < 0) {
        char supported[256];
        cfg__join(supported, sizeof supported, "", kind_names, CFG_COUNT(decoders), " or ");
        ms_suggest_report(d, kpos, kind, kind_names, CFG_COUNT(kind_names), supported,
                            "unknown meshsim kind \"%s\"", kind);
        return 1;
    }
    if ((size_t)k >= CFG_COUNT(decoders)) {
        ms_diag_error(d, kpos, "%s documents are not supported by this version of meshsim", kind);
        return 1;
    }
    cfg_check_fields(root, d, envelope_fields, CFG_COUNT(envelope_fields));
    decode_metadata(&c);
    const cfg_node *spec = cfg_map_get(root, "spec");
    if (spec && cfg_expect_map(spec, d, "spec") < 0)
        return 1;
    if (!spec) { /* every meshsim spec is optional: an empty one gets the defaults */
        cfg_node *empty = cfg__alloc(l, sizeof *empty);
        empty->kind = CFG_MAP;
        empty->pos = root->pos;
        spec = empty;
    }
    decoders[k](&c, spec);
    return 1;
}

/* --- finish ---------------------------------------------------------------------- */

typedef struct fault_order {
    cfg_fault_spec f;
    size_t index;
} fault_order;

static int by_at(const void *pa, const void *pb)
{
    const fault_order *a = pa, *b = pb;
    if (a->f.at.ns != b->f.at.ns)
        return a->f.at.ns < b->f.at.ns ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

void cfg_meshsim_finish(struct cfg_meshsim *m)
{
    if (!m->has_cluster && m->cluster.nzones == 0)
        cfg__cluster_default(m, &m->cluster);
    if (m->nfaults > 1) {
        fault_order *v = ms_xmalloc(m->nfaults * sizeof *v);
        for (size_t i = 0; i < m->nfaults; i++) {
            v[i].f = m->faults[i];
            v[i].index = i;
        }
        qsort(v, m->nfaults, sizeof *v, by_at);
        for (size_t i = 0; i < m->nfaults; i++)
            m->faults[i] = v[i].f;
        free(v);
    }
}
