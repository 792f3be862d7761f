/*
 * test_units.c - table-driven checks of every unit form of units.h: each input
 * is parsed from a one-line YAML document and compared with the exact value
 * (nanoseconds, bytes, bit/s, per second, fractions), and each refused input
 * with its exact message.
 */
#include "cfg_test.h"
#include "config/units.h"

/* The value node of "v: TEXT" loaded as a fresh document. */
static const cfg_node *value(cfg_fx *f, const char *text)
{
    char buf[256];
    snprintf(buf, sizeof buf, "v: %s\n", text);
    assert_int_equal(cfg_load_string(f->l, "u.yaml", buf, strlen(buf)), 0);
    const cfg_doc *doc = cfg_doc_at(f->l, cfg_doc_count(f->l) - 1);
    const cfg_node *v = cfg_map_get(doc->root, "v");
    assert_non_null(v);
    return v;
}

/* Exactly the one message `msg`, which is then cleared. */
static void expect_error(cfg_fx *f, const char *msg)
{
    cfg_expect_diags(f->d, "expect_error", CFG_WANT(msg));
    ms_diag_clear(f->d);
}

static void test_durations(void **state)
{
    static const struct {
        const char *text;
        int64_t ns;
    } cases[] = {
        {"250ns", 250},
        {"40us", 40000},
        {"40µs", 40000},
        {"40μs", 40000},
        {"1.5ms", 1500000},
        {"2s", 2000000000},
        {"0.1s", 100000000},
        {"3m", 180000000000},
        {"1h", 3600000000000},
        {"1h30m", 5400000000000},
        {"1m30.5s", 90500000000},
        {"0", 0},
        {"0s", 0},
        {"-0s", 0},
        {"'5ms'", 5000000},
        {"1e3ms", 1000000000},
        {"+2s", 2000000000},
        {"2562047h", 9223369200000000000},
    };
    cfg_fx *f = *state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t ns = -1;
        if (cfg_read_duration(value(f, cases[i].text), f->d, &ns) != 0)
            print_message("%s: %s\n", cases[i].text, ms_diag_message(f->d, 0));
        assert_int_equal(ms_diag_count(f->d), 0);
        if (ns != cases[i].ns)
            print_message("%s: got %lld\n", cases[i].text, (long long)ns);
        assert_true(ns == cases[i].ns);
    }
    assert_int_equal(ms_diag_count(f->d), 0);
}

static void test_duration_errors(void **state)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"5mss", "u.yaml:1:4: error: unknown duration unit \"mss\" in \"5mss\"; expected ns, us, ms, s, m or h"},
        {"5", "u.yaml:1:4: error: duration \"5\" needs a unit: ns, us, ms, s, m or h"},
        {"-5ms", "u.yaml:1:4: error: duration must not be negative"},
        {"1e30s", "u.yaml:1:4: error: duration \"1e30s\" is too large"},
        {"2562048h", "u.yaml:1:4: error: duration \"2562048h\" is too large"},
        {"fast", "u.yaml:1:4: error: invalid duration \"fast\"; expected a number with a unit such as 5ms"},
        {"1h-5m", "u.yaml:1:4: error: invalid duration \"1h-5m\"; expected a number with a unit such as 5ms"},
        {"{a: 1}", "u.yaml:1:4: error: expected a duration such as 5ms, found a mapping"},
        {"[1s]", "u.yaml:1:4: error: expected a duration such as 5ms, found a sequence"},
        {"~", "u.yaml:1:4: error: expected a duration such as 5ms, found an empty value"},
    };
    cfg_fx *f = *state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t ns = 77;
        assert_int_equal(cfg_read_duration(value(f, cases[i].text), f->d, &ns), -1);
        assert_true(ns == 77);
        expect_error(f, cases[i].msg);
    }
}

static void test_rates_sizes_bandwidths(void **state)
{
    cfg_fx *f = *state;
    static const struct {
        const char *text;
        double v;
    } rates[] = {{"200rps", 200}, {"200/s", 200}, {"120rpm", 2}, {"60/m", 1}, {"3600/h", 1},
                 {"0.5rps", 0.5}, {"15", 15}};
    for (size_t i = 0; i < sizeof rates / sizeof *rates; i++) {
        double v = -1;
        assert_int_equal(cfg_read_rate(value(f, rates[i].text), f->d, &v), 0);
        assert_true(v > rates[i].v - 1e-9 && v < rates[i].v + 1e-9);
    }
    static const struct {
        const char *text;
        uint64_t v;
    } sizes[] = {{"512B", 512}, {"2KiB", 2048}, {"1MiB", 1048576}, {"1GiB", 1073741824},
                 {"2KB", 2000}, {"2kB", 2000}, {"1MB", 1000000}, {"3GB", 3000000000},
                 {"1.5KiB", 1536}, {"100", 100}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint64_t v = 0;
        assert_int_equal(cfg_read_size(value(f, sizes[i].text), f->d, &v), 0);
        assert_true(v == sizes[i].v);
    }
    static const struct {
        const char *text;
        double v;
    } bws[] = {{"64bps", 64}, {"1Kbps", 1e3}, {"1kbps", 1e3}, {"100Mbps", 1e8},
               {"10Gbps", 1e10}, {"1Tbps", 1e12}, {"2.5Gbps", 2.5e9}};
    for (size_t i = 0; i < sizeof bws / sizeof *bws; i++) {
        double v = 0;
        assert_int_equal(cfg_read_bandwidth(value(f, bws[i].text), f->d, &v), 0);
        assert_true(v == bws[i].v);
    }
    assert_int_equal(ms_diag_count(f->d), 0);
}

