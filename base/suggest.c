/*
 * suggest.c - edit distance and the closest known name, for "did you mean",
 * and the one way an unknown name is reported with it.
 */
#include "base/suggest.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Levenshtein distance (case-insensitive), capped at `cap` (returns cap when
 * larger); words over 64 characters count as far. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap;
    if ((la > lb ? la - lb : lb - la) >= cap)
        return cap;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t rowmin = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin >= cap)
            return cap;
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb] < cap ? prev[lb] : cap;
}

const char *ms_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, candidates[i], best_d);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}

void ms_suggest_report(ms_diag *d, ms_pos pos, const char *word, const char *const *names, size_t n,
                       const char *expected, const char *prefix, ...)
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
