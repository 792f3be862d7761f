/*
 * host.c - Istio host-name expansion, wildcard matching and specificity.
 *
 * Wildcards are only ever leftmost ("*" or "*.suffix", also "*-bar.foo.com"
 * style partial labels, which Envoy treats as plain suffixes).  A wildcard never
 * matches the empty string: "*.foo.com" does not match ".foo.com".
 */
#include "policy/host.h"

#include <string.h>
#include <strings.h>

int pol_host_expand(const char *name, const char *ns, char *out, size_t cap)
{
    size_t n = strlen(name);
    if (strchr(name, '.') || strchr(name, '*') || strchr(name, ':')) {
        if (n + 1 > cap)
            return -1;
        memcpy(out, name, n + 1);
        return 0;
    }
    size_t nl = strlen(ns), dl = strlen(POL_CLUSTER_DOMAIN);
    if (n + 1 + nl + 1 + dl + 1 > cap)
        return -1;
    memcpy(out, name, n);
    out[n] = '.';
    memcpy(out + n + 1, ns, nl);
    out[n + 1 + nl] = '.';
    memcpy(out + n + 2 + nl, POL_CLUSTER_DOMAIN, dl + 1);
    return 0;
}

static bool has_suffix_ci(const char *s, size_t sl, const char *suf, size_t fl)
{
    return sl >= fl && strncasecmp(s + sl - fl, suf, fl) == 0;
}

bool pol_host_matches_n(const char *pattern, const char *name, size_t name_len)
{
    if (pattern[0] != '*')
        return strlen(pattern) == name_len && strncasecmp(pattern, name, name_len) == 0;
    const char *suf = pattern + 1;
    size_t fl = strlen(suf);
    if (fl == 0)
        return true; /* "*" */
    if (name_len > 0 && name[0] == '*') {
        /* wildcard inside wildcard: "*.a.foo.com" within "*.foo.com" */
        return has_suffix_ci(name + 1, name_len - 1, suf, fl);
    }
    return name_len > fl && has_suffix_ci(name, name_len, suf, fl);
}

bool pol_host_matches(const char *pattern, const char *name)
{
    return pol_host_matches_n(pattern, name, strlen(name));
}

bool pol_host_more_specific(const char *a, const char *b)
{
    bool wa = a[0] == '*', wb = b[0] == '*';
    if (wa != wb)
        return !wa;
    if (!wa)
        return false;
    return strlen(a) > strlen(b);
}

size_t pol_host_strip_port(const char *authority, size_t len)
{
    if (len > 0 && authority[0] == '[') {
        for (size_t i = 1; i < len; i++)
            if (authority[i] == ']')
                return i + 1;
        return len;
    }
    for (size_t i = len; i > 0; i--) {
        char c = authority[i - 1];
        if (c == ':')
            return i - 1;
        if (c < '0' || c > '9')
            break;
    }
    return len;
}
