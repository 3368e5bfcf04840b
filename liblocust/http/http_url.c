/*
 * URL handling of the HTTP session, the way python-requests does it:
 * re-quoting, query parameters, the stats name (path_url) and the origin
 * compared when a redirect leaves the host.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"

bool locust__http_is_absolute(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/*
 * Percent-encodes what requests' requote_uri() would: every byte that is
 * neither unreserved nor reserved, leaving existing %XX escapes alone.
 */
char *locust__http_requote(const char *s)
{
    static const char safe[] = "-._~!#$%&'()*+,/:;=?@[]";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *p = out;
    if (out == NULL) return NULL;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (isalnum(*c) || (*c != '\0' && strchr(safe, *c) != NULL)) {
            *p++ = (char)*c;
        } else {
            p += sprintf(p, "%%%02X", *c);
        }
    }
    *p = '\0';
    return out;
}

/* Appends key=value pairs, escaped, to a growing string; NULL on ENOMEM. */
char *locust__http_pairs(CURL *e, char *s, const char *const *kv)
{
    size_t len = s ? strlen(s) : 0;
    for (size_t i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2) {
        char *k = curl_easy_escape(e, kv[i], 0);
        char *v = curl_easy_escape(e, kv[i + 1], 0);
        char *ns = (k && v) ? realloc(s, len + strlen(k) + strlen(v) + 3) : NULL;
        if (ns == NULL) {
            curl_free(k);
            curl_free(v);
            free(s);
            return NULL;
        }
        s = ns;
        len += (size_t)sprintf(s + len, "%s%s=%s", len ? "&" : "", k, v);
        curl_free(k);
        curl_free(v);
    }
    if (s == NULL) s = calloc(1, 1);
    return s;
}

/* Inserts query parameters before any #fragment. */
char *locust__http_add_params(CURL *e, const char *url, const char *const *params)
{
    char *q = locust__http_pairs(e, NULL, params);
    if (q == NULL) return NULL;
    if (*q == '\0') {
        free(q);
        return locust__strdup(url);
    }
    const char *hash = strchr(url, '#');
    size_t base = hash ? (size_t)(hash - url) : strlen(url);
    bool has_query = memchr(url, '?', base) != NULL;
    char *out = malloc(strlen(url) + strlen(q) + 2);
    if (out != NULL) sprintf(out, "%.*s%s%s%s", (int)base, url, has_query ? "&" : "?", q, hash ? hash : "");
    free(q);
    return out;
}

/* "scheme://host:port" of a URL, the unit requests compares to strip auth. */
char *locust__http_origin(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        out = malloc(strlen(scheme) + strlen(host) + strlen(port) + 5);
        if (out) sprintf(out, "%s://%s:%s", scheme, host, port);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

/*
 * requests' should_strip_auth(): keep credentials on the same host, scheme
 * and port, and on an http -> https upgrade with default ports.
 */
bool locust__http_same_origin(const char *a, const char *b)
{
    if (a == NULL || b == NULL) return false;
    if (strcasecmp(a, b) == 0) return true;
    const char *ha = strstr(a, "://"), *hb = strstr(b, "://");
    const char *pa = strrchr(a, ':'), *pb = strrchr(b, ':');
    return strncmp(a, "http:", 5) == 0 && strncmp(b, "https:", 6) == 0 && strcmp(pa, ":80") == 0 &&
           strcmp(pb, ":443") == 0 && pa - ha == pb - hb && strncasecmp(ha, hb, (size_t)(pa - ha)) == 0;
}

/*
 * Validates the URL, takes credentials out of it and computes the stats
 * name (requests' path_url: path, then ?query). Returns NULL with `why` set
 * when the URL is unusable.
 */
char *locust__http_parse_url(const char *url, char **name, char **user, char **password, const char **why)
{
    CURLU *u = curl_url();
    char *out = NULL, *path = NULL, *query = NULL, *scheme = NULL;
    *why = "out of memory";
    if (u == NULL) return NULL;
    /* curl reads "http:///x" as host x; requests refuses it, and so do we. */
    const char *auth = strstr(url, "://");
    if (auth != NULL && strcspn(auth + 3, "/?#") == 0) {
        *why = "No host supplied";
        goto out;
    }
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (rc != CURLUE_OK) {
        *why = curl_url_strerror(rc);
        goto out;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    if (scheme == NULL || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        *why = "only http and https URLs are supported";
        goto out;
    }
    curl_url_get(u, CURLUPART_USER, user, CURLU_URLDECODE);
    curl_url_get(u, CURLUPART_PASSWORD, password, CURLU_URLDECODE);
    curl_url_set(u, CURLUPART_USER, NULL, 0);
    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    char *full = NULL;
    if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK) goto out;
    size_t n = (path ? strlen(path) : 1) + (query ? strlen(query) + 1 : 0) + 2;
    *name = malloc(n);
    if (*name != NULL) {
        snprintf(*name, n, "%s%s%s", path && *path ? path : "/", query ? "?" : "", query ? query : "");
        out = locust__strdup(full);
        if (out == NULL) {
            free(*name);
            *name = NULL;
        }
    }
    curl_free(full);
out:
    curl_free(scheme);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return out;
}
