/*
 * alloc.h - allocation that dies on exhaustion, and a growable-array helper.
 *
 * The simulator and the loaders use ms_x* functions: running out of memory there
 * is not recoverable, so they print one line and abort.  Code on meshproxy's request
 * path uses plain malloc and answers 503 instead (style.md section 4).
 */
#ifndef MS_ALLOC_H
#define MS_ALLOC_H

#include <stddef.h>

/* Never return NULL; abort with a message when memory is exhausted.  The caller
 * owns the result and frees it with free(). */
void *ms_xmalloc(size_t size);
void *ms_xcalloc(size_t n, size_t size);
void *ms_xrealloc(void *p, size_t size);
char *ms_xstrdup(const char *s);
char *ms_xstrndup(const char *s, size_t n);

/* Make room for one more element in a growable array described by (ptr, len, cap):
 * grows capacity geometrically.  Usage:
 *     MS_VEC_GROW(v->items, v->len, v->cap);
 *     v->items[v->len++] = x;
 */
#define MS_VEC_GROW(ptr, len, cap)                                            \
    do {                                                                      \
        if ((len) >= (cap)) {                                                 \
            size_t ms_vec_newcap_ = (cap) ? (cap) * 2 : 8;                    \
            (ptr) = ms_xrealloc((ptr), ms_vec_newcap_ * sizeof(*(ptr)));      \
            (cap) = ms_vec_newcap_;                                           \
        }                                                                     \
    } while (0)

#endif
