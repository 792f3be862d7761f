/*
 * test_fixtures.c - every document of the unmodified Istio sample manifests in
 * MESHSIM_SHARED_DIR/fixtures/istio decodes with zero errors.  Kinds meshsim
 * does not model (ServiceAccount, Ingress, ...) return 0 and are counted.
 * Istio objects of the same kind, name and namespace replace one another in
 * load order, as `kubectl apply` would.  Also checks a few decoded values that
 * later stages rely on.
 */
#include "cfg_test.h"

#define FIXTURES MESHSIM_SHARED_DIR "/fixtures/istio"

static void test_all_fixtures_decode(void **state)
{
    cfg_fx *f = *state;
    ms_diag *d = f->d;
    cfg_loader *l = f->l;
    struct cfg_k8s_istio *m = f->istio;
    assert_int_equal(cfg_load_path(l, FIXTURES, NULL), 0);
    size_t decoded = 0, skipped = 0;
    for (size_t i = 0; i < cfg_doc_count(l); i++) {
        const cfg_doc *doc = cfg_doc_at(l, i);
        if (!doc->root)
            continue;
        const char *api = cfg_str(cfg_map_get(doc->root, "apiVersion"));
        const char *kind = cfg_str(cfg_map_get(doc->root, "kind"));
        if (!api || !kind)
            continue; /* e.g. swagger.yaml: not a manifest */
        if (cfg_k8s_istio_decode(m, l, doc, api, kind, d))
            decoded++;
        else
            skipped++;
    }
    if (ms_diag_count(d) > 0)
        ms_diag_print(d, stderr);
    assert_int_equal(ms_diag_error_count(d), 0);
    print_message("fixtures: %zu documents decoded, %zu skipped\n", decoded, skipped);
    assert_true(decoded >= 60);
    /* 26 VirtualServices, 11 DestinationRules: the distinct names are left */
    assert_int_equal(m->nvirtual_services, 9);
    assert_int_equal(m->ndestination_rules, 5);
    assert_int_equal(m->ngateways, 4);
    assert_int_equal(m->nservice_entries, 1);
    assert_int_equal(m->nservices, 13);
    assert_int_equal(m->nworkloads, 11);

    /* "reviews": the last one applied, virtual-service-reviews-v3.yaml */
    int found = 0;
    for (size_t i = 0; i < m->nvirtual_services; i++) {
        const pol_virtual_service *vs = &m->virtual_services[i];
        if (!strcmp(vs->meta.name, "reviews")) {
            assert_non_null(strstr(vs->meta.pos.file, "virtual-service-reviews-v3.yaml"));
            assert_int_equal(vs->nhttp, 1);
            assert_string_equal(vs->http[0].route[0].destination.subset, "v3");
            found++;
        }
    }
    assert_int_equal(found, 1);
}

/* The jason rule of virtual-service-reviews-jason-v2-v3.yaml */
static void test_jason_rule(void **state)
{
    cfg_fx *f = *state;
    struct cfg_k8s_istio *m = f->istio;
    cfg_loader *l = f->l;
    assert_int_equal(
        cfg_load_path(l, FIXTURES "/bookinfo/networking/virtual-service-reviews-jason-v2-v3.yaml", NULL),
        0);
    for (size_t i = 0; i < cfg_doc_count(l); i++) {
        const cfg_doc *doc = cfg_doc_at(l, i);
        cfg_k8s_istio_decode(m, l, doc, cfg_str(cfg_map_get(doc->root, "apiVersion")),
                             cfg_str(cfg_map_get(doc->root, "kind")), f->d);
    }
    assert_int_equal(ms_diag_error_count(f->d), 0);
    assert_int_equal(m->nvirtual_services, 1);
    const pol_virtual_service *vs = &m->virtual_services[0];
    assert_int_equal(vs->nhttp, 2);
    assert_int_equal(vs->http[0].nmatch, 1);
    assert_int_equal(vs->http[0].match[0].headers.len, 1);
    assert_string_equal(vs->http[0].match[0].headers.items[0].name, "end-user");
    assert_string_equal(vs->http[0].match[0].headers.items[0].match.value, "jason");
    assert_string_equal(vs->http[0].route[0].destination.subset, "v2");
    assert_string_equal(vs->http[1].route[0].destination.subset, "v3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_fixtures_decode, cfg_fx_setup_istio, cfg_fx_teardown),
        cmocka_unit_test_setup_teardown(test_jason_rule, cfg_fx_setup_istio, cfg_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
