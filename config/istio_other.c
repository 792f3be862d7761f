/*
 * istio_other.c - decoding and validation of Gateway, ServiceEntry
 * (networking.istio.io), PeerAuthentication and AuthorizationPolicy
 * (security.istio.io).
 *
 * Same conventions as istio_vs.c: strict field checking with did-you-mean,
 * enum values checked against the API's names, ports in 1..65535, required
 * fields reported at the enclosing node.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/suggest.h"
#include "config/istio_int.h"
#include "config/units.h"

static const char *const protocols[] = {
    "HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS", "UDP", "REDIS", "MYSQL",
    "THRIFT", "HBONE",
};

static void decode_port(const cfg_node *n, ms_diag *d, pol_port *p)
{
    static const char *const fields[] = {"number", "protocol", "name", "targetPort"};
    p->pos = n->pos;
    if (cfg__expect_fields(n, d, "port", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v = cfg_map_get(n, "number");
    if (cfg__i_absent(v))
        ms_diag_error(d, n->pos, "port needs a number");
    else
        cfg_read_int(v, d, 1, 65535, &p->number);
    if (!cfg__i_absent(v = cfg_map_get(n, "protocol")) && (p->protocol = cfg__i_string(v, d))) {
        int ok = 0;
        for (size_t i = 0; !ok && i < CFG_COUNT(protocols); i++)
            ok = strcasecmp(protocols[i], p->protocol) == 0;
        if (!ok)
            ms_suggest_report(d, v->pos, p->protocol, protocols, CFG_COUNT(protocols), NULL,
                                "invalid value \"%s\" for field \"protocol\"", p->protocol);
    }
    p->name = cfg__i_opt_string(n, "name", d);
    cfg__i_opt_int(cfg_map_get(n, "targetPort"), d, 1, 65535, &p->target_port);
}

static void decode_server_tls(const cfg_node *n, ms_diag *d, pol_server_tls *t)
{
    static const char *const fields[] = {
        "httpsRedirect", "mode", "serverCertificate", "privateKey", "caCertificates", "caCrl",
        "credentialName", "credentialNames", "tlsCertificates", "subjectAltNames",
        "verifyCertificateSpki", "verifyCertificateHash", "minProtocolVersion",
        "maxProtocolVersion", "cipherSuites",
    };
    t->pos = n->pos;
    if (cfg__expect_fields(n, d, "tls", fields, CFG_COUNT(fields)) != 0)
        return;
    t->set = true;
    pol_opt_bool redirect = {0};
    cfg__i_opt_bool(cfg_map_get(n, "httpsRedirect"), d, &redirect);
    t->https_redirect = redirect.v;
    int mode = cfg__i_opt_enum(n, "mode", d, pol_server_tls_mode_names);
    if (mode >= 0)
        t->mode = (pol_server_tls_mode)mode;
    t->server_certificate = cfg__i_opt_string(n, "serverCertificate", d);
    t->private_key = cfg__i_opt_string(n, "privateKey", d);
    t->ca_certificates = cfg__i_opt_string(n, "caCertificates", d);
    t->credential_name = cfg__i_opt_string(n, "credentialName", d);
    t->min_protocol_version = cfg__i_opt_string(n, "minProtocolVersion", d);
    t->max_protocol_version = cfg__i_opt_string(n, "maxProtocolVersion", d);
    cfg__i_str_list(cfg_map_get(n, "credentialNames"), d, "credentialNames", &t->credential_names);
    cfg__i_str_list(cfg_map_get(n, "subjectAltNames"), d, "subjectAltNames", &t->subject_alt_names);
    cfg__i_str_list(cfg_map_get(n, "cipherSuites"), d, "cipherSuites", &t->cipher_suites);
}

void cfg__i_decode_gateway(const cfg_node *spec, ms_diag *d, pol_gateway *gw)
{
    static const char *const fields[] = {"selector", "servers"};
    static const char *const server_fields[] = {
        "port", "bind", "hosts", "tls", "name", "defaultEndpoint",
    };
    if (cfg__expect_fields(spec, d, "spec", fields, CFG_COUNT(fields)) != 0)
        return;
    cfg__i_labels(cfg_map_get(spec, "selector"), d, "selector", &gw->selector);
    const cfg_node *s = cfg__i_seq(spec, "servers", d);
    if (!s)
        return;
    gw->servers = ms_xcalloc(s->u.seq.len, sizeof(*gw->servers));
    gw->nservers = s->u.seq.len;
    for (size_t i = 0; i < s->u.seq.len; i++) {
        const cfg_node *it = s->u.seq.items[i], *v;
        pol_server *sv = &gw->servers[i];
        sv->pos = it->pos;
        if (cfg__expect_fields(it, d, "server", server_fields, CFG_COUNT(server_fields)) != 0)
            continue;
        if (cfg__i_absent(v = cfg_map_get(it, "port")))
            ms_diag_error(d, it->pos, "server needs a port");
        else
            decode_port(v, d, &sv->port);
        sv->bind = cfg__i_opt_string(it, "bind", d);
        v = cfg_map_get(it, "hosts");
        if (cfg__i_absent(v))
            ms_diag_error(d, it->pos, "server needs at least one host");
        cfg__i_str_list(v, d, "hosts", &sv->hosts);
        if (!cfg__i_absent(v = cfg_map_get(it, "tls")))
            decode_server_tls(v, d, &sv->tls);
        sv->name = cfg__i_opt_string(it, "name", d);
        sv->default_endpoint = cfg__i_opt_string(it, "defaultEndpoint", d);
    }
}

static void decode_workload_entry(const cfg_node *n, ms_diag *d, pol_workload_entry *e)
{
    static const char *const fields[] = {
        "address", "ports", "labels", "network", "locality", "weight", "serviceAccount",
    };
    e->pos = n->pos;
    if (cfg__expect_fields(n, d, "endpoint", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v;
    e->address = cfg__i_opt_string(n, "address", d);
    if (!cfg__i_absent(v = cfg_map_get(n, "ports")) && cfg_expect_map(v, d, "ports") == 0) {
        e->ports = ms_xcalloc(v->u.map.len, sizeof(*e->ports));
        CFG_MAP_EACH(p, v) {
            int64_t num;
            if (cfg_read_int(p->value, d, 1, 65535, &num) != 0)
                continue;
            e->ports[e->nports].name = p->key->u.scalar.str;
            e->ports[e->nports].number = num;
            e->nports++;
        }
    }
    cfg__i_labels(cfg_map_get(n, "labels"), d, "labels", &e->labels);
    e->network = cfg__i_opt_string(n, "network", d);
    e->locality = cfg__i_opt_string(n, "locality", d);
    e->service_account = cfg__i_opt_string(n, "serviceAccount", d);
    cfg__i_opt_int(cfg_map_get(n, "weight"), d, 0, UINT32_MAX, &e->weight);
}

void cfg__i_decode_service_entry(const cfg_node *spec, ms_diag *d, pol_service_entry *se)
{
    static const char *const fields[] = {
        "hosts", "addresses", "ports", "location", "resolution", "endpoints",
        "workloadSelector", "exportTo", "subjectAltNames",
    };
    if (cfg__expect_fields(spec, d, "spec", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v = cfg_map_get(spec, "hosts");
    if (cfg__i_absent(v))
        ms_diag_error(d, spec->pos, "missing field \"hosts\"");
    cfg__i_str_list(v, d, "hosts", &se->hosts);
    cfg__i_str_list(cfg_map_get(spec, "addresses"), d, "addresses", &se->addresses);
    if ((v = cfg__i_seq(spec, "ports", d))) {
        se->ports = ms_xcalloc(v->u.seq.len, sizeof(*se->ports));
        se->nports = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            decode_port(v->u.seq.items[i], d, &se->ports[i]);
    }
    int location = cfg__i_opt_enum(spec, "location", d, pol_se_location_names);
    if (location >= 0)
        se->location = (pol_se_location)location;
    int resolution = cfg__i_opt_enum(spec, "resolution", d, pol_se_resolution_names);
    if (resolution >= 0)
        se->resolution = (pol_se_resolution)resolution;
    if ((v = cfg__i_seq(spec, "endpoints", d))) {
        se->endpoints = ms_xcalloc(v->u.seq.len, sizeof(*se->endpoints));
        se->nendpoints = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            decode_workload_entry(v->u.seq.items[i], d, &se->endpoints[i]);
    }
    static const char *const ws_fields[] = {"labels"};
    if ((v = cfg__i_map(spec, "workloadSelector", d, ws_fields, CFG_COUNT(ws_fields))))
        cfg__i_labels(cfg_map_get(v, "labels"), d, "labels", &se->workload_selector);
    cfg__i_str_list(cfg_map_get(spec, "exportTo"), d, "exportTo", &se->export_to);
    cfg__i_str_list(cfg_map_get(spec, "subjectAltNames"), d, "subjectAltNames",
                    &se->subject_alt_names);
}

static pol_mtls_mode decode_mtls(const cfg_node *n, ms_diag *d)
{
    static const char *const fields[] = {"mode"};
    if (cfg__i_absent(n) || cfg__expect_fields(n, d, "mtls", fields, CFG_COUNT(fields)) != 0)
        return POL_MTLS_UNSET;
    int mode = cfg__i_opt_enum(n, "mode", d, pol_mtls_mode_names);
    return mode >= 0 ? (pol_mtls_mode)mode : POL_MTLS_UNSET;
}

void cfg__i_decode_peer_authentication(const cfg_node *spec, ms_diag *d,
                                       pol_peer_authentication *pa)
{
    static const char *const fields[] = {"selector", "mtls", "portLevelMtls"};
    if (cfg__expect_fields(spec, d, "spec", fields, CFG_COUNT(fields)) != 0)
        return;
    pa->has_selector = cfg__i_selector(spec, "selector", d, &pa->selector);
    pa->mtls_mode = decode_mtls(cfg_map_get(spec, "mtls"), d);
    const cfg_node *v = cfg_map_get(spec, "portLevelMtls");
    if (cfg__i_absent(v) || cfg_expect_map(v, d, "portLevelMtls") != 0)
        return;
    if (!pa->has_selector)
        ms_diag_error(d, v->pos, "portLevelMtls needs a workload selector");
    pa->port_level_mtls = ms_xcalloc(v->u.map.len, sizeof(pol_port_mtls));
    CFG_MAP_EACH(p, v) {
        int64_t port;
        if (cfg_read_int(p->key, d, 1, 65535, &port) != 0)
            continue;
        pol_port_mtls *pm = &pa->port_level_mtls[pa->nport_level_mtls++];
        pm->port = port;
        pm->mode = decode_mtls(p->value, d);
    }
}

/* Istio's checks on the values of one authorization field: no empty value,
 * and port numbers / IP blocks where the field holds them. */
