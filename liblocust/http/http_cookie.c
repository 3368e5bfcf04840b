/*
 * The session's cookie jar. Both paths of a hop use it (the session's own
 * connection writes the Cookie header from it; curl gets it as
 * CURLOPT_COOKIE, its own engine off), so a session that logged in keeps
 * the fast path, and the cookies it sends do not depend on the path.
 *
 * The rules are curl 7.88's (lib/cookie.c, the version Debian links, with
 * Debian's security fixes), so
 * that a session sends exactly what it sent when the jar was curl's: the
 * Set-Cookie parsing with its quirks (a first pair without '=' drops the
 * cookie, a TAB in a value drops it, "secure" only from a secure origin),
 * the domain attribute (tail match, an IP address only as itself, public
 * suffixes refused through libpsl), the default path, Max-Age over
 * Expires, deletion by expiry, replacement by name, domain and path, no
 * plain cookie laid over a secure one, the __Secure- and __Host- prefixes,
 * and on sending: host and path matching, secure only to a secure origin,
 * curl's order (longer path, longer domain, longer name, then newer first)
 * and its caps. tests/test_http_cookies.c holds the two against each other
 * over a corpus.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "http/http_cookie.h"

/* curl's limits on one Set-Cookie line and on a name or value. */
#define MAX_LINE 5000
#define MAX_NAME 4096

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_ip(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The domain matches the host or is a parent domain of it. */
static bool tail_match(const char *domain, const char *host)
{
    size_t dl = strlen(domain), hl = strlen(host);
    if (hl < dl || strcasecmp(domain, host + hl - dl) != 0) return false;
    return hl == dl || host[hl - dl - 1] == '.';
}

/* The last two labels of a name: curl only looks at cookies filed under the host's. */
static const char *top_domain(const char *d)
{
    const char *last = strrchr(d, '.'), *first = NULL;
    if (last != NULL)
        for (const char *p = last; p > d; p--)
            if (p[-1] == '.') {
                first = p;
                break;
            }
    return first ? first : d;
}

/* Whether curl files `host` and `domain` together; hi and di: whether each is an IP address
 * (is_ip(), which the callers know: inet_pton() cost ~450 instructions per request here). */
static bool same_file(const char *host, bool hi, const char *domain, bool di)
{
    if (hi || di) return hi && di;
    return strcasecmp(top_domain(host), top_domain(domain)) == 0;
}

/* RFC 6265 5.1.4 path-match, as curl does it (the query is not part of the path). */
static bool path_match(const char *cookie_path, const char *req)
{
    size_t cl = strlen(cookie_path);
    if (cl == 1) return true;
    size_t ul = strcspn(req, "?#");
    if (ul == 0 || req[0] != '/') req = "/", ul = 1;
    if (ul < cl || strncmp(cookie_path, req, cl) != 0) return false;
    return ul == cl || req[cl] == '/';
}

/* Quotes off, a path that is no absolute path is "/", one trailing '/' off. */
static char *sanitize_path(const char *p)
{
    size_t n = strlen(p);
    if (n > 0 && p[0] == '"') p++, n--;
    if (n > 0 && p[n - 1] == '"') n--;
    if (n == 0 || p[0] != '/') return locust__strdup("/");
    if (p[n - 1] == '/') n--;
    char *s = malloc(n + 1);
    if (s == NULL) return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Control bytes but TAB, and DEL, are refused in names and values. */
static bool bad_octets(const char *p)
{
    for (; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) return true;
    return false;
}

static void cookie_free(locust__cookie *c)
{
    if (c == NULL) return;
    free(c->name);
    free(c->value);
    free(c->domain);
    free(c->path);
    free(c->spath);
    free(c);
}

static bool set_str(char **dst, const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL) return false;
    memcpy(p, s, n);
    p[n] = '\0';
    free(*dst);
    *dst = p;
    return true;
}

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static psl_ctx_t *psl;

static void psl_load(void)
{
    /* The system's list, else the one built into libpsl, as curl picks it. */
    psl = psl_latest(NULL);
    if (psl == NULL) psl = (psl_ctx_t *)psl_builtin();
}

static void remove_expired(locust__cookie_jar *j, int64_t now)
{
    if (now < j->next_expiry && j->next_expiry != INT64_MAX) return;
    j->next_expiry = INT64_MAX;
    size_t o = 0;
    for (size_t i = 0; i < j->n; i++) {
        locust__cookie *c = j->c[i];
        if (c->expires && c->expires < now) {
            cookie_free(c);
            j->gen++;
            continue;
        }
        if (c->expires && c->expires < j->next_expiry) j->next_expiry = c->expires;
        j->c[o++] = c;
    }
    j->n = o;
}

/* What parsing the attributes leaves besides the cookie itself. */
typedef struct attrs {
    char *maxage, *expires;
    bool have_maxage, have_expires, prefix_secure, prefix_host;
} attrs;

/* One "name=value" pair of the line; false drops the cookie. */
static bool parse_pair(locust__cookie *c, attrs *a, const char *ptr, const char *host, bool secure)
{
    size_t nlen = strcspn(ptr, ";\t\r\n=");
    if (nlen == 0) return true; /* no name: the pair is ignored */
    if (nlen >= MAX_NAME - 1) return false;
    const char *q = ptr + nlen, *what = "";
    size_t len = 0;
    while (*q && is_space(*q))
        q++;
    if (*q == '=') {
        len = strcspn(q + 1, ";\r\n");
        what = q + 1;
        if (len >= MAX_NAME - 1) return false;
    }
    if (nlen + len > MAX_NAME) return false;
    bool sep = ptr[nlen] == '=';
    while (nlen > 0 && is_blank(ptr[nlen - 1]))
        nlen--;
    while (len > 0 && is_blank(what[len - 1]))
        len--;
    const char *wp = what, *wend = what + len;
    while (wp < wend && is_blank(*wp))
        wp++;
    if (memchr(wp, '\t', (size_t)(wend - wp)) != NULL) return false;
    char name[MAX_NAME], val[MAX_NAME];
    memcpy(name, ptr, nlen);
    name[nlen] = '\0';
    memcpy(val, wp, (size_t)(wend - wp));
    val[wend - wp] = '\0';
    if (nlen > 3 && name[0] == '_' && name[1] == '_') {
        if (strncasecmp(name, "__Secure-", 9) == 0)
            a->prefix_secure = true;
        else if (strncasecmp(name, "__Host-", 7) == 0)
            a->prefix_host = true;
    }
    if (c->name == NULL) {
        if (!sep) return false;
        if (!set_str(&c->name, name, nlen) || !set_str(&c->value, val, strlen(val))) return false;
        return !bad_octets(val) && !bad_octets(name);
    }
    if (len == 0) {
        if (strcasecmp(name, "secure") == 0) {
            if (!secure) return false;
            c->secure = true;
            return true;
        }
        if (strcasecmp(name, "httponly") == 0 || !sep) return true;
    }
    if (strcasecmp(name, "path") == 0) {
        free(c->spath);
        c->spath = NULL;
        return set_str(&c->path, val, strlen(val)) && (c->spath = sanitize_path(val)) != NULL;
    }
    if (strcasecmp(name, "domain") == 0 && val[0]) {
        const char *d = val[0] == '.' ? val + 1 : val;
        bool ip = is_ip(host);
        if ((ip && strcmp(d, host) == 0) || (!ip && tail_match(d, host))) {
            if (!ip) c->tailmatch = true;
            return set_str(&c->domain, d, strlen(d));
        }
        return false;
    }
    if (strcasecmp(name, "max-age") == 0) {
        a->have_maxage = true;
        return set_str(&a->maxage, val, strlen(val));
    }
    if (strcasecmp(name, "expires") == 0) {
        a->have_expires = true;
        return set_str(&a->expires, val, strlen(val));
    }
    return true; /* version and unknown attributes */
}

/* Max-Age (which wins) or Expires into c->expires, as curl reads them. */
static void expiry(locust__cookie *c, const attrs *a, int64_t now)
{
    if (a->have_maxage) {
        const char *s = a->maxage[0] == '"' ? a->maxage + 1 : a->maxage;
        while (is_blank(*s))
            s++;
        char *end;
        errno = 0;
        long long v = *s == '-' || is_space(*s) ? 0 : strtoll(s, &end, 10);
        if (*s == '-' || is_space(*s) || (errno != ERANGE && end == s))
            c->expires = 1; /* negative or no number: expired */
        else if (errno == ERANGE)
            c->expires = INT64_MAX;
        else if (v == 0)
            c->expires = 1;
        else if (INT64_MAX - now < v)
            c->expires = INT64_MAX;
        else
            c->expires = v + now;
    } else if (a->have_expires) {
        time_t t = curl_getdate(a->expires, NULL);
        c->expires = t == 0 ? 1 : t < 0 ? 0 : (int64_t)t;
    }
}

/* Whether a plain cookie from a plain origin would lie over a secure one (curl refuses it). */
static bool overlays_secure(const locust__cookie *old, const locust__cookie *c, bool secure)
{
    if (strcasecmp(old->name, c->name) != 0 || strcasecmp(old->domain, c->domain) != 0) return false;
    if (old->spath == NULL || c->spath == NULL || !old->secure || c->secure || secure) return false;
    const char *sep = strchr(old->spath + (old->spath[0] ? 1 : 0), '/');
    size_t n = sep ? (size_t)(sep - old->spath) : strlen(old->spath);
    return strncasecmp(old->spath, c->spath, n) == 0;
}

static bool replaces(const locust__cookie *old, const locust__cookie *c)
{
    if (strcasecmp(old->name, c->name) != 0 || strcasecmp(old->domain, c->domain) != 0 ||
        old->tailmatch != c->tailmatch)
        return false;
    if (old->spath && c->spath) return strcasecmp(old->spath, c->spath) == 0;
    return !old->spath && !c->spath;
}

/* Files a parsed cookie (taken): replaces its older self or joins the jar. */
static bool file_cookie(locust__cookie_jar *j, locust__cookie *c, const char *host, bool secure, int64_t now)
{
    remove_expired(j, now);
    j->gen++; /* whatever becomes of c below, the jar may change */
    c->domain_ip = is_ip(c->domain);
    if (!c->domain_ip) {
        pthread_once(&psl_once, psl_load);
        /* libpsl compares case-sensitively: both lower case, as Debian's curl
         * does since the fix of CVE-2023-46218 (longer names are refused). */
        char lh[256], ld[256];
        size_t hl = strlen(host), dl = strlen(c->domain);
        bool ok = hl < sizeof lh && dl < sizeof ld;
        for (size_t i = 0; ok && i <= hl; i++)
            lh[i] = (char)tolower((unsigned char)host[i]);
        for (size_t i = 0; ok && i <= dl; i++)
            ld[i] = (char)tolower((unsigned char)c->domain[i]);
        if (psl != NULL && (!ok || !psl_is_cookie_domain_acceptable(psl, lh, ld))) {
            cookie_free(c);
            return true;
        }
    }
    locust__cookie *old = NULL;
    size_t at = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (!same_file(c->domain, c->domain_ip, j->c[i]->domain, j->c[i]->domain_ip)) continue;
        if (overlays_secure(j->c[i], c, secure)) {
            cookie_free(c);
            return true;
        }
        if (old == NULL && replaces(j->c[i], c)) old = j->c[at = i];
    }
    if (old != NULL) {
        c->created = old->created;
        cookie_free(old);
        j->c[at] = c;
    } else {
        if (j->n == LOCUST__COOKIE_MAX) {
            cookie_free(c);
            return true;
        }
        if (j->n == j->cap) {
            size_t cap = j->cap ? j->cap * 2 : 8;
            locust__cookie **p = realloc(j->c, cap * sizeof *p);
            if (p == NULL) {
                cookie_free(c);
                return false;
            }
            j->c = p;
            j->cap = cap;
        }
        j->c[j->n++] = c;
    }
    if (c->expires && c->expires < j->next_expiry) j->next_expiry = c->expires;
    return true;
}

