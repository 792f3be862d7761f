/*
 * test_yaml.c - the YAML loader of config/yaml.h: node positions, scalar
 * styles, multi-document files, directory walking order, dedupe by realpath,
 * aliases and merge keys, empty files and includes (data in tests/config/data).
 */
#include "cfg_test.h"

static int load(cfg_fx *f, const char *text)
{
    return cfg_load_string(f->l, "t.yaml", text, strlen(text));
}

static void assert_pos(const cfg_node *n, int line, int col)
{
    assert_non_null(n);
    assert_string_equal(n->pos.file, "t.yaml");
    assert_int_equal(n->pos.line, line);
    assert_int_equal(n->pos.col, col);
}

/* The first six lines of both texts of test_positions. */
#define POSITIONS_HEAD                                                         \
    "# comment\n"                                                              \
    "spec:\n"                                                                  \
    "  name: \"x\"\n"                                                          \
    "  list:\n"                                                                \
    "    - 1\n"                                                                \
    "    - {a: b, c: [d, e]}\n"

static void test_positions(void **state)
{
    cfg_fx *f = *state;
    /* the last line is a syntax error: checked in test_errors */
    assert_int_equal(load(f, POSITIONS_HEAD "  µ: ünï: 1\n"), -1);
    ms_diag_clear(f->d);
    assert_int_equal(load(f, POSITIONS_HEAD "  µé: ü\n"), 0);
    assert_int_equal(cfg_doc_count(f->l), 1);
    const cfg_doc *doc = cfg_doc_at(f->l, 0);
    assert_string_equal(doc->file, "t.yaml");
    assert_int_equal(doc->index, 0);
    const cfg_node *spec = cfg_map_get(doc->root, "spec");
    assert_pos(doc->root, 2, 1);
    assert_pos(doc->root->u.map.items[0].key, 2, 1);
    assert_pos(spec, 3, 3);
    const cfg_node *name = cfg_map_get(spec, "name");
    assert_pos(name, 3, 9);
    assert_true(name->quoted);
    assert_false(name->is_null);
    const cfg_node *list = cfg_map_get(spec, "list");
    assert_int_equal(list->kind, CFG_SEQ);
    assert_pos(list, 5, 5);
    assert_int_equal(list->u.seq.len, 2);
    assert_pos(list->u.seq.items[0], 5, 7);
    const cfg_node *flow = list->u.seq.items[1];
    assert_pos(flow, 6, 7);
    assert_pos(cfg_map_get(flow, "a"), 6, 11);
    const cfg_node *c = cfg_map_get(flow, "c");
    assert_pos(c, 6, 17);
    assert_pos(c->u.seq.items[1], 6, 21);
    /* columns count characters, not bytes */
    assert_pos(cfg_map_get(spec, "µé"), 7, 7);
    assert_string_equal(cfg_str(cfg_map_get(spec, "µé")), "ü");
    assert_string_equal(cfg_kind_name(CFG_MAP), "mapping");
    assert_null(cfg_str(spec));
}

static void test_scalar_styles(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(load(f, "a: ~\nb:\nc: null\nd: 'null'\ne: |\n  text\nf: !!str 5\ng: \"\"\nh: NULL\n"), 0);
    const cfg_node *r = cfg_doc_at(f->l, 0)->root;
    assert_true(cfg_map_get(r, "a")->is_null);
    assert_true(cfg_map_get(r, "b")->is_null);
    assert_true(cfg_map_get(r, "c")->is_null);
    assert_false(cfg_map_get(r, "d")->is_null);
    assert_true(cfg_map_get(r, "d")->quoted);
    assert_true(cfg_map_get(r, "e")->quoted);
    assert_string_equal(cfg_str(cfg_map_get(r, "e")), "text\n");
    assert_true(cfg_map_get(r, "f")->quoted);
    assert_false(cfg_map_get(r, "g")->is_null);
    assert_true(cfg_map_get(r, "h")->is_null);
    assert_int_equal(cfg_map_get(r, "e")->u.scalar.len, 5);
}

