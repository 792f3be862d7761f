/*
 * test_faults_network.c - node-network faults:
 *   - a partition makes cross-zone calls fail (connect timeout UF on new
 *     connections, route timeout UT on pooled ones) while same-zone calls
 *     succeed;
 *   - node-down: requests in flight hear nothing (the route timeout ends
 *     them), new connections to the node time out (UF) until the node
 *     controller's grace period and the push, then nothing fails;
 *   - link-degrade loss adds, per packet, the expected retransmission time
 *     (200ms minimum RTO, doubling) to the node-network mean, within a 99.9%
 *     interval; a bandwidth cap adds exactly the serialisation time of the
 *     messages with their per-packet VXLAN and TCP/IP headers; the
 *     Cluster's own `loss` costs the same as a link-degrade's;
 *   - NetworkPolicy: connections it denies (ingress or egress) end in the
 *     connect timeout (UF, Istio's 10s); those it admits go through.
 */
#include "fault_fixture.h"
#include "policy/flags.h"

#define MS 1000000.0

static void test_partition_cuts_cross_zone_only(void **state)
{
    run r;
    run_file(&r, "partition.yaml", 0);
    const mdl_row *near = probe(&r, "near"), *before = probe(&r, "far-before"),
                  *cut = probe(&r, "far-cut"), *after = probe(&r, "far-after");
    assert_true(near->requests > 5000);
    assert_int_equal(near->errors, 0);
    assert_true(before->requests > 800);
    assert_int_equal(before->errors, 0);
    /* every cross-zone call started in the partition fails: a new
     * connection's connect timeout (UF, 1s) or the route timeout on a pooled
     * connection (UT, 5s) */
    assert_true(cut->requests > 1400);
    assert_int_equal(cut->errors, cut->requests);
    assert_int_equal(cut->flags[POL_FLAG_UF] + cut->flags[POL_FLAG_UT], cut->requests);
    assert_true(cut->flags[POL_FLAG_UF] > 0);
    assert_true(sim_hist_min(&cut->latency) >= (sim_time)(1000 * MS));
    assert_true(sim_hist_max(&cut->latency) < (sim_time)(5010 * MS));
    assert_true(after->requests > 2500);
    assert_int_equal(after->errors, 0);
    const mdl_event *e = timeline_find(&r, "fault", "zone zone-a <-> zone zone-b", "partition");
    assert_non_null(e);
    assert_int_equal(e->at_ns, 10 * SIM_S);
    assert_int_equal(e->end_ns, 30 * SIM_S);
    run_close(&r);
}

static void test_node_down(void **state)
{
    run r;
    run_file(&r, "node-down.yaml", 0);
    const mdl_row *before = probe(&r, "before"), *down = probe(&r, "down"),
                  *forgotten = probe(&r, "forgotten");
    assert_int_equal(before->errors, 0);
    /* new connections to the dead node: UF after the 500ms connect timeout;
     * requests on connections opened before: no answer, 504 UT after 2s */
    assert_true(down->flags[POL_FLAG_UF] > 20);
    assert_int_equal(down->errors, down->flags[POL_FLAG_UF] + down->flags[POL_FLAG_UT]);
    assert_true(sim_hist_max(&down->latency) >= (sim_time)(500 * MS));
    assert_int_equal(forgotten->errors, 0);
    assert_true(forgotten->requests > 5000);
    /* what was in flight on the node was never answered: the 2s route timeout */
    const mdl_results *res = mdl_mesh_results(r.m);
    assert_true(res->rows[0]->flags[POL_FLAG_UT] >= 1);
    assert_int_equal(res->rows[0]->codes[504], res->rows[0]->flags[POL_FLAG_UT]);
    const mdl_event *f = timeline_find(&r, "fault", "zone-a-1", "node-down");
    assert_non_null(f);
    assert_int_equal(f->end_ns, 60 * SIM_S);
    /* the node controller's verdict after 40s, pushed 2s later */
    const mdl_event *gone = timeline_find(&r, "push", "backend-0", "not ready");
    assert_non_null(gone);
    assert_int_equal(gone->at_ns, 50 * SIM_S);
    assert_int_equal(gone->end_ns, 52 * SIM_S);
    const mdl_event *back = timeline_find(&r, "push", "backend-0", "endpoint ready");
    assert_non_null(back);
    assert_int_equal(back->at_ns, 63 * SIM_S);
    run_close(&r);
}

