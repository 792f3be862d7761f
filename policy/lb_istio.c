/*
 * lb_istio.c - Istio DestinationRule `loadBalancer` (+ outlierDetection) to the
 * Envoy load-balancer configuration, as istiod does it (policy-semantics.md
 * 4.3, 4.5, 4.6 "Istio and the panic threshold", 4.7, 4.9, section 10).
 *
 *   no loadBalancer / simple UNSPECIFIED   -> LEAST_REQUEST (Istio >= 1.14)
 *   simple LEAST_REQUEST / LEAST_CONN      -> LEAST_REQUEST (choice 2, bias 1.0)
 *   simple ROUND_ROBIN / RANDOM            -> same
 *   simple PASSTHROUGH                     -> not a balancer (ORIGINAL_DST): error
 *   consistentHash without algorithm block -> RING_HASH, minimum ring 1024
 *   consistentHash.ringHash / minimumRingSize -> RING_HASH (0 means 1024)
 *   consistentHash.maglev                  -> MAGLEV; tableSize required, prime,
 *                                             < 5 000 011 (Istio validation)
 *   warmup {duration, minimumPercent 10, aggression 1.0} (RR and LEAST_REQUEST
 *   only); the deprecated warmupDurationSecs sets the window only and is used
 *   when `warmup` is absent.
 *   panic threshold: pol_istio_panic_threshold() (istio_map.c): with an
 *   outlierDetection block minHealthPercent (default 0: no panic); without,
 *   50 %; 0 either way when the control plane sends unhealthy endpoints
 *   (Istio 1.31-dev default; caller's flag).
 *   locality-weighted LB: when `distribute` is used, or when failover applies
 *   (outlier detection present) and `failover`/`failoverPriority` is given.
 *
 * Pure conversion: reads the settings, writes a pol_lb_config; the only
 * allocation is the temporary rule array of pol_lb_istio_assign_priorities().
 */
#include "policy/istio_map.h"
#include "policy/lb_int.h"
#include "policy/resources.h"

#include "base/alloc.h"

#include <stdlib.h>

#define ISTIO_MAGLEV_MAX 5000011

static bool locality_enabled(const pol_locality_lb_setting *l)
{
    return !(l->set && l->enabled.set && !l->enabled.v);
}

static void apply_warmup(const pol_load_balancer_settings *lb, pol_lb_config *cfg)
{
    if (lb->warmup.set && lb->warmup.duration.set && lb->warmup.duration.ns > 0) {
        cfg->slow_start = true;
        cfg->slow_start_window_ns = lb->warmup.duration.ns;
        if (lb->warmup.minimum_percent.set)
            cfg->slow_start_min_weight_percent = lb->warmup.minimum_percent.v;
        if (lb->warmup.aggression.set)
            cfg->slow_start_aggression = lb->warmup.aggression.v;
    } else if (lb->warmup_duration_secs.set && lb->warmup_duration_secs.ns > 0) {
        cfg->slow_start = true;
        cfg->slow_start_window_ns = lb->warmup_duration_secs.ns;
    }
}

