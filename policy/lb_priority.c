/*
 * lb_priority.c - priority load, panic threshold, locality-weighted choice and
 * Istio's locality failover priorities (policy-semantics.md 4.1 steps 1-3, 4.6,
 * 4.7; traps 12 and 13).
 *
 * Per priority level p (counts of the host set after ejection, 3.6):
 *   health_p   = min(100, floor(ovp * healthy_p / total_p))     integer percent
 *   degraded_p = min(100, floor(ovp * degraded_p / total_p))
 *   normalized = min(100, sum of both over all p)
 * Loads are handed out from P0 down, healthy first then degraded, each
 * min(remaining, floor(avail * 100 / normalized)); the rounding remainder goes
 * to the first level with healthy (else degraded) availability.  With
 * normalized == 0 all load goes to P0 (which has nothing to offer: 503 UH).
 * A level is in panic when 100*healthy/total + 100*degraded/total < threshold,
 * never while normalized == 100; when every level is in panic the loads follow
 * raw host counts.  In panic a pick uses all hosts of the level.
 *
 * Invariants after pol__prio_rebuild(): loads sum to 100 whenever the set has a
 * host; source ids are dense, src_base[p] + avail*(L_p+1) + (slot+1).
 */
#include "policy/lb_int.h"

#include "base/alloc.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pol__prio_fini(pol__prio *pr)
{
    if (pr->loc_edf)
        for (uint32_t i = 0; i < 2 * pr->n; i++)
            pol__edf_fini(&pr->loc_edf[i]);
    free(pr->loc_edf);
    free(pr->loc_w);
    free(pr->healthy_load);
    free(pr->degraded_load);
    free(pr->panic);
    free(pr->src_base);
    memset(pr, 0, sizeof(*pr));
}

uint32_t pol__prio_source_id(const pol_lb *lb, uint32_t p, pol_host_avail avail, int32_t slot)
{
    uint32_t L = pol_host_set_locality_count(lb->hs, p);
    return lb->prio.src_base[p] + (uint32_t)avail * (L + 1) + (uint32_t)(slot + 1);
}

/* Hand out `total` percent over the levels; returns what is left and the
 * first level with non-zero availability (or -1). */
static uint32_t distribute(uint32_t *load, const uint32_t *avail, uint32_t n, uint32_t total,
                           uint32_t normalized, int32_t *first)
{
    *first = -1;
    for (uint32_t p = 0; p < n; p++) {
        if (*first < 0 && avail[p] > 0)
            *first = (int32_t)p;
        uint32_t want = avail[p] * 100 / normalized;
        load[p] = want < total ? want : total;
        total -= load[p];
    }
    return total;
}

/* Host counts of one level: all, healthy, degraded. */
typedef struct level_count {
    uint32_t all, healthy, degraded;
} level_count;

