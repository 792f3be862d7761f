/*
 * combine_int.h - the state behind rpt_combined, shared by combine.c (adding
 * replications, judging assertions) and combine_summary.c (printing).
 */
#ifndef RPT_COMBINE_INT_H
#define RPT_COMBINE_INT_H

#include "reports/combine.h"
#include "sim/stats.h"

/* The figures of a row.  Those before RPT__FIG_PER_REQUEST are counts or
 * rates per second, averaged over every replication (0 where the row is
 * absent); the others over the replications where the row had requests. */
/* The domain figures: the MDL_NDOMAINS domains, then the application's queue
 * and service ("app_queue", "app_service"; they add up to "app"). */
#define RPT__NDOMAIN_FIGS (MDL_NDOMAINS + 2)
const char *rpt__domain_fig_name(int k);

enum {
    RPT__FIG_REQUESTS,
    RPT__FIG_ERRORS,
    RPT__FIG_RETRIES,
    RPT__FIG_TIMEOUTS,
    RPT__FIG_RPS,
    RPT__FIG_ERROR_RATE,
    RPT__FIG_SUCCESS_RATE,
    RPT__FIG_MEAN_MS,
    RPT__FIG_P50_MS,
    RPT__FIG_P90_MS,
    RPT__FIG_P99_MS,
    RPT__FIG_P999_MS,
    RPT__FIG_MAX_MS,
    RPT__FIG_DOMAIN_MS, /* RPT__NDOMAIN_FIGS of them */
    RPT__FIG_COUNT = RPT__FIG_DOMAIN_MS + RPT__NDOMAIN_FIGS
};
#define RPT__FIG_PER_REQUEST RPT__FIG_ERROR_RATE

typedef struct rpt__crow {
    char *source, *destination, *version, *host; /* owned */
    sim_welford fig[RPT__FIG_COUNT];
    sim_welford codes[MDL_MAX_STATUS]; /* counts, one value per replication with the row */
    sim_welford flags[POL_FLAG_COUNT];
} rpt__crow;

struct rpt_combined {
    const cfg_scenario_spec *sc; /* borrowed */
    char *scenario;              /* owned; from replication 0 */
    uint64_t seed;               /* replication 0's */
    sim_time duration_ns, warmup_ns;
    unsigned n;                  /* replications added */
    uint64_t *seeds;             /* owned; n of them */
    size_t seeds_cap;
    sim_welford requests;                /* count */
    sim_welford domain_ms[RPT__NDOMAIN_FIGS]; /* where the run had requests */
    rpt__crow **rows;            /* owned; sorted by (source, destination, version, host) */
    size_t nrows, rows_cap;
    sim_welford *values;         /* per assertion, in its comparison unit */
    unsigned *unmatched;         /* per assertion: replications with nothing selected */
};

/* A count figure as if 0 had been added for every replication lacking it. */
sim_welford rpt__filled(const sim_welford *w, unsigned n);
/* Mean and half-width of a figure (half-width INFINITY below 2 values). */
double rpt__hw(const sim_welford *w);

#endif