bool locust__cookie_add(locust__cookie_jar *j, const char *line, const char *host, const char *path,
                        bool secure, int64_t now, unsigned *taken)
{
    if (*taken >= LOCUST__COOKIE_MAX_SET || strlen(line) > MAX_LINE) return true;
    locust__cookie *c = calloc(1, sizeof *c);
    if (c == NULL) return false;
    attrs a = {0};
    bool ok = true;
    while (is_blank(*line))
        line++;
    /* Pairs separated by ';', blanks after each ';' skipped; nothing after the last ';' ends it. */
    for (const char *ptr = line;;) {
        if (!parse_pair(c, &a, ptr, host, secure)) {
            ok = false;
            break;
        }
        const char *semi = strchr(ptr, ';');
        if (semi == NULL) break;
        ptr = semi + 1;
        while (is_blank(*ptr))
            ptr++;
        if (*ptr == '\0') break;
    }
    if (ok) expiry(c, &a, now);
    free(a.maxage);
    free(a.expires);
    bool mem = true;
    if (ok && c->domain == NULL) ok = mem = set_str(&c->domain, host, strlen(host));
    if (ok && c->path == NULL) {
        const char *slash = NULL;
        for (const char *p = path; *p && *p != '?' && *p != '#'; p++)
            if (*p == '/') slash = p;
        if (slash != NULL)
            ok = mem =
                set_str(&c->path, path, (size_t)(slash - path) + 1) && (c->spath = sanitize_path(c->path));
    }
    if (!ok || c->name == NULL) {
        cookie_free(c);
        return mem;
    }
    (*taken)++;
    bool prefix_ok = (!a.prefix_secure || c->secure) &&
                     (!a.prefix_host || (c->secure && c->path && strcmp(c->path, "/") == 0 && !c->tailmatch));
    if (!prefix_ok) {
        cookie_free(c);
        return true;
    }
    c->created = ++j->last_created;
    return file_cookie(j, c, host, secure, now);
}

