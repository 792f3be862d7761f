/*
 * test_series.c - the per-window time series (models/series.h):
 *   - a window histogram gives exactly sim_hist's quantiles, extremes and
 *     buckets for the same values, and its bucket counts add up to its count;
 *   - requests land in the window of their start time: boundaries belong to
 *     the window they open, times outside [start, end) are ignored, the last
 *     window is shorter, and windows stay sorted whatever the recording order;
 *   - per-window counters (errors, retries, timeouts, UO overflows, responses by
 *     code and flags) add up to the series' whole-run row;
 *   - an ejection counts in the window where it began, only in the series of
 *     the same destination, workload and version reached through the
 *     ejecting client, and nowhere when outside the measured window;
 *   - series come out sorted, and finishing twice changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "models/results.h"
#include "models/series.h"
#include "sim/hist.h"
#include "sim/rng.h"

static void test_window_histogram_matches_sim_hist(void **state)
{
    sim_rng rng;
    sim_rng_init(&rng, 11, "test/series/whist");
    sim_hist full;
    sim_hist_init(&full);
    mdl_whist w = {0};
    for (int i = 0; i < 20000; i++) {
        /* lognormal-ish latencies from 0 to a few seconds, plus exact small values */
        int64_t v = i % 97 == 0 ? i % 128 : (int64_t)(exp(13 + 2 * sim_rng_uniform(&rng)));
        sim_hist_record(&full, v);
        mdl_whist_record(&w, v);
    }
    mdl_whist_seal(&w);
    assert_int_equal(w.count, sim_hist_count(&full));
    assert_int_equal(w.min, sim_hist_min(&full));
    assert_int_equal(w.max, sim_hist_max(&full));
    assert_true(fabs(mdl_whist_mean(&w) - sim_hist_mean(&full)) <= 1e-9 * sim_hist_mean(&full));
    const double ps[] = {0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        assert_int_equal(mdl_whist_quantile(&w, ps[i]), sim_hist_quantile(&full, ps[i]));
    sim_hist_iter it;
    sim_hist_iter_init(&it, &full);
    size_t n = 0;
    uint64_t total = 0;
    while (sim_hist_iter_next(&it)) {
        int64_t lo, hi;
        uint64_t c;
        assert_true(n < mdl_whist_nbuckets(&w));
        mdl_whist_bucket(&w, n++, &lo, &hi, &c);
        assert_int_equal(lo, it.lo);
        assert_int_equal(hi, it.hi);
        assert_int_equal(c, it.count);
        total += c;
    }
    assert_int_equal(n, mdl_whist_nbuckets(&w));
    assert_int_equal(total, w.count);
    mdl_whist_fini(&w);
    sim_hist_fini(&full);
    sim_rng_fini(&rng);
    (void)state;
}

static void test_empty_window_histogram(void **state)
{
    mdl_whist w = {0};
    mdl_whist_seal(&w);
    assert_int_equal(mdl_whist_nbuckets(&w), 0);
    assert_int_equal(mdl_whist_quantile(&w, 0.99), 0);
    assert_true(mdl_whist_mean(&w) == 0);
    mdl_whist_fini(&w);
    (void)state;
}

static mdl_outcome outcome(int status, pol_flags flags, uint32_t retries, sim_time latency)
{
    mdl_outcome o = {0};
    o.status = status;
    o.flags = flags;
    o.retries = retries;
    o.latency_ns = latency;
    return o;
}

