/*
 * The codings of a response body from the session's own connection
 * (http_wire_resp.c reads the rest), undone as curl 7.88 undoes them:
 * stacked (transfer codings first, of one kind the last listed first, at
 * most five), identity passed through, gzip and deflate inflated (deflate
 * without its zlib header tried as raw deflate within the first piece of
 * the body only, up to four bytes tolerated after a raw stream, none after
 * a gzip or zlib one), and a coding not known here failing at the first
 * byte of the body that reaches it, in curl's words.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "http/http_wire.h"

/* Each decoder's output buffer (curl's DSIZ). */
#define DEC_OUT (16u * 1024)

/* A zlib decoder's state (curl's zlibInitState). */
enum { ZS_UNINIT, ZS_INIT, ZS_INFLATING, ZS_EXT_TRAILER, ZS_GZIP };

/* Hands decoded body bytes to the write callback. */
static CURLcode deliver(locust__wire_msg *p, const char *data, size_t n)
{
    if (n == 0) return CURLE_OK;
    if (locust__http_write_cb((char *)data, 1, n, p->h) != n)
        return locust__wire_fail(p, CURLE_WRITE_ERROR, "Failure writing output to destination");
    return CURLE_OK;
}

/* The codings curl knows, as its "Unrecognized content encoding" error lists them. */
static const char *known_codings(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    bool br = v && (v->features & CURL_VERSION_BROTLI), zstd = v && (v->features & CURL_VERSION_ZSTD);
    return br && zstd ? "deflate, gzip, br, zstd"
           : br       ? "deflate, gzip, br"
           : zstd     ? "deflate, gzip, zstd"
                      : "deflate, gzip";
}

static CURLcode dec_write(locust__wire_msg *p, unsigned i, const char *data, size_t n);

static CURLcode zlib_error(locust__wire_msg *p, locust__wire_dec *d)
{
    return locust__wire_fail(p, CURLE_BAD_CONTENT_ENCODING, "Error while processing content unencoding: %s",
                             d->z.msg ? d->z.msg : "Unknown failure within decompression software.");
}

static void dec_end(locust__wire_dec *d)
{
    if (d->zstate != ZS_UNINIT) inflateEnd(&d->z);
    d->zstate = ZS_UNINIT;
}

/* What follows the end of a stream: a raw deflate stream may have 4 bytes of trailer, nothing else may. */
static CURLcode dec_trailer(locust__wire_msg *p, locust__wire_dec *d)
{
    uInt n = d->z.avail_in < d->trailer ? d->z.avail_in : d->trailer;
    d->trailer -= n;
    d->z.avail_in -= n;
    if (d->z.avail_in) {
        dec_end(d);
        return locust__wire_fail_quiet(p, CURLE_WRITE_ERROR);
    }
    if (d->trailer == 0)
        dec_end(d);
    else
        d->zstate = ZS_EXT_TRAILER;
    return CURLE_OK;
}

