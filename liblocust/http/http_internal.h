/*
 * Internals of the HTTP session (http_session.c, http_request.c,
 * http_response.c) and of the curl multi glue (http_multi.c). Nothing here
 * is public.
 */
#ifndef LOCUST_HTTP_INTERNAL_H
#define LOCUST_HTTP_INTERNAL_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/list.h"
#include "core/core.h"
#include "http/http_cookie.h"
#include <locust/http.h>

/* ---- the multi glue (http_multi.c) --------------------------------------- */

/*
 * One transfer handed to the runner's multi handle. The glue sets `done`,
 * `result` and `end` when curl reports the transfer finished, removes the
 * easy handle from the multi, and wakes `user`.
 */
typedef struct locust__http_multi locust__http_multi;

typedef struct locust__http_xfer {
    CURL *easy;
    locust_user *user;
    bool added;
    bool done;
    CURLcode result;
    double end; /* locust__mono() when curl reported the end */
} locust__http_xfer;

/* Returns the runner's multi glue, creating it on first use. */
int locust__http_multi_get(locust_runner *r, locust__http_multi **out);
void locust__http_multi_free(locust__http_multi *m);
/* Starts a transfer; the easy handle's CURLOPT_PRIVATE is set to `x`. */
int locust__http_multi_add(locust__http_multi *m, locust__http_xfer *x);
/* Abandons a transfer that has not finished (the user is being killed). */
void locust__http_multi_remove(locust__http_multi *m, locust__http_xfer *x);
/*
 * Counts sessions in (+1) or out (-1), so that the shared connection cache
 * keeps an idle keep-alive connection for every session.
 */
void locust__http_multi_sessions(locust__http_multi *m, int delta);

/* ---- sessions and responses ---------------------------------------------- */

/* What every request of a session sends unless a header overrides it. */
#define LOCUST__HTTP_USER_AGENT      "liblocust/" LOCUST_VERSION_STRING
#define LOCUST__HTTP_ACCEPT_ENCODING "gzip, deflate"

/* Default cap of a response body, and caps of what a session keeps. */
#define LOCUST__HTTP_MAX_BODY            (16u * 1024 * 1024)
#define LOCUST__HTTP_MAX_HEADER_BYTES    (256u * 1024)
#define LOCUST__HTTP_MAX_DEFAULT_HEADERS 256
/* requests' Session.max_redirects. */
#define LOCUST__HTTP_MAX_REDIRECTS 30

struct locust_response {
    locust_http *http;
    locust__list link;     /* in the session's live responses */
    locust_response *next; /* in this thread's pool of spare responses */
    char *method;          /* as the task gave it: the stats method */
    char *name;            /* the stats name */
    int status;            /* 0 when no response came */
    char *reason;          /* "" when none */
    char *url;             /* final URL */
    /* The capacities of the strings above: a recycled response keeps them. */
    size_t method_cap, name_cap, reason_cap, url_cap;
    int redirects;
    double elapsed_ms;
    char *error; /* NULL when none */
    char *hdrs;  /* the final hop's headers: "name\0value\0"... */
    size_t hdrs_len, hdrs_cap;
    char *body; /* NUL-terminated, never NULL after the request */
    size_t body_len, body_cap;
    int64_t length; /* content size reported to the stats */
    struct cJSON *json;
    bool json_done;
    bool catch_response;
    bool reported;
    bool in_flight; /* still being fetched: never reported */
    struct locust__resp_more
        *more; /* redirect history, cookies set, raise_for_status text (http_history.c) */
};

typedef struct locust__wire locust__wire;

/* What a request owns while it is in flight (http_request.c). */
struct locust__http_req {
    char *url;        /* the hop's URL */
    char *first_host; /* "scheme://host:port" of the previous hop, for auth */
    bool url_cached;  /* url and first_host are the session's url_cache strings: not freed */
    char method[32];  /* the method on the wire (upper case) */
    char *owned_body; /* a body built from .form or .json */
    const char *body;
    size_t body_len;
    bool has_body;
    bool body_dropped; /* a 301/302/303 dropped it: purge its headers */
    bool send_auth;
    const char *auth_user, *auth_password;
    char *url_user, *url_password;  /* credentials taken out of the URL */
    struct curl_slist *hdrs;        /* headers when the body is sent */
    struct curl_slist *hdrs_nobody; /* headers once a redirect dropped the body */
    bool hdrs_shared;               /* both are the session's hdrs_plain: not freed */
    char *cookie;                   /* .cookies as a Cookie header value */
    char *hop_cookie;               /* what curl sends as the hop's Cookie (the jar's, then .cookies) */
    const locust_request_opts *opts;
    curl_mime *mime;   /* the multipart body of .files (http_multipart.c) */
    const char *proxy; /* .proxy, else the session's: curl's CURLOPT_PROXY */
    int auth_type;     /* LOCUST_AUTH_* of the credentials sent */
};

/* The URL work of the session's last request, reused when the next asks for the same URL. */
typedef struct locust__url_cache {
    char *key; /* the host and the URL as given, joined */
    size_t host_len;
    char *url, *name, *origin;
} locust__url_cache;

