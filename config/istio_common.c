/*
 * istio_common.c - node readers shared by the Istio decoders: strings, lists,
 * labels, optional scalars, enums, StringMatch, metadata, destinations, headers.
 *
 * Every reader reports positioned errors into the diag sink and keeps going:
 * a bad field leaves its output unset (zero) and decoding continues, so one
 * run reports every problem of a file.  Arrays written into pol_ structs are
 * allocated with ms_x* and owned by the resource (freed by its _fini);
 * strings are borrowed from the loader's nodes.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/suggest.h"
#include "config/istio_int.h"
#include "config/units.h"

const cfg_node *cfg__i_map(const cfg_node *map, const char *key, ms_diag *d,
                           const char *const *known, size_t nknown)
{
    const cfg_node *v = cfg_map_get(map, key);
    if (cfg__i_absent(v) || cfg__expect_fields(v, d, key, known, nknown) != 0)
        return NULL;
    return v;
}

const cfg_node *cfg__i_seq(const cfg_node *map, const char *key, ms_diag *d)
{
    const cfg_node *v = cfg_map_get(map, key);
    if (cfg__i_absent(v) || cfg_expect_seq(v, d, key) != 0)
        return NULL;
    return v;
}

const char *cfg__i_string(const cfg_node *n, ms_diag *d)
{
    const char *s = NULL;
    if (cfg_read_string(n, d, &s) != 0)
        return NULL;
    return s;
}

const char *cfg__i_opt_string(const cfg_node *map, const char *key, ms_diag *d)
{
    const cfg_node *v = cfg_map_get(map, key);
    return cfg__i_absent(v) ? NULL : cfg__i_string(v, d);
}

void cfg__i_str_list(const cfg_node *n, ms_diag *d, const char *what, pol_str_list *out)
{
    if (cfg__i_absent(n) || cfg_expect_seq(n, d, what) != 0)
        return;
    out->items = ms_xcalloc(n->u.seq.len, sizeof(*out->items));
    out->len = 0;
    for (size_t i = 0; i < n->u.seq.len; i++) {
        const cfg_node *it = n->u.seq.items[i];
        const char *s = cfg__i_string(it, d);
        if (!s)
            continue;
        out->items[out->len].s = s;
        out->items[out->len].pos = it->pos;
        out->len++;
    }
}

void cfg__i_labels(const cfg_node *n, ms_diag *d, const char *what, pol_labels *out)
{
    if (cfg__i_absent(n) || cfg_expect_map(n, d, what) != 0)
        return;
    out->items = ms_xcalloc(n->u.map.len, sizeof(*out->items));
    out->len = 0;
    CFG_MAP_EACH(p, n) {
        const char *v = cfg__i_string(p->value, d);
        if (!v)
            continue;
        out->items[out->len].key = p->key->u.scalar.str;
        out->items[out->len].value = v;
        out->len++;
    }
}

bool cfg__i_selector(const cfg_node *map, const char *key, ms_diag *d, pol_labels *out)
{
    static const char *const fields[] = {"matchLabels"};
    const cfg_node *v = cfg__i_map(map, key, d, fields, CFG_COUNT(fields));
    if (!v)
        return false;
    cfg__i_labels(cfg_map_get(v, "matchLabels"), d, "matchLabels", out);
    return true;
}

/* The optional readers below read straight into the value field: the units.h
 * readers leave it unchanged on error, so `set` alone says whether it holds. */
void cfg__i_opt_int(const cfg_node *n, ms_diag *d, int64_t min, int64_t max, pol_opt_int *out)
{
    if (!cfg__i_absent(n) && cfg_read_int(n, d, min, max, &out->v) == 0)
        out->set = true;
}

void cfg__i_opt_int_rule(const cfg_node *n, ms_diag *d, int64_t min, int64_t max,
                         const char *rule, pol_opt_int *out)
{
    int64_t v;
    if (cfg__i_absent(n) || cfg_read_int(n, d, INT32_MIN, INT32_MAX, &v) != 0)
        return;
    if (v < min || v > max) {
        ms_diag_error(d, n->pos, "%s, found %lld", rule, (long long)v);
        return;
    }
    out->v = v;
    out->set = true;
}

void cfg__i_opt_bool(const cfg_node *n, ms_diag *d, pol_opt_bool *out)
{
    if (!cfg__i_absent(n) && cfg_read_bool(n, d, &out->v) == 0)
        out->set = true;
}

void cfg__i_opt_double(const cfg_node *n, ms_diag *d, double min, double max, pol_opt_double *out)
{
    if (!cfg__i_absent(n) && cfg_read_double(n, d, min, max, &out->v) == 0)
        out->set = true;
}

