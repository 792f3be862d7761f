/*
 * route_build.c - compiling VirtualServices into a route table for one client
 * context (policy-semantics.md 7.2-7.4).  Decisions are in route_match.c.
 *
 * Steps:
 *   1. Keep the VirtualServices bound to the context (VS-level `gateways`,
 *      absent = "mesh"; `exportTo`).  Delegate VSs (no hosts) are not roots.
 *   2. Compile each VS's http[] in order: one route per match block, after the
 *      config-time filters (match `gateways`, else `sourceNamespace`;
 *      `sourceLabels`; `port` when the context names a port).  A rule whose
 *      blocks are all filtered out emits nothing.  After a catch-all route the
 *      rest of the VS is dropped, later blocks of the same rule included (Istio
 *      stops at the first catch-all block).  A delegate rule is replaced by the delegate
 *      VS's routes with merged matches (one level).
 *   3. Virtual hosts: one per VS host (on sidecars the first VS wins a host; on
 *      a gateway the VSs sharing a host are merged and catch-alls moved last),
 *      one per known service (the VS whose host matches it most specifically,
 *      or a default route), with Kubernetes short-name domains on sidecars.
 *
 * Memory: everything allocated hangs off the table and is freed by
 * pol_route_table_destroy; routes point into the borrowed inputs.  Building is
 * O(VS routes + services x VS hosts); nothing here runs per request.
 */
#define POL_ROUTE_PRIVATE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "policy/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"

typedef struct builder {
    pol_route_table *t;
    const pol_route_inputs *in;
    const pol_route_client *client;
    bool mesh; /* the client is a sidecar */
} builder;

static const char *keep(pol_route_table *t, char *s)
{
    MS_VEC_GROW(t->strings, t->nstrings, t->cap_strings);
    t->strings[t->nstrings++] = s;
    return s;
}

static const char *keep_fmt(pol_route_table *t, const char *a, const char *b, const char *c,
                            const char *d)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
    char *s = ms_xmalloc(n);
    snprintf(s, n, "%s%s%s%s", a, b, c, d);
    return keep(t, s);
}

static const char *expand(pol_route_table *t, const char *host, const char *ns)
{
    char buf[POL_HOST_MAX];
    if (pol_host_expand(host, ns, buf, sizeof(buf)) != 0)
        return host;
    return keep(t, ms_xstrdup(buf));
}

/* Does a gateway reference written in namespace `ns` name the client? */
static bool gateway_ref_is_client(const builder *b, const char *ref, const char *ns)
{
    if (strcmp(ref, "mesh") == 0)
        return b->mesh;
    if (b->mesh)
        return false;
    const char *gw = b->client->gateway;
    const char *slash = strchr(ref, '/');
    if (slash)
        return strcmp(ref, gw) == 0;
    size_t nl = strlen(ns);
    return strncmp(gw, ns, nl) == 0 && gw[nl] == '/' && strcmp(gw + nl + 1, ref) == 0;
}

static bool gateways_include_client(const builder *b, const pol_str_list *l, const char *ns)
{
    if (l->len == 0)
        return b->mesh;
    for (size_t i = 0; i < l->len; i++)
        if (gateway_ref_is_client(b, l->items[i].s, ns))
            return true;
    return false;
}

static bool exported_to_client(const builder *b, const pol_virtual_service *vs)
{
    if (vs->export_to.len == 0)
        return true;
    for (size_t i = 0; i < vs->export_to.len; i++) {
        const char *e = vs->export_to.items[i].s;
        if (strcmp(e, "*") == 0 || strcmp(e, b->client->ns) == 0 ||
            (strcmp(e, ".") == 0 && strcmp(vs->meta.ns, b->client->ns) == 0))
            return true;
    }
    return false;
}