static void compute_loads(pol_lb *lb)
{
    pol__prio *pr = &lb->prio;
    const pol_host_set *hs = lb->hs;
    uint32_t n = pr->n, ovp = lb->cfg.overprovisioning_factor;
    uint32_t *hav = ms_xcalloc(n, sizeof(uint32_t)), *dav = ms_xcalloc(n, sizeof(uint32_t));
    level_count *cnt = ms_xcalloc(n, sizeof(level_count));
    uint32_t normalized = 0, total_hosts = 0;
    for (uint32_t p = 0; p < n; p++) {
        level_count *c = &cnt[p];
        pol_host_set_group(hs, p, POL_HOSTS_ALL, -1, &c->all);
        pol_host_set_group(hs, p, POL_HOSTS_HEALTHY, -1, &c->healthy);
        pol_host_set_group(hs, p, POL_HOSTS_DEGRADED, -1, &c->degraded);
        total_hosts += c->all;
        if (c->all) {
            uint64_t a = (uint64_t)ovp * c->healthy / c->all;
            uint64_t b = (uint64_t)ovp * c->degraded / c->all;
            hav[p] = a > 100 ? 100 : (uint32_t)a;
            dav[p] = b > 100 ? 100 : (uint32_t)b;
        }
        normalized += hav[p] + dav[p];
    }
    if (normalized > 100)
        normalized = 100;

    if (normalized == 0) {
        pr->healthy_load[0] = 100; /* sinkhole into P0 */
    } else {
        int32_t first_h, first_d;
        uint32_t left = distribute(pr->healthy_load, hav, n, 100, normalized, &first_h);
        left = distribute(pr->degraded_load, dav, n, left, normalized, &first_d);
        if (left) {
            assert(first_h >= 0 || first_d >= 0);
            if (first_h >= 0)
                pr->healthy_load[first_h] += left;
            else
                pr->degraded_load[first_d] += left;
        }
    }

    /* Panic. */
    bool total_panic = true;
    for (uint32_t p = 0; p < n; p++) {
        const level_count *c = &cnt[p];
        bool panic = false;
        if (normalized < 100) {
            double pct = c->all ? 100.0 * c->healthy / c->all + 100.0 * c->degraded / c->all : 0.0;
            panic = pct < lb->cfg.panic_threshold_percent;
        }
        pr->panic[p] = panic;
        total_panic = total_panic && panic;
    }
    if (total_panic && total_hosts > 0) {
        uint32_t sum = 0;
        int32_t first = -1;
        for (uint32_t p = 0; p < n; p++) {
            if (first < 0 && cnt[p].all)
                first = (int32_t)p;
            pr->healthy_load[p] = (uint32_t)(100ull * cnt[p].all / total_hosts);
            pr->degraded_load[p] = 0;
            sum += pr->healthy_load[p];
        }
        pr->healthy_load[first] += 100 - sum;
    }
    free(cnt);
    free(hav);
    free(dav);
}

typedef struct loc_ud {
    const double *w; /* effective weights of (p, avail), indexed by slot + 1 */
} loc_ud;

static double loc_weight(void *ud, uint32_t slot) { return ((loc_ud *)ud)->w[slot + 1]; }

/* Locality EDF schedulers (4.7): weight x min(1, ovp/100 x eligible/all). */
static void build_localities(pol_lb *lb)
{
    pol__prio *pr = &lb->prio;
    const pol_host_set *hs = lb->hs;
    pr->loc_w = ms_xcalloc(pr->n_sources ? pr->n_sources : 1, sizeof(double));
    pr->loc_edf = ms_xcalloc(2 * (pr->n ? pr->n : 1), sizeof(pol__edf));
    for (uint32_t p = 0; p < pr->n; p++) {
        uint32_t L = pol_host_set_locality_count(hs, p);
        for (int k = 0; k < 2; k++) {
            pol_host_avail av = k ? POL_HOSTS_DEGRADED : POL_HOSTS_HEALTHY;
            pol__edf *e = &pr->loc_edf[2 * p + (uint32_t)k];
            if (!lb->cfg.locality_weighted || L == 0) {
                pol__edf_init(e, 0);
                continue;
            }
            double *w = &pr->loc_w[pol__prio_source_id(lb, p, av, -1)];
            for (uint32_t s = 0; s < L; s++) {
                uint32_t all, elig;
                pol_host_set_group(hs, p, POL_HOSTS_ALL, (int32_t)s, &all);
                pol_host_set_group(hs, p, av, (int32_t)s, &elig);
                double ratio = all ? lb->cfg.overprovisioning_factor / 100.0 * elig / all : 0.0;
                if (ratio > 1.0)
                    ratio = 1.0;
                w[s + 1] = pol_host_set_locality_weight(hs, p, s) * ratio;
            }
            bool integral = true;
            for (uint32_t s = 0; s < L; s++)
                integral = integral && w[s + 1] == floor(w[s + 1]);
            pol__edf_init(e, L);
            loc_ud ud = {w};
            pol__edf_build(e, L, loc_weight, &ud, lb->seed, integral);
        }
    }
}

