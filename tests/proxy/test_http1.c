/*
 * test_http1.c - HTTP/1.1 parser: valid and hostile heads (table-driven, exact
 * status per case), every truncated prefix of every valid head ending on a
 * guard page, body decoding split at every byte boundary, and trailer fields:
 * kept the same whatever the split, incomplete at every cut inside them,
 * malformed ones and the 8 KiB limit refused, forbidden ones not written.
 */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy/http1.h"

/* A buffer whose last byte sits right before a PROT_NONE page: reading past
 * the input faults. */
typedef struct guarded {
    char *base;
    size_t map;
} guarded;

static char *guard_copy(guarded *g, const char *s, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + page - 1) / page + 1;
    g->map = (pages + 1) * page;
    g->base = mmap(NULL, g->map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->base != MAP_FAILED);
    assert_int_equal(mprotect(g->base + pages * page, page, PROT_NONE), 0);
    char *p = g->base + pages * page - n;
    memcpy(p, s, n);
    return p;
}

static void guard_free(guarded *g) { munmap(g->base, g->map); }

typedef struct req_case {
    const char *in;
    int status;            /* 0: valid */
    px_body_kind body;
    uint64_t length;
    bool keep_alive;
} req_case;

#define E(s, st) {s, st, PX_BODY_NONE, 0, false}
static const req_case req_cases[] = {
    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, PX_BODY_NONE, 0, true},
    {"GET /x?y=1 HTTP/1.0\r\n\r\n", 0, PX_BODY_NONE, 0, false},
    {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0, PX_BODY_NONE, 0, true},
    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0, PX_BODY_NONE, 0, false},
    {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, PX_BODY_NONE, 0, true},
    {"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 0, PX_BODY_LENGTH, 5, true},
    {"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 0, PX_BODY_LENGTH, 5, true},
    {"POST /p HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\n\r\n", 0, PX_BODY_NONE, 0, true},
    {"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0, PX_BODY_CHUNKED, 0, true},
    {"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", 0, PX_BODY_CHUNKED, 0, true},
    {"GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Obs: \xc3\xa9t\xc3\xa9 \r\n\r\n", 0, PX_BODY_NONE, 0, true},
    /* smuggling and framing (reference 2d) */
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\nX: y\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \tchunked\r\n\r\n", 400),
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked \r\n\r\n", 0, PX_BODY_CHUNKED, 0, true},
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 501),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400),
    E("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400),
    E("POST / HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked\r\n\r\n", 400),
    E("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),
    /* line endings and characters */
    E("GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
    E("GET / HTTP/1.1\r\nHost: a\n\r\n", 400),
    E("GET / HTTP/1.1\r\nHost: a\r\n\n", 400),
    E("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400),
    E("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400),
    E("GET / HTTP/1.1\r\nHo\"st: a\r\n\r\n", 400),
    E("GET / HTTP/1.1\r\n: a\r\n\r\n", 400),
    E("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    E("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    E("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    E("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    E("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    E("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
    E("GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400),
    E("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
    E("GET / HTTP/1.1\r\n\r\n", 400),
    E("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
};

static void test_request_table(void **state)
{
    px_http_limits lim = px_http_limits_default();
    for (size_t c = 0; c < sizeof req_cases / sizeof req_cases[0]; c++) {
        const req_case *k = &req_cases[c];
        size_t n = strlen(k->in);
        guarded g;
        char *p = guard_copy(&g, k->in, n);
        px_http_msg m;
        int r = px_http_parse_request(p, n, &lim, &m);
        if (k->status) {
            if (r != PX_HTTP_ERROR || m.error_status != k->status)
                fail_msg("case %zu: got %d status %d, want error %d", c, r, m.error_status, k->status);
        } else {
            if (r != (int)n)
                fail_msg("case %zu: got %d (status %d), want %zu", c, r, m.error_status, n);
            assert_int_equal(m.body, k->body);
            if (k->body == PX_BODY_LENGTH)
                assert_int_equal(m.content_length, k->length);
            assert_int_equal(m.keep_alive, k->keep_alive);
            /* every strict prefix is incomplete, never an error, never a read past the end */
            for (size_t cut = 0; cut < n; cut++) {
                guarded g2;
                char *q = guard_copy(&g2, k->in, cut);
                int rr = px_http_parse_request(q, cut, &lim, &m);
                if (rr != PX_HTTP_INCOMPLETE)
                    fail_msg("case %zu cut %zu: got %d status %d", c, cut, rr, m.error_status);
                guard_free(&g2);
            }
        }
        guard_free(&g);
    }
}

static void test_request_fields(void **state)
{
    px_http_limits lim = px_http_limits_default();
    char in[] = "POST /a/b?c=d HTTP/1.1\r\nHOST: Example.com:80\r\nX-Thing:  v1 \r\n"
                "Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabcGET";
    px_http_msg m;
    int r = px_http_parse_request(in, sizeof in - 1, &lim, &m);
    assert_int_equal(r, (int)(sizeof in - 1 - 6));
    assert_true(px_slice_ieq(m.method, "post"));
    assert_int_equal(m.target.len, 8);
    assert_memory_equal(m.target.p, "/a/b?c=d", 8);
    assert_int_equal(m.nheaders, 4);
    assert_memory_equal(m.headers[0].name.p, "host", 4);
    assert_int_equal(m.host_index, 0);
    assert_int_equal(m.headers[0].value.len, 14);
    assert_memory_equal(m.headers[1].name.p, "x-thing", 7);
    assert_int_equal(m.headers[1].value.len, 2);
    assert_true(m.expect_continue);
    assert_int_equal(px_http_find(&m, "content-length", 0), 3);
    assert_int_equal(px_http_find(&m, "nope", 0), -1);
}

static void test_cookie(void **state)
{
    char in[] = "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1; sess=\"q\"\r\nCookie: user=u7;x=2\r\n"
                "Cookie: user=later\r\n\r\n";
    px_http_limits lim = px_http_limits_default();
    px_http_msg m;
    assert_true(px_http_parse_request(in, sizeof in - 1, &lim, &m) > 0);
    pol_slice v = px_http_cookie(&m, "user");
    assert_int_equal(v.len, 2);
    assert_memory_equal(v.p, "u7", 2);
    v = px_http_cookie(&m, "sess"); /* quotes removed */
    assert_int_equal(v.len, 1);
    assert_memory_equal(v.p, "q", 1);
    assert_null(px_http_cookie(&m, "User").p); /* names are case-sensitive */
    assert_null(px_http_cookie(&m, "us").p);
}

static void test_limits(void **state)
{
    px_http_limits lim = {256, 64, 4};
    px_http_msg m;
    char big[512];
    /* request line over the limit, complete or not: 414 */
    snprintf(big, sizeof big, "GET /%070d HTTP/1.1\r\nHost: a\r\n\r\n", 0);
    assert_int_equal(px_http_parse_request(big, strlen(big), &lim, &m), PX_HTTP_ERROR);
    assert_int_equal(m.error_status, 414);
    assert_int_equal(px_http_parse_request(big, 70, &lim, &m), PX_HTTP_ERROR);
    assert_int_equal(m.error_status, 414);
    /* too many headers: 431 */
    const char *many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    snprintf(big, sizeof big, "%s", many);
    assert_int_equal(px_http_parse_request(big, strlen(big), &lim, &m), PX_HTTP_ERROR);
    assert_int_equal(m.error_status, 431);
    /* head over the byte limit, complete or not: 431 */
    snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\nX: %0300d\r\n\r\n", 0);
    assert_int_equal(px_http_parse_request(big, strlen(big), &lim, &m), PX_HTTP_ERROR);
    assert_int_equal(m.error_status, 431);
    assert_int_equal(px_http_parse_request(big, 300, &lim, &m), PX_HTTP_ERROR);
    assert_int_equal(m.error_status, 431);
    assert_int_equal(px_http_parse_request(big, 200, &lim, &m), PX_HTTP_INCOMPLETE);
}

typedef struct resp_case {
    const char *in;
    bool head;
    int status;          /* parsed status, or -1: error */
    px_body_kind body;
    bool keep_alive;
} resp_case;

static const resp_case resp_cases[] = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", false, 200, PX_BODY_LENGTH, true},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, 200, PX_BODY_CHUNKED, true},
    {"HTTP/1.1 200 OK\r\n\r\n", false, 200, PX_BODY_EOF, false},
    {"HTTP/1.1 204 No Content\r\n\r\n", false, 204, PX_BODY_NONE, true},
    {"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, 304, PX_BODY_NONE, true},
    {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, 200, PX_BODY_NONE, true},
    {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false, 200, PX_BODY_LENGTH, false},
    {"HTTP/1.1 100 Continue\r\n\r\n", false, 100, PX_BODY_NONE, true},
    {"HTTP/1.1 503 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n", false, 503, PX_BODY_NONE, false},
    {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", false, -1, PX_BODY_NONE, false},
    {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, -1, PX_BODY_NONE, false},
    {"HTTP/1.1 2000 OK\r\n\r\n", false, -1, PX_BODY_NONE, false},
    {"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", false, -1, PX_BODY_NONE, false},
    {"ICY 200 OK\r\n\r\n", false, -1, PX_BODY_NONE, false},
};

static void test_response_table(void **state)
{
    px_http_limits lim = px_http_limits_default();
    for (size_t c = 0; c < sizeof resp_cases / sizeof resp_cases[0]; c++) {
        const resp_case *k = &resp_cases[c];
        size_t n = strlen(k->in);
        guarded g;
        char *p = guard_copy(&g, k->in, n);
        px_http_msg m;
        int r = px_http_parse_response(p, n, &lim, k->head, &m);
        if (k->status < 0) {
            if (r != PX_HTTP_ERROR || m.error_status != 502)
                fail_msg("case %zu: got %d", c, r);
        } else {
            if (r != (int)n)
                fail_msg("case %zu: got %d status %d", c, r, m.error_status);
            assert_int_equal(m.status, k->status);
            assert_int_equal(m.body, k->body);
            assert_int_equal(m.keep_alive, k->keep_alive);
            for (size_t cut = 0; cut < n; cut++) {
                guarded g2;
                char *q = guard_copy(&g2, k->in, cut);
                int rr = px_http_parse_response(q, cut, &lim, k->head, &m);
                if (rr != PX_HTTP_INCOMPLETE)
                    fail_msg("case %zu cut %zu: got %d", c, cut, rr);
                guard_free(&g2);
            }
        }
        guard_free(&g);
    }
}

/* Decode `in` split into pieces at every pair of positions with a decoder of
 * `kind` (keeping trailer lines in `trailers` when not NULL); the decoded
 * bytes, the end, the leftover and the kept trailers must not depend on the
 * split. */
static void check_split(px_body_kind kind, uint64_t cl, const char *in, const char *want, size_t leftover,
                        const char *want_trailers)
{
    size_t n = strlen(in);
    for (size_t a = 0; a <= n; a++) {
        for (size_t b = a; b <= n; b++) {
            size_t cuts[3] = {a, b, n}, start = 0, got_len = 0, used_total = 0;
            char got[256], work[256];
            px_buf kept = {0};
            px_body_decoder d;
            px_body_decoder_init(&d, kind, cl);
            if (want_trailers)
                d.trailers = &kept;
            int r = PX_BODY_MORE;
            for (int k = 0; k < 3 && r == PX_BODY_MORE; k++) {
                size_t len = cuts[k] - start, used, out;
                memcpy(work, in + start, len);
                r = px_body_decode(&d, work, len, &used, &out);
                assert_int_not_equal(r, PX_BODY_BAD);
                memcpy(got + got_len, work, out);
                got_len += out;
                used_total += used;
                start += used;
                if (r == PX_BODY_MORE)
                    assert_int_equal(used, len);
            }
            assert_int_equal(r, PX_BODY_DONE);
            assert_int_equal(got_len, strlen(want));
            assert_memory_equal(got, want, got_len);
            assert_int_equal(n - used_total, leftover);
            assert_int_equal(d.total, strlen(want));
            if (want_trailers) {
                assert_int_equal(px_buf_size(&kept), strlen(want_trailers));
                assert_memory_equal(px_buf_data(&kept), want_trailers, strlen(want_trailers));
            }
            px_buf_free(&kept);
        }
    }
}

static void check_body(px_body_kind kind, uint64_t cl, const char *in, const char *want, size_t leftover)
{
    check_split(kind, cl, in, want, leftover, NULL);
}

static void test_body_split_everywhere(void **state)
{
    check_body(PX_BODY_LENGTH, 5, "hello", "hello", 0);
    check_body(PX_BODY_LENGTH, 3, "abcGET /", "abc", 5);
    check_body(PX_BODY_CHUNKED, 0, "5\r\nhello\r\n0\r\n\r\n", "hello", 0);
    check_body(PX_BODY_CHUNKED, 0, "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT",
               "abc0123456789", 4);
    check_body(PX_BODY_CHUNKED, 0, "0\r\n\r\n", "", 0);
    check_body(PX_BODY_CHUNKED, 0, "00001\r\nz\r\n0;a\r\n\r\n", "z", 0);
}

static void test_body_bad_chunked(void **state)
{
    static const char *bad[] = {
        "x\r\n", "\r\n", "5\nhello\r\n", "5\r\nhelloX\r\n", "5\r\nhello\n0\r\n\r\n",
        "fffffffffffffffff\r\n", "0\r\nX: \x01\r\n\r\n", "0\r\n\n", "-1\r\n", " 5\r\n",
        "5 \r\nhello\r\n", "5\r\x01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[64];
        size_t n = strlen(bad[i]), used, out;
        memcpy(buf, bad[i], n);
        px_body_decoder d;
        px_body_decoder_init(&d, PX_BODY_CHUNKED, 0);
        int r = px_body_decode(&d, buf, n, &used, &out);
        if (r != PX_BODY_BAD)
            fail_msg("bad chunked case %zu accepted (%d)", i, r);
    }
}

/* A chunked body with trailers, split at every pair of positions: the same
 * body, the same kept trailer lines, the same end. */
static void check_trailers(const char *in, const char *want_body, const char *want_trailers, size_t leftover)
{
    check_split(PX_BODY_CHUNKED, 0, in, want_body, leftover, want_trailers);
}

static void test_trailers_kept(void **state)
{
    check_trailers("5\r\nhello\r\n0\r\nX-Sum: ab c \r\ngrpc-status:0\r\n\r\nNEXT", "hello",
                   "x-sum: ab c \r\ngrpc-status:0\r\n", 4);
    check_trailers("0\r\nE:\r\n\r\n", "", "e:\r\n", 0);
    check_trailers("0\r\n\r\n", "", "", 0);
    /* every prefix that ends inside the trailers is incomplete, never an end */
    const char *full = "3\r\nabc\r\n0\r\nx-a: 1\r\nx-b: 2\r\n\r\n";
    for (size_t cut = 0; cut < strlen(full); cut++) {
        char work[64];
        memcpy(work, full, cut);
        px_buf kept = {0};
        px_body_decoder d;
        px_body_decoder_init(&d, PX_BODY_CHUNKED, 0);
        d.trailers = &kept;
        size_t used, out;
        assert_int_equal(px_body_decode(&d, work, cut, &used, &out), PX_BODY_MORE);
        assert_int_equal(used, cut);
        assert_false(px_body_done(&d));
        px_buf_free(&kept);
    }
}

static int decode_one(const char *in, size_t n, px_buf *kept)
{
    char *work = malloc(n + 1);
    memcpy(work, in, n);
    px_body_decoder d;
    px_body_decoder_init(&d, PX_BODY_CHUNKED, 0);
    d.trailers = kept;
    size_t used, out;
    int r = px_body_decode(&d, work, n, &used, &out);
    free(work);
    return r;
}

static void test_trailers_bad_and_limit(void **state)
{
    static const char *bad[] = {
        "0\r\n x: 1\r\n\r\n",   /* obs-fold / whitespace before the name */
        "0\r\nx : 1\r\n\r\n",   /* whitespace before ':' */
        "0\r\n: v\r\n\r\n",     /* empty name */
        "0\r\nx\r\n\r\n",       /* no ':' */
        "0\r\nx: a\x7f\r\n\r\n", /* DEL */
        "0\r\nx: a\nb\r\n\r\n",  /* bare LF */
        "0\r\nx: 1\r\n\n",       /* bare LF at the end */
        "0\r\nx: 1\rx",          /* CR without LF */
        "0\r\nx(: 1\r\n\r\n",   /* not a token */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        px_buf kept = {0};
        if (decode_one(bad[i], strlen(bad[i]), &kept) != PX_BODY_BAD)
            fail_msg("bad trailer case %zu accepted", i);
        px_buf_free(&kept);
    }
    /* 8 KiB of trailer bytes (name, ':', value, CR) is the most */
    for (int over = 0; over <= 1; over++) {
        size_t k = 8192 - 3 + (size_t)over;
        char *in = malloc(k + 16);
        int n = snprintf(in, 16, "0\r\nx:");
        memset(in + n, 'a', k);
        memcpy(in + n + k, "\r\n\r\n", 4);
        px_buf kept = {0};
        assert_int_equal(decode_one(in, (size_t)n + k + 4, &kept), over ? PX_BODY_BAD : PX_BODY_DONE);
        assert_int_equal(decode_one(in, (size_t)n + k + 4, NULL), over ? PX_BODY_BAD : PX_BODY_DONE);
        px_buf_free(&kept);
        free(in);
    }
}

static void test_trailers_put_filters(void **state)
{
    const char *kept = "content-length:5\r\nx-ok:  v w  \r\nset-cookie:a=b\r\nhost:h\r\ngrpc-status:0\r\n"
                       "transfer-encoding:chunked\r\nauthorization:x\r\ncontent-type:a/b\r\ntrailer:x\r\n"
                       "te:trailers\r\nconnection:close\r\nx-empty:\r\n";
    px_buf in = {0}, out = {0};
    px_buf_puts(&in, kept);
    assert_int_equal(px_trailers_put(&out, &in), 0);
    px_buf_append(&out, "", 1);
    assert_string_equal(px_buf_data(&out), "x-ok: v w\r\ngrpc-status: 0\r\nx-empty: \r\n");
    px_buf_reset(&out);
    assert_int_equal(px_trailers_last_chunk(&out, &in), 0);
    px_buf_append(&out, "", 1);
    assert_string_equal(px_buf_data(&out), "0\r\nx-ok: v w\r\ngrpc-status: 0\r\nx-empty: \r\n\r\n");
    px_buf_reset(&out);
    assert_int_equal(px_trailers_last_chunk(&out, NULL), 0);
    px_buf_append(&out, "", 1);
    assert_string_equal(px_buf_data(&out), "0\r\n\r\n");
    px_buf_free(&in);
    px_buf_free(&out);
}

static void test_list_has(void **state)
{
    assert_true(px_http_list_has(pol_slice_str("keep-alive, Close"), "close"));
    assert_true(px_http_list_has(pol_slice_str(" , upgrade ,"), "upgrade"));
    assert_false(px_http_list_has(pol_slice_str("closed"), "close"));
    assert_false(px_http_list_has(pol_slice_str(""), "close"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_table),     cmocka_unit_test(test_request_fields),
        cmocka_unit_test(test_limits),            cmocka_unit_test(test_response_table),
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_body_split_everywhere), cmocka_unit_test(test_body_bad_chunked),
        cmocka_unit_test(test_trailers_kept),     cmocka_unit_test(test_trailers_bad_and_limit),
        cmocka_unit_test(test_trailers_put_filters),
        cmocka_unit_test(test_list_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
