/*
 * html.c - report.html (see html.h): the page's structure, its tables and its
 * style sheet.  Numbers are printed with a precision that depends on their
 * size (2 decimals under 10, 1 under 100, none above), the same everywhere on
 * the page.  The timeline table lists at most MAX_TIMELINE_ROWS events and
 * says how many more the results file holds.
 */
#include "reports/html.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "reports/html_int.h"

#define MAX_TIMELINE_ROWS 500

static const char style[] =
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

static void num(FILE *o, double v)
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

static void td_num(FILE *o, double v)
{
    fputs("<td class=\"num\">", o);
    num(o, v);
    fputs("</td>", o);
}

static void td_u64(FILE *o, uint64_t v)
{
    fprintf(o, "<td class=\"num\">%llu</td>", (unsigned long long)v);
}

static void td_text(FILE *o, const char *s)
{
    fputs("<td>", o);
    rpt__html_text(o, s[0] ? s : "-");
    fputs("</td>", o);
}

/* Header cells; `align` has one letter per column, 'r' for right-aligned
 * numbers, anything else for text. */
static void th_row(FILE *o, const char *const *cols, const char *align)
{
    fputs("<thead><tr>", o);
    for (size_t i = 0; cols[i]; i++)
        fprintf(o, "<th%s>%s</th>", align[i] == 'r' ? " class=\"num\"" : "", cols[i]);
    fputs("</tr></thead>\n", o);
}

/* An assertion's observed value in its unit: ratios as percentages. */
static void observed(FILE *o, const rpt_chart_assertion *a)
{
    if (!a->observed_valid) {
        fputs("<span class=\"note\">no request matched</span>", o);
        return;
    }
    if (!strcmp(a->unit, "ratio")) {
        fprintf(o, "%.3g%%", a->observed * 100);
    } else {
        fprintf(o, "%.4g", a->observed);
        if (a->unit[0] && strcmp(a->unit, "count") != 0) {
            fputc(' ', o);
            rpt__html_text(o, a->unit);
        }
    }
}

static void header(FILE *o, const rpt_chart_data *d)
{
    size_t failed = 0;
    for (size_t i = 0; i < d->nassertions; i++)
        failed += !d->assertions[i].passed;
    fputs("<header>\n<h1>", o);
    rpt__html_text(o, d->scenario[0] ? d->scenario : "(unnamed scenario)");
    fputs("</h1>\n<p class=\"facts\"><span>seed <b>", o);
    rpt__html_text(o, d->seed);
    fputs("</b></span><span>meshsim <b>", o);
    rpt__html_text(o, d->version[0] ? d->version : "?");
    fputs("</b></span><span>", o);
    num(o, d->duration_s);
    fputs(" s simulated (warm-up ", o);
    num(o, d->warmup_s);
    fputs(" s", o);
    if (d->window_s > 0) {
        fputs(", windows of ", o);
        num(o, d->window_s);
        fputs(" s", o);
    }
    fprintf(o, ")</span><span>%llu requests from sources</span>",
            (unsigned long long)d->requests);
    if (d->status[0] && strcmp(d->status, "complete") != 0) {
        fputs("<span><b>run ", o);
        rpt__html_text(o, d->status);
        fputs("</b></span>", o);
    }
    fputs("</p>\n", o);
    if (!d->nassertions)
        fputs("<p class=\"verdict none\" id=\"verdict\">No assertions in this scenario</p>\n", o);
    else if (!failed)
        fprintf(o, "<p class=\"verdict pass\" id=\"verdict\">PASS: all %zu assertion%s hold</p>\n",
                d->nassertions, d->nassertions == 1 ? "" : "s");
    else
        fprintf(o, "<p class=\"verdict fail\" id=\"verdict\">FAIL: %zu of %zu assertion%s failed</p>\n",
                failed, d->nassertions, d->nassertions == 1 ? "" : "s");
    fputs("</header>\n<nav><a href=\"#assertions\">Assertions</a><a href=\"#routes\">Routes</a>"
          "<a href=\"#domains\">Where the time went</a><a href=\"#timeline\">Timeline</a>"
          "<a href=\"#charts\">Charts</a></nav>\n",
          o);
}

