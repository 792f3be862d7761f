/*
 * evidence.c - an assertion's verdict in words and its headroom (evidence.h).
 * The single-run wording is the one `meshsim run` has always printed.
 */
#include "reports/evidence.h"

#include <math.h>
#include <stdio.h>

void rpt_assertion_evidence(const rpt_assertion *a, char *buf, size_t cap)
{
    if (a->replications > 1 && a->unmatched)
        snprintf(buf, cap, "%s: no request matched the selection in %u of %u replications (limit %s)",
                 a->metric, a->unmatched, a->replications, a->limit);
    else if (!a->observed_valid)
        snprintf(buf, cap, "%s: no request matched the selection (limit %s)", a->metric, a->limit);
    else if (a->replications > 1)
        snprintf(buf, cap, "%s mean %.6g ± %.3g %s, 95%% CI [%.6g, %.6g] over %u replications, limit %s",
                 a->metric, a->observed, a->half_width, a->unit, a->observed - a->half_width,
                 a->observed + a->half_width, a->replications, a->limit);
    else
        snprintf(buf, cap, "%s observed %.6g %s, limit %s", a->metric, a->observed, a->unit,
                 a->limit);
}

static double relative(double margin, double limit, double v)
{
    double scale = fabs(limit) > 0 ? fabs(limit) : fabs(v) > 0 ? fabs(v) : 1;
    return margin / scale;
}

double rpt_assertion_headroom(const rpt_assertion *a)
{
    if (!a->observed_valid || a->unmatched)
        return -INFINITY;
    const cfg_assertion_spec *s = a->spec;
    /* the half-width in the comparison unit (ns for latencies, shown in ms) */
    double hw = a->half_width * (s->unit == CFG_UNIT_DURATION_NS ? 1e6 : 1);
    double room = INFINITY;
    if (s->has_max) {
        double r = relative(s->max.v - (a->value + hw), s->max.v, a->value);
        room = r < room ? r : room;
    }
    if (s->has_min) {
        double r = relative((a->value - hw) - s->min.v, s->min.v, a->value);
        room = r < room ? r : room;
    }
    return room;
}
