/*
 * resources.c - release functions, label helpers and enum-name tables for the
 * Istio resource structs of resources.h.
 *
 * Invariant: a resource owns only its arrays; strings are borrowed from the
 * decoder, so nothing here ever frees a string.  Every _fini leaves the struct
 * zeroed so a second _fini is harmless.
 */
#include "policy/resources.h"

#include <stdlib.h>
#include <string.h>

void pol_str_list_fini(pol_str_list *l)
{
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void pol_labels_fini(pol_labels *l)
{
    free(l->items);
    memset(l, 0, sizeof(*l));
}

const char *pol_labels_get(const pol_labels *l, const char *key)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].value;
    return NULL;
}

bool pol_labels_subset(const pol_labels *sel, const pol_labels *labels)
{
    for (size_t i = 0; i < sel->len; i++) {
        const char *v = pol_labels_get(labels, sel->items[i].key);
        if (!v || strcmp(v, sel->items[i].value) != 0)
            return false;
    }
    return true;
}

/* --- VirtualService ------------------------------------------------------- */

static void header_ops_fini(pol_header_ops *o)
{
    free(o->set);
    free(o->add);
    pol_str_list_fini(&o->remove);
}

static void headers_fini(pol_headers *h)
{
    header_ops_fini(&h->request);
    header_ops_fini(&h->response);
}

static void route_destinations_fini(pol_route_destination *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        headers_fini(&d[i].headers);
    free(d);
}

void pol_http_match_fini(pol_http_match *m)
{
    free(m->headers.items);
    free(m->without_headers.items);
    free(m->query_params.items);
    pol_labels_fini(&m->source_labels);
    pol_str_list_fini(&m->gateways);
    memset(m, 0, sizeof(*m));
}

void pol_http_route_fini(pol_http_route *r)
{
    for (size_t i = 0; i < r->nmatch; i++)
        pol_http_match_fini(&r->match[i]);
    free(r->match);
    route_destinations_fini(r->route, r->nroute);
    free(r->mirrors);
    headers_fini(&r->headers);
    free(r->cors_policy.allow_origins);
    pol_str_list_fini(&r->cors_policy.allow_methods);
    pol_str_list_fini(&r->cors_policy.allow_headers);
    pol_str_list_fini(&r->cors_policy.expose_headers);
    memset(r, 0, sizeof(*r));
}

static void l4_routes_fini(pol_l4_route *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < r[i].nmatch; j++) {
            pol_l4_match *m = &r[i].match[j];
            pol_str_list_fini(&m->sni_hosts);
            pol_str_list_fini(&m->destination_subnets);
            pol_labels_fini(&m->source_labels);
            pol_str_list_fini(&m->gateways);
        }
        free(r[i].match);
        route_destinations_fini(r[i].route, r[i].nroute);
    }
    free(r);
}

void pol_virtual_service_fini(pol_virtual_service *vs)
{
    if (!vs)
        return;
    pol_str_list_fini(&vs->hosts);
    pol_str_list_fini(&vs->gateways);
    for (size_t i = 0; i < vs->nhttp; i++)
        pol_http_route_fini(&vs->http[i]);
    free(vs->http);
    l4_routes_fini(vs->tcp, vs->ntcp);
    l4_routes_fini(vs->tls, vs->ntls);
    pol_str_list_fini(&vs->export_to);
    memset(vs, 0, sizeof(*vs));
}

/* --- DestinationRule ------------------------------------------------------ */

static void blocks_fini(pol_policy_blocks *b)
{
    free(b->load_balancer.consistent_hash.http_cookie.attributes);
    pol_locality_lb_setting *loc = &b->load_balancer.locality_lb_setting;
    for (size_t i = 0; i < loc->ndistribute; i++)
        free(loc->distribute[i].to);
    free(loc->distribute);
    free(loc->failover);
    pol_str_list_fini(&loc->failover_priority);
    pol_str_list_fini(&b->tls.subject_alt_names);
    memset(b, 0, sizeof(*b));
}

void pol_traffic_policy_fini(pol_traffic_policy *tp)
{
    blocks_fini(&tp->blocks);
    for (size_t i = 0; i < tp->nport_level_settings; i++)
        blocks_fini(&tp->port_level_settings[i].blocks);
    free(tp->port_level_settings);
    memset(tp, 0, sizeof(*tp));
}

void pol_destination_rule_fini(pol_destination_rule *dr)
{
    if (!dr)
        return;
    pol_traffic_policy_fini(&dr->traffic_policy);
    for (size_t i = 0; i < dr->nsubsets; i++) {
        pol_labels_fini(&dr->subsets[i].labels);
        pol_traffic_policy_fini(&dr->subsets[i].traffic_policy);
    }
    free(dr->subsets);
    pol_str_list_fini(&dr->export_to);
    pol_labels_fini(&dr->workload_selector);
    memset(dr, 0, sizeof(*dr));
}

