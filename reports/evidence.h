/*
 * evidence.h - an assertion's verdict in words, the same in the terminal,
 * the failure lines and JUnit XML: what was observed (with its 95% confidence
 * interval when replicated) and the limit, and how close it came to it.
 */
#ifndef RPT_EVIDENCE_H
#define RPT_EVIDENCE_H

#include <stddef.h>

#include "reports/assertions.h"

#define RPT_EVIDENCE_CAP 384

/* "latency.p99 observed 212 ms, limit max 250ms" for a single run;
 * "latency.p99 mean 212 ± 3.1 ms, 95% CI [208.9, 215.1] over 10 replications,
 * limit max 250ms" when replicated; "...: no request matched the selection
 * (limit max 250ms)" when nothing was selected.  Writes at most cap bytes. */
void rpt_assertion_evidence(const rpt_assertion *a, char *buf, size_t cap);

/* Headroom: how far the observed value (the interval's nearer end when
 * replicated) stays from the nearer limit, relative to that limit: 0.15 is
 * 15% below a max (or above a min), negative when outside.  -INFINITY when
 * nothing was observed.  A limit of 0 is measured relative to the value. */
double rpt_assertion_headroom(const rpt_assertion *a);

#endif
