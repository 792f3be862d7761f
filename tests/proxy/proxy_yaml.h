/*
 * proxy_yaml.h - the configuration pieces meshproxy's loopback tests share:
 * a printf into a fresh string for filling in upstream ports, the Endpoints of
 * the `reviews` service on one or two local upstreams, its v1/v2 subsets, and
 * the heads of its VirtualService and DestinationRule (each test writes the
 * rules that follow), and a gateway's Gateway and VirtualService head.  Header-only, included after proxy_fixture.h.
 */
#ifndef PROXY_YAML_H
#define PROXY_YAML_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* vasprintf into a string the caller frees; aborts on allocation failure. */
static inline char *fx_yaml_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

#define FX_ENDPOINTS_HEAD                                                           \
    "apiVersion: meshsim/v1alpha1\nkind: Endpoints\nmetadata: {name: up}\nspec:\n" \
    "  services:\n    - host: reviews\n      port: 9080\n      endpoints:\n"

/* reviews on one upstream: one %d, the port */
#define FX_ENDPOINTS1 FX_ENDPOINTS_HEAD "        - {address: \"127.0.0.1:%d\"}\n---\n"

/* reviews on two upstreams labelled version v1 and v2: two %d, the ports */
#define FX_ENDPOINTS2                                                     \
    FX_ENDPOINTS_HEAD "        - {address: \"127.0.0.1:%d\", labels: {version: v1}}\n" \
                      "        - {address: \"127.0.0.1:%d\", labels: {version: v2}}\n---\n"

#define FX_DR_HEAD \
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\nspec:\n  host: reviews\n"

/* reviews' subsets v1 and v2 by the version label */
#define FX_SUBSETS \
    FX_DR_HEAD "  subsets:\n    - {name: v1, labels: {version: v1}}\n    - {name: v2, labels: {version: v2}}\n"

/* reviews' VirtualService up to its http: list */
#define FX_VS_HEAD                                                           \
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"             \
    "metadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n"

/* the Gateway istio-system/web: HTTP on port 80 for any host */
#define FX_GATEWAY_WEB                                                          \
    "apiVersion: networking.istio.io/v1\nkind: Gateway\n"                      \
    "metadata: {name: web, namespace: istio-system}\nspec:\n"                  \
    "  selector: {istio: ingressgateway}\n"                                    \
    "  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"]}]\n---\n"

/* the VirtualService shop (shop.example.com through istio-system/web) up to
 * its http: list */
#define FX_SHOP_VS_HEAD                                                         \
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"               \
    "metadata: {name: shop}\nspec:\n  hosts: [shop.example.com]\n"            \
    "  gateways: [istio-system/web]\n  http:\n"

#endif
