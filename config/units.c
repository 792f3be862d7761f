/*
 * units.c - typed reads of scalar nodes: numbers with the units of
 * scenario-format.md "Units" (durations, rates, sizes, bandwidths, fractions),
 * integers, booleans, strings, and the field checker with "did you mean".
 * Distributions are in units_dist.c.
 *
 * Grammar of a quantity: [+-] digits [. digits] [(e|E) [+-] digits] UNIT, where
 * UNIT is everything after the number.  Durations may chain terms as Go and
 * Istio do ("1h30m", "1m30.5s").  A quoted scalar is read like a plain one
 * (protobuf JSON accepts quoted numbers); a null scalar is never a value.
 *
 * Every function reports into the diag sink and returns -1 on a problem,
 * leaving *out unchanged; 0 on success.
 */
#include "config/units.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "config/decode_int.h"
#include "config/units_int.h"

/* --- shared helpers ----------------------------------------------------------- */

void cfg__describe(const cfg_node *n, char *buf, size_t size)
{
    if (n->kind == CFG_MAP)
        snprintf(buf, size, "a mapping");
    else if (n->kind == CFG_SEQ)
        snprintf(buf, size, "a sequence");
    else if (n->is_null)
        snprintf(buf, size, "an empty value");
    else if (n->u.scalar.len > 40)
        snprintf(buf, size, "\"%.37s...\"", n->u.scalar.str);
    else
        snprintf(buf, size, "\"%s\"", n->u.scalar.str);
}

/* Report "expected WHAT, found ..." unless `n` is a non-null scalar; 0 if it is. */
static int need_scalar(const cfg_node *n, ms_diag *d, const char *what)
{
    assert(n);
    if (n->kind == CFG_SCALAR && !n->is_null)
        return 0;
    char found[64];
    cfg__describe(n, found, sizeof found);
    ms_diag_error(d, n->pos, "expected %s, found %s", what, found);
    return -1;
}

const char *cfg__scan_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    const char *digits = p;
    while (*p >= '0' && *p <= '9')
        p++;
    size_t nint = (size_t)(p - digits);
    size_t nfrac = 0;
    if (*p == '.') {
        const char *f = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        nfrac = (size_t)(p - f);
    }
    if (nint + nfrac == 0)
        return NULL;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (*q >= '0' && *q <= '9') {
            while (*q >= '0' && *q <= '9')
                q++;
            p = q;
        }
    }
    char buf[128];
    size_t len = (size_t)(p - s);
    if (len >= sizeof buf)
        return NULL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL); /* overflow gives HUGE_VAL: callers check isfinite */
    return p;
}

typedef struct unit {
    const char *name;
    double factor;
} unit;

/* Find `name` (len bytes) in `units`; NULL if absent. */
static const unit *find_unit(const unit *units, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(units[i].name) == len && !memcmp(units[i].name, name, len))
            return &units[i];
    return NULL;
}

/* --- durations ---------------------------------------------------------------- */

