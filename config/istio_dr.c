/*
 * istio_dr.c - decoding and validation of DestinationRule (networking.istio.io):
 * traffic policies (load balancer, connection pool, outlier detection, client
 * TLS, port-level settings) and subsets.
 *
 * Validation follows Istio's admission rules as summarised in
 * policy-semantics.md 3.7, 4.5 and 5.2: counts and limits must not be negative,
 * percentages lie in 0..100, consecutiveLocalOriginFailures needs
 * splitExternalLocalOriginErrors, a Maglev table size must be a prime below
 * 5000011, subset names are unique within a rule.
 */
#include <string.h>

#include "base/alloc.h"
#include "config/istio_int.h"
#include "config/units.h"

/* Trial division: only for Maglev table sizes, which are below 5000011. */
static bool is_prime(int64_t t)
{
    if (t < 2)
        return false;
    for (int64_t k = 2; k * k <= t; k++)
        if (t % k == 0)
            return false;
    return true;
}

/* A cookie attribute's name or value goes into a Set-Cookie header as is:
 * refuse what would break it (Envoy's CookieAttribute: header-name and
 * header-value characters). */
static bool cookie_text_ok(const char *s, bool is_name)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || c == ';' || (is_name && (c == ' ' || c == '=' || c == ',')))
            return false;
    }
    return true;
}

/* httpCookie.attributes: a list of {name, value}, kept in order (Envoy
 * appends them to the generated Set-Cookie after Path). */
static void decode_cookie_attributes(const cfg_node *n, ms_diag *d, pol_consistent_hash *h)
{
    static const char *const fields[] = {"name", "value"};
    if (cfg__i_absent(n) || cfg_expect_seq(n, d, "attributes") != 0)
        return;
    h->http_cookie.attributes = ms_xcalloc(n->u.seq.len ? n->u.seq.len : 1, sizeof *h->http_cookie.attributes);
    for (size_t i = 0; i < n->u.seq.len; i++) {
        const cfg_node *it = n->u.seq.items[i], *f;
        if (cfg__expect_fields(it, d, "cookie attribute", fields, CFG_COUNT(fields)) != 0)
            continue;
        const char *name = cfg__i_absent(f = cfg_map_get(it, "name")) ? NULL : cfg__i_string(f, d);
        if (!name || !*name) {
            ms_diag_error(d, it->pos, "a cookie attribute needs a name");
            continue;
        }
        if (!cookie_text_ok(name, true)) {
            ms_diag_error(d, f->pos, "invalid cookie attribute name \"%s\"", name);
            continue;
        }
        const char *value = cfg__i_opt_string(it, "value", d);
        if (value && !cookie_text_ok(value, false)) {
            ms_diag_error(d, cfg_map_get(it, "value")->pos, "invalid cookie attribute value \"%s\"", value);
            continue;
        }
        pol_header_kv *kv = &h->http_cookie.attributes[h->http_cookie.nattributes++];
        kv->name = name;
        kv->value = value ? value : "";
    }
}

