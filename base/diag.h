/*
 * diag.h - the diagnostic sink for user input (YAML files, command line).
 *
 * Loaders report every problem here instead of stopping at the first one
 * (SQLite's pParse->nErr).  Each message is stored fully formatted as
 *     FILE:LINE:COLUMN: error: MESSAGE
 * (or "warning:" / "note:"), in the order reported.  Lines and columns are
 * 1-based.  The sink owns copies of everything it is given.
 */
#ifndef MS_DIAG_H
#define MS_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A position in an input file.  `file` is borrowed: the loader that creates
 * positions keeps the file names alive at least as long as its nodes. */
typedef struct ms_pos {
    const char *file;
    int line;
    int col;
} ms_pos;

typedef enum ms_diag_level {
    MS_DIAG_ERROR,
    MS_DIAG_WARNING,
    MS_DIAG_NOTE,
} ms_diag_level;

typedef struct ms_diag ms_diag;

/* At most this many messages are stored; later ones are counted only, and
 * ms_diag_print() says how many were left out. */
#define MS_DIAG_MAX_MESSAGES 200

ms_diag *ms_diag_create(void);
/* The name that prefixes messages with no position ("meshsim" unless set;
 * `program` must outlive d, e.g. a string literal). */
void ms_diag_set_program(ms_diag *d, const char *program);
void ms_diag_destroy(ms_diag *d); /* NULL is fine */

#if defined(__GNUC__)
#define MS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MS_PRINTF(a, b)
#endif

/* Record a message at `pos`.  A pos with a NULL file prints as the
 * program's name ("meshsim:" unless set).
 * A line of 0 omits line and column. */
void ms_diag_vreport(ms_diag *d, ms_diag_level level, ms_pos pos, const char *fmt, va_list ap);
void ms_diag_error(ms_diag *d, ms_pos pos, const char *fmt, ...) MS_PRINTF(3, 4);
void ms_diag_warning(ms_diag *d, ms_pos pos, const char *fmt, ...) MS_PRINTF(3, 4);

size_t ms_diag_error_count(const ms_diag *d);
/* Stored messages (errors, warnings and notes), formatted, without newline. */
size_t ms_diag_count(const ms_diag *d);
const char *ms_diag_message(const ms_diag *d, size_t i);
ms_diag_level ms_diag_message_level(const ms_diag *d, size_t i);

/* Print every stored message, one a line, then a count of those left out. */
void ms_diag_print(const ms_diag *d, FILE *out);
/* Forget every message. */
void ms_diag_clear(ms_diag *d);

#endif
