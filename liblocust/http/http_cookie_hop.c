/*
 * The session's cookie jar (http_cookie.c) applied to the hop in flight:
 * the host, path and secure origin curl would file and match cookies
 * under, the Set-Cookie headers that arrive on either path, and the
 * Cookie header each path sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http_internal.h"
#include "http/http_wire.h"

/*
 * The cookie origin of the hop: the URL's host (without port or brackets),
 * or as curl does, a custom Host header's host; the URL's path ("/" when
 * it has none) and whether curl counts the origin as secure.
 */
static bool hop_origin(const locust_http *h, char *host, size_t hn, const char **path, bool *secure)
{
    const struct locust__http_req *q = h->req;
    const char *url = q->url;
    bool https = strncasecmp(url, "https://", 8) == 0;
    const char *a = url + (https ? 8 : 7), *end = a + strcspn(a, "/?#");
    const char *at = memchr(a, '@', (size_t)(end - a));
    if (at != NULL) a = at + 1;
    const char *hs = a, *he;
    if (*a == '[') {
        hs = a + 1;
        he = memchr(hs, ']', (size_t)(end - hs));
        if (he == NULL) he = end;
    } else {
        he = memchr(a, ':', (size_t)(end - a));
        if (he == NULL) he = end;
    }
    const struct curl_slist *hdrs = q->body_dropped ? q->hdrs_nobody : q->hdrs;
    const char *custom = locust__wire_find_header(hdrs, "Host");
    if (custom != NULL && custom[4] == ':') {
        const char *v = custom + 5;
        v += strspn(v, " \t");
        size_t vl = strlen(v);
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        if (vl > 0) {
            hs = v;
            if (*v == '[') {
                hs = v + 1;
                he = memchr(hs, ']', vl - 1);
                if (he == NULL) he = v + vl;
            } else {
                he = memchr(v, ':', vl);
                if (he == NULL) he = v + vl;
            }
        }
    }
    size_t hl = (size_t)(he - hs);
    if (hl == 0 || hl >= hn) return false;
    memcpy(host, hs, hl);
    host[hl] = '\0';
    *path = *end == '/' ? end : "/";
    *secure = locust__cookie_secure_origin(https, host);
    return true;
}

void locust__hop_take_cookie(locust_http *h, const char *line)
{
    char host[512];
    const char *path;
    bool secure;
    if (h->req == NULL || !hop_origin(h, host, sizeof host, &path, &secure)) return;
    unsigned taken = h->cookies_taken;
    locust__cookie_add(&h->jar, line, host, path, secure, (int64_t)time(NULL), &h->cookies_taken);
    /* requests' response.cookies: what this response set and the jar kept. */
    if (h->cookies_taken > taken && h->cur != NULL) locust__response_cookie_set(h->cur, &h->jar, line);
}

/* The jar's cookies for the hop, in curl's order; scratch is this thread's. */
static _Thread_local const locust__cookie *selected[LOCUST__COOKIE_MAX_SEND];

static size_t hop_select(locust_http *h)
{
    char host[512];
    const char *path;
    bool secure;
    if (h->jar.n == 0 || !hop_origin(h, host, sizeof host, &path, &secure)) return 0;
    return locust__cookie_select(&h->jar, host, path, secure, (int64_t)time(NULL), selected);
}

bool locust__hop_cookie_line(locust_http *h, const struct curl_slist *hdrs, locust__sbuf *b)
{
    const char *extra = locust__wire_find_header(hdrs, "Cookie") == NULL ? h->req->cookie : NULL;
    size_t n = hop_select(h);
    if (n == 0 && extra == NULL) return false;
    bool capped = false;
    /* curl caps the request at the Cookie header, counted from the request line. */
    size_t fit = locust__cookie_fit(selected, n, b->n + 8, &capped);
    if (fit == 0 && (extra == NULL || capped)) return capped;
    locust__sb_add(b, "Cookie: ", 8);
    for (size_t i = 0; i < fit; i++) {
        if (i) locust__sb_add(b, "; ", 2);
        locust__sb_str(b, selected[i]->name);
        locust__sb_add(b, "=", 1);
        locust__sb_str(b, selected[i]->value);
    }
    if (extra != NULL && !capped) {
        if (fit) locust__sb_add(b, "; ", 2);
        locust__sb_str(b, extra);
    }
    locust__sb_add(b, "\r\n", 2);
    return capped;
}

char *locust__hop_cookie_value(locust_http *h, size_t before, bool *capped)
{
    size_t n = hop_select(h);
    *capped = false;
    if (n == 0) return NULL;
    size_t fit = locust__cookie_fit(selected, n, before + 8, capped);
    locust__sbuf b = {.p = b.local, .cap = sizeof b.local};
    for (size_t i = 0; i < fit; i++) {
        if (i) locust__sb_add(&b, "; ", 2);
        locust__sb_str(&b, selected[i]->name);
        locust__sb_add(&b, "=", 1);
        locust__sb_str(&b, selected[i]->value);
    }
    locust__sb_add(&b, "", 1);
    char *out = b.failed || fit == 0 ? NULL : locust__strdup(b.p);
    locust__sb_free(&b);
    return out;
}