static const unit duration_units[] = {
    {"ns", 1.0},   {"us", 1e3},   {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
    {"ms", 1e6},   {"s", 1e9},    {"m", 60e9},        {"h", 3600e9},
};
#define DURATION_EXPECTED "ns, us, ms, s, m or h"

int cfg__parse_duration(const cfg_node *n, ms_diag *d, long double *out_ns)
{
    if (need_scalar(n, d, "a duration such as 5ms") < 0)
        return -1;
    const char *s = n->u.scalar.str;
    const char *p = s;
    bool negative = *p == '-';
    long double total = 0;
    bool first = true;
    while (first || *p) {
        double v;
        const char *q = cfg__scan_number(p, &v);
        if (!q || (!first && (*p == '+' || *p == '-'))) {
            ms_diag_error(d, n->pos, "invalid duration \"%s\"; expected a number with a unit such as 5ms", s);
            return -1;
        }
        const char *u = q;
        while (*q && !(*q >= '0' && *q <= '9') && *q != '.' && *q != '+' && *q != '-')
            q++;
        size_t ulen = (size_t)(q - u);
        if (ulen == 0) {
            if (first && !*q && v == 0) { /* a bare 0 needs no unit */
                *out_ns = 0;
                return 0;
            }
            ms_diag_error(d, n->pos, "duration \"%s\" needs a unit: " DURATION_EXPECTED, s);
            return -1;
        }
        const unit *un = find_unit(duration_units, CFG_COUNT(duration_units),
                                   u, ulen);
        if (!un) {
            ms_diag_error(d, n->pos, "unknown duration unit \"%.*s\" in \"%s\"; expected " DURATION_EXPECTED,
                          (int)ulen, u, s);
            return -1;
        }
        total += (long double)fabs(v) * un->factor; /* HUGE_VAL stays infinite */
        p = q;
        first = false;
    }
    if (negative && total != 0) {
        ms_diag_error(d, n->pos, "duration must not be negative");
        return -1;
    }
    if (!(total < 9223372036854775808.0L)) { /* 2^63, exact in every format */
        ms_diag_error(d, n->pos, "duration \"%s\" is too large", s);
        return -1;
    }
    *out_ns = total;
    return 0;
}

int cfg_read_duration(const cfg_node *n, ms_diag *d, int64_t *out_ns)
{
    long double v;
    if (cfg__parse_duration(n, d, &v) < 0)
        return -1;
    *out_ns = v >= (long double)INT64_MAX ? INT64_MAX : (int64_t)llroundl(v);
    return 0;
}

/* --- rates, sizes, bandwidths ------------------------------------------------- */

/* One number followed by one unit from `units` ("" = bare number allowed with
 * factor `bare`, or refused when bare < 0).  `what` names the quantity. */
static int read_quantity(const cfg_node *n, ms_diag *d, const char *what, const char *example,
                         const unit *units, size_t nunits, const char *expected, double bare,
                         double *out)
{
    char want[64];
    snprintf(want, sizeof want, "a %s such as %s", what, example);
    if (need_scalar(n, d, want) < 0)
        return -1;
    const char *s = n->u.scalar.str;
    double v;
    const char *u = cfg__scan_number(s, &v);
    if (!u) {
        ms_diag_error(d, n->pos, "invalid %s \"%s\"; expected a number with a unit such as %s",
                      what, s, example);
        return -1;
    }
    double factor;
    if (!*u) {
        if (bare < 0 && v != 0) {
            ms_diag_error(d, n->pos, "%s \"%s\" needs a unit: %s", what, s, expected);
            return -1;
        }
        factor = bare < 0 ? 1 : bare;
    } else {
        const unit *un = find_unit(units, nunits, u, strlen(u));
        if (!un) {
            ms_diag_error(d, n->pos, "unknown %s unit \"%s\" in \"%s\"; expected %s", what, u, s,
                          expected);
            return -1;
        }
        factor = un->factor;
    }
    if (v < 0) {
        ms_diag_error(d, n->pos, "%s must not be negative", what);
        return -1;
    }
    double r = v * factor;
    if (!isfinite(r) || r > 1e300) {
        ms_diag_error(d, n->pos, "%s \"%s\" is too large", what, s);
        return -1;
    }
    *out = r;
    return 0;
}

static const unit rate_units[] = {
    {"rps", 1.0}, {"/s", 1.0}, {"rpm", 1.0 / 60}, {"/m", 1.0 / 60}, {"/h", 1.0 / 3600},
};

int cfg_read_rate(const cfg_node *n, ms_diag *d, double *out_per_s)
{
    return read_quantity(n, d, "rate", "200rps", rate_units, CFG_COUNT(rate_units),
                         "rps, /s, rpm, /m or /h", 1.0, out_per_s);
}

static const unit size_units[] = {
    {"B", 1.0},         {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
    {"KB", 1e3},        {"kB", 1e3},     {"MB", 1e6},        {"GB", 1e9},
};

int cfg_read_size(const cfg_node *n, ms_diag *d, uint64_t *out_bytes)
{
    double v;
    if (read_quantity(n, d, "size", "2KiB", size_units, CFG_COUNT(size_units),
                      "B, KiB, MiB, GiB, KB, MB or GB", 1.0, &v) < 0)
        return -1;
    if (v >= 1.8e19) {
        ms_diag_error(d, n->pos, "size \"%s\" is too large", n->u.scalar.str);
        return -1;
    }
    /* llround's result is unspecified past INT64_MAX; so large a size has no
     * fraction left to round anyway */
    *out_bytes = v >= 9.2e18 ? (uint64_t)v : (uint64_t)llround(v);
    return 0;
}

static const unit bandwidth_units[] = {
    {"bps", 1.0}, {"Kbps", 1e3}, {"kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9}, {"Tbps", 1e12},
};

int cfg_read_bandwidth(const cfg_node *n, ms_diag *d, double *out_bits_per_s)
{
    double v;
    if (read_quantity(n, d, "bandwidth", "10Gbps", bandwidth_units,
                      CFG_COUNT(bandwidth_units),
                      "bps, Kbps, Mbps, Gbps or Tbps", -1, &v) < 0)
        return -1;
    if (v <= 0) {
        ms_diag_error(d, n->pos, "bandwidth must be greater than 0");
        return -1;
    }
    *out_bits_per_s = v;
    return 0;
}

/* --- fractions and percentages ------------------------------------------------ */

/* A number, optionally followed by "%" (*percent says which); -1 when `s`
 * is anything else.  The grammar of both fractions and percentages. */
static int scan_percent(const char *s, double *v, bool *percent)
{
    const char *u = cfg__scan_number(s, v);
    if (!u || (*u && strcmp(u, "%")))
        return -1;
    *percent = *u == '%';
    return 0;
}

int cfg_read_fraction(const cfg_node *n, ms_diag *d, double *out)
{
    if (need_scalar(n, d, "a fraction such as 0.002 or 0.2%") < 0)
        return -1;
    const char *s = n->u.scalar.str;
    double v;
    bool percent;
    if (scan_percent(s, &v, &percent) < 0) {
        ms_diag_error(d, n->pos, "invalid fraction \"%s\"; expected a number such as 0.002 or 0.2%%", s);
        return -1;
    }
    if (percent)
        v /= 100;
    if (!(v >= 0 && v <= 1)) {
        ms_diag_error(d, n->pos, "fraction \"%s\" is out of range; expected 0%% to 100%% (or 0 to 1)", s);
        return -1;
    }
    *out = v;
    return 0;
}

int cfg_read_percent(const cfg_node *n, ms_diag *d, double *out_0_100)
{
    if (need_scalar(n, d, "a percentage from 0 to 100") < 0)
        return -1;
    const char *s = n->u.scalar.str;
    double v;
    bool percent; /* 12.5 and 12.5% mean the same */
    if (scan_percent(s, &v, &percent) < 0) {
        ms_diag_error(d, n->pos, "expected a percentage from 0 to 100, found \"%s\"", s);
        return -1;
    }
    if (!(v >= 0 && v <= 100)) {
        ms_diag_error(d, n->pos, "percentage %s is out of range; expected 0 to 100", s);
        return -1;
    }
    *out_0_100 = v;
    return 0;
}

/* --- plain values --------------------------------------------------------------- */

int cfg_read_int(const cfg_node *n, ms_diag *d, int64_t min, int64_t max, int64_t *out)
{
    if (need_scalar(n, d, "an integer") < 0)
        return -1;
    const char *s = n->u.scalar.str;
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2])
        base = 16, p += 2;
    uint64_t v = 0;
    bool overflow = false;
    const char *digits = p;
    for (; *p; p++) {
        int dv;
        if (*p >= '0' && *p <= '9')
            dv = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            dv = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            dv = *p - 'A' + 10;
        else if (*p == '_' && p != digits)
            continue;
        else
            break;
        if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base)
            overflow = true;
        else
            v = v * (uint64_t)base + (uint64_t)dv;
    }
    if (*p || p == digits) {
        ms_diag_error(d, n->pos, "expected an integer, found \"%s\"", s);
        return -1;
    }
    bool fits = !overflow && v <= (uint64_t)INT64_MAX + (neg ? 1u : 0u);
    int64_t r = !fits ? 0 : neg ? (int64_t)(0 - v) : (int64_t)v;
    if (!fits || r < min || r > max) {
        ms_diag_error(d, n->pos, "integer %s is out of range; expected %lld to %lld", s,
                      (long long)min, (long long)max);
        return -1;
    }
    *out = r;
    return 0;
}

