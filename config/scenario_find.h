/*
 * scenario_find.h - the scenarios `meshsim test` runs, found in files and
 * directories.
 *
 * Rules (docs in README "meshsim test"):
 *   - a FILE named on the command line is one scenario (it must hold a
 *     Scenario document; its `include:` list brings the rest);
 *   - a DIR is searched recursively, entries in byte-wise name order (dot
 *     files skipped, as the loader does).  A directory holding exactly one
 *     YAML file with a Scenario document, and no scenario below it, is one
 *     scenario: the directory itself, loaded as `meshsim run DIR` loads it.
 *     Otherwise each YAML file with a Scenario document is one scenario (the
 *     file plus its includes) and each subdirectory is searched the same way;
 *     YAML files without a Scenario are left to the includes that name them.
 *   - a DIR under which no scenario is found is an error;
 *   - files and directories named in `exclude` (compared by real path) are
 *     skipped wherever they are met (that is how the test suite leaves out
 *     scenarios/long/); a directory with something excluded in it or below
 *     is never loaded whole: its Scenario files run one by one.
 * Unreadable files and YAML syntax errors are reported, positioned, into the
 * diag sink.
 */
#ifndef CFG_SCENARIO_FIND_H
#define CFG_SCENARIO_FIND_H

#include <stddef.h>

#include "base/diag.h"

typedef struct cfg_scenario_list {
    char **paths; /* owned: each a file or a directory to load as one bundle */
    size_t len, cap;
} cfg_scenario_list;

/* Append to `out` the scenarios found under each of `paths`, in argument
 * order, leaving out those under `exclude` (each must exist).  Returns 0, or
 * -1 after reporting errors into `d` (`out` then holds what was found and
 * must still be freed). */
int cfg_scenarios_find(const char *const *paths, size_t npaths, const char *const *exclude,
                       size_t nexclude, ms_diag *d, cfg_scenario_list *out);
void cfg_scenario_list_fini(cfg_scenario_list *l);

#endif
