/*
 * html_page.c - what every meshsim page shares (html_int.h): the style sheet,
 * the head with its Content-Security-Policy, and the table cells.  Numbers
 * are printed with a precision that depends on their size (2 decimals under
 * 10, 1 under 100, none above), the same everywhere on a page.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "reports/html_int.h"

static const char page_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "color:#1d1d1f;background:#f6f7f9;line-height:1.4}"
    "main{max-width:1280px;margin:0 auto;padding:24px}"
    "header h1{margin:0 0 4px;font-size:26px}"
    ".facts{color:#555;margin:0 0 16px}"
    ".facts span{margin-right:18px;white-space:nowrap}"
    ".verdict{display:inline-block;font-weight:600;padding:8px 14px;border-radius:6px;margin:4px 0 8px}"
    ".verdict.pass{background:#e3f4e6;color:#1b6e2c;border:1px solid #a9dbb3}"
    ".verdict.fail{background:#fde4e4;color:#a11d1d;border:1px solid #f1a9a9}"
    ".verdict.none{background:#eceff3;color:#444;border:1px solid #d0d5dc}"
    "nav{margin:8px 0 20px}nav a{margin-right:14px;color:#2a5db0}"
    "section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:16px 20px;"
    "margin:0 0 20px}"
    "h2{font-size:19px;margin:0 0 12px}"
    ".scroll{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{padding:4px 6px;border-bottom:1px solid #eceef1;text-align:left;vertical-align:top}"
    "#route-table td,#domain-table td{white-space:nowrap}"
    "th{background:#f3f5f7;font-weight:600}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".badge{display:inline-block;min-width:38px;text-align:center;font-weight:700;font-size:12px;"
    "padding:2px 6px;border-radius:4px}"
    ".badge.pass{background:#2e8b3e;color:#fff}.badge.fail{background:#c62828;color:#fff}"
    "tr.fail td{background:#fff5f5}"
    ".kind{font-weight:600}"
    ".note{color:#666;font-style:italic}"
    "figure{margin:0 0 28px}figcaption{color:#555;font-size:13px;margin-top:4px}"
    "svg.chart{display:block;width:100%;height:auto;background:#fff}"
    "footer{color:#777;font-size:12px;padding:0 4px 24px;word-break:break-all}"
    "code{font-size:12px}";

void rpt__html_num(FILE *o, double v)
{
    if (!isfinite(v))
        fputs("-", o);
    else if (fabs(v) < 10)
        fprintf(o, "%.2f", v);
    else if (fabs(v) < 100)
        fprintf(o, "%.1f", v);
    else
        fprintf(o, "%.0f", v);
}

void rpt__html_td_num(FILE *o, double v)
{
    fputs("<td class=\"num\">", o);
    rpt__html_num(o, v);
    fputs("</td>", o);
}

void rpt__html_td_u64(FILE *o, uint64_t v)
{
    fprintf(o, "<td class=\"num\">%llu</td>", (unsigned long long)v);
}

void rpt__html_td_text(FILE *o, const char *s)
{
    fputs("<td>", o);
    rpt__html_text(o, s[0] ? s : "-");
    fputs("</td>", o);
}

/* Header cells; `align` has one letter per column, 'r' for right-aligned
 * numbers, anything else for text. */
void rpt__html_th_row(FILE *o, const char *const *cols, const char *align)
{
    fputs("<thead><tr>", o);
    for (size_t i = 0; cols[i]; i++)
        fprintf(o, "<th%s>%s</th>", align[i] == 'r' ? " class=\"num\"" : "", cols[i]);
    fputs("</tr></thead>\n", o);
}

void rpt__html_head(FILE *o, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          o);
    rpt__html_text(o, title);
    fprintf(o, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", page_style);
}

void rpt__html_verdict(FILE *o, size_t failed, size_t n, const char *pass_tail)
{
    const char *s = n == 1 ? "" : "s";
    if (!n)
        fputs("<p class=\"verdict none\" id=\"verdict\">No assertions in this scenario</p>\n", o);
    else if (!failed)
        fprintf(o, "<p class=\"verdict pass\" id=\"verdict\">PASS: all %zu assertion%s hold%s</p>\n",
                n, s, pass_tail);
    else
        fprintf(o, "<p class=\"verdict fail\" id=\"verdict\">FAIL: %zu of %zu assertion%s failed</p>\n",
                failed, n, s);
}

void rpt__html_verdict_row(FILE *o, bool passed)
{
    const char *c = passed ? "pass" : "fail";
    fprintf(o, "<tr class=\"%s\"><td><span class=\"badge %s\">%s</span></td>", c, c,
            passed ? "PASS" : "FAIL");
}
