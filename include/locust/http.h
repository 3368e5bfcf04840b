/*
 * HttpSession (manual §4.5): one HTTP session per simulated user, on
 * libcurl's multi interface driven by the runner's libev loop. Each session
 * keeps its own cookies and keep-alive connections, asks for gzip, and
 * reports every request to the statistics exactly once.
 *
 * Responses belong to the session: they are released when the task that
 * made them returns (or unwinds), or earlier by locust_response_free().
 * With catch_response, a response that was neither marked a success nor a
 * failure is recorded at that release by the default rule (failure on status
 * 0 or >= 400); if the task failed (locust_fail), as a failure with the
 * task's message.
 */
#ifndef LOCUST_HTTP_H
#define LOCUST_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct locust_ctx locust_ctx;
typedef struct locust_http locust_http;
typedef struct locust_response locust_response;
struct cJSON;

/**
 * Streaming mode: called with each chunk of the decoded body; return non-zero
 * to stop reading (the request is still judged by its status). It runs on the
 * event loop, outside the user's fiber: it must not sleep or make requests.
 */
typedef int (*locust_chunk_fn)(const void *data, size_t len, void *udata);

/** Options of one request; zero means "default" everywhere. */
typedef struct locust_request_opts {
    const char *name;           /* stats name; default: path and query of the URL asked for */
    bool catch_response;        /* decide success/failure yourself (manual §4.5.3) */
    const char *const *params;  /* query parameters: key, value, ..., NULL (URL-encoded) */
    const char *const *headers; /* extra headers: "Name: value", ..., NULL */
    const char *const *cookies; /* extra cookies for this request: name, value, ..., NULL */
    const void *body;           /* raw body ... */
    size_t body_len;            /* ... and its length (strlen(body) when 0, unless body_len_set) */
    const char *const *form;    /* URL-encoded form body: key, value, ..., NULL */
    const struct cJSON *json;   /* JSON body (Content-Type: application/json) */
    const char *auth_user;      /* HTTP basic auth */
    const char *auth_password;
    double timeout;          /* total seconds, per hop of a redirect chain; 0 = none */
    double connect_timeout;  /* seconds; 0 = curl's default */
    bool no_redirects;       /* do not follow redirects (allow_redirects=False) */
    bool insecure;           /* skip TLS verification (verify=False) */
    const char *client_cert; /* PEM client certificate file */
    const char *client_key;  /* PEM client key file */
    locust_chunk_fn stream;  /* streaming mode: chunks go here, nothing is stored */
    void *stream_udata;
    /* (Fields below were added later; the ones above keep their places.) */
    bool body_len_set;     /* body_len is the length even when 0 (an empty buffer, never strlen()) */
    bool http2;            /* HTTP/2 through curl (ALPN on https://, prior knowledge on http://); see
                              locust_http_set_http2() */
    const char *ca_bundle; /* PEM file of the CAs to trust (requests' verify="/path/ca.pem"); NULL:
                              the session's, see locust_http_set_ca_bundle() */
} locust_request_opts;

/** Returns the user's HTTP session. */
locust_http *locust_client(locust_ctx *ctx);

/**
 * Sends a request and waits for the whole response, yielding the user's
 * fiber meanwhile. `url` is a full http(s) URL or a path joined onto the
 * user's host. Never returns NULL (but out of memory): a transport failure
 * gives a response with status 0 and an error text (safe mode). Must be
 * called from a task. A request that cannot be made (a relative URL without
 * a host, an invalid URL, two bodies, a malformed header) fails the task,
 * like locust_fail(), as Python re-raises InvalidURL into the task.
 */
locust_response *locust_request_sized(locust_ctx *ctx, const char *method, const char *url,
                                      const locust_request_opts *opts, size_t opts_size);
/* The request macros pass the size of the options struct the caller was
 * compiled with, so the struct can grow (see "Option structs grow" in
 * locust.h). opts may be NULL. */
#define LOCUST__REQ(ctx, method, url, ...)                                                                   \
    locust_request_sized((ctx), (method), (url), (__VA_ARGS__), sizeof(locust_request_opts))
