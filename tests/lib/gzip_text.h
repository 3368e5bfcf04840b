/*
 * A text compressed with gzip into a fixed buffer, for the HTTP/2 tests'
 * scripted server and the HTTP/2 fuzzer's seed generator: bodies with a
 * Content-Encoding of gzip.
 */
#ifndef LOCUST_TEST_GZIP_TEXT_H
#define LOCUST_TEST_GZIP_TEXT_H

#include <stddef.h>
#include <zlib.h>

/* Compresses text into out (cap bytes); returns the gzip member's length. */
static inline size_t gzip_text(const char *text, size_t n, char *out, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

#endif /* LOCUST_TEST_GZIP_TEXT_H */
