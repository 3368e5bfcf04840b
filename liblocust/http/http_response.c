/*
 * Responses of the HTTP session: what curl's header and write callbacks
 * collect, the accessors, catch_response and the single report of every
 * request to the statistics.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"

/*
 * Released responses are kept, with their buffers, for the next request of
 * any user on this thread: a request then costs no allocation for its
 * response, its strings, headers or a body that fits. Only requests in flight
 * and responses a task still holds need one, so a few serve any number of
 * users, and idle users hold none. The pool is per thread because runners on
 * different threads share nothing; it is bounded, and so is what a kept
 * response may hold.
 */
#define SPARE_KEEP     64
#define SPARE_MAX_BODY (64u * 1024)
#define SPARE_MAX_STR  4096u
static LOCUST__TLS_FAST locust_response *spare;
static LOCUST__TLS_FAST unsigned spare_n;

bool locust__response_str(char **dst, size_t *cap, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > *cap) {
        size_t c = n < 64 ? 64 : n;
        char *p = realloc(*dst, c);
        if (p == NULL) return false;
        *dst = p;
        *cap = c;
    }
    memcpy(*dst, s, n);
    return true;
}

static void response_free(locust_response *r)
{
    locust__response_more_free(r);
    free(r->method);
    free(r->name);
    free(r->reason);
    free(r->url);
    free(r->error);
    free(r->hdrs);
    free(r->body);
    free(r);
}

/* A string buffer too big to keep is dropped, so a pooled response stays small. */
static void trim(char **s, size_t *cap, size_t max)
{
    if (*cap > max) {
        free(*s);
        *s = NULL;
        *cap = 0;
    }
}

static void response_recycle(locust_response *r)
{
    if (spare_n >= SPARE_KEEP) {
        response_free(r);
        return;
    }
    free(r->error);
    locust__response_more_free(r);
    trim(&r->method, &r->method_cap, SPARE_MAX_STR);
    trim(&r->name, &r->name_cap, SPARE_MAX_STR);
    trim(&r->reason, &r->reason_cap, SPARE_MAX_STR);
    trim(&r->url, &r->url_cap, SPARE_MAX_STR);
    trim(&r->hdrs, &r->hdrs_cap, SPARE_MAX_BODY);
    trim(&r->body, &r->body_cap, SPARE_MAX_BODY);
    /* Everything but the buffers goes back to its initial state. */
    *r = (locust_response){
        .method = r->method,
        .method_cap = r->method_cap,
        .name = r->name,
        .name_cap = r->name_cap,
        .reason = r->reason,
        .reason_cap = r->reason_cap,
        .url = r->url,
        .url_cap = r->url_cap,
        .hdrs = r->hdrs,
        .hdrs_cap = r->hdrs_cap,
        .body = r->body,
        .body_cap = r->body_cap,
        .next = spare,
    };
    spare = r;
    spare_n++;
}

void locust__response_pool_drain(void)
{
    while (spare != NULL) {
        locust_response *r = spare;
        spare = r->next;
        response_free(r);
    }
    spare_n = 0;
}

void locust__http_pools_drain(void)
{
    locust__response_pool_drain();
    locust__wire_pool_drain();
}

locust_response *locust__response_new(locust_http *h, const char *method, const char *name,
                                      bool catch_response)
{
    locust_response *r = spare;
    if (r != NULL) {
        spare = r->next;
        spare_n--;
        r->next = NULL;
    } else if ((r = calloc(1, sizeof *r)) == NULL) {
        return NULL;
    }
    if (!locust__response_str(&r->method, &r->method_cap, method) ||
        !locust__response_str(&r->name, &r->name_cap, name) ||
        (r->reason_cap == 0 && !locust__response_str(&r->reason, &r->reason_cap, ""))) {
        response_free(r);
        return NULL;
    }
    r->reason[0] = '\0'; /* a recycled response keeps its buffer: no copy of "" needed */
    if (r->body != NULL) r->body[0] = '\0';
    if (r->url != NULL) r->url[0] = '\0';
    r->http = h;
    r->catch_response = catch_response;
    r->in_flight = true;
    r->next = NULL;
    locust__list_push_head(&h->responses, &r->link);
    return r;
}

