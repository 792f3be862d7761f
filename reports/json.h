/*
 * json.h - a small streaming JSON writer with deterministic number formatting.
 *
 * Numbers are printed with at most 6 significant digits ("%.6g" semantics,
 * trailing zeros dropped), so the same doubles always give the same bytes;
 * NaN and infinities become null.  The writer tracks commas itself: callers
 * emit keys and values in order.  Output goes to a FILE the caller owns.
 */
#ifndef RPT_JSON_H
#define RPT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RPT_JSON_MAX_DEPTH 32

typedef struct rpt_json {
    FILE *out;
    int depth;
    bool first[RPT_JSON_MAX_DEPTH]; /* no element yet at this depth */
    bool pretty;
    bool after_key;
} rpt_json;

void rpt_json_init(rpt_json *j, FILE *out, bool pretty);
void rpt_json_begin_object(rpt_json *j);
void rpt_json_end_object(rpt_json *j);
void rpt_json_begin_array(rpt_json *j);
void rpt_json_end_array(rpt_json *j);
void rpt_json_key(rpt_json *j, const char *key);
void rpt_json_string(rpt_json *j, const char *s);
void rpt_json_number(rpt_json *j, double v);
void rpt_json_uint(rpt_json *j, uint64_t v);
void rpt_json_int(rpt_json *j, int64_t v);
void rpt_json_bool(rpt_json *j, bool v);
void rpt_json_null(rpt_json *j);
/* Write `s` as a JSON string literal (quotes included) to `out`. */
void rpt_json_write_string(FILE *out, const char *s);
/* Format a double as the writer does, into buf (at least 32 bytes). */
void rpt_json_format_number(char *buf, size_t cap, double v);

#endif