/* Config-time filters of one match block (7.3). */
static bool match_applies(const builder *b, const pol_http_match *m, const char *ns)
{
    if (m->gateways.len > 0) {
        if (!gateways_include_client(b, &m->gateways, ns))
            return false;
    } else if (m->source_namespace && strcmp(m->source_namespace, b->client->ns) != 0) {
        return false;
    }
    if (m->source_labels.len > 0) {
        pol_labels none = {0};
        if (!pol_labels_subset(&m->source_labels, b->client->labels ? b->client->labels : &none))
            return false;
    }
    if (b->client->port != 0 && m->port.set && m->port.v != b->client->port)
        return false;
    return true;
}

static void smatch_compile(pol__smatch *c, const pol_string_match *m, bool ignore_case)
{
    memset(c, 0, sizeof(*c));
    c->kind = m->kind;
    c->value = m->value;
    c->len = m->value ? strlen(m->value) : 0;
    c->ignore_case = ignore_case && (m->kind == POL_MATCH_EXACT || m->kind == POL_MATCH_PREFIX);
    if (m->kind == POL_MATCH_REGEX) {
        int err;
        PCRE2_SIZE off;
        c->re = pcre2_compile((PCRE2_SPTR)m->value, c->len,
                              PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &err, &off, NULL);
        /* Machine code for the matcher, once per table: pcre2_match() then runs
         * it instead of the interpreter (same results).  Where JIT is missing or
         * fails, pcre2_match() interprets. */
        if (c->re)
            (void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE);
    }
}

static void smatch_free(pol__smatch *c)
{
    if (c->re)
        pcre2_code_free(c->re);
    c->re = NULL;
}

static bool is_pseudo_key(const char *name)
{
    return strcmp(name, "uri") == 0 || strcmp(name, "scheme") == 0 ||
           strcmp(name, "method") == 0 || strcmp(name, "authority") == 0;
}

static void add_named(pol__hmatch **arr, size_t *n, const pol_named_match_list *l, bool without,
                      bool headers)
{
    for (size_t i = 0; i < l->len; i++) {
        const pol_named_match *nm = &l->items[i];
        if (headers && is_pseudo_key(nm->name))
            continue;
        *arr = ms_xrealloc(*arr, (*n + 1) * sizeof(**arr));
        pol__hmatch *h = &(*arr)[(*n)++];
        memset(h, 0, sizeof(*h));
        h->name = nm->name;
        h->name_len = strlen(nm->name);
        h->without = without;
        h->never = headers && nm->name[0] == '@';
        smatch_compile(&h->m, &nm->match, false);
    }
}

static bool smatch_given(const pol_string_match *m) { return m->kind != POL_MATCH_NONE; }

static bool same_smatch(const pol_string_match *a, const pol_string_match *b)
{
    return a->kind == b->kind && (!a->value || !b->value || strcmp(a->value, b->value) == 0);
}

/* Merge a delegate's uri into the root's: the delegate's must lie within it. */
static bool merge_uri(const pol_string_match *root, const pol_string_match *del,
                      const pol_string_match **out)
{
    if (!smatch_given(root) || root->kind == POL_MATCH_PRESENT) {
        *out = del;
        return true;
    }
    if (!smatch_given(del)) {
        *out = root;
        return true;
    }
    if (root->kind == POL_MATCH_PREFIX && (del->kind == POL_MATCH_PREFIX ||
                                           del->kind == POL_MATCH_EXACT) &&
        strncmp(del->value, root->value, strlen(root->value)) == 0) {
        *out = del;
        return true;
    }
    if (same_smatch(root, del)) {
        *out = del;
        return true;
    }
    return false;
}

static const pol_string_match *pick(const pol_string_match *a, const pol_string_match *b, bool *ok)
{
    if (smatch_given(a) && smatch_given(b) && !same_smatch(a, b))
        *ok = false;
    return smatch_given(b) ? b : a;
}

static bool subset_known(const builder *b, const char *host, const char *subset)
{
    char buf[POL_HOST_MAX];
    for (size_t i = 0; i < b->in->ndr; i++) {
        const pol_destination_rule *dr = &b->in->dr[i];
        if (!dr->host || pol_host_expand(dr->host, dr->meta.ns, buf, sizeof(buf)) != 0 ||
            !pol_host_matches(buf, host))
            continue;
        for (size_t j = 0; j < dr->nsubsets; j++)
            if (dr->subsets[j].name && strcmp(dr->subsets[j].name, subset) == 0)
                return true;
    }
    return false;
}

