/*
 * host.h - Istio host names: short-name expansion, wildcard matching and
 * specificity (policy-semantics.md 7.2).
 *
 * Pure functions on NUL-terminated strings or (pointer, length) slices; no
 * allocation.  Comparisons are ASCII case-insensitive, as DNS names are.
 */
#ifndef POL_HOST_H
#define POL_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* Longest host name handled (DNS limit 253 plus the NUL, rounded up). */
#define POL_HOST_MAX 256

#define POL_CLUSTER_DOMAIN "svc.cluster.local"

/* Expand `name` as Istio does for a resource in namespace `ns`: a name without
 * a dot ("reviews") becomes "reviews.<ns>.svc.cluster.local"; "*", wildcard
 * names and names with a dot are copied unchanged.  Writes a NUL-terminated
 * result into out[cap].  Returns 0, or -1 when it does not fit. */
int pol_host_expand(const char *name, const char *ns, char *out, size_t cap);

/* Is `name` (a concrete host, or itself a wildcard) covered by `pattern`?
 * "*" covers everything; "*.foo.com" covers any name ending in ".foo.com", at
 * any depth, but not "foo.com"; for a wildcard `name`, its suffix must lie
 * within the pattern's suffix ("*.a.foo.com" is covered by "*.foo.com").
 * A concrete pattern covers only an equal name. */
bool pol_host_matches(const char *pattern, const char *name);
bool pol_host_matches_n(const char *pattern, const char *name, size_t name_len);

/* Does `a` rank before `b` when both match a host ("most specific wins")?
 * Exact names before wildcards; between wildcards the longer suffix first;
 * "*" last.  Ties: false. */
bool pol_host_more_specific(const char *a, const char *b);

static inline bool pol_host_is_wildcard(const char *h) { return h[0] == '*'; }

/* Length of `authority` without a ":port" suffix (IPv6 "[..]:port" handled). */
size_t pol_host_strip_port(const char *authority, size_t len);

#endif