static void decode_consistent_hash(const cfg_node *n, ms_diag *d, pol_consistent_hash *h)
{
    static const char *const fields[] = {
        "httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName",
        "ringHash", "maglev", "minimumRingSize",
    };
    static const char *const cookie_fields[] = {"name", "path", "ttl", "attributes"};
    static const char *const ring_fields[] = {"minimumRingSize"};
    static const char *const maglev_fields[] = {"tableSize"};
    h->pos = n->pos;
    if (cfg__expect_fields(n, d, "consistentHash", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v;
    int keys = 0;
    if (!cfg__i_absent(v = cfg_map_get(n, "httpHeaderName"))) {
        h->http_header_name = cfg__i_string(v, d);
        h->key = POL_HASH_KEY_HEADER;
        keys++;
    }
    if ((v = cfg__i_map(n, "httpCookie", d, cookie_fields, CFG_COUNT(cookie_fields)))) {
        const cfg_node *f;
        if (cfg__i_absent(f = cfg_map_get(v, "name")))
            ms_diag_error(d, v->pos, "httpCookie needs a name");
        else
            h->http_cookie.name = cfg__i_string(f, d);
        h->http_cookie.path = cfg__i_opt_string(v, "path", d);
        cfg__i_opt_duration(cfg_map_get(v, "ttl"), d, &h->http_cookie.ttl);
        decode_cookie_attributes(cfg_map_get(v, "attributes"), d, h);
        h->key = POL_HASH_KEY_COOKIE;
        keys++;
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "useSourceIp"))) {
        pol_opt_bool b = {0};
        cfg__i_opt_bool(v, d, &b);
        h->use_source_ip = b.v;
        if (b.v) {
            h->key = POL_HASH_KEY_SOURCE_IP;
            keys++;
        }
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "httpQueryParameterName"))) {
        h->http_query_parameter_name = cfg__i_string(v, d);
        h->key = POL_HASH_KEY_QUERY_PARAM;
        keys++;
    }
    if (keys > 1)
        ms_diag_error(d, n->pos, "consistentHash may use only one hash key");
    cfg__i_opt_int(cfg_map_get(n, "minimumRingSize"), d, 0, INT64_MAX, &h->minimum_ring_size);
    if ((v = cfg__i_map(n, "ringHash", d, ring_fields, CFG_COUNT(ring_fields)))) {
        h->algo = POL_HASH_ALGO_RING_HASH;
        cfg__i_opt_int(cfg_map_get(v, "minimumRingSize"), d, 0, INT64_MAX, &h->minimum_ring_size);
    }
    if (!(v = cfg__i_map(n, "maglev", d, maglev_fields, CFG_COUNT(maglev_fields))))
        return;
    if (h->algo == POL_HASH_ALGO_RING_HASH)
        ms_diag_error(d, v->pos, "ringHash and maglev cannot both be set");
    h->algo = POL_HASH_ALGO_MAGLEV;
    const cfg_node *ts = cfg_map_get(v, "tableSize");
    cfg__i_opt_int(ts, d, 0, INT64_MAX, &h->maglev_table_size);
    int64_t t = h->maglev_table_size.v;
    if (h->maglev_table_size.set && (!is_prime(t) || t >= 5000011))
        ms_diag_error(d, ts->pos, "maglev tableSize must be a prime below 5000011");
}

/* One localityLbSetting.distribute entry: {from, to: {locality: weight}}. */
static void decode_distribute(const cfg_node *it, ms_diag *d, pol_locality_distribute *ld)
{
    static const char *const fields[] = {"from", "to"};
    if (cfg__expect_fields(it, d, "distribute", fields, CFG_COUNT(fields)) != 0)
        return;
    ld->from = cfg__i_opt_string(it, "from", d);
    const cfg_node *to = cfg_map_get(it, "to");
    if (cfg__i_absent(to) || cfg_expect_map(to, d, "to") != 0)
        return;
    ld->to = ms_xcalloc(to->u.map.len, sizeof(*ld->to));
    CFG_MAP_EACH(p, to) {
        int64_t w;
        if (cfg_read_int(p->value, d, 0, UINT32_MAX, &w) != 0)
            continue;
        ld->to[ld->nto].locality = p->key->u.scalar.str;
        ld->to[ld->nto].weight = w;
        ld->nto++;
    }
}

static void decode_locality(const cfg_node *n, ms_diag *d, pol_locality_lb_setting *s)
{
    static const char *const fields[] = {"distribute", "failover", "failoverPriority", "enabled"};
    static const char *const fo_fields[] = {"from", "to"};
    s->pos = n->pos;
    if (cfg__expect_fields(n, d, "localityLbSetting", fields, CFG_COUNT(fields)) != 0)
        return;
    s->set = true;
    const cfg_node *v;
    if ((v = cfg__i_seq(n, "distribute", d))) {
        s->distribute = ms_xcalloc(v->u.seq.len, sizeof(*s->distribute));
        s->ndistribute = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            decode_distribute(v->u.seq.items[i], d, &s->distribute[i]);
    }
    if ((v = cfg__i_seq(n, "failover", d))) {
        s->failover = ms_xcalloc(v->u.seq.len, sizeof(*s->failover));
        s->nfailover = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++) {
            const cfg_node *it = v->u.seq.items[i];
            if (cfg__expect_fields(it, d, "failover", fo_fields, CFG_COUNT(fo_fields)) != 0)
                continue;
            s->failover[i].from = cfg__i_opt_string(it, "from", d);
            s->failover[i].to = cfg__i_opt_string(it, "to", d);
        }
    }
    cfg__i_str_list(cfg_map_get(n, "failoverPriority"), d, "failoverPriority",
                    &s->failover_priority);
    cfg__i_opt_bool(cfg_map_get(n, "enabled"), d, &s->enabled);
    if (s->ndistribute && s->nfailover)
        ms_diag_error(d, n->pos, "localityLbSetting may set only one of distribute or failover");
}

