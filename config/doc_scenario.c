/*
 * doc_scenario.c - the Scenario document: run length, seed, replications,
 * includes and SLO assertions.
 *
 * Assertion metrics are parsed here once (latency.p99 -> quantile 0.99,
 * responses{code=503} -> status 503) so that reports and models only switch on
 * cfg_metric.  The unit of max/min follows from the metric: durations for
 * latency.*, fractions for error_rate/success_rate, rates for rps, counts
 * otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "base/suggest.h"
#include "config/doc_int.h"
#include "config/units_int.h"

void cfg__scenario_default(cfg_scenario_spec *s)
{
    memset(s, 0, sizeof *s);
    s->name.str = "scenario";
    s->duration.ns = 60 * (int64_t)1000000000;
    s->warmup.ns = 0;
    s->seed.v = 1;
    s->replications.v = 1;
    s->window.ns = 10 * (int64_t)1000000000;
}

static const char *const scenario_fields[] = {
    "include", "duration", "warmup", "seed", "replications", "window", "assertions",
};
static const char *const assertion_fields[] = {"name", "metric", "select", "during", "max", "min"};
static const char *const select_fields[] = {"source", "destination", "version", "host", "route",
                                            "domain"};
/* the domains of summary.json's domains_ms, the application's split included */
static const char *const domains[] = {"ingress", "mesh", "node", "app", "app_queue", "app_service"};

typedef struct metric_name {
    const char *name;
    cfg_metric kind;
    cfg_metric_unit unit;
} metric_name;

static const metric_name metrics[] = {
    {"latency.mean", CFG_METRIC_LATENCY_MEAN, CFG_UNIT_DURATION_NS},
    {"latency.max", CFG_METRIC_LATENCY_MAX, CFG_UNIT_DURATION_NS},
    {"error_rate", CFG_METRIC_ERROR_RATE, CFG_UNIT_FRACTION},
    {"success_rate", CFG_METRIC_SUCCESS_RATE, CFG_UNIT_FRACTION},
    {"rps", CFG_METRIC_RPS, CFG_UNIT_RATE},
    {"requests", CFG_METRIC_REQUESTS, CFG_UNIT_COUNT},
    {"retries", CFG_METRIC_RETRIES, CFG_UNIT_COUNT},
    {"timeouts", CFG_METRIC_TIMEOUTS, CFG_UNIT_COUNT},
    {"ejections", CFG_METRIC_EJECTIONS, CFG_UNIT_COUNT},
};
#define NMETRICS CFG_COUNT(metrics)

/* Parse the metric text into a; 0, or -1 after reporting at n. */
static int parse_metric(cfg__doc *c, const cfg_node *n, cfg_assertion_spec *a)
{
    const char *s = n->u.scalar.str;
    for (size_t i = 0; i < NMETRICS; i++) {
        if (!strcmp(s, metrics[i].name)) {
            a->kind = metrics[i].kind;
            a->unit = metrics[i].unit;
            return 0;
        }
    }
    double q;
    const char *end;
    if (!strncmp(s, "latency.p", 9) && s[9] >= '0' && s[9] <= '9' &&
        (end = cfg__scan_number(s + 9, &q)) && !*end && !strpbrk(s + 9, "eE")) {
        if (!(q > 0 && q < 100)) {
            ms_diag_error(c->d, n->pos, "latency quantile \"%s\" is out of range; expected "
                                        "latency.p1 to latency.p99.99 (or latency.max)", s);
            return -1;
        }
        a->kind = CFG_METRIC_LATENCY_QUANTILE;
        a->unit = CFG_UNIT_DURATION_NS;
        a->quantile = q / 100;
        return 0;
    }
    size_t len = strlen(s);
    if (!strncmp(s, "responses{code=", 15) && len > 16 && s[len - 1] == '}') {
        int code = 0;
        size_t i;
        for (i = 15; i < len - 1 && s[i] >= '0' && s[i] <= '9' && code < 1000; i++)
            code = code * 10 + (s[i] - '0');
        if (i != len - 1 || code < 100 || code > 599) {
            ms_diag_error(c->d, n->pos, "invalid status code in metric \"%s\"; expected "
                                        "responses{code=N} with N from 100 to 599", s);
            return -1;
        }
        a->kind = CFG_METRIC_RESPONSES_CODE;
        a->unit = CFG_UNIT_COUNT;
        a->status_code = code;
        return 0;
    }
    if (!strncmp(s, "responses{flag=", 15) && len > 16 && s[len - 1] == '}') {
        size_t i;
        for (i = 15; i < len - 1 && s[i] >= 'A' && s[i] <= 'Z'; i++)
            ;
        if (i != len - 1) {
            ms_diag_error(c->d, n->pos, "invalid response flag in metric \"%s\"; expected "
                                        "responses{flag=F} with an Envoy flag such as UO", s);
            return -1;
        }
        a->kind = CFG_METRIC_RESPONSES_FLAG;
        a->unit = CFG_UNIT_COUNT;
        char flag[64];
        snprintf(flag, sizeof flag, "%.*s", (int)(len - 16), s + 15);
        a->flag = cfg_loader_strdup(c->l, flag);
        return 0;
    }
    const char *names[NMETRICS + 2];
    for (size_t i = 0; i < NMETRICS; i++)
        names[i] = metrics[i].name;
    names[NMETRICS] = "latency.p99";
    names[NMETRICS + 1] = "latency.p50";
    ms_suggest_report(c->d, n->pos, s, names, NMETRICS + 2,
                        "latency.pNN, latency.mean, latency.max, error_rate, success_rate, rps, "
                        "requests, retries, timeouts, ejections, responses{code=N} or "
                        "responses{flag=F}",
                        "unknown metric \"%s\"", s);
    return -1;
}

