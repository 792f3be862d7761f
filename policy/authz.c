/*
 * authz.c - AuthorizationPolicy matching and the CUSTOM/DENY/ALLOW decision
 * (see authz.h).
 */
#include "policy/authz.h"
#include "policy/cidr.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static pol_slice cstr(const char *s)
{
    pol_slice v = {s, s ? strlen(s) : 0};
    return v;
}

static bool eq_n(const char *a, size_t alen, const char *b, size_t blen, bool nocase)
{
    return alen == blen && (nocase ? strncasecmp(a, b, alen) == 0 : memcmp(a, b, alen) == 0);
}

bool pol_authz_string_matches(const char *pattern, pol_slice v, bool nocase)
{
    if (!v.p)
        return false;
    size_t n = strlen(pattern);
    if (n == 1 && pattern[0] == '*')
        return v.len > 0;
    if (n > 0 && pattern[n - 1] == '*') /* prefix */
        return v.len >= n - 1 && eq_n(v.p, n - 1, pattern, n - 1, nocase);
    if (n > 0 && pattern[0] == '*') /* suffix */
        return v.len >= n - 1 && eq_n(v.p + v.len - (n - 1), n - 1, pattern + 1, n - 1, nocase);
    return eq_n(v.p, v.len, pattern, n, nocase);
}

/* Host values: case-insensitive; a pattern without a port ignores the
 * authority's port. */
static bool host_matches(const char *pattern, pol_slice host)
{
    if (!strchr(pattern, ':'))
        host.len = pol_host_strip_port(host.p, host.len);
    return pol_authz_string_matches(pattern, host, true);
}

/* URI template match of pattern p[0..pn) against s[0..sn). */
static bool template_match(const char *p, size_t pn, const char *s, size_t sn)
{
    while (pn > 0) {
        if (pn >= 4 && !memcmp(p, "{**}", 4))
            return true; /* the rest, whatever it is */
        if (pn >= 3 && !memcmp(p, "{*}", 3)) {
            size_t seg = 0;
            while (seg < sn && s[seg] != '/')
                seg++;
            if (seg == 0)
                return false;
            p += 3, pn -= 3, s += seg, sn -= seg;
            continue;
        }
        if (sn == 0 || *p != *s)
            return false;
        p++, pn--, s++, sn--;
    }
    return sn == 0;
}

bool pol_authz_path_matches(const char *pattern, pol_slice path)
{
    if (!path.p)
        return false;
    const char *q = memchr(path.p, '?', path.len);
    if (q)
        path.len = (size_t)(q - path.p);
    if (strchr(pattern, '{'))
        return template_match(pattern, strlen(pattern), path.p, path.len);
    return pol_authz_string_matches(pattern, path, false);
}

bool pol_authz_ip_matches(const char *pattern, const char *ip)
{
    if (!ip)
        return false;
    /* "10.0.0.1:9080" is accepted: an address with one ':' is IPv4 and a port */
    char addr[64];
    const char *colon = strchr(ip, ':');
    if (colon && !strchr(colon + 1, ':')) {
        size_t n = (size_t)(colon - ip);
        if (n >= sizeof addr)
            return false;
        memcpy(addr, ip, n);
        addr[n] = 0;
        ip = addr;
    }
    pol_cidr range;
    return pol_cidr_parse(pattern, &range) == 0 && pol_cidr_match_any(&range, 1, ip);
}

