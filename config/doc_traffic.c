/*
 * doc_traffic.c - the Traffic document: load sources, open loop (rate, rate
 * pattern) or closed loop (users with think time), each with a URL, a weighted
 * request mix and a client timeout.
 *
 * Sources of every Traffic document are concatenated into cfg_meshsim.sources;
 * their names must be unique across documents (assertions select by name).
 */
#include <stdio.h>
#include <string.h>

#include "config/doc_int.h"

static const char *const traffic_fields[] = {"sources"};
static const char *const source_fields[] = {"name", "from", "url", "rate", "pattern",
                                            "users", "thinkTime", "requests", "timeout"};
static const char *const step_fields[] = {"at", "rate", "ramp"};
static const char *const request_fields[] = {"weight", "method", "path", "headers"};

/* Split url into scheme, host, port and path (loader-owned copies). */
static int parse_url(cfg__doc *c, const cfg_node *n, cfg_source_spec *s)
{
    const char *u = s->url.str;
    const char *rest;
    if (!strncmp(u, "http://", 7)) {
        s->scheme = "http", s->port = 80, rest = u + 7;
    } else if (!strncmp(u, "https://", 8)) {
        s->scheme = "https", s->port = 443, rest = u + 8;
    } else {
        ms_diag_error(c->d, n->pos, "invalid url \"%s\"; expected http://host[:port]/path", u);
        return -1;
    }
    size_t hlen = strcspn(rest, ":/?");
    if (hlen == 0) {
        ms_diag_error(c->d, n->pos, "invalid url \"%s\"; expected http://host[:port]/path", u);
        return -1;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)hlen, rest);
    s->host = cfg_loader_strdup(c->l, host);
    rest += hlen;
    if (*rest == ':') {
        long port = 0;
        const char *p = rest + 1;
        while (*p >= '0' && *p <= '9' && port <= 65535)
            port = port * 10 + (*p++ - '0');
        if (p == rest + 1 || port < 1 || port > 65535 || (*p && *p != '/' && *p != '?')) {
            ms_diag_error(c->d, n->pos, "invalid port in url \"%s\"", u);
            return -1;
        }
        s->port = (int)port;
        rest = p;
    }
    if (*rest == '/') {
        s->path = cfg_loader_strdup(c->l, rest);
    } else if (*rest == '?') {
        char path[1024];
        snprintf(path, sizeof path, "/%s", rest);
        s->path = cfg_loader_strdup(c->l, path);
    } else {
        s->path = "/";
    }
    return 0;
}

static void decode_pattern(cfg__doc *c, const cfg_node *pn, cfg_source_spec *s)
{
    if (pn->u.seq.len == 0) {
        ms_diag_error(c->d, pn->pos, "pattern must list at least one step");
        return;
    }
    s->pattern = cfg__own(c->m, pn->u.seq.len, sizeof *s->pattern);
    int64_t last_at = -1;
    for (size_t i = 0; i < pn->u.seq.len; i++) {
        const cfg_node *st = pn->u.seq.items[i];
        if (cfg__expect_fields(st, c->d, "a pattern step", step_fields, CFG_COUNT(step_fields)) < 0)
            continue;
        cfg_rate_step r = {st->pos, {0, NULL}, {0, NULL}, {0, NULL}};
        int rc = 0;
        if (!cfg__require(c, st, "at", "a pattern step") || cfg__f_dur(c, st, "at", &r.at) < 0)
            rc = -1;
        if (!cfg__require(c, st, "rate", "a pattern step") ||
            cfg__f_rate(c, st, "rate", &r.rate) < 0)
            rc = -1;
        if (cfg__f_dur(c, st, "ramp", &r.ramp) < 0)
            rc = -1;
        if (rc < 0)
            continue;
        if (r.at.ns <= last_at) {
            ms_diag_error(c->d, r.at.node->pos, "pattern steps must be in increasing order of "
                                                "\"at\"");
            continue;
        }
        last_at = r.at.ns;
        s->pattern[s->npattern++] = r;
    }
}

static void decode_requests(cfg__doc *c, const cfg_node *rn, cfg_source_spec *s)
{
    if (rn->u.seq.len == 0) {
        ms_diag_error(c->d, rn->pos, "requests must list at least one request");
        return;
    }
    s->requests = cfg__own(c->m, rn->u.seq.len, sizeof *s->requests);
    for (size_t i = 0; i < rn->u.seq.len; i++) {
        const cfg_node *q = rn->u.seq.items[i];
        if (cfg__expect_fields(q, c->d, "a request", request_fields, CFG_COUNT(request_fields)) < 0)
            continue;
        cfg_request_mix r = {q->pos, {1, NULL}, {"GET", NULL}, {s->path, NULL}, NULL, 0};
        cfg__f_double(c, q, "weight", 0, 1e12, &r.weight);
        if (r.weight.node && r.weight.v <= 0)
            ms_diag_error(c->d, r.weight.node->pos, "weight must be greater than 0");
        cfg__f_str(c, q, "method", &r.method);
        cfg__f_str(c, q, "path", &r.path);
        const cfg_node *h = cfg__f_map(c, q, "headers", NULL, 0);
        if (h) {
            r.headers = cfg__own(c->m, h->u.map.len, sizeof *r.headers);
            CFG_MAP_EACH(p, h) {
                const char *str;
                if (cfg_read_string(p->value, c->d, &str) == 0)
                    r.headers[r.nheaders++] = (cfg_header){p->key->u.scalar.str, str, p->value};
            }
        }
        s->requests[s->nrequests++] = r;
    }
}

