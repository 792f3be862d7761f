/*
 * outlier.c - outlier detection for one cluster (policy-semantics.md section 3).
 *
 * Per host we keep the three consecutive counters, the ejection state, and two
 * request buckets (current, closed) for each of the two monitors (external
 * origin, local origin).  All arrays are allocated at create; report and tick
 * allocate nothing.  Arithmetic choices:
 *   - success rates and the threshold are doubles, as in Envoy;
 *   - the max-ejection check is computed in double as 100.0*(active+1)/total so
 *     that 1/10 at 10 % is exactly allowed (10.0 <= 10);
 *   - jitter is drawn in whole milliseconds, as Envoy does (u64 mod (jitter_ms+1)).
 * Invariant: stats.ejections_active == number of hosts with ejected == true.
 */
#include "policy/outlier.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define NS_PER_MS INT64_C(1000000)
#define DEFAULT_MAX_EJECTION_NS (INT64_C(300000) * NS_PER_MS)

typedef struct bucket {
    uint64_t success, total;
} bucket;

typedef struct monitor {
    bucket cur, closed;
} monitor;

typedef struct host {
    uint32_t c5xx, cgw, clocal;
    bool ejected;
    bool has_unejection;
    uint32_t multiplier;
    int64_t last_ejection_ns;
    int64_t last_unejection_ns;
    int64_t jitter_ns;
    monitor ext, local;
    double sr_published;
} host;

struct pol_outlier {
    pol_outlier_config cfg;
    uint32_t n;
    host *hosts;
    pol_outlier_stats stats;
    double sr_threshold;
    double *scratch; /* n success rates for the sweep */
};

pol_outlier_config pol_outlier_config_envoy(void)
{
    pol_outlier_config c = {
        .interval_ns = 10000 * NS_PER_MS,
        .base_ejection_time_ns = 30000 * NS_PER_MS,
        .max_ejection_time_ns = 0,
        .max_ejection_time_jitter_ns = 0,
        .max_ejection_percent = 10,
        .always_eject_one_host = false,
        .consecutive_5xx = 5,
        .enforcing_consecutive_5xx = 100,
        .consecutive_gateway_failure = 5,
        .enforcing_consecutive_gateway_failure = 0,
        .split_external_local_origin_errors = false,
        .consecutive_local_origin_failure = 5,
        .enforcing_consecutive_local_origin_failure = 100,
        .success_rate_minimum_hosts = 5,
        .success_rate_request_volume = 100,
        .success_rate_stdev_factor = 1900,
        .enforcing_success_rate = 100,
        .enforcing_local_origin_success_rate = 100,
        .failure_percentage_threshold = 85,
        .failure_percentage_minimum_hosts = 5,
        .failure_percentage_request_volume = 50,
        .enforcing_failure_percentage = 0,
        .enforcing_failure_percentage_local_origin = 0,
    };
    return c;
}

pol_outlier_config pol_outlier_config_istio(void)
{
    pol_outlier_config c = pol_outlier_config_envoy();
    c.enforcing_success_rate = 0;
    return c;
}

int64_t pol_outlier_config_max_ejection_ns(const pol_outlier_config *c)
{
    if (c->max_ejection_time_ns > 0)
        return c->max_ejection_time_ns;
    return c->base_ejection_time_ns > DEFAULT_MAX_EJECTION_NS ? c->base_ejection_time_ns
                                                              : DEFAULT_MAX_EJECTION_NS;
}

int pol_outlier_config_check(const pol_outlier_config *c)
{
    if (c->interval_ns <= 0 || c->base_ejection_time_ns <= 0)
        return -1;
    if (pol_outlier_config_max_ejection_ns(c) < c->base_ejection_time_ns)
        return -1;
    return 0;
}

#define OS_(f, k) {#f, offsetof(pol_outlier_stats, f), POL_STAT_##k}
#define OD_(t, s) {"ejections_detected_" s, offsetof(pol_outlier_stats, ejections_detected) + (t) * sizeof(uint64_t), POL_STAT_COUNTER}
#define OE_(t, s) {"ejections_enforced_" s, offsetof(pol_outlier_stats, ejections_enforced) + (t) * sizeof(uint64_t), POL_STAT_COUNTER}

