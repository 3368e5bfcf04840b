/*
 * Seeds of fuzz_http_wire_h2: what nghttp2's server session sends to a
 * client that asked "GET /" (its settings, then the answer), for answers
 * of every kind the wire has to read. Usage: seed_http_wire_h2 DIR (writes
 * DIR/seed-NAME files, each with a mode byte first).
 */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../lib/gzip_text.h"

typedef struct seed_body {
    const char *p;
    size_t left;
} seed_body;

static ssize_t seed_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
    seed_body *b = src->ptr;
    size_t n = b->left < len ? b->left : len;
    memcpy(buf, b->p, n);
    b->p += n;
    b->left -= n;
    if (b->left == 0) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

#define NV(n, v)                                                                                             \
    {                                                                                                        \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE                   \
    }

/* The server's bytes for one answer, written as DIR/seed-NAME with `mode` first. */
static void seed(const char *dir, const char *name, unsigned char mode, int kind)
{
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session *cl, *sv;
    nghttp2_session_client_new(&cl, cb, NULL);
    nghttp2_session_server_new(&sv, cb, NULL);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(cl, NGHTTP2_FLAG_NONE, NULL, 0);
    nghttp2_nv req[] = {NV(":method", "GET"), NV(":path", "/"), NV(":scheme", "http"), NV(":authority", "x")};
    nghttp2_submit_request(cl, NULL, req, 4, NULL, NULL);
    /* The server's own settings first: a client takes nothing before them. */
    nghttp2_submit_settings(sv, NGHTTP2_FLAG_NONE, NULL, 0);
    const uint8_t *d;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(cl, &d)) > 0)
        nghttp2_session_mem_recv(sv, d, (size_t)n);
    static char big[40000], gz[256];
    memset(big, 'b', sizeof big);
    seed_body body = {"hello\n", 6};
    nghttp2_data_provider prd = {.source.ptr = &body, .read_callback = seed_read};
    nghttp2_nv ok[] = {NV(":status", "200"), NV("content-length", "6"), NV("set-cookie", "a=1; Path=/"),
                       NV("content-type", "text/plain")};
    switch (kind) {
    case 0:
        nghttp2_submit_response(sv, 1, ok, 4, &prd);
        break;
    case 1: {
        nghttp2_nv h[] = {NV(":status", "204")};
        nghttp2_submit_response(sv, 1, h, 1, NULL);
        break;
    }
    case 2: {
        nghttp2_nv h[] = {NV(":status", "301"), NV("location", "/elsewhere"), NV("content-length", "0")};
        nghttp2_submit_response(sv, 1, h, 3, NULL);
        break;
    }
    case 3: {
        static const char text[] = "a body compressed with gzip, sent over HTTP/2 without a length\n";
        body = (seed_body){gz, gzip_text(text, sizeof text - 1, gz, sizeof gz)};
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-encoding", "gzip")};
        nghttp2_submit_response(sv, 1, h, 2, &prd);
        break;
    }
    case 4: {
        nghttp2_nv early[] = {NV(":status", "103"), NV("link", "</a.css>; rel=preload")};
        nghttp2_submit_headers(sv, NGHTTP2_FLAG_NONE, 1, NULL, early, 2, NULL);
        nghttp2_nv h[] = {NV(":status", "200"), NV("trailer", "x-sum")};
        nghttp2_submit_headers(sv, NGHTTP2_FLAG_NONE, 1, NULL, h, 2, NULL);
        nghttp2_submit_data(sv, NGHTTP2_FLAG_NONE, 1, &prd);
        nghttp2_nv t[] = {NV("x-sum", "42")};
        nghttp2_submit_trailer(sv, 1, t, 1);
        break;
    }
    case 5:
        nghttp2_submit_rst_stream(sv, NGHTTP2_FLAG_NONE, 1, NGHTTP2_INTERNAL_ERROR);
        break;
    case 6:
        nghttp2_submit_goaway(sv, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
        break;
    case 7: {
        body = (seed_body){big, sizeof big};
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-length", "40000")};
        nghttp2_submit_response(sv, 1, h, 2, &prd);
        break;
    }
    default: {
        nghttp2_nv h[] = {NV(":status", "404"), NV("x-a", "1"), NV("x-b", "2"), NV("x-c", "3"),
                          NV("content-length", "6")};
        nghttp2_submit_response(sv, 1, h, 5, &prd);
        nghttp2_submit_goaway(sv, NGHTTP2_FLAG_NONE, 1, NGHTTP2_NO_ERROR, NULL, 0);
        break;
    }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) exit(1);
    fputc(mode, f);
    while ((n = nghttp2_session_mem_send(sv, &d)) > 0)
        fwrite(d, 1, (size_t)n, f);
    fclose(f);
    nghttp2_session_del(cl);
    nghttp2_session_del(sv);
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    static const char *const names[] = {"ok",  "no_content", "redirect", "gzip",        "trailers",
                                        "rst", "goaway",     "big_body", "goaway_after"};
    for (int k = 0; k < 9; k++) {
        char name[64];
        seed(argv[1], names[k], 0, k);
        snprintf(name, sizeof name, "%s-bytes", names[k]);
        seed(argv[1], name, 1, k);
        snprintf(name, sizeof name, "%s-pieces-head", names[k]);
        seed(argv[1], name, 2 | 4, k);
    }
    return 0;
}
