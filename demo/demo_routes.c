/*
 * What each route of the demo target answers. Login sessions live in a
 * fixed ring of slots, so that a long load test cannot grow the server
 * without bound: the oldest session is forgotten when the ring wraps.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <zlib.h>

#include "demo_target.h"

#define NSESSIONS 65536
#define TOKEN_LEN 32

static struct {
    char token[TOKEN_LEN + 1];
    char user[64];
} sessions[NSESSIONS];
static unsigned next_session;
static pthread_mutex_t sessions_mu = PTHREAD_MUTEX_INITIALIZER;

static const char index_html[] = "<!DOCTYPE html>\n<html><head><title>locust-demo-target</title></head>\n"
                                 "<body><h1>locust-demo-target</h1><p>A demo target for liblocust.</p>"
                                 "</body></html>\n";
static const char json_doc[] = "{\"slideshow\":{\"author\":\"Yours Truly\",\"title\":\"Sample Slide Show\","
                               "\"slides\":[{\"title\":\"Wake up to WonderWidgets!\",\"type\":\"all\"},"
                               "{\"title\":\"Overview\",\"type\":\"all\",\"items\":[\"Why WonderWidgets are "
                               "great\",\"Who buys WonderWidgets\"]}]}}";

/* The /gzip document, plain and compressed once at start. */
static char *gzip_plain, *gzip_packed;
static size_t gzip_plain_len, gzip_packed_len;

static int make_gzip(void)
{
    size_t cap = 8192;
    gzip_plain = malloc(cap);
    gzip_packed = malloc(cap);
    if (gzip_plain == NULL || gzip_packed == NULL) return -1;
    size_t n = (size_t)snprintf(gzip_plain, cap, "{\"gzipped\":true,\"data\":\"");
    while (n + 40 < cap - 64)
        n += (size_t)snprintf(gzip_plain + n, cap - n, "locust swarms the demo target. ");
    n += (size_t)snprintf(gzip_plain + n, cap - n, "\"}");
    gzip_plain_len = n;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    z.next_in = (Bytef *)gzip_plain;
    z.avail_in = (uInt)gzip_plain_len;
    z.next_out = (Bytef *)gzip_packed;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    gzip_packed_len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

int demo_routes_init(void)
{
    return make_gzip();
}

void demo_routes_free(void)
{
    free(gzip_plain);
    free(gzip_packed);
}

/* ---- answering ------------------------------------------------------------ */

/* Queues a response; `hdrs` is name, value, ..., NULL. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *ctype, const void *body,
                             size_t len, const char *const *hdrs)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) return MHD_NO;
    if (ctype != NULL) MHD_add_response_header(r, "Content-Type", ctype);
    for (size_t i = 0; hdrs != NULL && hdrs[i] != NULL; i += 2)
        MHD_add_response_header(r, hdrs[i], hdrs[i + 1]);
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    if (rc == MHD_YES && code >= 500) demo_count_server_error();
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code, const char *text)
{
    return reply(c, code, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

/* Sends a cJSON document and frees it. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned code, cJSON *doc,
                                  const char *const *hdrs)
{
    char *s = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (s == NULL) return reply_text(c, 500, "out of memory\n");
    enum MHD_Result rc = reply(c, code, "application/json", s, strlen(s), hdrs);
    free(s);
    return rc;
}

/* Parses the number after a route prefix: "/status/404" -> 404. */
static bool route_number(const char *url, const char *prefix, unsigned long max, unsigned long *out)
{
    size_t n = strlen(prefix);
    if (strncmp(url, prefix, n) != 0 || url[n] < '0' || url[n] > '9') return false;
    char *end;
    unsigned long v = strtoul(url + n, &end, 10);
    if (*end != '\0' || v > max) return false;
    *out = v;
    return true;
}

/* ---- login sessions ------------------------------------------------------- */

/* A token names its slot in its last 8 hex digits, so lookups need no search. */
static void session_new(const char *user, char token[TOKEN_LEN + 1])
{
    unsigned char rnd[12];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) memset(rnd, 0x5a, sizeof rnd);
    pthread_mutex_lock(&sessions_mu);
    unsigned slot = next_session++ % NSESSIONS;
    for (int i = 0; i < 12; i++)
        sprintf(token + 2 * i, "%02x", rnd[i]);
    sprintf(token + 24, "%08x", slot);
    memcpy(sessions[slot].token, token, TOKEN_LEN + 1);
    snprintf(sessions[slot].user, sizeof sessions[slot].user, "%s", user);
    pthread_mutex_unlock(&sessions_mu);
}

