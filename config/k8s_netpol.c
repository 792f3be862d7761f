/*
 * k8s_netpol.c - the Kubernetes NetworkPolicy (networking.k8s.io/v1) decoder.
 *
 * Read as kubectl reads it: fields meshsim does not use are ignored, the ones
 * it reads are type-checked, and what the API server's validation refuses is
 * refused here too, at the offending node: an unknown policyType or
 * operator, values with Exists/DoesNotExist or none with In/NotIn, an ipBlock
 * beside a selector in one peer, a port out of 1..65535, endPort below port
 * or without a numeric port, an unknown protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "config/istio_int.h"
#include "config/units.h"

static const char *const op_names[] = {"In", "NotIn", "Exists", "DoesNotExist"};
static const char *const type_names[] = {"Ingress", "Egress"};
static const char *const protocol_names[] = {"TCP", "UDP", "SCTP"};

static void selector_fini(cfg_k8s_selector *s)
{
    pol_labels_fini(&s->match_labels);
    for (size_t i = 0; i < s->nexprs; i++)
        pol_str_list_fini(&s->exprs[i].values);
    free(s->exprs);
}

static void rules_fini(cfg_k8s_netpol_rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t p = 0; p < rules[i].npeers; p++) {
            selector_fini(&rules[i].peers[p].pods);
            selector_fini(&rules[i].peers[p].namespaces);
        }
        free(rules[i].peers);
        free(rules[i].ports);
    }
    free(rules);
}

void cfg__k8s_network_policy_fini(cfg_k8s_network_policy *np)
{
    selector_fini(&np->pod_selector);
    rules_fini(np->ingress_rules, np->ningress_rules);
    rules_fini(np->egress_rules, np->negress_rules);
}

/* A LabelSelector {matchLabels, matchExpressions}; `n` present (not null). */
static void decode_selector(const cfg_node *n, ms_diag *d, cfg_k8s_selector *out)
{
    if (cfg_expect_map(n, d, "a label selector") != 0)
        return;
    cfg__i_labels(cfg_map_get(n, "matchLabels"), d, "matchLabels", &out->match_labels);
    const cfg_node *es = cfg__i_seq(n, "matchExpressions", d);
    if (!es)
        return;
    out->exprs = ms_xcalloc(es->u.seq.len ? es->u.seq.len : 1, sizeof *out->exprs);
    for (size_t i = 0; i < es->u.seq.len; i++) {
        const cfg_node *e = es->u.seq.items[i];
        if (cfg_expect_map(e, d, "a match expression") != 0)
            continue;
        const cfg_node *key = cfg_map_get(e, "key"), *op = cfg_map_get(e, "operator");
        if (cfg__i_absent(key) || cfg__i_absent(op)) {
            ms_diag_error(d, e->pos, "a match expression needs a key and an operator");
            continue;
        }
        cfg_k8s_sel_expr x = {0};
        x.key = cfg__i_string(key, d);
        int k = cfg__i_enum(op, d, "operator", op_names, CFG_COUNT(op_names));
        if (!x.key || k < 0)
            continue;
        x.op = (cfg_k8s_sel_op)k;
        const cfg_node *vs = cfg_map_get(e, "values");
        if (!cfg__i_absent(vs))
            cfg__i_str_list(vs, d, "values", &x.values);
        bool wants = x.op == CFG_SEL_IN || x.op == CFG_SEL_NOT_IN;
        if (wants && x.values.len == 0) {
            ms_diag_error(d, e->pos, "operator %s needs at least one value", op_names[k]);
            pol_str_list_fini(&x.values);
            continue;
        }
        if (!wants && x.values.len > 0) {
            ms_diag_error(d, vs->pos, "operator %s takes no values", op_names[k]);
            pol_str_list_fini(&x.values);
            continue;
        }
        out->exprs[out->nexprs++] = x;
    }
}

static void decode_peer(const cfg_node *n, ms_diag *d, cfg_k8s_netpol_peer *p)
{
    p->pos = n->pos;
    const cfg_node *ps = cfg_map_get(n, "podSelector"), *ns = cfg_map_get(n, "namespaceSelector");
    const cfg_node *ip = cfg_map_get(n, "ipBlock");
    if (!cfg__i_absent(ps)) {
        p->has_pods = true;
        decode_selector(ps, d, &p->pods);
    }
    if (!cfg__i_absent(ns)) {
        p->has_namespaces = true;
        decode_selector(ns, d, &p->namespaces);
    }
    if (!cfg__i_absent(ip)) {
        p->ip_block = true;
        if (p->has_pods || p->has_namespaces)
            ms_diag_error(d, ip->pos, "ipBlock may not be combined with podSelector or namespaceSelector");
        else if (cfg_expect_map(ip, d, "ipBlock") == 0) {
            p->cidr = cfg__i_opt_string(ip, "cidr", d);
            if (!p->cidr)
                ms_diag_error(d, ip->pos, "ipBlock needs a cidr");
        }
    }
    if (!p->has_pods && !p->has_namespaces && !p->ip_block)
        ms_diag_error(d, n->pos, "a peer needs podSelector, namespaceSelector or ipBlock");
}

