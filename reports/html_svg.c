/*
 * html_svg.c - escaping for the page, and gnuplot SVG files inlined into it
 * (html_int.h).
 *
 * Several inlined SVGs share one document, so their ids must not collide:
 * gnuplot names its point shapes gpPt0.., its canvas gnuplot_canvas, its
 * filters textbox and greybox, the same in every file, and numbers its plots
 * gnuplot_plot_1.. again in each panel of a multiplot.  Every id gets the
 * chart's prefix, plot ids a running number too (nothing refers to them).
 * The rewrite works on markup only (inside tags, outside quoted values except
 * for the values it rewrites): text between tags is copied unchanged, as
 * gnuplot escapes it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html_int.h"

void rpt__html_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
                fputs("\xef\xbf\xbd", out);
            else
                fputc(*p, out);
        }
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(buf, cap + 1);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool starts(const char *p, const char *prefix)
{
    return strncmp(p, prefix, strlen(prefix)) == 0;
}

/* Copy the rest of a quoted value, its closing quote included; returns what
 * follows it. */
static const char *copy_value(FILE *out, const char *p, char quote, const char *end)
{
    while (p < end && *p != quote)
        fputc(*p++, out);
    if (p < end)
        fputc(*p++, out);
    return p;
}

int rpt__html_svg_inline(FILE *out, const char *path, const char *idprefix, const char *title)
{
    size_t len = 0;
    char *svg = slurp(path, &len);
    if (!svg)
        return -1;
    const char *p = strstr(svg, "<svg");
    const char *end = p ? strstr(p, "</svg>") : NULL;
    if (!p || !end) {
        free(svg);
        return -1;
    }
    end += strlen("</svg>");
    bool in_tag, titled = false;
    unsigned plots = 0;
    fputs("<svg class=\"chart\" role=\"img\" aria-label=\"", out);
    rpt__html_text(out, title);
    fputc('"', out);
    p += strlen("<svg");
    in_tag = true;
    while (p < end) {
        if (!in_tag) {
            if (!titled && starts(p, "<title>")) {
                const char *close = strstr(p, "</title>");
                if (close && close < end) {
                    fputs("<title>", out);
                    rpt__html_text(out, title);
                    fputs("</title>", out);
                    p = close + strlen("</title>");
                    titled = true;
                    continue;
                }
            }
            if (*p == '<')
                in_tag = true;
            fputc(*p++, out);
            continue;
        }
        /* in a tag, outside quotes: attribute names and references */
        if ((p[0] == ' ' || p[0] == '\n' || p[0] == '\t') &&
            (starts(p + 1, "id=\"") || starts(p + 1, "id='"))) {
            /* gnuplot repeats its plot ids in every panel of a multiplot */
            fprintf(out, "%cid=%c%s", p[0], p[4], idprefix);
            if (starts(p + 5, "gnuplot_plot_"))
                fprintf(out, "%u-", ++plots);
            p = copy_value(out, p + 5, p[4], end);
            continue;
        }
        if (starts(p, "href=\"#") || starts(p, "href='#")) {
            fprintf(out, "href=%c#%s", p[5], idprefix);
            p = copy_value(out, p + 7, p[5], end);
            continue;
        }
        if (*p == '"' || *p == '\'') {
            /* url(#x) references live inside values such as filter='url(#textbox)' */
            char q = *p;
            const char *close = strchr(p + 1, q);
            if (!close || close >= end)
                close = end - 1;
            fputc(q, out);
            for (const char *v = p + 1; v < close; v++) {
                if (starts(v, "url(#")) {
                    fprintf(out, "url(#%s", idprefix);
                    v += 4;
                } else {
                    fputc(*v, out);
                }
            }
            fputc(q, out);
            p = close + 1;
            continue;
        }
        if (*p == '>')
            in_tag = false;
        fputc(*p++, out);
    }
    free(svg);
    return 0;
}