/* --- Gateway, ServiceEntry, security ---------------------------------------- */

void pol_gateway_fini(pol_gateway *gw)
{
    if (!gw)
        return;
    pol_labels_fini(&gw->selector);
    for (size_t i = 0; i < gw->nservers; i++) {
        pol_server *s = &gw->servers[i];
        pol_str_list_fini(&s->hosts);
        pol_str_list_fini(&s->tls.credential_names);
        pol_str_list_fini(&s->tls.subject_alt_names);
        pol_str_list_fini(&s->tls.cipher_suites);
    }
    free(gw->servers);
    memset(gw, 0, sizeof(*gw));
}

void pol_service_entry_fini(pol_service_entry *se)
{
    if (!se)
        return;
    pol_str_list_fini(&se->hosts);
    pol_str_list_fini(&se->addresses);
    free(se->ports);
    for (size_t i = 0; i < se->nendpoints; i++) {
        free(se->endpoints[i].ports);
        pol_labels_fini(&se->endpoints[i].labels);
    }
    free(se->endpoints);
    pol_labels_fini(&se->workload_selector);
    pol_str_list_fini(&se->export_to);
    pol_str_list_fini(&se->subject_alt_names);
    memset(se, 0, sizeof(*se));
}

void pol_peer_authentication_fini(pol_peer_authentication *pa)
{
    if (!pa)
        return;
    pol_labels_fini(&pa->selector);
    free(pa->port_level_mtls);
    memset(pa, 0, sizeof(*pa));
}

void pol_authorization_policy_fini(pol_authorization_policy *ap)
{
    if (!ap)
        return;
    pol_labels_fini(&ap->selector);
    for (size_t i = 0; i < ap->nrules; i++) {
        pol_authz_rule *r = &ap->rules[i];
        for (size_t j = 0; j < r->nfrom; j++) {
            pol_authz_source *f = &r->from[j];
            pol_str_list *lists[] = {
                &f->principals, &f->not_principals, &f->request_principals,
                &f->not_request_principals, &f->namespaces, &f->not_namespaces,
                &f->service_accounts, &f->not_service_accounts, &f->ip_blocks,
                &f->not_ip_blocks, &f->remote_ip_blocks, &f->not_remote_ip_blocks,
            };
            for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
                pol_str_list_fini(lists[k]);
        }
        free(r->from);
        for (size_t j = 0; j < r->nto; j++) {
            pol_authz_operation *o = &r->to[j];
            pol_str_list *lists[] = {
                &o->hosts, &o->not_hosts, &o->ports, &o->not_ports,
                &o->methods, &o->not_methods, &o->paths, &o->not_paths,
            };
            for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
                pol_str_list_fini(lists[k]);
        }
        free(r->to);
        for (size_t j = 0; j < r->nwhen; j++) {
            pol_str_list_fini(&r->when[j].values);
            pol_str_list_fini(&r->when[j].not_values);
        }
        free(r->when);
    }
    free(ap->rules);
    memset(ap, 0, sizeof(*ap));
}

/* --- enum names (index = enum value) -------------------------------------- */

static const char *const lb_simple_names[] = {
    "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST",
};
static const char *const client_tls_names[] = {"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"};
static const char *const server_tls_names[] = {
    "PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL",
};
static const char *const se_location_names[] = {"MESH_EXTERNAL", "MESH_INTERNAL"};
static const char *const se_resolution_names[] = {
    "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS",
};
static const char *const mtls_names[] = {"UNSET", "DISABLE", "PERMISSIVE", "STRICT"};
static const char *const authz_action_names[] = {"ALLOW", "DENY", "AUDIT", "CUSTOM"};
static const char *const h2_upgrade_names[] = {"DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"};
static const char *const derive_port_names[] = {
    "UNSET", "FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT",
};

#define NAMES_FN(fn, table)                                                   \
    const char *const *fn(size_t *n)                                          \
    {                                                                         \
        *n = sizeof(table) / sizeof(table[0]);                                \
        return table;                                                         \
    }

NAMES_FN(pol_lb_simple_names, lb_simple_names)
NAMES_FN(pol_client_tls_mode_names, client_tls_names)
NAMES_FN(pol_server_tls_mode_names, server_tls_names)
NAMES_FN(pol_se_location_names, se_location_names)
NAMES_FN(pol_se_resolution_names, se_resolution_names)
NAMES_FN(pol_mtls_mode_names, mtls_names)
NAMES_FN(pol_authz_action_names, authz_action_names)
NAMES_FN(pol_h2_upgrade_names, h2_upgrade_names)
NAMES_FN(pol_derive_port_names, derive_port_names)

int pol_enum_lookup(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

void pol_local_ratelimit_fini(pol_local_ratelimit *rl)
{
    if (rl)
        pol_labels_fini(&rl->workload_selector);
}