void locust__response_reset_hop(locust_response *r)
{
    r->status = 0;
    r->reason[0] = '\0';
    r->hdrs_len = 0;
    r->body_len = 0;
    if (r->body != NULL) r->body[0] = '\0';
}

/* ---- Python-style error texts ------------------------------------------- */

char *locust__py_exc_repr(const char *type, const char *msg)
{
    /* Python's str repr: single quotes unless the text has ' and no ". */
    char q = (strchr(msg, '\'') != NULL && strchr(msg, '"') == NULL) ? '"' : '\'';
    size_t tlen = strlen(type), mlen = strlen(msg);
    char *out = malloc(tlen + 4 * mlen + 5);
    if (out == NULL) return NULL;
    char *p = out;
    memcpy(p, type, tlen);
    p += tlen;
    *p++ = '(';
    *p++ = q;
    for (const unsigned char *s = (const unsigned char *)msg; *s; s++) {
        if (*s == '\\' || *s == (unsigned char)q) {
            *p++ = '\\';
            *p++ = (char)*s;
        } else if (*s == '\n') {
            *p++ = '\\', *p++ = 'n';
        } else if (*s == '\r') {
            *p++ = '\\', *p++ = 'r';
        } else if (*s == '\t') {
            *p++ = '\\', *p++ = 't';
        } else if (*s < 0x20 || *s == 0x7f) {
            p += sprintf(p, "\\x%02x", *s);
        } else {
            *p++ = (char)*s;
        }
    }
    *p++ = q;
    *p++ = ')';
    *p = '\0';
    return out;
}

int locust__response_set_error(locust_response *r, const char *type, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *e = locust__py_exc_repr(type, msg);
    if (e == NULL) return LOCUST_ENOMEM;
    free(r->error);
    r->error = e;
    return 0;
}

/* ---- curl callbacks ------------------------------------------------------ */

/*
 * Stores one header as "name\0value\0": one capacity check and two copies
 * per header (every header of every response passes here).
 */
static bool hdrs_append(locust_response *r, const char *k, size_t kn, const char *v, size_t vn)
{
    size_t need = r->hdrs_len + kn + vn + 2;
    if (need > r->hdrs_cap) {
        size_t cap = r->hdrs_cap ? r->hdrs_cap : 512;
        while (cap < need)
            cap *= 2;
        if (cap > LOCUST__HTTP_MAX_HEADER_BYTES) return false;
        char *p = realloc(r->hdrs, cap);
        if (p == NULL) return false;
        r->hdrs = p;
        r->hdrs_cap = cap;
    }
    char *d = r->hdrs + r->hdrs_len;
    memcpy(d, k, kn);
    d[kn] = '\0';
    memcpy(d + kn + 1, v, vn);
    d[kn + 1 + vn] = '\0';
    r->hdrs_len = need;
    return true;
}

/*
 * atoi() of the digits at [c, end): the usual short code is read here,
 * anything else (signs, overlong numbers) by atoi() itself, whose result
 * it must equal (strtol() costs ~150 instructions per response).
 */
static int status_atoi(const char *c, const char *end)
{
    int v = 0;
    const char *d = c;
    for (; d < end && d - c < 9 && *d >= '0' && *d <= '9'; d++)
        v = v * 10 + (*d - '0');
    if (d > c && (d == end || *d < '0' || *d > '9')) return v;
    char code[24];
    size_t cl = (size_t)(end - c) < sizeof code - 1 ? (size_t)(end - c) : sizeof code - 1;
    memcpy(code, c, cl);
    code[cl] = '\0';
    return atoi(code);
}