typedef enum authz_values { AV_STRING, AV_PORT, AV_IP } authz_values;

static int valid_ipv4_block(const char *s)
{
    int parts = 0;
    const char *p = s;
    while (parts < 4) {
        int digits = 0, v = 0;
        while (*p >= '0' && *p <= '9' && digits < 4)
            v = v * 10 + (*p++ - '0'), digits++;
        if (digits == 0 || digits > 3 || v > 255)
            return 0;
        if (++parts < 4 && *p++ != '.')
            return 0;
    }
    if (*p == '/') {
        int digits = 0, v = 0;
        for (p++; *p >= '0' && *p <= '9' && digits < 3; p++)
            v = v * 10 + (*p - '0'), digits++;
        if (digits == 0 || v > 32)
            return 0;
    }
    return *p == '\0';
}

static void check_values(const pol_str_list *l, ms_diag *d, const char *what, authz_values kind)
{
    for (size_t i = 0; i < l->len; i++) {
        const char *v = l->items[i].s;
        if (!v)
            continue;
        if (!*v) {
            ms_diag_error(d, l->items[i].pos, "empty value not allowed, found in %s", what);
            continue;
        }
        if (kind == AV_PORT) {
            char *end;
            long long port = strtoll(v, &end, 10);
            if (*end || port < 0 || port > 65535)
                ms_diag_error(d, l->items[i].pos, "invalid port %s in %s: must be 0..65535", v, what);
        } else if (kind == AV_IP && !valid_ipv4_block(v)) {
            ms_diag_error(d, l->items[i].pos, "invalid IP address or CIDR %s in %s", v, what);
        }
    }
}

