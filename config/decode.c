/*
 * decode.c - helpers shared by both decoder families and the unit readers
 * (decode_int.h): the check of a mapping and its keys, and a list of names
 * joined for "expected a, b or c".
 *
 * Every "unknown field", "unknown metric", "unknown distribution", "invalid
 * value ... for field" message of config/ goes through ms_suggest_report
 * (base/suggest.h), as the model's unknown hosts, nodes and zones do, so the
 * suggestion rule is applied the same way everywhere.
 */
#include <stdio.h>

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