static void decode_lb(const cfg_node *n, ms_diag *d, pol_load_balancer_settings *lb)
{
    static const char *const fields[] = {
        "simple", "consistentHash", "localityLbSetting", "warmupDurationSecs", "warmup",
    };
    static const char *const warmup_fields[] = {"duration", "minimumPercent", "aggression"};
    lb->pos = n->pos;
    if (cfg__expect_fields(n, d, "loadBalancer", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v;
    int simple = cfg__i_opt_enum(n, "simple", d, pol_lb_simple_names);
    if (simple >= 0) {
        lb->simple = (pol_lb_simple)simple;
        lb->kind = POL_LB_KIND_SIMPLE;
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "consistentHash"))) {
        if (lb->kind == POL_LB_KIND_SIMPLE)
            ms_diag_error(d, v->pos, "simple and consistentHash cannot both be set");
        lb->kind = POL_LB_KIND_CONSISTENT_HASH;
        decode_consistent_hash(v, d, &lb->consistent_hash);
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "localityLbSetting")))
        decode_locality(v, d, &lb->locality_lb_setting);
    cfg__i_opt_duration(cfg_map_get(n, "warmupDurationSecs"), d, &lb->warmup_duration_secs);
    if ((v = cfg__i_map(n, "warmup", d, warmup_fields, CFG_COUNT(warmup_fields)))) {
        const cfg_node *f = cfg_map_get(v, "duration");
        lb->warmup.set = true;
        if (cfg__i_absent(f))
            ms_diag_error(d, v->pos, "warmup needs a duration");
        cfg__i_opt_duration(f, d, &lb->warmup.duration);
        cfg__i_opt_double(cfg_map_get(v, "minimumPercent"), d, 0, 100, &lb->warmup.minimum_percent);
        cfg__i_opt_double(cfg_map_get(v, "aggression"), d, 0, 1e9, &lb->warmup.aggression);
    }
}

