/*
 * istio_map.c - Istio -> Envoy translation for retries, timeouts, outlier
 * detection, connection pools and faults (policy-semantics.md 1.10, 2, 3.7, 5.2,
 * 6.1).  Paraphrases pilot's behaviour as described in the reference; no Istio
 * code is copied.
 *
 * Choice between Istio versions: the default retry policy is the >= 1.24 one
 * (retriable_status_codes empty, i.e. 503 is NOT retried by default; Istio PR
 * #52111 and commit 748c90d removed the compatibility flag).  A caller modelling
 * an older mesh uses pol_retry_policy_istio_legacy_default() instead.
 */
#include "policy/istio_map.h"

#include <string.h>

#define NS_PER_MS INT64_C(1000000)

/* --- retries and timeouts ------------------------------------------------------- */

static bool retries_enabled(const pol_http_retry *in)
{
    if (!in || !in->set)
        return true; /* the default policy */
    return in->attempts.set && in->attempts.v > 0;
}

int pol_istio_map_retry(const pol_http_retry *in, bool single_consistent_hash_destination,
                        pol_retry_policy *out)
{
    pol_retry_policy_istio_default(out, single_consistent_hash_destination);
    if (!in || !in->set)
        return 0;
    if (!retries_enabled(in)) {
        pol_retry_policy_envoy_default(out);
        out->num_retries = 0;
        out->retry_on = 0; /* no retry policy emitted */
        return 0;
    }
    int bad = 0;
    out->num_retries = in->attempts.v > UINT32_MAX ? UINT32_MAX : (uint32_t)in->attempts.v;
    if (in->retry_on && in->retry_on[0] != '\0') {
        out->retry_on = 0;
        out->n_retriable_status_codes = 0;
        bad = pol_retry_on_parse(in->retry_on, out, NULL, NULL);
    }
    if (in->per_try_timeout.set && in->per_try_timeout.ns > 0)
        out->per_try_timeout_ns = in->per_try_timeout.ns;
    if (in->retry_remote_localities.set && in->retry_remote_localities.v)
        out->previous_priorities_update_frequency = 2;
    if (in->retry_ignore_previous_hosts.set && !in->retry_ignore_previous_hosts.v)
        out->previous_hosts = false;
    if (in->backoff.set && in->backoff.ns > 0) {
        out->base_interval_ns = in->backoff.ns;
        out->max_interval_ns = 0; /* left unset: 10 x base */
    }
    return bad;
}

pol_timeout_config pol_istio_map_timeouts(const pol_opt_duration *timeout, const pol_http_retry *retries)
{
    int64_t t = (timeout && timeout->set) ? timeout->ns : -1;
    int64_t per_try = 0;
    if (retries && retries->set && retries_enabled(retries) && retries->per_try_timeout.set)
        per_try = retries->per_try_timeout.ns;
    return pol_timeout_config_istio(t, per_try);
}

/* --- outlier detection ----------------------------------------------------------------- */

