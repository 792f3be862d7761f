/*
 * bundle.c - load a scenario's files and hand each document to its decoder.
 *
 * Order matters for determinism and for messages: documents are decoded in the
 * order the loader produced them (command-line order, directories sorted), and
 * a Scenario's `include:` entries are loaded when the Scenario is decoded, so
 * their documents are appended and decoded in the same pass.
 */
#include "config/bundle.h"

#include <string.h>

#include "config/k8s_istio.h"
#include "config/meshsim_docs.h"
#include "config/units.h"
#include "base/alloc.h"
#include "policy/host.h"
#include <stdlib.h>

/* Does the apiVersion look like a meshsim one (any version of our group)? */
static int is_meshsim_api(const char *api)
{
    return strncmp(api, "meshsim/", 8) == 0 || strcmp(api, "meshsim") == 0;
}

static void decode_doc(cfg_bundle *b, const cfg_doc *doc)
{
    ms_diag *d = b->diag;
    const cfg_node *root = doc->root;
    if (!root)
        return; /* an empty document between --- markers */
    if (root->kind != CFG_MAP) {
        ms_diag_error(d, root->pos, "expected a mapping with apiVersion and kind, found a %s",
                      cfg_kind_name(root->kind));
        return;
    }
    const cfg_node *api_node = cfg_map_get(root, "apiVersion");
    const cfg_node *kind_node = cfg_map_get(root, "kind");
    const char *api = NULL, *kind = NULL;
    if (!kind_node) {
        ms_diag_error(d, root->pos, "document has no \"kind\"");
        return;
    }
    if (cfg_read_string(kind_node, d, &kind) != 0)
        return;
    if (!api_node) {
        ms_diag_error(d, root->pos, "document of kind \"%s\" has no \"apiVersion\"", kind);
        return;
    }
    if (cfg_read_string(api_node, d, &api) != 0)
        return;

    if (is_meshsim_api(api)) {
        if (strcmp(api, CFG_MESHSIM_API_VERSION) != 0) {
            ms_diag_error(d, api_node->pos, "unsupported apiVersion \"%s\"; expected \"%s\"", api,
                          CFG_MESHSIM_API_VERSION);
            return;
        }
        cfg_meshsim_decode(b->sim, b->loader, doc, kind, d);
        return;
    }
    if (cfg_k8s_istio_decode(b->mesh, b->loader, doc, api, kind, d))
        return;
    ms_diag_warning(d, kind_node->pos, "skipping %s (%s): not modelled by meshsim", kind, api);
}

int cfg_bundle_load(cfg_bundle *b, ms_diag *diag, const char *const *paths, size_t npaths)
{
    memset(b, 0, sizeof *b);
    b->diag = diag;
    b->loader = cfg_loader_create(diag);
    b->mesh = cfg_k8s_istio_create();
    b->sim = cfg_meshsim_create();

    for (size_t i = 0; i < npaths; i++)
        cfg_load_path(b->loader, paths[i], NULL);

    /* The document list grows while we walk it: includes append to it. */
    size_t done_includes = 0;
    for (size_t i = 0; i < cfg_doc_count(b->loader); i++) {
        decode_doc(b, cfg_doc_at(b->loader, i));
        size_t ninc = b->sim->has_scenario ? b->sim->scenario.ninclude : 0;
        for (; done_includes < ninc; done_includes++) {
            const cfg_node *inc = b->sim->scenario.include[done_includes];
            const char *rel = cfg_str(inc);
            if (rel)
                cfg_load_relative(b->loader, inc, rel);
        }
    }
    cfg_meshsim_finish(b->sim);
    if (ms_diag_error_count(diag) == 0) {
        /* hosts of Endpoints documents (meshproxy) are provided hosts too */
        size_t n = b->sim->nupstreams;
        char (*fq)[POL_HOST_MAX] = ms_xcalloc(n ? n : 1, sizeof *fq);
        const char **extra = ms_xcalloc(n ? n : 1, sizeof *extra);
        for (size_t i = 0; i < n; i++) {
            if (pol_host_expand(b->sim->upstreams[i].host.str, "default", fq[i], sizeof fq[i]) != 0)
                fq[i][0] = 0;
            extra[i] = fq[i];
        }
        cfg_k8s_istio_check_with(b->mesh, extra, n, diag);
        free(extra);
        free(fq);
    }
    return ms_diag_error_count(diag) == 0 ? 0 : -1;
}

void cfg_bundle_fini(cfg_bundle *b)
{
    cfg_meshsim_destroy(b->sim);
    cfg_k8s_istio_destroy(b->mesh);
    cfg_loader_destroy(b->loader);
    memset(b, 0, sizeof *b);
}
