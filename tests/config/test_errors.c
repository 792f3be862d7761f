/*
 * test_errors.c - exact diagnostics for broken input: every test loads one
 * YAML text (as "e.yaml"), decodes its meshsim documents, and compares the
 * complete list of messages, in order, with the expected full text
 * "FILE:LINE:COL: error: MESSAGE".  Several tests have more than one error in
 * one file, to check that decoding goes on collecting them.  The plain cases
 * are rows of `cases`, each run as its own cmocka test; the functions below
 * check more than the messages, or build an input a string literal cannot be.
 */
#include "cfg_test.h"

/* Load `len` bytes as "e.yaml", decode, and expect exactly the messages `want`. */
static void check_n(cfg_fx *f, const char *what, const char *text, size_t len,
                    const char *const *want)
{
    cfg_fx_load_meshsim(f, "e.yaml", text, len);
    cfg_expect_diags(f->d, what, want);
}

#define CHECK(f, text, ...) check_n((f), __func__, (text), strlen(text), CFG_WANT(__VA_ARGS__))

static const cfg_diag_case cases[] = {
    {"test_yaml_syntax_error",
     "a: 1\nb: c: d\n",
     {"e.yaml:2:5: error: mapping values are not allowed in this context"}},
    {"test_yaml_unclosed_flow",
     "ok: 1\nlist: [1, 2\nnext: 3\n",
     {"e.yaml:3:5: error: did not find expected ',' or ']' (while parsing a flow sequence at line 2)"}},
    {"test_alias_bomb",
     "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
     "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
     "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
     {"e.yaml:6:36: error: document expands to more than 1000000 nodes through aliases"}},
    {"test_unknown_and_recursive_alias",
     "a: *nope\n---\na: &x [1, *x]\n",
     {"e.yaml:1:4: error: unknown anchor \"nope\"",
      "e.yaml:3:11: error: alias \"x\" refers to a node that contains it"}},
    {"test_invalid_utf8",
     "name: ok\ncity: caf\xe9\n",
     {"e.yaml:2:10: error: invalid UTF-8 byte 0xe9 (binary file?)"}},
    {"test_overlong_utf8",
     "é: \xc0\xaf\n",
     {"e.yaml:1:4: error: invalid UTF-8 byte 0xc0 (binary file?)"}},
    {"test_empty_spec_where_map_expected",
     API "kind: Scenario\nspec:\n---\n" API "kind: Cluster\nspec:\n  network:\n",
     {"e.yaml:3:6: error: expected a mapping for spec, found an empty value",
      "e.yaml:8:11: error: expected a mapping for network, found an empty value"}},
    {"test_huge_numbers",
     API "kind: Scenario\nspec:\n  duration: 1e30s\n  seed: 123456789012345678901234567890\n"
     "  replications: 1e400\n",
     {"e.yaml:4:13: error: duration \"1e30s\" is too large",
      "e.yaml:5:9: error: integer 123456789012345678901234567890 is out of range; expected 0 to 9223372036854775807",
      "e.yaml:6:17: error: expected an integer, found \"1e400\""}},
    {"test_wrong_types",
     API "kind: Cluster\nspec:\n  network: fast\n  zones: {name: a}\n---\n"
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n  concurrency: {max: 3}\n"
     "  calls: [ratings]\n",
     {"e.yaml:5:10: error: expected a sequence for zones, found a mapping",
      "e.yaml:4:12: error: expected a mapping for network, found \"fast\"",
      "e.yaml:11:16: error: expected an integer, found a mapping",
      "e.yaml:12:11: error: expected a mapping for a call, found \"ratings\""}},
    {"test_negative_durations",
     API "kind: Scenario\nspec:\n  warmup: -5s\n---\n"
     API "kind: Traffic\nspec:\n  sources:\n  - {name: a, url: 'http://x/', rate: 1rps, timeout: -1ms}\n",
     {"e.yaml:4:11: error: duration must not be negative",
      "e.yaml:10:54: error: duration must not be negative"}},
    {"test_unknown_units",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n  serviceTime: 5mss\n"
     "  responseSize: 2KiBs\n---\n"
     API "kind: Traffic\nspec:\n  sources:\n  - {name: a, url: 'http://x/', rate: 200rpx}\n---\n"
     API "kind: Cluster\nspec:\n  network:\n    sameZone: {bandwidth: 10Gbit}\n",
     {"e.yaml:5:16: error: unknown duration unit \"mss\" in \"5mss\"; expected ns, us, ms, s, m or h",
      "e.yaml:6:17: error: unknown size unit \"KiBs\" in \"2KiBs\"; expected B, KiB, MiB, GiB, KB, MB or GB",
      "e.yaml:12:39: error: unknown rate unit \"rpx\" in \"200rpx\"; expected rps, /s, rpm, /m or /h",
      "e.yaml:18:27: error: unknown bandwidth unit \"Gbit\" in \"10Gbit\"; expected bps, Kbps, Mbps, Gbps or Tbps"}},
    {"test_p99_below_median",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n"
     "  serviceTime: {dist: lognormal, median: 20ms, p99: 5ms}\n",
     {"e.yaml:5:53: error: lognormal p99 (5ms) must be greater than its median (20ms)"}},
    {"test_cv_not_positive",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n"
     "  serviceTime: {dist: gamma, mean: 10ms, cv: 0}\n"
     "  startup: {dist: gamma, mean: 0s, cv: -1}\n",
     {"e.yaml:5:46: error: gamma cv must be greater than 0",
      "e.yaml:6:32: error: gamma mean must be greater than 0",
      "e.yaml:6:40: error: gamma cv must be greater than 0"}},
    {"test_uniform_min_above_max",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n"
     "  serviceTime: {dist: uniform, min: 3ms, max: 1ms}\n",
     {"e.yaml:5:37: error: uniform min (3ms) must not be greater than max (1ms)"}},
    {"test_empirical_not_monotone",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n"
     "  serviceTime: {dist: empirical, quantiles: {p0: 1ms, p50: 10ms, p90: 5ms, p100: 9ms}}\n"
     "  startup: {dist: empirical, quantiles: {p0: 1s, p90: 2s, p50: 3s, q100: 4s}}\n",
     {"e.yaml:5:71: error: empirical quantile p90 (5ms) must not be less than p50 (10ms)",
      "e.yaml:6:59: error: empirical quantile p50 comes after p90; quantiles must be ascending",
      "e.yaml:6:68: error: empirical quantile key \"q100\" must look like p50 or p99.9"}},
    {"test_unknown_dist_kind",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n"
     "  serviceTime: {dist: lognormla, median: 1ms, p99: 2ms}\n"
     "  startup: {dist: zipf}\n",
     {"e.yaml:5:23: error: unknown distribution \"lognormla\"; did you mean \"lognormal\"?",
      "e.yaml:6:19: error: unknown distribution \"zipf\"; expected constant, exponential, "
      "lognormal, gamma, uniform, pareto, weibull or empirical"}},
    {"test_unknown_field_with_suggestion",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n  serviceTim: 5ms\n"
     "  colour: blue\n  serviceTime: {dist: exponential, mean: 1ms, median: 2ms}\n",
     {"e.yaml:5:3: error: unknown field \"serviceTim\"; did you mean \"serviceTime\"?",
      "e.yaml:6:3: error: unknown field \"colour\"",
      "e.yaml:7:47: error: unknown field \"median\"; did you mean \"mean\"?"}},
    {"test_unknown_select_domain",
     API "kind: Scenario\nspec:\n  assertions:\n"
     "  - {metric: latency.mean, max: 1ms, select: {domain: app_queu}}\n"
     "  - {metric: latency.mean, max: 1ms, select: {domain: cpu}}\n",
     {"e.yaml:5:55: error: unknown domain \"app_queu\"; did you mean \"app_queue\"?",
      "e.yaml:6:55: error: unknown domain \"cpu\"; expected ingress, mesh, node, app, app_queue "
      "or app_service"}},
    {"test_unknown_meshsim_kind",
     API "kind: WorkloadModle\n---\n" API "kind: Pod\n",
     {"e.yaml:2:7: error: unknown meshsim kind \"WorkloadModle\"; did you mean \"WorkloadModel\"?",
      "e.yaml:5:7: error: unknown meshsim kind \"Pod\"; expected Scenario, Cluster, "
      "WorkloadModel, Traffic, FaultSchedule or Endpoints"}},
    {"test_rollout_and_experiment_refused",
     API "kind: Rollout\nspec: {service: reviews}\n---\n" API "kind: Experiment\n",
     {"e.yaml:2:7: error: Rollout documents are not supported by this version of meshsim",
      "e.yaml:6:7: error: Experiment documents are not supported by this version of meshsim"}},
    {"test_second_scenario_and_cluster",
     API "kind: Scenario\n---\n" API "kind: Scenario\n---\n"
     API "kind: Cluster\n---\n" API "kind: Cluster\n",
     {"e.yaml:4:1: error: only one Scenario document is allowed; the first is at e.yaml:1:1",
      "e.yaml:10:1: error: only one Cluster document is allowed; the first is at e.yaml:7:1"}},
    {"test_duplicate_keys",
     "a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\na: 4\nc: {k: 1, k: 2}\n",
     {"e.yaml:5:3: error: duplicate key \"x\" (first defined at line 3, column 3)",
      "e.yaml:7:11: error: duplicate key \"k\" (first defined at line 7, column 5)",
      "e.yaml:6:1: error: duplicate key \"a\" (first defined at line 1, column 1)"}},
    {"test_source_needs_rate_or_users",
     API "kind: Traffic\nspec:\n  sources:\n  - name: web\n    url: http://a/\n"
     "  - name: both\n    url: http://a/\n    rate: 5rps\n    users: 3\n"
     "  - rate: 5rps\n",
     {"e.yaml:5:5: error: source \"web\" needs \"rate\" (open loop) or \"users\" (closed loop)",
      "e.yaml:10:12: error: source \"both\" has both \"rate\" and \"users\"; an open-loop source "
      "has a rate, a closed-loop one has users",
      "e.yaml:11:5: error: missing required field \"name\" for a traffic source",
      "e.yaml:11:5: error: missing required field \"url\" for source \"\""}},
    {"test_fault_without_kind_and_bad_kind",
     API "kind: FaultSchedule\nspec:\n  faults:\n  - {at: 1m, node: zone-a-1}\n"
     "  - {at: 2m, kind: pod-kil, selector: {app: a}}\n"
     "  - {at: 3m, kind: meteor}\n",
     {"e.yaml:5:5: error: missing required field \"kind\" for a fault",
      "e.yaml:6:20: error: unknown fault kind \"pod-kil\"; did you mean \"pod-kill\"?",
      "e.yaml:7:20: error: unknown fault kind \"meteor\"; expected pod-kill, node-down, "
      "link-degrade, partition, slowdown, errors, external-outage or control-plane-down"}},
    {"test_fault_required_and_foreign_fields",
     API "kind: FaultSchedule\nspec:\n  faults:\n  - {kind: pod-kill, factor: 5}\n"
     "  - {at: 1m, kind: link-degrade, between: {zone: a}, and: {zone: b, node: c}}\n"
     "  - {at: 1m, kind: node-down, for: 1m}\n",
     {"e.yaml:5:22: error: unknown field \"factor\"",
      "e.yaml:5:5: error: missing required field \"at\" for a pod-kill fault",
      "e.yaml:5:5: error: missing required field \"selector\" for a pod-kill fault",
      "e.yaml:6:5: error: a link-degrade fault needs at least one of \"addLatency\", \"loss\" "
      "or \"bandwidth\"",
      "e.yaml:6:59: error: and must name exactly one of \"zone\", \"node\" or \"region\"",
      "e.yaml:7:5: error: missing required field \"node\" for a node-down fault"}},
    {"test_bad_assertion_metric",
     API "kind: Scenario\nspec:\n  assertions:\n"
     "  - {metric: error-rate, max: 1%}\n"
     "  - {metric: latency.p100, max: 1s}\n"
     "  - {metric: 'responses{code=99}', max: 1}\n"
     "  - {metric: throughput, max: 1}\n"
     "  - {metric: latency.p99}\n"
     "  - {metric: error_rate, max: 300ms}\n",
     {"e.yaml:5:14: error: unknown metric \"error-rate\"; did you mean \"error_rate\"?",
      "e.yaml:6:14: error: latency quantile \"latency.p100\" is out of range; expected "
      "latency.p1 to latency.p99.99 (or latency.max)",
      "e.yaml:7:14: error: invalid status code in metric \"responses{code=99}\"; expected "
      "responses{code=N} with N from 100 to 599",
      "e.yaml:8:14: error: unknown metric \"throughput\"; expected latency.pNN, latency.mean, "
      "latency.max, error_rate, success_rate, rps, requests, retries, timeouts, ejections, "
      "responses{code=N} or responses{flag=F}",
      "e.yaml:9:5: error: assertion needs \"max\" or \"min\"",
      "e.yaml:10:31: error: invalid fraction \"300ms\"; expected a number such as 0.002 or 0.2%"}},
    {"test_fraction_above_100_percent",
     API "kind: WorkloadModel\nspec:\n  selector: {app: a}\n  errors: {rate: 150%}\n---\n"
     API "kind: Cluster\nspec:\n  network: {loss: 2}\n",
     {"e.yaml:5:18: error: fraction \"150%\" is out of range; expected 0% to 100% (or 0 to 1)",
      "e.yaml:10:19: error: fraction \"2\" is out of range; expected 0% to 100% (or 0 to 1)"}},
    {"test_bad_enum_values",
     API "kind: Cluster\nspec:\n  placement: packed\n  network: {overlay: flannel}\n"
     "  mesh: {outboundTrafficPolicy: REGISTRY}\n",
     {"e.yaml:4:14: error: unknown placement \"packed\"; did you mean \"pack\"?",
      "e.yaml:5:22: error: unknown overlay \"flannel\"; expected none, vxlan, geneve or ipip",
      "e.yaml:6:33: error: unknown outboundTrafficPolicy \"REGISTRY\"; expected ALLOW_ANY or REGISTRY_ONLY"}},
    {"test_scenario_consistency",
     API "kind: Scenario\nspec:\n  duration: 1m\n  warmup: 2m\n  window: 0s\n"
     "  assertions:\n  - {metric: rps, min: 10rps, during: [5m, 1m]}\n",
     {"e.yaml:5:11: error: warmup (2m) must be shorter than the duration (1m)",
      "e.yaml:6:11: error: window must be greater than 0",
      "e.yaml:8:44: error: during: the end (1m) must be after the start (5m)"}},
    {"test_window_too_fine_for_the_duration",
     API "kind: Scenario\nspec:\n  duration: 1m\n  window: 59999ns\n",
     {"e.yaml:5:11: error: window (59999ns) cuts the duration (1m) into 1000017 windows; at most "
      "1000000 are allowed: use a window of at least 60us"}},
    {"test_window_too_fine_below_a_microsecond",
     API "kind: Scenario\nspec:\n  duration: 100ms\n  window: 99ns\n",
     {"e.yaml:5:11: error: window (99ns) cuts the duration (100ms) into 1010102 windows; at most "
      "1000000 are allowed: use a window of at least 100ns"}},
    {"test_window_at_the_most_windows",
     API "kind: Scenario\nspec:\n  duration: 1m\n  window: 60us\n",
     {NULL}},
    {"test_envelope_problems",
     API "metadata: {name: x, nmae: y}\nspce: {}\n---\n" API "kind: Traffic\nstatus: {}\n",
     {"e.yaml:1:1: error: missing required field \"kind\"",
      "e.yaml:7:1: error: unknown field \"status\"",
      "e.yaml:5:1: error: missing required field \"sources\""}},
};