static uint32_t u32(int64_t v)
{
    if (v < 0)
        return 0;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void pol_istio_map_outlier(const pol_outlier_detection *in, bool always_send_unhealthy,
                           pol_outlier_config *out, uint32_t *panic_threshold_pct)
{
    *out = pol_outlier_config_istio(); /* enforcing_success_rate 0 */
    if (in->consecutive_5xx_errors.set) {
        uint32_t v = u32(in->consecutive_5xx_errors.v);
        out->consecutive_5xx = v;
        out->enforcing_consecutive_5xx = v > 0 ? 100 : 0;
    }
    if (in->consecutive_gateway_errors.set) {
        uint32_t v = u32(in->consecutive_gateway_errors.v);
        out->consecutive_gateway_failure = v;
        out->enforcing_consecutive_gateway_failure = v > 0 ? 100 : 0;
    }
    if (in->interval.set && in->interval.ns > 0)
        out->interval_ns = in->interval.ns;
    if (in->base_ejection_time.set && in->base_ejection_time.ns > 0)
        out->base_ejection_time_ns = in->base_ejection_time.ns;
    if (in->max_ejection_percent.set && in->max_ejection_percent.v > 0)
        out->max_ejection_percent = u32(in->max_ejection_percent.v);
    if (in->split_external_local_origin_errors.set && in->split_external_local_origin_errors.v) {
        out->split_external_local_origin_errors = true;
        out->enforcing_local_origin_success_rate = 0;
        if (in->consecutive_local_origin_failures.set && in->consecutive_local_origin_failures.v > 0) {
            out->consecutive_local_origin_failure = u32(in->consecutive_local_origin_failures.v);
            out->enforcing_consecutive_local_origin_failure = 100;
        }
    }
    *panic_threshold_pct = pol_istio_panic_threshold(in, always_send_unhealthy);
}

uint32_t pol_istio_panic_threshold(const pol_outlier_detection *od, bool always_send_unhealthy)
{
    if (always_send_unhealthy)
        return 0;
    if (!od)
        return 50;
    return od->min_health_percent.set ? u32(od->min_health_percent.v) : 0;
}

/* --- connection pool -------------------------------------------------------------------- */

void pol_istio_map_connection_pool(const pol_connection_pool *in, pol_circuit_thresholds *out,
                                   pol_istio_pool_settings *settings)
{
    *out = pol_circuit_thresholds_istio();
    pol_istio_pool_settings s = {
        .connect_timeout_ns = POL_ISTIO_CONNECT_TIMEOUT_NS,
        .idle_timeout_ns = POL_ISTIO_IDLE_TIMEOUT_NS,
        .max_connection_duration_ns = 0,
        .max_requests_per_connection = 0,
        .max_concurrent_streams = 0,
        .h2_upgrade_policy = POL_H2_DEFAULT,
        .use_client_protocol = false,
    };
    if (in) {
        if (in->tcp.max_connections.set && in->tcp.max_connections.v > 0)
            out->max_connections = (uint64_t)in->tcp.max_connections.v;
        if (in->http.http1_max_pending_requests.set && in->http.http1_max_pending_requests.v > 0)
            out->max_pending_requests = (uint64_t)in->http.http1_max_pending_requests.v;
        if (in->http.http2_max_requests.set && in->http.http2_max_requests.v > 0)
            out->max_requests = (uint64_t)in->http.http2_max_requests.v;
        if (in->http.max_retries.set && in->http.max_retries.v > 0)
            out->max_retries = (uint64_t)in->http.max_retries.v;
        if (in->tcp.connect_timeout.set && in->tcp.connect_timeout.ns > 0)
            s.connect_timeout_ns = in->tcp.connect_timeout.ns;
        if (in->http.idle_timeout.set)
            s.idle_timeout_ns = in->http.idle_timeout.ns;
        else if (in->tcp.idle_timeout.set)
            s.idle_timeout_ns = in->tcp.idle_timeout.ns;
        if (in->tcp.max_connection_duration.set && in->tcp.max_connection_duration.ns > 0)
            s.max_connection_duration_ns = in->tcp.max_connection_duration.ns;
        if (in->http.max_requests_per_connection.set && in->http.max_requests_per_connection.v > 0)
            s.max_requests_per_connection = (uint64_t)in->http.max_requests_per_connection.v;
        if (in->http.max_concurrent_streams.set && in->http.max_concurrent_streams.v > 0)
            s.max_concurrent_streams = (uint64_t)in->http.max_concurrent_streams.v;
        s.h2_upgrade_policy = in->http.h2_upgrade_policy;
        s.use_client_protocol = in->http.use_client_protocol.set && in->http.use_client_protocol.v;
    }
    if (settings)
        *settings = s;
}

/* --- fault injection ---------------------------------------------------------------------- */

int pol_istio_map_fault(const pol_fault_injection *in, pol_fault_config *out)
{
    memset(out, 0, sizeof *out);
    out->grpc_status = -1;
    out->delay_percent = pol_fraction_hundred(0);
    out->abort_percent = pol_fraction_hundred(0);
    if (!in || !in->set)
        return 0;
    int rc = 0;
    if (in->delay.set && in->delay.fixed_delay.set) {
        out->has_delay = true;
        out->delay_ns = in->delay.fixed_delay.ns;
        if (in->delay.percentage.set)
            out->delay_percent = pol_fraction_from_percent(in->delay.percentage.v);
        else
            out->delay_percent = pol_fraction_hundred(in->delay.percent.set ? u32(in->delay.percent.v) : 0);
    }
    if (in->abort.set) {
        bool ok = true;
        if (in->abort.grpc_status) {
            int g = pol_grpc_status_from_name(in->abort.grpc_status);
            if (g < 0) {
                ok = false;
                rc = -1;
            }
            out->grpc_status = g;
        } else if (in->abort.http_status.set) {
            out->http_status = (int)in->abort.http_status.v;
        } else {
            ok = false; /* http2Error or nothing: Istio drops the abort */
        }
        if (ok) {
            out->has_abort = true;
            out->abort_percent = in->abort.percentage.set ? pol_fraction_from_percent(in->abort.percentage.v)
                                                          : pol_fraction_from_percent(0);
        } else {
            out->grpc_status = -1;
        }
    }
    return rc;
}