/* Copies the user of a valid token into `user`; false if the token is unknown. */
static bool session_find(const char *token, char *user, size_t n, bool remove)
{
    if (token == NULL || strlen(token) != TOKEN_LEN) return false;
    unsigned slot = (unsigned)strtoul(token + 24, NULL, 16);
    if (slot >= NSESSIONS) return false;
    bool found = false;
    pthread_mutex_lock(&sessions_mu);
    if (strcmp(sessions[slot].token, token) == 0) {
        found = true;
        if (user != NULL) snprintf(user, n, "%s", sessions[slot].user);
        if (remove) sessions[slot].token[0] = '\0';
    }
    pthread_mutex_unlock(&sessions_mu);
    return found;
}

/* A field of an application/x-www-form-urlencoded body, decoded. */
static bool form_field(const char *body, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = body; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, nl) != 0 || p[nl] != '=') continue;
        const char *v = p + nl + 1;
        size_t len = strcspn(v, "&");
        if (len >= n) len = n - 1;
        memcpy(out, v, len);
        out[len] = '\0';
        for (char *s = out; *s; s++)
            if (*s == '+') *s = ' ';
        MHD_http_unescape(out);
        return true;
    }
    return false;
}

static enum MHD_Result route_login(demo_req *q, struct MHD_Connection *c)
{
    char user[64] = "user";
    const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user");
    if (arg != NULL)
        snprintf(user, sizeof user, "%s", arg);
    else if (q->body != NULL && !form_field(q->body, "user", user, sizeof user))
        form_field(q->body, "username", user, sizeof user);
    char token[TOKEN_LEN + 1], cookie[TOKEN_LEN + 64];
    session_new(user, token);
    snprintf(cookie, sizeof cookie, "session=%s; Path=/; HttpOnly", token);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "user", user);
    const char *hdrs[] = {"Set-Cookie", cookie, NULL};
    return reply_json(c, 200, doc, hdrs);
}

static enum MHD_Result route_session(struct MHD_Connection *c, bool logout)
{
    char user[64];
    const char *token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "session");
    bool ok = session_find(token, user, sizeof user, logout);
    if (logout) {
        const char *hdrs[] = {"Set-Cookie", "session=; Max-Age=0; Path=/", NULL};
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddBoolToObject(doc, "logged_out", ok);
        return reply_json(c, 200, doc, hdrs);
    }
    if (!ok) return reply_text(c, 401, "not logged in\n");
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "user", user);
    return reply_json(c, 200, doc, NULL);
}

/* ---- the other routes ----------------------------------------------------- */

static enum MHD_Result add_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    cJSON_AddItemToObject(cls, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
    return MHD_YES;
}

static enum MHD_Result route_echo(demo_req *q, struct MHD_Connection *c, const char *url, const char *method)
{
    if (q->body_too_big) return reply_text(c, 413, "request body too large\n");
    const char *query = strchr(q->uri, '?');
    cJSON *doc = cJSON_CreateObject(), *args = cJSON_CreateObject(), *hdrs = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "method", method);
    cJSON_AddStringToObject(doc, "path", url);
    cJSON_AddStringToObject(doc, "query", query ? query + 1 : "");
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_value, args);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_value, hdrs);
    cJSON_AddItemToObject(doc, "args", args);
    cJSON_AddItemToObject(doc, "headers", hdrs);
    cJSON_AddStringToObject(doc, "body", q->body ? q->body : "");
    cJSON_AddNumberToObject(doc, "body_length", (double)q->body_len);
    /* The client's port tells a test which connection carried the request. */
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci != NULL && ci->client_addr != NULL) {
        const struct sockaddr *sa = ci->client_addr;
        unsigned port = sa->sa_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
                                                  : ntohs(((const struct sockaddr_in *)sa)->sin_port);
        cJSON_AddNumberToObject(doc, "client_port", port);
    }
    return reply_json(c, 200, doc, NULL);
}

