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
    bool body_len_set; /* body_len is the length even when 0 (an empty buffer, never strlen()) */
    bool http2;        /* HTTP/2 on the session's own connection (ALPN h2 on https://, falling back to
                          HTTP/1.1 as curl does; prior knowledge on http://); see locust_http_set_http2() */
    const struct locust_file_part *files; /* multipart/form-data upload (requests' files=): parts ending
                                             with one whose .field is NULL; .form fields go first */
    const char *proxy;                    /* proxy URL for this request (requests' proxies=), e.g.
                                             "http://127.0.0.1:3128"; see locust_http_set_proxy() */
    int auth_type;         /* scheme of .auth_user (or the session's credentials): LOCUST_AUTH_*; 0 = basic */
    const char *ca_bundle; /* PEM file of the CAs to trust (requests' verify="/path/ca.pem"); NULL:
                              the session's, see locust_http_set_ca_bundle() */
} locust_request_opts;

/**
 * One file of a multipart upload (requests' `files={"field": ("name", data,
 * "type")}`): its content comes from a file (`path`, read when the request
 * is sent; a missing file fails the task as requests' FileNotFoundError)
 * or from memory (`data`, `data_len`; strlen(data) when 0).
 */
typedef struct locust_file_part {
    const char *field;          /* form field name; NULL ends the array */
    const char *filename;       /* file name sent; default: the path's last part, else the field */
    const char *path;           /* read the content from this file ... */
    const void *data;           /* ... or send these bytes */
    size_t data_len;            /* length of data (strlen(data) when 0) */
    const char *content_type;   /* the part's Content-Type; default: curl's guess from the file name */
    const char *const *headers; /* extra part headers: "Name: value", ..., NULL */
} locust_file_part;

/** HTTP authentication schemes for .auth_type and locust_http_set_auth_type() (curl's CURLAUTH_*). */
enum {
    LOCUST_AUTH_BASIC = 0,     /* requests' HTTPBasicAuth: sent with the first request (the default) */
    LOCUST_AUTH_DIGEST = 1,    /* requests' HTTPDigestAuth: answers the server's 401 challenge */
    LOCUST_AUTH_NTLM = 2,      /* NTLM (requests_ntlm's HttpNtlmAuth) */
    LOCUST_AUTH_ANY = 3,       /* whichever the server offers, the safest first */
    LOCUST_AUTH_ANYSAFE = 4,   /* whichever the server offers, but never basic */
    LOCUST_AUTH_NEGOTIATE = 5, /* SPNEGO (Kerberos), when curl has GSS-API */
};

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
 * Speaks HTTP/2 for every request of the session, as .http2 does for one
 * request: each request a stream on the session's own connection (nghttp2;
 * "h2,http/1.1" in ALPN over https://, a server that picks http/1.1 getting
 * HTTP/1.1; h2c with prior knowledge over http://), with the responses and
 * errors curl's HTTP/2 gives. Returns 0 or LOCUST_EINVAL.
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
/**
 * Sends every request of the session through a proxy (requests'
 * `session.proxies`), e.g. "http://127.0.0.1:3128" (curl's CURLOPT_PROXY
 * syntax: http://, https://, socks5h://...); a request's .proxy overrides
 * it. NULL: none (curl then honours http_proxy and friends). Copied.
 * Returns 0, LOCUST_EINVAL or LOCUST_ENOMEM.
 */
int locust_http_set_proxy(locust_http *h, const char *proxy);
/** Sets the scheme of the session's credentials (locust_http_set_auth()): LOCUST_AUTH_*. */
int locust_http_set_auth_type(locust_http *h, int type);

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
/**
 * The redirects followed to this response (requests' `response.history`),
 * oldest first: how many, and hop i's status and URL (valid while the
 * response lives). locust_response_history() returns 0, or LOCUST_EINVAL
 * for an index out of range.
 */
int locust_response_history_count(const locust_response *r);
int locust_response_history(const locust_response *r, int i, int *status, const char **url);
/**
 * The cookies this response set (requests' `response.cookies`): those the
 * final hop's Set-Cookie headers gave and the session kept (a cookie the
 * server deleted is not one). By index, oldest first (0 or LOCUST_EINVAL),
 * or the value by name (NULL if absent).
 */
int locust_response_cookie_count(const locust_response *r);
int locust_response_cookie_at(const locust_response *r, int i, const char **name, const char **value);
const char *locust_response_cookie(const locust_response *r, const char *name);
/** requests' `is_redirect`: a 301, 302, 303, 307 or 308 with a Location header. */
bool locust_response_is_redirect(const locust_response *r);
/** requests' `is_permanent_redirect`: a 301 or 308 with a Location header. */
bool locust_response_is_permanent_redirect(const locust_response *r);
/**
 * requests' raise_for_status(): 0 for a status below 400 (or from 600);
 * for 4xx and 5xx, LOCUST_EHTTP with *text (if given) set to requests'
 * words, "404 Client Error: Not Found for url: http://..." (owned by the
 * response). A catch_response response not yet marked is then marked a
 * failure, HTTPError('404 Client Error: ...'); to fail the task as Python's
 * exception would, follow with locust_fail(ctx, "HTTPError: %s", text).
 */
int locust_response_raise_for_status(locust_response *r, const char **text);
/** Releases a response now (reporting a catch_response outcome). NULL is fine. */
void locust_response_free(locust_response *r);

#ifdef __cplusplus
}
#endif

#endif /* LOCUST_HTTP_H */
