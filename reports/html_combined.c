/*
 * html_combined.c - the replications' report.html (html_combined.h), drawn
 * from the combination in memory, in the run page's style (html_page.c).
 * A figure is shown as "mean ± half-width"; with a single value (one
 * replication had the row) the half-width is unknown and only the mean is
 * shown.
 */
#include "reports/html_combined.h"

#include <math.h>
#include <string.h>

#include "reports/combine_int.h"
#include "reports/html_int.h"
#include "reports/store.h"

static void pm(FILE *o, double mean, double hw)
{
    rpt__html_num(o, mean);
    if (isfinite(hw)) {
        fputs(" ± ", o);
        rpt__html_num(o, hw);
    }
}

/* A figure's cell; `count` figures count 0 for replications lacking the row. */
static void td_fig(FILE *o, const sim_welford *w, unsigned n, bool count, double scale)
{
    sim_welford v = count ? rpt__filled(w, n) : *w;
    fputs("<td class=\"num\">", o);
    double mean = scale * sim_welford_mean(&v), hw = v.n > 1 ? scale * rpt__hw(&v) : NAN;
    if (!v.n)
        fputs("-", o);
    else if (scale == 100 && isfinite(hw)) /* percentages: 99.99 must not read 100 */
        fprintf(o, "%.2f ± %.2f", mean, hw);
    else if (scale == 100)
        fprintf(o, "%.2f", mean);
    else
        pm(o, mean, hw);
    fputs("</td>", o);
}

/* A value in an assertion's unit: ratios as percentages. */
static void in_unit(FILE *o, const rpt_assertion *a, double v)
{
    if (!strcmp(a->unit, "ratio")) {
        fprintf(o, "%.3g%%", v * 100);
        return;
    }
    fprintf(o, "%.4g", v);
    if (a->unit[0] && strcmp(a->unit, "count") != 0) {
        fputc(' ', o);
        rpt__html_text(o, a->unit);
    }
}

static void header(FILE *o, const rpt_combined *c, const rpt_assertion *a, size_t na,
                   const char *version)
{
    size_t failed = 0;
    for (size_t i = 0; i < na; i++)
        failed += !a[i].passed;
    sim_welford req = rpt__filled(&c->requests, c->n);
    fputs("<header>\n<h1>", o);
    rpt__html_text(o, c->scenario && c->scenario[0] ? c->scenario : "(unnamed scenario)");
    fprintf(o, "</h1>\n<p class=\"facts\"><span><b>%u</b> replication%s</span>"
               "<span>seed <b>%llu</b></span><span>meshsim <b>",
            c->n, c->n == 1 ? "" : "s", (unsigned long long)c->seed);
    rpt__html_text(o, version && version[0] ? version : "?");
    fputs("</b></span><span>", o);
    rpt__html_num(o, (double)c->duration_ns / 1e9);
    fputs(" s simulated each (warm-up ", o);
    rpt__html_num(o, (double)c->warmup_ns / 1e9);
    fputs(" s)</span><span>", o);
    pm(o, sim_welford_mean(&req), req.n > 1 ? rpt__hw(&req) : NAN);
    fputs(" requests from sources</span></p>\n<p class=\"note\">Figures are means over the "
          "replications ± the half-width of their 95% confidence interval (Student t).</p>\n",
          o);
    rpt__html_verdict(o, failed, na, " over the whole interval");
    fputs("</header>\n<nav><a href=\"#assertions\">Assertions</a><a href=\"#routes\">Routes</a>"
          "<a href=\"#domains\">Where the time went</a><a href=\"#replications\">Replications "
          "and their charts</a></nav>\n",
          o);
}

static void assertions(FILE *o, const rpt_assertion *a, size_t na)
{
    fputs("<section id=\"assertions\">\n<h2>Assertions</h2>\n", o);
    if (!na) {
        fputs("<p class=\"note\">The scenario states no assertion.</p>\n</section>\n", o);
        return;
    }
    fputs("<p>An assertion holds only when every replication saw traffic for it and its whole "
          "95% confidence interval lies within the limit.</p>\n",
          o);
    static const char *const cols[] = {"Result", "Assertion", "Metric", "Selector", "Mean",
                                       "95% interval", "Without traffic", "Limit", NULL};
    fputs("<div class=\"scroll\"><table id=\"assertion-table\">\n", o);
    rpt__html_th_row(o, cols, "llllrrrl");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < na; i++) {
        const rpt_assertion *r = &a[i];
        rpt__html_verdict_row(o, r->passed);
        rpt__html_td_text(o, r->name);
        rpt__html_td_text(o, r->metric);
        char sel[512];
        rpt_selector_format(r->spec, sel, sizeof sel);
        rpt__html_td_text(o, sel);
        fputs("<td class=\"num\">", o);
        if (r->observed_valid)
            in_unit(o, r, r->observed);
        else
            fputs("<span class=\"note\">no request matched</span>", o);
        fputs("</td><td class=\"num\">", o);
        if (r->observed_valid && isfinite(r->half_width)) {
            fputc('[', o);
            in_unit(o, r, r->observed - r->half_width);
            fputs(", ", o);
            in_unit(o, r, r->observed + r->half_width);
            fputc(']', o);
        } else {
            fputs("-", o);
        }
        fprintf(o, "</td><td class=\"num\">%u of %u</td>", r->unmatched, r->replications);
        rpt__html_td_text(o, r->limit);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n</section>\n", o);
}

