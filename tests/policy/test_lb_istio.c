/*
 * test_lb_istio.c - Istio DestinationRule loadBalancer/outlierDetection to the
 * LB config (policy-semantics.md 4.3, 4.5, 4.6, 4.7, 4.9, section 10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "policy/lb.h"
#include "policy/resources.h"

#define S 1000000000LL

static void test_defaults(void **state)
{
    pol_lb_config cfg;
    assert_int_equal(pol_lb_config_from_istio(NULL, NULL, false, &cfg, NULL), 0);
    assert_int_equal(cfg.policy, POL_LB_POLICY_LEAST_REQUEST);
    assert_int_equal(cfg.choice_count, 2);
    assert_float_equal(cfg.active_request_bias, 1.0, 0);
    assert_float_equal(cfg.panic_threshold_percent, 50.0, 0);
    assert_false(cfg.slow_start);
    assert_false(cfg.locality_weighted);
    /* 1.31-dev: unhealthy endpoints sent -> threshold 0 */
    pol_lb_config_from_istio(NULL, NULL, true, &cfg, NULL);
    assert_float_equal(cfg.panic_threshold_percent, 0.0, 0);
    /* outlierDetection: minHealthPercent, default 0 (trap 13) */
    pol_outlier_detection od = {0};
    pol_lb_config_from_istio(NULL, &od, false, &cfg, NULL);
    assert_float_equal(cfg.panic_threshold_percent, 0.0, 0);
    od.min_health_percent = (pol_opt_int){30, true};
    pol_lb_config_from_istio(NULL, &od, false, &cfg, NULL);
    assert_float_equal(cfg.panic_threshold_percent, 30.0, 0);
}

static void test_simple(void **state)
{
    static const struct {
        pol_lb_simple in;
        pol_lb_policy out;
    } map[] = {{POL_LB_UNSPECIFIED, POL_LB_POLICY_LEAST_REQUEST},
               {POL_LB_LEAST_CONN, POL_LB_POLICY_LEAST_REQUEST},
               {POL_LB_LEAST_REQUEST, POL_LB_POLICY_LEAST_REQUEST},
               {POL_LB_ROUND_ROBIN, POL_LB_POLICY_ROUND_ROBIN},
               {POL_LB_RANDOM, POL_LB_POLICY_RANDOM}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        pol_load_balancer_settings lb = {0};
        lb.kind = POL_LB_KIND_SIMPLE;
        lb.simple = map[i].in;
        pol_lb_config cfg;
        assert_int_equal(pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL), 0);
        assert_int_equal(cfg.policy, map[i].out);
    }
    pol_load_balancer_settings lb = {0};
    lb.kind = POL_LB_KIND_SIMPLE;
    lb.simple = POL_LB_PASSTHROUGH;
    pol_lb_config cfg;
    const char *why;
    assert_int_equal(pol_lb_config_from_istio(&lb, NULL, false, &cfg, &why), -1);
    assert_non_null(why);
}

static void test_warmup(void **state)
{
    pol_load_balancer_settings lb = {0};
    lb.kind = POL_LB_KIND_SIMPLE;
    lb.simple = POL_LB_ROUND_ROBIN;
    lb.warmup.set = true;
    lb.warmup.duration = (pol_opt_duration){30 * S, true};
    pol_lb_config cfg;
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_true(cfg.slow_start);
    assert_int_equal(cfg.slow_start_window_ns, 30 * S);
    assert_float_equal(cfg.slow_start_min_weight_percent, 10.0, 0);
    assert_float_equal(cfg.slow_start_aggression, 1.0, 0);
    lb.warmup.minimum_percent = (pol_opt_double){25, true};
    lb.warmup.aggression = (pol_opt_double){2, true};
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_float_equal(cfg.slow_start_min_weight_percent, 25.0, 0);
    assert_float_equal(cfg.slow_start_aggression, 2.0, 0);
    /* deprecated window-only form */
    pol_load_balancer_settings old = {0};
    old.warmup_duration_secs = (pol_opt_duration){5 * S, true};
    pol_lb_config_from_istio(&old, NULL, false, &cfg, NULL);
    assert_int_equal(cfg.policy, POL_LB_POLICY_LEAST_REQUEST);
    assert_true(cfg.slow_start);
    assert_int_equal(cfg.slow_start_window_ns, 5 * S);
    assert_float_equal(cfg.slow_start_min_weight_percent, 10.0, 0);
    /* RANDOM has no slow start */
    lb.simple = POL_LB_RANDOM;
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_false(cfg.slow_start);
}

