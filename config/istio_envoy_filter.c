/*
 * istio_envoy_filter.c - the one EnvoyFilter shape meshsim simulates: an
 * HTTP_FILTER patch inserting Envoy's HTTP local rate limit
 * (envoy.filters.http.local_ratelimit) into the server sidecar's inbound
 * chain or the ingress gateway's, as Istio's "Enabling Rate Limits using Envoy" task writes it
 * (policy-semantics.md 8.1).
 *
 * An EnvoyFilter none of whose patches inserts that filter is not decoded (the
 * caller skips it with a warning, as before).  One that does is checked
 * strictly: unknown fields with did-you-mean, Envoy's own limits (max_tokens
 * > 0, tokens_per_fill > 0, fill_interval >= 50ms, fraction denominators),
 * protobuf JSON durations ("60s", "0.5s").  Contexts SIDECAR_INBOUND (the
 * server sidecar) and GATEWAY (the ingress gateway) are simulated.  What is
 * valid for Istio but not simulated is an error too, never silently dropped:
 * contexts ANY and SIDECAR_OUTBOUND, descriptors, per-connection or
 * cluster-shared buckets,
 * per-route (HTTP_ROUTE) limits.  Other patches of the same EnvoyFilter get
 * a warning and are ignored.  The LocalRateLimit fields are read in
 * snake_case or lowerCamelCase, as protobuf JSON allows; the config may be
 * given directly (@type LocalRateLimit) or wrapped in a udpa/xds TypedStruct.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "config/istio_int.h"
#include "config/units.h"

#define LRL_FILTER "envoy.filters.http.local_ratelimit"
#define LRL_TYPE "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"
#define HCM_FILTER "envoy.filters.network.http_connection_manager"

/* map[snake] or map[camel]. */
static const cfg_node *get2(const cfg_node *map, const char *snake, const char *camel)
{
    const cfg_node *v = cfg_map_get(map, snake);
    return v ? v : cfg_map_get(map, camel);
}

/* Does this patch value insert the local rate limit filter? */
static int is_lrl_value(const cfg_node *value)
{
    const char *name = cfg_str(cfg_map_get(value, "name"));
    return name && !strcmp(name, LRL_FILTER);
}

/* A protobuf JSON Duration: decimal seconds with an "s" suffix. */
static int read_pb_duration(const cfg_node *n, ms_diag *d, int64_t *out)
{
    const char *s = cfg_str(n);
    if (!s) {
        ms_diag_error(d, n->pos, "expected a duration such as \"60s\", found a %s", cfg_kind_name(n->kind));
        return -1;
    }
    const char *p = s;
    int64_t sec = 0, frac = 0, scale = 1000000000;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 12)
        sec = sec * 10 + (*p++ - '0'), digits++;
    if (*p == '.') {
        p++;
        int fd = 0;
        while (*p >= '0' && *p <= '9' && fd < 9)
            scale /= 10, frac += (*p++ - '0') * scale, fd++;
        if (fd == 0)
            digits = 0;
    }
    if (digits == 0 || strcmp(p, "s") != 0) {
        ms_diag_error(d, n->pos, "invalid duration \"%s\": a protobuf duration is seconds with an \"s\" suffix, such as \"60s\" or \"0.5s\"", s);
        return -1;
    }
    *out = sec * 1000000000 + frac;
    return 0;
}