static void test_fractions_and_numbers(void **state)
{
    cfg_fx *f = *state;
    static const struct {
        const char *text;
        double v;
    } fr[] = {{"0.2%", 0.002}, {"0.002", 0.002}, {"100%", 1}, {"0", 0}, {"1", 1}, {"20%", 0.2}};
    for (size_t i = 0; i < sizeof fr / sizeof *fr; i++) {
        double v = -1;
        assert_int_equal(cfg_read_fraction(value(f, fr[i].text), f->d, &v), 0);
        assert_true(v > fr[i].v - 1e-15 && v < fr[i].v + 1e-15);
    }
    double p = 0;
    assert_int_equal(cfg_read_percent(value(f, "12.5"), f->d, &p), 0);
    assert_true(p == 12.5);
    assert_int_equal(cfg_read_percent(value(f, "100%"), f->d, &p), 0);
    assert_true(p == 100);
    int64_t i64 = 0;
    assert_int_equal(cfg_read_int(value(f, "-42"), f->d, -100, 100, &i64), 0);
    assert_true(i64 == -42);
    assert_int_equal(cfg_read_int(value(f, "0x1F"), f->d, 0, 100, &i64), 0);
    assert_true(i64 == 31);
    assert_int_equal(cfg_read_int(value(f, "9223372036854775807"), f->d, 0, INT64_MAX, &i64), 0);
    assert_true(i64 == INT64_MAX);
    double dv = 0;
    assert_int_equal(cfg_read_double(value(f, "2.5e-3"), f->d, 0, 1, &dv), 0);
    assert_true(dv == 2.5e-3);
    bool b = false;
    assert_int_equal(cfg_read_bool(value(f, "true"), f->d, &b), 0);
    assert_true(b);
    assert_int_equal(cfg_read_bool(value(f, "off"), f->d, &b), 0);
    assert_false(b);
    const char *s = NULL;
    assert_int_equal(cfg_read_string(value(f, "'x y'"), f->d, &s), 0);
    assert_string_equal(s, "x y");
    assert_int_equal(ms_diag_count(f->d), 0);
}

