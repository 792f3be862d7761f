/*
 * series_record.c - the mesh's side of the time series: a recorded request
 * into its series (keyed as series.h says) and its results row, and outlier
 * ejections as the client proxies' clusters decide them, into the run's
 * timeline and into the series' ejection marks.
 */
#include <stdio.h>

#include "models/mesh_int.h"
#include "policy/outlier.h"

/* Workload id of a proxy's pod: its Deployment's index, -1 for a gateway. */
static int32_t client_id(const mdl_mesh *m, const mdl_pod *p)
{
    return p && p->wl ? (int32_t)(p->wl - m->workloads) : -1;
}

void mdl__series_record(mdl_mesh *m, const mdl_req *r, const char *source, const mdl_outcome *o)
{
    mdl_series_key k = {source, r->dest_name, r->workload, r->version, r->host, r->route.vs_name};
    mdl_series_set *s = &m->results.series;
    mdl_series *ser = mdl_series_get(s, &k);
    if (!ser->row) /* its key holds the row's: one lookup per request, not two */
        ser->row = mdl_results_row(&m->results, source, r->dest_name, r->version, r->host);
    mdl_row_record(ser->row, o);
    mdl_series_record(s, ser, client_id(m, r->client), r->t_start, o);
}

void mdl__ejection_changed(mdl_cluster *c, uint32_t host, bool ejected, sim_time now)
{
    mdl_mesh *m = c->m;
    const mdl_pod *pod = &m->pods[c->pods[host]];
    char detail[512];
    snprintf(detail, sizeof detail, "by %s for %s%s%s", c->client->name, c->svc->fqdn,
             c->subset ? " subset " : "", c->subset ? c->subset : "");
    if (!ejected) {
        mdl_results_event(&m->results, now, now, "unejection", pod->name, detail);
        return;
    }
    sim_time until = now + pol_outlier_host_ejection_ns(c->od, host);
    mdl_results_event(&m->results, now, until, "ejection", pod->name, detail);
    const mdl_workload *wl = pod->wl;
    mdl_series_mark_ejection(&m->results.series, now, client_id(m, c->client), c->svc->name,
                             wl ? wl->name : NULL, wl ? wl->version : NULL);
}