static enum MHD_Result route_gzip(struct MHD_Connection *c)
{
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    if (ae != NULL && strstr(ae, "gzip") != NULL) {
        const char *hdrs[] = {"Content-Encoding", "gzip", "Vary", "Accept-Encoding", NULL};
        return reply(c, 200, "application/json", gzip_packed, gzip_packed_len, hdrs);
    }
    const char *hdrs[] = {"Vary", "Accept-Encoding", NULL};
    return reply(c, 200, "application/json", gzip_plain, gzip_plain_len, hdrs);
}

/* /bytes/N: N bytes of "abc...z" repeated, made as they are sent. */
static ssize_t bytes_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    uint64_t total = (uint64_t)(uintptr_t)cls;
    if (pos >= total) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = total - pos < max ? (size_t)(total - pos) : max;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + (pos + i) % 26);
    return (ssize_t)n;
}

static enum MHD_Result route_bytes(struct MHD_Connection *c, unsigned long n)
{
    struct MHD_Response *r =
        MHD_create_response_from_callback(n, 64 * 1024, bytes_cb, (void *)(uintptr_t)n, NULL);
    if (r == NULL) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

/*
 * /slow/N: the body goes out one byte at a time, one every `ms`
 * milliseconds, as a slowloris server would answer. Between two bytes the
 * connection is suspended (demo_wait.c), so no server thread waits.
 */
static ssize_t slow_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    demo_req *q = cls;
    if (pos >= q->slow_len) return MHD_CONTENT_READER_END_OF_STREAM;
    if (max == 0) return 0;
    double now = demo_mono();
    if (pos > 0 && now < q->slow_next && !demo_wait_stopping()) {
        demo_wait(q, q->slow_next - now, false);
        return 0;
    }
    q->slow_next = now + q->slow_ms / 1000.0;
    buf[0] = (char)('a' + pos % 26);
    return 1;
}

/* A query argument as a number in [0, max], or `def` when absent; false when malformed. */
static bool query_number(struct MHD_Connection *c, const char *name, unsigned long max, unsigned long def,
                         unsigned long *out)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (v == NULL) {
        *out = def;
        return true;
    }
    char *end;
    if (*v < '0' || *v > '9') return false;
    unsigned long n = strtoul(v, &end, 10);
    if (*end != '\0' || n > max) return false;
    *out = n;
    return true;
}

static enum MHD_Result route_slow(demo_req *q, struct MHD_Connection *c, unsigned long n)
{
    unsigned long ms, chunked;
    if (!query_number(c, "ms", DEMO_SLOW_MAX_MS, 10, &ms) || !query_number(c, "chunked", 1, 0, &chunked))
        return reply_text(c, 400, "usage: /slow/N?ms=MS&chunked=1 with MS <= 10000\n");
    q->slow_len = n;
    q->slow_ms = (double)ms;
    q->slow_next = 0;
    /* The reader is called again for every byte: a block size of 1 keeps MHD from asking for more. */
    struct MHD_Response *r =
        MHD_create_response_from_callback(chunked ? MHD_SIZE_UNKNOWN : n, 1, slow_cb, q, NULL);
    if (r == NULL) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* /storm?pct=P: a random 5xx P% of the time, else a 200. */
static enum MHD_Result route_storm(struct MHD_Connection *c)
{
    static const unsigned codes[] = {500, 502, 503, 504};
    unsigned long pct;
    if (!query_number(c, "pct", 100, 50, &pct))
        return reply_text(c, 400, "usage: /storm?pct=P with P <= 100\n");
    unsigned char rnd[2];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) rnd[0] = rnd[1] = 0;
    if (rnd[0] % 100 < pct) {
        unsigned code = codes[rnd[1] % 4];
        char body[64];
        snprintf(body, sizeof body, "%u %s\n", code, MHD_get_reason_phrase_for(code));
        return reply_text(c, code, body);
    }
    return reply_text(c, 200, "calm\n");
}

