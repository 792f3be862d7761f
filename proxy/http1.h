/*
 * http1.h - HTTP/1.1 message parsing for meshproxy: request and response heads
 * (picohttpparser style: stateless, no allocation, slices into the caller's
 * buffer) and a streaming body decoder for Content-Length, chunked and
 * close-delimited bodies.
 *
 * Strictness follows llhttp's defaults and proxy-rollout-reference.md 2d:
 * CRLF only (a bare LF is an error), no whitespace before ':', no obs-fold, no
 * control characters in values, Content-Length only as 1*DIGIT (an identical
 * comma list collapses, differing values are an error), Transfer-Encoding only
 * as a single final "chunked" (unknown codings 501), and Content-Length
 * together with Transfer-Encoding refused (400, Envoy's default).
 *
 * The head parser lowercases header names in place (Envoy's view of HTTP/1
 * names), so the buffer must be writable.  It is re-run from the start of the
 * head whenever more bytes arrive; heads are small and this keeps no state.
 */
#ifndef PX_HTTP1_H
#define PX_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/route.h"
#include "proxy/buf.h"

#define PX_HTTP_MAX_HEADERS 100

enum {
    PX_HTTP_ERROR = -1,      /* malformed: see the message's error_status */
    PX_HTTP_INCOMPLETE = -2, /* need more bytes */
};

typedef enum px_body_kind {
    PX_BODY_NONE = 0, /* no body */
    PX_BODY_LENGTH,   /* Content-Length bytes */
    PX_BODY_CHUNKED,  /* chunked transfer coding */
    PX_BODY_EOF,      /* responses only: until the connection closes */
} px_body_kind;

typedef struct px_http_limits {
    size_t max_head_bytes;   /* whole head; over it: 431 (Envoy 60 KiB) */
    size_t max_request_line; /* over it: 414 (nginx 8 KiB) */
    size_t max_headers;      /* header count; over it: 431 (Envoy 100, <= PX_HTTP_MAX_HEADERS) */
} px_http_limits;

/* Envoy-like defaults: 60 KiB head, 8 KiB request line, 100 headers. */
px_http_limits px_http_limits_default(void);

typedef struct px_http_msg {
    /* request line */
    pol_slice method;
    pol_slice target;
    /* status line */
    int status;
    pol_slice reason;
    int minor_version; /* HTTP/1.<minor>: 0 or 1 */
    pol_header headers[PX_HTTP_MAX_HEADERS]; /* names lowercased in place */
    size_t nheaders;
    size_t head_len; /* bytes of the head, final CRLF included */
    /* framing and connection semantics */
    px_body_kind body;
    uint64_t content_length; /* PX_BODY_LENGTH */
    bool keep_alive;         /* the connection may carry another message */
    bool expect_continue;    /* request: Expect: 100-continue */
    bool upgrade;            /* Connection: upgrade with an Upgrade header */
    int host_index;          /* request: index of the Host header, -1: none */
    int error_status;        /* after PX_HTTP_ERROR: 400, 414, 431, 501 or 505 */
} px_http_msg;

/* Parse a request head at buf[0..len).  Leading empty lines are skipped (and
 * counted in head_len).  Returns head_len (> 0), PX_HTTP_INCOMPLETE, or
 * PX_HTTP_ERROR with m->error_status set.  An incomplete head already longer
 * than the limits is an error (414 or 431). */
int px_http_parse_request(char *buf, size_t len, const px_http_limits *lim, px_http_msg *m);

/* Parse a response head.  `head_request`: the request was HEAD (no body
 * whatever the headers say).  Same returns; errors have error_status 502. */
int px_http_parse_response(char *buf, size_t len, const px_http_limits *lim, bool head_request,
                           px_http_msg *m);

/* Index of the first header named `name` (lowercase) at or after `from`, or -1. */
int px_http_find(const px_http_msg *m, const char *name, size_t from);

