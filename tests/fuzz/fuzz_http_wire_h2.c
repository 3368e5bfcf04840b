/*
 * libFuzzer harness: the response side of HTTP/2 on the session's own
 * connection (liblocust/http/http_wire_h2.c), which reads what the system
 * under test sends: frames of every type and order, HPACK blocks, resets,
 * GOAWAY, interim heads, trailers, bodies and their codings. A real
 * session (nghttp2's client, the wire's callbacks, its HTTP/1.1 reader and
 * the session's header and write callbacks) has sent "GET /" and reads the
 * input as the server's bytes; the connection ends after the last one.
 *
 * The first byte picks how the bytes arrive and what was asked:
 *   bits 0-1: 0 in one piece, 1 one byte at a time, 2 in pieces of 1 to
 *             64 bytes, 3 of 1 to 4096 (from the input)
 *   bit 2:    the request was a HEAD
 *   bit 3:    the session's body cap is 100 bytes (else 1 MiB)
 * Each input is read twice, whole and split as asked: nothing may crash,
 * leak or hang, and both readings must end alike (the result, its words,
 * the status), but where curl's own rule depends on the pieces (raw
 * deflate is tried only within the first piece of a body) or nghttp2's
 * verdict on a stream or the connection does (below).
 */
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_wire_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct h2_fuzz_outcome {
    CURLcode result;
    int status, rc;
    bool deflate, coded;
    char error[CURL_ERROR_SIZE];
    size_t body_len, hdrs_len;
} h2_fuzz_outcome;

/* What the session has queued (its preface, settings, the request, acknowledgements) goes nowhere. */
static void h2_fuzz_drain(locust__wire *w)
{
    const uint8_t *d;
    while (nghttp2_session_mem_send(locust__wire_h2_session(w), &d) > 0)
        ;
}

static void h2_fuzz_read(const uint8_t *data, size_t size, uint8_t mode, size_t piece, size_t rnd,
                         h2_fuzz_outcome *out)
{
    static locust_http h;
    memset(&h, 0, sizeof h);
    locust__list_init(&h.responses);
    h.max_body = mode & 8 ? 100 : 1024 * 1024;
    h.req = &h.req_store;
    h.req->url = (char *)"http://127.0.0.1:8080/"; /* Set-Cookie headers reach the jar for this origin */
    snprintf(h.req->method, sizeof h.req->method, "%s", mode & 4 ? "HEAD" : "GET");
    locust_response *r = locust__response_new(&h, h.req->method, "/", false);
    locust__wire *w = calloc(1, sizeof *w);
    if (r == NULL || w == NULL) abort();
    h.cur = r;
    w->h = &h;
    w->fd = -1;
    if (locust__wire_h2_start(w) != 0) abort();
    char head[128];
    snprintf(head, sizeof head,
             "%s / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n",
             h.req->method);
    locust__wire_msg p = {.w = w, .h = &h, .head = (mode & 4) != 0, .result = CURLE_OK};
    locust__wire_msg_init(&p);
    int rc = locust__wire_h2_begin(w, &p, head, strlen(head), NULL, 0);
    if (rc != 0) abort();
    h2_fuzz_drain(w);
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size && i < 8; i++)
        seed = (seed ^ data[i]) * 16777619u;
    bool over = false;
    for (size_t off = 0; off < size && !(over = locust__wire_h2_over(w));) {
        size_t n = piece;
        if (n == 0) {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 8) % rnd;
        }
        if (n > size - off) n = size - off;
        locust__wire_h2_take(w, (const char *)data + off, n);
        h2_fuzz_drain(w);
        off += n;
    }
    if (!over && !locust__wire_h2_over(w)) rc = locust__wire_h2_conn_failed(w, false, false, 0);
    rc = locust__wire_h2_finish(w, rc);
    bool deflate = false, coded = false;
    for (unsigned i = 0; i < p.ndec; i++) {
        if (p.dec[i].kind == DEC_DEFLATE) deflate = true;
        if (p.dec[i].kind != DEC_IDENTITY) coded = true;
    }
    *out = (h2_fuzz_outcome){.result = p.result,
                             .status = r->status,
                             .rc = rc,
                             .deflate = deflate,
                             .coded = coded,
                             .body_len = r->body_len,
                             .hdrs_len = r->hdrs_len};
    if (p.result != CURLE_OK) snprintf(out->error, sizeof out->error, "%s", h.errbuf);
    /* A body never outgrows the cap, nor headers theirs. */
    if (r->body_len > h.max_body || r->hdrs_len > LOCUST__HTTP_MAX_HEADER_BYTES) abort();
    locust__wire_msg_end(&p);
    locust__wire_h2_end(w);
    free(w);
    locust__cookie_clear(&h.jar);
    r->in_flight = true; /* never reported: there is no runner */
    locust__response_release(r, NULL);
    locust__http_pools_drain();
}

/* Whether a reading's end is nghttp2's verdict (a stream it reset, bytes it refused, a session it ended). */
static bool h2_fuzz_verdict(CURLcode r)
{
    return r == CURLE_HTTP2_STREAM || r == CURLE_HTTP2 || r == CURLE_RECV_ERROR || r == CURLE_GOT_NOTHING ||
           r == CURLE_PARTIAL_FILE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 300 * 1024) return 0;
    uint8_t mode = data[0];
    static const size_t pieces[] = {SIZE_MAX, 1, 0, 0};
    static const size_t rnds[] = {0, 0, 64, 4096};
    h2_fuzz_outcome whole, split;
    h2_fuzz_read(data + 1, size - 1, mode, SIZE_MAX, 0, &whole);
    if ((mode & 3) == 0) return 0;
    h2_fuzz_read(data + 1, size - 1, mode, pieces[mode & 3], rnds[mode & 3], &split);
    if (whole.deflate || split.deflate) return 0;
    /* nghttp2's own verdict on a stream or the connection can depend on the pieces too, for curl as here
     * (found: a DATA frame answering a HEAD passes whole and is refused in pieces; a head cut into many
     * pieces trips its limit on CONTINUATION frames; a stream it resets for a frame cut apart where the
     * whole frame carried the server's own reset): where a reading ended by such a verdict, the readings
     * may differ. What is compared is the rest: the responses nghttp2 let through, whole and in pieces,
     * read alike by the wire (status, headers, body, the reader's own failures). */
    if (h2_fuzz_verdict(whole.result) || h2_fuzz_verdict(split.result)) return 0;
    /* Under a coding, which failure comes first depends on the pieces too (inflate() works a block at a
     * time; the body cap may be crossed before or after it finds corrupt data), as in fuzz_http_wire.c:
     * both readings fail then, or both succeed alike. */
    bool coded = whole.coded || split.coded;
    if (coded && (whole.result == CURLE_OK) != (split.result == CURLE_OK)) {
        fprintf(stderr, "under a coding, one reading failed: %d/%d\n", whole.result, split.result);
        abort();
    }
    if (coded && whole.result != CURLE_OK) return 0;
    if (whole.result != split.result || whole.rc != split.rc || whole.status != split.status ||
        strcmp(whole.error, split.error) != 0 ||
        (whole.result == CURLE_OK &&
         (whole.body_len != split.body_len || whole.hdrs_len != split.hdrs_len))) {
        fprintf(stderr,
                "the pieces changed the outcome: result %d/%d, rc %d/%d, status %d/%d, error '%s'/'%s'\n",
                whole.result, split.result, whole.rc, split.rc, whole.status, split.status, whole.error,
                split.error);
        abort();
    }
    return 0;
}
