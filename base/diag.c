/*
 * diag.c - the diagnostic sink: formatted messages collected in order.
 */
#include "base/diag.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

typedef struct message {
    ms_diag_level level;
    char *text;
} message;

struct ms_diag {
    message *items;
    size_t len, cap;
    size_t errors;
    size_t dropped;
    const char *program; /* prefix of messages with no position (static string) */
};

ms_diag *ms_diag_create(void)
{
    ms_diag *d = ms_xcalloc(1, sizeof(ms_diag));
    d->program = "meshsim";
    return d;
}

void ms_diag_set_program(ms_diag *d, const char *program) { d->program = program; }

void ms_diag_clear(ms_diag *d)
{
    for (size_t i = 0; i < d->len; i++)
        free(d->items[i].text);
    d->len = 0;
    d->errors = 0;
    d->dropped = 0;
}

void ms_diag_destroy(ms_diag *d)
{
    if (!d)
        return;
    ms_diag_clear(d);
    free(d->items);
    free(d);
}

static const char *level_name(ms_diag_level level)
{
    switch (level) {
    case MS_DIAG_ERROR: return "error";
    case MS_DIAG_WARNING: return "warning";
    case MS_DIAG_NOTE: return "note";
    }
    return "error";
}

void ms_diag_vreport(ms_diag *d, ms_diag_level level, ms_pos pos, const char *fmt, va_list ap)
{
    if (level == MS_DIAG_ERROR)
        d->errors++;
    if (d->len >= MS_DIAG_MAX_MESSAGES) {
        d->dropped++;
        return;
    }
    char body[1024];
    vsnprintf(body, sizeof body, fmt, ap);
    char text[1400];
    if (!pos.file)
        snprintf(text, sizeof text, "%s: %s: %s", d->program, level_name(level), body);
    else if (pos.line <= 0)
        snprintf(text, sizeof text, "%s: %s: %s", pos.file, level_name(level), body);
    else
        snprintf(text, sizeof text, "%s:%d:%d: %s: %s", pos.file, pos.line, pos.col,
                 level_name(level), body);
    MS_VEC_GROW(d->items, d->len, d->cap);
    d->items[d->len].level = level;
    d->items[d->len].text = ms_xstrdup(text);
    d->len++;
}

void ms_diag_error(ms_diag *d, ms_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ms_diag_vreport(d, MS_DIAG_ERROR, pos, fmt, ap);
    va_end(ap);
}

void ms_diag_warning(ms_diag *d, ms_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ms_diag_vreport(d, MS_DIAG_WARNING, pos, fmt, ap);
    va_end(ap);
}

size_t ms_diag_error_count(const ms_diag *d) { return d->errors; }
size_t ms_diag_count(const ms_diag *d) { return d->len; }

const char *ms_diag_message(const ms_diag *d, size_t i)
{
    return i < d->len ? d->items[i].text : NULL;
}

ms_diag_level ms_diag_message_level(const ms_diag *d, size_t i)
{
    return i < d->len ? d->items[i].level : MS_DIAG_ERROR;
}

void ms_diag_print(const ms_diag *d, FILE *out)
{
    for (size_t i = 0; i < d->len; i++)
        fprintf(out, "%s\n", d->items[i].text);
    if (d->dropped)
        fprintf(out, "%s: note: %zu more messages not shown\n", d->program, d->dropped);
}
