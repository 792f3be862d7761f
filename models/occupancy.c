/*
 * occupancy.c - the measured window of the stations' occupancy accounting
 * (station.h): every station starts counting at the warmup; at the duration,
 * before the drain, each workload's application stations are summed into
 * L (time-average requests held) and lambda (admissions per second), the two
 * sides of Little's law with the latency the callers recorded.
 */
#include <string.h>

#include "models/mesh_int.h"

static void open_window(sim_world *w, void *target, uint64_t arg)
{
    (void)arg;
    mdl_mesh *m = target;
    for (size_t i = 0; i < m->npods; i++) {
        mdl_station_window(&m->pods[i].proxy, sim_now(w));
        mdl_station_window(&m->pods[i].app, sim_now(w));
    }
}

void mdl__occupancy_start(mdl_mesh *m)
{
    for (size_t i = 0; i < m->nworkloads; i++)
        m->workloads[i].app_mean_jobs = m->workloads[i].app_arrival_rate = -1;
    sim_schedule_at(m->world, m->warmup, open_window, m, 0);
}

void mdl__occupancy_close(mdl_mesh *m)
{
    double secs = (double)(m->duration - m->warmup) / 1e9;
    for (size_t i = 0; i < m->nworkloads; i++) {
        mdl_workload *wl = &m->workloads[i];
        double jobs = 0, arrivals = 0;
        for (uint32_t p = 0; p < wl->npods; p++) {
            const mdl_station *s = &m->pods[wl->first_pod + p].app;
            jobs += mdl_station_mean_jobs(s, m->duration);
            arrivals += (double)mdl_station_arrivals(s);
        }
        wl->app_mean_jobs = jobs;
        wl->app_arrival_rate = secs > 0 ? arrivals / secs : 0;
    }
}

int mdl_mesh_app_occupancy(const mdl_mesh *m, const char *workload, double *mean_jobs,
                           double *arrival_rate)
{
    for (size_t i = 0; i < m->nworkloads; i++) {
        const mdl_workload *wl = &m->workloads[i];
        if (wl->name && !strcmp(wl->name, workload) && wl->app_mean_jobs >= 0) {
            *mean_jobs = wl->app_mean_jobs;
            *arrival_rate = wl->app_arrival_rate;
            return 0;
        }
    }
    return -1;
}
