/*
 * dr_lookup.h - which DestinationRule applies to a service host for a client,
 * and the policy blocks in force for one of its subsets (policy-semantics.md
 * 7.4): the client's namespace first, then the service's, then any; an exact
 * host before a wildcard; only DRs exported to the client's namespace
 * (exportTo); a subset's trafficPolicy replaces the DR-level
 * blocks one by one.  Pure functions over borrowed resources.
 */
#ifndef POL_DR_LOOKUP_H
#define POL_DR_LOOKUP_H

#include <stddef.h>

#include "policy/resources.h"

/* The DestinationRule for `fqdn` (a service in namespace `svc_ns`) seen from a
 * client in `client_ns`, or NULL. */
const pol_destination_rule *pol_dr_find(const pol_destination_rule *drs, size_t ndr,
                                        const char *fqdn, const char *svc_ns, const char *client_ns);
/* The subset named `name` of dr (NULL when dr or name is NULL or not found). */
const pol_subset *pol_dr_subset(const pol_destination_rule *dr, const char *name);
/* The blocks in force: the DR's, each replaced by the subset's when given. */
pol_policy_blocks pol_dr_effective_blocks(const pol_destination_rule *dr, const pol_subset *ss);

#endif
