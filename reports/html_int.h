/*
 * html_int.h - what the pages' modules share (report.html of a run, html.h;
 * the replications' page, html_combined.h): escaping text for HTML/XML,
 * inlining a gnuplot SVG, the page's head and style, and table cells.
 */
#ifndef RPT_HTML_INT_H
#define RPT_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* The page up to <main> (doctype, head with the style sheet and a policy that
 * forbids loading anything, <body>); `title` is escaped. */
void rpt__html_head(FILE *out, const char *title);

/* The verdict paragraph (id "verdict"): "PASS: all N assertions hold" +
 * `pass_tail`, "FAIL: F of N assertions failed", or that there are none. */
void rpt__html_verdict(FILE *out, size_t failed, size_t n, const char *pass_tail);
/* Open an assertion row (<tr class="pass|fail">) with its PASS/FAIL badge cell. */
void rpt__html_verdict_row(FILE *out, bool passed);

/* A number printed with a precision by its size; "-" when not finite. */
void rpt__html_num(FILE *out, double v);
/* Table cells: a right-aligned number, a count, escaped text ("-" when ""). */
void rpt__html_td_num(FILE *out, double v);
void rpt__html_td_u64(FILE *out, uint64_t v);
void rpt__html_td_text(FILE *out, const char *s);
/* Header cells; `align` has one letter per column, 'r' for right-aligned
 * numbers, anything else for text. */
void rpt__html_th_row(FILE *out, const char *const *cols, const char *align);

#endif
