/*
 * Requests and responses of the web UI as handlers see them (web.h), and
 * the custom routes a scenario registers (manual ch. 10.1). Bodies are
 * buffered whole, with caps, because every route Locust has answers from
 * memory and forms are small.
 */
#include "web/web_internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Size of the form parser's buffer (MHD wants at least 256 bytes). */
#define FORM_BUFFER 4096

/* ---- requests -------------------------------------------------------------------- */

/* Collects form fields; a value can arrive in several pieces (off > 0). */
static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                const char *content_type, const char *transfer_encoding, const char *data,
                                uint64_t off, size_t size)
{
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    locust_web_request *req = cls;
    locust__web_field *f = NULL;
    if (off > 0) {
        for (size_t i = req->n_fields; i-- > 0;)
            if (strcmp(req->fields[i].name, key) == 0) {
                f = &req->fields[i];
                break;
            }
    }
    if (!f) {
        /* Fields past the cap are dropped: no route of ours needs that many. */
        if (req->n_fields == LOCUST__WEB_MAX_FIELDS) return MHD_YES;
        f = &req->fields[req->n_fields];
        f->name = locust__strdup(key);
        f->value = calloc(1, 1);
        f->len = 0;
        if (!f->name || !f->value) {
            free(f->name);
            free(f->value);
            return MHD_NO;
        }
        req->n_fields++;
    }
    if (size) {
        /* The body is capped, so a value can never outgrow it. */
        char *v = realloc(f->value, f->len + size + 1);
        if (!v) return MHD_NO;
        memcpy(v + f->len, data, size);
        f->len += size;
        v[f->len] = 0;
        f->value = v;
    }
    return MHD_YES;
}

void locust__web_request_init(locust_web_request *req, locust_web *w, struct MHD_Connection *conn,
                              const char *method, const char *path)
{
    memset(req, 0, sizeof *req);
    req->web = w;
    req->conn = conn;
    req->method = method;
    req->path = path;
    /* NULL unless the body is form-urlencoded or multipart. */
    req->pp = MHD_create_post_processor(conn, FORM_BUFFER, on_field, req);
}

void locust__web_request_feed(locust_web_request *req, const char *data, size_t len)
{
    if (req->too_big) return;
    if (len > LOCUST__WEB_MAX_BODY - req->body_len) {
        req->too_big = true;
        return;
    }
    if (req->body_len + len + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 1024;
        while (cap < req->body_len + len + 1)
            cap *= 2;
        char *b = realloc(req->body, cap);
        if (!b) {
            /* Out of memory reads as "too big": the client gets a 413, not a crash. */
            req->too_big = true;
            return;
        }
        req->body = b;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, len);
    req->body_len += len;
    req->body[req->body_len] = 0;
    if (req->pp && MHD_post_process(req->pp, data, len) != MHD_YES) {
        /* A malformed form keeps its raw body; the fields parsed so far stay. */
        MHD_destroy_post_processor(req->pp);
        req->pp = NULL;
    }
}

void locust__web_request_end_body(locust_web_request *req)
{
    if (req->pp) MHD_destroy_post_processor(req->pp);
    req->pp = NULL;
}

void locust__web_request_done(locust_web_request *req)
{
    locust__web_request_end_body(req);
    for (size_t i = 0; i < req->n_fields; i++) {
        free(req->fields[i].name);
        free(req->fields[i].value);
    }
    req->n_fields = 0;
    free(req->body);
    req->body = NULL;
}

const char *locust_web_request_method(const locust_web_request *req)
{
    return req ? req->method : NULL;
}

const char *locust_web_request_path(const locust_web_request *req)
{
    return req ? req->path : NULL;
}