/* Parses "HTTP/1.1 404 Not Found": a new response starts (1xx, next hop). */
static bool status_line(locust_response *r, const char *s, size_t n)
{
    r->hdrs_len = 0;
    const char *sp = memchr(s, ' ', n);
    if (sp == NULL) return true;
    size_t rest = n - (size_t)(sp + 1 - s);
    const char *reason = memchr(sp + 1, ' ', rest);
    size_t rlen = reason ? n - (size_t)(reason + 1 - s) : 0;
    if (rlen > 256) rlen = 256;
    if (rlen + 1 > r->reason_cap) {
        char *p = realloc(r->reason, rlen + 1);
        if (p == NULL) return false;
        r->reason = p;
        r->reason_cap = rlen + 1;
    }
    if (reason) memcpy(r->reason, reason + 1, rlen);
    r->reason[rlen] = '\0';
    /* atoi() of the code, but within the line: the session's own connection
     * hands lines that are not NUL-terminated (curl's are), and what follows
     * one in its read buffer must not be read as a status code. */
    const char *c = sp + 1, *end = s + n;
    while (c < end && isspace((unsigned char)*c))
        c++;
    r->status = status_atoi(c, end);
    return true;
}

/*
 * A Set-Cookie line into the session's jar, on either path, as curl's engine
 * takes it: the whole line after "Set-Cookie:" (curl measures it with its
 * line end). Apart from its caller so that the caller, which every header
 * passes through, does not set up this one's 5 kB stack frame.
 */
static __attribute__((noinline)) void take_cookie(locust_http *h, const char *buf, size_t total)
{
    char line[5001];
    memcpy(line, buf + 11, total - 11);
    line[total - 11] = '\0';
    locust__hop_take_cookie(h, line);
}

size_t locust__http_header_field(locust_http *h, const char *buf, size_t total, size_t len, const char *colon)
{
    if (colon - buf == 10 && (buf[0] | 0x20) == 's' && strncasecmp(buf, "Set-Cookie", 10) == 0 &&
        total - 11 <= 5000)
        take_cookie(h, buf, total);
    const char *v = colon + 1, *end = buf + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (!hdrs_append(h->cur, buf, (size_t)(colon - buf), v, (size_t)(end - v))) {
        h->headers_too_big = true;
        return 0; /* aborts the transfer */
    }
    return total;
}

size_t locust__http_header_cb(char *buf, size_t size, size_t n, void *udata)
{
    locust_http *h = udata;
    size_t len = size * n, total = len;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) return status_line(h->cur, buf, len) ? total : 0;
    const char *colon = memchr(buf, ':', len);
    if (len == 0 || colon == NULL || buf[0] == ' ' || buf[0] == '\t') return total;
    return locust__http_header_field(h, buf, total, len, colon);
}

/* A redirect the session will follow: its body is read and thrown away. */
static bool followed_redirect(locust_http *h, const locust_response *r)
{
    int s = r->status;
    return h->follow && (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) &&
           locust_response_header(r, "Location") != NULL;
}

size_t locust__http_write_cb(char *buf, size_t size, size_t n, void *udata)
{
    locust_http *h = udata;
    locust_response *r = h->cur;
    size_t len = size * n;
    if (followed_redirect(h, r)) return len;
    if (h->stream != NULL) {
        h->streamed += (int64_t)len;
        if (h->stream(buf, len, h->stream_udata) != 0) {
            h->stream_stopped = true;
            return 0;
        }
        return len;
    }
    if (r->body_len + len > h->max_body) {
        h->body_too_big = true;
        return 0;
    }
    if (r->body_len + len + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + len + 1)
            cap *= 2;
        if (cap > h->max_body + 1) cap = h->max_body + 1;
        char *p = realloc(r->body, cap);
        if (p == NULL) {
            h->body_too_big = true;
            return 0;
        }
        r->body = p;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, buf, len);
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return len;
}

/* ---- reporting ----------------------------------------------------------- */

static void report_success(locust_response *r)
{
    locust_report_success(r->http->runner, r->method, r->name, r->elapsed_ms, r->length);
    r->reported = true;
}

