/*
 * test_peer_authn.c - PeerAuthentication composition (policy/peer_authn.h):
 * mesh < namespace < workload precedence, UNSET inheriting, the oldest policy
 * winning within a level, selector policies in the root namespace ignored,
 * port-level modes keyed by the workload port, and what each mode accepts.
 * Policies are decoded from YAML, so the decoder's fields are checked too.
 * One row per case: the policies, the workload and port, the expected mode.
 */
#include "../config/cfg_test.h"

#include "policy/peer_authn.h"

#define PA(ns, name) \
    "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\n" \
    "metadata: {name: " name ", namespace: " ns "}\nspec:\n"

typedef struct pa_case {
    const char *name;
    const char *yaml;
    const char *ns;  /* the workload's namespace */
    int64_t port;
    pol_mtls_mode want;
} pa_case;

static const pa_case rows[] = {
    {"no policy: PERMISSIVE", "", "shop", 9080, POL_MTLS_PERMISSIVE},
    {"mesh STRICT", PA("istio-system", "default") "  mtls: {mode: STRICT}\n", "shop", 9080,
     POL_MTLS_STRICT},
    {"namespace overrides mesh",
     PA("istio-system", "default") "  mtls: {mode: STRICT}\n" PA("shop", "ns") "  mtls: {mode: PERMISSIVE}\n",
     "shop", 9080, POL_MTLS_PERMISSIVE},
    {"other namespace's policy does not apply",
     PA("istio-system", "default") "  mtls: {mode: STRICT}\n" PA("other", "ns") "  mtls: {mode: DISABLE}\n",
     "shop", 9080, POL_MTLS_STRICT},
    {"namespace UNSET inherits mesh",
     PA("istio-system", "default") "  mtls: {mode: STRICT}\n" PA("shop", "ns") "  mtls: {mode: UNSET}\n",
     "shop", 9080, POL_MTLS_STRICT},
    {"workload overrides namespace",
     PA("shop", "ns") "  mtls: {mode: STRICT}\n"
     PA("shop", "wl") "  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: DISABLE}\n",
     "shop", 9080, POL_MTLS_DISABLE},
    {"workload selector not matching",
     PA("shop", "ns") "  mtls: {mode: STRICT}\n"
     PA("shop", "wl") "  selector: {matchLabels: {app: ratings}}\n  mtls: {mode: DISABLE}\n",
     "shop", 9080, POL_MTLS_STRICT},
    {"workload without mtls inherits",
     PA("shop", "ns") "  mtls: {mode: STRICT}\n"
     PA("shop", "wl") "  selector: {matchLabels: {app: reviews}}\n",
     "shop", 9080, POL_MTLS_STRICT},
    {"port-level overrides on its port",
     PA("shop", "wl") "  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}\n"
     "  portLevelMtls: {9080: {mode: DISABLE}}\n",
     "shop", 9080, POL_MTLS_DISABLE},
    {"port-level other port keeps the workload mode",
     PA("shop", "wl") "  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}\n"
     "  portLevelMtls: {9080: {mode: DISABLE}}\n",
     "shop", 8080, POL_MTLS_STRICT},
    {"port-level UNSET inherits the workload mode",
     PA("istio-system", "default") "  mtls: {mode: DISABLE}\n"
     PA("shop", "wl") "  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}\n"
     "  portLevelMtls: {9080: {mode: UNSET}}\n",
     "shop", 9080, POL_MTLS_STRICT},
    {"oldest namespace policy wins",
     PA("shop", "first") "  mtls: {mode: DISABLE}\n" PA("shop", "second") "  mtls: {mode: STRICT}\n",
     "shop", 9080, POL_MTLS_DISABLE},
    {"selector policy in the root namespace is ignored",
     PA("istio-system", "wl") "  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}\n",
     "shop", 9080, POL_MTLS_PERMISSIVE},
    {"empty matchLabels is a namespace policy",
     PA("shop", "ns") "  selector: {matchLabels: {}}\n  mtls: {mode: STRICT}\n", "shop", 9080,
     POL_MTLS_STRICT},
    {"workload in the root namespace: mesh policy only",
     PA("istio-system", "default") "  mtls: {mode: STRICT}\n", "istio-system", 9080, POL_MTLS_STRICT},
};


static void test_rows(void **state)
{
    pol_label lab[] = {{"app", "reviews"}, {"version", "v1"}};
    pol_labels labels = {lab, 2};
    for (size_t i = 0; i < CFG_LEN(rows); i++) {
        cfg_fx *f;
        void *st = NULL;
        cfg_fx_setup_istio(&st);
        f = st;
        if (rows[i].yaml[0])
            cfg_fx_load_istio(f, rows[i].yaml);
        cfg_expect_no_diags(f->d, rows[i].name);
        pol_workload_ref w = {rows[i].ns, &labels};
        pol_mtls_mode got = pol_peer_authn_mode(f->istio->peer_authentications,
                                                f->istio->npeer_authentications, NULL, &w,
                                                rows[i].port);
        if (got != rows[i].want)
            print_error("%s: mode %d, want %d\n", rows[i].name, got, rows[i].want);
        assert_int_equal(got, rows[i].want);
        cfg_fx_teardown(&st);
    }
}

static void test_what_each_mode_accepts(void **state)
{
    assert_true(pol_peer_authn_accepts(POL_MTLS_STRICT, true));
    assert_false(pol_peer_authn_accepts(POL_MTLS_STRICT, false));
    assert_true(pol_peer_authn_accepts(POL_MTLS_PERMISSIVE, true));
    assert_true(pol_peer_authn_accepts(POL_MTLS_PERMISSIVE, false));
    assert_false(pol_peer_authn_accepts(POL_MTLS_DISABLE, true));
    assert_true(pol_peer_authn_accepts(POL_MTLS_DISABLE, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_what_each_mode_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
