/*
 * http1_body.c - streaming body decoder: Content-Length, chunked (with
 * extensions validated and dropped, trailer fields validated and kept for the
 * caller when it asks) and close-delimited bodies.
 *
 * The decoder keeps its state between calls, so input may be cut at any byte.
 * Chunked framing is strict: hex sizes of at most 15 digits, CRLF only,
 * extensions made of visible characters, at most 4 KiB per size line and
 * 8 KiB of trailers, each trailer line a header field (token name, ':',
 * field characters; no whitespace before the name, so no obs-fold).
 */
#include <string.h>

#include "proxy/http1.h"

enum {
    S_SIZE = 0, /* chunk-size digits */
    S_EXT,      /* chunk extension up to CR */
    S_SIZE_LF,  /* LF after the size line */
    S_DATA,     /* chunk data */
    S_DATA_CR,  /* CR after data */
    S_DATA_LF,  /* LF after data */
    S_TRAILER,  /* start of a trailer line (or the final CRLF) */
    S_TRAILER_NAME,
    S_TRAILER_VALUE,
    S_TRAILER_LF,
    S_FINAL_LF,
    S_DONE,
};

#define MAX_SIZE_LINE 4096
#define MAX_TRAILERS 8192

void px_body_decoder_init(px_body_decoder *d, px_body_kind kind, uint64_t content_length)
{
    memset(d, 0, sizeof *d); /* trailers: NULL, dropped unless the caller says */
    d->kind = kind;
    d->_remaining = content_length;
    d->_state = (kind == PX_BODY_NONE || (kind == PX_BODY_LENGTH && content_length == 0)) ? S_DONE : S_SIZE;
}

bool px_body_done(const px_body_decoder *d) { return d->_state == S_DONE; }

/* tchar (RFC 9110 5.6.2) */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, obs-text, SP or HTAB */
static bool is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* Keep trailer bytes for the caller; false when its buffer cannot grow. */
static bool keep(px_body_decoder *d, const char *p, size_t n)
{
    return !d->trailers || px_buf_append(d->trailers, p, n) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int decode_chunked(px_body_decoder *d, char *buf, size_t len, size_t *consumed, size_t *out)
{
    size_t i = 0, o = 0;
    while (i < len) {
        char c = buf[i];
        switch (d->_state) {
        case S_SIZE: {
            int v = hexval(c);
            if (v >= 0) {
                if (d->_line >= 15)
                    return PX_BODY_BAD;
                d->_remaining = d->_remaining * 16 + (uint64_t)v;
                d->_line++;
                d->_digits = true;
                i++;
                break;
            }
            if (!d->_digits)
                return PX_BODY_BAD;
            if (c == ';') {
                d->_state = S_EXT;
                i++;
                break;
            }
            if (c == '\r') {
                d->_state = S_SIZE_LF;
                i++;
                break;
            }
            return PX_BODY_BAD;
        }
        case S_EXT:
            if (c == '\r') {
                d->_state = S_SIZE_LF;
            } else if ((unsigned char)c < 0x20 && c != '\t') {
                return PX_BODY_BAD;
            } else if (++d->_line > MAX_SIZE_LINE) {
                return PX_BODY_BAD;
            }
            i++;
            break;
        case S_SIZE_LF:
            if (c != '\n')
                return PX_BODY_BAD;
            i++;
            d->_line = 0;
            d->_digits = false;
            d->_state = d->_remaining ? S_DATA : S_TRAILER;
            break;
        case S_DATA: {
            size_t n = len - i;
            if (n > d->_remaining)
                n = (size_t)d->_remaining;
            if (o != i)
                memmove(buf + o, buf + i, n);
            o += n;
            i += n;
            d->total += n;
            d->_remaining -= n;
            if (!d->_remaining)
                d->_state = S_DATA_CR;
            break;
        }
        case S_DATA_CR:
            if (c != '\r')
                return PX_BODY_BAD;
            d->_state = S_DATA_LF;
            i++;
            break;
        case S_DATA_LF:
            if (c != '\n')
                return PX_BODY_BAD;
            d->_state = S_SIZE;
            i++;
            break;
        case S_TRAILER:
            if (c == '\r') {
                d->_state = S_FINAL_LF;
                i++;
                break;
            }
            if (!is_tchar((unsigned char)c))
                return PX_BODY_BAD; /* obs-fold, an empty name, a bare LF */
            d->_state = S_TRAILER_NAME;
            break;
        case S_TRAILER_NAME: {
            if (++d->_line > MAX_TRAILERS)
                return PX_BODY_BAD;
            char k = c;
            if (c == ':')
                d->_state = S_TRAILER_VALUE;
            else if (!is_tchar((unsigned char)c))
                return PX_BODY_BAD; /* whitespace before ':' among others */
            else if (c >= 'A' && c <= 'Z')
                k = (char)(c + 32);
            if (!keep(d, &k, 1))
                return PX_BODY_BAD;
            i++;
            break;
        }
        case S_TRAILER_VALUE: {
            /* a run of value characters at once */
            size_t s = i;
            while (i < len && buf[i] != '\r' && is_value_char((unsigned char)buf[i]))
                i++;
            if (d->_line + (i - s) > MAX_TRAILERS || !keep(d, buf + s, i - s))
                return PX_BODY_BAD;
            d->_line += (uint32_t)(i - s);
            if (i == len)
                break;
            if (buf[i] != '\r' || ++d->_line > MAX_TRAILERS)
                return PX_BODY_BAD; /* a control character, a bare LF */
            d->_state = S_TRAILER_LF;
            i++;
            break;
        }
        case S_TRAILER_LF:
            if (c != '\n' || !keep(d, "\r\n", 2))
                return PX_BODY_BAD;
            d->_state = S_TRAILER;
            i++;
            break;
        case S_FINAL_LF:
            if (c != '\n')
                return PX_BODY_BAD;
            d->_state = S_DONE;
            i++;
            *consumed = i;
            *out = o;
            return PX_BODY_DONE;
        default:
            *consumed = i;
            *out = o;
            return PX_BODY_DONE;
        }
    }
    *consumed = i;
    *out = o;
    return PX_BODY_MORE;
}

int px_body_decode(px_body_decoder *d, char *buf, size_t len, size_t *consumed, size_t *out)
{
    if (d->_state == S_DONE) {
        *consumed = 0;
        *out = 0;
        return PX_BODY_DONE;
    }
    switch (d->kind) {
    case PX_BODY_LENGTH: {
        size_t n = len < d->_remaining ? len : (size_t)d->_remaining;
        d->_remaining -= n;
        d->total += n;
        *consumed = *out = n;
        if (!d->_remaining) {
            d->_state = S_DONE;
            return PX_BODY_DONE;
        }
        return PX_BODY_MORE;
    }
    case PX_BODY_CHUNKED:
        return decode_chunked(d, buf, len, consumed, out);
    case PX_BODY_EOF:
        d->total += len;
        *consumed = *out = len;
        return PX_BODY_MORE;
    default:
        *consumed = *out = 0;
        return PX_BODY_DONE;
    }
}
