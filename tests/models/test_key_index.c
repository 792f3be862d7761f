/*
 * test_key_index.c - the string-tuple index of the results (models/key_index.h):
 *   - the hash is FNV-1a over each string with its NUL, folded with fmix64
 *     (the values the index had before it was shared: one pass, same result);
 *   - 2,000 tuples, most sharing all but one string, are all found again
 *     through several growths, by equal strings at other addresses;
 *   - a tuple not indexed, or one string off, is not found; an empty index
 *     finds nothing;
 *   - mdl_key_cmp orders tuples string by string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/hash.h"
#include "models/key_index.h"

#define N 2000
#define NKEY 3

typedef struct item {
    char a[16], b[16], c[16];
} item;

static void keys_of(const item *it, const char *out[NKEY])
{
    out[0] = it->a;
    out[1] = it->b;
    out[2] = it->c;
}

static bool same(const void *p, const char *const *key)
{
    const char *have[NKEY];
    keys_of(p, have);
    return !mdl_key_cmp(have, key, NKEY);
}

static void fill(item *it, int i)
{
    snprintf(it->a, sizeof it->a, "src-%d", i % 7);
    snprintf(it->b, sizeof it->b, "%s", i % 3 ? "reviews" : "");
    snprintf(it->c, sizeof it->c, "v%d", i);
}

static void test_hash_value(void **state)
{
    (void)state;
    const char *key[3] = {"productpage", "", "v1"};
    uint64_t want = 0;
    for (int i = 0; i < 3; i++)
        want = ms_fmix64(want ^ ms_fnv1a64(key[i], strlen(key[i]) + 1));
    assert_true(mdl_key_hash(key, 3) == want);
    /* the NUL counts: ("ab", "c") and ("a", "bc") differ */
    const char *x[2] = {"ab", "c"}, *y[2] = {"a", "bc"};
    assert_true(mdl_key_hash(x, 2) != mdl_key_hash(y, 2));
}

static void test_find_after_growth(void **state)
{
    (void)state;
    static item items[N], probe;
    mdl_key_index ix = {0};
    const char *key[NKEY];
    keys_of(&items[0], key);
    assert_null(mdl_key_index_find(&ix, 1, key, same)); /* empty */
    for (int i = 0; i < N; i++) {
        fill(&items[i], i);
        keys_of(&items[i], key);
        uint64_t h = mdl_key_hash(key, NKEY);
        assert_null(mdl_key_index_find(&ix, h, key, same));
        mdl_key_index_add(&ix, h, &items[i]);
    }
    for (int i = 0; i < N; i++) {
        fill(&probe, i); /* equal strings, other storage */
        keys_of(&probe, key);
        assert_ptr_equal(mdl_key_index_find(&ix, mdl_key_hash(key, NKEY), key, same), &items[i]);
    }
    fill(&probe, N); /* never added */
    keys_of(&probe, key);
    assert_null(mdl_key_index_find(&ix, mdl_key_hash(key, NKEY), key, same));
    fill(&probe, 5);
    probe.b[0] = probe.b[0] ? 0 : 'x'; /* one string off */
    keys_of(&probe, key);
    assert_null(mdl_key_index_find(&ix, mdl_key_hash(key, NKEY), key, same));
    mdl_key_index_fini(&ix);
    assert_null(mdl_key_index_find(&ix, 1, key, same));
}

static void test_order(void **state)
{
    (void)state;
    const char *a[3] = {"gw", "reviews", "v1"}, *b[3] = {"gw", "reviews", "v2"},
               *c[3] = {"gw", "ratings", "v9"};
    assert_int_equal(mdl_key_cmp(a, a, 3), 0);
    assert_true(mdl_key_cmp(a, b, 3) < 0);
    assert_true(mdl_key_cmp(b, a, 3) > 0);
    assert_true(mdl_key_cmp(c, a, 3) < 0); /* the first string that differs decides */
    assert_int_equal(mdl_key_cmp(a, b, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_value),
        cmocka_unit_test(test_find_after_growth),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