static void decode_source(const cfg_node *n, ms_diag *d, pol_authz_source *s)
{
    static const char *const fields[] = {
        "principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals",
        "namespaces", "notNamespaces", "serviceAccounts", "notServiceAccounts",
        "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks",
    };
    pol_str_list *lists[] = {
        &s->principals, &s->not_principals, &s->request_principals, &s->not_request_principals,
        &s->namespaces, &s->not_namespaces, &s->service_accounts, &s->not_service_accounts,
        &s->ip_blocks, &s->not_ip_blocks, &s->remote_ip_blocks, &s->not_remote_ip_blocks,
    };
    s->pos = n->pos;
    if (cfg__expect_fields(n, d, "source", fields, CFG_COUNT(fields)) != 0)
        return;
    size_t given = 0;
    for (size_t i = 0; i < CFG_COUNT(fields); i++) {
        cfg__i_str_list(cfg_map_get(n, fields[i]), d, fields[i], lists[i]);
        given += lists[i]->len;
        check_values(lists[i], d, fields[i], i >= 8 ? AV_IP : AV_STRING);
    }
    if (given == 0)
        ms_diag_error(d, n->pos, "source must not be empty");
}

static void decode_operation(const cfg_node *n, ms_diag *d, pol_authz_operation *o)
{
    static const char *const fields[] = {
        "hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths", "notPaths",
    };
    pol_str_list *lists[] = {
        &o->hosts, &o->not_hosts, &o->ports, &o->not_ports,
        &o->methods, &o->not_methods, &o->paths, &o->not_paths,
    };
    o->pos = n->pos;
    if (cfg__expect_fields(n, d, "operation", fields, CFG_COUNT(fields)) != 0)
        return;
    size_t given = 0;
    for (size_t i = 0; i < CFG_COUNT(fields); i++) {
        cfg__i_str_list(cfg_map_get(n, fields[i]), d, fields[i], lists[i]);
        given += lists[i]->len;
        check_values(lists[i], d, fields[i], i == 2 || i == 3 ? AV_PORT : AV_STRING);
    }
    if (given == 0)
        ms_diag_error(d, n->pos, "operation must not be empty");
}