static void routes(FILE *o, const rpt_combined *c)
{
    fputs("<section id=\"routes\">\n<h2>Routes</h2>\n<p>One row per source, destination, "
          "version and host; latencies (p50 to max) in milliseconds, each the mean over the "
          "replications where the row had requests.</p>\n",
          o);
    if (!c->nrows) {
        fputs("<p class=\"note\">No request was measured.</p>\n</section>\n", o);
        return;
    }
    static const char *const cols[] = {"Source", "Destination", "Host", "Requests", "Req/s",
                                       "Success %", "Retries", "Timeouts", "p50", "p90",
                                       "p99", "Max", NULL};
    fputs("<div class=\"scroll\"><table id=\"route-table\">\n", o);
    rpt__html_th_row(o, cols, "lllrrrrrrrrr");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < c->nrows; i++) {
        const rpt__crow *r = c->rows[i];
        fputs("<tr>", o);
        rpt__html_td_text(o, r->source);
        fputs("<td>", o);
        rpt__html_text(o, r->destination[0] ? r->destination : "-");
        if (r->version[0]) {
            fputc(' ', o);
            rpt__html_text(o, r->version);
        }
        fputs("</td>", o);
        rpt__html_td_text(o, r->host);
        td_fig(o, &r->fig[RPT__FIG_REQUESTS], c->n, true, 1);
        td_fig(o, &r->fig[RPT__FIG_RPS], c->n, true, 1);
        td_fig(o, &r->fig[RPT__FIG_SUCCESS_RATE], c->n, false, 100);
        td_fig(o, &r->fig[RPT__FIG_RETRIES], c->n, true, 1);
        td_fig(o, &r->fig[RPT__FIG_TIMEOUTS], c->n, true, 1);
        static const int ms[] = {RPT__FIG_P50_MS, RPT__FIG_P90_MS, RPT__FIG_P99_MS,
                                 RPT__FIG_MAX_MS};
        for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
            td_fig(o, &r->fig[ms[k]], c->n, false, 1);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n</section>\n", o);
}

static void domains(FILE *o, const rpt_combined *c)
{
    fputs("<section id=\"domains\">\n<h2>Where the time went</h2>\n<p>Mean time per request "
          "in each domain over all routes, in milliseconds, the application's split into its "
          "queue and its service, as in each replication's page.</p>\n",
          o);
    /* the columns of the single run's domain table (html.c) */
    static const char *const cols[] = {"Ingress",   "Mesh",        "Node network",
                                       "App queue", "App service", NULL};
    static const int figs[] = {MDL_DOM_INGRESS, MDL_DOM_MESH, MDL_DOM_NODE, MDL_NDOMAINS,
                               MDL_NDOMAINS + 1}; /* rpt__domain_fig_name's order */
    fputs("<div class=\"scroll\"><table id=\"domain-table\">\n", o);
    rpt__html_th_row(o, cols, "rrrrr");
    fputs("<tbody><tr>", o);
    for (size_t k = 0; k < sizeof figs / sizeof figs[0]; k++)
        td_fig(o, &c->domain_ms[figs[k]], c->n, false, 1);
    fputs("</tr></tbody></table></div>\n</section>\n", o);
}

static void replications(FILE *o, const rpt_html_replication *reps, size_t n, size_t na)
{
    fputs("<section id=\"replications\">\n<h2>Replications and their charts</h2>\n<p>Each "
          "replication has its own report, with its charts and timeline; replication 0 is the "
          "single run with the scenario's seed.</p>\n",
          o);
    static const char *const cols[] = {"Replication", "Seed", "On its own", "Report", NULL};
    fputs("<div class=\"scroll\"><table id=\"replication-table\">\n", o);
    rpt__html_th_row(o, cols, "rrll");
    fputs("<tbody>\n", o);
    for (size_t i = 0; i < n; i++) {
        const rpt_html_replication *r = &reps[i];
        fprintf(o, "<tr><td class=\"num\">%zu</td><td class=\"num\">%llu</td><td>", i,
                (unsigned long long)r->seed);
        if (!na)
            fputs("no assertions", o);
        else if (!r->failed)
            fputs("<span class=\"badge pass\">PASS</span>", o);
        else
            fprintf(o, "<span class=\"badge fail\">FAIL</span> %zu of %zu failed", r->failed, na);
        if (r->interrupted)
            fputs(" <b>interrupted</b>", o);
        if (!r->combined)
            fputs(" <span class=\"note\">(not combined)</span>", o);
        fprintf(o, "</td><td><a href=\"replications/%04zu/report.html\">replications/%04zu/"
                   "report.html</a></td></tr>\n",
                i, i);
    }
    fputs("</tbody></table></div>\n</section>\n", o);
}

int rpt_html_combined_write(FILE *o, const rpt_combined *c, const rpt_assertion *a, size_t na,
                            const rpt_html_replication *reps, size_t nreps, const char *version,
                            const char *command_line)
{
    char title[600];
    snprintf(title, sizeof title, "%s (%u replications from seed %llu) - meshsim report",
             c->scenario && c->scenario[0] ? c->scenario : "meshsim run", c->n,
             (unsigned long long)c->seed);
    rpt__html_head(o, title);
    header(o, c, a, na, version);
    assertions(o, a, na);
    routes(o, c);
    domains(o, c);
    replications(o, reps, nreps, na);
    fputs("</main>\n<footer><p>Made by meshsim ", o);
    rpt__html_text(o, version ? version : "");
    fputs(" from the replications in memory (summary.json holds the same figures).", o);
    if (command_line) {
        fputs(" Command line: <code>", o);
        rpt__html_text(o, command_line);
        fputs("</code>.", o);
    }
    fputs("</p></footer>\n</body>\n</html>\n", o);
    return ferror(o) ? -1 : 0;
}