static int apply_consistent_hash(const pol_consistent_hash *ch, pol_lb_config *cfg,
                                 const char **why)
{
    switch (ch->key) {
    case POL_HASH_KEY_HEADER:
        cfg->hash_source = POL_LB_HASH_HEADER;
        break;
    case POL_HASH_KEY_COOKIE:
        cfg->hash_source = POL_LB_HASH_COOKIE;
        cfg->cookie_ttl_set = ch->http_cookie.ttl.set;
        break;
    case POL_HASH_KEY_SOURCE_IP:
        cfg->hash_source = POL_LB_HASH_SOURCE_IP;
        break;
    case POL_HASH_KEY_QUERY_PARAM:
        cfg->hash_source = POL_LB_HASH_QUERY_PARAM;
        break;
    case POL_HASH_KEY_NONE:
        cfg->hash_source = POL_LB_HASH_NONE;
        break;
    }
    if (ch->algo == POL_HASH_ALGO_MAGLEV) {
        if (!ch->maglev_table_size.set) {
            *why = "consistentHash.maglev requires tableSize";
            return -1;
        }
        int64_t m = ch->maglev_table_size.v;
        if (m <= 0 || m >= ISTIO_MAGLEV_MAX || !pol__lb_is_prime((uint64_t)m)) {
            *why = "consistentHash.maglev.tableSize must be a prime below 5000011";
            return -1;
        }
        cfg->policy = POL_LB_POLICY_MAGLEV;
        cfg->maglev_table_size = (uint64_t)m;
        return 0;
    }
    cfg->policy = POL_LB_POLICY_RING_HASH;
    cfg->min_ring_size = 1024; /* Istio writes it explicitly */
    if (ch->minimum_ring_size.set && ch->minimum_ring_size.v > 0)
        cfg->min_ring_size = (uint64_t)ch->minimum_ring_size.v;
    if (cfg->min_ring_size > cfg->max_ring_size) {
        *why = "consistentHash minimumRingSize exceeds the maximum ring size (8388608)";
        return -1;
    }
    return 0;
}

int pol_lb_config_from_istio(const struct pol_load_balancer_settings *lb,
                             const struct pol_outlier_detection *od, bool send_unhealthy_endpoints,
                             pol_lb_config *cfg, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    pol_lb_config_init_istio(cfg);

    cfg->panic_threshold_percent = pol_istio_panic_threshold(od, send_unhealthy_endpoints);

    if (!lb)
        return 0;
    switch (lb->kind) {
    case POL_LB_KIND_NONE:
        break;
    case POL_LB_KIND_SIMPLE:
        switch (lb->simple) {
        case POL_LB_UNSPECIFIED:
        case POL_LB_LEAST_CONN:
        case POL_LB_LEAST_REQUEST:
            cfg->policy = POL_LB_POLICY_LEAST_REQUEST;
            break;
        case POL_LB_ROUND_ROBIN:
            cfg->policy = POL_LB_POLICY_ROUND_ROBIN;
            break;
        case POL_LB_RANDOM:
            cfg->policy = POL_LB_POLICY_RANDOM;
            break;
        case POL_LB_PASSTHROUGH:
            *why = "PASSTHROUGH is an original-destination cluster, not a load balancer";
            return -1;
        }
        break;
    case POL_LB_KIND_CONSISTENT_HASH:
        if (apply_consistent_hash(&lb->consistent_hash, cfg, why) != 0)
            return -1;
        break;
    }
    if (cfg->policy == POL_LB_POLICY_ROUND_ROBIN || cfg->policy == POL_LB_POLICY_LEAST_REQUEST)
        apply_warmup(lb, cfg);

    const pol_locality_lb_setting *l = &lb->locality_lb_setting;
    if (l->set && locality_enabled(l)) {
        bool failover_applies = od != NULL;
        if (l->ndistribute > 0)
            cfg->locality_weighted = true;
        else if (failover_applies && (l->nfailover > 0 || l->failover_priority.len > 0))
            cfg->locality_weighted = true;
    }
    return 0;
}

void pol_lb_istio_assign_priorities(pol_host_set *hs, pol_locality client,
                                    const struct pol_load_balancer_settings *lb, bool has_od)
{
    const pol_locality_lb_setting *l = lb ? &lb->locality_lb_setting : NULL;
    bool enabled = !l || locality_enabled(l);
    size_t n = l && l->ndistribute == 0 ? l->nfailover : 0;
    pol_lb_failover_rule *rules = ms_xcalloc(n ? n : 1, sizeof(*rules));
    for (size_t i = 0; i < n; i++) {
        rules[i].from = l->failover[i].from;
        rules[i].to = l->failover[i].to;
    }
    bool distribute = l && l->ndistribute > 0; /* distribute excludes failover */
    pol_lb_istio_apply_failover(hs, client, enabled && has_od && !distribute, rules, n);
    free(rules);
}
