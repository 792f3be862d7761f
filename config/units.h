/*
 * units.h - typed reads of YAML nodes with the units of scenario-format.md.
 *
 * Every function reads one node, reports a positioned error into `d` when the
 * node is of the wrong type, out of range or has an unknown unit, and returns
 * 0 on success or -1 after reporting.  On failure *out is left unchanged, so
 * callers can pre-set defaults and keep collecting errors.
 *
 * Units: durations 250ns, 40us, 40µs, 1.5ms, 2s, 3m, 1h (a bare number is
 * refused for durations: the unit is required, except 0); rates 200rps (also
 * 200/s); sizes 512B, 2KiB, 1MiB, 1GiB, 2KB, 1MB; bandwidth 100Mbps, 10Gbps,
 * 1Kbps, 64bps; fractions 0.2% or 0.002 (0..1); distributions as in
 * ms_dist_spec, or a bare duration meaning constant.
 */
#ifndef CFG_UNITS_H
#define CFG_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/dist_spec.h"
#include "config/yaml.h"

int cfg_read_duration(const cfg_node *n, ms_diag *d, int64_t *out_ns);
int cfg_read_rate(const cfg_node *n, ms_diag *d, double *out_per_s);
int cfg_read_size(const cfg_node *n, ms_diag *d, uint64_t *out_bytes);
int cfg_read_bandwidth(const cfg_node *n, ms_diag *d, double *out_bits_per_s);
int cfg_read_fraction(const cfg_node *n, ms_diag *d, double *out);
/* Istio "percentage": a number 0..100 (e.g. weight percentages, fault percent). */
int cfg_read_percent(const cfg_node *n, ms_diag *d, double *out_0_100);
int cfg_read_int(const cfg_node *n, ms_diag *d, int64_t min, int64_t max, int64_t *out);
int cfg_read_double(const cfg_node *n, ms_diag *d, double min, double max, double *out);
int cfg_read_bool(const cfg_node *n, ms_diag *d, bool *out);
/* A scalar string (borrowed from the node); refuses maps and sequences. */
int cfg_read_string(const cfg_node *n, ms_diag *d, const char **out);
int cfg_read_dist(const cfg_node *n, ms_diag *d, ms_dist_spec *out);

/* Require `n` to be a map / sequence; report "expected a mapping, found ..." */
int cfg_expect_map(const cfg_node *n, ms_diag *d, const char *what);
int cfg_expect_seq(const cfg_node *n, ms_diag *d, const char *what);

/* Report every key of map `n` not in `known` (n entries) as
 *     unknown field "serviceTim"; did you mean "serviceTime"?
 * (the suggestion only when one is close).  Returns the number of unknown keys. */
int cfg_check_fields(const cfg_node *n, ms_diag *d, const char *const *known, size_t nknown);

#endif
