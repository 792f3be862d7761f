/*
 * http1.c - HTTP/1.1 head parsing and framing rules (see http1.h).
 *
 * One pass over the head with a character-class table; header names are
 * lowercased as they are scanned.  Framing (Content-Length, Transfer-Encoding,
 * Connection, Expect, Host) is derived after the pass from the parsed headers.
 * Error statuses: 400 malformed, 414 request line too long, 431 head too large
 * or too many headers, 501 unknown transfer coding, 505 HTTP version.
 */
#include <string.h>

#include "proxy/http1.h"

/* Character classes: bit 1 tchar (token), bit 2 field-vchar / obs-text,
 * bit 4 request-target characters (VCHAR and obs-text). */
enum { C_TOKEN = 1, C_VALUE = 2, C_TARGET = 4 };

static const unsigned char cls[256] = {
    ['\t'] = C_VALUE,
    [' '] = C_VALUE,
    ['!'] = 7, ['"'] = 6, ['#'] = 7, ['$'] = 7, ['%'] = 7, ['&'] = 7, ['\''] = 7,
    ['('] = 6, [')'] = 6, ['*'] = 7, ['+'] = 7, [','] = 6, ['-'] = 7, ['.'] = 7, ['/'] = 6,
    ['0'] = 7, ['1'] = 7, ['2'] = 7, ['3'] = 7, ['4'] = 7, ['5'] = 7, ['6'] = 7, ['7'] = 7,
    ['8'] = 7, ['9'] = 7, [':'] = 6, [';'] = 6, ['<'] = 6, ['='] = 6, ['>'] = 6, ['?'] = 6,
    ['@'] = 6, ['A'] = 7, ['B'] = 7, ['C'] = 7, ['D'] = 7, ['E'] = 7, ['F'] = 7, ['G'] = 7,
    ['H'] = 7, ['I'] = 7, ['J'] = 7, ['K'] = 7, ['L'] = 7, ['M'] = 7, ['N'] = 7, ['O'] = 7,
    ['P'] = 7, ['Q'] = 7, ['R'] = 7, ['S'] = 7, ['T'] = 7, ['U'] = 7, ['V'] = 7, ['W'] = 7,
    ['X'] = 7, ['Y'] = 7, ['Z'] = 7, ['['] = 6, ['\\'] = 6, [']'] = 6, ['^'] = 7, ['_'] = 7,
    ['`'] = 7, ['a'] = 7, ['b'] = 7, ['c'] = 7, ['d'] = 7, ['e'] = 7, ['f'] = 7, ['g'] = 7,
    ['h'] = 7, ['i'] = 7, ['j'] = 7, ['k'] = 7, ['l'] = 7, ['m'] = 7, ['n'] = 7, ['o'] = 7,
    ['p'] = 7, ['q'] = 7, ['r'] = 7, ['s'] = 7, ['t'] = 7, ['u'] = 7, ['v'] = 7, ['w'] = 7,
    ['x'] = 7, ['y'] = 7, ['z'] = 7, ['{'] = 6, ['|'] = 7, ['}'] = 6, ['~'] = 7,
    [0x80] = 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
};

px_http_limits px_http_limits_default(void)
{
    return (px_http_limits){60 * 1024, 8 * 1024, 100};
}

static inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

bool px_slice_ieq(pol_slice s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s.p[i]) != lit[i])
            return false;
    return true;
}

bool px_http_list_has(pol_slice v, const char *token)
{
    size_t i = 0;
    while (i < v.len) {
        while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
            i++;
        size_t s = i;
        while (i < v.len && v.p[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v.p[e - 1] == ' ' || v.p[e - 1] == '\t'))
            e--;
        if (e > s && px_slice_ieq((pol_slice){v.p + s, e - s}, token))
            return true;
    }
    return false;
}

px_upgrade_kind px_http_upgrade_kind(const px_http_msg *m)
{
    if (!m->upgrade || m->minor_version != 1)
        return PX_UPGRADE_NONE;
    int h = px_http_find(m, "upgrade", 0);
    pol_slice v = m->headers[h].value;
    if (px_slice_ieq(v, "h2c"))
        return PX_UPGRADE_H2C;
    return px_slice_ieq(v, "websocket") ? PX_UPGRADE_WEBSOCKET : PX_UPGRADE_OTHER;
}

