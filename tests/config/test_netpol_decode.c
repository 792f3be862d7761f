/*
 * test_netpol_decode.c - Kubernetes NetworkPolicy documents: what is decoded
 * (selectors with expressions, peers, ports, default policyTypes) and the
 * positioned errors for what the API server would refuse.
 */
#include "cfg_test.h"

#define NP_HEAD "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\n"

static void test_decodes_rules(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, NP_HEAD
                      "spec:\n"
                      "  podSelector:\n"
                      "    matchLabels: {app: db}\n"
                      "    matchExpressions: [{key: tier, operator: NotIn, values: [web, cache]}]\n"
                      "  ingress:\n"
                      "    - from:\n"
                      "        - podSelector: {matchLabels: {app: api}}\n"
                      "          namespaceSelector: {matchLabels: {team: a}}\n"
                      "        - ipBlock: {cidr: 10.0.0.0/8}\n"
                      "      ports: [{port: 5432}, {protocol: TCP, port: 8000, endPort: 8100}, {port: http}]\n"
                      "  egress:\n"
                      "    - to: [{namespaceSelector: {}}]\n");
    cfg_expect_no_diags(f->d, __func__);
    assert_int_equal(f->decoded, 1);
    assert_int_equal(f->istio->nnetwork_policies, 1);
    const cfg_k8s_network_policy *np = &f->istio->network_policies[0];
    assert_string_equal(np->meta.ns, "shop");
    assert_true(np->ingress);
    assert_true(np->egress); /* default: Egress too, as it has egress rules */
    assert_int_equal(np->pod_selector.match_labels.len, 1);
    assert_int_equal(np->pod_selector.nexprs, 1);
    assert_int_equal(np->pod_selector.exprs[0].op, CFG_SEL_NOT_IN);
    assert_int_equal(np->pod_selector.exprs[0].values.len, 2);
    assert_int_equal(np->ningress_rules, 1);
    const cfg_k8s_netpol_rule *r = &np->ingress_rules[0];
    assert_int_equal(r->npeers, 2);
    assert_true(r->peers[0].has_pods && r->peers[0].has_namespaces && !r->peers[0].ip_block);
    assert_true(r->peers[1].ip_block);
    assert_string_equal(r->peers[1].cidr, "10.0.0.0/8");
    assert_int_equal(r->nports, 3);
    assert_int_equal(r->ports[0].port, 5432);
    assert_string_equal(r->ports[0].protocol, "TCP");
    assert_int_equal(r->ports[1].end_port, 8100);
    assert_string_equal(r->ports[2].port_name, "http");
    assert_int_equal(np->negress_rules, 1);
    assert_int_equal(np->egress_rules[0].npeers, 1);
    assert_true(np->egress_rules[0].peers[0].has_namespaces);
}

static void test_default_policy_types(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, NP_HEAD "spec: {podSelector: {}}\n---\n" NP_HEAD
                      "spec: {podSelector: {}, policyTypes: [Egress]}\n");
    cfg_expect_no_diags(f->d, __func__);
    assert_int_equal(f->istio->nnetwork_policies, 2);
    assert_true(f->istio->network_policies[0].ingress);
    assert_false(f->istio->network_policies[0].egress);
    assert_false(f->istio->network_policies[1].ingress);
    assert_true(f->istio->network_policies[1].egress);
}

static void test_errors(void **state)
{
    cfg_fx *f = *state;
    cfg_fx_load_istio(f, NP_HEAD
                      "spec:\n"
                      "  podSelector:\n"
                      "    matchExpressions:\n"
                      "      - {key: a, operator: Exist}\n"
                      "      - {key: b, operator: In}\n"
                      "      - {key: c, operator: Exists, values: [x]}\n"
                      "  policyTypes: [Ingres]\n"
                      "  ingress:\n"
                      "    - from:\n"
                      "        - {podSelector: {}, ipBlock: {cidr: 1.2.3.0/24}}\n"
                      "        - {}\n"
                      "      ports: [{port: 70000}, {protocol: ICMP}, {port: 90, endPort: 80}]\n"
                      "---\n"
                      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\nspec: {}\n");
    cfg_expect_diags(f->d, __func__,
                     CFG_WANT("t.yaml:7:28: error: invalid value \"Exist\" for field \"operator\"; did you mean \"Exists\"?",
                              "t.yaml:8:9: error: operator In needs at least one value",
                              "t.yaml:9:44: error: operator Exists takes no values",
                              "t.yaml:13:38: error: ipBlock may not be combined with podSelector or namespaceSelector",
                              "t.yaml:14:11: error: a peer needs podSelector, namespaceSelector or ipBlock",
                              "t.yaml:15:22: error: integer 70000 is out of range; expected 1 to 65535",
                              "t.yaml:15:41: error: invalid value \"ICMP\" for field \"protocol\"; expected one of TCP, UDP, SCTP",
                              "t.yaml:15:68: error: endPort 80 is below port 90",
                              "t.yaml:10:17: error: invalid value \"Ingres\" for field \"policyTypes\"; did you mean \"Ingress\"?",
                              "t.yaml:20:7: error: NetworkPolicy needs a podSelector ({} selects every pod)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decodes_rules, cfg_fx_setup_istio, cfg_fx_teardown),
        cmocka_unit_test_setup_teardown(test_default_policy_types, cfg_fx_setup_istio, cfg_fx_teardown),
        cmocka_unit_test_setup_teardown(test_errors, cfg_fx_setup_istio, cfg_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
