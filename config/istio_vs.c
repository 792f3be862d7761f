/*
 * istio_vs.c - decoding and validation of VirtualService (networking.istio.io).
 *
 * Fills a pol_virtual_service from the document's spec, reporting unknown
 * fields, wrong types and the validation rules Istio applies at admission
 * (policy-semantics.md 1.10, 6.1, 7.3, 7.4): one action per rule, weights >= 0
 * with a positive total when there are several destinations, retry attempts >= 0
 * and no retry options with attempts 0, known retryOn tokens, fault delay >= 1ms,
 * abort status 200..599, redirect codes 301/302/303/307/308.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "config/istio_int.h"
#include "config/units.h"

#define MS_PER_NS 1000000LL

static void decode_match(const cfg_node *n, ms_diag *d, pol_http_match *m)
{
    static const char *const fields[] = {
        "name",          "uri",          "scheme",         "method",     "authority",
        "headers",       "port",         "sourceLabels",   "gateways",   "queryParams",
        "ignoreUriCase", "withoutHeaders", "sourceNamespace", "statPrefix",
    };
    m->pos = n->pos;
    if (cfg__expect_fields(n, d, "match", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v;
    m->name = cfg__i_opt_string(n, "name", d);
    cfg__i_string_match(cfg_map_get(n, "uri"), d, &m->uri);
    cfg__i_string_match(cfg_map_get(n, "scheme"), d, &m->scheme);
    cfg__i_string_match(cfg_map_get(n, "method"), d, &m->method);
    cfg__i_string_match(cfg_map_get(n, "authority"), d, &m->authority);
    cfg__i_named_matches(cfg_map_get(n, "headers"), d, "headers", &m->headers);
    cfg__i_named_matches(cfg_map_get(n, "withoutHeaders"), d, "withoutHeaders",
                         &m->without_headers);
    cfg__i_named_matches(cfg_map_get(n, "queryParams"), d, "queryParams", &m->query_params);
    for (size_t i = 0; i < m->headers.len; i++) {
        const char *h = m->headers.items[i].name;
        for (const char *c = h; *c; c++)
            if (*c >= 'A' && *c <= 'Z') {
                ms_diag_error(d, m->headers.items[i].match.pos,
                              "header name \"%s\" must be lowercase", h);
                break;
            }
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "ignoreUriCase"))) {
        pol_opt_bool b = {0};
        cfg__i_opt_bool(v, d, &b);
        m->ignore_uri_case = b.v;
    }
    cfg__i_opt_int(cfg_map_get(n, "port"), d, 1, 65535, &m->port);
    cfg__i_labels(cfg_map_get(n, "sourceLabels"), d, "sourceLabels", &m->source_labels);
    cfg__i_str_list(cfg_map_get(n, "gateways"), d, "gateways", &m->gateways);
    m->source_namespace = cfg__i_opt_string(n, "sourceNamespace", d);
}

static const char *const retry_on_tokens[] = {
    "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure",
    "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
    "envoy-ratelimited", "http3-post-connect-failure", "cancelled", "deadline-exceeded",
    "internal", "resource-exhausted", "unavailable",
};

static int is_status_code(const char *s, size_t len)
{
    if (len != 3)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    int v = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    return v >= 100 && v <= 599;
}

static void check_retry_on(const cfg_node *n, ms_diag *d, const char *s)
{
    const char *p = s;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *b = p, *t = p + len;
        while (b < t && (*b == ' ' || *b == '\t'))
            b++;
        while (t > b && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        size_t tl = (size_t)(t - b);
        int ok = tl == 0 || is_status_code(b, tl);
        for (size_t i = 0; !ok && i < CFG_COUNT(retry_on_tokens); i++)
            ok = strlen(retry_on_tokens[i]) == tl && memcmp(retry_on_tokens[i], b, tl) == 0;
        if (!ok)
            ms_diag_error(d, n->pos, "invalid retryOn policy \"%.*s\"", (int)tl, b);
        p += len;
        if (*p == ',')
            p++;
    }
}

static void decode_retries(const cfg_node *n, ms_diag *d, pol_http_retry *r)
{
    static const char *const fields[] = {
        "attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities",
        "retryIgnorePreviousHosts", "backoff",
    };
    r->pos = n->pos;
    if (cfg__expect_fields(n, d, "retries", fields, CFG_COUNT(fields)) != 0)
        return;
    r->set = true;
    const cfg_node *v;
    cfg__i_opt_int_rule(cfg_map_get(n, "attempts"), d, 0, INT32_MAX,
                        "attempts must not be negative", &r->attempts);
    cfg__i_opt_duration(v = cfg_map_get(n, "perTryTimeout"), d, &r->per_try_timeout);
    if (r->per_try_timeout.set && r->per_try_timeout.ns < MS_PER_NS)
        ms_diag_error(d, v->pos, "perTryTimeout must be at least 1ms");
    if (!cfg__i_absent(v = cfg_map_get(n, "retryOn")) && (r->retry_on = cfg__i_string(v, d)))
        check_retry_on(v, d, r->retry_on);
    cfg__i_opt_bool(cfg_map_get(n, "retryRemoteLocalities"), d, &r->retry_remote_localities);
    cfg__i_opt_bool(cfg_map_get(n, "retryIgnorePreviousHosts"), d,
                    &r->retry_ignore_previous_hosts);
    cfg__i_opt_duration(cfg_map_get(n, "backoff"), d, &r->backoff);
    if (r->attempts.set && r->attempts.v == 0 &&
        (r->per_try_timeout.set || r->retry_on || r->retry_remote_localities.set))
        ms_diag_error(d, n->pos,
                      "perTryTimeout, retryOn and retryRemoteLocalities need attempts > 0");
}

static void decode_fault(const cfg_node *n, ms_diag *d, pol_fault_injection *f)
{
    static const char *const fields[] = {"delay", "abort"};
    static const char *const delay_fields[] = {
        "fixedDelay", "exponentialDelay", "percentage", "percent",
    };
    static const char *const abort_fields[] = {
        "httpStatus", "grpcStatus", "http2Error", "percentage",
    };
    f->pos = n->pos;
    if (cfg__expect_fields(n, d, "fault", fields, CFG_COUNT(fields)) != 0)
        return;
    f->set = true;
    const cfg_node *dl = cfg_map_get(n, "delay"), *ab = cfg_map_get(n, "abort"), *v;
    if (cfg__i_absent(dl) && cfg__i_absent(ab))
        ms_diag_error(d, n->pos, "fault must have a delay or an abort");
    if (!cfg__i_absent(dl) &&
        cfg__expect_fields(dl, d, "delay", delay_fields, CFG_COUNT(delay_fields)) == 0) {
        f->delay.set = true;
        f->delay.pos = dl->pos;
        if (!cfg__i_absent(v = cfg_map_get(dl, "exponentialDelay")))
            ms_diag_error(d, v->pos, "exponentialDelay is not supported");
        v = cfg_map_get(dl, "fixedDelay");
        if (cfg__i_absent(v)) {
            ms_diag_error(d, dl->pos, "delay needs fixedDelay");
        } else {
            cfg__i_opt_duration(v, d, &f->delay.fixed_delay);
            if (f->delay.fixed_delay.set && f->delay.fixed_delay.ns < MS_PER_NS)
                ms_diag_error(d, v->pos, "fixedDelay must be at least 1ms");
        }
        cfg__i_percent(cfg_map_get(dl, "percentage"), d, &f->delay.percentage);
        cfg__i_opt_int(cfg_map_get(dl, "percent"), d, 0, 100, &f->delay.percent);
    }
    if (!cfg__i_absent(ab) &&
        cfg__expect_fields(ab, d, "abort", abort_fields, CFG_COUNT(abort_fields)) == 0) {
        f->abort.set = true;
        f->abort.pos = ab->pos;
        if (!cfg__i_absent(v = cfg_map_get(ab, "http2Error")))
            ms_diag_error(d, v->pos, "http2Error is not supported");
        cfg__i_opt_int_rule(cfg_map_get(ab, "httpStatus"), d, 200, 599,
                            "httpStatus must be in 200-599", &f->abort.http_status);
        f->abort.grpc_status = cfg__i_opt_string(ab, "grpcStatus", d);
        if (cfg__i_absent(cfg_map_get(ab, "httpStatus")) &&
            cfg__i_absent(cfg_map_get(ab, "grpcStatus")) &&
            cfg__i_absent(cfg_map_get(ab, "http2Error")))
            ms_diag_error(d, ab->pos, "abort needs httpStatus or grpcStatus");
        cfg__i_percent(cfg_map_get(ab, "percentage"), d, &f->abort.percentage);
    }
}

static void decode_redirect(const cfg_node *n, ms_diag *d, pol_http_redirect *r)
{
    static const char *const fields[] = {
        "uri", "authority", "port", "derivePort", "scheme", "redirectCode",
    };
    r->pos = n->pos;
    if (cfg__expect_fields(n, d, "redirect", fields, CFG_COUNT(fields)) != 0)
        return;
    r->set = true;
    const cfg_node *v;
    r->uri = cfg__i_opt_string(n, "uri", d);
    r->authority = cfg__i_opt_string(n, "authority", d);
    r->scheme = cfg__i_opt_string(n, "scheme", d);
    cfg__i_opt_int(cfg_map_get(n, "port"), d, 1, 65535, &r->port);
    if (!cfg__i_absent(v = cfg_map_get(n, "derivePort"))) {
        size_t nn;
        const char *const *names = pol_derive_port_names(&nn);
        int e = cfg__i_enum(v, d, "derivePort", names + 1, nn - 1);
        if (e >= 0)
            r->derive_port = (pol_derive_port)(e + 1);
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "redirectCode"))) {
        cfg__i_opt_int(v, d, 0, 999, &r->redirect_code);
        int64_t c = r->redirect_code.v;
        if (r->redirect_code.set && c != 301 && c != 302 && c != 303 && c != 307 && c != 308) {
            ms_diag_error(d, v->pos, "redirectCode must be 301, 302, 303, 307 or 308, found %lld",
                          (long long)c);
            r->redirect_code.set = false;
        }
    }
}

static void decode_rewrite(const cfg_node *n, ms_diag *d, pol_http_rewrite *r)
{
    static const char *const fields[] = {"uri", "authority", "uriRegexRewrite"};
    static const char *const rx_fields[] = {"match", "rewrite"};
    r->pos = n->pos;
    if (cfg__expect_fields(n, d, "rewrite", fields, CFG_COUNT(fields)) != 0)
        return;
    r->set = true;
    const cfg_node *v;
    r->uri = cfg__i_opt_string(n, "uri", d);
    r->authority = cfg__i_opt_string(n, "authority", d);
    if ((v = cfg__i_map(n, "uriRegexRewrite", d, rx_fields, CFG_COUNT(rx_fields)))) {
        r->uri_regex_match = cfg__i_opt_string(v, "match", d);
        r->uri_regex_rewrite = cfg__i_opt_string(v, "rewrite", d);
        if (r->uri)
            ms_diag_error(d, v->pos, "uri and uriRegexRewrite cannot both be set");
    }
}

static void decode_direct_response(const cfg_node *n, ms_diag *d, pol_direct_response *r)
{
    static const char *const fields[] = {"status", "body"};
    static const char *const body_fields[] = {"string", "bytes"};
    r->pos = n->pos;
    if (cfg__expect_fields(n, d, "directResponse", fields, CFG_COUNT(fields)) != 0)
        return;
    r->set = true;
    const cfg_node *v = cfg_map_get(n, "status");
    pol_opt_int status = {0};
    if (cfg__i_absent(v))
        ms_diag_error(d, n->pos, "directResponse needs a status");
    cfg__i_opt_int_rule(v, d, 200, 599, "status must be in 200-599", &status);
    r->status = status.v;
    if ((v = cfg__i_map(n, "body", d, body_fields, CFG_COUNT(body_fields)))) {
        const cfg_node *s = cfg_map_get(v, "string"), *b = cfg_map_get(v, "bytes");
        if (!cfg__i_absent(s))
            r->body = cfg__i_string(s, d);
        else if (!cfg__i_absent(b)) {
            r->body = cfg__i_string(b, d);
            r->body_is_bytes = true;
        }
    }
}

static void decode_cors(const cfg_node *n, ms_diag *d, pol_cors_policy *c)
{
    static const char *const fields[] = {
        "allowOrigins", "allowOrigin", "allowMethods", "allowHeaders", "exposeHeaders",
        "maxAge", "allowCredentials", "unmatchedPreflights",
    };
    c->pos = n->pos;
    if (cfg__expect_fields(n, d, "corsPolicy", fields, CFG_COUNT(fields)) != 0)
        return;
    c->set = true;
    const cfg_node *v = cfg__i_seq(n, "allowOrigins", d);
    if (v) {
        c->allow_origins = ms_xcalloc(v->u.seq.len, sizeof(pol_string_match));
        c->n_allow_origins = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            cfg__i_string_match(v->u.seq.items[i], d, &c->allow_origins[i]);
    }
    pol_str_list legacy = {0};
    cfg__i_str_list(cfg_map_get(n, "allowOrigin"), d, "allowOrigin", &legacy);
    pol_str_list_fini(&legacy);
    cfg__i_str_list(cfg_map_get(n, "allowMethods"), d, "allowMethods", &c->allow_methods);
    cfg__i_str_list(cfg_map_get(n, "allowHeaders"), d, "allowHeaders", &c->allow_headers);
    cfg__i_str_list(cfg_map_get(n, "exposeHeaders"), d, "exposeHeaders", &c->expose_headers);
    cfg__i_opt_duration(cfg_map_get(n, "maxAge"), d, &c->max_age);
    cfg__i_opt_bool(cfg_map_get(n, "allowCredentials"), d, &c->allow_credentials);
    if (!cfg__i_absent(v = cfg_map_get(n, "unmatchedPreflights"))) {
        static const char *const modes[] = {"UNSPECIFIED", "FORWARD", "IGNORE"};
        int e = cfg__i_enum(v, d, "unmatchedPreflights", modes, CFG_COUNT(modes));
        if (e >= 0)
            c->unmatched_preflights = modes[e];
    }
}

static void check_weights(const pol_http_route *r, const cfg_node *n, ms_diag *d)
{
    if (r->nroute < 2)
        return;
    int64_t total = 0;
    for (size_t i = 0; i < r->nroute; i++)
        total += r->route[i].weight.set ? r->route[i].weight.v : 0;
    if (total == 0)
        ms_diag_error(d, cfg_map_get(n, "route")->pos,
                      "total destination weight must be greater than 0");
}

static void decode_http_route(const cfg_node *n, ms_diag *d, pol_http_route *r)
{
    static const char *const fields[] = {
        "name",     "match",   "route",   "redirect", "directResponse", "delegate",
        "rewrite",  "timeout", "retries", "fault",    "mirror",         "mirrors",
        "mirrorPercentage", "mirrorPercent", "mirror_percent", "corsPolicy", "headers",
    };
    r->pos = n->pos;
    if (cfg__expect_fields(n, d, "http route", fields, CFG_COUNT(fields)) != 0)
        return;
    const cfg_node *v;
    r->name = cfg__i_opt_string(n, "name", d);
    if ((v = cfg__i_seq(n, "match", d))) {
        r->match = ms_xcalloc(v->u.seq.len, sizeof(*r->match));
        r->nmatch = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++)
            decode_match(v->u.seq.items[i], d, &r->match[i]);
    }
    cfg__i_route_destinations(cfg_map_get(n, "route"), d, &r->route, &r->nroute);
    check_weights(r, n, d);
    if (!cfg__i_absent(v = cfg_map_get(n, "redirect")))
        decode_redirect(v, d, &r->redirect);
    if (!cfg__i_absent(v = cfg_map_get(n, "directResponse")))
        decode_direct_response(v, d, &r->direct_response);
    if (!cfg__i_absent(v = cfg_map_get(n, "delegate"))) {
        static const char *const dfields[] = {"name", "namespace"};
        r->delegate.pos = v->pos;
        if (cfg__expect_fields(v, d, "delegate", dfields, CFG_COUNT(dfields)) == 0) {
            const cfg_node *nm = cfg_map_get(v, "name");
            r->delegate.set = true;
            if (cfg__i_absent(nm))
                ms_diag_error(d, v->pos, "delegate needs a name");
            else
                r->delegate.name = cfg__i_string(nm, d);
            r->delegate.ns = cfg__i_opt_string(v, "namespace", d);
        }
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "rewrite")))
        decode_rewrite(v, d, &r->rewrite);
    cfg__i_opt_duration(cfg_map_get(n, "timeout"), d, &r->timeout);
    if (!cfg__i_absent(v = cfg_map_get(n, "retries")))
        decode_retries(v, d, &r->retries);
    if (!cfg__i_absent(v = cfg_map_get(n, "fault")))
        decode_fault(v, d, &r->fault);
    if (!cfg__i_absent(v = cfg_map_get(n, "mirror"))) {
        r->has_mirror = true;
        cfg__i_destination(v, d, &r->mirror.destination);
    }
    cfg__i_percent(cfg_map_get(n, "mirrorPercentage"), d, &r->mirror.percentage);
    if (!cfg__i_absent(v = cfg_map_get(n, "mirrorPercent")) ||
        !cfg__i_absent(v = cfg_map_get(n, "mirror_percent"))) {
        pol_opt_int p = {0};
        cfg__i_opt_int(v, d, 0, 100, &p);
        if (p.set && !r->mirror.percentage.set)
            r->mirror.percentage = (pol_opt_double){(double)p.v, true};
    }
    if ((v = cfg__i_seq(n, "mirrors", d))) {
        static const char *const mfields[] = {"destination", "percentage"};
        r->mirrors = ms_xcalloc(v->u.seq.len, sizeof(*r->mirrors));
        r->nmirrors = v->u.seq.len;
        for (size_t i = 0; i < v->u.seq.len; i++) {
            const cfg_node *it = v->u.seq.items[i];
            if (cfg__expect_fields(it, d, "mirror", mfields, CFG_COUNT(mfields)) != 0)
                continue;
            const cfg_node *dest = cfg_map_get(it, "destination");
            if (cfg__i_absent(dest))
                ms_diag_error(d, it->pos, "destination is required for mirrors");
            cfg__i_destination(dest, d, &r->mirrors[i].destination);
            cfg__i_percent(cfg_map_get(it, "percentage"), d, &r->mirrors[i].percentage);
        }
        if (r->has_mirror)
            ms_diag_error(d, v->pos, "mirror and mirrors cannot both be set");
    }
    if (!cfg__i_absent(v = cfg_map_get(n, "corsPolicy")))
        decode_cors(v, d, &r->cors_policy);
    cfg__i_headers(cfg_map_get(n, "headers"), d, &r->headers);

    int actions = (r->nroute > 0) + r->redirect.set + r->direct_response.set + r->delegate.set;
    if (actions == 0)
        ms_diag_error(d, n->pos, "http route needs one of route, redirect, directResponse or "
                                 "delegate");
    else if (actions > 1)
        ms_diag_error(d, n->pos, "http route may have only one of route, redirect, "
                                 "directResponse or delegate");
    if (r->rewrite.set && r->redirect.set)
        ms_diag_error(d, r->rewrite.pos, "rewrite cannot be combined with redirect");
}

static void decode_l4_match(const cfg_node *m, ms_diag *d, int tls, pol_l4_match *lm)
{
    static const char *const tcp_fields[] = {
        "destinationSubnets", "port", "sourceLabels", "gateways", "sourceNamespace",
        "sourceSubnet",
    };
    static const char *const tls_fields[] = {
        "sniHosts", "destinationSubnets", "port", "sourceLabels", "gateways", "sourceNamespace",
    };
    lm->pos = m->pos;
    if (tls ? cfg__expect_fields(m, d, "match", tls_fields, CFG_COUNT(tls_fields))
            : cfg__expect_fields(m, d, "match", tcp_fields, CFG_COUNT(tcp_fields)))
        return;
    cfg__i_str_list(cfg_map_get(m, "sniHosts"), d, "sniHosts", &lm->sni_hosts);
    cfg__i_str_list(cfg_map_get(m, "destinationSubnets"), d, "destinationSubnets",
                    &lm->destination_subnets);
    cfg__i_opt_int(cfg_map_get(m, "port"), d, 1, 65535, &lm->port);
    cfg__i_labels(cfg_map_get(m, "sourceLabels"), d, "sourceLabels", &lm->source_labels);
    cfg__i_str_list(cfg_map_get(m, "gateways"), d, "gateways", &lm->gateways);
    lm->source_namespace = cfg__i_opt_string(m, "sourceNamespace", d);
}

static void decode_l4_routes(const cfg_node *n, ms_diag *d, int tls, pol_l4_route **out,
                             size_t *nout)
{
    static const char *const rfields[] = {"match", "route"};
    if (cfg__i_absent(n) || cfg_expect_seq(n, d, tls ? "tls" : "tcp") != 0)
        return;
    *out = ms_xcalloc(n->u.seq.len, sizeof(**out));
    *nout = n->u.seq.len;
    for (size_t i = 0; i < n->u.seq.len; i++) {
        const cfg_node *it = n->u.seq.items[i], *v;
        pol_l4_route *r = &(*out)[i];
        r->pos = it->pos;
        if (cfg__expect_fields(it, d, tls ? "tls route" : "tcp route", rfields, CFG_COUNT(rfields)))
            continue;
        if ((v = cfg__i_seq(it, "match", d))) {
            r->match = ms_xcalloc(v->u.seq.len, sizeof(*r->match));
            r->nmatch = v->u.seq.len;
            for (size_t j = 0; j < v->u.seq.len; j++)
                decode_l4_match(v->u.seq.items[j], d, tls, &r->match[j]);
        }
        cfg__i_route_destinations(cfg_map_get(it, "route"), d, &r->route, &r->nroute);
    }
}

void cfg__i_decode_virtual_service(const cfg_node *spec, ms_diag *d, pol_virtual_service *vs)
{
    static const char *const fields[] = {"hosts", "gateways", "http", "tls", "tcp", "exportTo"};
    if (cfg__expect_fields(spec, d, "spec", fields, CFG_COUNT(fields)) != 0)
        return;
    cfg__i_str_list(cfg_map_get(spec, "hosts"), d, "hosts", &vs->hosts);
    cfg__i_str_list(cfg_map_get(spec, "gateways"), d, "gateways", &vs->gateways);
    cfg__i_str_list(cfg_map_get(spec, "exportTo"), d, "exportTo", &vs->export_to);
    const cfg_node *http = cfg__i_seq(spec, "http", d);
    if (http) {
        vs->http = ms_xcalloc(http->u.seq.len, sizeof(*vs->http));
        vs->nhttp = http->u.seq.len;
        for (size_t i = 0; i < http->u.seq.len; i++)
            decode_http_route(http->u.seq.items[i], d, &vs->http[i]);
    }
    decode_l4_routes(cfg_map_get(spec, "tcp"), d, 0, &vs->tcp, &vs->ntcp);
    decode_l4_routes(cfg_map_get(spec, "tls"), d, 1, &vs->tls, &vs->ntls);
}