/* max or min in the metric's unit. */
static int read_limit(cfg__doc *c, const cfg_node *map, const char *key, cfg_metric_unit unit,
                      cfg_val_num *out)
{
    const cfg_node *n = cfg_map_get(map, key);
    if (!n)
        return 0;
    double v;
    int64_t ns;
    int rc;
    switch (unit) {
    case CFG_UNIT_DURATION_NS:
        rc = cfg_read_duration(n, c->d, &ns);
        v = (double)ns;
        break;
    case CFG_UNIT_FRACTION: rc = cfg_read_fraction(n, c->d, &v); break;
    case CFG_UNIT_RATE: rc = cfg_read_rate(n, c->d, &v); break;
    default: rc = cfg_read_double(n, c->d, 0, 1e18, &v); break;
    }
    if (rc < 0)
        return -1;
    out->v = v;
    out->node = n;
    return 0;
}

static void decode_select(cfg__doc *c, const cfg_node *map, cfg_assertion_spec *a)
{
    const cfg_node *sel = cfg__f_map(c, map, "select", select_fields, CFG_COUNT(select_fields));
    if (!sel)
        return;
    a->select.node = sel;
    cfg__f_str(c, sel, "source", &a->select.source);
    cfg__f_str(c, sel, "destination", &a->select.destination);
    cfg__f_str(c, sel, "version", &a->select.version);
    cfg__f_str(c, sel, "host", &a->select.host);
    cfg__f_str(c, sel, "route", &a->select.route);
    const cfg_node *dn = cfg_map_get(sel, "domain");
    int dom;
    if (dn && cfg__enum(c, dn, "domain", domains, CFG_COUNT(domains), &dom) == 0) {
        a->select.domain.str = domains[dom];
        a->select.domain.node = dn;
    }
}

static void decode_during(cfg__doc *c, const cfg_node *map, cfg_assertion_spec *a)
{
    const cfg_node *n = cfg_map_get(map, "during");
    if (!n)
        return;
    if (n->kind != CFG_SEQ || n->u.seq.len != 2) {
        ms_diag_error(c->d, n->pos, "during must be a pair [from, to] such as [1m, 10m]");
        return;
    }
    const cfg_node *f = n->u.seq.items[0], *t = n->u.seq.items[1];
    int64_t from, to;
    int rc = cfg_read_duration(f, c->d, &from);
    rc |= cfg_read_duration(t, c->d, &to);
    if (rc < 0)
        return;
    if (from >= to) {
        ms_diag_error(c->d, t->pos, "during: the end (%s) must be after the start (%s)",
                      t->u.scalar.str, f->u.scalar.str);
        return;
    }
    a->has_during = true;
    a->during_from = (cfg_val_dur){from, f};
    a->during_to = (cfg_val_dur){to, t};
}