void cfg__i_opt_duration(const cfg_node *n, ms_diag *d, pol_opt_duration *out)
{
    if (!cfg__i_absent(n) && cfg_read_duration(n, d, &out->ns) == 0)
        out->set = true;
}

void cfg__i_percent(const cfg_node *n, ms_diag *d, pol_opt_double *out)
{
    static const char *const fields[] = {"value"};
    if (cfg__i_absent(n) || cfg__expect_fields(n, d, "percentage", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v = cfg_map_get(n, "value");
    if (cfg__i_absent(v)) {
        out->v = 0;
        out->set = true;
        return;
    }
    cfg__i_opt_double(v, d, 0.0, 100.0, out);
}

int cfg__i_enum(const cfg_node *n, ms_diag *d, const char *field, const char *const *names,
                size_t nnames)
{
    const char *s = cfg__i_string(n, d);
    if (!s)
        return -1;
    int i = pol_enum_lookup(names, nnames, s);
    if (i >= 0)
        return i;
    char list[512];
    ms_suggest_report(d, n->pos, s, names, nnames,
                        cfg__join(list, sizeof list, "one of ", names, nnames, ", "),
                        "invalid value \"%s\" for field \"%s\"", s, field);
    return -1;
}

int cfg__i_opt_enum(const cfg_node *map, const char *key, ms_diag *d, cfg__i_names_fn *names)
{
    const cfg_node *v = cfg_map_get(map, key);
    if (cfg__i_absent(v))
        return -1;
    size_t n;
    const char *const *list = names(&n);
    return cfg__i_enum(v, d, key, list, n);
}

void cfg__i_string_match(const cfg_node *n, ms_diag *d, pol_string_match *out)
{
    static const char *const fields[] = {"exact", "prefix", "regex"};
    memset(out, 0, sizeof(*out));
    if (cfg__i_absent(n)) {
        return;
    }
    out->pos = n->pos;
    if (cfg__expect_fields(n, d, "string match", fields, CFG_COUNT(fields)) != 0)
        return;
    int given = 0;
    for (size_t i = 0; i < CFG_COUNT(fields); i++) {
        const cfg_node *v = cfg_map_get(n, fields[i]);
        if (!v)
            continue;
        if (++given > 1) {
            ms_diag_error(d, v->pos, "only one of exact, prefix or regex may be given");
            return;
        }
        const char *s = cfg__i_string(v, d);
        if (!s)
            return;
        out->value = s;
        out->kind = i == 0 ? POL_MATCH_EXACT : i == 1 ? POL_MATCH_PREFIX : POL_MATCH_REGEX;
    }
    /* `{}` and regex "*" mean presence only (section 7.3). */
    if (given == 0 || (out->kind == POL_MATCH_REGEX && strcmp(out->value, "*") == 0)) {
        out->kind = POL_MATCH_PRESENT;
        out->value = NULL;
    }
}

void cfg__i_named_matches(const cfg_node *n, ms_diag *d, const char *what,
                          pol_named_match_list *out)
{
    if (cfg__i_absent(n) || cfg_expect_map(n, d, what) != 0)
        return;
    out->items = ms_xcalloc(n->u.map.len, sizeof(*out->items));
    out->len = 0;
    CFG_MAP_EACH(p, n) {
        pol_named_match *m = &out->items[out->len++];
        m->name = p->key->u.scalar.str;
        cfg__i_string_match(p->value, d, &m->match);
        if (m->match.kind == POL_MATCH_NONE) { /* `name:` with a null value: presence */
            m->match.kind = POL_MATCH_PRESENT;
            m->match.pos = p->value->pos;
        }
    }
}

void cfg__i_meta(const cfg_node *root, ms_diag *d, pol_meta *out)
{
    out->ns = "default";
    out->pos = root ? root->pos : (ms_pos){0};
    const cfg_node *md = cfg_map_get(root, "metadata");
    if (cfg__i_absent(md)) {
        ms_diag_error(d, out->pos, "missing field \"metadata\"");
        return;
    }
    if (cfg_expect_map(md, d, "metadata") != 0)
        return;
    const cfg_node *name = cfg_map_get(md, "name");
    if (cfg__i_absent(name))
        ms_diag_error(d, md->pos, "missing field \"name\" in metadata");
    else
        out->name = cfg__i_string(name, d);
    const char *ns = cfg__i_opt_string(md, "namespace", d);
    if (ns && *ns)
        out->ns = ns;
}

void cfg__i_destination(const cfg_node *n, ms_diag *d, pol_destination *out)
{
    static const char *const fields[] = {"host", "subset", "port"};
    static const char *const port_fields[] = {"number"};
    out->pos = n ? n->pos : (ms_pos){0};
    if (cfg__i_absent(n)) {
        return;
    }
    if (cfg__expect_fields(n, d, "destination", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *host = cfg_map_get(n, "host");
    if (cfg__i_absent(host))
        ms_diag_error(d, n->pos, "missing field \"host\" in destination");
    else if ((out->host = cfg__i_string(host, d)) != NULL)
        out->host_pos = host->pos;
    const cfg_node *subset = cfg_map_get(n, "subset");
    if (!cfg__i_absent(subset) && (out->subset = cfg__i_string(subset, d)) != NULL)
        out->subset_pos = subset->pos;
    const cfg_node *port = cfg__i_map(n, "port", d, port_fields, CFG_COUNT(port_fields));
    if (port)
        cfg__i_opt_int(cfg_map_get(port, "number"), d, 0, 65535, &out->port);
}

void cfg__i_route_destinations(const cfg_node *n, ms_diag *d, pol_route_destination **out,
                               size_t *nout)
{
    static const char *const fields[] = {"destination", "weight", "headers"};
    if (cfg__i_absent(n) || cfg_expect_seq(n, d, "route") != 0)
        return;
    *out = ms_xcalloc(n->u.seq.len, sizeof(**out));
    *nout = n->u.seq.len;
    for (size_t i = 0; i < n->u.seq.len; i++) {
        const cfg_node *it = n->u.seq.items[i];
        pol_route_destination *rd = &(*out)[i];
        rd->destination.pos = it->pos;
        if (cfg__expect_fields(it, d, "route destination", fields, CFG_COUNT(fields)) != 0)
            continue;
        const cfg_node *dst = cfg_map_get(it, "destination");
        if (cfg__i_absent(dst))
            ms_diag_error(d, it->pos, "missing field \"destination\"");
        else
            cfg__i_destination(dst, d, &rd->destination);
        const cfg_node *w = cfg_map_get(it, "weight");
        if (!cfg__i_absent(w))
            rd->weight_pos = w->pos;
        cfg__i_opt_int_rule(w, d, 0, INT32_MAX, "weight must not be negative", &rd->weight);
        cfg__i_headers(cfg_map_get(it, "headers"), d, &rd->headers);
    }
}

static void header_kvs(const cfg_node *n, ms_diag *d, const char *what, pol_header_kv **out,
                       size_t *nout)
{
    if (cfg__i_absent(n) || cfg_expect_map(n, d, what) != 0)
        return;
    *out = ms_xcalloc(n->u.map.len, sizeof(**out));
    *nout = 0;
    CFG_MAP_EACH(p, n) {
        const char *v = cfg__i_string(p->value, d);
        if (!v)
            continue;
        (*out)[*nout].name = p->key->u.scalar.str;
        (*out)[*nout].value = v;
        (*nout)++;
    }
}

static void header_ops(const cfg_node *n, ms_diag *d, pol_header_ops *out)
{
    static const char *const fields[] = {"set", "add", "remove"};
    if (cfg__i_absent(n) ||
        cfg__expect_fields(n, d, "header operations", fields, CFG_COUNT(fields)) != 0)
        return;
    header_kvs(cfg_map_get(n, "set"), d, "set", &out->set, &out->nset);
    header_kvs(cfg_map_get(n, "add"), d, "add", &out->add, &out->nadd);
    cfg__i_str_list(cfg_map_get(n, "remove"), d, "remove", &out->remove);
}

void cfg__i_headers(const cfg_node *n, ms_diag *d, pol_headers *out)
{
    static const char *const fields[] = {"request", "response"};
    if (cfg__i_absent(n) || cfg__expect_fields(n, d, "headers", fields, CFG_COUNT(fields)) != 0)
        return;
    header_ops(cfg_map_get(n, "request"), d, &out->request);
    header_ops(cfg_map_get(n, "response"), d, &out->response);
}

const cfg_node *cfg__i_spec(const cfg_doc *doc, ms_diag *d, const char *kind)
{
    const cfg_node *spec = cfg_map_get(doc->root, "spec");
    if (cfg__i_absent(spec)) {
        ms_diag_error(d, doc->root->pos, "%s has no \"spec\"", kind);
        return NULL;
    }
    if (cfg_expect_map(spec, d, "spec") != 0)
        return NULL;
    return spec;
}
