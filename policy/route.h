/*
 * route.h - HTTP routing decisions: which VirtualService route a request takes
 * and where it goes (policy-semantics.md 7.1-7.4).
 *
 * A route table is compiled once, for one client context (a sidecar in a
 * namespace with labels, or a named gateway), from the VirtualServices, the
 * DestinationRules (only to know which subsets exist) and the list of known
 * service hosts.  Compilation does what istiod does when it generates Envoy
 * routes for that proxy: one route per match block in order, config-time
 * filters (gateways, sourceLabels, sourceNamespace, port when the context names
 * one), catch-all truncation, delegate expansion (one level), virtual hosts with
 * their Kubernetes short-name domains, and default routes for services without
 * a VirtualService.  Regexes are compiled once with PCRE2 as anchored full
 * matches, JIT-compiled where PCRE2 has JIT (some memory per regex per table).
 * PCRE2 stands in for Envoy's RE2 (the RE2 syntax Istio users write is a subset
 * PCRE2 accepts with the same meaning, barring RE2-only escapes).
 *
 * A decision (pol_route_decide) is pure: no I/O, no clock, no allocation; the
 * only randomness is drawn from the ms_rng handed in.  The table is read-only
 * during decisions; the PCRE2 match data lives in a caller-owned scratch so
 * that several threads may share one table.
 */
#ifndef POL_ROUTE_H
#define POL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "policy/host.h"
#include "policy/resources.h"

/* A borrowed (pointer, length) view; not NUL-terminated. */
typedef struct pol_slice {
    const char *p;
    size_t len;
} pol_slice;

typedef struct pol_header {
    pol_slice name; /* lowercase, as HTTP/2 and Envoy see them */
    pol_slice value;
} pol_header;

/* One request as the router sees it.  All slices are borrowed for the call. */
typedef struct pol_request {
    pol_slice method;    /* "GET" */
    pol_slice scheme;    /* "http" / "https" */
    pol_slice authority; /* Host header, may carry ":port" */
    pol_slice path;      /* with "?query" */
    const pol_header *headers;
    size_t nheaders;
    int64_t port; /* destination (listener) port; 0: from authority, else 80/443 by scheme */
} pol_request;

/* Who asks: the context the table is compiled for. */
typedef struct pol_route_client {
    const char *gateway; /* NULL or "mesh": a sidecar; else "ns/name" of a Gateway */
    const char *ns;      /* the proxy's namespace */
    const pol_labels *labels; /* the proxy's labels (may be NULL) */
    int64_t port;        /* listener port the table is for; 0: all ports (port checked per request) */
} pol_route_client;

/* A service host known to the registry. */
typedef struct pol_route_service {
    const char *host; /* Kubernetes: the Service name; ServiceEntry: its host */
    const char *ns;   /* the resource's namespace */
    bool kubernetes;  /* true: name.ns.svc.cluster.local with short forms */
} pol_route_service;

typedef struct pol_route_inputs {
    const pol_virtual_service *vs;
    size_t nvs;
    const pol_destination_rule *dr;
    size_t ndr;
    const pol_route_service *services;
    size_t nservices;
    bool registry_only; /* MeshConfig outboundTrafficPolicy REGISTRY_ONLY (default ALLOW_ANY) */
    /* Gateways, for a gateway client: a VS bound to the client's Gateway keeps
     * only the hosts its servers admit (section 7.5): a server host "[ns/]dns"
     * admits VSs of namespace ns ("*" or none: any, ".": the Gateway's own)
     * and VS hosts that dns covers, or that cover dns (the vhost then gets the
     * server's, more specific, host).  NULL: VS hosts are taken as written. */
    const pol_gateway *gateways;
    size_t ngateways;
} pol_route_inputs;

typedef enum pol_route_action {
    POL_ROUTE_FORWARD,         /* to result.dest (a cluster) */
    POL_ROUTE_REDIRECT,        /* local reply, result.status and result.redirect */
    POL_ROUTE_DIRECT_RESPONSE, /* local reply, result.status and result.direct */
    POL_ROUTE_NO_ROUTE,        /* 404, flag NR */
    POL_ROUTE_NO_CLUSTER,      /* 503, flag NC: subset not defined by any DestinationRule */
    POL_ROUTE_PASSTHROUGH,     /* unknown host, ALLOW_ANY: original destination, no timeout */
    POL_ROUTE_BLACKHOLE,       /* unknown host, REGISTRY_ONLY: 502 */
} pol_route_action;