/* Windows of 10 s over [5 s, 38 s): 4 windows, the last 3 s long. */
static void test_windows_by_start_time(void **state)
{
    mdl_series_set s;
    mdl_series_set_init(&s, 5 * SIM_S, 38 * SIM_S, 10 * SIM_S);
    assert_int_equal(s.nwindows, 4);
    assert_int_equal(mdl_series_window_start(&s, 3), 35 * SIM_S);
    assert_int_equal(mdl_series_window_length(&s, 3), 3 * SIM_S);
    assert_int_equal(mdl_series_window_length(&s, 2), 10 * SIM_S);
    mdl_series_key k = {"load", "backend", "backend-v1", "v1", "backend", "vs"};
    mdl_series *ser = mdl_series_get(&s, &k);
    assert_ptr_equal(mdl_series_get(&s, &k), ser);
    mdl_outcome ok = outcome(200, 0, 0, 5 * SIM_MS);
    /* out of order on purpose: the third window first */
    const sim_time starts[] = {25 * SIM_S, 5 * SIM_S, 15 * SIM_S - 1, 15 * SIM_S,
                               38 * SIM_S - 1, 4 * SIM_S, 38 * SIM_S, 26 * SIM_S};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        mdl_series_record(&s, ser, 0, starts[i], &ok);
    mdl_series_set_finish(&s);
    assert_int_equal(ser->nwindows, 4);
    const uint64_t index[] = {0, 1, 2, 3};
    const uint64_t requests[] = {2, 1, 2, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(ser->windows[i].index, index[i]);
        assert_int_equal(ser->windows[i].requests, requests[i]);
    }
    assert_int_equal(ser->total->requests, 6); /* the two outside are not counted */
    mdl_series_set_fini(&s);
    (void)state;
}

static void test_window_counters_add_up(void **state)
{
    mdl_series_set s;
    mdl_series_set_init(&s, 0, 20 * SIM_S, 10 * SIM_S);
    mdl_series_key k = {"load", "backend", NULL, NULL, "backend", NULL};
    mdl_series *ser = mdl_series_get(&s, &k);
    assert_string_equal(ser->workload, "");
    const mdl_outcome outs[] = {
        outcome(200, 0, 0, 3 * SIM_MS),
        outcome(503, POL_FLAG_BIT(POL_FLAG_UO), 0, 100 * SIM_US),
        outcome(503, POL_FLAG_BIT(POL_FLAG_URX), 2, 40 * SIM_MS),
        outcome(504, POL_FLAG_BIT(POL_FLAG_UT), 1, 1 * SIM_S),
        outcome(0, POL_FLAG_BIT(POL_FLAG_DC), 0, 2 * SIM_S),
        outcome(200, 0, 1, 7 * SIM_MS),
        outcome(503, POL_FLAG_BIT(POL_FLAG_UO), 0, 200 * SIM_US),
    };
    size_t n = sizeof outs / sizeof outs[0];
    for (size_t i = 0; i < n; i++)
        mdl_series_record(&s, ser, -1, (sim_time)i * 3 * SIM_S, &outs[i]);
    mdl_series_set_finish(&s);
    assert_int_equal(ser->nwindows, 2); /* starts 0..18 s: windows 0 and 1 */
    uint64_t req = 0, err = 0, retr = 0, tmo = 0, uo = 0, resp = 0, hist = 0;
    for (size_t w = 0; w < ser->nwindows; w++) {
        const mdl_window *win = &ser->windows[w];
        req += win->requests, err += win->errors, retr += win->retries;
        tmo += win->timeouts, uo += win->pool_overflows;
        for (size_t i = 0; i < win->nresponses; i++) {
            resp += win->responses[i].count;
            if (i > 0) /* sorted by (code, flags) */
                assert_true(win->responses[i - 1].code < win->responses[i].code ||
                            (win->responses[i - 1].code == win->responses[i].code &&
                             win->responses[i - 1].flags < win->responses[i].flags));
        }
        hist += win->latency.count;
    }
    assert_int_equal(req, n);
    assert_int_equal(req, ser->total->requests);
    assert_int_equal(err, ser->total->errors);
    assert_int_equal(err, 5);
    assert_int_equal(retr, ser->total->retries);
    assert_int_equal(retr, 4);
    assert_int_equal(tmo, ser->total->timeouts);
    assert_int_equal(tmo, 2);
    assert_int_equal(uo, 2);
    assert_int_equal(resp, n);
    assert_int_equal(hist, n);
    /* the two 503 UO: one in window 0 (starts at 3 s), one in window 1 (18 s) */
    assert_int_equal(ser->windows[0].pool_overflows, 1);
    assert_int_equal(ser->windows[1].pool_overflows, 1);
    /* Istio duration buckets: 100us, 200us <= 0.5ms; 3ms, 7ms <= 5/10ms; 40ms; 1s; 2s */
    assert_int_equal(ser->istio_buckets[0], 2);
    assert_int_equal(ser->istio_buckets[2], 1);
    assert_int_equal(ser->istio_buckets[3], 1);
    assert_int_equal(ser->istio_buckets[5], 1);
    assert_int_equal(ser->istio_buckets[9], 1);
    assert_int_equal(ser->istio_buckets[10], 1);
    mdl_series_set_fini(&s);
    (void)state;
}

