/*
 * yaml_parse.c - libyaml events into the cfg_node tree of yaml.h.
 *
 * One pass over yaml_parser_parse() events with an explicit stack of open
 * containers (no recursion, so nesting depth costs no C stack).  Positions come
 * from each event's start_mark, converted to 1-based once, here.
 *
 * Defences, all reported as positioned errors and never aborting:
 *  - NUL bytes and invalid UTF-8 are found by a scan before libyaml runs (libyaml
 *    only reports some of them, and without a line), as are NUL characters that
 *    a double-quoted "\0" escape would put inside a string;
 *  - aliases share the anchored node; every document keeps a running count of
 *    the nodes it would have if every alias were expanded, and a document that
 *    passes CFG_MAX_EXPANDED_NODES is dropped (alias bombs);
 *  - nesting deeper than CFG_MAX_DEPTH drops the document;
 *  - duplicate keys in a mapping are an error at the second key;
 *  - merge keys ("<<") are supported: explicit keys win over merged ones, and
 *    earlier merged mappings win over later ones (YAML 1.1 merge semantics).
 * A dropped document is skipped up to its end and the next document is read;
 * a libyaml syntax error ends the file (libyaml cannot resume after one), but
 * the documents completed before it are kept.
 *
 * `quoted` is set for every non-plain scalar (quoted and block scalars) and for
 * scalars tagged !!str: none of them may be read as null, a bool or a number.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "base/alloc.h"
#include "config/yaml_int.h"

typedef struct frame {
    cfg_node *node;
    uint64_t expanded; /* nodes in this subtree with aliases expanded */
    long anchor;       /* index in the anchor table, or -1 */
    /* children while the container is open (heap) */
    cfg_node **items;
    size_t len, cap;
} frame;

typedef struct anchor {
    char *name; /* heap */
    cfg_node *node;
    uint64_t expanded;
    bool complete;
} anchor;

typedef struct builder {
    cfg_loader *l;
    const char *file;
    frame *stack;
    size_t depth, cap;
    anchor *anchors;
    size_t nanchors, capanchors;
    uint64_t doc_total; /* expanded nodes of the current document */
    bool skipping;      /* current document dropped: ignore events to its end */
    cfg_node *root;
    int doc_index;
    size_t ndocs;
} builder;

static ms_pos mark_pos(const builder *b, yaml_mark_t m)
{
    ms_pos p = {b->file, (int)m.line + 1, (int)m.column + 1};
    return p;
}

/* Line and column (1-based, counting characters as libyaml does) of byte `off`. */
static ms_pos offset_pos(const char *file, const unsigned char *buf, size_t off)
{
    ms_pos p = {file, 1, 1};
    size_t i = 0;
    if (off >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
        i = 3;
    for (; i < off; i++) {
        if (buf[i] == '\n') {
            p.line++;
            p.col = 1;
        } else if ((buf[i] & 0xC0) != 0x80) {
            p.col++;
        }
    }
    return p;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Report the first NUL byte or invalid UTF-8 sequence; 0 when the text is clean. */
static int check_text(cfg_loader *l, const char *file, const unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len;) {
        if (buf[i] == 0) {
            ms_diag_error(l->diag, offset_pos(file, buf, i),
                          "file contains a NUL byte (binary file?)");
            return -1;
        }
        size_t n = utf8_len(buf + i, len - i);
        if (n == 0) {
            ms_diag_error(l->diag, offset_pos(file, buf, i),
                          "invalid UTF-8 byte 0x%02x (binary file?)", buf[i]);
            return -1;
        }
        i += n;
    }
    return 0;
}

static void report_libyaml(builder *b, const yaml_parser_t *p, const unsigned char *buf)
{
    ms_diag *d = b->l->diag;
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_READER_ERROR) {
        ms_diag_error(d, offset_pos(b->file, buf, p->problem_offset), "%s", problem);
    } else if (p->error == YAML_SCANNER_ERROR || p->error == YAML_PARSER_ERROR) {
        if (p->context)
            ms_diag_error(d, mark_pos(b, p->problem_mark), "%s (%s at line %d)", problem,
                          p->context, (int)p->context_mark.line + 1);
        else
            ms_diag_error(d, mark_pos(b, p->problem_mark), "%s", problem);
    } else {
        ms_pos none = {b->file, 0, 0};
        ms_diag_error(d, none, "cannot parse YAML: %s", problem);
    }
}

