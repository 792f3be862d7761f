/*
 * mesh.c - a mesh's life cycle: create from a bundle, run the scenario in
 * slices of simulated time (so a front end can show progress or stop), then
 * drain requests still in flight, and free everything.
 *
 * Only requests started in [warmup, duration) are counted; sources stop at the
 * duration, and the run continues until every started request has finished
 * (bounded by the longest client timeout plus a minute of simulated time).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "models/mesh_int.h"

#define SLICES 100

mdl_mesh *mdl_mesh_create(const cfg_bundle *b, const mdl_options *opt, ms_diag *d)
{
    mdl_mesh *m = ms_xcalloc(1, sizeof *m);
    m->cfg = b->sim;
    m->k8s = b->mesh;
    m->diag = d;
    const cfg_scenario_spec *sc = &m->cfg->scenario;
    m->seed = opt && opt->seed_set ? opt->seed : (uint64_t)sc->seed.v;
    m->duration = opt && opt->duration_set ? opt->duration_ns : sc->duration.ns;
    m->warmup = sc->warmup.ns < m->duration ? sc->warmup.ns : 0;
    m->world = sim_world_create(m->seed);
    sim_pool_init(&m->req_pool, sizeof(mdl_req), 256);
    sim_pool_init(&m->job_pool, sizeof(mdl_job), 256);
    mdl_results_init(&m->results, sc->name.str, m->seed, m->duration, m->warmup);
    mdl_series_set_init(&m->results.series, m->warmup, m->duration, sc->window.ns);
    if (mdl__build(m) != 0) {
        mdl_mesh_destroy(m);
        return NULL;
    }
    return m;
}

void mdl_mesh_destroy(mdl_mesh *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->npods; i++) {
        mdl_pod *p = &m->pods[i];
        for (size_t c = 0; c < p->nclusters; c++)
            mdl__cluster_free(p->clusters[c]);
        free(p->clusters);
        mdl_station_fini(&p->proxy);
        mdl_station_fini(&p->app);
        sim_rng_fini(&p->rng);
        free(p->name);
    }
    free(m->pods);
    for (size_t i = 0; i < m->nnodes; i++)
        free(m->nodes[i].name);
    free(m->nodes);
    free(m->zones);
    for (size_t i = 0; i < m->nworkloads; i++)
        mdl__routes_free(m->workloads[i].routes);
    mdl__inbound_free(m);
    free(m->workloads);
    mdl__routes_free(m->ingress_routes);
    mdl__egress_free(m);
    pol_route_policies_fini(&m->policies);
    for (size_t i = 0; i < m->nservices; i++) {
        free(m->services[i].fqdn);
        free(m->services[i].pods);
    }
    free(m->services);
    for (size_t i = 0; i < m->nsources; i++) {
        sim_rng_fini(&m->sources[i].rng);
        mdl__ingress_free(&m->sources[i]);
        free(m->sources[i].clients);
    }
    free(m->sources);
    for (size_t i = 0; i < m->nprobes; i++)
        sim_hist_fini(&m->probes[i].row.latency);
    free(m->probes);
    sim_rng_fini(&m->net_rng);
    sim_rng_fini(&m->life_rng);
    mdl__faults_free(m);
    mdl__cp_destroy(m);
    mdl_results_fini(&m->results);
    /* pending events reference pooled objects: drop the world first */
    sim_world_destroy(m->world);
    sim_pool_fini(&m->req_pool);
    sim_pool_fini(&m->job_pool);
    free(m->run_error);
    free(m);
}

void mdl__run_fail(mdl_mesh *m, ms_pos pos, const char *fmt, ...)
{
    if (!m->run_error) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        size_t n = strlen(msg) + (pos.file ? strlen(pos.file) : 0) + 64;
        m->run_error = ms_xmalloc(n);
        if (pos.file)
            snprintf(m->run_error, n, "%s:%d:%d: error: %s", pos.file, pos.line, pos.col, msg);
        else
            snprintf(m->run_error, n, "meshsim: error: %s", msg);
    }
    sim_stop(m->world);
}

const char *mdl_mesh_run_error(const mdl_mesh *m) { return m->run_error; }

int mdl_mesh_run(mdl_mesh *m, mdl_progress_fn progress, void *ud)
{
    mdl__faults_start(m);
    mdl__sources_start(m);
    mdl__occupancy_start(m);
    int stopped = 0;
    for (int i = 1; i <= SLICES; i++) {
        sim_time until = m->duration / SLICES * i;
        if (i == SLICES)
            until = m->duration;
        sim_run_until(m->world, until);
        if (m->run_error)
            return 2;
        if (progress && !progress(ud, (double)i / SLICES)) {
            stopped = 1;
            break;
        }
    }
    if (!stopped) {
        mdl__occupancy_close(m);
        sim_time limit = 0;
        for (size_t i = 0; i < m->nsources; i++)
            if (m->sources[i].spec->timeout.ns > limit)
                limit = m->sources[i].spec->timeout.ns;
        limit += 60 * SIM_S;
        /* drain: stop once no source request is in flight (cluster timers run forever) */
        sim_time t = m->duration;
        while (m->results.finished < m->results.started && t < m->duration + limit) {
            t += SIM_S;
            sim_run_until(m->world, t);
            if (m->run_error)
                return 2;
        }
    }
    m->results.events = sim_events_dispatched(m->world);
    mdl__clusters_snapshot(m);
    m->results.stopped = stopped;
    m->results.simulated_ns = sim_now(m->world);
    mdl_results_finish(&m->results);
    return stopped;
}

const mdl_results *mdl_mesh_results(const mdl_mesh *m) { return &m->results; }
size_t mdl_mesh_probe_count(const mdl_mesh *m) { return m->nprobes; }
const mdl_row *mdl_mesh_probe(const mdl_mesh *m, size_t i) { return &m->probes[i].row; }

double mdl_mesh_measured_seconds(const mdl_mesh *m)
{
    sim_time end = m->duration;
    if (m->results.stopped && m->results.simulated_ns < end)
        end = m->results.simulated_ns;
    return end > m->warmup ? (double)(end - m->warmup) / 1e9 : 0;
}

uint64_t mdl_mesh_probe_ejections(const mdl_mesh *m, size_t i)
{
    const cfg_assertion_spec *a = m->probes[i].spec;
    uint64_t n = 0;
    for (size_t p = 0; p < m->npods; p++)
        for (size_t c = 0; c < m->pods[p].nclusters; c++) {
            const mdl_cluster *cl = m->pods[p].clusters[c];
            if (!a->select.destination.str || !strcmp(a->select.destination.str, cl->svc->name))
                n += mdl__cluster_ejections(cl);
        }
    return n;
}
