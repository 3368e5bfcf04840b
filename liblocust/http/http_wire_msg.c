/*
 * The messages of the session's own HTTP/1.1 connection (http_wire.c):
 * the request head as curl 7.88 writes it for the same options, and the
 * response parsed as curl reads it (status line, headers, Content-Length,
 * chunked and read-until-close bodies, gzip and deflate), handed to the
 * same header and write callbacks as curl's data, with curl's error codes
 * and words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "http/http_wire.h"

/* ---- buffers ------------------------------------------------------------- */

/*
 * Buffers kept for the next requests of this thread's users (at most this
 * many: a burst of users does not stay resident).
 */
#define POOL_KEEP 64
static _Thread_local char *pool[POOL_KEEP];
static LOCUST__TLS_FAST size_t pool_n;

void locust__wire_pool_drain(void)
{
    while (pool_n > 0)
        free(pool[--pool_n]);
}

char *locust__wire_buf_get(void)
{
    return pool_n ? pool[--pool_n] : malloc(LOCUST__WIRE_BUF);
}

void locust__wire_buf_put(char *b, size_t cap)
{
    if (cap == LOCUST__WIRE_BUF && pool_n < POOL_KEEP)
        pool[pool_n++] = b;
    else
        free(b);
}

void locust__sb_add(locust__sbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap * 2;
        while (cap < b->n + n)
            cap *= 2;
        if (cap > LOCUST__HTTP_MAX_HEADER_BYTES * 4 + LOCUST__HTTP_MAX_BODY) {
            b->failed = true;
            return;
        }
        char *p = b->p == b->local ? malloc(cap) : realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        if (b->p == b->local) memcpy(p, b->local, b->n);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

void locust__sb_str(locust__sbuf *b, const char *s)
{
    locust__sb_add(b, s, strlen(s));
}

void locust__sb_free(locust__sbuf *b)
{
    if (b->p != b->local) free(b->p);
}

/* Whether a "Name: value" line's value is empty (only blanks). */
bool locust__wire_value_empty(const char *line)
{
    const char *v = line + strcspn(line, ":;");
    return *v == '\0' || v[1 + strspn(v + 1, " \t\r\n\v\f")] == '\0';
}

/* The custom header named `name`, as curl's Curl_checkheaders() finds it. */
const char *locust__wire_find_header(const struct curl_slist *l, const char *name)
{
    size_t n = strlen(name);
    for (; l != NULL; l = l->next)
        if (strncasecmp(l->data, name, n) == 0 && (l->data[n] == ':' || l->data[n] == ';')) return l->data;
    return NULL;
}

/* ---- the request ------------------------------------------------------------- */

static void base64(locust__sbuf *b, const char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        out[0] = t[(v >> 18) & 63];
        out[1] = t[(v >> 12) & 63];
        out[2] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[3] = i + 2 < n ? t[v & 63] : '=';
        locust__sb_add(b, out, 4);
    }
}

/* The custom headers as curl's Curl_add_custom_headers() sends them. */
static void custom_headers(locust__sbuf *b, const struct curl_slist *l)
{
    for (; l != NULL; l = l->next) {
        const char *d = l->data, *colon = strchr(d, ':');
        if (colon == NULL) {
            /* "Name;" sends the header empty; anything after the ';' is ignored. */
            const char *semi = strchr(d, ';');
            if (semi == NULL || semi == d || semi[1] != '\0') continue;
            if (strncasecmp(d, "Host;", 5) == 0) continue;
            locust__sb_add(b, d, (size_t)(semi - d));
            locust__sb_add(b, ":\r\n", 3);
            continue;
        }
        if (colon == d) continue;
        const char *v = colon + 1;
        v += strspn(v, " \t\r\n\v\f");
        if (*v == '\0') continue;                      /* "Name:" only removes curl's own header */
        if (strncasecmp(d, "Host:", 5) == 0) continue; /* sent in Host's place */
        locust__sb_str(b, d);
        locust__sb_add(b, "\r\n", 2);
    }
}