const pol_stat_desc *pol_outlier_stats_table(size_t *n)
{
    static const pol_stat_desc table[] = {
        OS_(ejections_active, GAUGE),
        OS_(ejections_overflow, COUNTER),
        OS_(ejections_enforced_total, COUNTER),
        OS_(ejections_total, COUNTER),
        OS_(ejections_consecutive_5xx, COUNTER),
        OD_(0, "consecutive_5xx"),
        OD_(1, "consecutive_gateway_failure"),
        OD_(2, "consecutive_local_origin_failure"),
        OD_(3, "success_rate"),
        OD_(4, "local_origin_success_rate"),
        OD_(5, "failure_percentage"),
        OD_(6, "failure_percentage_local_origin"),
        OE_(0, "consecutive_5xx"),
        OE_(1, "consecutive_gateway_failure"),
        OE_(2, "consecutive_local_origin_failure"),
        OE_(3, "success_rate"),
        OE_(4, "local_origin_success_rate"),
        OE_(5, "failure_percentage"),
        OE_(6, "failure_percentage_local_origin"),
    };
    _Static_assert(sizeof table / sizeof table[0] == sizeof(pol_outlier_stats) / sizeof(uint64_t),
                   "every pol_outlier_stats field needs a row");
    *n = sizeof table / sizeof table[0];
    return table;
}

/* --- life cycle ---------------------------------------------------------------- */

pol_outlier *pol_outlier_create(const pol_outlier_config *cfg, uint32_t n_hosts)
{
    assert(n_hosts >= 1);
    pol_outlier *det = ms_xcalloc(1, sizeof *det);
    det->cfg = *cfg;
    det->cfg.max_ejection_time_ns = pol_outlier_config_max_ejection_ns(cfg);
    if (det->cfg.max_ejection_percent > 100)
        det->cfg.max_ejection_percent = 100;
    det->n = n_hosts;
    det->hosts = ms_xcalloc(n_hosts, sizeof *det->hosts);
    det->scratch = ms_xcalloc(n_hosts, sizeof *det->scratch);
    pol_outlier_reset(det);
    return det;
}

void pol_outlier_destroy(pol_outlier *det)
{
    if (!det)
        return;
    free(det->hosts);
    free(det->scratch);
    free(det);
}

void pol_outlier_reset(pol_outlier *det)
{
    memset(det->hosts, 0, det->n * sizeof *det->hosts);
    for (uint32_t i = 0; i < det->n; i++)
        det->hosts[i].sr_published = -1;
    memset(&det->stats, 0, sizeof det->stats);
    det->sr_threshold = -1;
}

/* --- ejection -------------------------------------------------------------------- */

/* Envoy's runtime featureEnabled(key, pct) on a 0..100 value. */
static bool draw_percent(uint32_t pct, ms_rng *rng)
{
    if (pct == 0)
        return false;
    if (pct >= 100)
        return true;
    assert(rng && "outlier: an enforcing percentage in 1..99 needs an rng");
    return ms_rng_u64(rng) % 100 < pct;
}

static uint32_t enforcing(const pol_outlier_config *c, pol_outlier_type t)
{
    switch (t) {
    case POL_OUTLIER_CONSECUTIVE_5XX:
        return c->enforcing_consecutive_5xx;
    case POL_OUTLIER_CONSECUTIVE_GATEWAY_FAILURE:
        return c->enforcing_consecutive_gateway_failure;
    case POL_OUTLIER_CONSECUTIVE_LOCAL_ORIGIN_FAILURE:
        return c->enforcing_consecutive_local_origin_failure;
    case POL_OUTLIER_SUCCESS_RATE:
        return c->enforcing_success_rate;
    case POL_OUTLIER_LOCAL_ORIGIN_SUCCESS_RATE:
        return c->enforcing_local_origin_success_rate;
    case POL_OUTLIER_FAILURE_PERCENTAGE:
        return c->enforcing_failure_percentage;
    case POL_OUTLIER_FAILURE_PERCENTAGE_LOCAL_ORIGIN:
        return c->enforcing_failure_percentage_local_origin;
    default:
        return 0;
    }
}