/* The value of cookie `name` (case-sensitive) in the request's Cookie headers,
 * first match, surrounding double quotes removed, as Envoy's
 * Utility::parseCookieValue; {NULL, 0} when absent. */
pol_slice px_http_cookie(const px_http_msg *m, const char *name);

/* Does the comma-separated list `v` contain `token` (case-insensitive)? */
bool px_http_list_has(pol_slice v, const char *token);

/* What a request's upgrade offer asks for (Connection: upgrade with an Upgrade
 * header, HTTP/1.1 only).  As Envoy's HTTP/1 codec and connection manager:
 * "h2c" is not supported and the offer is removed (the request goes on as a
 * plain one); the whole Upgrade value "websocket" (any case) is the type
 * Istio's listeners enable; anything else is an upgrade nobody enabled. */
typedef enum px_upgrade_kind {
    PX_UPGRADE_NONE = 0,
    PX_UPGRADE_H2C,
    PX_UPGRADE_WEBSOCKET,
    PX_UPGRADE_OTHER,
} px_upgrade_kind;
px_upgrade_kind px_http_upgrade_kind(const px_http_msg *m);

/* ASCII case-insensitive equality of a slice and a NUL-terminated string. */
bool px_slice_ieq(pol_slice s, const char *lit);

/* --- bodies --------------------------------------------------------------------- */

enum {
    PX_BODY_MORE = 0,   /* all input consumed, the body goes on */
    PX_BODY_DONE = 1,   /* the body ended; input after *consumed is the next message */
    PX_BODY_BAD = -1,   /* malformed chunked framing */
};

/* Fields are private except `total` (decoded body bytes so far, read-only)
 * and `trailers`: when the caller points it at a buffer, a chunked body's
 * trailer fields are appended there as they are validated, one
 * "name:value\r\n" line each (name lowercased, value as sent); NULL drops
 * them.  The buffer is complete once the body is done. */
typedef struct px_body_decoder {
    px_body_kind kind;
    uint64_t total;
    px_buf *trailers;
    uint64_t _remaining; /* LENGTH: body left; CHUNKED: bytes left in the chunk */
    int _state;
    uint32_t _line;      /* bytes of the current size/trailer line, or trailers so far */
    bool _digits;
} px_body_decoder;

void px_body_decoder_init(px_body_decoder *d, px_body_kind kind, uint64_t content_length);
/* Decode buf[0..len) in place: the body bytes found are moved to buf[0..*out)
 * (framing removed), *consumed gets the input bytes used.  Returns PX_BODY_MORE,
 * PX_BODY_DONE or PX_BODY_BAD.  Trailer lines are validated as header fields
 * (a token name, ':', field characters; no obs-fold; at most 8 KiB in all) and
 * kept in `trailers` when set (BAD also when it cannot grow).  An EOF body
 * never ends here (the caller ends it when the peer closes). */
int px_body_decode(px_body_decoder *d, char *buf, size_t len, size_t *consumed, size_t *out);
/* Has the decoder seen the whole body? */
bool px_body_done(const px_body_decoder *d);

/* Append to `out` the trailer fields of `trailers` (as the decoder keeps them)
 * that may travel in a trailer section, each as "name: value\r\n".  Dropped
 * (RFC 9110 6.5.1: fields needed before the content, so a recipient may not
 * process them as trailers): framing and hop-by-hop fields, routing (Host),
 * request modifiers (controls and conditionals), authentication and cookies,
 * response control data and the ones that say how to process the content.
 * Returns 0, or -1 when memory ran out. */
int px_trailers_put(px_buf *out, const px_buf *trailers);

/* Append the last chunk of a chunked body: "0\r\n", the trailer fields that
 * may travel (px_trailers_put; trailers may be NULL), the final CRLF.  All or
 * nothing: 0, or -1 with `out` unchanged when memory ran out. */
int px_trailers_last_chunk(px_buf *out, const px_buf *trailers);

#endif