static void free_frames(builder *b)
{
    for (size_t i = 0; i < b->depth; i++)
        free(b->stack[i].items);
    b->depth = 0;
}

static void free_anchors(builder *b)
{
    for (size_t i = 0; i < b->nanchors; i++)
        free(b->anchors[i].name);
    b->nanchors = 0;
}

/* Drop the current document: report happened already; skip to its end. */
static void drop_document(builder *b)
{
    free_frames(b);
    b->skipping = true;
    b->root = NULL;
}

static long find_anchor(const builder *b, const char *name)
{
    for (size_t i = b->nanchors; i-- > 0;)
        if (strcmp(b->anchors[i].name, name) == 0)
            return (long)i;
    return -1;
}

static long add_anchor(builder *b, const char *name, cfg_node *node)
{
    MS_VEC_GROW(b->anchors, b->nanchors, b->capanchors);
    anchor *a = &b->anchors[b->nanchors];
    a->name = ms_xstrdup(name);
    a->node = node;
    a->expanded = 0;
    a->complete = false;
    return (long)b->nanchors++;
}

/* Count `n` more expanded nodes; false (after reporting) past the budget. */
static bool count_nodes(builder *b, uint64_t n, ms_pos pos)
{
    b->doc_total += n;
    if (b->doc_total > CFG_MAX_EXPANDED_NODES) {
        ms_diag_error(b->l->diag, pos, "document expands to more than %d nodes through aliases",
                      CFG_MAX_EXPANDED_NODES);
        return false;
    }
    return true;
}

/* Attach a finished node (with its expanded size) to the open container. */
static void attach(builder *b, cfg_node *n, uint64_t expanded)
{
    if (b->depth == 0) {
        b->root = n;
        return;
    }
    frame *f = &b->stack[b->depth - 1];
    MS_VEC_GROW(f->items, f->len, f->cap);
    f->items[f->len++] = n;
    f->expanded += expanded;
}

static bool is_plain_null(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static bool on_scalar(builder *b, const yaml_event_t *ev)
{
    const char *val = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    ms_pos pos = mark_pos(b, ev->start_mark);
    if (memchr(val, '\0', len)) {
        ms_diag_error(b->l->diag, pos, "string contains a NUL character");
        return false;
    }
    cfg_node *n = cfg__alloc(b->l, sizeof *n);
    n->kind = CFG_SCALAR;
    n->pos = pos;
    n->u.scalar.str = cfg__strndup(b->l, val, len);
    n->u.scalar.len = len;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
                 ev->data.scalar.style == YAML_ANY_SCALAR_STYLE;
    if (tag && (!strcmp(tag, YAML_STR_TAG) || !strcmp(tag, "!")))
        plain = false;
    n->quoted = !plain;
    n->is_null = (plain && is_plain_null(n->u.scalar.str)) || (tag && !strcmp(tag, YAML_NULL_TAG));
    if (!count_nodes(b, 1, pos))
        return false;
    if (ev->data.scalar.anchor) {
        long a = add_anchor(b, (const char *)ev->data.scalar.anchor, n);
        b->anchors[a].expanded = 1;
        b->anchors[a].complete = true;
    }
    attach(b, n, 1);
    return true;
}

static bool on_start(builder *b, const yaml_event_t *ev, cfg_kind kind)
{
    ms_pos pos = mark_pos(b, ev->start_mark);
    if (b->depth >= CFG_MAX_DEPTH) {
        ms_diag_error(b->l->diag, pos, "nesting deeper than %d levels", CFG_MAX_DEPTH);
        return false;
    }
    if (!count_nodes(b, 1, pos))
        return false;
    cfg_node *n = cfg__alloc(b->l, sizeof *n);
    n->kind = kind;
    n->pos = pos;
    const yaml_char_t *anc =
        kind == CFG_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    MS_VEC_GROW(b->stack, b->depth, b->cap);
    frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof *f);
    f->node = n;
    f->expanded = 1;
    f->anchor = anc ? add_anchor(b, (const char *)anc, n) : -1;
    return true;
}