/* A destination cluster as compiled (strings owned by the table). */
typedef struct pol_route_target {
    const char *host;    /* FQDN (or the VS's wildcard host as written, expanded) */
    const char *subset;  /* NULL: none */
    int64_t port;        /* 0: not given (the service's single port or the listener port) */
    const char *cluster; /* "outbound|<port>|<subset>|<host>" (port empty when 0) */
    const pol_headers *headers; /* per-destination header operations, or NULL */
    bool subset_known;   /* some DestinationRule for the host defines the subset */
} pol_route_target;

#define POL_ROUTE_MAX_MIRRORS 4

typedef struct pol_route_result {
    pol_route_action action;
    int status;                /* 404, 503, 502, redirect code or direct status; 0 for FORWARD */
    const char *response_flag; /* "NR", "NC" or NULL */
    const pol_route_target *dest; /* FORWARD and NO_CLUSTER */
    const pol_virtual_service *vs;  /* NULL for default routes */
    const pol_http_route *route;    /* NULL for default routes */
    const pol_http_match *match;    /* the match block that matched, NULL for catch-alls */
    const char *route_name;         /* route.name, "route.match" joined (owned by the table) */
    int64_t timeout_ns;             /* 0: disabled (Istio's default) */
    const pol_http_retry *retries;  /* NULL: Istio's default retry policy */
    const pol_fault_injection *fault; /* NULL: none */
    const pol_http_rewrite *rewrite;  /* NULL: none */
    const pol_http_redirect *redirect;
    const pol_direct_response *direct;
    const pol_headers *headers;     /* route-level header operations, or NULL */
    const pol_cors_policy *cors;    /* NULL: none */
    size_t prefix_len;              /* matched uri prefix length (for prefix rewrites) */
    size_t nmirrors;                /* mirrors selected for this request (draw made) */
    const pol_route_target *mirrors[POL_ROUTE_MAX_MIRRORS];
    bool default_route;             /* service without VirtualService */
    const struct pcre2_real_code_8 *_rewrite_re; /* compiled uriRegexRewrite.match */
    const char *_rewrite_repl;      /* uriRegexRewrite.rewrite in PCRE2 syntax */
} pol_route_result;

typedef struct pol_route_table pol_route_table;
typedef struct pol_route_scratch pol_route_scratch;

/* Compile the table for `client`.  Inputs are borrowed and must outlive the
 * table (results point into them).  Regex compile errors and similar problems
 * are not reported here (the config decoder validates); a route whose regex
 * does not compile never matches.  Returns the table (caller destroys it) or
 * NULL when memory is exhausted (never: ms_x* allocation aborts). */
pol_route_table *pol_route_table_create(const pol_route_inputs *in, const pol_route_client *client);
void pol_route_table_destroy(pol_route_table *t); /* NULL is fine */

/* Per-thread scratch space for decisions against `t` (PCRE2 match data). */
pol_route_scratch *pol_route_scratch_create(const pol_route_table *t);
void pol_route_scratch_destroy(pol_route_scratch *s); /* NULL is fine */

/* Route one request.  `rng` is drawn from, in this order: one u64 for the
 * weighted split when the route has two or more destinations of non-zero
 * weight (v = R mod sum(w)); then one u64 per mirror policy whose percentage
 * is strictly between 0 and 100 (selected when R mod 10^6 < pct*10^4).
 * Nothing else draws.  *out points into the table and its inputs; it stays
 * valid while both live. */
void pol_route_decide(const pol_route_table *t, pol_route_scratch *s, const pol_request *req,
                      ms_rng *rng, pol_route_result *out);

/* The path and authority the upstream sees after the route's rewrite (7.4),
 * as Envoy applies Istio's translation:
 *   - `uri` (prefix_rewrite) replaces the matched prefix: prefix_len bytes for
 *     a prefix or exact match (an exact match: the whole path), the whole
 *     path for a regex match, "/" when the rule has no uri match (so "/v2"
 *     on "/x" gives "/v2x", as in Istio); the query string is kept;
 *   - uriRegexRewrite (regex_rewrite) replaces every match of its pattern in
 *     the path, `\N` naming a capture group; the query string is kept;
 *   - `authority` (host_rewrite_literal) replaces the whole authority.
 * `res` is the FORWARD result of this request (its match and rewrite).
 * Writes NUL-terminated results into path_out[path_cap] and
 * auth_out[auth_cap] (unchanged values are copied).  Returns 1 when
 * something was rewritten, 0 when not, -1 when a result does not fit.  A
 * uriRegexRewrite allocates PCRE2 match data for the call. */