const char *locust_web_request_arg(const locust_web_request *req, const char *name)
{
    if (!req || !name) return NULL;
    /* The body's form fields first (what 0.9 reads), then the query string. */
    for (size_t i = 0; i < req->n_fields; i++)
        if (strcmp(req->fields[i].name, name) == 0) return req->fields[i].value;
    return req->conn ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

const char *locust_web_request_header(const locust_web_request *req, const char *name)
{
    if (!req || !name || !req->conn) return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *locust_web_request_body(const locust_web_request *req, size_t *len)
{
    if (len) *len = req && req->body ? req->body_len : 0;
    return req && req->body ? req->body : "";
}

/* ---- responses ------------------------------------------------------------------- */

void locust__web_response_init(locust_web_response *res)
{
    memset(res, 0, sizeof *res);
    res->status = 200;
}

static void drop_headers(locust_web_response *res)
{
    for (size_t i = 0; i < res->n_headers; i++) {
        free(res->headers[i].name);
        free(res->headers[i].value);
    }
    res->n_headers = 0;
}

void locust__web_response_done(locust_web_response *res)
{
    drop_headers(res);
    free(res->body);
    res->body = NULL;
    res->len = res->cap = 0;
}

void locust_web_response_status(locust_web_response *res, int status)
{
    if (!res) return;
    if (status < 100 || status > 599) {
        /* Sent as a 500 naming the mistake rather than as a broken status line. */
        if (!res->error) res->error = LOCUST_EINVAL;
        return;
    }
    res->status = status;
}

/* An HTTP token (RFC 9110): what a header name may consist of. */
static bool is_token(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s)) return false;
    return true;
}

const char *locust__web_response_get_header(const locust_web_response *res, const char *name)
{
    for (size_t i = 0; i < res->n_headers; i++)
        if (strcasecmp(res->headers[i].name, name) == 0) return res->headers[i].value;
    return NULL;
}

int locust_web_response_header(locust_web_response *res, const char *name, const char *value)
{
    if (!res || !name || !value || !is_token(name) || strpbrk(value, "\r\n")) {
        if (res && !res->error) res->error = LOCUST_EINVAL;
        return LOCUST_EINVAL;
    }
    /* Content-Type is replaced (handlers set it over the default); others may repeat (Set-Cookie). */
    if (strcasecmp(name, "Content-Type") == 0) {
        for (size_t i = 0; i < res->n_headers; i++)
            if (strcasecmp(res->headers[i].name, name) == 0) {
                char *v = locust__strdup(value);
                if (!v) return res->error = LOCUST_ENOMEM;
                free(res->headers[i].value);
                res->headers[i].value = v;
                return 0;
            }
    }
    if (res->n_headers == LOCUST__WEB_MAX_HEADERS) return res->error = LOCUST_ETOOBIG;
    char *n = locust__strdup(name), *v = locust__strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return res->error = LOCUST_ENOMEM;
    }
    res->headers[res->n_headers].name = n;
    res->headers[res->n_headers].value = v;
    res->n_headers++;
    return 0;
}

int locust_web_response_write(locust_web_response *res, const void *data, size_t len)
{
    if (!res || (!data && len)) return LOCUST_EINVAL;
    if (len > LOCUST__WEB_MAX_RESPONSE - res->len) {
        /* Never sent cut short: the whole response becomes a 500. */
        if (!res->error) res->error = LOCUST_ETOOBIG;
        return LOCUST_ETOOBIG;
    }
    if (res->len + len + 1 > res->cap) {
        size_t cap = res->cap ? res->cap : 4096;
        while (cap < res->len + len + 1)
            cap *= 2;
        char *b = realloc(res->body, cap);
        if (!b) {
            if (!res->error) res->error = LOCUST_ENOMEM;
            return LOCUST_ENOMEM;
        }
        res->body = b;
        res->cap = cap;
    }
    if (len) memcpy(res->body + res->len, data, len);
    res->len += len;
    res->body[res->len] = 0;
    return 0;
}

static int response_vprintf(locust_web_response *res, const char *fmt, va_list ap)
{
    char small[512];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0) return LOCUST_EINVAL;
    if ((size_t)n < sizeof small) return locust_web_response_write(res, small, (size_t)n);
    if ((size_t)n > LOCUST__WEB_MAX_RESPONSE) {
        if (!res->error) res->error = LOCUST_ETOOBIG;
        return LOCUST_ETOOBIG;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        if (!res->error) res->error = LOCUST_ENOMEM;
        return LOCUST_ENOMEM;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    int err = locust_web_response_write(res, big, (size_t)n);
    free(big);
    return err;
}

int locust_web_response_printf(locust_web_response *res, const char *fmt, ...)
{
    if (!res || !fmt) return LOCUST_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    int err = response_vprintf(res, fmt, ap);
    va_end(ap);
    return err;
}