static bool on_alias(builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    ms_pos pos = mark_pos(b, ev->start_mark);
    long a = find_anchor(b, name);
    if (a < 0) {
        ms_diag_error(b->l->diag, pos, "unknown anchor \"%s\"", name);
        return false;
    }
    if (!b->anchors[a].complete) {
        ms_diag_error(b->l->diag, pos, "alias \"%s\" refers to a node that contains it", name);
        return false;
    }
    if (!count_nodes(b, b->anchors[a].expanded, pos))
        return false;
    attach(b, b->anchors[a].node, b->anchors[a].expanded);
    return true;
}

/* --- mappings: duplicate keys and merge keys --------------------------------- */

typedef struct cand {
    cfg_pair pair;
    size_t order;  /* final order: explicit pairs first, then merged ones */
    bool explicit; /* written in this mapping (not merged) */
} cand;

static int cand_by_key(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    int c = strcmp(a->pair.key->u.scalar.str, b->pair.key->u.scalar.str);
    if (c)
        return c;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int cand_by_order(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    return a->order < b->order ? -1 : a->order > b->order;
}

static bool is_merge_key(const cfg_node *k)
{
    return k->kind == CFG_SCALAR && !k->quoted && !strcmp(k->u.scalar.str, "<<");
}

static void add_cand(cand **v, size_t *len, size_t *cap, cfg_pair p, bool expl)
{
    MS_VEC_GROW(*v, *len, *cap);
    (*v)[*len].pair = p;
    (*v)[*len].order = *len;
    (*v)[*len].explicit = expl;
    (*len)++;
}

/* Close a mapping: pairs from the frame's flat key/value list, keys checked,
 * merges applied.  Problems are reported; the offending pairs are left out. */
static void finish_map(builder *b, frame *f)
{
    ms_diag *d = b->l->diag;
    cand *v = NULL;
    size_t len = 0, cap = 0;
    const cfg_node **merges = NULL;
    size_t nmerges = 0, capmerges = 0;
    for (size_t i = 0; i + 1 < f->len; i += 2) {
        cfg_pair p = {f->items[i], f->items[i + 1]};
        if (p.key->kind != CFG_SCALAR) {
            ms_diag_error(d, p.key->pos, "mapping keys must be scalars, found a %s",
                          cfg_kind_name(p.key->kind));
            continue;
        }
        if (is_merge_key(p.key)) {
            MS_VEC_GROW(merges, nmerges, capmerges);
            merges[nmerges++] = p.value;
            continue;
        }
        add_cand(&v, &len, &cap, p, true);
    }
    for (size_t m = 0; m < nmerges; m++) {
        const cfg_node *src = merges[m];
        const cfg_node *const *list = &src;
        size_t nlist = 1;
        if (src->kind == CFG_SEQ) {
            list = (const cfg_node *const *)src->u.seq.items;
            nlist = src->u.seq.len;
        }
        for (size_t j = 0; j < nlist; j++) {
            if (list[j]->kind != CFG_MAP) {
                ms_diag_error(d, list[j]->pos,
                              "merge key \"<<\" expects a mapping or a sequence of mappings");
                continue;
            }
            for (size_t k = 0; k < list[j]->u.map.len; k++)
                add_cand(&v, &len, &cap, list[j]->u.map.items[k], false);
        }
    }
    free(merges);
    if (len > 1)
        qsort(v, len, sizeof *v, cand_by_key);
    /* In each run of equal keys the first (lowest order) wins; a second explicit
     * one is a duplicate. */
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i + 1;
        while (j < len && !strcmp(v[j].pair.key->u.scalar.str, v[i].pair.key->u.scalar.str)) {
            if (v[j].explicit)
                ms_diag_error(d, v[j].pair.key->pos,
                              "duplicate key \"%s\" (first defined at line %d, column %d)",
                              v[j].pair.key->u.scalar.str, v[i].pair.key->pos.line,
                              v[i].pair.key->pos.col);
            j++;
        }
        v[out++] = v[i];
        i = j;
    }
    len = out;
    if (len > 1)
        qsort(v, len, sizeof *v, cand_by_order);
    f->node->u.map.len = len;
    f->node->u.map.items = len ? cfg__alloc(b->l, len * sizeof(cfg_pair)) : NULL;
    for (size_t i = 0; i < len; i++)
        f->node->u.map.items[i] = v[i].pair;
    free(v);
}

