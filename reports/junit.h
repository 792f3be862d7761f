/*
 * junit.h - JUnit XML for CI systems (Jenkins, GitLab, GitHub reporters),
 * in the common Ant/Jenkins dialect (tests/tools/junit.xsd is the schema the
 * tests validate against):
 *
 *   <testsuites name tests failures errors time>
 *     <testsuite name tests failures errors skipped time timestamp hostname>
 *       <properties><property name="meshsim_version" value/></properties>
 *       <testcase name="ASSERTION" classname="SCENARIO" time file>
 *         <failure message="EVIDENCE" type="assertion">EVIDENCE, seed, path</failure>
 *       </testcase> ...
 *
 * One testsuite; one testcase per assertion, its classname the scenario's
 * name.  A scenario without assertions gives one testcase "scenario runs";
 * a scenario that could not finish gives <error> on each of its testcases.
 * A testcase's time is its scenario's wall time shared evenly among the
 * scenario's testcases, so that the times of a class add up to the time the
 * scenario took.  The failure message carries the observed value (the mean
 * and its 95% interval when replicated) and the limit.
 */
#ifndef RPT_JUNIT_H
#define RPT_JUNIT_H

#include <stddef.h>
#include <stdint.h>

#include "reports/assertions.h"

typedef struct rpt_junit_case {
    const char *scenario; /* the Scenario's name: the testcases' classname */
    const char *path;     /* where it was found */
    uint64_t seed;
    double wall_s;
    const char *error;    /* NULL, or why the scenario did not run to its end */
    const rpt_assertion *a; /* borrowed */
    size_t na;
} rpt_junit_case;

typedef struct rpt_junit_suite {
    const char *name;      /* "meshsim" */
    const char *timestamp; /* ISO 8601 local-less, e.g. 2026-01-31T12:00:00 */
    const char *version;   /* meshsim's */
    double wall_s;         /* the whole run (with -j, less than the sum) */
} rpt_junit_suite;

/* Write the XML to `path` atomically (PATH.tmp.PID, then renamed).  Returns
 * 0, or -1 with a one-line reason in err (cap bytes) and nothing written. */
int rpt_junit_write(const char *path, const rpt_junit_suite *s, const rpt_junit_case *c, size_t n,
                    char *err, size_t cap);

#endif