int px_http_find(const px_http_msg *m, const char *name, size_t from)
{
    size_t n = strlen(name);
    for (size_t i = from; i < m->nheaders; i++)
        if (m->headers[i].name.len == n && !memcmp(m->headers[i].name.p, name, n))
            return (int)i;
    return -1;
}

pol_slice px_http_cookie(const px_http_msg *m, const char *name)
{
    size_t nl = strlen(name);
    for (int h = px_http_find(m, "cookie", 0); h >= 0; h = px_http_find(m, "cookie", (size_t)h + 1)) {
        const char *p = m->headers[h].value.p, *end = p + m->headers[h].value.len;
        while (p < end) {
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *e = semi ? semi : end;
            while (p < e && (*p == ' ' || *p == '\t'))
                p++;
            const char *eq = memchr(p, '=', (size_t)(e - p));
            if (eq && (size_t)(eq - p) == nl && !memcmp(p, name, nl)) {
                pol_slice v = {eq + 1, (size_t)(e - eq - 1)};
                if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"') {
                    v.p++;
                    v.len -= 2;
                }
                return v;
            }
            p = semi ? semi + 1 : end;
        }
    }
    return (pol_slice){NULL, 0};
}

static int fail(px_http_msg *m, int status)
{
    m->error_status = status;
    return PX_HTTP_ERROR;
}

/* Parse header lines from buf[*pos..len) up to and including the empty line.
 * Returns 0 with *pos after the head, or an error/incomplete code. */
static int parse_headers(char *buf, size_t len, size_t *pos, const px_http_limits *lim,
                         px_http_msg *m, int bad)
{
    size_t i = *pos;
    m->nheaders = 0;
    for (;;) {
        if (i >= len)
            return PX_HTTP_INCOMPLETE;
        if (buf[i] == '\r') {
            if (i + 1 >= len)
                return PX_HTTP_INCOMPLETE;
            if (buf[i + 1] != '\n')
                return fail(m, bad);
            *pos = i + 2;
            return 0;
        }
        if (buf[i] == ' ' || buf[i] == '\t') /* obs-fold or whitespace before a name */
            return fail(m, bad);
        if (m->nheaders >= lim->max_headers)
            return fail(m, bad == 400 ? 431 : bad);
        size_t ns = i;
        while (i < len && (cls[(unsigned char)buf[i]] & C_TOKEN)) {
            buf[i] = lower(buf[i]);
            i++;
        }
        if (i >= len)
            return PX_HTTP_INCOMPLETE;
        if (buf[i] != ':' || i == ns)
            return fail(m, bad);
        size_t ne = i++;
        while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        size_t vs = i;
        while (i < len && (cls[(unsigned char)buf[i]] & C_VALUE))
            i++;
        if (i >= len)
            return PX_HTTP_INCOMPLETE;
        if (buf[i] != '\r')
            return fail(m, bad); /* bare LF, NUL, other controls */
        if (i + 1 >= len)
            return PX_HTTP_INCOMPLETE;
        if (buf[i + 1] != '\n')
            return fail(m, bad);
        size_t ve = i;
        while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
            ve--;
        pol_header *h = &m->headers[m->nheaders++];
        h->name = (pol_slice){buf + ns, ne - ns};
        h->value = (pol_slice){buf + vs, ve - vs};
        i += 2;
    }
}

/* HTTP-version "HTTP/1.x" at buf[i..): minor into *minor.  Returns 0, or an
 * error status (400 malformed, 505 another version). */
static int parse_version(const char *p, size_t n, int *minor)
{
    if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.' || p[5] < '0' || p[5] > '9' ||
        p[7] < '0' || p[7] > '9')
        return 400;
    if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
        return 505;
    *minor = p[7] - '0';
    return 0;
}