/* The header fields after the request line, without the blank line that ends them. */
static void header_fields(locust_http *h, locust__sbuf *b, const struct curl_slist *hdrs,
                          const char *authority, size_t al, bool default_port, bool body_mode)
{
    struct locust__http_req *q = h->req;
    const char *host = locust__wire_find_header(hdrs, "Host");
    if (host == NULL) {
        locust__sb_add(b, "Host: ", 6);
        /* curl leaves the default port out of Host. */
        size_t n = al;
        if (default_port) {
            const char *c = authority[0] == '[' ? memchr(authority, ']', al) : authority;
            const char *colon = c ? memchr(c, ':', al - (size_t)(c - authority)) : NULL;
            if (colon != NULL) n = (size_t)(colon - authority);
        }
        locust__sb_add(b, authority, n);
        locust__sb_add(b, "\r\n", 2);
    } else if (strcmp(host, "Host:") != 0) {
        locust__sb_add(b, "Host:", 5);
        locust__sb_str(b, host + 5);
        locust__sb_add(b, "\r\n", 2);
    }
    if (q->send_auth && q->auth_user != NULL && locust__wire_find_header(hdrs, "Authorization") == NULL) {
        locust__sbuf up = {.p = up.local, .cap = sizeof up.local};
        locust__sb_str(&up, q->auth_user);
        locust__sb_add(&up, ":", 1);
        locust__sb_str(&up, q->auth_password ? q->auth_password : "");
        locust__sb_add(b, "Authorization: Basic ", 21);
        base64(b, up.p, up.n);
        locust__sb_add(b, "\r\n", 2);
        if (up.failed) b->failed = true;
        locust__sb_free(&up);
    }
    if (locust__wire_find_header(hdrs, "User-Agent") == NULL)
        locust__sb_str(b, "User-Agent: " LOCUST__HTTP_USER_AGENT "\r\n");
    if (locust__wire_find_header(hdrs, "Accept") == NULL) locust__sb_add(b, "Accept: */*\r\n", 13);
    if (locust__wire_find_header(hdrs, "Accept-Encoding") == NULL)
        locust__sb_str(b, "Accept-Encoding: " LOCUST__HTTP_ACCEPT_ENCODING "\r\n");
    /* The jar's cookies, then .cookies (http_cookie_hop.c). */
    locust__hop_cookie_line(h, hdrs, b);
    custom_headers(b, hdrs);
    if (body_mode) {
        size_t len = q->has_body ? q->body_len : 0;
        if (locust__wire_find_header(hdrs, "Content-Length") == NULL) {
            char cl[48];
            locust__sb_add(b, cl, (size_t)snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", len));
        }
        if (locust__wire_find_header(hdrs, "Content-Type") == NULL)
            locust__sb_str(b, "Content-Type: application/x-www-form-urlencoded\r\n");
    }
}

/*
 * Keeps the fields of a plain request (the session's shared header list, no
 * body, credentials or cookies of its own) for the next one, which then
 * copies them instead of looking up every header again. Capped: a session
 * with huge default headers just builds them each time.
 */
#define HEAD_CACHE_MAX 4096u

static bool head_cached(const locust_http *h, const struct curl_slist *hdrs, const char *authority, size_t al)
{
    return h->wire_head.hdrs == hdrs && h->wire_head.auth_len == al &&
           memcmp(h->wire_head.p, authority, al) == 0;
}

static void head_keep(locust_http *h, const struct curl_slist *hdrs, const char *authority, size_t al,
                      const char *fields, size_t n)
{
    h->wire_head.hdrs = NULL;
    if (al + n > HEAD_CACHE_MAX) return;
    char *p = realloc(h->wire_head.p, al + n);
    if (p == NULL) return;
    memcpy(p, authority, al);
    memcpy(p + al, fields, n);
    h->wire_head = (struct locust__wire_head){
        .hdrs = hdrs, .usable_for = h->wire_head.usable_for, .p = p, .auth_len = al, .len = n};
}

void locust__wire_build_request(locust_http *h, locust__sbuf *b, const char *target, const char *authority,
                                size_t al, bool default_port)
{
    struct locust__http_req *q = h->req;
    const struct curl_slist *hdrs = q->body_dropped ? q->hdrs_nobody : q->hdrs;
    bool head = strcmp(q->method, "HEAD") == 0;
    bool body_mode = !head && (q->has_body || strcmp(q->method, "GET") != 0);
    locust__sb_str(b, q->method);
    locust__sb_add(b, " ", 1);
    size_t tl = strcspn(target, "#");
    if (tl == 0 || *target != '/') locust__sb_add(b, "/", 1);
    locust__sb_add(b, target, tl);
    locust__sb_add(b, " HTTP/1.1\r\n", 11);
    bool plain = q->hdrs_shared && hdrs != NULL && !body_mode && !(q->send_auth && q->auth_user != NULL) &&
                 q->cookie == NULL && !locust__hop_has_cookies(h);
    if (plain && head_cached(h, hdrs, authority, al)) {
        locust__sb_add(b, h->wire_head.p + al, h->wire_head.len);
    } else {
        size_t mark = b->n;
        header_fields(h, b, hdrs, authority, al, default_port, body_mode);
        if (plain && !b->failed) head_keep(h, hdrs, authority, al, b->p + mark, b->n - mark);
    }
    locust__sb_add(b, "\r\n", 2);
}

/* ---- the response ------------------------------------------------------------- */

CURLcode locust__wire_fail(locust__wire_msg *p, CURLcode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->h->errbuf, sizeof p->h->errbuf, fmt, ap);
    va_end(ap);
    p->result = code;
    return code;
}