int pol_authz_principal(const char *ns, const char *sa, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/ns/%s/sa/%s", POL_ISTIO_TRUST_DOMAIN, ns, sa);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

typedef enum field_kind { F_STRING, F_STRING_NOCASE, F_HOST, F_PATH, F_IP, F_EXACT, F_NEVER } field_kind;

/* Does value v satisfy any pattern of the list? */
static bool any_of(const pol_str_list *l, field_kind k, pol_slice v)
{
    for (size_t i = 0; i < l->len; i++) {
        const char *p = l->items[i].s;
        bool hit = false;
        switch (k) {
        case F_STRING: hit = pol_authz_string_matches(p, v, false); break;
        case F_STRING_NOCASE: hit = pol_authz_string_matches(p, v, true); break;
        case F_HOST: hit = v.p && host_matches(p, v); break;
        case F_PATH: hit = pol_authz_path_matches(p, v); break;
        case F_IP: hit = v.p && pol_authz_ip_matches(p, v.p); break;
        case F_EXACT: hit = v.p && eq_n(v.p, v.len, p, strlen(p), false); break;
        case F_NEVER: hit = false; break;
        }
        if (hit)
            return true;
    }
    return false;
}

/* A field with its negation: values ORed, not-values a negated OR; an absent
 * field matches anything. */
static bool field(const pol_str_list *yes, const pol_str_list *no, field_kind k, pol_slice v)
{
    if (yes->len && !any_of(yes, k, v))
        return false;
    if (no->len && any_of(no, k, v))
        return false;
    return true;
}

/* A request with the values derived from it once per decision. */
typedef struct ctx {
    const pol_authz_request *r;
    char sa[256]; /* "ns/sa" */
    pol_slice sa_s;
    char port[24];
    pol_slice port_s;
} ctx;

static void ctx_init(ctx *c, const pol_authz_request *r)
{
    c->r = r;
    c->sa_s = (pol_slice){NULL, 0};
    if (r->source_ns && r->source_sa) {
        size_t a = strlen(r->source_ns), b = strlen(r->source_sa);
        if (a + b + 1 < sizeof c->sa) {
            memcpy(c->sa, r->source_ns, a);
            c->sa[a] = '/';
            memcpy(c->sa + a + 1, r->source_sa, b);
            c->sa_s = (pol_slice){c->sa, a + b + 1};
        }
    }
    /* the port in decimal, written backwards from the end of the buffer */
    uint64_t v = r->port < 0 ? 0 : (uint64_t)r->port;
    char *e = c->port + sizeof c->port, *p = e;
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    c->port_s = (pol_slice){p, (size_t)(e - p)};
}

static bool source_matches(const pol_authz_source *s, const ctx *c)
{
    const pol_authz_request *r = c->r;
    pol_slice sav = c->sa_s;
    return field(&s->principals, &s->not_principals, F_STRING, cstr(r->principal)) &&
           field(&s->request_principals, &s->not_request_principals, F_NEVER, cstr(NULL)) &&
           field(&s->namespaces, &s->not_namespaces, F_STRING, cstr(r->source_ns)) &&
           field(&s->service_accounts, &s->not_service_accounts, F_EXACT, sav) &&
           field(&s->ip_blocks, &s->not_ip_blocks, F_IP, cstr(r->source_ip)) &&
           field(&s->remote_ip_blocks, &s->not_remote_ip_blocks, F_IP, cstr(r->source_ip));
}

static bool operation_matches(const pol_authz_operation *o, const ctx *c)
{
    const pol_authz_request *r = c->r;
    return field(&o->hosts, &o->not_hosts, F_HOST, r->host) &&
           field(&o->ports, &o->not_ports, F_EXACT, c->port_s) &&
           field(&o->methods, &o->not_methods, F_STRING, r->method) &&
           field(&o->paths, &o->not_paths, F_PATH, r->path);
}

static pol_slice header_value(const pol_authz_request *r, const char *name, size_t n)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (eq_n(r->headers[i].name.p, r->headers[i].name.len, name, n, true))
            return r->headers[i].value;
    return (pol_slice){NULL, 0};
}

/* request.headers[x-foo] -> "x-foo" */
static bool bracket(const char *key, const char *prefix, const char **name, size_t *n)
{
    size_t pl = strlen(prefix), kl = strlen(key);
    if (strncmp(key, prefix, pl) || kl < pl + 2 || key[pl] != '[' || key[kl - 1] != ']')
        return false;
    *name = key + pl + 1;
    *n = kl - pl - 2;
    return true;
}