/* The attributes a `when` key may name (Istio's security.ValidateAttribute);
 * a trailing '[' means "[NAME]" must follow. */
static const char *const when_keys[] = {
    "request.headers[", "source.ip", "remote.ip", "source.namespace", "source.principal",
    "request.auth.principal", "request.auth.audiences", "request.auth.presenter",
    "request.auth.claims[", "destination.ip", "destination.port", "connection.sni",
    "experimental.envoy.filters.",
};

static void check_when_key(const cfg_node *n, const char *key, ms_diag *d)
{
    for (size_t i = 0; i < CFG_COUNT(when_keys); i++) {
        size_t kl = strlen(when_keys[i]);
        if (when_keys[i][kl - 1] == '[') {
            size_t len = strlen(key);
            if (!strncmp(key, when_keys[i], kl) && len > kl + 1 && key[len - 1] == ']')
                return;
        } else if (when_keys[i][kl - 1] == '.') {
            if (!strncmp(key, when_keys[i], kl) && key[kl])
                return;
        } else if (!strcmp(key, when_keys[i])) {
            return;
        }
    }
    ms_diag_error(d, n->pos, "unknown attribute (%s)", key);
}

/* from[] / to[] entries are {source: {...}} / {operation: {...}}. */
static const cfg_node *wrapped(const cfg_node *it, ms_diag *d, const char *key)
{
    const char *const fields[] = {key};
    if (cfg__expect_fields(it, d, key, fields, 1) != 0)
        return NULL;
    const cfg_node *v = cfg_map_get(it, key);
    if (cfg__i_absent(v)) {
        ms_diag_error(d, it->pos, "missing field \"%s\"", key);
        return NULL;
    }
    return v;
}