static void on_end(builder *b)
{
    frame f = b->stack[--b->depth];
    if (f.node->kind == CFG_MAP) {
        finish_map(b, &f);
    } else {
        f.node->u.seq.len = f.len;
        f.node->u.seq.items = f.len ? cfg__alloc(b->l, f.len * sizeof(cfg_node *)) : NULL;
        if (f.len)
            memcpy(f.node->u.seq.items, f.items, f.len * sizeof(cfg_node *));
    }
    free(f.items);
    if (f.anchor >= 0) {
        b->anchors[f.anchor].expanded = f.expanded;
        b->anchors[f.anchor].complete = true;
    }
    attach(b, f.node, f.expanded);
}

static void end_document(builder *b)
{
    if (!b->skipping) {
        cfg_doc *doc = cfg__alloc(b->l, sizeof *doc);
        cfg_node *root = b->root;
        if (root && root->kind == CFG_SCALAR && root->is_null && !root->quoted)
            root = NULL;
        doc->root = root;
        doc->file = b->file;
        doc->index = b->doc_index;
        cfg_loader *l = b->l;
        MS_VEC_GROW(l->docs, l->ndocs, l->capdocs);
        l->docs[l->ndocs++] = doc;
        b->ndocs++;
    }
    b->doc_index++;
    b->root = NULL;
    b->skipping = false;
    b->doc_total = 0;
    free_frames(b);
    free_anchors(b);
}

int cfg__parse_buffer(cfg_loader *l, const char *file, const unsigned char *buf, size_t len,
                      size_t *ndocs)
{
    *ndocs = 0;
    if (check_text(l, file, buf, len) < 0)
        return -1;
    size_t errors_before = ms_diag_error_count(l->diag);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        ms_pos none = {file, 0, 0};
        ms_diag_error(l->diag, none, "cannot initialise the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&parser, buf, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    builder b = {0};
    b.l = l;
    b.file = file;
    bool done = false;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_libyaml(&b, &parser, buf);
            break;
        }
        bool ok = true;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            b.root = NULL;
            b.skipping = false;
            b.doc_total = 0;
            break;
        case YAML_DOCUMENT_END_EVENT: end_document(&b); break;
        case YAML_SCALAR_EVENT:
            if (!b.skipping)
                ok = on_scalar(&b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            if (!b.skipping)
                ok = on_alias(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            if (!b.skipping)
                ok = on_start(&b, &ev, CFG_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            if (!b.skipping)
                ok = on_start(&b, &ev, CFG_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (!b.skipping)
                on_end(&b);
            break;
        default: break;
        }
        yaml_event_delete(&ev);
        if (!ok)
            drop_document(&b);
    }
    free_frames(&b);
    free_anchors(&b);
    free(b.stack);
    free(b.anchors);
    yaml_parser_delete(&parser);
    *ndocs = b.ndocs;
    return ms_diag_error_count(l->diag) > errors_before ? -1 : 0;
}
