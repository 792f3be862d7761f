/*
 * buf.h - a growable byte buffer with a read offset, for connection input and
 * output.  Data lives at p[off..len).  Growth uses plain realloc: on the
 * request path an allocation failure is reported (-1) so the caller can answer
 * 503 or close, instead of aborting (style.md 4).
 */
#ifndef PX_BUF_H
#define PX_BUF_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct px_buf {
    char *p;
    size_t off, len, cap;
} px_buf;

static inline size_t px_buf_size(const px_buf *b) { return b->len - b->off; }
static inline char *px_buf_data(const px_buf *b) { return b->p + b->off; }

/* Make room for n more bytes at p + len.  0, or -1 when memory is exhausted. */
static inline int px_buf_reserve(px_buf *b, size_t n)
{
    if (b->off && b->off == b->len)
        b->off = b->len = 0;
    if (b->cap - b->len >= n)
        return 0;
    if (b->off) {
        memmove(b->p, b->p + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->cap - b->len >= n)
            return 0;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline int px_buf_append(px_buf *b, const void *d, size_t n)
{
    if (px_buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->len, d, n);
    b->len += n;
    return 0;
}

static inline int px_buf_puts(px_buf *b, const char *s) { return px_buf_append(b, s, strlen(s)); }

static inline void px_buf_consume(px_buf *b, size_t n)
{
    b->off += n;
    if (b->off >= b->len)
        b->off = b->len = 0;
}

static inline void px_buf_reset(px_buf *b) { b->off = b->len = 0; }

static inline void px_buf_free(px_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->off = b->len = b->cap = 0;
}

#endif
