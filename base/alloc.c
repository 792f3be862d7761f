/*
 * alloc.c - ms_x* allocation wrappers: abort with one line on exhaustion.
 */
#include "base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die_oom(size_t size)
{
    fprintf(stderr, "meshsim: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *ms_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        die_oom(size);
    return p;
}

void *ms_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die_oom(n * size);
    return p;
}

void *ms_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        die_oom(size);
    return q;
}

char *ms_xstrdup(const char *s)
{
    return ms_xstrndup(s, strlen(s));
}

char *ms_xstrndup(const char *s, size_t n)
{
    char *p = ms_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
