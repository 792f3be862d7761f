/*
 * fuzz_http1.c - libFuzzer target for the HTTP/1.1 parser (proxy/http1.c,
 * proxy/http1_body.c).  Built with clang -fsanitize=fuzzer,address,undefined
 * when clang is available (tests/CMakeLists.txt); CI runs it briefly.
 *
 * The first input byte selects request or response parsing and how the body
 * is cut into pieces; checks that slices stay inside the input, that a
 * complete head is also complete with more bytes after it, and that body
 * decoding gives the same bytes and the same kept trailer fields whatever the
 * cut (proxy/trailers.c then writes the ones that travel).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slices(const px_http_msg *m, const char *buf, size_t len)
{
    for (size_t i = 0; i < m->nheaders; i++) {
        const pol_header *h = &m->headers[i];
        if (h->name.p < buf || h->name.p + h->name.len > buf + m->head_len ||
            h->value.p < buf || h->value.p + h->value.len > buf + m->head_len || h->name.len == 0)
            abort();
    }
    if (m->head_len > len)
        abort();
}

static size_t decode_all(px_body_kind kind, uint64_t cl, const char *in, size_t n, size_t step,
                         char *out, int *result, px_buf *trailers)
{
    char *work = malloc(n ? n : 1);
    px_body_decoder d;
    px_body_decoder_init(&d, kind, cl);
    d.trailers = trailers;
    size_t pos = 0, o = 0;
    int r = PX_BODY_MORE;
    while (r == PX_BODY_MORE && pos < n) {
        size_t len = n - pos < step ? n - pos : step, used, got;
        memcpy(work, in + pos, len);
        r = px_body_decode(&d, work, len, &used, &got);
        if (r == PX_BODY_BAD)
            break;
        if (used > len || got > used)
            abort();
        memcpy(out + o, work, got);
        o += got;
        pos += used;
    }
    *result = r;
    free(work);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    size_t n = size - 1;
    char *buf = malloc(n + 1);
    memcpy(buf, data + 1, n);
    px_http_limits lim = px_http_limits_default();
    px_http_msg m;
    int r = (mode & 1) ? px_http_parse_response(buf, n, &lim, (mode & 2) != 0, &m)
                       : px_http_parse_request(buf, n, &lim, &m);
    if (r > 0) {
        check_slices(&m, buf, n);
        if (!(mode & 1) && px_http_upgrade_kind(&m) != PX_UPGRADE_NONE && !m.upgrade)
            abort();
        /* the same head with one more byte must give the same length */
        char *more = malloc(n + 1);
        memcpy(more, data + 1, n);
        more[n] = 'x';
        px_http_msg m2;
        int r2 = (mode & 1) ? px_http_parse_response(more, n + 1, &lim, (mode & 2) != 0, &m2)
                            : px_http_parse_request(more, n + 1, &lim, &m2);
        if (r2 != r)
            abort();
        free(more);
        size_t rest = n - (size_t)r;
        char *a = malloc(rest + 1), *b = malloc(rest + 1);
        int ra, rb;
        px_buf ta = {0}, tb = {0}, wire = {0};
        size_t na = decode_all(m.body, m.content_length, buf + r, rest, rest ? rest : 1, a, &ra, &ta);
        size_t nb = decode_all(m.body, m.content_length, buf + r, rest, (size_t)(mode >> 2) + 1, b, &rb, &tb);
        if (ra != rb || na != nb || memcmp(a, b, na) != 0)
            abort();
        if (ra == PX_BODY_DONE) {
            if (px_buf_size(&ta) != px_buf_size(&tb) || memcmp(px_buf_data(&ta), px_buf_data(&tb), px_buf_size(&ta)))
                abort();
            /* what is written back is itself a valid last chunk */
            if (px_trailers_last_chunk(&wire, &ta) != 0)
                abort();
            px_body_decoder d;
            px_body_decoder_init(&d, PX_BODY_CHUNKED, 0);
            size_t used, got;
            if (px_body_decode(&d, px_buf_data(&wire), px_buf_size(&wire), &used, &got) != PX_BODY_DONE ||
                used != px_buf_size(&wire) || got != 0)
                abort();
        }
        px_buf_free(&ta);
        px_buf_free(&tb);
        px_buf_free(&wire);
        free(a);
        free(b);
    } else if (r == PX_HTTP_ERROR) {
        if (m.error_status < 400 || m.error_status > 505)
            abort();
    }
    free(buf);
    return 0;
}