static void assertions(FILE *o, const rpt_chart_data *d)
{
    fputs("<section id=\"assertions\">\n<h2>Assertions</h2>\n", o);
    if (!d->nassertions) {
        fputs("<p class=\"note\">The scenario states no assertion.</p>\n</section>\n", o);
        return;
    }
    static const char *const cols[] = {"Result", "Assertion", "Metric", "Selector", "Observed",
                                       "Limit", NULL};
    fputs("<div class=\"scroll\"><table id=\"assertion-table\">\n", o);
    th_row(o, cols, "llllll");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < d->nassertions; i++) {
        const rpt_chart_assertion *a = &d->assertions[i];
        fprintf(o, "<tr class=\"%s\"><td><span class=\"badge %s\">%s</span></td>",
                a->passed ? "pass" : "fail", a->passed ? "pass" : "fail",
                a->passed ? "PASS" : "FAIL");
        td_text(o, a->name);
        td_text(o, a->metric);
        td_text(o, a->selector);
        fputs("<td>", o);
        observed(o, a);
        fputs("</td>", o);
        td_text(o, a->limit);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n</section>\n", o);
}

static void routes(FILE *o, const rpt_chart_data *d)
{
    fputs("<section id=\"routes\">\n<h2>Routes</h2>\n<p>One row per source, destination, "
          "version, host and route, over the measured run; latencies (p50 to max) in "
          "milliseconds.</p>\n",
          o);
    if (!d->nseries) {
        fputs("<p class=\"note\">No request was measured.</p>\n</section>\n", o);
        return;
    }
    static const char *const cols[] = {
        "Source", "Destination", "Host", "Route", "Requests", "Req/s", "Success", "Retries",
        "Timeouts", "p50", "p90", "p99", "p99.9", "Max", NULL};
    fputs("<div class=\"scroll\"><table id=\"route-table\">\n", o);
    th_row(o, cols, "llllrrrrrrrrrr");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < d->nseries; i++) {
        const rpt_chart_series *s = &d->series[i];
        fputs("<tr>", o);
        td_text(o, s->source);
        fputs("<td>", o);
        rpt__html_text(o, s->service[0] ? s->service : "-");
        if (s->version[0]) {
            fputc(' ', o);
            rpt__html_text(o, s->version);
        }
        fputs("</td>", o);
        td_text(o, s->host);
        td_text(o, s->route);
        td_u64(o, s->requests);
        td_num(o, s->rps);
        if (s->requests)
            fprintf(o, "<td class=\"num\">%.2f%%</td>",
                    100.0 * (1 - (double)s->errors / (double)s->requests));
        else
            fputs("<td class=\"num\">-</td>", o);
        td_u64(o, s->retries);
        td_u64(o, s->timeouts);
        const double ms[] = {s->p50_ms, s->p90_ms, s->p99_ms, s->p999_ms, s->max_ms};
        for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
            td_num(o, ms[k]);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n</section>\n", o);
}

static void domains(FILE *o, const rpt_chart_data *d)
{
    fputs("<section id=\"domains\">\n<h2>Where the time went</h2>\n"
          "<p>Mean time per request in each domain, in milliseconds; the domains add up to the "
          "mean latency.</p>\n",
          o);
    if (!d->nseries) {
        fputs("<p class=\"note\">No request was measured.</p>\n</section>\n", o);
        return;
    }
    static const char *const cols[] = {"Route", "Ingress", "Mesh", "Node network", "Application",
                                       "Mean latency", NULL};
    fputs("<div class=\"scroll\"><table id=\"domain-table\">\n", o);
    th_row(o, cols, "lrrrrr");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < d->nseries; i++) {
        const rpt_chart_series *s = &d->series[i];
        fputs("<tr>", o);
        td_text(o, s->label);
        for (int k = 0; k < RPT_CHART_NDOMAINS; k++)
            td_num(o, s->domain_ms[k]);
        td_num(o, s->mean_ms);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n</section>\n", o);
}