/* ejectHost (section 3.4).  Returns true if the host is now ejected. */
static bool eject(pol_outlier *det, uint32_t id, pol_outlier_type t, int64_t now_ns, ms_rng *rng)
{
    host *h = &det->hosts[id];
    const pol_outlier_config *c = &det->cfg;
    if (h->ejected)
        return false;
    double after = 100.0 * (double)(det->stats.ejections_active + 1) / (double)det->n;
    bool allowed = after <= (double)c->max_ejection_percent ||
                   (c->always_eject_one_host && det->stats.ejections_active == 0);
    if (!allowed) {
        det->stats.ejections_overflow++;
        return false;
    }
    if (t == POL_OUTLIER_CONSECUTIVE_5XX || t == POL_OUTLIER_SUCCESS_RATE)
        det->stats.ejections_total++;
    if (t == POL_OUTLIER_CONSECUTIVE_5XX)
        det->stats.ejections_consecutive_5xx++;
    if (!draw_percent(enforcing(c, t), rng))
        return false;
    det->stats.ejections_active++;
    det->stats.ejections_enforced_total++;
    det->stats.ejections_enforced[t]++;
    h->ejected = true;
    h->last_ejection_ns = now_ns;
    h->jitter_ns = 0;
    if (c->max_ejection_time_jitter_ns > 0) {
        assert(rng && "outlier: jitter needs an rng");
        uint64_t jms = (uint64_t)(c->max_ejection_time_jitter_ns / NS_PER_MS);
        h->jitter_ns = (int64_t)(ms_rng_u64(rng) % (jms + 1)) * NS_PER_MS;
    }
    if ((int64_t)h->multiplier * c->base_ejection_time_ns <
        c->max_ejection_time_ns + c->base_ejection_time_ns)
        h->multiplier++;
    return true;
}

static int64_t ejection_ns(const pol_outlier *det, const host *h)
{
    int64_t base = det->cfg.base_ejection_time_ns, max = det->cfg.max_ejection_time_ns;
    int64_t d = (int64_t)h->multiplier * base;
    if (d > max)
        d = max;
    return d + h->jitter_ns;
}

static void uneject(pol_outlier *det, host *h, int64_t now_ns)
{
    h->ejected = false;
    det->stats.ejections_active--;
    h->c5xx = h->cgw = h->clocal = 0;
    h->has_unejection = true;
    h->last_unejection_ns = now_ns;
}

/* A consecutive counter reached its threshold (section 3.3). */
static bool consecutive_signal(pol_outlier *det, uint32_t id, pol_outlier_type t, int64_t now_ns,
                               ms_rng *rng)
{
    host *h = &det->hosts[id];
    if (h->ejected)
        return false; /* counter is NOT reset */
    det->stats.ejections_detected[t]++;
    bool ejected = eject(det, id, t, now_ns, rng);
    if (t == POL_OUTLIER_CONSECUTIVE_5XX)
        h->c5xx = 0;
    else if (t == POL_OUTLIER_CONSECUTIVE_GATEWAY_FAILURE)
        h->cgw = 0;
    else
        h->clocal = 0;
    return ejected;
}

/* --- reporting -------------------------------------------------------------------- */

static bool put_http_code(pol_outlier *det, uint32_t id, int code, int64_t now_ns, ms_rng *rng)
{
    host *h = &det->hosts[id];
    const pol_outlier_config *c = &det->cfg;
    bool ejected = false;
    h->ext.cur.total++;
    if (code >= 500 && code <= 599) {
        if (code == 502 || code == 503 || code == 504) {
            h->cgw++;
            if (h->cgw == c->consecutive_gateway_failure)
                ejected |= consecutive_signal(det, id, POL_OUTLIER_CONSECUTIVE_GATEWAY_FAILURE, now_ns, rng);
        } else {
            h->cgw = 0;
        }
        h->c5xx++;
        if (h->c5xx == c->consecutive_5xx)
            ejected |= consecutive_signal(det, id, POL_OUTLIER_CONSECUTIVE_5XX, now_ns, rng);
    } else {
        h->ext.cur.success++;
        h->c5xx = 0;
        h->cgw = 0;
    }
    return ejected;
}

static bool local_origin_failure(pol_outlier *det, uint32_t id, int64_t now_ns, ms_rng *rng)
{
    host *h = &det->hosts[id];
    h->local.cur.total++;
    h->clocal++;
    if (h->clocal == det->cfg.consecutive_local_origin_failure)
        return consecutive_signal(det, id, POL_OUTLIER_CONSECUTIVE_LOCAL_ORIGIN_FAILURE, now_ns, rng);
    return false;
}