int pol_route_rewrite(const pol_route_result *res, pol_slice path, pol_slice authority, char *path_out,
                      size_t path_cap, char *auth_out, size_t auth_cap);

/* Number of compiled routes and virtual hosts (for tests and `explain`). */
size_t pol_route_table_route_count(const pol_route_table *t);
size_t pol_route_table_vhost_count(const pol_route_table *t);

/* Convenience for tests and tools: a slice of a NUL-terminated string. */
static inline pol_slice pol_slice_str(const char *s)
{
    pol_slice r = {s, 0};
    if (s)
        while (s[r.len])
            r.len++;
    return r;
}

/* --- private: the compiled layout, shared by policy/route_build.c and
 * policy/route_match.c only (they define POL_ROUTE_PRIVATE). ------------------ */
#ifdef POL_ROUTE_PRIVATE

struct pcre2_real_code_8;

/* A compiled string matcher. */
typedef struct pol__smatch {
    pol_match_kind kind; /* NONE: no condition */
    const char *value;
    size_t len;
    bool ignore_case;              /* exact/prefix on the uri with ignoreUriCase */
    struct pcre2_real_code_8 *re;  /* REGEX: anchored full match; NULL if it failed to compile */
} pol__smatch;

typedef struct pol__hmatch {
    const char *name;
    size_t name_len;
    pol__smatch m;
    bool without;   /* withoutHeaders: inverted, a missing header counts as "" */
    bool never;     /* a matcher meshsim cannot evaluate (JWT claims): never holds */
} pol__hmatch;

/* Where a route sends a request.  The routes emitted for the match blocks of
 * one rule share one copy (only the first route owns it). */
typedef struct pol__actions {
    pol_route_target *targets; /* owned */
    size_t ntargets;
    uint64_t *cum;             /* cumulative weights; cum[ntargets - 1] is the total */
    pol_route_target *mirrors; /* owned */
    uint32_t *mirror_ppm;      /* percentage in parts per million */
    size_t nmirrors;
    struct pcre2_real_code_8 *rewrite_re; /* uriRegexRewrite.match; NULL: none or bad */
    char *rewrite_repl;        /* uriRegexRewrite.rewrite in PCRE2 syntax; owned */
} pol__actions;

typedef struct pol__route {
    pol__smatch uri, scheme, method, authority;
    pol__hmatch *headers; /* owned */
    size_t nheaders;
    pol__hmatch *query;   /* owned */
    size_t nquery;
    int64_t port;         /* 0: any; else checked per request */
    bool catch_all;
    const pol_virtual_service *vs;
    const pol_http_route *route; /* NULL: default route */
    const pol_http_match *match; /* NULL: no match block */
    const char *name;            /* borrowed (inputs or table strings), or NULL */
    pol__actions act;
    bool owns_actions;           /* frees act's arrays (false for shared copies) */
} pol__route;

typedef struct pol__vhost {
    pol__route **routes; /* owned array of borrowed route pointers */
    size_t nroutes;
} pol__vhost;

typedef struct pol__domain {
    const char *name; /* exact: full domain; wildcard: the suffix after '*' */
    size_t len;
    size_t vhost;
    size_t seq;       /* order added: the first vhost to add a domain keeps it */
} pol__domain;

struct pol_route_table {
    pol__route **routes; /* owned: every compiled route */
    size_t nroutes, cap_routes;
    pol__vhost *vhosts;
    size_t nvhosts, cap_vhosts;
    pol__domain *exact; /* sorted by length, then case-insensitively */
    size_t nexact, cap_exact;
    pol__domain *wild;  /* longest suffix first */
    size_t nwild, cap_wild;
    long star;          /* vhost index for "*", or -1 */
    bool registry_only;
    bool gateway; /* a gateway's table: no catch-all vhost, an unknown host is 404 NR */
    char **strings;     /* owned strings (FQDNs, cluster names) */
    size_t nstrings, cap_strings;
};

#endif /* POL_ROUTE_PRIVATE */

#endif
