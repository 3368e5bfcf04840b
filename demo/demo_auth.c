/*
 * The demo target's authentication routes, as httpbin names them:
 * /digest-auth/USER/PASS demands HTTP digest authentication (RFC 7616,
 * MD5, qop=auth) and /basic-auth/USER/PASS basic authentication. The
 * digest check is libmicrohttpd's own (nonces, nonce counts and the
 * response hash), seeded with random bytes at start.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "demo_target.h"

#define REALM "locust-demo-target"
/* How long a nonce stays valid, in seconds; an older one gets a "stale" challenge. */
#define NONCE_SECONDS 300
/* The longest user name or password a route takes. */
#define MAX_CRED 64

static char nonce_random[32];

int demo_auth_init(size_t *len, const char **random)
{
    size_t got = 0;
    while (got < sizeof nonce_random) {
        ssize_t n = getrandom(nonce_random + got, sizeof nonce_random - got, 0);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    *len = sizeof nonce_random;
    *random = nonce_random;
    return 0;
}

/* Splits "/prefix/USER/PASS" into user and pass; false when it is not that. */
static bool credentials(const char *url, const char *prefix, char *user, char *pass)
{
    size_t pl = strlen(prefix);
    if (strncmp(url, prefix, pl) != 0) return false;
    const char *u = url + pl, *slash = strchr(u, '/');
    if (slash == NULL || slash == u || (size_t)(slash - u) >= MAX_CRED) return false;
    const char *p = slash + 1;
    if (*p == '\0' || strchr(p, '/') != NULL || strlen(p) >= MAX_CRED) return false;
    memcpy(user, u, (size_t)(slash - u));
    user[slash - u] = '\0';
    strcpy(pass, p);
    return true;
}

static struct MHD_Response *text_response(const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (r != NULL) MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    return r;
}

/* 200 with {"authenticated": true, "user": USER}. */
static enum MHD_Result granted(struct MHD_Connection *c, const char *user)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddBoolToObject(doc, "authenticated", true);
    cJSON_AddStringToObject(doc, "user", user);
    char *s = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (s == NULL) return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* The nonce count (nc=) of the request's Digest credentials, 0 when none. */
static unsigned long nonce_count(struct MHD_Connection *c)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *nc = a != NULL && strncmp(a, "Digest ", 7) == 0 ? strstr(a, "nc=") : NULL;
    return nc != NULL ? strtoul(nc + 3, NULL, 16) : 0;
}

static enum MHD_Result digest(struct MHD_Connection *c, const char *user, const char *pass)
{
    char *given = MHD_digest_auth_get_username(c);
    bool named = given != NULL && strcmp(given, user) == 0;
    int ok = MHD_NO;
    if (named) ok = MHD_digest_auth_check2(c, REALM, user, pass, NONCE_SECONDS, MHD_DIGEST_ALG_MD5);
    if (given != NULL) MHD_free(given);
    if (ok == MHD_YES) return granted(c, user);
    /*
     * A challenge (401 with WWW-Authenticate: Digest ...), "stale" when the
     * nonce was: expired, or reused (nc > 1) and refused. libmicrohttpd
     * 0.9.75 refuses a reused nonce that its table of nonce counts lost
     * (one table for all clients) as it refuses wrong credentials, so a
     * refused reuse is answered as stale: the client answers a fresh nonce
     * with nc=1 once, and wrong credentials are then refused for good.
     * (0.9.75 files every nonce of the same second under one slot of that
     * table, so digest users at once still lose some: the route is for
     * functional tests, not digest load.)
     */
    bool stale = ok == MHD_INVALID_NONCE || (named && nonce_count(c) > 1);
    struct MHD_Response *r = text_response("digest authentication required\n");
    if (r == NULL) return MHD_NO;
    enum MHD_Result rc =
        MHD_queue_auth_fail_response2(c, REALM, "locust", r, stale ? MHD_YES : MHD_NO, MHD_DIGEST_ALG_MD5);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result basic(struct MHD_Connection *c, const char *user, const char *pass)
{
    char *pw = NULL, *given = MHD_basic_auth_get_username_password(c, &pw);
    bool ok = given != NULL && pw != NULL && strcmp(given, user) == 0 && strcmp(pw, pass) == 0;
    if (given != NULL) MHD_free(given);
    if (pw != NULL) MHD_free(pw);
    if (ok) return granted(c, user);
    struct MHD_Response *r = text_response("basic authentication required\n");
    if (r == NULL) return MHD_NO;
    enum MHD_Result rc = MHD_queue_basic_auth_fail_response(c, REALM, r);
    MHD_destroy_response(r);
    return rc;
}

enum MHD_Result demo_route_auth(struct MHD_Connection *c, const char *url, bool *taken)
{
    char user[MAX_CRED], pass[MAX_CRED];
    *taken = true;
    if (credentials(url, "/digest-auth/", user, pass)) return digest(c, user, pass);
    if (credentials(url, "/basic-auth/", user, pass)) return basic(c, user, pass);
    *taken = false;
    return MHD_NO;
}
