/*
 * assertions.c - each assertion's metric computed from its probe (the requests
 * its selection and window took in) and compared with its max and/or min.
 * Latencies are compared in nanoseconds and shown in milliseconds.
 */
#include "reports/assertions.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "policy/flags.h"
#include "reports/evidence.h"

static const char *unit_name(cfg_metric_unit u)
{
    switch (u) {
    case CFG_UNIT_DURATION_NS: return "ms";
    case CFG_UNIT_FRACTION: return "ratio";
    case CFG_UNIT_RATE: return "rps";
    case CFG_UNIT_COUNT: return "count";
    }
    return "";
}

/* The metric in its comparison unit (ns for latencies); false when undefined. */
static bool metric_value(const mdl_mesh *m, size_t i, const cfg_assertion_spec *a, double *v)
{
    const mdl_row *row = mdl_mesh_probe(m, i);
    double secs = a->has_during ? (double)(a->during_to.ns - a->during_from.ns) / 1e9
                                : mdl_mesh_measured_seconds(m);
    switch (a->kind) {
    case CFG_METRIC_LATENCY_QUANTILE:
        if (!row->requests)
            return false;
        *v = (double)sim_hist_quantile(&row->latency, a->quantile);
        return true;
    case CFG_METRIC_LATENCY_MEAN:
        if (!row->requests)
            return false;
        *v = sim_hist_mean(&row->latency);
        return true;
    case CFG_METRIC_LATENCY_MAX:
        if (!row->requests)
            return false;
        *v = (double)sim_hist_max(&row->latency);
        return true;
    case CFG_METRIC_ERROR_RATE:
    case CFG_METRIC_SUCCESS_RATE:
        if (!row->requests)
            return false;
        *v = (double)row->errors / (double)row->requests;
        if (a->kind == CFG_METRIC_SUCCESS_RATE)
            *v = 1.0 - *v;
        return true;
    case CFG_METRIC_RPS:
        *v = secs > 0 ? (double)row->requests / secs : 0;
        return true;
    case CFG_METRIC_REQUESTS: *v = (double)row->requests; return true;
    case CFG_METRIC_RETRIES: *v = (double)row->retries; return true;
    case CFG_METRIC_TIMEOUTS: *v = (double)row->timeouts; return true;
    case CFG_METRIC_EJECTIONS: *v = (double)mdl_mesh_probe_ejections(m, i); return true;
    case CFG_METRIC_RESPONSES_CODE:
        *v = a->status_code >= 0 && a->status_code < MDL_MAX_STATUS ? (double)row->codes[a->status_code] : 0;
        return true;
    case CFG_METRIC_RESPONSES_FLAG: {
        pol_flag f;
        *v = pol_flag_parse(a->flag, &f) == 0 ? (double)row->flags[f] : 0;
        return true;
    }
    }
    return false;
}

static const char *written(const cfg_val_num *v, char *buf, size_t cap)
{
    const char *s = v->node ? cfg_str(v->node) : NULL;
    if (s)
        return s;
    snprintf(buf, cap, "%g", v->v);
    return buf;
}

bool rpt_assertion_within(const cfg_assertion_spec *a, double v)
{
    return !(a->has_max && v > a->max.v) && !(a->has_min && v < a->min.v);
}

void rpt_assertion_describe(const cfg_assertion_spec *a, rpt_assertion *r)
{
    r->spec = a;
    r->name = a->name.str ? a->name.str : a->metric.str;
    r->metric = a->metric.str;
    r->unit = unit_name(a->unit);
    char b1[40], b2[40];
    if (a->has_max && a->has_min)
        snprintf(r->limit, sizeof r->limit, "min %s, max %s", written(&a->min, b1, sizeof b1),
                 written(&a->max, b2, sizeof b2));
    else if (a->has_max)
        snprintf(r->limit, sizeof r->limit, "max %s", written(&a->max, b1, sizeof b1));
    else
        snprintf(r->limit, sizeof r->limit, "min %s", written(&a->min, b1, sizeof b1));
}

size_t rpt_assertions_evaluate(const mdl_mesh *m, const cfg_scenario_spec *sc, rpt_assertion **out)
{
    rpt_assertion *res = ms_xcalloc(sc->nassertions ? sc->nassertions : 1, sizeof *res);
    for (size_t i = 0; i < sc->nassertions; i++) {
        const cfg_assertion_spec *a = &sc->assertions[i];
        rpt_assertion *r = &res[i];
        rpt_assertion_describe(a, r);
        r->samples = mdl_mesh_probe(m, i)->requests;
        double v = NAN;
        r->observed_valid = metric_value(m, i, a, &v);
        r->passed = r->observed_valid && rpt_assertion_within(a, v);
        r->value = v;
        r->replications = 1;
        r->observed = a->unit == CFG_UNIT_DURATION_NS ? v / 1e6 : v;
    }
    *out = res;
    return sc->nassertions;
}

void rpt_assertions_print_failures(const rpt_assertion *a, size_t n, FILE *f)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].passed)
            continue;
        char ev[RPT_EVIDENCE_CAP];
        rpt_assertion_evidence(&a[i], ev, sizeof ev);
        fprintf(f, "FAIL %s: %s\n", a[i].name, ev);
    }
}
