/*
 * scripted_rng.h - test fixture: an ms_rng (base/rng.h) whose draws are preset
 * values, so a policy test can drive the exact random choices of the code under
 * test (weighted splits, P2C draws, fault and enforcement percentages, backoff
 * jitter).
 *
 * Header-only, `static inline`: each tests/policy/test_*.c is its own cmocka
 * executable, so every test file gets its own copy.  Include it after
 * <cmocka.h> or on its own; it pulls in what it needs.
 *
 * A `script` holds the values v[0..n-1] and the index i of the next draw; tests
 * build it as `script sc = {values, count, 0}` and may read `sc.i` afterwards to
 * check how many draws were made.  The script must outlive the ms_rng viewing it.
 * Two ways to draw:
 *   - script_next / script_rng: each value once, in order; a draw past the end
 *     fails the test (the code drew more often than its contract promises).
 *     `script none = {NULL, 0, 0}` makes a generator that must never be drawn.
 *   - script_loop_next / script_loop_rng: v[i mod n], forever (n must be > 0),
 *     for tests that need a constant or a repeating pattern.
 */
#ifndef MS_TESTS_POLICY_SCRIPTED_RNG_H
#define MS_TESTS_POLICY_SCRIPTED_RNG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/rng.h"

typedef struct script {
    const uint64_t *v;
    size_t n, i;
} script;

/* Next value of the script; fails the test once all n values are used. */
static inline uint64_t script_next(void *state)
{
    script *s = state;
    assert_true(s->i < s->n); /* a draw the contract does not promise */
    return s->v[s->i++];
}

static inline ms_rng script_rng(script *s)
{
    ms_rng r = {script_next, s};
    return r;
}

/* Next value of the script, starting over after the last one. */
static inline uint64_t script_loop_next(void *state)
{
    script *sc = state;
    uint64_t x = sc->v[sc->i % sc->n];
    sc->i++;
    return x;
}

static inline ms_rng script_loop_rng(script *sc)
{
    ms_rng r = {script_loop_next, sc};
    return r;
}

#endif