bool pol_outlier_report(pol_outlier *det, uint32_t id, int ev, int64_t now_ns, ms_rng *rng)
{
    assert(id < det->n);
    if (ev >= 0)
        return put_http_code(det, id, ev, now_ns, rng);
    bool split = det->cfg.split_external_local_origin_errors;
    host *h = &det->hosts[id];
    switch (ev) {
    case POL_OUTLIER_LOCAL_CONNECT_FAILED:
    case POL_OUTLIER_LOCAL_TIMEOUT:
        if (split)
            return local_origin_failure(det, id, now_ns, rng);
        return put_http_code(det, id, ev == POL_OUTLIER_LOCAL_TIMEOUT ? 504 : 503, now_ns, rng);
    case POL_OUTLIER_LOCAL_CONNECT_SUCCESS:
    case POL_OUTLIER_LOCAL_CONNECT_SUCCESS_FINAL:
        if (!split) /* only the final one counts, as a 200 */
            return ev == POL_OUTLIER_LOCAL_CONNECT_SUCCESS_FINAL &&
                   put_http_code(det, id, 200, now_ns, rng);
        h->clocal = 0;
        h->local.cur.total++;
        h->local.cur.success++;
        return false;
    case POL_OUTLIER_EXT_REQUEST_SUCCESS:
        return put_http_code(det, id, 200, now_ns, rng);
    case POL_OUTLIER_EXT_REQUEST_FAILED:
        return put_http_code(det, id, 500, now_ns, rng);
    default:
        assert(!"bad outlier event");
        return false;
    }
}

/* --- interval sweep ------------------------------------------------------------------ */

/* Success rate of host i in the bucket the sweep just closed, when that bucket
 * holds at least `volume` requests and the host was not ejected when the sweep
 * began; else -1.  Reads det->scratch, filled by sweep_monitor's first pass. */
static double rate_with_volume(const pol_outlier *det, uint32_t i, bool local, uint64_t volume)
{
    const host *h = &det->hosts[i];
    const bucket *b = local ? &h->local.closed : &h->ext.closed;
    return det->scratch[i] >= 0 && b->total >= volume ? det->scratch[i] : -1;
}

/* Success-rate and failure-percentage detection for one monitor (3.5 step 2). */
static uint32_t sweep_monitor(pol_outlier *det, bool local, int64_t now_ns, ms_rng *rng)
{
    const pol_outlier_config *c = &det->cfg;
    if (det->n < c->success_rate_minimum_hosts && det->n < c->failure_percentage_minimum_hosts)
        return 0;
    uint32_t n_sr = 0, n_fp = 0;
    double sum = 0;
    for (uint32_t i = 0; i < det->n; i++) {
        host *h = &det->hosts[i];
        const bucket *b = local ? &h->local.closed : &h->ext.closed;
        det->scratch[i] = -1;
        if (h->ejected || b->total == 0)
            continue;
        double sr = 100.0 * (double)b->success / (double)b->total;
        det->scratch[i] = sr;
        if (b->total >= c->success_rate_request_volume) {
            n_sr++;
            sum += sr;
        }
        if (b->total >= c->failure_percentage_request_volume)
            n_fp++;
    }
    uint32_t ejected = 0;
    pol_outlier_type sr_type = local ? POL_OUTLIER_LOCAL_ORIGIN_SUCCESS_RATE : POL_OUTLIER_SUCCESS_RATE;
    pol_outlier_type fp_type = local ? POL_OUTLIER_FAILURE_PERCENTAGE_LOCAL_ORIGIN : POL_OUTLIER_FAILURE_PERCENTAGE;
    if (n_sr >= c->success_rate_minimum_hosts && n_sr > 0) {
        double mean = sum / n_sr, var = 0;
        for (uint32_t i = 0; i < det->n; i++) {
            double sr = rate_with_volume(det, i, local, c->success_rate_request_volume);
            if (sr >= 0)
                var += (sr - mean) * (sr - mean);
        }
        double stdev = sqrt(var / n_sr);
        double threshold = mean - ((double)c->success_rate_stdev_factor / 1000.0) * stdev;
        if (!local)
            det->sr_threshold = threshold;
        for (uint32_t i = 0; i < det->n; i++) {
            double sr = rate_with_volume(det, i, local, c->success_rate_request_volume);
            if (sr < 0)
                continue;
            if (!local)
                det->hosts[i].sr_published = sr;
            if (sr < threshold) {
                det->stats.ejections_detected[sr_type]++;
                ejected += eject(det, i, sr_type, now_ns, rng);
            }
        }
    }
    if (n_fp >= c->failure_percentage_minimum_hosts && n_fp > 0) {
        for (uint32_t i = 0; i < det->n; i++) {
            double sr = rate_with_volume(det, i, local, c->failure_percentage_request_volume);
            if (sr >= 0 && 100.0 - sr >= (double)c->failure_percentage_threshold) {
                det->stats.ejections_detected[fp_type]++;
                ejected += eject(det, i, fp_type, now_ns, rng);
            }
        }
    }
    return ejected;
}

