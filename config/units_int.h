/*
 * units_int.h - helpers shared by units.c, units_dist.c and the document
 * decoders of config/ (not part of the public units.h contract).
 */
#ifndef CFG_UNITS_INT_H
#define CFG_UNITS_INT_H

#include <stddef.h>

#include "config/yaml.h"

/* Scan a decimal number ([+-]digits[.digits][e[+-]digits]) at the start of
 * `s`; returns the first byte after it (the unit), or NULL when `s` does not
 * start with a number.  *out may be infinite when the number overflows. */
const char *cfg__scan_number(const char *s, double *out);

/* "a mapping", "a sequence", "an empty value" or the quoted scalar text
 * (shortened), for "found ..." in messages.  Writes into buf. */
void cfg__describe(const cfg_node *n, char *buf, size_t size);

/* A duration in nanoseconds with full long double precision (for
 * distribution parameters, which are doubles).  Same errors as
 * cfg_read_duration. */
int cfg__parse_duration(const cfg_node *n, ms_diag *d, long double *out_ns);

#endif