/* Hands decoded body bytes to the write callback. */
static CURLcode deliver(locust__wire_msg *p, const char *data, size_t n)
{
    if (n == 0) return CURLE_OK;
    if (locust__http_write_cb((char *)data, 1, n, p->h) != n)
        return locust__wire_fail(p, CURLE_WRITE_ERROR, "Failed writing body");
    return CURLE_OK;
}

static CURLcode inflate_some(locust__wire_msg *p, const char *data, size_t n)
{
    if (!p->z_on) {
        memset(&p->z, 0, sizeof p->z);
        /* gzip (and zlib) auto-detected, as curl does; deflate is zlib first. */
        if (inflateInit2(&p->z, p->enc == ENC_GZIP ? MAX_WBITS + 32 : MAX_WBITS) != Z_OK)
            return locust__wire_fail(p, CURLE_OUT_OF_MEMORY, "Out of memory");
        p->z_on = true;
        if (p->zout == NULL && (p->zout = locust__wire_buf_get()) == NULL)
            return locust__wire_fail(p, CURLE_OUT_OF_MEMORY, "Out of memory");
    }
    p->z.next_in = (Bytef *)data;
    p->z.avail_in = (uInt)n;
    while (p->z.avail_in > 0) {
        p->z.next_out = (Bytef *)p->zout;
        p->z.avail_out = LOCUST__WIRE_BUF;
        int rc = inflate(&p->z, Z_SYNC_FLUSH);
        size_t out = LOCUST__WIRE_BUF - p->z.avail_out;
        if (out) p->z_out_any = true;
        if (deliver(p, p->zout, out) != CURLE_OK) return p->result;
        if (rc == Z_STREAM_END) break; /* what follows the stream is ignored */
        if (rc == Z_DATA_ERROR && p->enc == ENC_DEFLATE && !p->z_raw_tried && !p->z_out_any) {
            /* Some servers send raw deflate for "deflate": curl retries so too. */
            p->z_raw_tried = true;
            inflateEnd(&p->z);
            memset(&p->z, 0, sizeof p->z);
            if (inflateInit2(&p->z, -MAX_WBITS) != Z_OK)
                return locust__wire_fail(p, CURLE_OUT_OF_MEMORY, "Out of memory");
            p->z.next_in = (Bytef *)data;
            p->z.avail_in = (uInt)n;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return locust__wire_fail(p, CURLE_BAD_CONTENT_ENCODING,
                                     "Error while processing content unencoding: %s",
                                     p->z.msg ? p->z.msg : "failed");
        if (rc == Z_BUF_ERROR && p->z.avail_out != 0) break;
    }
    return CURLE_OK;
}

static CURLcode body_bytes(locust__wire_msg *p, const char *data, size_t n)
{
    p->received += (int64_t)n;
    if (p->enc == ENC_NONE) return deliver(p, data, n);
    return inflate_some(p, data, n);
}

/* The token list of a header value contains `tok` (case-insensitive). */
static bool has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i < n;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, tok, tl) == 0) return true;
    }
    return false;
}

