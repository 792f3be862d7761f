/*
 * decode.c - helpers shared by both decoder families and the unit readers
 * (decode_int.h): the check of a mapping and its keys, the "did you mean"
 * report for a name that is not in a list, and a list of names joined for
 * "expected a, b or c".
 *
 * Every "unknown field", "unknown metric", "unknown distribution", "invalid
 * value ... for field" message of config/ goes through cfg__report_unknown, so
 * the suggestion rule (base/suggest.h) is applied the same way everywhere.
 */
#include <stdarg.h>
#include <stdio.h>

#include "base/suggest.h"
#include "config/decode_int.h"
#include "config/units.h"

int cfg__expect_fields(const cfg_node *n, ms_diag *d, const char *what, const char *const *known,
                       size_t nknown)
{
    if (cfg_expect_map(n, d, what) != 0)
        return -1;
    cfg_check_fields(n, d, known, nknown);
    return 0;
}

void cfg__report_unknown(ms_diag *d, ms_pos pos, const char *word, const char *const *names,
                         size_t n, const char *expected, const char *prefix, ...)
{
    /* ms_diag keeps at most 1023 bytes of a message body, so a prefix cut to
     * this size gives the same stored text as formatting it in one go. */
    char head[1024];
    va_list ap;
    va_start(ap, prefix);
    vsnprintf(head, sizeof head, prefix, ap);
    va_end(ap);
    const char *near = ms_suggest(word, names, n);
    if (near)
        ms_diag_error(d, pos, "%s; did you mean \"%s\"?", head, near);
    else if (expected)
        ms_diag_error(d, pos, "%s; expected %s", head, expected);
    else
        ms_diag_error(d, pos, "%s", head);
}

const char *cfg__join(char *buf, size_t size, const char *lead, const char *const *names,
                      size_t n, const char *last)
{
    int w = snprintf(buf, size, "%s", lead);
    size_t used = w < 0 ? size : (size_t)w;
    for (size_t i = 0; i < n && used < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? last : ", ";
        w = snprintf(buf + used, size - used, "%s%s", sep, names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}