/* Mean and variance of the time one packet's losses cost: lost k times in a
 * row (probability p^k (1 - p)), it waits 200ms, 400ms, ... (Linux's RTO from
 * its 200ms minimum, doubling, at most 15 retransmissions). */
static void packet_loss_moments(double p, double *mean, double *var)
{
    double m1 = 0, m2 = 0, cost = 0, rto = 200 * MS, pk = 1;
    for (int k = 0; k <= 15; k++) {
        double prob = k < 15 ? pk * (1 - p) : pk;
        m1 += prob * cost;
        m2 += prob * cost * cost;
        cost += rto;
        rto = rto * 2 < 120e9 ? rto * 2 : 120e9;
        pk *= p;
    }
    *mean = m1;
    *var = m2 - m1 * m1;
}

static void test_link_degrade_loss_and_bandwidth(void **state)
{
    run r;
    run_file(&r, "link-degrade.yaml", 0);
    const mdl_row *before = probe(&r, "before"), *lossy = probe(&r, "lossy"),
                  *narrow = probe(&r, "narrow");
    /* without faults: 1ms each way, nothing else */
    assert_true(before->requests > 9000);
    assert_int_equal(sim_hist_mean(&before->latency), 2 * MS);
    /* 5% loss: one packet for the 512B request, three for the 4KiB response */
    double mean, var;
    packet_loss_moments(0.05, &mean, &var);
    double added = sim_hist_mean(&lossy->latency) - 2 * MS;
    printf("# loss adds %.3f ms, expected %.3f ms\n", added / MS, 4 * mean / MS);
    assert_true(lossy->requests > 45000);
    assert_mean_near(added, sqrt(4 * var / (double)lossy->requests), 4 * mean);
    /* 1Mbps: 512 + 90 and 4096 + 3 x 90 bytes on the wire, 39.744ms, plus
     * the 2ms of latency */
    assert_true(narrow->requests > 30000);
    assert_true(fabs(sim_hist_mean(&narrow->latency) - 41.744 * MS) < 2.0);
    const mdl_event *e = timeline_find(&r, "fault", "zone zone-a <-> zone zone-b", "loss=0.05");
    assert_non_null(e);
    run_close(&r);
}

static void test_network_policy_drops(void **state)
{
    run r;
    run_file(&r, "netpol.yaml", 0);
    const mdl_row *denied = probe(&r, "denied"), *allowed = probe(&r, "allowed"),
                  *egress = probe(&r, "egress-denied");
    /* ingress denied: the SYNs are dropped, the connect timeout (10s) ends it */
    assert_true(denied->requests > 300);
    assert_int_equal(denied->flags[POL_FLAG_UF], denied->requests);
    assert_int_equal(denied->codes[503], denied->requests);
    assert_true(sim_hist_min(&denied->latency) >= (sim_time)(10000 * MS));
    assert_true(sim_hist_max(&denied->latency) < (sim_time)(10010 * MS));
    /* egress allowed only to port 9999: the same */
    assert_true(egress->requests > 300);
    assert_int_equal(egress->flags[POL_FLAG_UF], egress->requests);
    assert_true(sim_hist_min(&egress->latency) >= (sim_time)(10000 * MS));
    /* the frontend is admitted on 8080 */
    assert_true(allowed->requests > 500);
    assert_int_equal(allowed->errors, 0);
    assert_true(sim_hist_max(&allowed->latency) < (sim_time)(100 * MS));
    run_close(&r);
}

static void test_cluster_loss(void **state)
{
    run r;
    run_file(&r, "cluster-loss.yaml", 0);
    const mdl_row *all = probe(&r, "before");
    double mean, var;
    packet_loss_moments(0.02, &mean, &var);
    double added = sim_hist_mean(&all->latency) - 2 * MS;
    printf("# loss adds %.3f ms, expected %.3f ms\n", added / MS, 4 * mean / MS);
    assert_true(all->requests > 45000);
    assert_mean_near(added, sqrt(4 * var / (double)all->requests), 4 * mean);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partition_cuts_cross_zone_only),
        cmocka_unit_test(test_node_down),
        cmocka_unit_test(test_link_degrade_loss_and_bandwidth),
        cmocka_unit_test(test_network_policy_drops),
        cmocka_unit_test(test_cluster_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