void pol__prio_rebuild(pol_lb *lb)
{
    pol__prio *pr = &lb->prio;
    pol__prio_fini(pr);
    uint32_t n = pol_host_set_priority_count(lb->hs);
    pr->n = n;
    pr->healthy_load = ms_xcalloc(n ? n : 1, sizeof(uint32_t));
    pr->degraded_load = ms_xcalloc(n ? n : 1, sizeof(uint32_t));
    pr->panic = ms_xcalloc(n ? n : 1, sizeof(bool));
    pr->src_base = ms_xcalloc(n ? n : 1, sizeof(uint32_t));
    for (uint32_t p = 0; p < n; p++) {
        pr->src_base[p] = pr->n_sources;
        pr->n_sources += 3 * (pol_host_set_locality_count(lb->hs, p) + 1);
    }
    if (n)
        compute_loads(lb);
    build_localities(lb);
}

uint32_t pol__prio_choose(const pol_lb *lb, uint64_t r, pol_host_avail *avail)
{
    const pol__prio *pr = &lb->prio;
    uint32_t h = (uint32_t)(r % 100) + 1, sum = 0;
    for (uint32_t p = 0; p < pr->n; p++) {
        sum += pr->healthy_load[p];
        if (sum >= h) {
            *avail = POL_HOSTS_HEALTHY;
            return p;
        }
    }
    for (uint32_t p = 0; p < pr->n; p++) {
        sum += pr->degraded_load[p];
        if (sum >= h) {
            *avail = POL_HOSTS_DEGRADED;
            return p;
        }
    }
    *avail = POL_HOSTS_HEALTHY; /* loads sum to 100: not reached with hosts */
    return 0;
}

bool pol__prio_source(pol_lb *lb, uint64_t r, pol__source *src)
{
    pol__prio *pr = &lb->prio;
    if (pr->n == 0)
        return false;
    pol_host_avail avail;
    uint32_t p = pol__prio_choose(lb, r, &avail);
    int32_t slot = -1;
    if (pr->panic[p]) {
        avail = POL_HOSTS_ALL;
    } else if (lb->cfg.locality_weighted) {
        pol__edf *e = &pr->loc_edf[2 * p + (avail == POL_HOSTS_DEGRADED)];
        if (e->n) {
            loc_ud ud = {&pr->loc_w[pol__prio_source_id(lb, p, avail, -1)]};
            slot = (int32_t)pol__edf_pick(e, loc_weight, &ud);
        }
    }
    src->hosts = pol_host_set_group(lb->hs, p, avail, slot, &src->n);
    src->id = pol__prio_source_id(lb, p, avail, slot);
    return true;
}

/* ---- Istio locality failover (4.7) ---- */

static bool streq(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

uint32_t pol_lb_istio_locality_rank(pol_locality client, pol_locality ep,
                                    const pol_lb_failover_rule *rules, size_t n_rules)
{
    if (streq(client.region, ep.region)) {
        if (streq(client.zone, ep.zone))
            return streq(client.subzone, ep.subzone) ? 0 : 1;
        return 2;
    }
    for (size_t i = 0; i < n_rules; i++) {
        if (streq(rules[i].from, client.region))
            return streq(rules[i].to, ep.region) ? 3 : 4;
    }
    return 3;
}

void pol_lb_istio_apply_failover(pol_host_set *hs, pol_locality client, bool outlier_detection,
                                 const pol_lb_failover_rule *rules, size_t n_rules)
{
    /* The rank depends on the locality only: rank each interned locality once
     * (all 0 without outlier detection). */
    uint32_t n = pol_host_set_count(hs), nl = pol_host_set_locality_table_size(hs);
    uint32_t *rank = ms_xcalloc(nl ? nl : 1, sizeof(uint32_t));
    for (uint32_t l = 0; outlier_detection && l < nl; l++)
        rank[l] = pol_lb_istio_locality_rank(client, pol_host_set_locality(hs, l), rules, n_rules);
    bool used[5] = {false};
    for (uint32_t i = 0; i < n; i++)
        used[rank[pol_host_set_host(hs, i)->locality]] = true;
    /* Compact 0..4 to 0..N-1 without gaps. */
    uint32_t rank_of[5] = {0}, next = 0;
    for (uint32_t r = 0; r < 5; r++)
        if (used[r])
            rank_of[r] = next++;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = rank_of[rank[pol_host_set_host(hs, i)->locality]];
        if (pol_host_set_host(hs, i)->priority != p)
            pol_host_set_set_priority(hs, i, p);
    }
    free(rank);
}