static CURLcode inflate_piece(locust__wire_msg *p, unsigned i, const char *data, size_t n)
{
    locust__wire_dec *d = &p->dec[i];
    if (d->zstate == ZS_UNINIT && !d->started) {
        memset(&d->z, 0, sizeof d->z);
        if (inflateInit2(&d->z, d->kind == DEC_GZIP ? MAX_WBITS + 32 : MAX_WBITS) != Z_OK)
            return zlib_error(p, d);
        d->zstate = d->kind == DEC_GZIP ? ZS_GZIP : ZS_INIT;
        d->started = true;
    }
    if (d->out == NULL && (d->out = malloc(DEC_OUT)) == NULL)
        return locust__wire_fail_quiet(p, CURLE_OUT_OF_MEMORY);
    d->z.next_in = (Bytef *)data;
    d->z.avail_in = (uInt)n;
    if (d->zstate == ZS_EXT_TRAILER) return dec_trailer(p, d);
    if (d->zstate == ZS_UNINIT)
        return locust__wire_fail_quiet(p, CURLE_WRITE_ERROR); /* the stream has ended */
    int started = d->kind == DEC_GZIP ? ZS_GZIP : ZS_INFLATING;
    CURLcode rc = CURLE_OK;
    for (bool done = false; !done && rc == CURLE_OK;) {
        done = true;
        d->z.next_out = (Bytef *)d->out;
        d->z.avail_out = DEC_OUT;
        int st = inflate(&d->z, Z_BLOCK);
        size_t out = DEC_OUT - d->z.avail_out;
        if (out && (st == Z_OK || st == Z_STREAM_END)) {
            d->zstate = (unsigned char)started;
            if ((rc = dec_write(p, i + 1, d->out, out)) != CURLE_OK) {
                dec_end(d);
                break;
            }
        }
        if (st == Z_OK) {
            done = false; /* zlib may hold more output */
        } else if (st == Z_STREAM_END) {
            rc = dec_trailer(p, d);
        } else if (st == Z_DATA_ERROR && d->zstate == ZS_INIT) {
            /* No zlib header: raw deflate, retried on this piece as curl does. */
            inflateEnd(&d->z);
            memset(&d->z, 0, sizeof d->z);
            if (inflateInit2(&d->z, -MAX_WBITS) != Z_OK) {
                d->zstate = ZS_UNINIT;
                return zlib_error(p, d);
            }
            d->z.next_in = (Bytef *)data;
            d->z.avail_in = (uInt)n;
            d->zstate = ZS_INFLATING;
            d->trailer = 4;
            done = false;
        } else if (st != Z_BUF_ERROR) {
            rc = zlib_error(p, d);
            dec_end(d);
        }
    }
    /* This piece is gone: raw deflate can no longer be tried from its start. */
    if (n && d->zstate == ZS_INIT) d->zstate = ZS_INFLATING;
    return rc;
}

/* Body bytes through decoder i and those after it, then to the write callback. */
static CURLcode dec_write(locust__wire_msg *p, unsigned i, const char *data, size_t n)
{
    if (i == p->ndec) return deliver(p, data, n);
    switch (p->dec[i].kind) {
    case DEC_IDENTITY:
        return dec_write(p, i + 1, data, n);
    case DEC_UNKNOWN:
        if (n == 0) return CURLE_OK;
        return locust__wire_fail(
            p, CURLE_BAD_CONTENT_ENCODING,
            "Unrecognized content encoding type. libcurl understands %s content encodings.", known_codings());
    default:
        return n ? inflate_piece(p, i, data, n) : CURLE_OK;
    }
}

CURLcode locust__wire_body(locust__wire_msg *p, const char *data, size_t n)
{
    p->body_bytes += (int64_t)n;
    return dec_write(p, 0, data, n);
}

CURLcode locust__wire_add_codings(locust__wire_msg *p, const char *v, const char *end, int order,
                                  bool *chunked)
{
    while (v < end) {
        while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        const char *name = v;
        size_t nl = 0;
        for (; v < end && *v != ','; v++)
            if (!isspace((unsigned char)*v)) nl = (size_t)(v - name) + 1;
        if (nl == 0) continue;
        if (order == 2 && nl == 7 && strncasecmp(name, "chunked", 7) == 0) {
            *chunked = true;
            continue;
        }
        int kind = DEC_UNKNOWN;
        if ((nl == 8 && strncasecmp(name, "identity", 8) == 0) ||
            (nl == 4 && strncasecmp(name, "none", 4) == 0))
            kind = DEC_IDENTITY;
        else if (nl == 7 && strncasecmp(name, "deflate", 7) == 0)
            kind = DEC_DEFLATE;
        else if ((nl == 4 && strncasecmp(name, "gzip", 4) == 0) ||
                 (nl == 6 && strncasecmp(name, "x-gzip", 6) == 0))
            kind = DEC_GZIP;
        if (p->ndec == LOCUST__WIRE_MAX_DEC)
            return locust__wire_fail(p, CURLE_BAD_CONTENT_ENCODING,
                                     "Reject response due to more than %u content encodings",
                                     LOCUST__WIRE_MAX_DEC);
        unsigned at = 0;
        while (at < p->ndec && p->dec[at].order > order)
            at++;
        memmove(&p->dec[at + 1], &p->dec[at], (p->ndec - at) * sizeof p->dec[0]);
        p->dec[at] = (locust__wire_dec){.kind = (unsigned char)kind, .order = (unsigned char)order};
        p->ndec++;
    }
    return CURLE_OK;
}

void locust__wire_codings_end(locust__wire_msg *p)
{
    for (unsigned i = 0; i < p->ndec; i++) {
        dec_end(&p->dec[i]);
        free(p->dec[i].out);
    }
    p->ndec = 0;
}