static void run_case(void **state)
{
    cfg_fx *f = *state;
    check_n(f, f->row->name, f->row->yaml, strlen(f->row->yaml), f->row->want);
}

static void test_yaml_error_keeps_earlier_documents(void **state)
{
    cfg_fx *f = *state;
    CHECK(f, API "kind: Scenario\nspec: {seed: 7}\n---\nx: [\n",
          "e.yaml:6:1: error: did not find expected node content (while parsing a flow node at line 6)");
    assert_true(f->m->has_scenario);
    assert_true(f->m->scenario.seed.v == 7);
}

static void test_alias_bomb_then_good_document(void **state)
{
    cfg_fx *f = *state;
    CHECK(f,
          "a: &a [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, "
          "x, x, x, x, x, x]\n"
          "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, "
          "*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, "
          "*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
          "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, "
          "*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
          "---\n" API "kind: Scenario\n",
          "e.yaml:4:117: error: document expands to more than 1000000 nodes through aliases");
    assert_int_equal(cfg_doc_count(f->l), 1); /* the bomb is dropped, the next one read */
    assert_true(f->m->has_scenario);
}

static void test_binary_junk(void **state)
{
    static const char junk[] = "\x7f" "ELF\x02\x01\x01\x00\x00\x00";
    cfg_fx *f = *state;
    check_n(f, __func__, junk, sizeof junk - 1,
            CFG_WANT("e.yaml:1:8: error: file contains a NUL byte (binary file?)"));
    assert_int_equal(cfg_doc_count(f->l), 0);
}