static int by_curl_order(const void *pa, const void *pb)
{
    const locust__cookie *a = *(const locust__cookie *const *)pa, *b = *(const locust__cookie *const *)pb;
    size_t la = a->path ? strlen(a->path) : 0, lb = b->path ? strlen(b->path) : 0;
    if (la != lb) return la > lb ? -1 : 1;
    la = strlen(a->domain), lb = strlen(b->domain);
    if (la != lb) return la > lb ? -1 : 1;
    la = strlen(a->name), lb = strlen(b->name);
    if (la != lb) return la > lb ? -1 : 1;
    return a->created > b->created ? -1 : 1; /* the newer first */
}

size_t locust__cookie_select(locust__cookie_jar *j, const char *host, const char *path, bool secure,
                             int64_t now, const locust__cookie **out)
{
    if (j->n == 0) return 0;
    remove_expired(j, now);
    bool ip = is_ip(host);
    size_t n = 0;
    for (size_t i = 0; i < j->n && n < LOCUST__COOKIE_MAX_SEND; i++) {
        const locust__cookie *c = j->c[i];
        if ((c->secure && !secure) || !same_file(host, ip, c->domain, c->domain_ip)) continue;
        bool dom = (c->tailmatch && !ip && tail_match(c->domain, host)) ||
                   ((!c->tailmatch || ip) && strcasecmp(host, c->domain) == 0);
        if (dom && (c->spath == NULL || path_match(c->spath, path))) out[n++] = c;
    }
    qsort(out, n, sizeof *out, by_curl_order);
    return n;
}