static enum MHD_Result route_redirect_to(struct MHD_Connection *c)
{
    const char *to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "url");
    const char *st = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
    unsigned long code = 302;
    if (st != NULL) code = strtoul(st, NULL, 10);
    if (to == NULL || strpbrk(to, "\r\n") != NULL || code < 300 || code > 308)
        return reply_text(c, 400, "usage: /redirect-to?url=URL&status=30X\n");
    const char *hdrs[] = {"Location", to, NULL};
    return reply(c, (unsigned)code, "text/plain", "", 0, hdrs);
}

enum MHD_Result demo_route(demo_req *q, struct MHD_Connection *c, const char *url, const char *method)
{
    unsigned long n;
    char loc[64];
    if (strcmp(url, "/") == 0)
        return reply(c, 200, "text/html; charset=utf-8", index_html, strlen(index_html), NULL);
    if (strcmp(url, "/login") == 0) return route_login(q, c);
    if (strcmp(url, "/logout") == 0) return route_session(c, true);
    if (strcmp(url, "/profile") == 0) return route_session(c, false);
    if (strcmp(url, "/redirect") == 0 || route_number(url, "/redirect/", 1000, &n)) {
        if (strcmp(url, "/redirect") == 0 || n <= 1)
            strcpy(loc, "/");
        else
            snprintf(loc, sizeof loc, "/redirect/%lu", n - 1);
        const char *hdrs[] = {"Location", loc, NULL};
        return reply(c, 302, "text/plain", "", 0, hdrs);
    }
    if (strcmp(url, "/redirect-to") == 0) return route_redirect_to(c);
    if (strncmp(url, "/status/", 8) == 0) {
        if (!route_number(url, "/status/", 599, &n) || n < 200)
            return reply_text(c, 400, "usage: /status/CODE with CODE in 200..599\n");
        const char *reason = MHD_get_reason_phrase_for((unsigned)n);
        char body[128];
        snprintf(body, sizeof body, "%lu %s\n", n, reason);
        return reply_text(c, (unsigned)n, n == 204 || n == 304 ? "" : body);
    }
    if (strncmp(url, "/delay/", 7) == 0) {
        if (!route_number(url, "/delay/", 60000, &n))
            return reply_text(c, 400, "usage: /delay/MS with MS <= 60000\n");
        if (!q->resumed) {
            demo_wait(q, (double)n / 1000.0, false);
            return MHD_YES;
        }
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "delay", (double)n);
        return reply_json(c, 200, doc, NULL);
    }
    if (strcmp(url, "/hang") == 0) {
        if (q->resumed) return MHD_NO; /* closes the connection without an answer */
        demo_wait(q, DEMO_HANG_SECONDS, true);
        return MHD_YES;
    }
    if (strcmp(url, "/gzip") == 0) return route_gzip(c);
    if (strcmp(url, "/json") == 0) return reply(c, 200, "application/json", json_doc, strlen(json_doc), NULL);
    if (strncmp(url, "/bytes/", 7) == 0) {
        if (!route_number(url, "/bytes/", 1024ul * 1024 * 1024, &n))
            return reply_text(c, 400, "usage: /bytes/N with N <= 1 GiB\n");
        return route_bytes(c, n);
    }
    if (strcmp(url, "/echo") == 0) return route_echo(q, c, url, method);
    if (strncmp(url, "/slow/", 6) == 0) {
        if (!route_number(url, "/slow/", DEMO_SLOW_MAX_BYTES, &n))
            return reply_text(c, 400, "usage: /slow/N with N <= 65536\n");
        return route_slow(q, c, n);
    }
    if (strcmp(url, "/storm") == 0) return route_storm(c);
    bool taken;
    enum MHD_Result auth = demo_route_auth(c, url, &taken);
    if (taken) return auth;
    if (strcmp(url, "/counter") == 0 || strcmp(url, "/counter/reset") == 0) {
        if (url[8] == '/') demo_served_reset();
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "requests", (double)demo_served());
        cJSON_AddNumberToObject(doc, "completed", (double)demo_completed());
        cJSON_AddNumberToObject(doc, "server_errors", (double)demo_server_errors());
        return reply_json(c, 200, doc, NULL);
    }
    return reply_text(c, 404, "not found\n");
}