/* Content-Length values: every element of every header 1*DIGIT, all equal. */
static int content_length(const px_http_msg *m, bool *present, uint64_t *out)
{
    *present = false;
    for (int h = px_http_find(m, "content-length", 0); h >= 0;
         h = px_http_find(m, "content-length", (size_t)h + 1)) {
        pol_slice v = m->headers[h].value;
        size_t i = 0;
        do {
            while (i < v.len && v.p[i] == ' ')
                i++;
            uint64_t n = 0;
            size_t d = 0;
            while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9') {
                if (++d > 18)
                    return -1;
                n = n * 10 + (uint64_t)(v.p[i++] - '0');
            }
            while (i < v.len && v.p[i] == ' ')
                i++;
            if (d == 0 || (i < v.len && v.p[i] != ','))
                return -1;
            if (*present && n != *out)
                return -1;
            *present = true;
            *out = n;
        } while (i++ < v.len);
    }
    return 0;
}

/* Transfer-Encoding: 0 none, 1 exactly one final "chunked", else an error
 * status (400 obfuscated, 501 an unknown coding). */
static int transfer_encoding(const px_http_msg *m)
{
    int chunked = 0, n = 0;
    for (int h = px_http_find(m, "transfer-encoding", 0); h >= 0;
         h = px_http_find(m, "transfer-encoding", (size_t)h + 1)) {
        pol_slice v = m->headers[h].value;
        size_t i = 0;
        if (v.len == 0)
            return 400;
        /* a tab in the whitespace around the value ("chunked\t"): obfuscation
         * (reference 2d), though HTTP calls it optional whitespace */
        for (const char *q = v.p + v.len; *q != '\r'; q++)
            if (*q == '\t')
                return 400;
        for (const char *q = v.p - 1; *q != ':'; q--)
            if (*q == '\t')
                return 400;
        while (i <= v.len) {
            size_t s = i;
            while (i < v.len && v.p[i] != ',')
                i++;
            size_t a = s, e = i;
            while (a < e && v.p[a] == ' ')
                a++;
            while (e > a && v.p[e - 1] == ' ')
                e--;
            pol_slice t = {v.p + a, e - a};
            for (size_t k = 0; k < t.len; k++)
                if (!(cls[(unsigned char)t.p[k]] & C_TOKEN))
                    return 400; /* tabs, quotes, parameters: obfuscation */
            if (t.len == 0)
                return 400;
            n++;
            if (px_slice_ieq(t, "chunked")) {
                if (chunked)
                    return 400;
                chunked = n;
            } else if (!px_slice_ieq(t, "identity")) {
                return 501;
            } else {
                return 400; /* identity is not a transfer coding any more */
            }
            i++;
        }
    }
    if (n == 0)
        return 0;
    return chunked == n ? 1 : 400;
}

static void connection_semantics(px_http_msg *m)
{
    bool close = false, keep = false, upgrade = false;
    for (int h = px_http_find(m, "connection", 0); h >= 0;
         h = px_http_find(m, "connection", (size_t)h + 1)) {
        close |= px_http_list_has(m->headers[h].value, "close");
        keep |= px_http_list_has(m->headers[h].value, "keep-alive");
        upgrade |= px_http_list_has(m->headers[h].value, "upgrade");
    }
    m->keep_alive = m->minor_version == 1 ? !close : (keep && !close);
    m->upgrade = upgrade && px_http_find(m, "upgrade", 0) >= 0;
}