static void timeline(FILE *o, const rpt_chart_data *d)
{
    fputs("<section id=\"timeline\">\n<h2>Timeline</h2>\n", o);
    if (!d->ntimeline) {
        fputs("<p class=\"note\">Nothing happened to the mesh: no fault, ejection, push, rollout "
              "step or assertion failure.</p>\n</section>\n",
              o);
        return;
    }
    static const char *const cols[] = {"At (s)", "Until (s)", "Kind", "Subject", "Detail", NULL};
    fputs("<div class=\"scroll\"><table id=\"timeline-table\">\n", o);
    th_row(o, cols, "rrlll");
    fputs("<tbody>\n", o);
    size_t n = d->ntimeline < MAX_TIMELINE_ROWS ? d->ntimeline : MAX_TIMELINE_ROWS;
    for (size_t i = 0; i < n; i++) {
        const rpt_chart_event *e = &d->timeline[i];
        fprintf(o, "<tr><td class=\"num\">%.3f</td>", e->t_s);
        if (e->end_s > e->t_s)
            fprintf(o, "<td class=\"num\">%.3f</td>", e->end_s);
        else
            fputs("<td></td>", o);
        fputs("<td class=\"kind\">", o);
        rpt__html_text(o, e->kind);
        fputs("</td>", o);
        td_text(o, e->subject);
        td_text(o, e->detail);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n", o);
    if (d->ntimeline > n)
        fprintf(o, "<p class=\"note\">%zu more events are in results.sqlite (table timeline).</p>\n",
                d->ntimeline - n);
    fputs("</section>\n", o);
}

static void charts(FILE *o, const char *dir, const rpt_charts_drawn *drawn)
{
    fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", o);
    if (drawn->gnuplot_missing)
        fputs("<p class=\"note\">No chart was drawn: gnuplot was not found (install gnuplot-nox, "
              "then run meshsim plot on results.sqlite).</p>\n",
              o);
    for (size_t i = 0; i < RPT_NCHARTS; i++) {
        const char *name = rpt_chart_name(i), *title = rpt_chart_title(i);
        if (!drawn->svg[i]) {
            if (!drawn->gnuplot_missing) {
                fputs("<p class=\"note\">Not drawn: ", o);
                rpt__html_text(o, title);
                fputs(".</p>\n", o);
            }
            continue;
        }
        char path[4200], prefix[32];
        snprintf(path, sizeof path, "%s/%s.svg", dir, name);
        snprintf(prefix, sizeof prefix, "%s-", name);
        fprintf(o, "<figure id=\"chart-%s\">\n", name);
        if (rpt__html_svg_inline(o, path, prefix, title) != 0) {
            fputs("<p class=\"note\">Could not be read: ", o);
            rpt__html_text(o, path);
            fputs("</p>", o);
        }
        fputs("\n<figcaption>", o);
        rpt__html_text(o, title);
        fprintf(o, " (%s.svg)</figcaption>\n</figure>\n", name);
    }
    fputs("</section>\n", o);
}

int rpt_html_write(FILE *o, const rpt_chart_data *d, const char *dir, const rpt_charts_drawn *drawn)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          o);
    rpt__html_text(o, d->scenario[0] ? d->scenario : "meshsim run");
    fputs(" (seed ", o);
    rpt__html_text(o, d->seed);
    fprintf(o, ") - meshsim report</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", style);
    header(o, d);
    assertions(o, d);
    routes(o, d);
    domains(o, d);
    timeline(o, d);
    charts(o, dir, drawn);
    fputs("</main>\n<footer><p>Made by meshsim ", o);
    rpt__html_text(o, d->version);
    fputs(" from results.sqlite. Command line: <code>", o);
    rpt__html_text(o, d->command_line);
    fputs("</code>. Scenario hash <code>", o);
    rpt__html_text(o, d->scenario_hash);
    fputs("</code>. Started ", o);
    rpt__html_text(o, d->started_at);
    fputs(".</p></footer>\n</body>\n</html>\n", o);
    return ferror(o) ? -1 : 0;
}