static void test_nul_byte(void **state)
{
    static const char text[] = "a: 1\nb: x\0y\n";
    check_n(*state, __func__, text, sizeof text - 1,
            CFG_WANT("e.yaml:2:5: error: file contains a NUL byte (binary file?)"));
}

static void test_nul_escape(void **state)
{
    cfg_fx *f = *state;
    CHECK(f, "a: \"x\\0y\"\n---\nb: 1\n", "e.yaml:1:4: error: string contains a NUL character");
    assert_int_equal(cfg_doc_count(f->l), 1); /* the second document is still read */
}

static void test_control_character(void **state)
{
    /* libyaml checks its whole read-ahead buffer: no document of the file is kept */
    cfg_fx *f = *state;
    CHECK(f, "a: 1\n---\nb: \x01\n", "e.yaml:3:4: error: control characters are not allowed");
    assert_int_equal(cfg_doc_count(f->l), 0);
}

static void test_depth_limit(void **state)
{
    char text[1024];
    size_t len = 0;
    for (int i = 0; i < 250; i++)
        text[len++] = '[';
    for (int i = 0; i < 250; i++)
        text[len++] = ']';
    text[len++] = '\n';
    text[len] = '\0';
    CHECK(*state, text, "e.yaml:1:201: error: nesting deeper than 200 levels");
}