static CURLcode content_encoding(locust__wire_msg *p, const char *v, size_t n)
{
    for (size_t i = 0; i < n;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        size_t l = i - s;
        if (l == 0) continue;
        int enc;
        if ((l == 4 && strncasecmp(v + s, "gzip", 4) == 0) ||
            (l == 6 && strncasecmp(v + s, "x-gzip", 6) == 0))
            enc = ENC_GZIP;
        else if (l == 7 && strncasecmp(v + s, "deflate", 7) == 0)
            enc = ENC_DEFLATE;
        else if (l == 8 && strncasecmp(v + s, "identity", 8) == 0)
            continue;
        else
            enc = -1;
        if (enc < 0 || p->enc != ENC_NONE)
            return locust__wire_fail(
                p, CURLE_BAD_CONTENT_ENCODING,
                "Unrecognized content encoding type. libcurl understands deflate, gzip content "
                "encodings.");
        p->enc = enc;
    }
    return CURLE_OK;
}

/* One header line (without its CRLF) of the response head. */
static CURLcode header_line(locust__wire_msg *p, const char *line, size_t len, size_t with_eol)
{
    if (p->state == ST_STATUS) {
        if (len < 5 || strncasecmp(line, "HTTP/", 5) != 0)
            return locust__wire_fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Received HTTP/0.9 when not allowed");
        if (len < 12 || line[5] != '1' || line[6] != '.' || (line[7] != '0' && line[7] != '1') ||
            line[8] != ' ' || line[9] < '0' || line[9] > '9' || line[10] < '0' || line[10] > '9' ||
            line[11] < '0' || line[11] > '9' || (len > 12 && line[12] >= '0' && line[12] <= '9'))
            return locust__wire_fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Unsupported HTTP version in response");
        p->minor = line[7] - '0';
        p->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        p->state = ST_HEADERS;
        p->has_length = p->chunked = p->keep_alive = false;
        p->close = p->minor == 0;
        p->enc = ENC_NONE;
    } else if (len == 0) {
        /* End of the head. 1xx heads are followed by the real one. */
        if (locust__http_header_cb((char *)line, 1, with_eol, p->h) != with_eol)
            return locust__wire_fail(p, CURLE_WRITE_ERROR, "Failed writing header");
        if (p->status >= 100 && p->status < 200 && p->status != 101) {
            p->state = ST_STATUS;
            return CURLE_OK;
        }
        if (p->minor == 0 && p->keep_alive) p->close = false;
        if (p->head || p->status == 204 || p->status == 304 || p->status == 101) {
            p->state = ST_DONE;
        } else if (p->chunked) {
            p->state = ST_CHUNK_SIZE;
        } else if (p->has_length) {
            p->state = p->left > 0 ? ST_BODY : ST_DONE;
        } else {
            p->until_close = true;
            p->close = true;
            p->state = ST_BODY;
        }
        return CURLE_OK;
    } else {
        const char *colon = memchr(line, ':', len);
        if (colon != NULL && line[0] != ' ' && line[0] != '\t') {
            size_t nl = (size_t)(colon - line);
            const char *v = colon + 1;
            size_t vl = len - nl - 1;
            if (nl == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
                const char *s = v + strspn(v, " \t");
                char *e;
                errno = 0;
                long long cl = strtoll(s, &e, 10);
                if (s == e || cl < 0 || errno != 0 || (size_t)(e - line) > len)
                    return locust__wire_fail(p, CURLE_WEIRD_SERVER_REPLY, "Invalid Content-Length: value");
                p->left = cl;
                p->has_length = true;
            } else if (nl == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
                if (has_token(v, vl, "chunked")) p->chunked = true;
            } else if (nl == 10 && strncasecmp(line, "Connection", 10) == 0) {
                if (has_token(v, vl, "close")) p->close = true;
                if (has_token(v, vl, "keep-alive")) p->keep_alive = true;
            } else if (nl == 16 && strncasecmp(line, "Content-Encoding", 16) == 0) {
                if (content_encoding(p, v, vl) != CURLE_OK) return p->result;
            }
        }
    }
    if (locust__http_header_cb((char *)line, 1, with_eol, p->h) != with_eol)
        return locust__wire_fail(p, CURLE_WRITE_ERROR, "Failed writing header");
    return CURLE_OK;
}