size_t locust__cookie_fit(const locust__cookie *const *sel, size_t n, size_t before, bool *capped)
{
    size_t len = before;
    *capped = false;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(sel[i]->name), vl = strlen(sel[i]->value);
        if (len + nl + vl + 1 >= LOCUST__COOKIE_MAX_HEADER) {
            *capped = true;
            return i;
        }
        len += (i ? 2 : 0) + nl + 1 + vl;
    }
    return n;
}

bool locust__cookie_any_path(const locust__cookie_jar *j)
{
    /* path_match() takes any request path for a path of at most one byte
     * (the sanitized "/" is ""). */
    for (size_t i = 0; i < j->n; i++)
        if (j->c[i]->spath != NULL && strlen(j->c[i]->spath) > 1) return false;
    return true;
}

bool locust__cookie_secure_origin(bool https, const char *host)
{
    return https || strcasecmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
           strcmp(host, "::1") == 0;
}

const char *locust__cookie_get(locust__cookie_jar *j, const char *name, int64_t now)
{
    remove_expired(j, now);
    for (size_t i = 0; i < j->n; i++)
        if (strcmp(j->c[i]->name, name) == 0) return j->c[i]->value;
    return NULL;
}

void locust__cookie_clear(locust__cookie_jar *j)
{
    for (size_t i = 0; i < j->n; i++)
        cookie_free(j->c[i]);
    free(j->c);
    *j = (locust__cookie_jar){.next_expiry = INT64_MAX, .gen = j->gen + 1};
}
