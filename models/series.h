/*
 * series.h - the run's per-window time series (results.sqlite's `series`,
 * `windows`, `responses` and `latency_buckets` tables; docs/results-schema.md).
 *
 * A series is one (source, destination service, destination workload, version,
 * host, route) combination: the results rows of results.h split further by
 * the Deployment that answered and by the VirtualService that routed the
 * request (route "" for the default route).  Its requests are bucketed into
 * windows by *start* time: window k covers [start + k*width, start + (k+1)*width)
 * where start is the warm-up's end; the last window may be shorter.
 *
 * Memory stays bounded by the traffic: a series keeps only the windows that saw
 * requests (or ejections), in a vector sorted by window number, and a window's
 * latency histogram stores only its non-empty buckets (series_hist.h).  Each
 * series also keeps a whole-run results row (full histogram, codes, flags,
 * domain sums) and exact counts for Istio's duration buckets.
 *
 * Outlier ejections are marked as they happen (client proxy, destination
 * service, ejected workload and version); mdl_series_set_finish() counts each
 * one in the window where it began, in every series whose destination, workload
 * and version are the ejected host's and whose requests went through proxies of
 * the ejecting client (so one ejection may count in several series of the same
 * destination; the timeline has each exactly once).
 *
 * The set owns its series, strings and windows.
 */
#ifndef MDL_SERIES_H
#define MDL_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/key_index.h"
#include "models/series_hist.h"
#include "policy/flags.h"
#include "sim/hist.h"
#include "sim/time.h"

struct mdl_row;
struct mdl_outcome;

/* Istio's default buckets for istio_request_duration_milliseconds (upper
 * bounds, ms); counts are kept per bucket, plus one above the last bound. */
#define MDL_ISTIO_NBOUNDS 19
extern const double mdl_istio_bounds_ms[MDL_ISTIO_NBOUNDS];

typedef struct mdl_response_count {
    int code;        /* 0..599; 0 = no response */
    pol_flags flags; /* the request's response flags, as one set */
    uint64_t count;
} mdl_response_count;

typedef struct mdl_window {
    uint64_t index; /* window number */
    uint64_t requests, errors, retries, timeouts; /* as results.h counts them */
    uint64_t ejections;      /* outlier ejections that began in the window */
    uint64_t pool_overflows; /* responses flagged UO */
    mdl_response_count *responses; /* owned; sorted by (code, flags) once finished */
    size_t nresponses, _responses_cap;
    mdl_whist latency; /* ns; sealed once finished */
} mdl_window;

typedef struct mdl_series {
    const char *source, *destination, *workload, *version, *host, *route; /* owned */
    struct mdl_row *total; /* owned: whole-run figures (key strings borrowed from the series) */
    struct mdl_row *row;   /* borrowed: the results row of its (source, destination, version,
                              host), remembered by the mesh (series_record.c); NULL until then */
    uint64_t istio_buckets[MDL_ISTIO_NBOUNDS + 1]; /* requests per Istio duration bucket */
    mdl_window *windows; /* owned, sorted by index; only windows with traffic or ejections */
    size_t nwindows, _windows_cap;
    int32_t *_clients; /* workload ids of the client proxies seen (-1: a gateway) */
    size_t _nclients, _clients_cap;
} mdl_series;

typedef struct mdl_ejection_mark {
    sim_time at;
    int32_t client; /* workload id of the ejecting proxy, -1 for a gateway */
    const char *destination, *workload, *version; /* owned */
} mdl_ejection_mark;

typedef struct mdl_series_set {
    sim_time start_ns, end_ns, width_ns; /* measured window and bucket width */
    uint64_t nwindows;                   /* windows in [start, end) */
    mdl_series **series; /* owned; sorted by (source, destination, version, host, route,
                            workload) once finished */
    size_t nseries, _cap;
    mdl_key_index _index; /* series by key */
    mdl_ejection_mark *_ejections;
    size_t _nejections, _ejections_cap;
    bool _finished;
} mdl_series_set;

typedef struct mdl_series_key {
    const char *source, *destination, *workload, *version, *host, *route; /* NULL = "" */
} mdl_series_key;

/* Windows of `width` over [start, end); width > 0. */
void mdl_series_set_init(mdl_series_set *s, sim_time start, sim_time end, sim_time width);
void mdl_series_set_fini(mdl_series_set *s); /* safe on a zeroed set */

/* The series for a key, created on first use (strings copied). */
mdl_series *mdl_series_get(mdl_series_set *s, const mdl_series_key *k);
/* One finished request started at t_start, through a proxy of workload
 * `client` (-1: a gateway).  Requests outside [start, end) are ignored. */
void mdl_series_record(mdl_series_set *s, mdl_series *ser, int32_t client, sim_time t_start,
                       const struct mdl_outcome *o);
/* An outlier ejection at `at` by a proxy of workload `client` (strings copied). */
void mdl_series_mark_ejection(mdl_series_set *s, sim_time at, int32_t client,
                              const char *destination, const char *workload, const char *version);
/* Sort, seal the histograms and count the ejections into windows (the first
 * call does it; later calls do nothing).  Nothing is recorded after. */
void mdl_series_set_finish(mdl_series_set *s);

/* Start of window `index` and its length (the last may be shorter). */
sim_time mdl_series_window_start(const mdl_series_set *s, uint64_t index);
sim_time mdl_series_window_length(const mdl_series_set *s, uint64_t index);

#endif
