/*
 * combine.h - replications of one scenario combined into means with 95%
 * Student-t confidence intervals (docs/replications.md).
 *
 * Replication i runs with its own seed, rpt_replication_seed(seed, i): the
 * Scenario's seed itself for i = 0 (so replication 0 is exactly the single
 * run, and any replication can be rerun with `meshsim run --seed`), a seed
 * mixed from (seed, i) otherwise; every RNG stream of a run derives from its
 * seed, so replications share no random numbers.
 *
 * Each replication's figures are added once the replication has run (the
 * mesh can then be destroyed); a figure's mean and half-width come from the
 * replications where it is defined:
 *   - counts and rates per second (requests, errors, retries, timeouts, rps,
 *     responses by code and flag) from every replication, 0 where the row
 *     did not occur;
 *   - latencies, error and success rates and the domain split from the
 *     replications where the row had requests.
 * An assertion holds only when no replication lacked traffic for it and the
 * whole interval mean +- half-width lies inside its limits (a combination of
 * one replication, when the others were interrupted, is judged as a single
 * run).
 */
#ifndef RPT_COMBINE_H
#define RPT_COMBINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/meshsim_docs.h"
#include "models/mesh.h"
#include "reports/assertions.h"

#define RPT_CONFIDENCE 0.95

/* Seed of replication i (0-based) of a run seeded `seed`; below 2^63. */
uint64_t rpt_replication_seed(uint64_t seed, unsigned i);

typedef struct rpt_combined rpt_combined;

/* An empty combination for the scenario `sc` (borrowed; must outlive it). */
rpt_combined *rpt_combined_create(const cfg_scenario_spec *sc);
void rpt_combined_destroy(rpt_combined *c); /* NULL is fine */

/* Add a finished replication: its mesh and its assertions as evaluated by
 * rpt_assertions_evaluate (same order as the scenario's).  Nothing is kept
 * pointing into `m` or `a`. */
void rpt_combined_add(rpt_combined *c, const mdl_mesh *m, const rpt_assertion *a, size_t na);
unsigned rpt_combined_count(const rpt_combined *c);

/* The scenario's assertions judged on the intervals (replications = count,
 * observed = mean, half_width set).  *out is an array the caller frees. */
size_t rpt_combined_assertions(const rpt_combined *c, rpt_assertion **out);

/* summary.json for the replications: the single-run shape with means, plus
 * the half-widths (docs/replications.md); deterministic bytes. */
void rpt_combined_json(FILE *f, const rpt_combined *c, const rpt_assertion *a, size_t na);
/* The terminal table with mean ± half-width, then the assertions. */
void rpt_combined_text(FILE *f, const rpt_combined *c, const rpt_assertion *a, size_t na);

#endif
