/*
 * units_dist.c - cfg_read_dist: a duration distribution as written in YAML
 * ({dist: lognormal, median: 20ms, p99: 200ms}, or a bare duration meaning
 * constant) into an ms_dist_spec, with its consistency checks.
 *
 * Time parameters (value, mean, median, p99, min, max, scale and quantile
 * values) are durations, stored in nanoseconds as doubles; cv and shape are
 * plain numbers.  Messages quote the parameters as the user wrote them
 * ("lognormal p99 (5ms) must be greater than its median (20ms)").
 * All problems of one distribution are reported, not only the first.
 */
#include <stdbool.h>
#include <string.h>

#include "base/suggest.h"
#include "config/units.h"
#include "config/decode_int.h"
#include "config/units_int.h"

typedef struct dist_kind {
    const char *name;
    ms_dist_kind kind;
    const char *params[2]; /* required parameters (NULL when fewer) */
} dist_kind;

static const dist_kind kinds[] = {
    {"constant", MS_DIST_CONSTANT, {"value", NULL}},
    {"exponential", MS_DIST_EXPONENTIAL, {"mean", NULL}},
    {"lognormal", MS_DIST_LOGNORMAL, {"median", "p99"}},
    {"gamma", MS_DIST_GAMMA, {"mean", "cv"}},
    {"uniform", MS_DIST_UNIFORM, {"min", "max"}},
    {"pareto", MS_DIST_PARETO, {"scale", "shape"}},
    {"weibull", MS_DIST_WEIBULL, {"scale", "shape"}},
    {"empirical", MS_DIST_EMPIRICAL, {"quantiles", NULL}},
};
#define NKINDS CFG_COUNT(kinds)
#define KINDS_EXPECTED "constant, exponential, lognormal, gamma, uniform, pareto, weibull or empirical"

static bool is_time_param(const char *p)
{
    return strcmp(p, "cv") && strcmp(p, "shape");
}

/* Read one parameter into *out; 0, or -1 after reporting. */
static int read_param(const cfg_node *n, ms_diag *d, const char *name, double *out)
{
    if (is_time_param(name)) {
        long double v;
        if (cfg__parse_duration(n, d, &v) < 0)
            return -1;
        *out = (double)v;
        return 0;
    }
    return cfg_read_double(n, d, -1e300, 1e300, out);
}

static const char *text(const cfg_node *n) { return n->u.scalar.str; }

/* Parse "p99.9" into 0.999; -1 when the key is not of that form. */
static double quantile_key(const char *k)
{
    if (k[0] != 'p' || k[1] == '+' || k[1] == '-')
        return -1;
    double v;
    const char *end = cfg__scan_number(k + 1, &v);
    if (!end || *end || strchr(k, 'e') || strchr(k, 'E'))
        return -1;
    return v;
}

static int read_empirical(const cfg_node *q, ms_diag *d, ms_dist_spec *s)
{
    if (cfg_expect_map(q, d, "quantiles") < 0)
        return -1;
    int rc = 0;
    size_t len = q->u.map.len;
    if (len > MS_DIST_MAX_QUANTILES) {
        ms_diag_error(d, q->pos, "empirical distribution has more than %d quantiles",
                      MS_DIST_MAX_QUANTILES);
        return -1;
    }
    const cfg_node *prev_key = NULL, *prev_val = NULL;
    double prev_p = -1, prev_v = 0;
    for (size_t i = 0; i < len; i++) {
        const cfg_node *k = q->u.map.items[i].key, *v = q->u.map.items[i].value;
        double p = quantile_key(text(k));
        if (p < 0) {
            ms_diag_error(d, k->pos, "empirical quantile key \"%s\" must look like p50 or p99.9",
                          text(k));
            rc = -1;
            continue;
        }
        if (p > 100) {
            ms_diag_error(d, k->pos, "empirical quantile %s is out of range; expected p0 to p100",
                          text(k));
            rc = -1;
            continue;
        }
        long double ns;
        if (cfg__parse_duration(v, d, &ns) < 0) {
            rc = -1;
            continue;
        }
        if (prev_key && p <= prev_p) {
            ms_diag_error(d, k->pos, "empirical quantile %s comes after %s; quantiles must be ascending",
                          text(k), text(prev_key));
            rc = -1;
        } else if (prev_key && (double)ns < prev_v) {
            ms_diag_error(d, v->pos, "empirical quantile %s (%s) must not be less than %s (%s)",
                          text(k), text(v), text(prev_key), text(prev_val));
            rc = -1;
        }
        if (rc == 0) {
            s->q_p[s->nquantiles] = p / 100;
            s->q_v[s->nquantiles] = (double)ns;
            s->nquantiles++;
        }
        if (!prev_key || p > prev_p) {
            prev_key = k, prev_val = v, prev_p = p, prev_v = (double)ns;
        }
    }
    if (rc < 0)
        return -1;
    if (s->nquantiles < 2) {
        ms_diag_error(d, q->pos, "empirical distribution needs at least 2 quantiles, p0 and p100");
        return -1;
    }
    if (s->q_p[0] != 0) {
        ms_diag_error(d, q->pos, "empirical quantiles must start at p0");
        rc = -1;
    }
    if (s->q_p[s->nquantiles - 1] != 1) {
        ms_diag_error(d, q->pos, "empirical quantiles must end at p100");
        rc = -1;
    }
    return rc;
}