struct locust_http {
    locust_user *user;
    locust_runner *runner;
    CURL *easy; /* created on first need: see locust__http_easy() */
    locust__http_xfer xfer;
    locust__wire *wire;     /* the session's own connection (http_wire.c) */
    bool hop_native;        /* the last hop went over it, not through curl */
    bool wire_connected;    /* ... and got connected */
    bool http2;             /* locust_http_set_http2() */
    char *ca_bundle;        /* locust_http_set_ca_bundle(); NULL: curl's default */
    bool curl_ca_set;       /* the easy handle holds a CA bundle other than the default */
    bool path_logged[3];    /* the debug log named the path taken: [0] curl, [1] the wire, [2] its HTTP/2 */
    const char *curl_why;   /* why the last hop went through curl */
    locust__cookie_jar jar; /* the session's cookies, for both paths (http_cookie.c) */
    unsigned cookies_taken; /* Set-Cookie headers taken from the hop's response */
    locust__url_cache url_cache;
    /* The header lists of a request without headers of its own or a body
     * type, kept until the session's headers change (built per request, they
     * were a tenth of a request's instructions). */
    struct curl_slist *hdrs_plain[2];
    /* The header fields the session's own connection (http_wire.c) sends
     * with a plain request: the same every time until the headers, the
     * origin or the cookies to send change (http_wire_msg.c). Valid while
     * `hdrs` is one of hdrs_plain. */
    struct locust__wire_head {
        const struct curl_slist *hdrs;       /* NULL: nothing cached */
        const struct curl_slist *usable_for; /* a list known to allow the wire path */
        char *p;                             /* the authority, the fields, then the path */
        size_t auth_len, len;
        bool default_port, https;
        uint64_t jar_gen;  /* the jar (its generation) the fields' Cookie line came from */
        size_t path_len;   /* the request path the jar's cookies were matched against
                            * (up to '?' or '#'); SIZE_MAX: they match every path */
        size_t cookie_end; /* where the Cookie line's value ends in the fields (0: no line) */
        size_t capped_at;  /* curl's cap left cookies out after a request line this long
                            * (0: it did not) */
    } wire_head;
    bool counted;                                    /* counted in the multi's sessions */
    char *headers[LOCUST__HTTP_MAX_DEFAULT_HEADERS]; /* default "Name: value" lines */
    size_t nheaders;
    char *auth_user, *auth_password;
    size_t max_body;
    char errbuf[CURL_ERROR_SIZE];
    locust__list responses; /* live responses, newest first */
    bool busy;              /* a request is in flight */
    /* The request in flight: what it owns, freed by locust__http_req_clear(). */
    struct locust__http_req *req;
    struct locust__http_req req_store; /* what req points at: no allocation per request */
    /* The hop being fetched: where the callbacks put what arrives. */
    locust_response *cur;
    bool follow; /* redirects are followed */
    locust_chunk_fn stream;
    void *stream_udata;
    int64_t streamed;
    bool stream_stopped; /* the chunk callback asked to stop */
    bool body_too_big;
    bool headers_too_big;
    char *proxy;   /* locust_http_set_proxy() */
    int auth_type; /* locust_http_set_auth_type() */
};

/* http_response.c */
locust_response *locust__response_new(locust_http *h, const char *method, const char *name,
                                      bool catch_response);
/* Forgets what a previous hop of the redirect chain left. */
void locust__response_reset_hop(locust_response *r);
/* Records the outcome by the default rule unless catch_response defers it. */
void locust__response_report(locust_response *r, const char *fail_msg);
/* Releases a response; `fail_msg` is the task's failure message or NULL. */
void locust__response_release(locust_response *r, const char *fail_msg);
/* Frees the responses this thread keeps for reuse. */
void locust__response_pool_drain(void);
/* Frees the responses and buffers this thread keeps for reuse (a drain
 * function registered with the core; see core/core.h). */
