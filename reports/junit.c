/*
 * junit.c - JUnit XML (junit.h).  Text goes through one escaping function:
 * the five XML specials become entities, control characters XML 1.0 cannot
 * carry become '?'.  Numbers are printed with a fixed format, so the file is
 * byte-identical for the same results and times.
 */
#include "reports/junit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reports/evidence.h"

static void esc(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                fputc('?', f);
            else
                fputc(*p, f);
        }
    }
}

static size_t cases_of(const rpt_junit_case *c)
{
    return c->na ? c->na : 1;
}

static void testcase(FILE *f, const rpt_junit_case *c, size_t i)
{
    double t = c->wall_s / (double)cases_of(c);
    const rpt_assertion *a = c->na ? &c->a[i] : NULL;
    fputs("    <testcase name=\"", f);
    esc(f, a ? a->name : "scenario runs");
    fputs("\" classname=\"", f);
    esc(f, c->scenario);
    fprintf(f, "\" time=\"%.3f\" file=\"", t);
    esc(f, c->path);
    fputs("\"", f);
    char ev[RPT_EVIDENCE_CAP];
    if (a)
        rpt_assertion_evidence(a, ev, sizeof ev);
    if (c->error) {
        fputs(">\n      <error message=\"", f);
        esc(f, c->error);
        fputs("\" type=\"error\">", f);
        esc(f, c->error);
        fputs("</error>\n    </testcase>\n", f);
    } else if (a && !a->passed) {
        fputs(">\n      <failure message=\"", f);
        esc(f, ev);
        fputs("\" type=\"assertion\">", f);
        esc(f, a->name);
        fputs(": ", f);
        esc(f, ev);
        if (a->replications > 1)
            fprintf(f, "\n%u replications from seed %llu; an assertion holds only when its whole "
                       "95%% interval is within the limit", a->replications,
                    (unsigned long long)c->seed);
        else
            fprintf(f, "\nseed %llu", (unsigned long long)c->seed);
        fputs("\nscenario ", f);
        esc(f, c->path);
        fputs("</failure>\n    </testcase>\n", f);
    } else if (a) {
        fputs(">\n      <system-out>", f);
        esc(f, ev);
        fputs("</system-out>\n    </testcase>\n", f);
    } else {
        fputs("/>\n", f);
    }
}

static void write_xml(FILE *f, const rpt_junit_suite *s, const rpt_junit_case *c, size_t n)
{
    size_t tests = 0, failures = 0, errors = 0;
    for (size_t k = 0; k < n; k++) {
        tests += cases_of(&c[k]);
        if (c[k].error)
            errors += cases_of(&c[k]);
        else
            for (size_t i = 0; i < c[k].na; i++)
                failures += !c[k].a[i].passed;
    }
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "localhost");
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
    esc(f, s->name);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", tests, failures,
            errors, s->wall_s);
    fputs("  <testsuite name=\"", f);
    esc(f, s->name);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\" "
               "timestamp=\"", tests, failures, errors, s->wall_s);
    esc(f, s->timestamp);
    fputs("\" hostname=\"", f);
    esc(f, host);
    fputs("\">\n    <properties>\n      <property name=\"meshsim_version\" value=\"", f);
    esc(f, s->version);
    fputs("\"/>\n    </properties>\n", f);
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < cases_of(&c[k]); i++)
            testcase(f, &c[k], i);
    fputs("  </testsuite>\n</testsuites>\n", f);
}

int rpt_junit_write(const char *path, const rpt_junit_suite *s, const rpt_junit_case *c, size_t n,
                    char *err, size_t cap)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(err, cap, "JUnit path too long");
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, cap, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    write_xml(f, s, c, n);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, cap, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, cap, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
