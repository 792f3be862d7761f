/*
 * host_set.h - the endpoints of one upstream cluster, as the load balancers see them.
 *
 * A host set holds hosts (address "ip:port", weight, locality, priority, health,
 * outlier-ejection flag, in-flight request counter, creation time) and, after
 * pol_host_set_rebuild(), groups them by priority and, inside a priority, by
 * locality (policy-semantics.md 4.1, 4.6, 4.7; 3.6 for ejection).
 *
 * Groups ("host sources"), per priority p:
 *   POL_HOSTS_ALL      every host of p (used in panic),
 *   POL_HOSTS_HEALTHY  health == HEALTHY and not ejected,
 *   POL_HOSTS_DEGRADED health == DEGRADED and not ejected.
 * Each group is a list of host indices sorted by (locality slot, host index), so a
 * locality's part of a group is a contiguous slice.  An ejected host is in no
 * group but ALL: it can only be picked when its priority is in panic (3.6).
 *
 * Invariants: host indices are 0..count-1 in insertion order, and only
 * pol_host_set_remove() changes them.  Setters other than the active-request
 * counter mark the set dirty; the groups are stale until pol_host_set_rebuild(),
 * and load balancers built on the set must then get pol_lb_on_hosts_changed().
 * "Excluded" hosts (Envoy's EXCLUDED flag) are not modelled.
 *
 * Ownership: the set copies every string it is given.
 */
#ifndef POL_HOST_SET_H
#define POL_HOST_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pol_host_health {
    POL_HOST_HEALTHY = 0,
    POL_HOST_UNHEALTHY,
    POL_HOST_DEGRADED,
} pol_host_health;

typedef enum pol_host_avail {
    POL_HOSTS_ALL = 0,
    POL_HOSTS_HEALTHY,
    POL_HOSTS_DEGRADED,
} pol_host_avail;

/* A locality as given by the caller; NULL fields mean "". Borrowed. */
typedef struct pol_locality {
    const char *region;
    const char *zone;
    const char *subzone;
} pol_locality;

/* Input to pol_host_set_add(); strings are borrowed for the call only. */
typedef struct pol_host_spec {
    const char *address;      /* "ip:port" ("[v6]:port"): hash key, must be unique */
    uint32_t weight;          /* load-balancing weight; 0 means 1 */
    pol_locality locality;
    uint32_t priority;        /* 0 is the most preferred level */
    uint32_t locality_weight; /* weight of the host's locality (EDS); 0: unset */
    pol_host_health health;
    int64_t created_at_ns;    /* when the host became healthy/was added (slow start) */
} pol_host_spec;

/* A host as stored.  Callers read it; they change it only through the setters
 * below.  `active_requests` is maintained by the caller (requests in flight to the
 * host from this client), through pol_host_set_active_add(). */
typedef struct pol_host {
    const char *address; /* owned by the set, NUL-terminated */
    size_t address_len;
    uint32_t weight;
    uint32_t priority;
    uint32_t locality;        /* id in the set's locality table */
    uint32_t locality_weight; /* as given; 0 = unset */
    pol_host_health health;
    bool ejected;             /* ejected by outlier detection */
    uint64_t active_requests;
    int64_t created_at_ns;
} pol_host;

typedef struct pol_host_set pol_host_set;

/* An empty set (clean, 0 priorities).  Caller frees with pol_host_set_destroy(). */
pol_host_set *pol_host_set_create(void);
void pol_host_set_destroy(pol_host_set *hs); /* NULL is fine */

/* Append a host; returns its index.  Copies the strings.  Asserts that the
 * address is non-empty and not already present.  Marks the set dirty. */
uint32_t pol_host_set_add(pol_host_set *hs, const pol_host_spec *spec);
/* Remove host `index`; hosts after it move down by one index.  Marks dirty. */
void pol_host_set_remove(pol_host_set *hs, uint32_t index);
/* Index of the host with this address, or -1. */
int32_t pol_host_set_find(const pol_host_set *hs, const char *address);

/* Setters; each marks the set dirty (except the active counter). */
void pol_host_set_set_health(pol_host_set *hs, uint32_t index, pol_host_health health);
void pol_host_set_set_ejected(pol_host_set *hs, uint32_t index, bool ejected);
void pol_host_set_set_weight(pol_host_set *hs, uint32_t index, uint32_t weight);
void pol_host_set_set_priority(pol_host_set *hs, uint32_t index, uint32_t priority);
void pol_host_set_set_created_at(pol_host_set *hs, uint32_t index, int64_t created_at_ns);
/* Add `delta` (may be negative) to the host's in-flight counter; never below 0. */
void pol_host_set_active_add(pol_host_set *hs, uint32_t index, int64_t delta);

/* Regroup hosts by priority and locality after changes.  Allocates here, never
 * during picks.  Increments the generation. */
void pol_host_set_rebuild(pol_host_set *hs);
bool pol_host_set_dirty(const pol_host_set *hs);
uint64_t pol_host_set_generation(const pol_host_set *hs);

/* Read access.  Pointers stay valid until the next add/remove/rebuild. */
uint32_t pol_host_set_count(const pol_host_set *hs);
const pol_host *pol_host_set_hosts(const pol_host_set *hs);
const pol_host *pol_host_set_host(const pol_host_set *hs, uint32_t index);

/* Number of priority levels (highest priority value + 1; 0 when empty).  Levels
 * with no host exist and are empty. */
uint32_t pol_host_set_priority_count(const pol_host_set *hs);
/* Number of localities with at least one host in priority p. */
uint32_t pol_host_set_locality_count(const pol_host_set *hs, uint32_t p);
/* Host indices of group (p, avail), restricted to locality slot `slot` (0 ..
 * locality_count-1) or the whole priority when slot < 0.  *n gets the length. */
const uint32_t *pol_host_set_group(const pol_host_set *hs, uint32_t p, pol_host_avail avail,
                                   int32_t slot, uint32_t *n);
/* Locality id of slot `slot` of priority p, and that locality's weight in p: the
 * largest locality_weight given by its hosts, or, when none is given, the sum of
 * its hosts' weights (what Istio writes into EDS). */
uint32_t pol_host_set_locality_id(const pol_host_set *hs, uint32_t p, uint32_t slot);
uint32_t pol_host_set_locality_weight(const pol_host_set *hs, uint32_t p, uint32_t slot);
/* The strings of locality `id` (owned by the set). */
pol_locality pol_host_set_locality(const pol_host_set *hs, uint32_t id);
uint32_t pol_host_set_locality_table_size(const pol_host_set *hs);

#endif
