/*
 * libFuzzer harness: the response side of the session's own HTTP/1.1
 * connection (liblocust/http/http_wire_resp.c), which reads bytes from the
 * system under test: status lines, heads, interim replies, Content-Length
 * in every shape, chunked bodies with extensions and trailers, gzip and
 * deflate, bodies that end at the close. The input is what the server
 * sends, read through the real read buffer (locust__wire_room(), which
 * moves and grows it) into the real header and write callbacks of the
 * session, and the connection closes after the last byte.
 *
 * The first byte picks how the bytes arrive and what was asked:
 *   bits 0-1: 0 in reads of up to 16 kB, 1 one byte at a time,
 *             2 in pieces of 1 to 64 bytes, 3 of 1 to 4096 (from the input)
 *   bit 2:    the request was a HEAD
 *   bit 3:    the session's body cap is 100 bytes (else 1 MiB)
 * Each input is read twice, in one go and split as asked: nothing may
 * crash, leak or hang, and both readings must give the same outcome (the
 * response, the error and its words), but where curl's own rule depends on
 * the pieces (raw deflate is tried only within the first piece of a body).
 * Every successful response also has to be consistent: a body no longer
 * than the cap, and as long as its Content-Length when nothing decodes it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one reading gave. */
typedef struct wire_outcome {
    CURLcode result;
    int state, status;
    bool close, deflate, coded;
    char error[CURL_ERROR_SIZE];
    char *reason, *hdrs, *body;
    size_t hdrs_len, body_len;
    int64_t size;
} wire_outcome;

static char *wire_copy(const char *p, size_t n)
{
    char *c = malloc(n + 1);
    if (c == NULL) abort();
    if (n) memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

/* Reads `data` as a response arriving in pieces of `piece` bytes (0: pseudo-random up to `rnd`). */
static void wire_read(const uint8_t *data, size_t size, uint8_t mode, size_t piece, size_t rnd,
                      wire_outcome *out)
{
    static locust_http h;
    memset(&h, 0, sizeof h);
    locust__list_init(&h.responses);
    h.max_body = mode & 8 ? 100 : 1024 * 1024;
    locust_response *r = locust__response_new(&h, "GET", "/", false);
    if (r == NULL) abort();
    h.cur = r;
    locust__wire_msg p = {.h = &h, .head = (mode & 4) != 0, .result = CURLE_OK};
    locust__wire_msg_init(&p);
    p.buf = locust__wire_buf_get();
    if (p.buf == NULL) abort();
    p.cap = LOCUST__WIRE_BUF;
    size_t off = 0;
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size && i < 8; i++)
        seed = (seed ^ data[i]) * 16777619u;
    bool deflate = false, coded = false;
    for (;;) {
        locust__wire_parse(&p);
        for (unsigned i = 0; i < p.ndec; i++) {
            if (p.dec[i].kind == DEC_DEFLATE) deflate = true;
            if (p.dec[i].kind != DEC_IDENTITY) coded = true;
        }
        if (p.result != CURLE_OK || p.state == ST_DONE) break;
        if (locust__wire_room(&p) != 0) break;
        if (off == size) {
            locust__wire_eof(&p);
            break;
        }
        size_t n = piece;
        if (n == 0) {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 8) % rnd;
        }
        if (n > size - off) n = size - off;
        if (n > p.cap - p.end) n = p.cap - p.end;
        memcpy(p.buf + p.end, data + off, n);
        p.end += n;
        p.got += n;
        off += n;
    }
    *out = (wire_outcome){.result = p.result,
                          .state = p.state,
                          .status = r->status,
                          .close = p.close,
                          .deflate = deflate,
                          .coded = coded,
                          .size = p.chunked || p.ignore_cl ? -1 : p.size};
    if (p.result != CURLE_OK) snprintf(out->error, sizeof out->error, "%s", h.errbuf);
    out->reason = wire_copy(r->reason, strlen(r->reason));
    out->hdrs = wire_copy(r->hdrs, r->hdrs_len);
    out->hdrs_len = r->hdrs_len;
    out->body = wire_copy(r->body ? r->body : "", r->body_len);
    out->body_len = r->body_len;
    /* A body never outgrows the cap, nor headers theirs. */
    if (r->body_len > h.max_body || r->hdrs_len > LOCUST__HTTP_MAX_HEADER_BYTES) abort();
    /* A complete response without codings has exactly the length it announced. */
    if (p.result == CURLE_OK && p.state == ST_DONE && !p.head && p.ndec == 0 && out->size >= 0 &&
        !p.bodyless && (int64_t)r->body_len != out->size)
        abort();
    locust__wire_msg_end(&p);
    r->in_flight = true; /* never reported: there is no runner */
    locust__response_release(r, NULL);
    locust__http_pools_drain();
}

static void wire_outcome_free(wire_outcome *o)
{
    free(o->reason);
    free(o->hdrs);
    free(o->body);
}

/*
 * Both readings agree. A failed one is compared by its error only: how much
 * of the body or head had been handed over when it failed depends on the
 * pieces (a body over the cap fails at the first piece that crosses it),
 * through curl as here. Under a coding even which error comes first does
 * (inflate() works block by block: a whole block may hit corrupt data
 * before it hands out a byte that small pieces would have handed to the
 * next coding, or past the cap), as through curl: there both readings
 * must fail, or both succeed alike.
 */
static bool wire_same(const wire_outcome *a, const wire_outcome *b)
{
    bool coded = a->coded || b->coded;
    if (coded && (a->result == CURLE_OK) != (b->result == CURLE_OK)) return false;
    if (coded && a->result != CURLE_OK) return true;
    if (a->result != b->result || strcmp(a->error, b->error) != 0 || a->status != b->status) return false;
    if (a->result != CURLE_OK) return true;
    return a->state == b->state && a->close == b->close && strcmp(a->reason, b->reason) == 0 &&
           a->hdrs_len == b->hdrs_len && memcmp(a->hdrs, b->hdrs, a->hdrs_len) == 0 &&
           a->body_len == b->body_len && memcmp(a->body, b->body, a->body_len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 300 * 1024) return 0;
    uint8_t mode = data[0];
    static const size_t pieces[] = {LOCUST__WIRE_BUF, 1, 0, 0};
    static const size_t rnds[] = {0, 0, 64, 4096};
    wire_outcome whole, split;
    wire_read(data + 1, size - 1, mode, LOCUST__WIRE_BUF, 0, &whole);
    if ((mode & 3) != 0) {
        wire_read(data + 1, size - 1, mode, pieces[mode & 3], rnds[mode & 3], &split);
        if (!whole.deflate && !split.deflate && !wire_same(&whole, &split)) {
            fprintf(stderr,
                    "the pieces changed the outcome: result %d/%d, state %d/%d, status %d/%d, body %zu/%zu, "
                    "error '%s'/'%s'\n",
                    whole.result, split.result, whole.state, split.state, whole.status, split.status,
                    whole.body_len, split.body_len, whole.error, split.error);
            abort();
        }
        wire_outcome_free(&split);
    }
    wire_outcome_free(&whole);
    return 0;
}