static void decode_rule(const cfg_node *n, ms_diag *d, pol_authz_rule *r)
{
    static const char *const fields[] = {"from", "to", "when"};
    static const char *const when_fields[] = {"key", "values", "notValues"};
    r->pos = n->pos;
    if (cfg__expect_fields(n, d, "rule", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v, *w;
    if ((v = cfg__i_seq(n, "from", d))) {
        if (v->u.seq.len == 0)
            ms_diag_error(d, v->pos, "`from` must not be empty");
        r->from = ms_xcalloc(v->u.seq.len, sizeof(*r->from));
        r->nfrom = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            if ((w = wrapped(v->u.seq.items[i], d, "source")) != NULL)
                decode_source(w, d, &r->from[i]);
    }
    if ((v = cfg__i_seq(n, "to", d))) {
        if (v->u.seq.len == 0)
            ms_diag_error(d, v->pos, "`to` must not be empty");
        r->to = ms_xcalloc(v->u.seq.len, sizeof(*r->to));
        r->nto = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            if ((w = wrapped(v->u.seq.items[i], d, "operation")) != NULL)
                decode_operation(w, d, &r->to[i]);
    }
    if ((v = cfg__i_seq(n, "when", d))) {
        r->when = ms_xcalloc(v->u.seq.len, sizeof(*r->when));
        r->nwhen = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++) {
            const cfg_node *it = v->u.seq.items[i];
            pol_authz_condition *c = &r->when[i];
            c->pos = it->pos;
            if (cfg__expect_fields(it, d, "condition", when_fields, CFG_COUNT(when_fields)) != 0)
                continue;
            if (cfg__i_absent(w = cfg_map_get(it, "key")))
                ms_diag_error(d, it->pos, "condition needs a key");
            else if ((c->key = cfg__i_string(w, d)) != NULL)
                check_when_key(w, c->key, d);
            cfg__i_str_list(cfg_map_get(it, "values"), d, "values", &c->values);
            cfg__i_str_list(cfg_map_get(it, "notValues"), d, "notValues", &c->not_values);
            if (c->key && c->values.len == 0 && c->not_values.len == 0)
                ms_diag_error(d, it->pos, "at least one of values or notValues must be set for key %s",
                              c->key);
            authz_values kind = AV_STRING;
            if (c->key && (!strcmp(c->key, "source.ip") || !strcmp(c->key, "remote.ip") ||
                           !strcmp(c->key, "destination.ip")))
                kind = AV_IP;
            else if (c->key && !strcmp(c->key, "destination.port"))
                kind = AV_PORT;
            check_values(&c->values, d, "values", kind);
            check_values(&c->not_values, d, "notValues", kind);
        }
    }
}

void cfg__i_decode_authorization_policy(const cfg_node *spec, ms_diag *d,
                                        pol_authorization_policy *ap)
{
    static const char *const fields[] = {
        "selector", "targetRef", "targetRefs", "rules", "action", "provider",
    };
    if (cfg__expect_fields(spec, d, "spec", fields, CFG_COUNT(fields)) != 0)
        return;
    ap->has_selector = cfg__i_selector(spec, "selector", d, &ap->selector);
    const cfg_node *v;
    const cfg_node *ref = cfg_map_get(spec, "targetRef");
    if (cfg__i_absent(ref))
        ref = cfg_map_get(spec, "targetRefs");
    if (!cfg__i_absent(ref)) {
        ap->has_target_refs = true;
        if (ap->has_selector)
            ms_diag_error(d, ref->pos, "only one of targetRefs or workloadSelector can be set");
    }
    int action = cfg__i_opt_enum(spec, "action", d, pol_authz_action_names);
    if (action >= 0)
        ap->action = (pol_authz_action)action;
    static const char *const pfields[] = {"name"};
    if ((v = cfg__i_map(spec, "provider", d, pfields, CFG_COUNT(pfields))))
        ap->provider = cfg__i_opt_string(v, "name", d);
    if (ap->action == POL_AUTHZ_CUSTOM && !ap->provider)
        ms_diag_error(d, spec->pos, "action CUSTOM needs a provider");
    if (ap->action != POL_AUTHZ_CUSTOM && v)
        ms_diag_error(d, v->pos, "provider is only allowed with the CUSTOM action");
    if ((v = cfg__i_seq(spec, "rules", d))) {
        ap->rules = ms_xcalloc(v->u.seq.len, sizeof(*ap->rules));
        ap->nrules = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            decode_rule(v->u.seq.items[i], d, &ap->rules[i]);
    }
}
