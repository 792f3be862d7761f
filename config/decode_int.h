/*
 * decode_int.h - helpers shared by the two decoder families of config/: the
 * meshsim documents (doc_*.c, private helpers in doc_int.h) and the
 * Kubernetes/Istio manifests (k8s_istio.c, istio_*.c, private helpers in
 * istio_int.h), and by the unit readers (units*.c).  Not part of any public
 * header.
 *
 * What the families do not share, on purpose: an explicit YAML null.  For
 * Kubernetes and Istio `field:` with no value is an absent field, as kubectl
 * treats it (cfg__i_absent); in a meshsim document it is an error ("expected
 * ..., found an empty value"), as everywhere in units.h.
 */
#ifndef CFG_DECODE_INT_H
#define CFG_DECODE_INT_H

#include <stddef.h>

#include "base/diag.h"
#include "config/yaml.h"

/* Number of elements of an array (field lists, name tables). */
#define CFG_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Loop over the pairs of a mapping node (no-op for other kinds). */
#define CFG_MAP_EACH(pair, node)                                                   \
    for (const cfg_pair *pair = (node) && (node)->kind == CFG_MAP ? (node)->u.map.items : NULL; \
         pair && pair < (node)->u.map.items + (node)->u.map.len; pair++)

/* Require a mapping (else "expected a mapping for WHAT, found ...") and report
 * its keys that are not in known[] (cfg_check_fields).  Returns 0, or -1 when
 * `n` is not a mapping. */
int cfg__expect_fields(const cfg_node *n, ms_diag *d, const char *what, const char *const *known,
                       size_t nknown);


/* `lead` then names[0..n-1] joined by ", ", with `last` before the final name
 * (" or " gives "a, b or c"), into buf (cut to fit).  Returns buf. */
const char *cfg__join(char *buf, size_t size, const char *lead, const char *const *names,
                      size_t n, const char *last);

#endif
