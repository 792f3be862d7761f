/*
 * mesh.h - the simulated mesh: a cluster of nodes, pods with sidecars, an
 * ingress gateway, services and load sources, built from a decoded scenario
 * bundle and run on the discrete-event engine.
 *
 * Life cycle: mdl_mesh_create() checks what only the model can check (selectors
 * that match no Deployment, a call to a host nobody serves...) and reports
 * positioned errors; mdl_mesh_run() simulates the whole scenario; the results
 * stay readable until mdl_mesh_destroy().  A mesh borrows the bundle (which must
 * outlive it) and owns everything else.  Meshes share nothing: two can run in
 * one process, interleaved, with the same results as alone.
 */
#ifndef MDL_MESH_H
#define MDL_MESH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "config/bundle.h"
#include "models/results.h"
#include "policy/cluster_stats.h"
#include "sim/time.h"

typedef struct mdl_options {
    bool seed_set;          /* override the Scenario's seed */
    uint64_t seed;
    bool duration_set;      /* override the Scenario's duration */
    sim_time duration_ns;
} mdl_options;

typedef struct mdl_mesh mdl_mesh;

/* Build the mesh.  NULL after reporting errors into `d`. */
mdl_mesh *mdl_mesh_create(const cfg_bundle *b, const mdl_options *opt, ms_diag *d);
void mdl_mesh_destroy(mdl_mesh *m); /* NULL is fine */

/* Called between slices of simulated time with the fraction done (0..1); it
 * returns false to stop early (then the results cover what was simulated). */
typedef bool (*mdl_progress_fn)(void *ud, double fraction);

/* Simulate the scenario to its end.  Returns 0; 1 when stopped early (the
 * results cover what was simulated); 2 when the model cannot go on (say, a
 * closed loop whose requests take no simulated time and whose users do not
 * think): mdl_mesh_run_error() says why, and the results are not meaningful. */
int mdl_mesh_run(mdl_mesh *m, mdl_progress_fn progress, void *ud);
/* "FILE:LINE:COL: error: MESSAGE" after mdl_mesh_run() returned 2, else NULL.
 * Valid until the mesh is destroyed. */
const char *mdl_mesh_run_error(const mdl_mesh *m);

const mdl_results *mdl_mesh_results(const mdl_mesh *m);
/* The assertion probes (one per Scenario assertion, same order). */
size_t mdl_mesh_probe_count(const mdl_mesh *m);
const mdl_row *mdl_mesh_probe(const mdl_mesh *m, size_t i);
/* Simulated duration of the measured window (duration - warmup) in seconds;
 * for a run stopped early, the part of it that was simulated. */
double mdl_mesh_measured_seconds(const mdl_mesh *m);
/* Little's law at a workload's application (its pods' concurrency slots and
 * lines together) over the measured window: the time-average number of
 * requests it held, in service or waiting, and the rate at which it admitted
 * them (per second).  -1 if no workload has that name or the run stopped early. */
int mdl_mesh_app_occupancy(const mdl_mesh *m, const char *workload, double *mean_jobs,
                           double *arrival_rate);
/* Envoy's cluster counters for `service` (its short name), summed over every
 * client proxy that sent to it (connections opened, closed after
 * maxRequestsPerConnection or idleTimeout, pending overflows...).  -1 when no
 * proxy has a cluster for it. */
int mdl_mesh_upstream_stats(const mdl_mesh *m, const char *service, pol_cluster_stats *out);
/* Requests the proxy of pod `pod` (e.g. "istio-ingressgateway-0") took on
 * its workers over the measured window; -1 when no pod has that name. */
int64_t mdl_mesh_proxy_requests(const mdl_mesh *m, const char *pod);
/* Outlier ejections seen by the probe's selection (destination filter). */
uint64_t mdl_mesh_probe_ejections(const mdl_mesh *m, size_t i);

#endif