static void test_multi_document(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(load(f, "a: 1\n---\n---\nb: 2\n...\n---\n- x\n"), 0);
    assert_int_equal(cfg_doc_count(f->l), 4);
    assert_non_null(cfg_map_get(cfg_doc_at(f->l, 0)->root, "a"));
    assert_null(cfg_doc_at(f->l, 1)->root); /* an empty document */
    assert_int_equal(cfg_doc_at(f->l, 1)->index, 1);
    assert_pos(cfg_map_get(cfg_doc_at(f->l, 2)->root, "b"), 4, 4);
    assert_int_equal(cfg_doc_at(f->l, 3)->root->kind, CFG_SEQ);
    assert_int_equal(cfg_doc_at(f->l, 3)->index, 3);
    assert_null(cfg_doc_at(f->l, 4));
    /* a second load appends */
    assert_int_equal(load(f, ""), 0);
    assert_int_equal(cfg_doc_count(f->l), 4);
    assert_int_equal(ms_diag_count(f->d), 0);
}

static const char *doc_name(const cfg_fx *f, size_t i)
{
    return cfg_str(cfg_map_get(cfg_doc_at(f->l, i)->root, "name"));
}

static void test_directory_order_and_dedupe(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(cfg_load_path(f->l, DATA "/dir", NULL), 0);
    /* byte-wise order: "Z.yaml" < "a.yml" < "b.yaml" < "sub/"; .hidden and .txt skipped */
    assert_int_equal(cfg_doc_count(f->l), 5);
    assert_string_equal(doc_name(f, 0), "Z");
    assert_string_equal(doc_name(f, 1), "a");
    assert_string_equal(doc_name(f, 2), "b");
    assert_string_equal(doc_name(f, 3), "b2");
    assert_string_equal(doc_name(f, 4), "c");
    assert_string_equal(cfg_doc_at(f->l, 4)->file, DATA "/dir/sub/c.yaml");
    assert_int_equal(cfg_doc_at(f->l, 3)->index, 1);
    /* the same files again, by other names: skipped silently */
    assert_int_equal(cfg_load_path(f->l, DATA "/dir/./b.yaml", NULL), 0);
    assert_int_equal(cfg_load_path(f->l, DATA "/dir/sub/../", NULL), 0);
    assert_int_equal(cfg_doc_count(f->l), 5);
    assert_int_equal(ms_diag_count(f->d), 0);
}

static void test_empty_files(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(cfg_load_path(f->l, DATA "/empty.yaml", NULL), 0);
    assert_int_equal(cfg_load_path(f->l, DATA "/comment.yaml", NULL), 0);
    assert_int_equal(cfg_doc_count(f->l), 0);
    assert_int_equal(ms_diag_error_count(f->d), 0);
    assert_int_equal(ms_diag_count(f->d), 2);
    assert_string_equal(ms_diag_message(f->d, 0),
                        DATA "/empty.yaml: warning: file holds no YAML document");
    assert_int_equal(ms_diag_message_level(f->d, 1), MS_DIAG_WARNING);
}

static void test_missing_path(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(cfg_load_path(f->l, DATA "/nope.yaml", NULL), -1);
    assert_string_equal(ms_diag_message(f->d, 0),
                        "meshsim: error: cannot open \"" DATA "/nope.yaml\": No such file or directory");
}

static void test_include_relative(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(cfg_load_path(f->l, DATA "/inc/main.yaml", NULL), 0);
    const cfg_node *inc =
        cfg_map_get(cfg_map_get(cfg_doc_at(f->l, 0)->root, "spec"), "include");
    assert_int_equal(cfg_load_relative(f->l, inc->u.seq.items[0], cfg_str(inc->u.seq.items[0])), 0);
    assert_int_equal(cfg_doc_count(f->l), 2);
    assert_string_equal(doc_name(f, 1), "part");
    assert_string_equal(cfg_doc_at(f->l, 1)->file, DATA "/inc/part.yaml");
    assert_int_equal(cfg_load_relative(f->l, inc->u.seq.items[1], cfg_str(inc->u.seq.items[1])), -1);
    assert_int_equal(ms_diag_count(f->d), 1);
    assert_string_equal(ms_diag_message(f->d, 0),
                        DATA "/inc/main.yaml:4:24: error: cannot open include file \"missing.yaml\": "
                             "No such file or directory");
}

