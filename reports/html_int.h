/*
 * html_int.h - what the page's modules share: escaping text for HTML/XML and
 * inlining a gnuplot SVG.
 */
#ifndef RPT_HTML_INT_H
#define RPT_HTML_INT_H

#include <stdio.h>

/* Write `s` escaped for element content and quoted attribute values: & < > "
 * and ' become entities, control characters other than tab and newline (not
 * allowed in XML) become U+FFFD. */
void rpt__html_text(FILE *out, const char *s);

/* Inline the gnuplot SVG file `path` into the page: the XML prolog is dropped,
 * every id and reference to one gets the prefix `idprefix` (ids stay unique
 * across the charts of a page), the <svg> element gets class="chart",
 * role="img" and an aria-label, and gnuplot's <title> becomes `title`.
 * Returns 0, or -1 when the file cannot be read or is not an SVG (nothing
 * written then). */
int rpt__html_svg_inline(FILE *out, const char *path, const char *idprefix, const char *title);

#endif
