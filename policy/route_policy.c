/*
 * route_policy.c - mapping every VirtualService HTTP route's retries, timeouts
 * and fault once, and finding a route's mapping again (see route_policy.h).
 */
#include "policy/route_policy.h"

#include <stdbool.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "policy/istio_map.h"

static void map_route(const pol_http_route *http, pol_route_policy *out)
{
    pol_istio_map_retry(http ? &http->retries : NULL, false, &out->retry);
    pol_timeout_config tc = pol_istio_map_timeouts(http ? &http->timeout : NULL, http ? &http->retries : NULL);
    out->timeouts = pol_timeout_compute(&tc, false, 0);
    pol_istio_map_fault(http ? &http->fault : NULL, &out->fault);
}

void pol_route_policies_init(pol_route_policies *p, const pol_virtual_service *vs, size_t nvs)
{
    *p = (pol_route_policies){.vs = vs, .nvs = nvs};
    size_t total = 0;
    p->vs_base = ms_xcalloc(nvs + 1, sizeof *p->vs_base);
    for (size_t i = 0; i < nvs; i++) {
        p->vs_base[i] = total;
        total += vs[i].nhttp;
    }
    p->vs_base[nvs] = total;
    p->routes = ms_xcalloc(total ? total : 1, sizeof *p->routes);
    for (size_t i = 0; i < nvs; i++)
        for (size_t h = 0; h < vs[i].nhttp; h++)
            map_route(&vs[i].http[h], &p->routes[p->vs_base[i] + h]);
    map_route(NULL, &p->fallback);
}

void pol_route_policies_fini(pol_route_policies *p)
{
    free(p->routes);
    free(p->vs_base);
    *p = (pol_route_policies){0};
}

static bool holds(const pol_virtual_service *vs, const pol_http_route *http)
{
    return http >= vs->http && http < vs->http + vs->nhttp;
}

const pol_route_policy *pol_route_policies_find(const pol_route_policies *p, const pol_virtual_service *vs,
                                                const pol_http_route *http)
{
    if (!http)
        return &p->fallback;
    size_t i = vs ? (size_t)(vs - p->vs) : p->nvs;
    if (i >= p->nvs || !holds(vs, http))
        for (i = 0; i < p->nvs && !holds(&p->vs[i], http); i++)
            ;
    if (i >= p->nvs)
        return &p->fallback;
    return &p->routes[p->vs_base[i] + (size_t)(http - p->vs[i].http)];
}