static void target_init(builder *b, pol_route_target *tg, const pol_destination *d,
                        const char *ns, const pol_headers *headers)
{
    char port[24] = "";
    tg->host = d->host ? expand(b->t, d->host, ns) : "";
    tg->subset = d->subset;
    tg->port = d->port.set ? d->port.v : 0;
    tg->headers = headers;
    if (tg->port)
        snprintf(port, sizeof(port), "%lld", (long long)tg->port);
    size_t n = strlen(port) + strlen(tg->host) + (d->subset ? strlen(d->subset) : 0) + 16;
    char *c = ms_xmalloc(n);
    snprintf(c, n, "outbound|%s|%s|%s", port, d->subset ? d->subset : "", tg->host);
    tg->cluster = keep(b->t, c);
    tg->subset_known = !d->subset || subset_known(b, tg->host, d->subset);
}

/* `d` as the route's one destination; a->targets and a->cum have room. */
static void only_target(builder *b, pol__actions *a, const pol_destination *d, const char *ns,
                        const pol_headers *headers)
{
    target_init(b, &a->targets[0], d, ns, headers);
    a->ntargets = 1;
    a->cum[0] = 1;
}

/* RE2's "\1" capture references as PCRE2's "${1}", "$" escaped: done once
 * here, not per request.  Each input character gives at most two out. */