static void test_aliases_share_nodes(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(load(f, "base: &b {x: 1, y: [2, 3]}\n"
                             "copy: *b\n"
                             "s: &s hello\n"
                             "t: *s\n"),
                     0);
    const cfg_node *r = cfg_doc_at(f->l, 0)->root;
    assert_ptr_equal(cfg_map_get(r, "base"), cfg_map_get(r, "copy"));
    assert_ptr_equal(cfg_map_get(r, "s"), cfg_map_get(r, "t"));
    assert_pos(cfg_map_get(r, "copy"), 1, 7); /* the anchored node keeps its position */
}

static void test_merge_keys(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(load(f, "defaults: &d {a: 1, b: 2}\n"
                             "more: &m {b: 20, c: 30}\n"
                             "x:\n"
                             "  <<: [*d, *m]\n"
                             "  a: 10\n"
                             "  z: 0\n"),
                     0);
    cfg_print_diags(f->d, "diag: ");
    const cfg_node *x = cfg_map_get(cfg_doc_at(f->l, 0)->root, "x");
    assert_int_equal(x->u.map.len, 4);
    /* explicit keys first, in order, then merged ones; explicit wins, earlier merge wins */
    assert_string_equal(x->u.map.items[0].key->u.scalar.str, "a");
    assert_string_equal(cfg_str(x->u.map.items[0].value), "10");
    assert_string_equal(x->u.map.items[1].key->u.scalar.str, "z");
    assert_string_equal(x->u.map.items[2].key->u.scalar.str, "b");
    assert_string_equal(cfg_str(x->u.map.items[2].value), "2");
    assert_string_equal(cfg_str(cfg_map_get(x, "c")), "30");
    assert_pos(cfg_map_get(x, "c"), 2, 21);
}

static void test_quoted_merge_key_is_a_key(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(load(f, "x: {'<<': 1}\n"), 0);
    assert_string_equal(cfg_str(cfg_map_get(cfg_map_get(cfg_doc_at(f->l, 0)->root, "x"), "<<")), "1");
}

static void test_strdup_and_diag(void **state)
{
    cfg_fx *f = *state;
    const char *s = cfg_loader_strdup(f->l, "hello");
    assert_string_equal(s, "hello");
    assert_ptr_equal(cfg_loader_diag(f->l), f->d);
    assert_null(cfg_map_get(NULL, "x"));
    cfg_loader_destroy(NULL);
}

static void test_large_document(void **state)
{
    cfg_fx *f = *state;
    /* many keys: duplicate detection must not be quadratic */
    size_t n = 50000;
    char *text = test_malloc(n * 16 + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "k%zu: %zu\n", i, i);
    assert_int_equal(cfg_load_string(f->l, "big.yaml", text, len), 0);
    test_free(text);
    assert_int_equal(cfg_doc_at(f->l, 0)->root->u.map.len, n);
    assert_string_equal(cfg_str(cfg_map_get(cfg_doc_at(f->l, 0)->root, "k49999")), "49999");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, cfg_fx_setup, cfg_fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_positions),
        T(test_scalar_styles),
        T(test_multi_document),
        T(test_directory_order_and_dedupe),
        T(test_empty_files),
        T(test_missing_path),
        T(test_include_relative),
        T(test_aliases_share_nodes),
        T(test_merge_keys),
        T(test_quoted_merge_key_is_a_key),
        T(test_strdup_and_diag),
        T(test_large_document),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