int cfg_read_double(const cfg_node *n, ms_diag *d, double min, double max, double *out)
{
    if (need_scalar(n, d, "a number") < 0)
        return -1;
    const char *s = n->u.scalar.str;
    double v;
    const char *u = cfg__scan_number(s, &v);
    if (!u || *u) {
        ms_diag_error(d, n->pos, "expected a number, found \"%s\"", s);
        return -1;
    }
    if (!isfinite(v)) {
        ms_diag_error(d, n->pos, "number %s is too large", s);
        return -1;
    }
    if (v < min || v > max) {
        ms_diag_error(d, n->pos, "number %s is out of range; expected %g to %g", s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cfg_read_bool(const cfg_node *n, ms_diag *d, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    if (need_scalar(n, d, "true or false") < 0)
        return -1;
    for (size_t i = 0; i < CFG_COUNT(yes); i++) {
        if (!strcmp(n->u.scalar.str, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcmp(n->u.scalar.str, no[i])) {
            *out = false;
            return 0;
        }
    }
    ms_diag_error(d, n->pos, "expected true or false, found \"%s\"", n->u.scalar.str);
    return -1;
}

int cfg_read_string(const cfg_node *n, ms_diag *d, const char **out)
{
    if (need_scalar(n, d, "a string") < 0)
        return -1;
    *out = n->u.scalar.str;
    return 0;
}

/* --- shapes and fields ---------------------------------------------------------- */

static int expect_kind(const cfg_node *n, ms_diag *d, const char *what, cfg_kind kind,
                       const char *name)
{
    assert(n);
    if (n->kind == kind)
        return 0;
    char found[64];
    cfg__describe(n, found, sizeof found);
    if (what)
        ms_diag_error(d, n->pos, "expected %s for %s, found %s", name, what, found);
    else
        ms_diag_error(d, n->pos, "expected %s, found %s", name, found);
    return -1;
}

int cfg_expect_map(const cfg_node *n, ms_diag *d, const char *what)
{
    return expect_kind(n, d, what, CFG_MAP, "a mapping");
}

int cfg_expect_seq(const cfg_node *n, ms_diag *d, const char *what)
{
    return expect_kind(n, d, what, CFG_SEQ, "a sequence");
}

int cfg_check_fields(const cfg_node *n, ms_diag *d, const char *const *known, size_t nknown)
{
    if (!n || n->kind != CFG_MAP)
        return 0;
    int unknown = 0;
    for (size_t i = 0; i < n->u.map.len; i++) {
        const cfg_node *k = n->u.map.items[i].key;
        const char *name = k->u.scalar.str;
        size_t j;
        for (j = 0; j < nknown; j++)
            if (!strcmp(name, known[j]))
                break;
        if (j < nknown)
            continue;
        unknown++;
        ms_suggest_report(d, k->pos, name, known, nknown, NULL, "unknown field \"%s\"", name);
    }
    return unknown;
}