static char *rewrite_replacement(const char *in)
{
    char *out = ms_xmalloc(2 * strlen(in) + 1), *o = out;
    for (const char *p = in; *p; p++) {
        if (*p == '\\' && p[1] >= '0' && p[1] <= '9') {
            memcpy(o, "${", 2);
            o[2] = *++p;
            o[3] = '}';
            o += 4;
        } else if (*p == '$') {
            memcpy(o, "$$", 2);
            o += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* Destinations, weights and mirrors of `r` (actions come from the rule that
 * holds them; `ns` is that rule's VS namespace). */
static void compile_actions(builder *b, pol__route *cr, const pol_http_route *r, const char *ns)
{
    pol__actions *a = &cr->act;
    cr->owns_actions = true;
    if (r->nroute > 0) {
        a->targets = ms_xcalloc(r->nroute, sizeof(*a->targets));
        a->cum = ms_xcalloc(r->nroute, sizeof(*a->cum));
        uint64_t total = 0;
        for (size_t i = 0; i < r->nroute; i++) {
            const pol_route_destination *rd = &r->route[i];
            uint64_t w = r->nroute == 1 ? 1 : rd->weight.set ? (uint64_t)rd->weight.v : 0;
            if (w == 0)
                continue; /* zero weights are omitted (7.4) */
            target_init(b, &a->targets[a->ntargets], &rd->destination, ns, &rd->headers);
            total += w;
            a->cum[a->ntargets++] = total;
        }
        if (a->ntargets == 0) /* all weights 0 (refused by validation): first one */
            only_target(b, a, &r->route[0].destination, ns, &r->route[0].headers);
    }
    if (r->rewrite.set && r->rewrite.uri_regex_match) {
        int err;
        PCRE2_SIZE off;
        a->rewrite_re = pcre2_compile((PCRE2_SPTR)r->rewrite.uri_regex_match, PCRE2_ZERO_TERMINATED,
                                      PCRE2_UTF, &err, &off, NULL);
        if (r->rewrite.uri_regex_rewrite)
            a->rewrite_repl = rewrite_replacement(r->rewrite.uri_regex_rewrite);
    }
    size_t nm = (r->has_mirror ? 1 : 0) + r->nmirrors;
    if (nm > POL_ROUTE_MAX_MIRRORS)
        nm = POL_ROUTE_MAX_MIRRORS;
    if (nm) {
        a->mirrors = ms_xcalloc(nm, sizeof(*a->mirrors));
        a->mirror_ppm = ms_xcalloc(nm, sizeof(*a->mirror_ppm));
    }
    for (size_t i = 0; i < nm; i++) {
        const pol_mirror *m = r->has_mirror ? (i == 0 ? &r->mirror : &r->mirrors[i - 1])
                                            : &r->mirrors[i];
        double pct = m->percentage.set ? m->percentage.v : 100.0;
        /* 10^-4 % resolution, truncated (6.1) */
        uint32_t ppm = pct >= 100.0 ? 1000000u : (uint32_t)(pct * 10000.0);
        if (ppm == 0)
            continue;
        target_init(b, &a->mirrors[a->nmirrors], &m->destination, ns, NULL);
        a->mirror_ppm[a->nmirrors++] = ppm;
    }
}

static pol__route *new_route(builder *b)
{
    pol_route_table *t = b->t;
    MS_VEC_GROW(t->routes, t->nroutes, t->cap_routes);
    pol__route *r = ms_xcalloc(1, sizeof(*r));
    t->routes[t->nroutes++] = r;
    return r;
}

static bool is_catch_all(const pol__route *r)
{
    bool root_uri = r->uri.kind == POL_MATCH_NONE || r->uri.kind == POL_MATCH_PRESENT ||
                    (r->uri.kind == POL_MATCH_PREFIX && strcmp(r->uri.value, "/") == 0) ||
                    (r->uri.kind == POL_MATCH_REGEX &&
                     (strcmp(r->uri.value, ".*") == 0 || strcmp(r->uri.value, "*") == 0));
    return root_uri && r->scheme.kind == POL_MATCH_NONE && r->method.kind == POL_MATCH_NONE &&
           r->authority.kind == POL_MATCH_NONE && r->nheaders == 0 && r->nquery == 0 &&
           r->port == 0;
}

static void route_name(builder *b, pol__route *cr, const pol_http_route *r,
                       const pol_http_match *m)
{
    if (r && r->name && m && m->name)
        cr->name = keep_fmt(b->t, r->name, ".", m->name, "");
    else if (r && r->name)
        cr->name = r->name;
    else if (m && m->name)
        cr->name = m->name;
}

/* Emit one compiled route for root block `rm` (may be NULL) merged with
 * delegate block `dm` (may be NULL); `act` is the rule holding the actions,
 * `shared` an earlier route whose actions can be shared (or NULL).  Returns
 * the route, or NULL when the blocks conflict. */
static pol__route *emit(builder *b, const pol_virtual_service *vs, const pol_http_match *rm,
                        const pol_http_match *dm, const pol_http_route *act, const char *act_ns,
                        pol__route *shared)
{
    static const pol_http_match empty;
    const pol_http_match *r0 = rm ? rm : &empty, *d0 = dm ? dm : &empty;
    const pol_string_match *uri = NULL;
    bool ok = merge_uri(&r0->uri, &d0->uri, &uri);
    const pol_string_match *scheme = pick(&r0->scheme, &d0->scheme, &ok);
    const pol_string_match *method = pick(&r0->method, &d0->method, &ok);
    const pol_string_match *auth = pick(&r0->authority, &d0->authority, &ok);
    if (!ok)
        return NULL;
    pol__route *cr = new_route(b);
    bool icase = (uri == &d0->uri ? d0 : r0)->ignore_uri_case;
    smatch_compile(&cr->uri, uri, icase);
    smatch_compile(&cr->scheme, scheme, false);
    smatch_compile(&cr->method, method, false);
    smatch_compile(&cr->authority, auth, false);
    add_named(&cr->headers, &cr->nheaders, &r0->headers, false, true);
    add_named(&cr->headers, &cr->nheaders, &r0->without_headers, true, true);
    add_named(&cr->headers, &cr->nheaders, &d0->headers, false, true);
    add_named(&cr->headers, &cr->nheaders, &d0->without_headers, true, true);
    add_named(&cr->query, &cr->nquery, &r0->query_params, false, false);
    add_named(&cr->query, &cr->nquery, &d0->query_params, false, false);
    if (b->client->port == 0)
        cr->port = r0->port.set ? r0->port.v : d0->port.set ? d0->port.v : 0;
    cr->catch_all = is_catch_all(cr);
    cr->vs = vs;
    cr->route = act;
    cr->match = dm ? dm : rm;
    route_name(b, cr, act, cr->match);
    if (shared) {
        cr->act = shared->act;
    } else {
        compile_actions(b, cr, act, act_ns);
    }
    return cr;
}

typedef struct route_list {
    pol__route **items;
    size_t len, cap;
} route_list;

static void push(route_list *l, pol__route *r)
{
    MS_VEC_GROW(l->items, l->len, l->cap);
    l->items[l->len++] = r;
}

static const pol_virtual_service *find_delegate(const builder *b, const pol_delegate *d,
                                                const char *ns)
{
    const char *want = d->ns ? d->ns : ns;
    for (size_t i = 0; i < b->in->nvs; i++) {
        const pol_virtual_service *v = &b->in->vs[i];
        if (v->hosts.len == 0 && v->meta.name && strcmp(v->meta.name, d->name) == 0 &&
            strcmp(v->meta.ns, want) == 0)
            return v;
    }
    return NULL;
}

/* Routes of a delegated rule: every delegate route x every root block. */
static bool emit_delegate(builder *b, const pol_virtual_service *vs, const pol_http_route *r,
                          const pol_http_match **blocks, size_t nblocks, route_list *out)
{
    const pol_virtual_service *dv = find_delegate(b, &r->delegate, vs->meta.ns);
    if (!dv)
        return false;
    bool saw_catch_all = false;
    for (size_t i = 0; i < dv->nhttp && !saw_catch_all; i++) {
        const pol_http_route *dr = &dv->http[i];
        if (dr->delegate.set)
            continue; /* one level only */
        pol__route *first = NULL;
        size_t ndm = dr->nmatch ? dr->nmatch : 1;
        for (size_t k = 0; k < ndm && !saw_catch_all; k++) {
            const pol_http_match *dm = dr->nmatch ? &dr->match[k] : NULL;
            if (dm && !match_applies(b, dm, dv->meta.ns))
                continue;
            for (size_t j = 0; j < nblocks && !saw_catch_all; j++) {
                pol__route *cr = emit(b, vs, blocks[j], dm, dr, dv->meta.ns, first);
                if (!cr)
                    continue;
                if (!first)
                    first = cr;
                push(out, cr);
                saw_catch_all |= cr->catch_all;
            }
        }
    }
    return saw_catch_all;
}

/* Compile rule r of vs into `out`, one route per match block that passes the
 * config-time filters (7.3); a rule without blocks is one catch-all block and a
 * rule whose blocks are all filtered out emits nothing.  Returns true when the
 * rule emitted a catch-all route. */
static bool compile_rule(builder *b, const pol_virtual_service *vs, const pol_http_route *r,
                         route_list *out)
{
    const pol_http_match **blocks = ms_xmalloc((r->nmatch ? r->nmatch : 1) * sizeof(*blocks));
    size_t nblocks = 0;
    if (r->nmatch == 0)
        blocks[nblocks++] = NULL;
    for (size_t k = 0; k < r->nmatch; k++)
        if (match_applies(b, &r->match[k], vs->meta.ns))
            blocks[nblocks++] = &r->match[k];
    bool catch_all = false;
    if (nblocks > 0 && r->delegate.set) {
        catch_all = emit_delegate(b, vs, r, blocks, nblocks, out);
    } else {
        pol__route *first = NULL;
        for (size_t k = 0; k < nblocks && !catch_all; k++) {
            pol__route *cr = emit(b, vs, blocks[k], NULL, r, vs->meta.ns, first);
            if (!first)
                first = cr;
            push(out, cr);
            catch_all = cr->catch_all;
        }
    }
    free(blocks);
    return catch_all;
}

/* Compile the http[] of one VS into `out` (7.3). */
static void compile_vs(builder *b, const pol_virtual_service *vs, route_list *out)
{
    for (size_t i = 0; i < vs->nhttp; i++)
        if (compile_rule(b, vs, &vs->http[i], out))
            break; /* the rest of this VS could never match */
}

/* --- virtual hosts and domains ------------------------------------------------ */

static size_t add_vhost(pol_route_table *t, pol__route **routes, size_t n)
{
    MS_VEC_GROW(t->vhosts, t->nvhosts, t->cap_vhosts);
    pol__vhost *v = &t->vhosts[t->nvhosts];
    v->routes = ms_xcalloc(n ? n : 1, sizeof(*v->routes));
    if (n)
        memcpy(v->routes, routes, n * sizeof(*routes));
    v->nroutes = n;
    return t->nvhosts++;
}

/* Add a domain for vhost `v`.  A domain may belong to one vhost only (7.1): when
 * it is added again, sort_domains() keeps the vhost that added it first. */
static void add_domain(pol_route_table *t, const char *d, size_t v)
{
    if (strcmp(d, "*") == 0) {
        if (t->star < 0)
            t->star = (long)v;
        return;
    }
    if (d[0] == '*') {
        MS_VEC_GROW(t->wild, t->nwild, t->cap_wild);
        t->wild[t->nwild] = (pol__domain){d + 1, strlen(d + 1), v, t->nwild};
        t->nwild++;
    } else {
        MS_VEC_GROW(t->exact, t->nexact, t->cap_exact);
        t->exact[t->nexact] = (pol__domain){d, strlen(d), v, t->nexact};
        t->nexact++;
    }
}

/* Domains of a Kubernetes service as seen from the client namespace (7.2). */
static void add_service_domains(builder *b, const char *name, const char *ns, size_t v)
{
    pol_route_table *t = b->t;
    add_domain(t, expand(t, name, ns), v);
    if (!b->mesh)
        return;
    add_domain(t, keep_fmt(t, name, ".", ns, ""), v);
    add_domain(t, keep_fmt(t, name, ".", ns, ".svc"), v);
    if (strcmp(ns, b->client->ns) == 0)
        add_domain(t, name, v);
}

/* Exact domains are ordered by length first, so that a lookup compares lengths
 * and runs strncasecmp only against domains as long as the host; wildcard
 * suffixes longest first (7.1).  Then by name, then in the order added. */
static int cmp_domain(const pol__domain *x, const pol__domain *y)
{
    int c = strcasecmp(x->name, y->name);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_exact(const void *a, const void *b)
{
    const pol__domain *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return cmp_domain(x, y);
}

static int cmp_wild(const void *a, const void *b)
{
    const pol__domain *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? 1 : -1;
    return cmp_domain(x, y);
}

/* Sort d[0..n) with cmp and keep the first-added of equal domains; returns the
 * new count.  O(n log n), where checking each domain on insertion was O(n^2). */
static size_t sort_domains(pol__domain *d, size_t n, int (*cmp)(const void *, const void *))
{
    if (n == 0)
        return 0;
    qsort(d, n, sizeof(*d), cmp);
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (d[i].len != d[w - 1].len || strcasecmp(d[i].name, d[w - 1].name) != 0)
            d[w++] = d[i];
    return w;
}

typedef struct host_routes {
    const char *host; /* FQDN or wildcard */
    route_list routes;
} host_routes;

/* Move catch-all routes after the others, keeping order (SortVHostRoutes). */
static void catch_alls_last(route_list *l)
{
    size_t w = 0;
    if (l->len == 0)
        return;
    pol__route **tmp = ms_xcalloc(l->len ? l->len : 1, sizeof(*tmp));
    for (size_t i = 0; i < l->len; i++)
        if (!l->items[i]->catch_all)
            tmp[w++] = l->items[i];
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i]->catch_all)
            tmp[w++] = l->items[i];
    memcpy(l->items, tmp, l->len * sizeof(*tmp));
    free(tmp);
}

/* The client's Gateway resource, for a gateway client with Gateways given. */
static const pol_gateway *client_gateway(const builder *b)
{
    if (b->mesh || !b->in->gateways)
        return NULL;
    const char *gw = b->client->gateway;
    const char *slash = strchr(gw, '/');
    if (!slash)
        return NULL;
    size_t nl = (size_t)(slash - gw);
    for (size_t i = 0; i < b->in->ngateways; i++) {
        const pol_gateway *g = &b->in->gateways[i];
        if (strlen(g->meta.ns) == nl && !strncmp(g->meta.ns, gw, nl) && !strcmp(g->meta.name, slash + 1))
            return g;
    }
    return NULL;
}

/* The vhost hosts a gateway-bound VS host `h` (expanded) of namespace `ns`
 * gets under the Gateway's servers: up to `cap` into out[], de-duplicated.
 * Returns their number (0: no server admits it, the VS does not bind). */
static void gateway_hosts(const pol_gateway *g, const char *h, const char *ns, const char ***out,
                          size_t *n, size_t *cap)
{
    *n = 0;
    for (size_t s = 0; s < g->nservers; s++)
        for (size_t i = 0; i < g->servers[s].hosts.len; i++) {
            const char *sh = g->servers[s].hosts.items[i].s, *slash = strchr(sh, '/');
            if (slash) {
                size_t nl = (size_t)(slash - sh);
                bool any = nl == 1 && sh[0] == '*';
                bool own = nl == 1 && sh[0] == '.' && !strcmp(ns, g->meta.ns);
                if (!any && !own && !(strlen(ns) == nl && !strncmp(sh, ns, nl)))
                    continue;
                sh = slash + 1;
            }
            const char *pick = NULL;
            if (pol_host_matches(sh, h))
                pick = h;
            else if (pol_host_matches(h, sh))
                pick = sh;
            if (!pick)
                continue;
            size_t k = 0;
            while (k < *n && strcasecmp((*out)[k], pick) != 0)
                k++;
            if (k == *n) {
                MS_VEC_GROW(*out, *n, *cap);
                (*out)[(*n)++] = pick;
            }
        }
}

/* Give `host` the routes of rl (a sidecar: only if no VS had it first). */
static void add_host_routes(host_routes **hr, size_t *nhr, size_t *cap, const char *host,
                            const route_list *rl, bool mesh)
{
    size_t k = 0;
    while (k < *nhr && strcasecmp((*hr)[k].host, host) != 0)
        k++;
    if (k < *nhr && mesh)
        return; /* sidecar: the first VS for a host wins */
    if (k == *nhr) {
        MS_VEC_GROW(*hr, *nhr, *cap);
        (*hr)[(*nhr)++] = (host_routes){host, {0}};
    }
    for (size_t r = 0; r < rl->len; r++)
        push(&(*hr)[k].routes, rl->items[r]);
}

static void build_vhosts(builder *b)
{
    const pol_gateway *gw = client_gateway(b);
    pol_route_table *t = b->t;
    host_routes *hr = NULL;
    size_t nhr = 0, cap = 0;
    const char **gw_hosts = NULL;
    size_t ngw_hosts = 0, gw_cap = 0;
    for (size_t i = 0; i < b->in->nvs; i++) {
        const pol_virtual_service *vs = &b->in->vs[i];
        if (vs->hosts.len == 0 || !gateways_include_client(b, &vs->gateways, vs->meta.ns) ||
            !exported_to_client(b, vs))
            continue;
        route_list rl = {0};
        compile_vs(b, vs, &rl);
        for (size_t h = 0; h < vs->hosts.len; h++) {
            const char *host = expand(t, vs->hosts.items[h].s, vs->meta.ns);
            if (!gw) {
                add_host_routes(&hr, &nhr, &cap, host, &rl, b->mesh);
                continue;
            }
            /* only the hosts the Gateway's servers admit */
            gateway_hosts(gw, host, vs->meta.ns, &gw_hosts, &ngw_hosts, &gw_cap);
            for (size_t g = 0; g < ngw_hosts; g++)
                add_host_routes(&hr, &nhr, &cap, gw_hosts[g], &rl, b->mesh);
        }
        free(rl.items);
    }
    free(gw_hosts);
    size_t *vh = ms_xcalloc(nhr ? nhr : 1, sizeof(*vh));
    for (size_t k = 0; k < nhr; k++) {
        if (!b->mesh)
            catch_alls_last(&hr[k].routes);
        vh[k] = add_vhost(t, hr[k].routes.items, hr[k].routes.len);
    }
    /* Services: their own domains, bound to the most specific VS host. */
    for (size_t s = 0; b->mesh && s < b->in->nservices; s++) {
        const pol_route_service *sv = &b->in->services[s];
        const char *fqdn = sv->kubernetes ? expand(t, sv->host, sv->ns) : sv->host;
        long best = -1;
        for (size_t k = 0; k < nhr; k++)
            if (pol_host_matches(hr[k].host, fqdn) &&
                (best < 0 || pol_host_more_specific(hr[k].host, hr[best].host)))
                best = (long)k;
        size_t v;
        if (best >= 0 && !pol_host_is_wildcard(hr[best].host)) {
            v = vh[best];
        } else if (best >= 0) {
            v = add_vhost(t, hr[best].routes.items, hr[best].routes.len);
        } else {
            /* default route: the service itself, Istio's defaults */
            pol__route *cr = new_route(b);
            pol_destination d = {.host = fqdn};
            cr->catch_all = true;
            cr->owns_actions = true;
            cr->act.targets = ms_xcalloc(1, sizeof(*cr->act.targets));
            cr->act.cum = ms_xcalloc(1, sizeof(*cr->act.cum));
            only_target(b, &cr->act, &d, sv->ns, NULL);
            cr->name = "default";
            v = add_vhost(t, &cr, 1);
        }
        if (sv->kubernetes && !strchr(sv->host, '.'))
            add_service_domains(b, sv->host, sv->ns, v);
        else
            add_domain(t, fqdn, v);
    }
    for (size_t k = 0; k < nhr; k++) {
        add_domain(t, hr[k].host, vh[k]);
        free(hr[k].routes.items);
    }
    free(hr);
    free(vh);
    t->nexact = sort_domains(t->exact, t->nexact, cmp_exact);
    t->nwild = sort_domains(t->wild, t->nwild, cmp_wild);
}

pol_route_table *pol_route_table_create(const pol_route_inputs *in, const pol_route_client *client)
{
    pol_route_table *t = ms_xcalloc(1, sizeof(*t));
    builder b = {t, in, client, !client->gateway || strcmp(client->gateway, "mesh") == 0};
    t->star = -1;
    t->registry_only = in->registry_only;
    t->gateway = !b.mesh;
    build_vhosts(&b);
    return t;
}

void pol_route_table_destroy(pol_route_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nroutes; i++) {
        pol__route *r = t->routes[i];
        smatch_free(&r->uri);
        smatch_free(&r->scheme);
        smatch_free(&r->method);
        smatch_free(&r->authority);
        for (size_t k = 0; k < r->nheaders; k++)
            smatch_free(&r->headers[k].m);
        for (size_t k = 0; k < r->nquery; k++)
            smatch_free(&r->query[k].m);
        free(r->headers);
        free(r->query);
        if (r->owns_actions) {
            free(r->act.targets);
            free(r->act.cum);
            free(r->act.mirrors);
            free(r->act.mirror_ppm);
            if (r->act.rewrite_re)
                pcre2_code_free(r->act.rewrite_re);
            free(r->act.rewrite_repl);
        }
        free(r);
    }
    free(t->routes);
    for (size_t i = 0; i < t->nvhosts; i++)
        free(t->vhosts[i].routes);
    free(t->vhosts);
    free(t->exact);
    free(t->wild);
    for (size_t i = 0; i < t->nstrings; i++)
        free(t->strings[i]);
    free(t->strings);
    free(t);
}

size_t pol_route_table_route_count(const pol_route_table *t) { return t->nroutes; }
size_t pol_route_table_vhost_count(const pol_route_table *t) { return t->nvhosts; }