static void test_plain_value_errors(void **state)
{
    cfg_fx *f = *state;
    double v = 0;
    uint64_t sz = 0;
    int64_t i64 = 0;
    bool b;
    const char *s;
    assert_int_equal(cfg_read_rate(value(f, "200rpx"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: unknown rate unit \"rpx\" in \"200rpx\"; expected rps, /s, rpm, /m or /h");
    assert_int_equal(cfg_read_size(value(f, "2KiBs"), f->d, &sz), -1);
    expect_error(f, "u.yaml:1:4: error: unknown size unit \"KiBs\" in \"2KiBs\"; expected B, KiB, MiB, GiB, KB, MB or GB");
    assert_int_equal(cfg_read_size(value(f, "-1B"), f->d, &sz), -1);
    expect_error(f, "u.yaml:1:4: error: size must not be negative");
    assert_int_equal(cfg_read_size(value(f, "1e30GB"), f->d, &sz), -1);
    expect_error(f, "u.yaml:1:4: error: size \"1e30GB\" is too large");
    assert_int_equal(cfg_read_bandwidth(value(f, "10Gbit"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: unknown bandwidth unit \"Gbit\" in \"10Gbit\"; expected bps, Kbps, Mbps, Gbps or Tbps");
    assert_int_equal(cfg_read_bandwidth(value(f, "100"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: bandwidth \"100\" needs a unit: bps, Kbps, Mbps, Gbps or Tbps");
    assert_int_equal(cfg_read_bandwidth(value(f, "0Gbps"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: bandwidth must be greater than 0");
    assert_int_equal(cfg_read_fraction(value(f, "150%"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: fraction \"150%\" is out of range; expected 0% to 100% (or 0 to 1)");
    assert_int_equal(cfg_read_fraction(value(f, "1.5"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: fraction \"1.5\" is out of range; expected 0% to 100% (or 0 to 1)");
    assert_int_equal(cfg_read_fraction(value(f, "some"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: invalid fraction \"some\"; expected a number such as 0.002 or 0.2%");
    assert_int_equal(cfg_read_percent(value(f, "101"), f->d, &v), -1);
    expect_error(f, "u.yaml:1:4: error: percentage 101 is out of range; expected 0 to 100");
    assert_int_equal(cfg_read_int(value(f, "1.5"), f->d, 0, 10, &i64), -1);
    expect_error(f, "u.yaml:1:4: error: expected an integer, found \"1.5\"");
    assert_int_equal(cfg_read_int(value(f, "70000"), f->d, 1, 65535, &i64), -1);
    expect_error(f, "u.yaml:1:4: error: integer 70000 is out of range; expected 1 to 65535");
    assert_int_equal(cfg_read_int(value(f, "99999999999999999999"), f->d, 0, 10, &i64), -1);
    expect_error(f, "u.yaml:1:4: error: integer 99999999999999999999 is out of range; expected 0 to 10");
    assert_int_equal(cfg_read_double(value(f, "1e999"), f->d, 0, 10, &v), -1);
    expect_error(f, "u.yaml:1:4: error: number 1e999 is too large");
    assert_int_equal(cfg_read_double(value(f, "{x: 1}"), f->d, 0, 10, &v), -1);
    expect_error(f, "u.yaml:1:4: error: expected a number, found a mapping");
    assert_int_equal(cfg_read_bool(value(f, "maybe"), f->d, &b), -1);
    expect_error(f, "u.yaml:1:4: error: expected true or false, found \"maybe\"");
    assert_int_equal(cfg_read_string(value(f, "[a]"), f->d, &s), -1);
    expect_error(f, "u.yaml:1:4: error: expected a string, found a sequence");
}

static void test_distributions(void **state)
{
    cfg_fx *f = *state;
    ms_dist_spec d;
    assert_int_equal(cfg_read_dist(value(f, "5ms"), f->d, &d), 0);
    assert_int_equal(d.kind, MS_DIST_CONSTANT);
    assert_true(d.value == 5e6);
    assert_int_equal(cfg_read_dist(value(f, "{dist: constant, value: 5ms}"), f->d, &d), 0);
    assert_true(d.kind == MS_DIST_CONSTANT && d.value == 5e6);
    assert_int_equal(cfg_read_dist(value(f, "{dist: exponential, mean: 10ms}"), f->d, &d), 0);
    assert_true(d.kind == MS_DIST_EXPONENTIAL && d.mean == 1e7);
    assert_int_equal(cfg_read_dist(value(f, "{dist: lognormal, median: 20ms, p99: 200ms}"), f->d, &d), 0);
    assert_true(d.kind == MS_DIST_LOGNORMAL && d.median == 2e7 && d.p99 == 2e8);
    assert_int_equal(cfg_read_dist(value(f, "{dist: gamma, mean: 10ms, cv: 0.5}"), f->d, &d), 0);
    assert_true(d.kind == MS_DIST_GAMMA && d.mean == 1e7 && d.cv == 0.5);
    assert_int_equal(cfg_read_dist(value(f, "{dist: uniform, min: 1ms, max: 3ms}"), f->d, &d), 0);
    assert_true(d.kind == MS_DIST_UNIFORM && d.min == 1e6 && d.max == 3e6);
    assert_int_equal(cfg_read_dist(value(f, "{dist: pareto, scale: 1ms, shape: 1.5}"), f->d, &d), 0);
    assert_true(d.kind == MS_DIST_PARETO && d.scale == 1e6 && d.shape == 1.5);
    assert_int_equal(cfg_read_dist(value(f, "{dist: weibull, scale: 10ms, shape: 0.8}"), f->d, &d), 0);
    assert_true(d.kind == MS_DIST_WEIBULL && d.scale == 1e7 && d.shape == 0.8);
    assert_int_equal(cfg_read_dist(value(f, "{dist: empirical, quantiles: {p0: 1ms, p50: 10ms, "
                                            "p90: 30ms, p99: 120ms, p99.9: 500ms, p100: 900ms}}"),
                                   f->d, &d), 0);
    assert_int_equal(d.kind, MS_DIST_EMPIRICAL);
    assert_int_equal(d.nquantiles, 6);
    static const double qp[] = {0, 0.5, 0.9, 0.99, 0.999, 1};
    static const double qv[] = {1e6, 1e7, 3e7, 1.2e8, 5e8, 9e8};
    for (size_t i = 0; i < 6; i++) {
        assert_true(d.q_p[i] > qp[i] - 1e-12 && d.q_p[i] < qp[i] + 1e-12);
        assert_true(d.q_v[i] == qv[i]);
    }
    assert_int_equal(ms_diag_count(f->d), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, cfg_fx_setup, cfg_fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_durations),
        T(test_duration_errors),
        T(test_rates_sizes_bandwidths),
        T(test_fractions_and_numbers),
        T(test_plain_value_errors),
        T(test_distributions),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
