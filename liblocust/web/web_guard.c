/*
 * Who may use the web UI: --web-auth's Basic authentication, and the
 * same-origin rule of the routes that change state, which keeps a page on
 * another site from starting or stopping a load test from the browser of
 * someone who has the UI open (a cross-site request carries that browser's
 * credentials, but also its Origin or Referer).
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- basic auth ------------------------------------------------------------------ */

/* Longest Authorization credentials decoded; far beyond any user:password a person types. */
#define MAX_CREDENTIALS 1024

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* Decodes base64 (padding optional, nothing after it); returns the length, or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    while (n && s[n - 1] == '=')
        n--;
    if (n % 4 == 1) return -1;
    size_t o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap) return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}

/*
 * Compares an offered value with a secret without an early exit: the time
 * depends on the offered length only, never on where the two differ or on
 * what the secret holds.
 */
static bool same_secret(const unsigned char *offered, size_t len, const char *secret)
{
    size_t slen = strlen(secret);
    /* An empty secret is compared with one NUL byte, so the index below always has a byte. */
    const unsigned char *s = slen ? (const unsigned char *)secret : (const unsigned char *)"";
    size_t smod = slen ? slen : 1;
    unsigned diff = len != slen;
    for (size_t i = 0; i < len; i++)
        diff |= (unsigned)(offered[i] ^ s[i % smod]);
    return diff == 0;
}

bool locust__web_basic_auth_ok(const char *header, const char *user, const char *pass)
{
    if (!header) return false;
    while (*header == ' ' || *header == '\t')
        header++;
    /* RFC 7617 (with RFC 9110's auth-scheme): the scheme name is case-insensitive. */
    if (strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t')) return false;
    const char *token = header + 5;
    while (*token == ' ' || *token == '\t')
        token++;
    size_t n = strcspn(token, " \t");
    for (const char *rest = token + n; *rest; rest++)
        if (*rest != ' ' && *rest != '\t') return false;
    unsigned char decoded[MAX_CREDENTIALS];
    long len = b64_decode(token, n, decoded, sizeof decoded);
    if (len < 0) return false;
    const unsigned char *colon = memchr(decoded, ':', (size_t)len);
    if (!colon) return false;
    size_t ulen = (size_t)(colon - decoded);
    /* Both are compared whatever the first gives, so the time says nothing about which was wrong. */
    bool user_ok = same_secret(decoded, ulen, user);
    bool pass_ok = same_secret(colon + 1, (size_t)len - ulen - 1, pass);
    return user_ok & pass_ok;
}

/* ---- the same-origin rule ------------------------------------------------------- */

/* A host and port as written in a URL or a Host header; the port is empty when left out. */
typedef struct authority {
    char host[256];
    char port[8];
} authority;

/* Splits "host", "host:port", "[v6]" or "[v6]:port"; false when it is none of these. */
static bool split_authority(const char *s, size_t n, authority *out)
{
    const char *end = s + n, *port = NULL, *host_end;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close) return false;
        host_end = close + 1;
        if (host_end < end) {
            if (*host_end != ':') return false;
            port = host_end + 1;
        }
    } else {
        const char *colon = memchr(s, ':', n);
        host_end = colon ? colon : end;
        if (colon) port = colon + 1;
    }
    size_t hlen = (size_t)(host_end - s), plen = port ? (size_t)(end - port) : 0;
    if (hlen == 0 || hlen >= sizeof out->host || plen >= sizeof out->port) return false;
    if (port && strspn(port, "0123456789") < plen) return false;
    memcpy(out->host, s, hlen);
    out->host[hlen] = 0;
    memcpy(out->port, port ? port : "", plen);
    out->port[plen] = 0;
    return true;
}

/* The authority of an absolute http(s) URL (an Origin or a Referer), and its scheme's default port. */
static bool url_authority(const char *url, authority *out, const char **default_port)
{
    if (strncasecmp(url, "http://", 7) == 0) {
        *default_port = "80";
        url += 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        *default_port = "443";
        url += 8;
    } else {
        return false;
    }
    size_t n = strcspn(url, "/?#");
    /* user:password@ before the host is not part of it. */
    const char *at = NULL;
    for (const char *p = url; p < url + n; p++)
        if (*p == '@') at = p;
    if (at) {
        n -= (size_t)(at + 1 - url);
        url = at + 1;
    }
    return split_authority(url, n, out);
}

bool locust__web_same_origin(const locust_web_request *req, char *why, size_t len)
{
    /*
     * Browsers also say where a request comes from in Sec-Fetch-Site, even
     * when the page suppressed its Referer: "same-origin", or "none" for
     * an address typed or bookmarked.
     */
    const char *site = locust_web_request_header(req, "Sec-Fetch-Site");
    if (site && strcasecmp(site, "same-origin") != 0 && strcasecmp(site, "none") != 0) {
        snprintf(why, len, "the browser sent it from another site (Sec-Fetch-Site: %.40s)", site);
        return false;
    }
    const char *name = "Origin";
    const char *from = locust_web_request_header(req, "Origin");
    if (!from) {
        name = "Referer";
        from = locust_web_request_header(req, "Referer");
    }
    /* No browser context at all: a script or curl, which no other site can drive. */
    if (!from) return true;
    const char *host = locust_web_request_header(req, "Host");
    authority a, h;
    const char *default_port = "80";
    if (!url_authority(from, &a, &default_port)) {
        snprintf(why, len, "%s '%.200s' is not a page of this web UI", name, from);
        return false;
    }
    if (!host || !split_authority(host, strlen(host), &h)) {
        snprintf(why, len, "the request has %s '%.200s' but no valid Host header to compare it with", name,
                 from);
        return false;
    }
    /* A port left out is the scheme's default, on either side. */
    if (strcmp(a.port, default_port) == 0) a.port[0] = 0;
    if (strcmp(h.port, default_port) == 0) h.port[0] = 0;
    if (strcasecmp(a.host, h.host) == 0 && strcmp(a.port, h.port) == 0) return true;
    snprintf(why, len, "%s '%.200s' is another site than this web UI (%.200s)", name, from, host);
    return false;
}
