/*
 * suggest.h - "did you mean" for misspelt field names and kinds.
 */
#ifndef MS_SUGGEST_H
#define MS_SUGGEST_H

#include <stddef.h>

/* The candidate closest to `word` by edit distance (case-insensitive), or NULL
 * when none is close enough (distance at most max(1, len/3), and at most 3).
 * The result is one of the candidates (borrowed). */
const char *ms_suggest(const char *word, const char *const *candidates, size_t n);

#endif