static void decode_pool(const cfg_node *n, ms_diag *d, pol_connection_pool *cp)
{
    static const char *const fields[] = {"tcp", "http"};
    static const char *const tcp_fields[] = {
        "maxConnections", "connectTimeout", "tcpKeepalive", "maxConnectionDuration",
        "idleTimeout",
    };
    static const char *const ka_fields[] = {"probes", "time", "interval"};
    static const char *const http_fields[] = {
        "http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries",
        "idleTimeout", "h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams",
        "http2KeepAlive",
    };
    cp->pos = n->pos;
    if (cfg__expect_fields(n, d, "connectionPool", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *t = cfg__i_map(n, "tcp", d, tcp_fields, CFG_COUNT(tcp_fields)), *h, *v;
    if (t) {
        cp->tcp.set = true;
        cp->tcp.pos = t->pos;
        cfg__i_opt_int(cfg_map_get(t, "maxConnections"), d, 0, INT32_MAX, &cp->tcp.max_connections);
        cfg__i_opt_duration(cfg_map_get(t, "connectTimeout"), d, &cp->tcp.connect_timeout);
        cfg__i_opt_duration(cfg_map_get(t, "maxConnectionDuration"), d,
                            &cp->tcp.max_connection_duration);
        cfg__i_opt_duration(cfg_map_get(t, "idleTimeout"), d, &cp->tcp.idle_timeout);
        if ((v = cfg__i_map(t, "tcpKeepalive", d, ka_fields, CFG_COUNT(ka_fields)))) {
            cp->tcp.tcp_keepalive.set = true;
            cfg__i_opt_int(cfg_map_get(v, "probes"), d, 0, UINT32_MAX, &cp->tcp.tcp_keepalive.probes);
            cfg__i_opt_duration(cfg_map_get(v, "time"), d, &cp->tcp.tcp_keepalive.time);
            cfg__i_opt_duration(cfg_map_get(v, "interval"), d, &cp->tcp.tcp_keepalive.interval);
        }
    }
    if ((h = cfg__i_map(n, "http", d, http_fields, CFG_COUNT(http_fields)))) {
        cp->http.set = true;
        cp->http.pos = h->pos;
        cfg__i_opt_int(cfg_map_get(h, "http1MaxPendingRequests"), d, 0, INT32_MAX,
                       &cp->http.http1_max_pending_requests);
        cfg__i_opt_int(cfg_map_get(h, "http2MaxRequests"), d, 0, INT32_MAX,
                       &cp->http.http2_max_requests);
        cfg__i_opt_int(cfg_map_get(h, "maxRequestsPerConnection"), d, 0, INT32_MAX,
                       &cp->http.max_requests_per_connection);
        cfg__i_opt_int(cfg_map_get(h, "maxRetries"), d, 0, INT32_MAX, &cp->http.max_retries);
        cfg__i_opt_duration(cfg_map_get(h, "idleTimeout"), d, &cp->http.idle_timeout);
        int h2 = cfg__i_opt_enum(h, "h2UpgradePolicy", d, pol_h2_upgrade_names);
        if (h2 >= 0)
            cp->http.h2_upgrade_policy = (pol_h2_upgrade)h2;
        cfg__i_opt_bool(cfg_map_get(h, "useClientProtocol"), d, &cp->http.use_client_protocol);
        cfg__i_opt_int(cfg_map_get(h, "maxConcurrentStreams"), d, 0, INT32_MAX,
                       &cp->http.max_concurrent_streams);
    }
}

static void decode_outlier(const cfg_node *n, ms_diag *d, pol_outlier_detection *od)
{
    static const char *const fields[] = {
        "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures",
        "consecutiveGatewayErrors", "consecutive5xxErrors", "interval", "baseEjectionTime",
        "maxEjectionPercent", "minHealthPercent", "consecutiveErrors",
    };
    od->pos = n->pos;
    if (cfg__expect_fields(n, d, "outlierDetection", fields, CFG_COUNT(fields)) != 0)
        return;
    cfg__i_opt_bool(cfg_map_get(n, "splitExternalLocalOriginErrors"), d,
                    &od->split_external_local_origin_errors);
    const cfg_node *lo = cfg_map_get(n, "consecutiveLocalOriginFailures");
    cfg__i_opt_int(lo, d, 0, UINT32_MAX, &od->consecutive_local_origin_failures);
    cfg__i_opt_int(cfg_map_get(n, "consecutiveGatewayErrors"), d, 0, UINT32_MAX,
                   &od->consecutive_gateway_errors);
    cfg__i_opt_int(cfg_map_get(n, "consecutive5xxErrors"), d, 0, UINT32_MAX,
                   &od->consecutive_5xx_errors);
    cfg__i_opt_int(cfg_map_get(n, "consecutiveErrors"), d, 0, INT32_MAX, &od->consecutive_errors);
    cfg__i_opt_duration(cfg_map_get(n, "interval"), d, &od->interval);
    cfg__i_opt_duration(cfg_map_get(n, "baseEjectionTime"), d, &od->base_ejection_time);
    cfg__i_opt_int(cfg_map_get(n, "maxEjectionPercent"), d, 0, 100, &od->max_ejection_percent);
    cfg__i_opt_int(cfg_map_get(n, "minHealthPercent"), d, 0, 100, &od->min_health_percent);
    if (od->consecutive_local_origin_failures.v > 0 && !od->split_external_local_origin_errors.v)
        ms_diag_error(d, lo->pos,
                      "consecutiveLocalOriginFailures needs splitExternalLocalOriginErrors: true");
}

static void decode_client_tls(const cfg_node *n, ms_diag *d, pol_client_tls *t)
{
    static const char *const fields[] = {
        "mode", "clientCertificate", "privateKey", "caCertificates", "credentialName",
        "subjectAltNames", "sni", "insecureSkipVerify", "caCrl",
    };
    t->pos = n->pos;
    if (cfg__expect_fields(n, d, "tls", fields, CFG_COUNT(fields)) != 0)
        return;
    int mode = cfg__i_opt_enum(n, "mode", d, pol_client_tls_mode_names);
    if (mode >= 0)
        t->mode = (pol_client_tls_mode)mode;
    t->client_certificate = cfg__i_opt_string(n, "clientCertificate", d);
    t->private_key = cfg__i_opt_string(n, "privateKey", d);
    t->ca_certificates = cfg__i_opt_string(n, "caCertificates", d);
    t->credential_name = cfg__i_opt_string(n, "credentialName", d);
    t->sni = cfg__i_opt_string(n, "sni", d);
    cfg__i_str_list(cfg_map_get(n, "subjectAltNames"), d, "subjectAltNames", &t->subject_alt_names);
    cfg__i_opt_bool(cfg_map_get(n, "insecureSkipVerify"), d, &t->insecure_skip_verify);
}

static void decode_blocks(const cfg_node *n, ms_diag *d, pol_policy_blocks *b)
{
    const cfg_node *v;
    if (!cfg__i_absent(v = cfg_map_get(n, "loadBalancer"))) {
        b->has_load_balancer = true;
        decode_lb(v, d, &b->load_balancer);
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "connectionPool"))) {
        b->has_connection_pool = true;
        decode_pool(v, d, &b->connection_pool);
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "outlierDetection"))) {
        b->has_outlier_detection = true;
        decode_outlier(v, d, &b->outlier_detection);
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "tls"))) {
        b->has_tls = true;
        decode_client_tls(v, d, &b->tls);
    }
}

