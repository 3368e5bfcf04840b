/*
 * The messages of the session's own HTTP/1.1 connection (http_wire.c):
 * the request head as curl 7.88 writes it for the same options (the
 * response is read in http_wire_resp.c) and the read buffers. Set-Cookie
 * headers reach the session's own jar (http_cookie.c) through the header
 * callback, as curl's do.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
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

/*
 * The header fields after the request line, without the blank line that
 * ends them. Returns where the Cookie line's value ends, counted from the
 * first field (0: no Cookie line), and *capped whether curl's cap left
 * cookies out of it.
 */
static size_t header_fields(locust_http *h, locust__sbuf *b, const struct curl_slist *hdrs,
                            const char *authority, size_t al, bool default_port, bool body_mode, bool *capped)
{
    struct locust__http_req *q = h->req;
    size_t start = b->n;
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
    size_t before = b->n;
    *capped = locust__hop_cookie_line(h, hdrs, b);
    size_t cookie_end = b->n > before ? b->n - 2 - start : 0;
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
    return cookie_end;
}

/*
 * Keeps the fields of a plain request (the session's shared header list, no
 * body, credentials or .cookies of its own) for the next one, which then
 * copies them instead of looking up every header and matching the jar's
 * cookies again. Capped: a session with huge default headers just builds
 * them each time.
 *
 * The fields depend on the header list (a custom Host header names the
 * cookies' host too), the origin (authority, default port, and for the
 * cookies the scheme) and the cookies the jar sends: those change with the
 * jar (its generation), with time (a cookie expires) and, when some cookie
 * is limited to a path, with the request's path. curl's cap on the cookies
 * sent counts the request's bytes from the request line, whose length
 * varies with the path: a line cut short by it serves only request lines
 * as long, a whole one those that leave it whole.
 */
#define HEAD_CACHE_MAX 4096u

/* The request path as the jar matches cookies against it (what precedes '?' or '#'). */
static size_t cookie_path_len(const char *target)
{
    return strcspn(target, "?#");
}

/* Whether the hop's origin is https (the jar sends secure cookies there). */
static bool hop_https(const locust_http *h)
{
    return strncasecmp(h->req->url, "https:", 6) == 0;
}

static bool head_cached(const locust_http *h, const struct curl_slist *hdrs, const char *authority, size_t al,
                        bool default_port, const char *target, size_t line_len)
{
    const struct locust__wire_head *c = &h->wire_head;
    if (c->hdrs != hdrs || c->auth_len != al || c->default_port != default_port || c->jar_gen != h->jar.gen ||
        c->https != hop_https(h) || memcmp(c->p, authority, al) != 0)
        return false;
    if (h->jar.n == 0) return true;
    /* No cookie expires before the jar's earliest expiry: until then the jar sends the same. */
    if ((int64_t)time(NULL) >= h->jar.next_expiry) return false;
    if (c->path_len != SIZE_MAX) {
        size_t pl = cookie_path_len(target);
        if (pl != c->path_len || memcmp(c->p + al + c->len, target, pl) != 0) return false;
    }
    if (c->capped_at != 0) return line_len == c->capped_at;
    return line_len + c->cookie_end < LOCUST__COOKIE_MAX_HEADER;
}

static void head_keep(locust_http *h, const struct curl_slist *hdrs, const char *authority, size_t al,
                      bool default_port, const char *target, const char *fields, size_t n, size_t line_len,
                      size_t cookie_end, bool capped)
{
    h->wire_head.hdrs = NULL;
    /* A whole line kept must be whole again for this request line (see head_cached()). */
    if (!capped && line_len + cookie_end >= LOCUST__COOKIE_MAX_HEADER) return;
    size_t path_len = h->jar.n == 0 || locust__cookie_any_path(&h->jar) ? SIZE_MAX : cookie_path_len(target);
    size_t pl = path_len == SIZE_MAX ? 0 : path_len;
    if (al + n + pl > HEAD_CACHE_MAX) return;
    char *p = realloc(h->wire_head.p, al + n + pl);
    if (p == NULL) return;
    memcpy(p, authority, al);
    memcpy(p + al, fields, n);
    memcpy(p + al + n, target, pl);
    h->wire_head = (struct locust__wire_head){.hdrs = hdrs,
                                              .usable_for = h->wire_head.usable_for,
                                              .p = p,
                                              .auth_len = al,
                                              .len = n,
                                              .default_port = default_port,
                                              .https = hop_https(h),
                                              .jar_gen = h->jar.gen,
                                              .path_len = path_len,
                                              .cookie_end = cookie_end,
                                              .capped_at = capped ? line_len : 0};
}

void locust__wire_build_request(locust_http *h, locust__sbuf *b, const char *target, const char *authority,
                                size_t al, bool default_port, bool http10)
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
    locust__sb_add(b, http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n", 11);
    bool plain = q->hdrs_shared && hdrs != NULL && !body_mode && !(q->send_auth && q->auth_user != NULL) &&
                 q->cookie == NULL;
    if (plain && head_cached(h, hdrs, authority, al, default_port, target, b->n)) {
        locust__sb_add(b, h->wire_head.p + al, h->wire_head.len);
    } else {
        size_t mark = b->n;
        bool capped = false;
        size_t cookie_end = header_fields(h, b, hdrs, authority, al, default_port, body_mode, &capped);
        if (plain && !b->failed)
            head_keep(h, hdrs, authority, al, default_port, target, b->p + mark, b->n - mark, mark,
                      cookie_end, capped);
    }
    locust__sb_add(b, "\r\n", 2);
}