int locust__web_response_json(locust_web_response *res, int status, cJSON *doc)
{
    if (!doc) return res->error = LOCUST_ENOMEM;
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text) return res->error = LOCUST_ENOMEM;
    res->len = 0;
    res->status = status;
    int err = locust_web_response_write(res, text, strlen(text));
    if (!err) err = locust_web_response_write(res, "\n", 1);
    free(text);
    if (!err) err = locust_web_response_header(res, "Content-Type", "application/json");
    return err;
}

int locust__web_response_error(locust_web_response *res, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* An error replaces whatever a handler had started. */
    drop_headers(res);
    res->len = 0;
    res->error = 0;
    cJSON *doc = cJSON_CreateObject();
    if (doc && (!cJSON_AddStringToObject(doc, "message", msg) || !cJSON_AddFalseToObject(doc, "success"))) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    return locust__web_response_json(res, status, doc);
}

/* ---- custom routes ---------------------------------------------------------------- */

static void routes_free(void *p)
{
    locust__web_routes *rt = p;
    if (!rt) return;
    for (size_t i = 0; i < rt->n; i++) {
        free(rt->v[i].method);
        free(rt->v[i].path);
    }
    free(rt->v);
    free(rt);
}

locust__web_routes *locust__web_routes_of(locust_runner *r)
{
    return locust__runner_slot(r, LOCUST__SLOT_WEB_ROUTES);
}

/* Upper-cases a method name; NULL when it is not one ("GET", "PATCH", ...). */
static char *method_name(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 16) return NULL;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !isalpha((unsigned char)m[i])) {
            free(s);
            return NULL;
        }
        s[i] = (char)toupper((unsigned char)m[i]);
    }
    return s;
}

int locust_web_route(locust_runner *r, const char *method, const char *path, locust_web_handler fn,
                     void *udata)
{
    if (!r) return LOCUST_EINVAL;
    if (!path || path[0] != '/' || strpbrk(path, "?# \t\r\n"))
        return locust__runner_error(r, LOCUST_EINVAL,
                                    "web route: path '%s' must start with '/' and have no query",
                                    path ? path : "(null)");
    if (!fn) return locust__runner_error(r, LOCUST_EINVAL, "web route %s: no handler", path);
    char *m = NULL;
    if (method && !(m = method_name(method)))
        return locust__runner_error(r, LOCUST_EINVAL, "web route %s: '%s' is not an HTTP method", path,
                                    method);
    if (locust__web_is_builtin_path(path)) {
        free(m);
        return locust__runner_error(r, LOCUST_EEXIST, "web route %s: Locust's own route has that path", path);
    }
    locust__web_routes *rt = locust__web_routes_of(r);
    if (rt) {
        for (size_t i = 0; i < rt->n; i++) {
            if (strcmp(rt->v[i].path, path) != 0) continue;
            if (!m || !rt->v[i].method || strcmp(rt->v[i].method, m) == 0) {
                free(m);
                return locust__runner_error(r, LOCUST_EEXIST, "web route %s %s: already added",
                                            method ? method : "*", path);
            }
        }
    }
    if (rt && rt->n == LOCUST__WEB_MAX_ROUTES) {
        free(m);
        return locust__runner_error(r, LOCUST_ETOOBIG, "web route %s: at most %d custom routes", path,
                                    LOCUST__WEB_MAX_ROUTES);
    }
    if (!rt) {
        rt = calloc(1, sizeof *rt);
        if (!rt) goto nomem;
        locust__runner_set_slot(r, LOCUST__SLOT_WEB_ROUTES, rt, routes_free);
    }
    if (rt->n == rt->cap) {
        size_t cap = rt->cap ? rt->cap * 2 : 8;
        locust__web_route *v = realloc(rt->v, cap * sizeof *v);
        if (!v) goto nomem;
        rt->v = v;
        rt->cap = cap;
    }
    char *p = locust__strdup(path);
    if (!p) goto nomem;
    rt->v[rt->n++] = (locust__web_route){.method = m, .path = p, .fn = fn, .udata = udata};
    return 0;
nomem:
    free(m);
    return LOCUST_ENOMEM;
}