static void report_failure(locust_response *r, const char *error)
{
    locust_report_failure(r->http->runner, r->method, r->name, r->elapsed_ms, error);
    r->reported = true;
}

void locust__response_report(locust_response *r, const char *fail_msg)
{
    if (fail_msg != NULL) {
        /* Like a ResponseError raised inside Python's `with` block. */
        char *e = locust__py_exc_repr("CatchResponseError", fail_msg);
        report_failure(r, e ? e : fail_msg);
        free(e);
    } else if (r->error != NULL) {
        report_failure(r, r->error);
    } else {
        report_success(r);
    }
}

void locust__response_release(locust_response *r, const char *fail_msg)
{
    if (!r->in_flight && r->catch_response && !r->reported) locust__response_report(r, fail_msg);
    locust__list_remove(&r->link);
    cJSON_Delete(r->json);
    response_recycle(r);
}

/* ---- the public accessors ------------------------------------------------ */

int locust_response_status(const locust_response *r)
{
    return r ? r->status : 0;
}

const char *locust_response_reason(const locust_response *r)
{
    return r && r->reason ? r->reason : "";
}

const char *locust_response_header(const locust_response *r, const char *name)
{
    if (r == NULL || name == NULL) return NULL;
    const char *found = NULL;
    for (size_t off = 0; off < r->hdrs_len;) {
        const char *k = r->hdrs + off;
        const char *v = k + strlen(k) + 1;
        if (strcasecmp(k, name) == 0) found = v;
        off = (size_t)(v + strlen(v) + 1 - r->hdrs);
    }
    return found;
}

const void *locust_response_body(const locust_response *r, size_t *len)
{
    if (len != NULL) *len = r && r->body ? r->body_len : 0;
    return r && r->body ? r->body : "";
}

const char *locust_response_text(const locust_response *r)
{
    return r && r->body ? r->body : "";
}

const struct cJSON *locust_response_json(locust_response *r, int *err)
{
    if (r == NULL) {
        if (err) *err = LOCUST_EINVAL;
        return NULL;
    }
    if (!r->json_done) {
        r->json_done = true;
        /* The body must be one JSON value and nothing else, as json.loads wants. */
        if (r->body != NULL && strlen(r->body) == r->body_len)
            r->json = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1);
    }
    if (err) *err = r->json ? 0 : LOCUST_EJSON;
    return r->json;
}

const char *locust_response_url(const locust_response *r)
{
    return r && r->url ? r->url : "";
}

int locust_response_redirects(const locust_response *r)
{
    return r ? r->redirects : 0;
}

double locust_response_elapsed(const locust_response *r)
{
    return r ? r->elapsed_ms : 0.0;
}

bool locust_response_ok(const locust_response *r)
{
    return r && r->error == NULL && r->status > 0 && r->status < 400;
}

const char *locust_response_error(const locust_response *r)
{
    return r ? r->error : NULL;
}

void locust_response_success(locust_response *r)
{
    if (r == NULL) return;
    if (!r->catch_response) {
        locust_log(LOCUST_LOG_WARNING, "locust.clients",
                   "locust_response_success: %s %s was made without catch_response; ignored", r->method,
                   r->name);
        return;
    }
    report_success(r);
}

void locust_response_failure(locust_response *r, const char *fmt, ...)
{
    if (r == NULL) return;
    if (!r->catch_response) {
        locust_log(LOCUST_LOG_WARNING, "locust.clients",
                   "locust_response_failure: %s %s was made without catch_response; ignored", r->method,
                   r->name);
        return;
    }
    char msg[1024] = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    /* A string given to Python's failure() is wrapped in CatchResponseError. */
    char *e = locust__py_exc_repr("CatchResponseError", msg);
    report_failure(r, e ? e : msg);
    free(e);
}

void locust_response_free(locust_response *r)
{
    if (r != NULL) locust__response_release(r, NULL);
}