int px_http_parse_request(char *buf, size_t len, const px_http_limits *lim, px_http_msg *m)
{
    size_t i = 0;
    m->nheaders = 0;
    m->error_status = 0;
    m->host_index = -1;
    while (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n' && i < 64)
        i += 2;
    if (i + 1 == len && buf[i] == '\r')
        return PX_HTTP_INCOMPLETE;
    size_t line_start = i;
    size_t ms = i;
    while (i < len && (cls[(unsigned char)buf[i]] & C_TOKEN))
        i++;
    if (i >= len)
        goto incomplete_line;
    if (buf[i] != ' ' || i == ms)
        return fail(m, 400);
    m->method = (pol_slice){buf + ms, i - ms};
    size_t ts = ++i;
    while (i < len && (cls[(unsigned char)buf[i]] & C_TARGET))
        i++;
    if (i >= len)
        goto incomplete_line;
    if (buf[i] != ' ' || i == ts)
        return fail(m, 400);
    m->target = (pol_slice){buf + ts, i - ts};
    size_t vs = ++i;
    while (i < len && buf[i] != '\r' && buf[i] != '\n' && i - vs < 9)
        i++;
    if (i >= len)
        goto incomplete_line;
    if (buf[i] != '\r')
        return fail(m, 400);
    if (i + 1 >= len)
        goto incomplete_line;
    if (buf[i + 1] != '\n')
        return fail(m, 400);
    int st = parse_version(buf + vs, i - vs, &m->minor_version);
    if (st)
        return fail(m, st);
    if (i - line_start > lim->max_request_line)
        return fail(m, 414);
    i += 2;
    int r = parse_headers(buf, len, &i, lim, m, 400);
    if (r == PX_HTTP_INCOMPLETE && len > lim->max_head_bytes)
        return fail(m, 431);
    if (r)
        return r;
    if (i > lim->max_head_bytes)
        return fail(m, 431);
    m->head_len = i;

    /* framing (RFC 9112 6.1-6.3, reference 2d) */
    bool has_cl;
    uint64_t cl = 0;
    if (content_length(m, &has_cl, &cl) != 0)
        return fail(m, 400);
    int te = transfer_encoding(m);
    if (te > 1)
        return fail(m, te);
    if (te && (has_cl || m->minor_version == 0))
        return fail(m, 400);
    m->content_length = cl;
    m->body = te ? PX_BODY_CHUNKED : (has_cl && cl > 0) ? PX_BODY_LENGTH : PX_BODY_NONE;
    int host = px_http_find(m, "host", 0);
    if (host >= 0 && px_http_find(m, "host", (size_t)host + 1) >= 0)
        return fail(m, 400);
    if (host < 0 && m->minor_version == 1)
        return fail(m, 400);
    m->host_index = host;
    connection_semantics(m);
    int ex = px_http_find(m, "expect", 0);
    m->expect_continue = ex >= 0 && m->minor_version == 1 && px_slice_ieq(m->headers[ex].value, "100-continue");
    return (int)i;

incomplete_line:
    if (len - line_start > lim->max_request_line)
        return fail(m, 414);
    return PX_HTTP_INCOMPLETE;
}

int px_http_parse_response(char *buf, size_t len, const px_http_limits *lim, bool head_request,
                           px_http_msg *m)
{
    size_t i = 0;
    m->nheaders = 0;
    m->error_status = 0;
    m->host_index = -1;
    if (len < 13)
        goto maybe;
    if (parse_version(buf, 8, &m->minor_version) != 0 || buf[8] != ' ')
        return fail(m, 502);
    if (buf[9] < '1' || buf[9] > '9' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' ||
        buf[11] > '9' || buf[12] != ' ')
        return fail(m, 502);
    m->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    i = 13;
    size_t rs = i;
    while (i < len && (cls[(unsigned char)buf[i]] & C_VALUE))
        i++;
    if (i + 1 >= len)
        goto maybe;
    if (buf[i] != '\r' || buf[i + 1] != '\n')
        return fail(m, 502);
    m->reason = (pol_slice){buf + rs, i - rs};
    i += 2;
    int r = parse_headers(buf, len, &i, lim, m, 502);
    if (r == PX_HTTP_INCOMPLETE && len > lim->max_head_bytes)
        return fail(m, 502);
    if (r)
        return r;
    if (i > lim->max_head_bytes)
        return fail(m, 502);
    m->head_len = i;
    bool has_cl;
    uint64_t cl = 0;
    if (content_length(m, &has_cl, &cl) != 0)
        return fail(m, 502);
    int te = transfer_encoding(m);
    if (te > 1 || (te && has_cl))
        return fail(m, 502);
    connection_semantics(m);
    m->content_length = cl;
    if (head_request || m->status < 200 || m->status == 204 || m->status == 304)
        m->body = PX_BODY_NONE;
    else if (te)
        m->body = PX_BODY_CHUNKED;
    else if (has_cl)
        m->body = cl ? PX_BODY_LENGTH : PX_BODY_NONE;
    else {
        m->body = PX_BODY_EOF;
        m->keep_alive = false;
    }
    m->expect_continue = false;
    return (int)i;

maybe:
    /* validate the prefix so garbage fails early */
    for (size_t k = 0; k < len && k < 5; k++)
        if (buf[k] != "HTTP/"[k])
            return fail(m, 502);
    if (len > lim->max_head_bytes)
        return fail(m, 502);
    return PX_HTTP_INCOMPLETE;
}
