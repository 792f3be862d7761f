/*
 * export.h - the run's time series in other tools' formats, written into the
 * report directory on request (`meshsim run --export csv,json,prom`):
 *
 *   series.csv     one row per (series, window), the columns of results.sqlite's
 *                  `windows` table plus the series' key (RFC 4180, header line);
 *   series.jsonl   the same rows as JSON objects, one per line, each with its
 *                  responses by (response_code, response_flags);
 *   metrics.prom   Prometheus text exposition 0.0.4: istio_requests_total and
 *                  istio_request_duration_milliseconds over the measured window.
 *
 * The exact contents are documented in docs/results-schema.md ("Exports").
 * Every writer is a pure function of the results: same inputs and seed, same
 * bytes.
 */
#ifndef RPT_EXPORT_H
#define RPT_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "models/results.h"

enum {
    RPT_EXPORT_CSV = 1u << 0,
    RPT_EXPORT_JSON = 1u << 1,
    RPT_EXPORT_PROM = 1u << 2,
};
#define RPT_EXPORT_COUNT 3

/* Add the formats of `list` ("csv", "json", "prom", or several joined by
 * commas) to *mask.  Returns 0, or -1 with a one-line reason in err. */
int rpt_export_parse(const char *list, unsigned *mask, char *err, size_t cap);

/* The format bit for i in 0..RPT_EXPORT_COUNT-1, and its file name. */
unsigned rpt_export_format(int i);
const char *rpt_export_file_name(unsigned format);

/* Write one format (a single bit) of the results to f. */
void rpt_export_write(FILE *f, unsigned format, const mdl_results *r);

void rpt_export_csv(FILE *f, const mdl_results *r);
void rpt_export_jsonl(FILE *f, const mdl_results *r);
void rpt_export_prom(FILE *f, const mdl_results *r);

#endif