static void test_ejections_counted_where_they_belong(void **state)
{
    mdl_series_set s;
    mdl_series_set_init(&s, 10 * SIM_S, 40 * SIM_S, 10 * SIM_S);
    mdl_series_key via_gw = {"browsers", "reviews", "reviews-v1", "v1", "reviews", "r"};
    mdl_series_key via_pp = {"productpage-v1", "reviews", "reviews-v1", "v1", "reviews", "r"};
    mdl_series_key other_v = {"productpage-v1", "reviews", "reviews-v2", "v2", "reviews", "r"};
    mdl_series *a = mdl_series_get(&s, &via_gw), *b = mdl_series_get(&s, &via_pp);
    mdl_series *c = mdl_series_get(&s, &other_v);
    mdl_outcome ok = outcome(200, 0, 0, SIM_MS);
    mdl_series_record(&s, a, -1, 11 * SIM_S, &ok); /* through a gateway */
    mdl_series_record(&s, b, 3, 11 * SIM_S, &ok);  /* through workload 3's proxies */
    mdl_series_record(&s, c, 3, 11 * SIM_S, &ok);
    mdl_series_mark_ejection(&s, 25 * SIM_S, 3, "reviews", "reviews-v1", "v1");
    mdl_series_mark_ejection(&s, 5 * SIM_S, 3, "reviews", "reviews-v1", "v1");  /* warm-up */
    mdl_series_mark_ejection(&s, 40 * SIM_S, 3, "reviews", "reviews-v1", "v1"); /* after */
    mdl_series_mark_ejection(&s, 12 * SIM_S, -1, "reviews", "reviews-v1", "v1");
    mdl_series_set_finish(&s);
    mdl_series_set_finish(&s); /* a second call changes nothing */
    /* sorted: browsers, then productpage-v1 v1, then v2 */
    assert_ptr_equal(s.series[0], a);
    assert_ptr_equal(s.series[1], b);
    assert_ptr_equal(s.series[2], c);
    /* a: one window (10 s) with its own request and the gateway's ejection */
    assert_int_equal(a->nwindows, 1);
    assert_int_equal(a->windows[0].ejections, 1);
    /* b: window 0 (request), window 1 (ejection at 25 s, no traffic) */
    assert_int_equal(b->nwindows, 2);
    assert_int_equal(b->windows[0].ejections, 0);
    assert_int_equal(b->windows[1].index, 1);
    assert_int_equal(b->windows[1].ejections, 1);
    assert_int_equal(b->windows[1].requests, 0);
    /* c: another version, untouched */
    assert_int_equal(c->nwindows, 1);
    assert_int_equal(c->windows[0].ejections, 0);
    mdl_series_set_fini(&s);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_histogram_matches_sim_hist),
        cmocka_unit_test(test_empty_window_histogram),
        cmocka_unit_test(test_windows_by_start_time),
        cmocka_unit_test(test_window_counters_add_up),
        cmocka_unit_test(test_ejections_counted_where_they_belong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
