/*
 * cidr.h - IPv4 and IPv6 address ranges ("10.0.0.0/8", "fd00::/8", or one
 * address), as Envoy's CidrRange: AuthorizationPolicy ipBlocks and
 * remoteIpBlocks (authz.c), and meshproxy's --internal-address (Envoy's
 * internal_address_config cidr_ranges).  Pure functions: text in, answer out.
 */
#ifndef POL_CIDR_H
#define POL_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pol_cidr {
    int family;        /* AF_INET or AF_INET6 */
    uint8_t addr[16];  /* network order, host bits cleared */
    unsigned bits;     /* prefix length: 0..32 or 0..128 */
} pol_cidr;

/* Parse "ADDR/LEN" or "ADDR" (the whole address).  0, or -1 when the text is
 * not an IPv4 or IPv6 address with a prefix length in range. */
int pol_cidr_parse(const char *text, pol_cidr *out);

/* Is the address text `ip` (as inet_ntop writes it, IPv6 without brackets)
 * inside one of the n ranges?  An IPv4-mapped IPv6 address is matched as its
 * IPv4 address. */
bool pol_cidr_match_any(const pol_cidr *ranges, size_t n, const char *ip);

#endif