static void decode_port(const cfg_node *n, ms_diag *d, cfg_k8s_netpol_port *p)
{
    p->protocol = "TCP";
    const cfg_node *pr = cfg_map_get(n, "protocol");
    if (!cfg__i_absent(pr)) {
        int k = cfg__i_enum(pr, d, "protocol", protocol_names, CFG_COUNT(protocol_names));
        if (k >= 0)
            p->protocol = protocol_names[k];
    }
    const cfg_node *v = cfg_map_get(n, "port");
    if (!cfg__i_absent(v) && v->kind == CFG_SCALAR) {
        /* IntOrString: a plain integer is a port number, anything else a name */
        char *end;
        (void)strtoll(v->u.scalar.str, &end, 10);
        if (!v->quoted && *end == '\0' && end != v->u.scalar.str) {
            if (cfg_read_int(v, d, 1, 65535, &p->port) == 0)
                p->has_port = true;
        } else {
            p->port_name = v->u.scalar.str;
            p->has_port = true;
        }
    } else if (!cfg__i_absent(v)) {
        int64_t ignored;
        cfg_read_int(v, d, 1, 65535, &ignored); /* reports the wrong type */
    }
    const cfg_node *e = cfg_map_get(n, "endPort");
    if (!cfg__i_absent(e) && cfg_read_int(e, d, 1, 65535, &p->end_port) == 0) {
        if (!p->has_port || p->port_name)
            ms_diag_error(d, e->pos, "endPort needs a numeric port");
        else if (p->end_port < p->port)
            ms_diag_error(d, e->pos, "endPort %lld is below port %lld", (long long)p->end_port,
                          (long long)p->port);
    }
}

/* The rules at spec[key] (ingress/egress), peers under `peers_key` (from/to). */
static void decode_rules(const cfg_node *spec, const char *key, const char *peers_key, ms_diag *d,
                         cfg_k8s_netpol_rule **out, size_t *nout)
{
    const cfg_node *rs = cfg__i_seq(spec, key, d);
    if (!rs)
        return;
    *out = ms_xcalloc(rs->u.seq.len ? rs->u.seq.len : 1, sizeof **out);
    for (size_t i = 0; i < rs->u.seq.len; i++) {
        const cfg_node *rn = rs->u.seq.items[i];
        if (cfg_expect_map(rn, d, "a NetworkPolicy rule") != 0)
            continue;
        cfg_k8s_netpol_rule *r = &(*out)[(*nout)++];
        const cfg_node *peers = cfg__i_seq(rn, peers_key, d);
        if (peers) {
            r->peers = ms_xcalloc(peers->u.seq.len ? peers->u.seq.len : 1, sizeof *r->peers);
            for (size_t k = 0; k < peers->u.seq.len; k++)
                if (cfg_expect_map(peers->u.seq.items[k], d, "a NetworkPolicy peer") == 0)
                    decode_peer(peers->u.seq.items[k], d, &r->peers[r->npeers++]);
        }
        const cfg_node *ports = cfg__i_seq(rn, "ports", d);
        if (ports) {
            r->ports = ms_xcalloc(ports->u.seq.len ? ports->u.seq.len : 1, sizeof *r->ports);
            for (size_t k = 0; k < ports->u.seq.len; k++)
                if (cfg_expect_map(ports->u.seq.items[k], d, "a NetworkPolicy port") == 0)
                    decode_port(ports->u.seq.items[k], d, &r->ports[r->nports++]);
        }
    }
}

void cfg__k8s_decode_network_policy(const cfg_doc *doc, ms_diag *d, cfg_k8s_network_policy *np)
{
    cfg__i_meta(doc->root, d, &np->meta);
    const cfg_node *spec = cfg__i_spec(doc, d, "NetworkPolicy");
    if (!spec || cfg_expect_map(spec, d, "spec") != 0)
        return;
    const cfg_node *ps = cfg_map_get(spec, "podSelector");
    if (cfg__i_absent(ps))
        ms_diag_error(d, spec->pos, "NetworkPolicy needs a podSelector ({} selects every pod)");
    else
        decode_selector(ps, d, &np->pod_selector);
    decode_rules(spec, "ingress", "from", d, &np->ingress_rules, &np->ningress_rules);
    decode_rules(spec, "egress", "to", d, &np->egress_rules, &np->negress_rules);
    const cfg_node *types = cfg__i_seq(spec, "policyTypes", d);
    if (!types) {
        np->ingress = true;
        np->egress = np->negress_rules > 0;
        return;
    }
    for (size_t i = 0; i < types->u.seq.len; i++) {
        int k = cfg__i_enum(types->u.seq.items[i], d, "policyTypes", type_names, CFG_COUNT(type_names));
        if (k == 0)
            np->ingress = true;
        else if (k == 1)
            np->egress = true;
    }
}