/* Decode one source; false when it must be left out. */
static bool decode_source(cfg__doc *c, const cfg_node *n, cfg_source_spec *s)
{
    memset(s, 0, sizeof *s);
    s->pos = n->pos;
    s->traffic = c->name.str;
    s->external = true;
    s->think_time.spec = ms_dist_exponential(1e9);
    s->timeout.ns = 30 * (int64_t)1000000000;
    cfg_check_fields(n, c->d, source_fields, CFG_COUNT(source_fields));
    bool ok = true;
    if (!cfg__require(c, n, "name", "a traffic source") || cfg__f_str(c, n, "name", &s->name) < 0)
        ok = false;
    const char *label = s->name.str ? s->name.str : "";
    char what[300];
    snprintf(what, sizeof what, "source \"%s\"", label);

    const cfg_node *from = cfg_map_get(n, "from");
    if (from) {
        s->from_node = from;
        if (from->kind == CFG_SCALAR && !from->is_null && !strcmp(from->u.scalar.str, "external")) {
            s->external = true;
        } else if (from->kind == CFG_MAP) {
            s->external = false;
            if (cfg__labels(c, from, "from", &s->from) == 0 && s->from.len == 0)
                ms_diag_error(c->d, from->pos, "from must not be an empty selector");
        } else {
            ms_diag_error(c->d, from->pos, "from must be \"external\" or a label selector such as "
                                           "{app: productpage}");
        }
    }
    const cfg_node *url = cfg__require(c, n, "url", what);
    if (url && cfg__f_str(c, n, "url", &s->url) == 0)
        parse_url(c, url, s);
    if (!s->path)
        s->path = "/";

    const cfg_node *rate = cfg_map_get(n, "rate"), *pattern = cfg_map_get(n, "pattern");
    const cfg_node *users = cfg_map_get(n, "users"), *think = cfg_map_get(n, "thinkTime");
    if (!rate && !pattern && !users) {
        ms_diag_error(c->d, n->pos, "%s needs \"rate\" (open loop) or \"users\" (closed loop)", what);
    } else if ((rate || pattern) && users) {
        ms_diag_error(c->d, users->pos, "%s has both \"%s\" and \"users\"; an open-loop source "
                      "has a rate, a closed-loop one has users", what, rate ? "rate" : "pattern");
    } else if (users) {
        s->closed_loop = true;
        cfg__f_int(c, n, "users", 1, 10000000, &s->users);
        cfg__f_dist(c, n, "thinkTime", &s->think_time);
    } else {
        if (think)
            ms_diag_error(c->d, think->pos, "thinkTime needs \"users\" (closed loop)");
        if (cfg__f_rate(c, n, "rate", &s->rate) == 0 && s->rate.node && s->rate.v <= 0 && !pattern)
            ms_diag_error(c->d, rate->pos, "rate must be greater than 0");
        const cfg_node *pn = cfg__f_seq(c, n, "pattern");
        if (pn)
            decode_pattern(c, pn, s);
    }
    const cfg_node *rn = cfg__f_seq(c, n, "requests");
    if (rn)
        decode_requests(c, rn, s);
    if (s->nrequests == 0) {
        s->requests = cfg__own(c->m, 1, sizeof *s->requests);
        s->requests[0] = (cfg_request_mix){n->pos, {1, NULL}, {"GET", NULL}, {s->path, NULL},
                                           NULL, 0};
        s->nrequests = 1;
    }
    cfg__f_dur(c, n, "timeout", &s->timeout);
    if (s->timeout.node && s->timeout.ns <= 0)
        ms_diag_error(c->d, s->timeout.node->pos, "timeout must be greater than 0");
    return ok;
}

void cfg__decode_traffic(cfg__doc *c, const cfg_node *spec)
{
    cfg_meshsim *m = c->m;
    cfg_check_fields(spec, c->d, traffic_fields, CFG_COUNT(traffic_fields));
    const cfg_node *srcs = cfg__require_seq(c, spec, "sources", NULL);
    if (!srcs)
        return;
    char where[512];
    for (size_t i = 0; i < srcs->u.seq.len; i++) {
        const cfg_node *n = srcs->u.seq.items[i];
        if (cfg_expect_map(n, c->d, "a traffic source") < 0)
            continue;
        cfg_source_spec s;
        if (!decode_source(c, n, &s))
            continue;
        bool dup = false;
        for (size_t j = 0; j < m->nsources && !dup; j++) {
            if (!strcmp(m->sources[j].name.str, s.name.str)) {
                ms_diag_error(c->d, s.name.node->pos, "duplicate source name \"%s\" (first "
                              "defined at %s)", s.name.str,
                              cfg__pos_text(m->sources[j].name.node->pos, where, sizeof where));
                dup = true;
            }
        }
        if (dup)
            continue;
        m->sources = cfg__grow(m->sources, m->nsources, sizeof *m->sources);
        m->sources[m->nsources++] = s;
    }
}