/* Parses what is buffered; returns with p->state ST_DONE, an error, or more needed. */
CURLcode locust__wire_parse(locust__wire_msg *p)
{
    while (p->start < p->end && p->state != ST_DONE) {
        char *s = p->buf + p->start;
        size_t n = p->end - p->start;
        if (p->state == ST_BODY) {
            size_t take = p->until_close ? n : (size_t)(p->left < (int64_t)n ? p->left : (int64_t)n);
            p->start += take;
            if (!p->until_close) p->left -= (int64_t)take;
            if (body_bytes(p, s, take) != CURLE_OK) return p->result;
            if (!p->until_close && p->left == 0) p->state = ST_DONE;
            continue;
        }
        if (p->state == ST_CHUNK_DATA) {
            size_t take = (size_t)(p->left < (int64_t)n ? p->left : (int64_t)n);
            p->start += take;
            p->left -= (int64_t)take;
            if (body_bytes(p, s, take) != CURLE_OK) return p->result;
            if (p->left == 0) p->state = ST_CHUNK_END;
            continue;
        }
        /* Everything else is line by line. */
        char *nl = memchr(s, '\n', n);
        if (nl == NULL) {
            if (n > LOCUST__WIRE_MAX_LINE)
                return locust__wire_fail(p, CURLE_RECV_ERROR, "Rejected %zu bytes header (max is %u)!", n,
                                         LOCUST__WIRE_MAX_LINE);
            return CURLE_OK;
        }
        size_t with_eol = (size_t)(nl - s) + 1, len = with_eol - 1;
        if (len > 0 && s[len - 1] == '\r') len--;
        p->start += with_eol;
        switch (p->state) {
        case ST_STATUS:
        case ST_HEADERS:
            if (header_line(p, s, len, with_eol) != CURLE_OK) return p->result;
            break;
        case ST_CHUNK_SIZE: {
            size_t i = 0;
            int64_t size = 0;
            while (i < len && strchr("0123456789abcdefABCDEF", s[i]) != NULL && s[i] != '\0') {
                int d = s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10;
                if (size > (INT64_MAX >> 4))
                    return locust__wire_fail(p, CURLE_RECV_ERROR,
                                             "Too long hexadecimal number in chunked-encoding");
                size = size * 16 + d;
                i++;
            }
            if (i == 0)
                return locust__wire_fail(p, CURLE_RECV_ERROR,
                                         "Illegal or missing hexadecimal sequence in chunked-encoding");
            p->left = size;
            p->state = size ? ST_CHUNK_DATA : ST_TRAILERS;
            break;
        }
        case ST_CHUNK_END:
            if (len != 0)
                return locust__wire_fail(p, CURLE_RECV_ERROR, "Malformed encoding found in chunked-encoding");
            p->state = ST_CHUNK_SIZE;
            break;
        case ST_TRAILERS:
            if (len == 0) p->state = ST_DONE;
            break;
        }
    }
    return CURLE_OK;
}

void locust__wire_msg_end(locust__wire_msg *p)
{
    if (p->z_on) inflateEnd(&p->z);
    if (p->zout) locust__wire_buf_put(p->zout, LOCUST__WIRE_BUF);
    if (p->buf) locust__wire_buf_put(p->buf, p->cap);
}