/* filter_enabled / filter_enforced: {runtime_key, default_value: {numerator, denominator}} */
static void read_runtime_fraction(const cfg_node *n, ms_diag *d, const char *what, uint32_t *num,
                                  uint32_t *den)
{
    static const char *const fields[] = {"runtime_key", "runtimeKey", "default_value", "defaultValue"};
    static const char *const frac_fields[] = {"numerator", "denominator"};
    static const char *const dens[] = {"HUNDRED", "TEN_THOUSAND", "MILLION"};
    static const uint32_t den_values[] = {100, 10000, 1000000};
    if (cfg__expect_fields(n, d, what, fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *dv = get2(n, "default_value", "defaultValue");
    if (cfg__i_absent(dv)) {
        ms_diag_error(d, n->pos, "%s needs a default_value (the runtime key alone is 0%%)", what);
        return;
    }
    if (cfg__expect_fields(dv, d, "default_value", frac_fields, CFG_COUNT(frac_fields)) != 0)
        return;
    int64_t v = 0;
    const cfg_node *x = cfg_map_get(dv, "numerator");
    if (!cfg__i_absent(x) && cfg_read_int(x, d, 0, UINT32_MAX, &v) == 0)
        *num = (uint32_t)v;
    x = cfg_map_get(dv, "denominator");
    if (!cfg__i_absent(x)) {
        int k = cfg__i_enum(x, d, "denominator", dens, CFG_COUNT(dens));
        if (k >= 0)
            *den = den_values[k];
    }
}

static void decode_lrl(const cfg_node *cfg, ms_diag *d, pol_local_ratelimit *rl)
{
    static const char *const fields[] = {
        "stat_prefix", "statPrefix", "status", "token_bucket", "tokenBucket",
        "filter_enabled", "filterEnabled", "filter_enforced", "filterEnforced",
        "request_headers_to_add_when_not_enforced", "requestHeadersToAddWhenNotEnforced",
        "response_headers_to_add", "responseHeadersToAdd", "descriptors", "stage",
        "local_rate_limit_per_downstream_connection", "localRateLimitPerDownstreamConnection",
        "local_cluster_rate_limit", "localClusterRateLimit", "enable_x_ratelimit_headers",
        "enableXRatelimitHeaders", "vh_rate_limits", "vhRateLimits",
        "always_consume_default_token_bucket", "alwaysConsumeDefaultTokenBucket",
        "rate_limited_as_resource_exhausted", "rateLimitedAsResourceExhausted",
        "max_dynamic_descriptors", "maxDynamicDescriptors", "@type",
    };
    static const char *const bucket_fields[] = {
        "max_tokens", "maxTokens", "tokens_per_fill", "tokensPerFill", "fill_interval", "fillInterval",
    };
    if (cfg__expect_fields(cfg, d, "local rate limit", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v;
    if (cfg__i_absent(get2(cfg, "stat_prefix", "statPrefix")))
        ms_diag_error(d, cfg->pos, "local rate limit needs a stat_prefix");
    if (!cfg__i_absent(v = cfg_map_get(cfg, "descriptors")) &&
        (v->kind != CFG_SEQ || v->u.seq.len > 0))
        ms_diag_error(d, v->pos, "local rate limit descriptors are not simulated by this version of meshsim");
    const cfg_node *flags[] = {
        get2(cfg, "local_rate_limit_per_downstream_connection", "localRateLimitPerDownstreamConnection"),
        get2(cfg, "local_cluster_rate_limit", "localClusterRateLimit"),
    };
    for (size_t i = 0; i < 2; i++) {
        bool on = true;
        if (!cfg__i_absent(flags[i]) && (flags[i]->kind != CFG_SCALAR || cfg_read_bool(flags[i], d, &on) != 0 || on))
            ms_diag_error(d, flags[i]->pos, "%s local rate limit buckets are not simulated by this version of meshsim",
                          i == 0 ? "per-connection" : "cluster-shared");
    }
    rl->status = 429;
    if (!cfg__i_absent(v = cfg_map_get(cfg, "status"))) {
        static const char *const st_fields[] = {"code"};
        int64_t code;
        if (cfg__expect_fields(v, d, "status", st_fields, 1) == 0 &&
            !cfg__i_absent(cfg_map_get(v, "code")) &&
            cfg_read_int(cfg_map_get(v, "code"), d, 100, 599, &code) == 0)
            rl->status = code < 400 ? 429 : (int)code; /* Envoy: < 400 becomes 429 */
    }
    rl->enabled_denominator = rl->enforced_denominator = 100;
    if (!cfg__i_absent(v = get2(cfg, "filter_enabled", "filterEnabled")))
        read_runtime_fraction(v, d, "filter_enabled", &rl->enabled_numerator, &rl->enabled_denominator);
    if (!cfg__i_absent(v = get2(cfg, "filter_enforced", "filterEnforced")))
        read_runtime_fraction(v, d, "filter_enforced", &rl->enforced_numerator, &rl->enforced_denominator);
    v = get2(cfg, "token_bucket", "tokenBucket");
    if (cfg__i_absent(v)) {
        ms_diag_error(d, cfg->pos,
                      "local rate limit without a token_bucket (limits set per route) is not simulated by this version of meshsim");
        return;
    }
    if (cfg__expect_fields(v, d, "token_bucket", bucket_fields, CFG_COUNT(bucket_fields)) != 0)
        return;
    const cfg_node *x;
    int64_t n;
    if (cfg__i_absent(x = get2(v, "max_tokens", "maxTokens")))
        ms_diag_error(d, v->pos, "token_bucket needs max_tokens");
    else if (cfg_read_int(x, d, 1, UINT32_MAX, &n) == 0)
        rl->max_tokens = (uint32_t)n;
    rl->tokens_per_fill = 1;
    if (!cfg__i_absent(x = get2(v, "tokens_per_fill", "tokensPerFill")) &&
        cfg_read_int(x, d, 1, UINT32_MAX, &n) == 0)
        rl->tokens_per_fill = (uint32_t)n;
    if (cfg__i_absent(x = get2(v, "fill_interval", "fillInterval"))) {
        ms_diag_error(d, v->pos, "token_bucket needs fill_interval");
    } else if (read_pb_duration(x, d, &rl->fill_interval_ns) == 0 &&
               rl->fill_interval_ns < 50000000) {
        ms_diag_error(d, x->pos, "fill_interval must be at least 50ms (Envoy's local rate limiter), found %s",
                      cfg_str(x));
    }
}

/* patch.value: {name, typed_config: {@type LocalRateLimit ... | @type TypedStruct, type_url, value}} */
static void decode_value(const cfg_node *value, ms_diag *d, pol_local_ratelimit *rl)
{
    static const char *const fields[] = {"name", "typed_config", "typedConfig"};
    static const char *const ts_fields[] = {"@type", "type_url", "typeUrl", "value"};
    if (cfg__expect_fields(value, d, "patch value", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *tc = get2(value, "typed_config", "typedConfig");
    if (cfg__i_absent(tc) || cfg_expect_map(tc, d, "typed_config") != 0) {
        if (cfg__i_absent(tc))
            ms_diag_error(d, value->pos, "the local rate limit filter needs a typed_config");
        return;
    }
    const char *type = cfg_str(cfg_map_get(tc, "@type"));
    if (type && !strcmp(type, LRL_TYPE)) {
        decode_lrl(tc, d, rl);
        return;
    }
    if (type && (!strcmp(type, "type.googleapis.com/udpa.type.v1.TypedStruct") ||
                 !strcmp(type, "type.googleapis.com/xds.type.v3.TypedStruct"))) {
        if (cfg__expect_fields(tc, d, "typed_config", ts_fields, CFG_COUNT(ts_fields)) != 0)
            return;
        const char *url = cfg_str(get2(tc, "type_url", "typeUrl"));
        const cfg_node *inner = cfg_map_get(tc, "value");
        if (!url || strcmp(url, LRL_TYPE))
            ms_diag_error(d, tc->pos, "type_url must be %s", LRL_TYPE);
        else if (cfg__i_absent(inner))
            ms_diag_error(d, tc->pos, "TypedStruct needs a value");
        else
            decode_lrl(inner, d, rl);
        return;
    }
    const cfg_node *at = cfg_map_get(tc, "@type");
    ms_diag_error(d, at ? at->pos : tc->pos, "typed_config @type must be %s or a TypedStruct", LRL_TYPE);
}

/* match: {context, proxy, listener: {portNumber, filterChain: {filter: {name, subFilter: {name}}}}} */
static void decode_match(const cfg_node *match, ms_diag *d, pol_local_ratelimit *rl)
{
    static const char *const fields[] = {"context", "proxy", "listener", "routeConfiguration", "cluster"};
    static const char *const contexts[] = {"ANY", "SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY"};
    static const char *const listener_fields[] = {"portNumber", "filterChain", "name", "portName", "listenerFilter"};
    static const char *const chain_fields[] = {"filter", "name", "sni", "transportProtocol", "applicationProtocols", "destinationPort"};
    static const char *const filter_fields[] = {"name", "subFilter"};
    static const char *const sub_fields[] = {"name"};
    if (cfg__i_absent(match)) {
        ms_diag_error(d, rl->pos, "a local rate limit patch needs match.context SIDECAR_INBOUND or GATEWAY (context ANY is not simulated)");
        return;
    }
    if (cfg__expect_fields(match, d, "match", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v = cfg_map_get(match, "context");
    int ctx = cfg__i_absent(v) ? 0 : cfg__i_enum(v, d, "context", contexts, CFG_COUNT(contexts));
    if (ctx == 3)
        rl->context = POL_EF_GATEWAY;
    else if (ctx != 1 && (ctx >= 0 || cfg__i_absent(v)))
        ms_diag_error(d, v && !cfg__i_absent(v) ? v->pos : match->pos,
                      "local rate limits are simulated in contexts SIDECAR_INBOUND and GATEWAY, found %s",
                      contexts[ctx < 0 ? 0 : ctx]);
    for (size_t i = 3; i < CFG_COUNT(fields); i++)
        if (!cfg__i_absent(v = cfg_map_get(match, fields[i])))
            ms_diag_error(d, v->pos, "match.%s is not simulated for a local rate limit by this version of meshsim", fields[i]);
    const cfg_node *l = cfg__i_map(match, "listener", d, listener_fields, CFG_COUNT(listener_fields));
    if (!l)
        return;
    cfg__i_opt_int(cfg_map_get(l, "portNumber"), d, 1, 65535, &rl->port);
    for (size_t i = 2; i < CFG_COUNT(listener_fields); i++)
        if (!cfg__i_absent(v = cfg_map_get(l, listener_fields[i])))
            ms_diag_error(d, v->pos, "listener.%s is not simulated for a local rate limit by this version of meshsim", listener_fields[i]);
    const cfg_node *fc = cfg__i_map(l, "filterChain", d, chain_fields, CFG_COUNT(chain_fields));
    if (!fc)
        return;
    for (size_t i = 1; i < CFG_COUNT(chain_fields); i++)
        if (!cfg__i_absent(v = cfg_map_get(fc, chain_fields[i])))
            ms_diag_error(d, v->pos, "filterChain.%s is not simulated for a local rate limit by this version of meshsim", chain_fields[i]);
    const cfg_node *f = cfg__i_map(fc, "filter", d, filter_fields, CFG_COUNT(filter_fields));
    if (!f)
        return;
    const char *name = cfg__i_opt_string(f, "name", d);
    if (name && strcmp(name, HCM_FILTER))
        ms_diag_error(d, cfg_map_get(f, "name")->pos, "an HTTP filter patch matches filter %s, found %s",
                      HCM_FILTER, name);
    const cfg_node *sf = cfg__i_map(f, "subFilter", d, sub_fields, CFG_COUNT(sub_fields));
    if (sf)
        rl->sub_filter = cfg__i_opt_string(sf, "name", d);
}

static void decode_patch(const cfg_node *patch, const cfg_node *match, ms_diag *d, pol_local_ratelimit *rl)
{
    static const char *const fields[] = {"operation", "value", "filterClass"};
    static const char *const ops[] = {"INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST"};
    static const char *const classes[] = {"UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"};
    rl->pos = patch->pos;
    if (cfg__expect_fields(patch, d, "patch", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v = cfg_map_get(patch, "operation");
    if (cfg__i_absent(v)) {
        ms_diag_error(d, patch->pos, "patch needs an operation (INSERT_BEFORE, INSERT_AFTER or INSERT_FIRST)");
    } else {
        int op = cfg__i_enum(v, d, "operation", ops, CFG_COUNT(ops));
        if (op >= 0)
            rl->operation = (pol_ef_operation)op;
    }
    if (!cfg__i_absent(v = cfg_map_get(patch, "filterClass"))) {
        int fc = cfg__i_enum(v, d, "filterClass", classes, CFG_COUNT(classes));
        if (fc >= 0)
            rl->filter_class = (pol_ef_filter_class)fc;
    }
    decode_match(match, d, rl);
    decode_value(cfg_map_get(patch, "value"), d, rl);
}

/* Does the patch set a per-route local rate limit (typed_per_filter_config)? */
static int mentions_lrl(const cfg_node *n)
{
    if (!n)
        return 0;
    if (n->kind == CFG_SCALAR) {
        const char *s = cfg_str(n);
        return s && (!strcmp(s, LRL_FILTER) || !strcmp(s, LRL_TYPE));
    }
    if (n->kind == CFG_SEQ) {
        for (size_t i = 0; i < n->u.seq.len; i++)
            if (mentions_lrl(n->u.seq.items[i]))
                return 1;
        return 0;
    }
    CFG_MAP_EACH(p, n)
        if (mentions_lrl(p->key) || mentions_lrl(p->value))
            return 1;
    return 0;
}

int cfg__i_decode_envoy_filter(const cfg_doc *doc, ms_diag *d, cfg_k8s_istio_local_ratelimits *out)
{
    const cfg_node *spec = cfg_map_get(doc->root, "spec");
    const cfg_node *patches = cfg_map_get(spec, "configPatches");
    if (!patches || patches->kind != CFG_SEQ)
        return 0;
    int ours = 0;
    for (size_t i = 0; i < patches->u.seq.len && !ours; i++)
        ours = mentions_lrl(patches->u.seq.items[i]);
    if (!ours)
        return 0;
    static const char *const fields[] = {"workloadSelector", "targetRefs", "configPatches", "priority"};
    static const char *const cp_fields[] = {"applyTo", "match", "patch"};
    static const char *const ws_fields[] = {"labels"};
    pol_meta meta = {0};
    cfg__i_meta(doc->root, d, &meta);
    if (cfg__expect_fields(spec, d, "spec", fields, CFG_COUNT(fields)) != 0)
        return 1;
    const cfg_node *v;
    if (!cfg__i_absent(v = cfg_map_get(spec, "targetRefs")))
        ms_diag_error(d, v->pos, "an EnvoyFilter with targetRefs is not simulated by this version of meshsim");
    pol_labels selector = {0};
    if ((v = cfg__i_map(spec, "workloadSelector", d, ws_fields, CFG_COUNT(ws_fields))))
        cfg__i_labels(cfg_map_get(v, "labels"), d, "labels", &selector);
    int used_selector = 0;
    for (size_t i = 0; i < patches->u.seq.len; i++) {
        const cfg_node *cp = patches->u.seq.items[i];
        if (cfg__expect_fields(cp, d, "configPatch", cp_fields, CFG_COUNT(cp_fields)) != 0)
            continue;
        const char *apply = cfg_str(cfg_map_get(cp, "applyTo"));
        const cfg_node *patch = cfg_map_get(cp, "patch");
        const cfg_node *value = cfg_map_get(patch, "value");
        if (apply && !strcmp(apply, "HTTP_FILTER") && is_lrl_value(value)) {
            pol_local_ratelimit *rl;
            MS_VEC_GROW(*out->arr, *out->len, *out->cap);
            rl = &(*out->arr)[(*out->len)++];
            memset(rl, 0, sizeof *rl);
            rl->meta = meta;
            if (!used_selector++)
                rl->workload_selector = selector;
            else if (selector.len) {
                rl->workload_selector.items = ms_xcalloc(selector.len, sizeof *selector.items);
                memcpy(rl->workload_selector.items, selector.items, selector.len * sizeof *selector.items);
                rl->workload_selector.len = selector.len;
            }
            decode_patch(patch, cfg_map_get(cp, "match"), d, rl);
        } else if (mentions_lrl(cp)) {
            ms_diag_error(d, cp->pos,
                          "this local rate limit patch (applyTo %s) is not simulated by this version of meshsim; "
                          "only an HTTP_FILTER patch inserting %s is", apply ? apply : "?", LRL_FILTER);
        } else {
            ms_diag_warning(d, cp->pos, "EnvoyFilter patch ignored: not modelled by meshsim");
        }
    }
    if (!used_selector)
        pol_labels_fini(&selector);
    return 1;
}
