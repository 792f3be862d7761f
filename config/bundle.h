/*
 * bundle.h - everything one scenario is made of, decoded.
 *
 * cfg_bundle_load() reads the given files and directories, follows the
 * Scenario's `include:` list (relative to the including file), and hands each
 * document to the decoder for its apiVersion/kind:
 *   - Kubernetes and Istio kinds  -> config/k8s_istio.h (policy/ structs)
 *   - meshsim/v1alpha1 kinds      -> config/meshsim_docs.h (spec structs)
 * Kinds that real manifest files carry but meshsim does not model
 * (ServiceAccount, ConfigMap, ...) are skipped with one warning line.
 * After decoding, cross-references are checked (subsets, hosts, gateways,
 * selectors).  All errors are collected in the diag sink; the bundle is usable
 * only when ms_diag_error_count() is 0.
 *
 * The bundle owns the loader (and through it every node and string) and every
 * decoded object.
 */
#ifndef CFG_BUNDLE_H
#define CFG_BUNDLE_H

#include <stddef.h>

#include "base/diag.h"
#include "config/yaml.h"

struct cfg_k8s_istio;  /* config/k8s_istio.h */
struct cfg_meshsim;    /* config/meshsim_docs.h */

typedef struct cfg_bundle {
    ms_diag *diag;              /* borrowed */
    cfg_loader *loader;         /* owned */
    struct cfg_k8s_istio *mesh; /* owned: Services, Deployments, Namespaces, Istio resources */
    struct cfg_meshsim *sim;    /* owned: Scenario, Cluster, WorkloadModels, Traffic, FaultSchedules */
} cfg_bundle;

/* Load and decode.  Returns 0 when no error was reported, -1 otherwise (the
 * bundle must still be freed with cfg_bundle_fini). */
int cfg_bundle_load(cfg_bundle *b, ms_diag *diag, const char *const *paths, size_t npaths);
void cfg_bundle_fini(cfg_bundle *b);

#endif
