/*
 * main.c - the meshproxy command line: parse options, block the signals the
 * server handles through its signalfd, run the server (proxy/server.h).
 *
 * Exit status: 0 after a drain, 2 bad input or usage (messages as
 * FILE:LINE:COLUMN: error: ... for the YAML).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "config/units.h"
#include "proxy/server.h"

#ifndef MESHSIM_VERSION
#define MESHSIM_VERSION "0.0.0"
#endif

static const char usage[] =
    "usage: meshproxy -c FILE|DIR... [options]\n"
    "\n"
    "Run the meshsim traffic-policy library as an HTTP/1.1 proxy.  The YAML is the\n"
    "simulator's: Istio VirtualService / DestinationRule / Gateway / ServiceEntry plus\n"
    "an Endpoints document (apiVersion meshsim/v1alpha1) mapping service hosts to real\n"
    "addresses.  The request's Host header picks the VirtualService, as in Envoy.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE...     YAML files or directories (repeatable)\n"
    "  --listen ADDR:PORT       proxy port (default 127.0.0.1:15001; port 0: any)\n"
    "  --admin ADDR:PORT        admin port (default 127.0.0.1:15000; \"none\": no admin)\n"
    "  --workers N              worker threads, one event loop each (default 1)\n"
    "  --namespace NS           the proxy's namespace for short host names (default default)\n"
    "  --gateway NS/NAME        act as that Istio Gateway: its VirtualServices route\n"
    "                           (default: a sidecar, VirtualServices bound to \"mesh\")\n"
    "  --internal-address CIDR  with --gateway: callers in this IPv4/IPv6 range (repeatable)\n"
    "                           are internal, as Envoy's internal_address_config: their\n"
    "                           x-envoy-* overrides are honoured (default: none, as Envoy)\n"
    "  --seed N                 seed of the workers' random streams (default 1)\n"
    "  --access-log PATH        Envoy-format access log; \"-\" for stdout (default: none)\n"
    "  --drain-timeout D        SIGTERM: longest wait for in-flight requests; also the\n"
    "                           drain period of /drain_listeners?graceful (default 5s)\n"
    "  --header-timeout D       time allowed to send a request head, else 408 (default 10s)\n"
    "  --stream-idle-timeout D  a request (or websocket tunnel) with no bytes either way\n"
    "                           for D ends, flag SI: 408 while its request arrives, else\n"
    "                           504 before a response, a reset after (default 5m, as Envoy)\n"
    "  --max-body SIZE          request body limit, else 413 (default: none)\n"
    "  --retry-buffer SIZE      request body bytes kept for retries; a longer body is\n"
    "                           streamed but not retried (default 1MiB, as Envoy)\n"
    "  --rate-limit N/D         local rate limit: a bucket of N tokens refilled every D\n"
    "                           (Envoy's local_ratelimit filter, enforced: 429, flag RL)\n"
    "  --ready-fd FD            write \"ready PORT ADMINPORT\" to FD once listening\n"
    "  -h, --help               this help;  --version  the version\n"
    "\n"
    "request headers from internal callers (Envoy's): x-envoy-retry-on, x-envoy-max-retries,\n"
    "x-envoy-retriable-status-codes, x-envoy-retriable-header-names,\n"
    "x-envoy-upstream-rq-timeout-ms, x-envoy-upstream-rq-per-try-timeout-ms,\n"
    "x-envoy-hedge-on-per-try-timeout: true (a per-try timeout starts a parallel attempt).\n"
    "signals: SIGHUP reloads the files (a broken file leaves the old configuration\n"
    "in force); SIGTERM or SIGINT drains and exits.\n"
    "admin (Envoy's): /ready /stats /stats/prometheus /clusters /config_dump /server_info\n"
    "/help; POST /healthcheck/fail /healthcheck/ok /drain_listeners[?graceful] /reset_counters\n";

static int read_scalar(const char *opt, const char *s, int (*rd)(const cfg_node *, ms_diag *, void *),
                       void *out, ms_diag *d)
{
    cfg_node n = {.kind = CFG_SCALAR};
    n.u.scalar.str = (char *)s;
    n.u.scalar.len = strlen(s);
    n.quoted = true;
    if (rd(&n, d, out) != 0) {
        ms_diag_error(d, (ms_pos){0}, "bad value \"%s\" for %s", s, opt);
        return -1;
    }
    return 0;
}

/* A duration option; one longer than meshproxy keeps is capped (a deadline
 * must not overflow). */
static int rd_dur(const cfg_node *n, ms_diag *d, void *o)
{
    int64_t *ns = o;
    if (cfg_read_duration(n, d, ns) != 0)
        return -1;
    if (*ns > PX_TIMEOUT_MAX_NS)
        *ns = PX_TIMEOUT_MAX_NS;
    return 0;
}
static int rd_size(const cfg_node *n, ms_diag *d, void *o) { return cfg_read_size(n, d, o); }

