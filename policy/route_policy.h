/*
 * route_policy.h - the resilience policy of every VirtualService HTTP route
 * (retries, timeouts, fault injection), mapped once from the Istio API
 * (policy/istio_map.h) when a configuration is built, and found again from the
 * route a routing decision took (policy/route.h).  The simulator's mesh and
 * meshproxy's configuration both hold one.
 *
 * Every route is mapped as Istio maps it when its destination is not a single
 * consistent-hash one (the previous_hosts retry predicate kept).
 */
#ifndef POL_ROUTE_POLICY_H
#define POL_ROUTE_POLICY_H

#include <stddef.h>

#include "policy/fault.h"
#include "policy/resources.h"
#include "policy/retry.h"
#include "policy/timeout.h"

/* One route's mapped policy. */
typedef struct pol_route_policy {
    pol_retry_policy retry;
    pol_timeouts timeouts;
    pol_fault_config fault; /* has_delay / has_abort false: no fault */
} pol_route_policy;

/* The policies of a list of VirtualServices.  Fields are read-only. */
typedef struct pol_route_policies {
    const pol_virtual_service *vs; /* borrowed: must outlive the policies */
    size_t nvs;
    pol_route_policy *routes;  /* owned: one per HTTP route, VirtualService by VirtualService */
    size_t *vs_base;           /* owned: index in routes of each VirtualService's first route */
    pol_route_policy fallback; /* Istio's defaults: a route without a VirtualService rule */
} pol_route_policies;

/* Map every HTTP route of vs[0..nvs); the fault blocks' names must have been
 * checked (a bad grpcStatus drops the abort, as pol_istio_map_fault says). */
void pol_route_policies_init(pol_route_policies *p, const pol_virtual_service *vs, size_t nvs);
void pol_route_policies_fini(pol_route_policies *p);

/* The policy of the HTTP route `http`, which belongs to `vs` or, for a
 * delegated route, to another of the VirtualServices (searched for then);
 * the fallback when http is NULL or none of them holds it. */
const pol_route_policy *pol_route_policies_find(const pol_route_policies *p, const pol_virtual_service *vs,
                                                const pol_http_route *http);

#endif
