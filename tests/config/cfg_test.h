/*
 * cfg_test.h - helpers shared by the tests/config/test_*.c executables: the
 * per-test fixture (diagnostics, loader, decoded meshsim or Kubernetes/Istio
 * documents), loading a YAML string and decoding it, comparing the exact list
 * of diagnostics, and running a table of {name, yaml, expected messages} rows
 * as one cmocka test per row (so a failing row is reported under its name).
 *
 * Each test file is its own executable: everything here is static inline, and
 * the file includes <cmocka.h> and its prerequisites itself.
 */
#ifndef MESHSIM_TESTS_CONFIG_CFG_TEST_H
#define MESHSIM_TESTS_CONFIG_CFG_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/diag.h"
#include "config/k8s_istio.h"
#include "config/meshsim_docs.h"
#include "config/yaml.h"

#define DATA MESHSIM_SOURCE_DIR "/tests/config/data"

/* The first line of every meshsim document. */
#define API "apiVersion: meshsim/v1alpha1\n"

#define CFG_LEN(a) (sizeof(a) / sizeof(a)[0])

/* A NULL-terminated list of expected messages, for cfg_expect_diags(). */
#define CFG_WANT(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One case of a table: loading `yaml` must give exactly the messages `want`,
 * in order (unused slots stay NULL; no message at all is a valid case). */
typedef struct cfg_diag_case {
    const char *name; /* the cmocka test name */
    const char *yaml;
    const char *want[8];
} cfg_diag_case;

typedef struct cfg_fx {
    ms_diag *d;
    cfg_loader *l;
    struct cfg_meshsim *m;         /* from cfg_fx_setup_meshsim, else NULL */
    struct cfg_k8s_istio *istio;   /* from cfg_fx_setup_istio, else NULL */
    int decoded;                   /* documents cfg_fx_load_istio decoded (returned 1) */
    int skipped;                   /* ... and left alone (returned 0) */
    const cfg_diag_case *row;      /* the table row of a cfg_add_cases() test */
} cfg_fx;

static inline int cfg_fx_open(void **state, bool meshsim, bool istio)
{
    cfg_fx *f = test_calloc(1, sizeof *f);
    f->row = *state; /* the initial state: a table row, or NULL */
    f->d = ms_diag_create();
    f->l = cfg_loader_create(f->d);
    f->m = meshsim ? cfg_meshsim_create() : NULL;
    f->istio = istio ? cfg_k8s_istio_create() : NULL;
    *state = f;
    return 0;
}

/* Setups: diagnostics and loader, plus meshsim or Kubernetes/Istio documents. */
static inline int cfg_fx_setup(void **state) { return cfg_fx_open(state, false, false); }
static inline int cfg_fx_setup_meshsim(void **state) { return cfg_fx_open(state, true, false); }
static inline int cfg_fx_setup_istio(void **state) { return cfg_fx_open(state, false, true); }

static inline int cfg_fx_teardown(void **state)
{
    cfg_fx *f = *state;
    cfg_k8s_istio_destroy(f->istio);
    cfg_meshsim_destroy(f->m);
    cfg_loader_destroy(f->l);
    ms_diag_destroy(f->d);
    test_free(f);
    return 0;
}

static inline void cfg_print_diags(const ms_diag *d, const char *prefix)
{
    for (size_t i = 0; i < ms_diag_count(d); i++)
        print_message("%s%s\n", prefix, ms_diag_message(d, i));
}

/* The messages of `d` are exactly `want` (NULL-terminated), in order, and the
 * errors among them are exactly the ones whose text says "error:".  On a
 * mismatch, print `what`, every message and every expected one, and fail. */
static inline void cfg_expect_diags(const ms_diag *d, const char *what, const char *const *want)
{
    size_t n = 0, nerr = 0;
    for (; want[n]; n++)
        nerr += strstr(want[n], ": error: ") != NULL;
    bool same = ms_diag_count(d) == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(ms_diag_message(d, i), want[i]) == 0;
    if (!same) {
        print_message("%s:\n", what);
        cfg_print_diags(d, "  got:  ");
        for (size_t i = 0; i < n; i++)
            print_message("  want: %s\n", want[i]);
        fail();
    }
    assert_int_equal(ms_diag_error_count(d), nerr);
}

static inline void cfg_expect_no_diags(const ms_diag *d, const char *what)
{
    cfg_expect_diags(d, what, CFG_WANT(NULL));
}

/* Decode every loaded document as meshsim, then finish the set. */
static inline void cfg_fx_decode_meshsim(cfg_fx *f)
{
    for (size_t i = 0; i < cfg_doc_count(f->l); i++)
        cfg_meshsim_decode(f->m, f->l, cfg_doc_at(f->l, i), NULL, f->d);
    cfg_meshsim_finish(f->m);
}

/* Load `len` bytes of `text` as `file` and decode them as meshsim; the result
 * of cfg_load_string(). */
static inline int cfg_fx_load_meshsim(cfg_fx *f, const char *file, const char *text, size_t len)
{
    int rc = cfg_load_string(f->l, file, text, len);
    cfg_fx_decode_meshsim(f);
    return rc;
}

/* Load `text` as "t.yaml" (it must load) and decode its documents as
 * Kubernetes/Istio objects, counting the decoded and the skipped ones. */
static inline void cfg_fx_load_istio(cfg_fx *f, const char *text)
{
    size_t first = cfg_doc_count(f->l);
    assert_int_equal(cfg_load_string(f->l, "t.yaml", text, strlen(text)), 0);
    for (size_t i = first; i < cfg_doc_count(f->l); i++) {
        const cfg_doc *doc = cfg_doc_at(f->l, i);
        const char *api = cfg_str(cfg_map_get(doc->root, "apiVersion"));
        const char *kind = cfg_str(cfg_map_get(doc->root, "kind"));
        if (cfg_k8s_istio_decode(f->istio, f->l, doc, api, kind, f->d))
            f->decoded++;
        else
            f->skipped++;
    }
}

/* Append `n` tests to `tests` at `*at`. */
static inline void cfg_add_tests(struct CMUnitTest *tests, size_t *at, const struct CMUnitTest *own,
                                 size_t n)
{
    for (size_t i = 0; i < n; i++)
        tests[(*at)++] = own[i];
}

/* Append one test per row of `rows`, named after the row: `setup` hands the
 * row to `run` as f->row of a fresh fixture. */
static inline void cfg_add_cases(struct CMUnitTest *tests, size_t *at, const cfg_diag_case *rows,
                                 size_t n, CMUnitTestFunction run, CMFixtureFunction setup)
{
    for (size_t i = 0; i < n; i++)
        tests[(*at)++] = (struct CMUnitTest){
            .name = rows[i].name,
            .test_func = run,
            .setup_func = setup,
            .teardown_func = cfg_fx_teardown,
            .initial_state = (void *)&rows[i],
        };
}

#endif
