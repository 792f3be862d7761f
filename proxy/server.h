/*
 * server.h - meshproxy: the configuration loaded from YAML, worker threads
 * each running an event loop on its own SO_REUSEPORT listener, the admin
 * port, SIGHUP reload and SIGTERM drain.
 */
#ifndef PX_SERVER_H
#define PX_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/ratelimit.h"
#include "policy/timeout.h"
#include "policy/cidr.h"
#include "proxy/http1.h"

/* The longest timeout meshproxy keeps, the policy's (about 146 years): a
 * longer one, from the command line or a request's x-envoy-* header, is
 * capped to it, so that a deadline (a clock reading plus the timeout) cannot
 * overflow. */
#define PX_TIMEOUT_MAX_NS POL_TIMEOUT_MAX_NS

typedef struct px_options {
    const char *const *paths; /* YAML files or directories */
    size_t npaths;
    const char *listen;       /* "127.0.0.1:15001" */
    const char *admin;        /* "127.0.0.1:15000"; NULL: no admin port */
    int workers;              /* >= 1 */
    const char *ns;           /* the proxy's namespace ("default") */
    const char *gateway;      /* NULL: a sidecar ("mesh"); else the Gateway "ns/name" it stands for */
    const pol_cidr *internal;  /* a gateway's internal callers (Envoy's internal_address_config) */
    size_t ninternal;         /* 0: none, every caller of a gateway is external */
    uint64_t seed;            /* per-worker random streams derive from it */
    const char *access_log;   /* NULL: none; "-": stdout; else a file (appended) */
    int64_t drain_timeout_ns; /* SIGTERM: longest wait for in-flight requests */
    int64_t header_timeout_ns;/* whole request head (slowloris): 408 */
    int64_t body_timeout_ns;  /* between body reads: 408 */
    int64_t idle_timeout_ns;  /* downstream keep-alive idle */
    int64_t stream_idle_timeout_ns; /* a request (or upgraded tunnel) with no bytes either
                                     * way: 408 / 504 SI, or closed once the response
                                     * started (Envoy's stream_idle_timeout); 0: none */
    uint64_t max_body_bytes;  /* request body limit: 413; 0: none (bodies are streamed) */
    uint64_t retry_buffer_bytes; /* body bytes kept so a retry can resend them; a larger
                                  * body is still streamed but no longer retried */
    px_http_limits limits;
    bool rate_limit;          /* local rate limit (Envoy's filter, 100 % enabled and enforced) */
    pol_ratelimit_config rl;
    int ready_fd;             /* >= 0: write "ready PORT ADMINPORT\n" there once listening */
    const char *version;      /* for /server_info */
} px_options;

/* Defaults: listen 127.0.0.1:15001, admin 127.0.0.1:15000, 1 worker,
 * namespace "default", drain 5 s, header timeout 10 s, body timeout 10 s, idle
 * 300 s, stream idle 300 s (Envoy's 5 min), no body limit, retry buffer 1 MiB (Envoy's connection buffer
 * limit), Envoy's header limits. */
void px_options_default(px_options *o);

/* Run until SIGTERM/SIGINT drained.  The caller has blocked SIGHUP, SIGTERM,
 * SIGINT and SIGPIPE in every thread (this function creates the threads).
 * Returns 0 after a clean drain, 2 when the first configuration or a socket
 * could not be set up (messages already printed to stderr). */
int px_server_run(const px_options *o);

#endif