/** Sends a request with any method, see locust_request_sized(). */
#define locust_request(ctx, method, url, ...) LOCUST__REQ(ctx, method, url, __VA_ARGS__)
/** GET, see locust_request_sized(). */
#define locust_get(ctx, url, ...) LOCUST__REQ(ctx, "GET", url, __VA_ARGS__)
/** POST, see locust_request_sized(). */
#define locust_post(ctx, url, ...) LOCUST__REQ(ctx, "POST", url, __VA_ARGS__)
/** PUT, see locust_request_sized(). */
#define locust_put(ctx, url, ...) LOCUST__REQ(ctx, "PUT", url, __VA_ARGS__)
/** DELETE, see locust_request_sized(). */
#define locust_delete(ctx, url, ...) LOCUST__REQ(ctx, "DELETE", url, __VA_ARGS__)
/** HEAD, see locust_request_sized(). */
#define locust_head(ctx, url, ...) LOCUST__REQ(ctx, "HEAD", url, __VA_ARGS__)
/** PATCH, see locust_request_sized(). */
#define locust_patch(ctx, url, ...) LOCUST__REQ(ctx, "PATCH", url, __VA_ARGS__)
/** OPTIONS, see locust_request_sized(). */
#define locust_options(ctx, url, ...) LOCUST__REQ(ctx, "OPTIONS", url, __VA_ARGS__)

/** Adds or replaces a default header sent with every request of the session (NULL value: removes it). */
int locust_http_set_header(locust_http *h, const char *name, const char *value);
/** Sets session-wide basic auth (NULL user removes it). */
int locust_http_set_auth(locust_http *h, const char *user, const char *password);
/**
 * Speaks HTTP/2 (through curl, multiplexed on curl's connections) for every
 * request of the session, as .http2 does for one request. Returns 0 or
 * LOCUST_EINVAL.
 */
int locust_http_set_http2(locust_http *h, bool on);
/**
 * Trusts the CAs of the PEM file `path` (requests' verify="/path/ca.pem")
 * for every https:// request of the session that does not name its own
 * .ca_bundle, instead of curl's default bundle (Debian's
 * /etc/ssl/certs/ca-certificates.crt). NULL goes back to the default. The
 * file is read when a connection needs it; one that cannot be read fails
 * those requests with curl's SSLError. Returns 0, LOCUST_EINVAL or
 * LOCUST_ENOMEM.
 */
int locust_http_set_ca_bundle(locust_http *h, const char *path);
/** Returns the value of a cookie in the session's jar (NULL if absent); valid until the next request. */
const char *locust_http_cookie(locust_http *h, const char *name);
/** Empties the session's cookie jar. */
int locust_http_clear_cookies(locust_http *h);
/** Sets the body size cap in bytes (default 16 MiB); a larger body fails the request. */
int locust_http_set_max_body(locust_http *h, size_t max);

/** HTTP status, 0 when no response came. */
int locust_response_status(const locust_response *r);
/** Reason phrase ("OK"), "" when none. */
const char *locust_response_reason(const locust_response *r);
/** Header value by case-insensitive name, NULL if absent (last one wins). */
const char *locust_response_header(const locust_response *r, const char *name);
/** Body bytes (decoded) and length; never NULL (an empty body is ""). */
const void *locust_response_body(const locust_response *r, size_t *len);
/** Body as a NUL-terminated string. */
const char *locust_response_text(const locust_response *r);
/**
 * The body parsed as JSON (cached, owned by the response). NULL when it is
 * not valid JSON; then *err (if given) is LOCUST_EJSON.
 */
const struct cJSON *locust_response_json(locust_response *r, int *err);
/** The final URL after redirects. */
const char *locust_response_url(const locust_response *r);
/** The number of redirects followed. */
int locust_response_redirects(const locust_response *r);
/** Response time in ms: start of the request to the last body byte. */
double locust_response_elapsed(const locust_response *r);
/** True for a response with status 1..399 and no error. */
bool locust_response_ok(const locust_response *r);
/** The error text of a failed request (transport or HTTP status), NULL if none. */
const char *locust_response_error(const locust_response *r);
/**
 * catch_response: report a success now (each call reports once more, as in
 * 0.9.0). On a response made without catch_response it is ignored, with a
 * warning; so is locust_response_failure().
 */
void locust_response_success(locust_response *r);
/** catch_response: report a failure with a message now. */
void locust_response_failure(locust_response *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Releases a response now (reporting a catch_response outcome). NULL is fine. */
void locust_response_free(locust_response *r);

#ifdef __cplusplus
}
#endif

#endif /* LOCUST_HTTP_H */