static void test_duplicate_source_names(void **state)
{
    cfg_fx *f = *state;
    CHECK(f, API "kind: Traffic\nspec:\n  sources:\n  - {name: web, url: 'http://a/', rate: 1rps}\n"
                 "  - {name: web, url: 'http://b/', rate: 2rps}\n---\n"
             API "kind: Traffic\nspec:\n  sources:\n  - {name: web, url: 'http://c/', users: 5}\n",
          "e.yaml:6:12: error: duplicate source name \"web\" (first defined at e.yaml:5:12)",
          "e.yaml:12:12: error: duplicate source name \"web\" (first defined at e.yaml:5:12)");
    assert_int_equal(f->m->nsources, 1);
}

static void test_missing_include_file(void **state)
{
    cfg_fx *f = *state;
    assert_int_equal(cfg_load_path(f->l, DATA "/inc/main.yaml", NULL), 0);
    cfg_fx_decode_meshsim(f);
    assert_int_equal(f->m->scenario.ninclude, 2);
    const cfg_node *missing = f->m->scenario.include[1];
    assert_int_equal(cfg_load_relative(f->l, missing, cfg_str(missing)), -1);
    assert_int_equal(ms_diag_count(f->d), 1);
    assert_string_equal(ms_diag_message(f->d, 0),
                        DATA "/inc/main.yaml:4:24: error: cannot open include file "
                             "\"missing.yaml\": No such file or directory");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, cfg_fx_setup_meshsim, cfg_fx_teardown)
    static const struct CMUnitTest own[] = {
        T(test_yaml_error_keeps_earlier_documents),
        T(test_alias_bomb_then_good_document),
        T(test_binary_junk),
        T(test_nul_byte),
        T(test_nul_escape),
        T(test_control_character),
        T(test_depth_limit),
        T(test_duplicate_source_names),
        T(test_missing_include_file),
    };
#undef T
    struct CMUnitTest tests[CFG_LEN(own) + CFG_LEN(cases)];
    size_t n = 0;
    cfg_add_tests(tests, &n, own, CFG_LEN(own));
    cfg_add_cases(tests, &n, cases, CFG_LEN(cases), run_case, cfg_fx_setup_meshsim);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