static bool condition_matches(const pol_authz_condition *c, const ctx *cx)
{
    const pol_authz_request *r = cx->r;
    const char *k = c->key, *name;
    size_t n;
    if (bracket(k, "request.headers", &name, &n))
        return field(&c->values, &c->not_values, F_STRING, header_value(r, name, n));
    if (!strcmp(k, "source.ip") || !strcmp(k, "remote.ip"))
        return field(&c->values, &c->not_values, F_IP, cstr(r->source_ip));
    if (!strcmp(k, "destination.ip"))
        return field(&c->values, &c->not_values, F_IP, cstr(r->dest_ip));
    if (!strcmp(k, "destination.port"))
        return field(&c->values, &c->not_values, F_EXACT, cx->port_s);
    if (!strcmp(k, "source.namespace"))
        return field(&c->values, &c->not_values, F_STRING, cstr(r->source_ns));
    if (!strcmp(k, "source.principal"))
        return field(&c->values, &c->not_values, F_STRING, cstr(r->principal));
    /* request.auth.*, connection.sni, experimental.*: not present in a
     * simulated request (no JWT, no SNI seen by the RBAC filter) */
    return field(&c->values, &c->not_values, F_NEVER, cstr(NULL));
}

static bool rule_matches(const pol_authz_rule *rule, const ctx *r)
{
    if (rule->nfrom) {
        bool any = false;
        for (size_t i = 0; i < rule->nfrom && !any; i++)
            any = source_matches(&rule->from[i], r);
        if (!any)
            return false;
    }
    if (rule->nto) {
        bool any = false;
        for (size_t i = 0; i < rule->nto && !any; i++)
            any = operation_matches(&rule->to[i], r);
        if (!any)
            return false;
    }
    for (size_t i = 0; i < rule->nwhen; i++)
        if (!condition_matches(&rule->when[i], r))
            return false;
    return true;
}

static bool policy_matches(const pol_authorization_policy *ap, const ctx *c)
{
    for (size_t i = 0; i < ap->nrules; i++)
        if (rule_matches(&ap->rules[i], c))
            return true;
    return false;
}

bool pol_authz_policy_matches(const pol_authorization_policy *ap, const pol_authz_request *r)
{
    ctx c;
    ctx_init(&c, r);
    return policy_matches(ap, &c);
}

bool pol_authz_applies(const pol_authorization_policy *ap, const char *root_ns,
                       const pol_workload_ref *w)
{
    if (ap->has_target_refs)
        return false;
    if (!root_ns)
        root_ns = POL_ISTIO_ROOT_NAMESPACE;
    if (strcmp(ap->meta.ns, w->ns) && strcmp(ap->meta.ns, root_ns))
        return false;
    static const pol_labels none = {0};
    return !ap->has_selector || pol_labels_subset(&ap->selector, w->labels ? w->labels : &none);
}

void pol_authz_decide(const pol_authorization_policy *const *policies, size_t n,
                      const pol_authz_request *r, pol_authz_decision *out)
{
    *out = (pol_authz_decision){.allowed = true};
    ctx c;
    ctx_init(&c, r);
    static const pol_authz_action order[] = {POL_AUTHZ_CUSTOM, POL_AUTHZ_DENY};
    for (size_t o = 0; o < 2; o++)
        for (size_t i = 0; i < n; i++)
            if (policies[i]->action == order[o] && policy_matches(policies[i], &c)) {
                *out = (pol_authz_decision){false, POL_AUTHZ_DENIED_STATUS, policies[i]};
                return;
            }
    bool any_allow = false;
    for (size_t i = 0; i < n; i++) {
        if (policies[i]->action != POL_AUTHZ_ALLOW)
            continue;
        any_allow = true;
        if (policy_matches(policies[i], &c)) {
            out->policy = policies[i];
            return;
        }
    }
    if (any_allow)
        *out = (pol_authz_decision){false, POL_AUTHZ_DENIED_STATUS, NULL};
}