static void test_consistent_hash(void **state)
{
    pol_load_balancer_settings lb = {0};
    lb.kind = POL_LB_KIND_CONSISTENT_HASH;
    lb.consistent_hash.key = POL_HASH_KEY_HEADER;
    lb.consistent_hash.http_header_name = "x-user";
    pol_lb_config cfg;
    const char *why;
    assert_int_equal(pol_lb_config_from_istio(&lb, NULL, false, &cfg, &why), 0);
    assert_int_equal(cfg.policy, POL_LB_POLICY_RING_HASH); /* plain consistentHash */
    assert_int_equal(cfg.min_ring_size, 1024);
    assert_int_equal(cfg.hash_source, POL_LB_HASH_HEADER);
    lb.consistent_hash.minimum_ring_size = (pol_opt_int){4096, true};
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_int_equal(cfg.min_ring_size, 4096);
    lb.consistent_hash.minimum_ring_size = (pol_opt_int){0, true};
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_int_equal(cfg.min_ring_size, 1024);

    lb.consistent_hash.algo = POL_HASH_ALGO_MAGLEV;
    assert_int_equal(pol_lb_config_from_istio(&lb, NULL, false, &cfg, &why), -1);
    assert_string_equal(why, "consistentHash.maglev requires tableSize");
    lb.consistent_hash.maglev_table_size = (pol_opt_int){65536, true};
    assert_int_equal(pol_lb_config_from_istio(&lb, NULL, false, &cfg, &why), -1);
    lb.consistent_hash.maglev_table_size = (pol_opt_int){5000011, true}; /* prime, too big */
    assert_int_equal(pol_lb_config_from_istio(&lb, NULL, false, &cfg, &why), -1);
    lb.consistent_hash.maglev_table_size = (pol_opt_int){65537, true};
    assert_int_equal(pol_lb_config_from_istio(&lb, NULL, false, &cfg, &why), 0);
    assert_int_equal(cfg.policy, POL_LB_POLICY_MAGLEV);
    assert_int_equal(cfg.maglev_table_size, 65537);

    lb.consistent_hash.key = POL_HASH_KEY_COOKIE;
    lb.consistent_hash.http_cookie.ttl = (pol_opt_duration){0, true};
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_int_equal(cfg.hash_source, POL_LB_HASH_COOKIE);
    assert_true(cfg.cookie_ttl_set);
    lb.consistent_hash.key = POL_HASH_KEY_SOURCE_IP;
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_int_equal(cfg.hash_source, POL_LB_HASH_SOURCE_IP);
}

static void test_locality_setting(void **state)
{
    pol_locality_failover fo = {"us-east", "eu-west"};
    pol_load_balancer_settings lb = {0};
    lb.locality_lb_setting.set = true;
    lb.locality_lb_setting.failover = &fo;
    lb.locality_lb_setting.nfailover = 1;
    pol_lb_config cfg;
    pol_lb_config_from_istio(&lb, NULL, false, &cfg, NULL);
    assert_false(cfg.locality_weighted); /* failover needs OD */
    pol_outlier_detection od = {0};
    pol_lb_config_from_istio(&lb, &od, false, &cfg, NULL);
    assert_true(cfg.locality_weighted);
    lb.locality_lb_setting.enabled = (pol_opt_bool){false, true};
    pol_lb_config_from_istio(&lb, &od, false, &cfg, NULL);
    assert_false(cfg.locality_weighted);

    /* priorities: with OD the rule applies (ap-south gets 4 -> compacted) */
    lb.locality_lb_setting.enabled = (pol_opt_bool){true, true};
    pol_host_set *hs = pol_host_set_create();
    pol_host_spec s = {0};
    s.address = "1.0.0.1:80";
    s.locality = (pol_locality){"us-east", "z", ""};
    pol_host_set_add(hs, &s);
    s.address = "1.0.0.2:80";
    s.locality = (pol_locality){"ap-south", "z", ""};
    pol_host_set_add(hs, &s);
    s.address = "1.0.0.3:80";
    s.locality = (pol_locality){"eu-west", "z", ""};
    pol_host_set_add(hs, &s);
    pol_locality me = {"us-east", "z", ""};
    pol_lb_istio_assign_priorities(hs, me, &lb, true);
    assert_int_equal(pol_host_set_host(hs, 0)->priority, 0);
    assert_int_equal(pol_host_set_host(hs, 1)->priority, 2);
    assert_int_equal(pol_host_set_host(hs, 2)->priority, 1);
    pol_lb_istio_assign_priorities(hs, me, &lb, false);
    assert_int_equal(pol_host_set_host(hs, 1)->priority, 0);
    pol_host_set_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_warmup),
        cmocka_unit_test(test_consistent_hash),
        cmocka_unit_test(test_locality_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