static int positive(const cfg_node *m, ms_diag *d, const char *kind, const char *param, double v)
{
    if (v > 0)
        return 0;
    ms_diag_error(d, cfg_map_get(m, param)->pos, "%s %s must be greater than 0", kind, param);
    return -1;
}

int cfg_read_dist(const cfg_node *n, ms_diag *d, ms_dist_spec *out)
{
    if (n->kind == CFG_SCALAR && !n->is_null) {
        long double v;
        if (cfg__parse_duration(n, d, &v) < 0)
            return -1;
        *out = ms_dist_constant((double)v);
        return 0;
    }
    if (n->kind != CFG_MAP) {
        char found[64];
        cfg__describe(n, found, sizeof found);
        ms_diag_error(d, n->pos, "expected a duration or a distribution such as "
                                 "{dist: exponential, mean: 10ms}, found %s", found);
        return -1;
    }
    const cfg_node *kn = cfg_map_get(n, "dist");
    if (!kn) {
        ms_diag_error(d, n->pos, "distribution needs a \"dist\" field: " KINDS_EXPECTED);
        return -1;
    }
    const char *kname;
    if (cfg_read_string(kn, d, &kname) < 0)
        return -1;
    const dist_kind *k = NULL;
    for (size_t i = 0; i < NKINDS; i++)
        if (!strcmp(kinds[i].name, kname))
            k = &kinds[i];
    if (!k) {
        const char *names[NKINDS];
        for (size_t i = 0; i < NKINDS; i++)
            names[i] = kinds[i].name;
        ms_suggest_report(d, kn->pos, kname, names, NKINDS, KINDS_EXPECTED,
                            "unknown distribution \"%s\"", kname);
        return -1;
    }
    const char *known[3] = {"dist", k->params[0], k->params[1]};
    int rc = cfg_check_fields(n, d, known, k->params[1] ? 3 : 2) ? -1 : 0;
    ms_dist_spec s = {0};
    s.kind = k->kind;
    double v[2] = {0, 0};
    for (int i = 0; i < 2 && k->params[i]; i++) {
        const cfg_node *pn = cfg_map_get(n, k->params[i]);
        if (!pn) {
            ms_diag_error(d, n->pos, "%s distribution needs \"%s\"", k->name, k->params[i]);
            rc = -1;
        } else if (k->kind == MS_DIST_EMPIRICAL) {
            if (read_empirical(pn, d, &s) < 0)
                rc = -1;
        } else if (read_param(pn, d, k->params[i], &v[i]) < 0) {
            rc = -1;
        }
    }
    if (rc < 0)
        return -1;
    const char *p0 = k->params[0], *p1 = k->params[1];
    switch (k->kind) {
    case MS_DIST_CONSTANT: s.value = v[0]; break;
    case MS_DIST_EXPONENTIAL:
        s.mean = v[0];
        rc |= positive(n, d, k->name, p0, v[0]);
        break;
    case MS_DIST_LOGNORMAL:
        s.median = v[0], s.p99 = v[1];
        rc |= positive(n, d, k->name, p0, v[0]);
        if (rc == 0 && !(v[1] > v[0])) {
            ms_diag_error(d, cfg_map_get(n, p1)->pos,
                          "lognormal p99 (%s) must be greater than its median (%s)",
                          text(cfg_map_get(n, p1)), text(cfg_map_get(n, p0)));
            rc = -1;
        }
        break;
    case MS_DIST_GAMMA:
        s.mean = v[0], s.cv = v[1];
        rc |= positive(n, d, k->name, p0, v[0]);
        rc |= positive(n, d, k->name, p1, v[1]);
        break;
    case MS_DIST_UNIFORM:
        s.min = v[0], s.max = v[1];
        if (v[0] > v[1]) {
            ms_diag_error(d, cfg_map_get(n, p0)->pos,
                          "uniform min (%s) must not be greater than max (%s)",
                          text(cfg_map_get(n, p0)), text(cfg_map_get(n, p1)));
            rc = -1;
        }
        break;
    case MS_DIST_PARETO:
    case MS_DIST_WEIBULL:
        s.scale = v[0], s.shape = v[1];
        rc |= positive(n, d, k->name, p0, v[0]);
        rc |= positive(n, d, k->name, p1, v[1]);
        break;
    case MS_DIST_EMPIRICAL: break;
    }
    if (rc < 0)
        return -1;
    *out = s;
    return 0;
}
