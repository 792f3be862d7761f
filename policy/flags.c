/*
 * flags.c - names and formatting of Envoy response flags (policy-semantics.md 8.2).
 *
 * The tables below are indexed by pol_flag; their order is the order Envoy prints
 * flags in.  The formatter never allocates: callers give a buffer.
 */
#include "policy/flags.h"

#include <string.h>

static const char *const short_names[POL_FLAG_COUNT] = {
    [POL_FLAG_LH] = "LH",       [POL_FLAG_UH] = "UH",     [POL_FLAG_UT] = "UT",
    [POL_FLAG_LR] = "LR",       [POL_FLAG_UR] = "UR",     [POL_FLAG_UF] = "UF",
    [POL_FLAG_UC] = "UC",       [POL_FLAG_UO] = "UO",     [POL_FLAG_NR] = "NR",
    [POL_FLAG_DI] = "DI",       [POL_FLAG_FI] = "FI",     [POL_FLAG_RL] = "RL",
    [POL_FLAG_UAEX] = "UAEX",   [POL_FLAG_RLSE] = "RLSE", [POL_FLAG_DC] = "DC",
    [POL_FLAG_URX] = "URX",     [POL_FLAG_SI] = "SI",     [POL_FLAG_IH] = "IH",
    [POL_FLAG_DPE] = "DPE",     [POL_FLAG_UMSDR] = "UMSDR", [POL_FLAG_RFCF] = "RFCF",
    [POL_FLAG_NFCF] = "NFCF",   [POL_FLAG_DT] = "DT",     [POL_FLAG_UPE] = "UPE",
    [POL_FLAG_NC] = "NC",       [POL_FLAG_OM] = "OM",     [POL_FLAG_DF] = "DF",
    [POL_FLAG_DO] = "DO",
};

static const char *const long_names[POL_FLAG_COUNT] = {
    [POL_FLAG_LH] = "FailedLocalHealthCheck",
    [POL_FLAG_UH] = "NoHealthyUpstream",
    [POL_FLAG_UT] = "UpstreamRequestTimeout",
    [POL_FLAG_LR] = "LocalReset",
    [POL_FLAG_UR] = "UpstreamRemoteReset",
    [POL_FLAG_UF] = "UpstreamConnectionFailure",
    [POL_FLAG_UC] = "UpstreamConnectionTermination",
    [POL_FLAG_UO] = "UpstreamOverflow",
    [POL_FLAG_NR] = "NoRouteFound",
    [POL_FLAG_DI] = "DelayInjected",
    [POL_FLAG_FI] = "FaultInjected",
    [POL_FLAG_RL] = "RateLimited",
    [POL_FLAG_UAEX] = "UnauthorizedExternalService",
    [POL_FLAG_RLSE] = "RateLimitServiceError",
    [POL_FLAG_DC] = "DownstreamConnectionTermination",
    [POL_FLAG_URX] = "UpstreamRetryLimitExceeded",
    [POL_FLAG_SI] = "StreamIdleTimeout",
    [POL_FLAG_IH] = "InvalidEnvoyRequestHeaders",
    [POL_FLAG_DPE] = "DownstreamProtocolError",
    [POL_FLAG_UMSDR] = "UpstreamMaxStreamDurationReached",
    [POL_FLAG_RFCF] = "ResponseFromCacheFilter",
    [POL_FLAG_NFCF] = "NoFilterConfigFound",
    [POL_FLAG_DT] = "DurationTimeout",
    [POL_FLAG_UPE] = "UpstreamProtocolError",
    [POL_FLAG_NC] = "NoClusterFound",
    [POL_FLAG_OM] = "OverloadManagerTerminated",
    [POL_FLAG_DF] = "DnsResolutionFailed",
    [POL_FLAG_DO] = "DropOverload",
};

_Static_assert(POL_FLAG_COUNT <= 32, "pol_flags is 32 bits wide");

const char *pol_flag_short_name(pol_flag f)
{
    return ((unsigned)f < POL_FLAG_COUNT) ? short_names[f] : NULL;
}

const char *pol_flag_long_name(pol_flag f)
{
    return ((unsigned)f < POL_FLAG_COUNT) ? long_names[f] : NULL;
}

int pol_flag_parse(const char *name, pol_flag *out)
{
    if (!name)
        return -1;
    for (int i = 0; i < POL_FLAG_COUNT; i++) {
        if (strcmp(name, short_names[i]) == 0 || strcmp(name, long_names[i]) == 0) {
            *out = (pol_flag)i;
            return 0;
        }
    }
    return -1;
}

/* Append `s` at position `len` of buf, writing only what fits in cap - 1 bytes;
 * returns the new logical length. */
static size_t append(char *buf, size_t cap, size_t len, const char *s)
{
    size_t n = strlen(s);
    if (len + 1 < cap) {
        size_t room = cap - 1 - len;
        memcpy(buf + len, s, n < room ? n : room);
    }
    return len + n;
}

size_t pol_flags_format(pol_flags set, bool long_form, char *buf, size_t cap)
{
    const char *const *names = long_form ? long_names : short_names;
    size_t len = 0;
    if ((set & ((POL_FLAG_COUNT == 32) ? ~0u : (POL_FLAG_BIT(POL_FLAG_COUNT) - 1))) == 0) {
        len = append(buf, cap, 0, "-");
    } else {
        for (int i = 0; i < POL_FLAG_COUNT; i++) {
            if (!(set & POL_FLAG_BIT(i)))
                continue;
            if (len > 0)
                len = append(buf, cap, len, ",");
            len = append(buf, cap, len, names[i]);
        }
    }
    if (cap > 0)
        buf[len < cap ? len : cap - 1] = '\0';
    return len;
}
