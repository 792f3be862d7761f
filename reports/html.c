/*
 * html.c - report.html (see html.h): the page's structure and its tables (the
 * style sheet and cells are shared: html_page.c).  The timeline table lists at most MAX_TIMELINE_ROWS events and
 * says how many more the results file holds.
 */
#include "reports/html.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "reports/html_int.h"

#define MAX_TIMELINE_ROWS 500

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
    rpt__html_num(o, d->duration_s);
    fputs(" s simulated (warm-up ", o);
    rpt__html_num(o, d->warmup_s);
    fputs(" s", o);
    if (d->window_s > 0) {
        fputs(", windows of ", o);
        rpt__html_num(o, d->window_s);
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
    rpt__html_verdict(o, failed, d->nassertions, "");
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
    rpt__html_th_row(o, cols, "llllll");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < d->nassertions; i++) {
        const rpt_chart_assertion *a = &d->assertions[i];
        rpt__html_verdict_row(o, a->passed);
        rpt__html_td_text(o, a->name);
        rpt__html_td_text(o, a->metric);
        rpt__html_td_text(o, a->selector);
        fputs("<td>", o);
        observed(o, a);
        fputs("</td>", o);
        rpt__html_td_text(o, a->limit);
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
    rpt__html_th_row(o, cols, "llllrrrrrrrrrr");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < d->nseries; i++) {
        const rpt_chart_series *s = &d->series[i];
        fputs("<tr>", o);
        rpt__html_td_text(o, s->source);
        fputs("<td>", o);
        rpt__html_text(o, s->service[0] ? s->service : "-");
        if (s->version[0]) {
            fputc(' ', o);
            rpt__html_text(o, s->version);
        }
        fputs("</td>", o);
        rpt__html_td_text(o, s->host);
        rpt__html_td_text(o, s->route);
        rpt__html_td_u64(o, s->requests);
        rpt__html_td_num(o, s->rps);
        if (s->requests)
            fprintf(o, "<td class=\"num\">%.2f%%</td>",
                    100.0 * (1 - (double)s->errors / (double)s->requests));
        else
            fputs("<td class=\"num\">-</td>", o);
        rpt__html_td_u64(o, s->retries);
        rpt__html_td_u64(o, s->timeouts);
        const double ms[] = {s->p50_ms, s->p90_ms, s->p99_ms, s->p999_ms, s->max_ms};
        for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
            rpt__html_td_num(o, ms[k]);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n</section>\n", o);
}

static void domains(FILE *o, const rpt_chart_data *d)
{
    fputs("<section id=\"domains\">\n<h2>Where the time went</h2>\n"
          "<p>Mean time per request in each domain, in milliseconds, the application's split "
          "into its queue (waiting for one of its concurrency slots) and its service; they add "
          "up to the mean latency.</p>\n",
          o);
    if (!d->nseries) {
        fputs("<p class=\"note\">No request was measured.</p>\n</section>\n", o);
        return;
    }
    static const char *const cols[] = {"Route",     "Ingress",     "Mesh",         "Node network",
                                       "App queue", "App service", "Mean latency", NULL};
    fputs("<div class=\"scroll\"><table id=\"domain-table\">\n", o);
    rpt__html_th_row(o, cols, "lrrrrrr");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < d->nseries; i++) {
        const rpt_chart_series *s = &d->series[i];
        fputs("<tr>", o);
        rpt__html_td_text(o, s->label);
        for (int k = 0; k < RPT_CHART_NPARTS; k++)
            rpt__html_td_num(o, s->domain_ms[k]);
        rpt__html_td_num(o, s->mean_ms);
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
    rpt__html_th_row(o, cols, "rrlll");
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
        rpt__html_td_text(o, e->subject);
        rpt__html_td_text(o, e->detail);
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
    char title[600];
    snprintf(title, sizeof title, "%s (seed %s) - meshsim report",
             d->scenario[0] ? d->scenario : "meshsim run", d->seed);
    rpt__html_head(o, title);
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
