/*
 * The session's cookie jar (http_cookie.c): one per user, shared by both
 * paths a hop can take (the session's own connection and curl), keeping
 * and sending cookies exactly as curl 7.88's cookie engine does.
 */
#ifndef LOCUST_HTTP_COOKIE_H
#define LOCUST_HTTP_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct locust__cookie {
    char *name, *value, *domain;
    char *path;       /* as the server gave it, or the default path: orders cookies */
    char *spath;      /* sanitized: what requests' paths are matched against */
    int64_t expires;  /* seconds since the epoch; 0: a session cookie */
    uint64_t created; /* order of creation, kept when a cookie is replaced */
    bool tailmatch;   /* sent to the domain's subdomains too */
    bool secure;
    bool domain_ip; /* the domain is an IP address: found once, asked at every request */
} locust__cookie;

/* Cookies a jar keeps at most; a Set-Cookie past that is dropped. */
#define LOCUST__COOKIE_MAX 3000
/* curl's caps: Set-Cookie headers taken from one response, cookies sent with one request. */
#define LOCUST__COOKIE_MAX_SET  50
#define LOCUST__COOKIE_MAX_SEND 150
/* curl's cap on the request bytes up to and including the Cookie header. */
#define LOCUST__COOKIE_MAX_HEADER 8190

typedef struct locust__cookie_jar {
    locust__cookie **c; /* in order of insertion */
    size_t n, cap;
    uint64_t last_created;
    int64_t next_expiry; /* the earliest expiry in the jar; INT64_MAX: unknown */
    /* Changes whenever the cookies in the jar may have changed (one taken,
     * replaced, expired or cleared): whoever keeps what it computed from the
     * jar (the wire's cached request head) knows when that is stale. */
    uint64_t gen;
} locust__cookie_jar;

/*
 * Takes one Set-Cookie header: `line` is what follows "Set-Cookie:" up to
 * and with the line end, from a response to `host` (the URL's, or a custom
 * Host header's, without port or brackets) and `path` (the URL's path;
 * what follows a '?' or '#' is ignored). `secure` says the origin is secure as curl sees it (https,
 * localhost, 127.0.0.1, ::1). `*taken` counts the cookies taken from this
 * response (curl takes at most LOCUST__COOKIE_MAX_SET). Returns false when
 * out of memory; a cookie curl would refuse is dropped silently.
 */
bool locust__cookie_add(locust__cookie_jar *j, const char *line, const char *host, const char *path,
                        bool secure, int64_t now, unsigned *taken);

/*
 * The cookies to send to `host` and `path` (as for locust__cookie_add()),
 * in curl's order, into out[] (at most LOCUST__COOKIE_MAX_SEND); returns
 * how many. Expired cookies leave the jar first.
 */
size_t locust__cookie_select(locust__cookie_jar *j, const char *host, const char *path, bool secure,
                             int64_t now, const locust__cookie **out);

/*
 * How many of the selected cookies curl writes into a request whose bytes
 * up to and with "Cookie: " are `before`: it stops before the one that
 * would take the request to LOCUST__COOKIE_MAX_HEADER. *capped tells
 * whether it stopped (the request's .cookies are then left out too).
 */
size_t locust__cookie_fit(const locust__cookie *const *sel, size_t n, size_t before, bool *capped);

/*
 * Whether the jar sends the same cookies to every path of a host (no cookie
 * in it is limited to a path below "/"), so that a request's path need not
 * be looked at again until the jar changes.
 */
bool locust__cookie_any_path(const locust__cookie_jar *j);

/* Whether curl counts an origin as secure for cookies. */
bool locust__cookie_secure_origin(bool https, const char *host);

/* The value of the first live cookie named `name`, or NULL. */
const char *locust__cookie_get(locust__cookie_jar *j, const char *name, int64_t now);
void locust__cookie_clear(locust__cookie_jar *j);

#endif /* LOCUST_HTTP_COOKIE_H */