static void decode_assertion(cfg__doc *c, const cfg_node *n, cfg_assertion_spec *a)
{
    a->pos = n->pos;
    cfg_check_fields(n, c->d, assertion_fields, CFG_COUNT(assertion_fields));
    const cfg_node *mn = cfg__require(c, n, "metric", NULL);
    bool metric_ok = false;
    if (mn && cfg_read_string(mn, c->d, &a->metric.str) == 0) {
        a->metric.node = mn;
        metric_ok = parse_metric(c, mn, a) == 0;
    }
    a->name = a->metric;
    cfg__f_str(c, n, "name", &a->name);
    decode_select(c, n, a);
    decode_during(c, n, a);
    if (!cfg_map_get(n, "max") && !cfg_map_get(n, "min")) {
        ms_diag_error(c->d, n->pos, "assertion needs \"max\" or \"min\"");
        return;
    }
    if (!metric_ok)
        return;
    if (read_limit(c, n, "max", a->unit, &a->max) == 0 && a->max.node)
        a->has_max = true;
    if (read_limit(c, n, "min", a->unit, &a->min) == 0 && a->min.node)
        a->has_min = true;
    if (a->has_max && a->has_min && a->min.v > a->max.v)
        ms_diag_error(c->d, a->min.node->pos, "assertion min (%s) must not be greater than "
                      "its max (%s)", a->min.node->u.scalar.str, a->max.node->u.scalar.str);
}

void cfg__decode_scenario(cfg__doc *c, const cfg_node *spec)
{
    cfg_meshsim *m = c->m;
    char where[512];
    if (m->has_scenario) {
        ms_diag_error(c->d, c->root->pos, "only one Scenario document is allowed; the first "
                      "is at %s", cfg__pos_text(m->scenario.pos, where, sizeof where));
        return;
    }
    m->has_scenario = true;
    cfg_scenario_spec *s = &m->scenario;
    cfg__scenario_default(s);
    s->pos = c->root->pos;
    if (*c->name.str)
        s->name = c->name;
    cfg_check_fields(spec, c->d, scenario_fields, CFG_COUNT(scenario_fields));

    const cfg_node *inc = cfg_map_get(spec, "include");
    if (inc) {
        const cfg_node *const *items = (const cfg_node *const *)&inc;
        size_t n = 1;
        if (inc->kind == CFG_SEQ) {
            items = (const cfg_node *const *)inc->u.seq.items;
            n = inc->u.seq.len;
        }
        s->include = cfg__own(m, n, sizeof *s->include);
        for (size_t i = 0; i < n; i++) {
            const char *p;
            if (cfg_read_string(items[i], c->d, &p) == 0)
                s->include[s->ninclude++] = items[i];
        }
    }
    cfg__f_dur(c, spec, "duration", &s->duration);
    cfg__f_dur(c, spec, "warmup", &s->warmup);
    cfg__f_int(c, spec, "seed", 0, INT64_MAX, &s->seed);
    cfg__f_int(c, spec, "replications", 1, 10000, &s->replications);
    cfg__f_dur(c, spec, "window", &s->window);
    if (s->duration.ns <= 0)
        ms_diag_error(c->d, s->duration.node->pos, "duration must be greater than 0");
    else if (s->warmup.ns >= s->duration.ns)
        ms_diag_error(c->d, (s->warmup.node ? s->warmup.node : s->duration.node)->pos,
                      "warmup (%s) must be shorter than the duration (%s)",
                      s->warmup.node ? s->warmup.node->u.scalar.str : "0",
                      s->duration.node ? s->duration.node->u.scalar.str : "60s");
    if (s->window.ns <= 0) {
        ms_diag_error(c->d, s->window.node->pos, "window must be greater than 0");
    } else if (s->duration.ns > 0 && (s->duration.ns - 1) / s->window.ns >= CFG_MAX_WINDOWS) {
        /* ceil(duration / window) windows; the smallest window allowed is
         * ceil(duration / CFG_MAX_WINDOWS) */
        int64_t least = (s->duration.ns - 1) / CFG_MAX_WINDOWS + 1;
        bool us = least > 1000; /* suggested in whole microseconds, rounded up */
        const cfg_node *at = s->window.node ? s->window.node : s->duration.node;
        ms_diag_error(c->d, at ? at->pos : s->pos,
                      "window (%s) cuts the duration (%s) into %lld windows; at most %d are "
                      "allowed: use a window of at least %lld%s",
                      s->window.node ? s->window.node->u.scalar.str : "10s",
                      s->duration.node ? s->duration.node->u.scalar.str : "60s",
                      (long long)((s->duration.ns - 1) / s->window.ns + 1), CFG_MAX_WINDOWS,
                      (long long)(us ? (least + 999) / 1000 : least), us ? "us" : "ns");
    }

    const cfg_node *as = cfg__f_seq(c, spec, "assertions");
    if (as) {
        s->assertions = cfg__own(m, as->u.seq.len, sizeof *s->assertions);
        for (size_t i = 0; i < as->u.seq.len; i++) {
            const cfg_node *an = as->u.seq.items[i];
            if (cfg_expect_map(an, c->d, "an assertion") < 0)
                continue;
            decode_assertion(c, an, &s->assertions[s->nassertions++]);
        }
    }
}