uint32_t pol_outlier_tick(pol_outlier *det, int64_t now_ns, ms_rng *rng)
{
    /* 1. un-eject, swap buckets, reset published success rates */
    for (uint32_t i = 0; i < det->n; i++) {
        host *h = &det->hosts[i];
        if (h->ejected && ejection_ns(det, h) <= now_ns - h->last_ejection_ns)
            uneject(det, h, now_ns);
        h->ext.closed = h->ext.cur;
        h->local.closed = h->local.cur;
        memset(&h->ext.cur, 0, sizeof h->ext.cur);
        memset(&h->local.cur, 0, sizeof h->local.cur);
        h->sr_published = -1;
    }
    det->sr_threshold = -1;
    /* 2. external origin, then local origin (whose buckets only fill in split
     * mode: without it every local bucket is empty and the sweep finds nothing) */
    uint32_t ejected = sweep_monitor(det, false, now_ns, rng);
    if (det->cfg.split_external_local_origin_errors)
        ejected += sweep_monitor(det, true, now_ns, rng);
    /* 3. multiplier decay for hosts healthy for at least an interval */
    for (uint32_t i = 0; i < det->n; i++) {
        host *h = &det->hosts[i];
        if (!h->ejected && h->has_unejection && now_ns - h->last_unejection_ns >= det->cfg.interval_ns &&
            h->multiplier > 0)
            h->multiplier--;
    }
    return ejected;
}

/* --- queries ------------------------------------------------------------------------ */

bool pol_outlier_is_ejected(const pol_outlier *det, uint32_t id)
{
    assert(id < det->n);
    return det->hosts[id].ejected;
}

uint32_t pol_outlier_ejections_active(const pol_outlier *det)
{
    return (uint32_t)det->stats.ejections_active;
}


uint32_t pol_outlier_host_multiplier(const pol_outlier *det, uint32_t id)
{
    assert(id < det->n);
    return det->hosts[id].multiplier;
}

int64_t pol_outlier_host_ejection_ns(const pol_outlier *det, uint32_t id)
{
    assert(id < det->n);
    const host *h = &det->hosts[id];
    return h->ejected ? ejection_ns(det, h) : 0;
}

void pol_outlier_host_counters(const pol_outlier *det, uint32_t id, uint32_t *c5xx, uint32_t *gw,
                               uint32_t *local_origin)
{
    assert(id < det->n);
    const host *h = &det->hosts[id];
    if (c5xx)
        *c5xx = h->c5xx;
    if (gw)
        *gw = h->cgw;
    if (local_origin)
        *local_origin = h->clocal;
}

double pol_outlier_host_success_rate(const pol_outlier *det, uint32_t id)
{
    assert(id < det->n);
    return det->hosts[id].sr_published;
}

double pol_outlier_success_rate_threshold(const pol_outlier *det) { return det->sr_threshold; }

const pol_outlier_stats *pol_outlier_stats_get(const pol_outlier *det) { return &det->stats; }

void pol_outlier_reset_counters(pol_outlier *det)
{
    size_t n;
    const pol_stat_desc *t = pol_outlier_stats_table(&n);
    pol_stats_zero_counters(&det->stats, t, n);
}

const pol_outlier_config *pol_outlier_config_get(const pol_outlier *det) { return &det->cfg; }