static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    px_options o;
    px_options_default(&o);
    o.version = MESHSIM_VERSION;
    ms_diag *d = ms_diag_create();
    ms_diag_set_program(d, "meshproxy");
    const char **paths = calloc((size_t)argc, sizeof *paths);
    pol_cidr *internal = calloc((size_t)argc, sizeof *internal);
    size_t npaths = 0;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            rc = 0;
            goto out;
        } else if (!strcmp(a, "--version")) {
            printf("meshproxy %s\n", MESHSIM_VERSION);
            rc = 0;
            goto out;
        } else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && v) {
            i++;
            paths[npaths++] = v;
            while (i + 1 < argc && argv[i + 1][0] != '-')
                paths[npaths++] = argv[++i];
        } else if (!strcmp(a, "--listen") && v) {
            o.listen = argv[++i];
        } else if (!strcmp(a, "--admin") && v) {
            o.admin = strcmp(v, "none") ? v : NULL;
            i++;
        } else if (!strcmp(a, "--workers") && v && parse_int(v, 1, 256, &n) == 0) {
            o.workers = (int)n;
            i++;
        } else if (!strcmp(a, "--gateway") && v) {
            o.gateway = argv[++i];
        } else if (!strcmp(a, "--internal-address") && v) {
            if (pol_cidr_parse(v, &internal[o.ninternal]) != 0) {
                ms_diag_error(d, (ms_pos){0},
                              "bad value \"%s\" for --internal-address: expected an IPv4 or IPv6 CIDR "
                              "such as 10.0.0.0/8 or fd00::/8",
                              v);
                goto out;
            }
            o.ninternal++;
            o.internal = internal;
            i++;
        } else if (!strcmp(a, "--namespace") && v) {
            o.ns = argv[++i];
        } else if (!strcmp(a, "--seed") && v && parse_int(v, 0, 0x7fffffffL, &n) == 0) {
            o.seed = (uint64_t)n;
            i++;
        } else if (!strcmp(a, "--access-log") && v) {
            o.access_log = argv[++i];
        } else if (!strcmp(a, "--drain-timeout") && v) {
            if (read_scalar(a, argv[++i], rd_dur, &o.drain_timeout_ns, d))
                goto out;
        } else if (!strcmp(a, "--header-timeout") && v) {
            if (read_scalar(a, argv[++i], rd_dur, &o.header_timeout_ns, d))
                goto out;
        } else if (!strcmp(a, "--stream-idle-timeout") && v) {
            if (read_scalar(a, argv[++i], rd_dur, &o.stream_idle_timeout_ns, d))
                goto out;
        } else if (!strcmp(a, "--max-body") && v) {
            if (read_scalar(a, argv[++i], rd_size, &o.max_body_bytes, d))
                goto out;
        } else if (!strcmp(a, "--retry-buffer") && v) {
            if (read_scalar(a, argv[++i], rd_size, &o.retry_buffer_bytes, d))
                goto out;
        } else if (!strcmp(a, "--rate-limit") && v) {
            const char *slash = strchr(v, '/');
            int64_t fill = 0;
            char num[32];
            i++;
            if (!slash || (size_t)(slash - v) >= sizeof num) {
                ms_diag_error(d, (ms_pos){0}, "--rate-limit expects N/DURATION, such as 100/1s");
                goto out;
            }
            memcpy(num, v, (size_t)(slash - v));
            num[slash - v] = 0;
            if (parse_int(num, 1, 1000000000L, &n) != 0 || read_scalar(a, slash + 1, rd_dur, &fill, d)) {
                ms_diag_error(d, (ms_pos){0}, "--rate-limit expects N/DURATION, such as 100/1s");
                goto out;
            }
            o.rl = pol_ratelimit_config_make((uint32_t)n, (uint32_t)n, fill);
            o.rl.filter_enabled = pol_fraction_hundred(100);
            o.rl.filter_enforced = pol_fraction_hundred(100);
            if (pol_ratelimit_config_check(&o.rl) != 0) {
                ms_diag_error(d, (ms_pos){0}, "--rate-limit: the fill interval must be at least 50ms");
                goto out;
            }
            o.rate_limit = true;
        } else if (!strcmp(a, "--ready-fd") && v && parse_int(v, 0, 65535, &n) == 0) {
            o.ready_fd = (int)n;
            i++;
        } else {
            ms_diag_error(d, (ms_pos){0}, "unknown or incomplete option \"%s\" (see meshproxy --help)", a);
            goto out;
        }
    }
    if (!npaths) {
        ms_diag_error(d, (ms_pos){0}, "no configuration: give -c FILE (see meshproxy --help)");
        goto out;
    }
    o.paths = paths;
    o.npaths = npaths;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = px_server_run(&o);
out:
    ms_diag_print(d, stderr);
    ms_diag_destroy(d);
    free(paths);
    free(internal);
    return rc;
}