static void decode_traffic_policy(const cfg_node *n, ms_diag *d, pol_traffic_policy *tp)
{
    static const char *const fields[] = {
        "loadBalancer", "connectionPool", "outlierDetection", "tls", "portLevelSettings",
        "tunnel", "proxyProtocol", "retryBudget",
    };
    static const char *const port_fields[] = {
        "port", "loadBalancer", "connectionPool", "outlierDetection", "tls",
    };
    static const char *const number_fields[] = {"number"};
    tp->pos = n->pos;
    if (cfg__expect_fields(n, d, "trafficPolicy", fields, CFG_COUNT(fields)) != 0)
        return;
    decode_blocks(n, d, &tp->blocks);
    const cfg_node *pl = cfg__i_seq(n, "portLevelSettings", d);
    if (!pl)
        return;
    tp->port_level_settings = ms_xcalloc(pl->u.seq.len, sizeof(*tp->port_level_settings));
    tp->nport_level_settings = pl->u.seq.len;
    for (size_t i = 0; i < pl->u.seq.len; i++) {
        const cfg_node *it = pl->u.seq.items[i], *p;
        pol_port_traffic_policy *pp = &tp->port_level_settings[i];
        pp->pos = it->pos;
        if (cfg__expect_fields(it, d, "port level settings", port_fields, CFG_COUNT(port_fields)))
            continue;
        p = cfg_map_get(it, "port");
        if (cfg__i_absent(p))
            ms_diag_error(d, it->pos, "port level settings need a port");
        else if (cfg__expect_fields(p, d, "port", number_fields, CFG_COUNT(number_fields)) == 0)
            cfg__i_opt_int(cfg_map_get(p, "number"), d, 1, 65535, &pp->port);
        decode_blocks(it, d, &pp->blocks);
    }
}

/* Subset `i` of `subsets`; its name must differ from those of subsets[0..i). */
static void decode_subset(const cfg_node *it, ms_diag *d, pol_subset *subsets, size_t i)
{
    static const char *const fields[] = {"name", "labels", "trafficPolicy"};
    pol_subset *s = &subsets[i];
    s->pos = it->pos;
    if (cfg__expect_fields(it, d, "subset", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *f = cfg_map_get(it, "name");
    if (cfg__i_absent(f)) {
        ms_diag_error(d, it->pos, "subset needs a name");
    } else if ((s->name = cfg__i_string(f, d)) != NULL) {
        s->name_pos = f->pos;
        for (size_t j = 0; j < i; j++)
            if (subsets[j].name && strcmp(subsets[j].name, s->name) == 0)
                ms_diag_error(d, f->pos, "duplicate subset name \"%s\"", s->name);
    }
    cfg__i_labels(cfg_map_get(it, "labels"), d, "labels", &s->labels);
    if (!cfg__i_absent(f = cfg_map_get(it, "trafficPolicy"))) {
        s->has_traffic_policy = true;
        decode_traffic_policy(f, d, &s->traffic_policy);
    }
}

void cfg__i_decode_destination_rule(const cfg_node *spec, ms_diag *d, pol_destination_rule *dr)
{
    static const char *const fields[] = {
        "host", "trafficPolicy", "subsets", "exportTo", "workloadSelector",
    };
    if (cfg__expect_fields(spec, d, "spec", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v = cfg_map_get(spec, "host");
    if (cfg__i_absent(v))
        ms_diag_error(d, spec->pos, "missing field \"host\"");
    else if ((dr->host = cfg__i_string(v, d)) != NULL)
        dr->host_pos = v->pos;
    if (!cfg__i_absent(v = cfg_map_get(spec, "trafficPolicy"))) {
        dr->has_traffic_policy = true;
        decode_traffic_policy(v, d, &dr->traffic_policy);
    }
    cfg__i_str_list(cfg_map_get(spec, "exportTo"), d, "exportTo", &dr->export_to);
    cfg__i_selector(spec, "workloadSelector", d, &dr->workload_selector);
    if (!(v = cfg__i_seq(spec, "subsets", d)))
        return;
    dr->subsets = ms_xcalloc(v->u.seq.len, sizeof(*dr->subsets));
    dr->nsubsets = v->u.seq.len;
    for (size_t i = 0; i < v->u.seq.len; i++)
        decode_subset(v->u.seq.items[i], d, dr->subsets, i);
}
