/*
 * flags.h - Envoy response flags (%RESPONSE_FLAGS%, Istio's `response_flags` label).
 *
 * Implements policy-semantics.md section 8.2.  A flag set is a plain 32-bit value
 * (pol_flags); bit i is the flag with enum value i.  The enum order is Envoy's own
 * flag order (ResponseFlagUtils' table), which is also the order in which the
 * formatter prints a set, so "UT,URX" and never "URX,UT".
 *
 * Invariants: POL_FLAG_COUNT <= 32; the short and long name tables have exactly one
 * entry per enum value.  Pure functions, no state.
 */
#ifndef POL_FLAGS_H
#define POL_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pol_flag {
    POL_FLAG_LH = 0, /* FailedLocalHealthCheck */
    POL_FLAG_UH,     /* NoHealthyUpstream */
    POL_FLAG_UT,     /* UpstreamRequestTimeout */
    POL_FLAG_LR,     /* LocalReset */
    POL_FLAG_UR,     /* UpstreamRemoteReset */
    POL_FLAG_UF,     /* UpstreamConnectionFailure */
    POL_FLAG_UC,     /* UpstreamConnectionTermination */
    POL_FLAG_UO,     /* UpstreamOverflow */
    POL_FLAG_NR,     /* NoRouteFound */
    POL_FLAG_DI,     /* DelayInjected */
    POL_FLAG_FI,     /* FaultInjected */
    POL_FLAG_RL,     /* RateLimited */
    POL_FLAG_UAEX,   /* UnauthorizedExternalService */
    POL_FLAG_RLSE,   /* RateLimitServiceError */
    POL_FLAG_DC,     /* DownstreamConnectionTermination */
    POL_FLAG_URX,    /* UpstreamRetryLimitExceeded */
    POL_FLAG_SI,     /* StreamIdleTimeout */
    POL_FLAG_IH,     /* InvalidEnvoyRequestHeaders */
    POL_FLAG_DPE,    /* DownstreamProtocolError */
    POL_FLAG_UMSDR,  /* UpstreamMaxStreamDurationReached */
    POL_FLAG_RFCF,   /* ResponseFromCacheFilter */
    POL_FLAG_NFCF,   /* NoFilterConfigFound */
    POL_FLAG_DT,     /* DurationTimeout */
    POL_FLAG_UPE,    /* UpstreamProtocolError */
    POL_FLAG_NC,     /* NoClusterFound */
    POL_FLAG_OM,     /* OverloadManagerTerminated */
    POL_FLAG_DF,     /* DnsResolutionFailed */
    POL_FLAG_DO,     /* DropOverload */
    POL_FLAG_COUNT
} pol_flag;

/* A set of flags: bit (1u << flag). 0 is the empty set. */
typedef uint32_t pol_flags;

#define POL_FLAG_BIT(f) ((pol_flags)1u << (f))

static inline bool pol_flags_has(pol_flags s, pol_flag f) { return (s & POL_FLAG_BIT(f)) != 0; }

/* "UH", "URX", ...; NULL when f is out of range.  Static strings. */
const char *pol_flag_short_name(pol_flag f);
/* "NoHealthyUpstream", "UpstreamRetryLimitExceeded", ...; NULL when out of range. */
const char *pol_flag_long_name(pol_flag f);

/* Look up a short name ("UO") or a long name ("UpstreamOverflow"), exact case.
 * Returns 0 and stores the flag, or -1 when the name is unknown. */
int pol_flag_parse(const char *name, pol_flag *out);

/* Format `set` as Envoy does: short names in enum order joined by ',', or "-" for
 * the empty set (`long_names` selects the PascalCase names, joined the same way).
 * Writes at most `cap` bytes including the NUL into buf (cap may be 0, buf NULL)
 * and returns the length the full text needs, as snprintf does.  The longest
 * short-name text needs POL_FLAGS_FORMAT_MAX bytes. */
size_t pol_flags_format(pol_flags set, bool long_names, char *buf, size_t cap);

#define POL_FLAGS_FORMAT_MAX 128

#endif