void locust__http_pools_drain(void);
/* Frees the read buffers this thread keeps for reuse (http_wire_msg.c). */
void locust__wire_pool_drain(void);
/* Copies `s` into the string *dst of capacity *cap, growing it if needed. */
bool locust__response_str(char **dst, size_t *cap, const char *s);
/* Sets the error text, formatted as a Python exception repr: Type('msg'). */
int locust__response_set_error(locust_response *r, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* curl callbacks, userdata = the session. */
size_t locust__http_header_cb(char *buf, size_t size, size_t n, void *udata);
size_t locust__http_write_cb(char *buf, size_t size, size_t n, void *udata);
/* What the header callback does with a "Name: value" line (of `total` bytes, `len` without its
 * line end) whose first colon is at `colon`; for callers that found the colon already. */
size_t locust__http_header_field(locust_http *h, const char *buf, size_t total, size_t len,
                                 const char *colon);

/* Writes Python's repr of an exception Type('msg') into a new string. */
char *locust__py_exc_repr(const char *type, const char *msg);

/* http_url.c */
/* True for a URL starting with http:// or https://, in any case. */
bool locust__http_is_absolute(const char *url);
/* Percent-encodes what requests' requote_uri() would; NULL on ENOMEM. */
char *locust__http_requote(const char *s);
/* Appends key=value&... (escaped) to a malloc'ed string `s` (or NULL); NULL on ENOMEM. */
char *locust__http_pairs(CURL *e, char *s, const char *const *kv);
/* The URL with query parameters added before any #fragment. */
char *locust__http_add_params(CURL *e, const char *url, const char *const *params);
/* "scheme://host:port" of a URL, or NULL. */
char *locust__http_origin(const char *url);
/* requests' should_strip_auth() inverted: may credentials go from origin a to b? */
bool locust__http_same_origin(const char *a, const char *b);
/*
 * Validates a URL and takes its credentials out (*user, *password: curl_free
 * them). Returns the URL to fetch with *name its stats name (path?query),
 * or NULL with *why set.
 */
char *locust__http_parse_url(const char *url, char **name, char **user, char **password, const char **why);

/* http_session.c */
/* The session's curl handle, created (with its settings) on first need; NULL on ENOMEM. */
CURL *locust__http_easy(locust_http *h);
/* Drops the cached header lists (the session's headers changed). */
void locust__http_forget_headers(locust_http *h);

/* http_wire.c */
/* Whether the hop of h->req may go over the session's own connection. */
bool locust__wire_usable(locust_http *h);
/*
 * Runs the hop of h->req over the session's own connection, with h->xfer
 * set as curl's glue sets it. Returns 0, LOCUST_ECANCELED (user killed),
 * LOCUST_EAGAIN when curl is to run this hop instead (a connect error,
 * which curl words), or LOCUST_ENOMEM.
 */
int locust__wire_hop(locust_http *h);
/* The absolute URL of a redirect response's Location (malloc'ed), or NULL. */
char *locust__wire_redirect_url(locust_http *h, locust_response *r);
void locust__wire_free(locust__wire *w);
/* Whether the last hop over the session's own connection went as HTTP/2 (http_wire_h2.c). */
bool locust__wire_speaks_h2(const locust__wire *w);

/* http_cookie_hop.c */
/* Takes a Set-Cookie header of the hop's response (what follows "Set-Cookie:", line end included). */
void locust__hop_take_cookie(locust_http *h, const char *line);
/*
 * The jar's cookies for the hop as curl's CURLOPT_COOKIE (malloc'ed; NULL
 * when none), capped as curl caps them when the request's bytes before
 * its Cookie header are `before`; *capped: curl then leaves .cookies out.
 */
char *locust__hop_cookie_value(locust_http *h, size_t before, bool *capped);

/* http_history.c */
/* Frees what a response keeps of its history and cookies. */
void locust__response_more_free(locust_response *r);
/* Forgets the cookies a previous hop of the redirect chain set. */
void locust__response_hop_cookies_reset(locust_response *r);
/* Records a redirect followed from `url` with `status` (requests' history). */
void locust__response_history_add(locust_response *r, int status, const char *url);
/* Records a Set-Cookie `line` of the hop the jar took (not a deletion). */
void locust__response_cookie_set(locust_response *r, const locust__cookie_jar *jar, const char *line);

/* http_req_more.c */
/*
 * Checks .files, .proxy and .auth_type and builds what they send into
 * h->req (after the credentials are chosen). Returns 0, LOCUST_ENOMEM, or
 * LOCUST_EINVAL with why[] saying what is wrong.
 */
int locust__req_more_prepare(locust_http *h, const locust_request_opts *o, char *why, size_t n);
/* Why the hop has to go through curl because of those options, or NULL. */
const char *locust__req_more_curl_why(const locust_http *h);
/* Sets the hop's proxy, auth scheme and upload in curl; true when it uploads. */
bool locust__req_more_configure(locust_http *h);
/* Whether a failed curl hop (code rc) is requests' ProxyError. */
bool locust__req_more_proxy_failed(locust_http *h, int rc);
/* Frees the upload of the request (detaching it from curl first). */
void locust__req_more_clear(locust_http *h);

/* http_multipart.c */
/*
 * Builds the multipart body of .files (after the .form fields) into
 * h->req->mime. Returns 0, LOCUST_ENOMEM, or LOCUST_EINVAL with why[] saying
 * which part is wrong (a file that cannot be opened: worded as Python's
 * FileNotFoundError and friends).
 */
int locust__multipart_build(locust_http *h, const locust_request_opts *o, char *why, size_t n);

/* http_request.c */
/* ": reason" for curl's "Failed to connect to HOST port N" from a connect()'s errno. */
void locust__http_connect_reason(int err, char *out, size_t n);
/* Sets a new session's easy handle up: the options every request shares. */
void locust__http_easy_init(locust_http *h);
void locust__http_req_clear(locust_http *h);
locust_response *locust__http_request(locust_http *h, locust_ctx *ctx, const char *method, const char *url,
                                      const locust_request_opts *opts);

#endif /* LOCUST_HTTP_INTERNAL_H */
