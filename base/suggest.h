/*
 * suggest.h - "did you mean" for misspelt field names, kinds and object names.
 */
#ifndef MS_SUGGEST_H
#define MS_SUGGEST_H

#include <stddef.h>

#include "base/diag.h"

/* The candidate closest to `word` by edit distance (case-insensitive), or NULL
 * when none is close enough (distance at most max(1, len/3), and at most 3).
 * The result is one of the candidates (borrowed). */
const char *ms_suggest(const char *word, const char *const *candidates, size_t n);

/* Report that `word`, at `pos`, is none of names[0..n-1]: the message is the
 * printf-style PREFIX followed by
 *     ; did you mean "NEAR"?   when a name is close to `word` (ms_suggest),
 *     ; expected EXPECTED      otherwise, when `expected` is not NULL,
 * and by nothing more otherwise.  Every "unknown name" error of the project
 * goes through it, so the suggestion rule is applied the same way everywhere. */
void ms_suggest_report(ms_diag *d, ms_pos pos, const char *word, const char *const *names, size_t n,
                       const char *expected, const char *prefix, ...) MS_PRINTF(7, 8);

#endif
