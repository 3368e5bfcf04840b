/*
 * A syntax check of base URLs (a runner's host, a class's .host, --host).
 *
 * It lives in the base layer, below the HTTP session that parses URLs for
 * real, so that the core can refuse a malformed host when a class is added
 * and the CLI before any user starts, instead of every user failing on its
 * first request. It accepts what RFC 3986 allows in an http(s) URL's
 * authority (user info, a registered name, an IPv4 address or a bracketed
 * IPv6 address, a port from 1 to 65535) followed by any path, query and
 * fragment without blanks or control characters.
 */
#include "base/base.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int refuse(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return LOCUST_EINVAL;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A character allowed in a registered name or user info (RFC 3986 unreserved and sub-delims). */
static bool name_char(char c)
{
    return is_alnum(c) || (c && strchr("-._~!$&'()*+,;=", c) != NULL);
}

/* Checks [s, end) as a registered name or user info; ':' allowed in user info only. */
static int check_chars(const char *s, const char *end, bool colon, const char *what, char *why, size_t len)
{
    for (const char *p = s; p < end; p++) {
        if (*p == '%') {
            if (end - p < 3 || !is_hex(p[1]) || !is_hex(p[2]))
                return refuse(why, len, "a '%%' in the %s is not followed by two hex digits", what);
            p += 2;
        } else if (!name_char(*p) && !(colon && *p == ':')) {
            unsigned char c = (unsigned char)*p;
            if (c < 0x21 || c >= 0x7f) return refuse(why, len, "the %s holds the byte 0x%02x", what, c);
            return refuse(why, len, "the %s holds '%c', which a URL does not allow there", what, c);
        }
    }
    return 0;
}

/* Checks "[v6]" at [s, end), `end` just after the ']'. */
static int check_ipv6(const char *s, const char *end, char *why, size_t len)
{
    char addr[64];
    size_t n = (size_t)(end - s) - 2;
    const char *zone = memchr(s + 1, '%', n);
    size_t an = zone ? (size_t)(zone - s - 1) : n;
    struct in6_addr a;
    if (an >= sizeof addr) return refuse(why, len, "'%.*s' is not an IPv6 address", (int)n + 2, s);
    memcpy(addr, s + 1, an);
    addr[an] = '\0';
    if (inet_pton(AF_INET6, addr, &a) != 1)
        return refuse(why, len, "'%.*s' is not an IPv6 address", (int)(end - s), s);
    /* A zone is written %25<name> in a URL (RFC 6874). */
    if (zone && (strncmp(zone, "%25", 3) != 0 || zone + 3 >= end - 1))
        return refuse(why, len, "the IPv6 zone in '%.*s' must be written %%25<name>", (int)(end - s), s);
    return 0;
}

static int check_port(const char *s, const char *end, char *why, size_t len)
{
    /* An empty port ("http://host:/") is the scheme's default. */
    long v = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return refuse(why, len, "the port '%.*s' is not a number", (int)(end - s), s);
        if (v <= 65535) v = v * 10 + (*p - '0');
    }
    if (s < end && (v < 1 || v > 65535))
        return refuse(why, len, "the port %.*s is not in 1..65535", (int)(end - s), s);
    return 0;
}

int locust_url_check(const char *url, char *why, size_t len)
{
    if (why && len) why[0] = '\0';
    if (!url || !*url) return refuse(why, len, "the URL is empty");
    const char *rest;
    if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strstr(url, "://"))
        return refuse(why, len, "only http:// and https:// URLs are supported");
    else
        return refuse(why, len, "no scheme: expected a URL such as http://%s", url);
    const char *auth_end = rest + strcspn(rest, "/?#");
    const char *host = rest;
    /* User info ends at the last '@' of the authority. */
    for (const char *p = rest; p < auth_end; p++)
        if (*p == '@') host = p + 1;
    int err = 0;
    if (host > rest && (err = check_chars(rest, host - 1, true, "user info", why, len))) return err;
    if (host == auth_end) return refuse(why, len, "no host after the scheme");
    const char *host_end;
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(auth_end - host));
        if (!close)
            return refuse(why, len, "the IPv6 address '%.*s' has no closing ']'", (int)(auth_end - host),
                          host);
        host_end = close + 1;
        if ((err = check_ipv6(host, host_end, why, len))) return err;
        if (host_end < auth_end && *host_end != ':')
            return refuse(why, len, "'%.*s' follows the IPv6 address", (int)(auth_end - host_end), host_end);
    } else {
        host_end = memchr(host, ':', (size_t)(auth_end - host));
        if (!host_end) host_end = auth_end;
        if (host_end == host) return refuse(why, len, "no host after the scheme");
        if ((err = check_chars(host, host_end, false, "host", why, len))) return err;
    }
    if (host_end < auth_end && (err = check_port(host_end + 1, auth_end, why, len))) return err;
    for (const char *p = auth_end; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c == 0x7f)
            return refuse(why, len, "the path holds %s", c == ' ' ? "a blank" : "a control character");
    }
    return 0;
}
