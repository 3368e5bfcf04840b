/*
 * One request of an HTTP session, with the semantics of Locust 0.9's
 * HttpSession.request() on top of python-requests: URL joining, the body
 * options, redirects followed the way requests follows them, safe mode
 * (transport errors become a status-0 response) and one report to the
 * statistics.
 *
 * Redirects are followed here rather than by curl (CURLOPT_FOLLOWLOCATION)
 * because requests and curl disagree on them: requests turns every method
 * but HEAD into GET on 302 and 303 and drops the body on 301/302/303, and
 * curl keeps a CURLOPT_CUSTOMREQUEST method across redirects.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http/http_internal.h"
#include "http/http_tls.h"

void locust__http_req_clear(locust_http *h)
{
    struct locust__http_req *q = h->req;
    if (q == NULL) return;
    locust__req_more_clear(h);
    if (!q->url_cached) {
        free(q->url);
        free(q->first_host);
    }
    free(q->owned_body);
    curl_free(q->url_user);
    curl_free(q->url_password);
    if (!q->hdrs_shared) {
        curl_slist_free_all(q->hdrs);
        curl_slist_free_all(q->hdrs_nobody);
    }
    free(q->cookie);
    free(q->hop_cookie);
    memset(q, 0, sizeof *q);
    h->req = NULL;
}

/* Fails the task (Python re-raises InvalidURL and friends into the task). */
LOCUST_NORETURN static void req_fail(locust_http *h, locust_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void req_fail(locust_http *h, locust_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    locust__http_req_clear(h);
    h->busy = false;
    locust_fail(ctx, "%s", msg);
}

/* ---- headers and body ---------------------------------------------------- */

static bool header_named(const char *line, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ';');
}

static bool has_header(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; list != NULL && (n ? i < n : list[i] != NULL); i++)
        if (header_named(list[i], name)) return true;
    return false;
}

/* Name of a "Name: value" line, for overriding by name. */
static size_t header_name_len(const char *line)
{
    return strcspn(line, ":;");
}

/*
 * The session's default headers overridden by the request's, then what the
 * body needs. With `body` false, the headers a redirect that dropped the
 * body must not send (requests purges Content-Type and Content-Length).
 */
static struct curl_slist *build_headers(locust_http *h, const locust_request_opts *o, const char *ctype,
                                        bool body, bool *ok)
{
    struct curl_slist *l = NULL, *t;
    *ok = false;
    for (size_t i = 0; i < h->nheaders; i++) {
        size_t nl = header_name_len(h->headers[i]);
        bool overridden = false;
        for (size_t j = 0; o->headers && o->headers[j]; j++)
            if (header_name_len(o->headers[j]) == nl && strncasecmp(o->headers[j], h->headers[i], nl) == 0)
                overridden = true;
        if (!body &&
            (header_named(h->headers[i], "Content-Type") || header_named(h->headers[i], "Content-Length")))
            continue;
        if (!overridden && (t = curl_slist_append(l, h->headers[i])) == NULL) goto fail;
        if (!overridden) l = t;
    }
    for (size_t j = 0; o->headers && o->headers[j]; j++) {
        if (!body &&
            (header_named(o->headers[j], "Content-Type") || header_named(o->headers[j], "Content-Length")))
            continue;
        if ((t = curl_slist_append(l, o->headers[j])) == NULL) goto fail;
        l = t;
    }
    bool user_ctype = has_header(o->headers, 0, "Content-Type") ||
                      has_header((const char *const *)h->headers, h->nheaders, "Content-Type");
    /* curl would add a form Content-Type to any body, requests adds none to raw bytes; an
     * upload's multipart type with its boundary is curl's to add. */
    const char *ct = !body                            ? "Content-Type:"
                     : user_ctype || o->files != NULL ? NULL
                     : ctype                          ? ctype
                                                      : "Content-Type:";
    if (ct != NULL) {
        if ((t = curl_slist_append(l, ct)) == NULL) goto fail;
        l = t;
    }
    /* requests never sends Expect: 100-continue; curl does for large bodies. */
    if ((t = curl_slist_append(l, "Expect:")) == NULL) goto fail;
    *ok = true;
    return t;
fail:
    curl_slist_free_all(l);
    return NULL;
}

static const char *check_lines(const char *const *kv, bool pairs)
{
    for (size_t i = 0; kv && kv[i]; i++) {
        if (strpbrk(kv[i], "\r\n") != NULL) return kv[i];
        if (!pairs && (header_name_len(kv[i]) == 0 || kv[i][header_name_len(kv[i])] == '\0')) return kv[i];
    }
    return NULL;
}

/* ---- one hop ------------------------------------------------------------- */

/*
 * Sets the options of one hop. The session-wide ones were set once by
 * locust__http_easy_init(); every option a request may set is set here
 * each time, to its default when unused, so nothing leaks from one request
 * into the next. (curl_easy_reset() would do it too, but it drops the
 * cookie engine's settings and, in curl 7.88, leaks them.)
 */
static void configure_hop(locust_http *h)
{
    struct locust__http_req *q = h->req;
    const locust_request_opts *o = q->opts;
    CURL *e = h->easy;
    h->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, q->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->body_dropped ? q->hdrs_nobody : q->hdrs);
    /* A redirect that dropped the upload lets go of it. One that keeps it
     * leaves it attached: curl rewinds an attached upload, but not one
     * detached and attached again. */
    if (q->mime != NULL && q->body_dropped) curl_easy_setopt(e, CURLOPT_MIMEPOST, NULL);
    /* Back to a plain GET: no body, no custom method. */
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(q->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (q->has_body || strcmp(q->method, "GET") != 0) {
        /* requests sends Content-Length: 0 with every bodiless method but GET and HEAD. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(q->has_body ? q->body_len : 0));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->has_body ? q->body : "");
        if (strcmp(q->method, "POST") != 0) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
    }
    locust__req_more_configure(h);
    bool auth = q->send_auth && q->auth_user != NULL;
    curl_easy_setopt(e, CURLOPT_USERNAME, auth ? q->auth_user : NULL);
    curl_easy_setopt(e, CURLOPT_PASSWORD, auth ? (q->auth_password ? q->auth_password : "") : NULL);
    /* The session's jar, not curl's engine: its cookies, then .cookies. The
     * request's bytes before its Cookie header are estimated (they only
     * matter past curl's 8 KiB cap of the header). */
    bool capped;
    free(q->hop_cookie);
    q->hop_cookie = locust__hop_cookie_value(h, strlen(q->method) + strlen(q->url) + 128, &capped);
    if (q->hop_cookie != NULL && q->cookie != NULL && !capped) {
        size_t a = strlen(q->hop_cookie), b = strlen(q->cookie);
        char *both = realloc(q->hop_cookie, a + b + 3);
        if (both != NULL) {
            memcpy(both + a, "; ", 2);
            memcpy(both + a + 2, q->cookie, b + 1);
            q->hop_cookie = both;
        }
    }
    curl_easy_setopt(e, CURLOPT_COOKIE, q->hop_cookie ? q->hop_cookie : q->cookie);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout > 0 ? (long)(o->timeout * 1000.0 + 0.5) : 0L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     o->connect_timeout > 0 ? (long)(o->connect_timeout * 1000.0 + 0.5) : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    curl_easy_setopt(e, CURLOPT_SSLCERT, o->client_cert);
    curl_easy_setopt(e, CURLOPT_SSLKEY, o->client_key);
    /* The request's CA bundle, else the session's, else curl's default (NULL would mean none). */
    const char *ca = o->ca_bundle ? o->ca_bundle : h->ca_bundle;
    if (ca != NULL || h->curl_ca_set) curl_easy_setopt(e, CURLOPT_CAINFO, ca ? ca : locust__tls_default_ca());
    h->curl_ca_set = ca != NULL;
    /* requests speaks HTTP/1.1; HTTP/2 only when asked for (nghttp2 in Debian's libcurl). */
    long version = CURL_HTTP_VERSION_1_1;
    if (h->http2 || o->http2)
        version = strncasecmp(q->url, "https://", 8) == 0 ? CURL_HTTP_VERSION_2TLS
                                                          : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, version);
}

/* Says in the debug log, once per session and path, which path its hops take. */
static void log_path(locust_http *h)
{
    int path = !h->hop_native ? 0 : locust__wire_speaks_h2(h->wire) ? 2 : 1;
    if (h->path_logged[path] || locust_log_level_get() > LOCUST_LOG_DEBUG) return;
    h->path_logged[path] = true;
    if (path > 0)
        locust_log(LOCUST_LOG_DEBUG, "locust.http", "user %llu: %s goes over the session's own %s connection",
                   (unsigned long long)locust__user_id(h->user), h->req->url,
                   path == 2 ? "HTTP/2" : "HTTP/1.1");
    else
        locust_log(LOCUST_LOG_DEBUG, "locust.http", "user %llu: %s goes through curl (%s)",
                   (unsigned long long)locust__user_id(h->user), h->req->url, h->curl_why ? h->curl_why : "");
}

/*
 * Opens curl's sockets as curl would, but keeps socket()'s errno in the
 * hop's `int` (CURLOPT_OPENSOCKETDATA, set by fetch() for the hop's
 * duration): curl reports a socket() that failed as a bare "Couldn't
 * connect to server" with no errno (CURLINFO_OS_ERRNO stays 0), which
 * hides the one cause that needs the user to act: the process is out of
 * file descriptors.
 */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
    if (fd == CURL_SOCKET_BAD && clientp != NULL) *(int *)clientp = errno;
    return fd;
}

void locust__http_easy_init(locust_http *h)
{
    CURL *e = h->easy;
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    /* requests speaks HTTP/1.1, also over TLS where curl would offer HTTP/2. */
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* No cookie engine: the session's jar (http_cookie.c) serves both paths. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, LOCUST__HTTP_ACCEPT_ENCODING);
    curl_easy_setopt(e, CURLOPT_USERAGENT, LOCUST__HTTP_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, locust__http_header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, locust__http_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
}

/* Runs the configured hop; 0, LOCUST_ECANCELED (user killed) or another error. */
static int run_hop(locust_http *h, locust__http_multi *m)
{
    h->xfer.easy = h->easy;
    h->xfer.user = h->user;
    h->body_too_big = h->headers_too_big = h->stream_stopped = false;
    int rc = locust__http_multi_add(m, &h->xfer);
    while (rc == 0 && !h->xfer.done) {
        rc = locust__user_block_io(h->user);
        if (rc != 0) locust__http_multi_remove(m, &h->xfer);
    }
    return rc;
}

/*
 * Why a connection could not be made, after curl's "Failed to connect to
 * HOST port N". Running out of file descriptors is named with its cure:
 * it is the usual failure of many users under a low `ulimit -n`, and the
 * system's words alone do not say which limit to raise.
 */
void locust__http_connect_reason(int err, char *out, size_t n)
{
    if (err == EMFILE)
        snprintf(out, n, ": Too many open files (EMFILE): raise the open-file limit (ulimit -n)");
    else if (err == ENFILE)
        snprintf(out, n,
                 ": Too many open files in system (ENFILE): raise the system-wide limit (fs.file-max)");
    else
        snprintf(out, n, ": %s", strerror(err));
}

/*
 * Copies curl's message without the varying " after 12 ms" parts, and with
 * the system's reason when curl only says it could not connect: the errno
 * of the failed connect() or, when there was no socket to connect,
 * `sock_errno`, socket()'s (see open_socket()).
 */
static void curl_message(locust_http *h, CURLcode rc, int sock_errno, char *out, size_t n)
{
    static const char generic[] = ": Couldn't connect to server";
    const char *src = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
    size_t o = 0;
    for (const char *s = src; *s && o + 1 < n;) {
        size_t digits;
        if (strncmp(s, " after ", 7) == 0 && (digits = strspn(s + 7, "0123456789")) > 0 &&
            strncmp(s + 7 + digits, " ms", 3) == 0) {
            s += 7 + digits + 3;
            continue;
        }
        out[o++] = *s++;
    }
    out[o] = '\0';
    long os_errno = 0;
    size_t gl = sizeof generic - 1;
    if (h->hop_native || rc != CURLE_COULDNT_CONNECT || o <= gl || strcmp(out + o - gl, generic) != 0) return;
    if (curl_easy_getinfo(h->easy, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK || os_errno == 0)
        os_errno = sock_errno;
    if (os_errno != 0) locust__http_connect_reason((int)os_errno, out + o - gl, n - (o - gl));
}

/*
 * Whether the failed hop had a connection to send on: a timeout is then
 * requests' ReadTimeout, else its ConnectTimeout. curl's connect time is 0
 * on a connection it reused from an earlier transfer, so the request bytes
 * it wrote count too; the wire path records the connection itself.
 */
static bool connected(locust_http *h)
{
    if (h->hop_native) return h->wire_connected;
    curl_off_t connect = 0;
    long sent = 0;
    curl_easy_getinfo(h->easy, CURLINFO_CONNECT_TIME_T, &connect);
    curl_easy_getinfo(h->easy, CURLINFO_REQUEST_SIZE, &sent);
    return connect > 0 || sent > 0;
}

/* Turns a failed transfer into safe mode's status-0 response. */
static void transport_error(locust_http *h, locust_response *r, CURLcode rc, int sock_errno)
{
    const locust_request_opts *o = h->req->opts;
    char msg[CURL_ERROR_SIZE + 128];
    curl_message(h, rc, sock_errno, msg, sizeof msg);
    if (h->body_too_big) {
        locust__response_set_error(r, "ContentTooLarge",
                                   "response body exceeds the cap of %zu bytes "
                                   "(locust_http_set_max_body) for url: %s",
                                   h->max_body, h->req->url);
        return; /* the status came; the body was cut */
    }
    r->status = 0;
    r->reason[0] = '\0';
    r->hdrs_len = 0;
    r->body_len = 0;
    if (r->body) r->body[0] = '\0';
    if (h->headers_too_big) {
        locust__response_set_error(r, "InvalidHeader", "response headers exceed %u bytes for url: %s",
                                   LOCUST__HTTP_MAX_HEADER_BYTES, h->req->url);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        if (!connected(h))
            locust__response_set_error(r, "ConnectTimeout", "Connection to %s timed out. (timeout=%g)",
                                       h->req->url, o->connect_timeout > 0 ? o->connect_timeout : o->timeout);
        else
            locust__response_set_error(r, "ReadTimeout", "Read timed out. (read timeout=%g) for url: %s",
                                       o->timeout, h->req->url);
    } else if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
               rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_CACERT_BADFILE ||
               rc == CURLE_SSL_ENGINE_NOTFOUND || rc == CURLE_SSL_ENGINE_SETFAILED ||
               rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_CRL_BADFILE) {
        locust__response_set_error(r, "SSLError", "%s", msg);
    } else if (rc == CURLE_BAD_CONTENT_ENCODING) {
        locust__response_set_error(r, "ContentDecodingError", "%s", msg);
    } else {
        /* requests' ProxyError: the proxy could not be reached, or refused the tunnel. */
        bool proxy = locust__req_more_proxy_failed(h, rc);
        locust__response_set_error(r, proxy ? "ProxyError" : "ConnectionError", "%s", msg);
    }
}

/* The status decides: requests' raise_for_status() fails 4xx and 5xx. */
static void status_error(locust_response *r)
{
    if (r->status < 400) return;
    locust__response_set_error(r, "HTTPError", "%d %s Error: %s for url: %s", r->status,
                               r->status < 500 ? "Client" : "Server", r->reason, r->url);
}

static bool is_redirect(int s)
{
    return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/* Sets up the next hop as requests' resolve_redirects() would; false when none. */
static bool next_hop(locust_http *h, locust_response *r, bool *too_many)
{
    struct locust__http_req *q = h->req;
    char *loc = NULL, *url;
    *too_many = false;
    if (!h->follow || !is_redirect(r->status)) return false;
    if (h->hop_native) {
        url = locust__wire_redirect_url(h, r);
    } else {
        if (curl_easy_getinfo(h->easy, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || loc == NULL) return false;
        url = locust__strdup(loc);
    }
    if (url == NULL) return false;
    if (r->redirects >= LOCUST__HTTP_MAX_REDIRECTS) {
        free(url);
        *too_many = true;
        return false;
    }
    r->redirects++;
    locust__response_history_add(r, r->status, q->url);
    if ((r->status == 302 || r->status == 303) && strcmp(q->method, "HEAD") != 0) strcpy(q->method, "GET");
    if (r->status == 301 && strcmp(q->method, "POST") == 0) strcpy(q->method, "GET");
    if (r->status != 307 && r->status != 308) {
        q->has_body = false;
        q->body_dropped = true;
    }
    char *origin = locust__http_origin(url);
    if (!locust__http_same_origin(q->first_host, origin)) q->send_auth = false;
    if (!q->url_cached) {
        free(q->first_host);
        free(q->url);
    }
    q->first_host = origin;
    q->url = url;
    q->url_cached = false;
    return true;
}

/* ---- the request --------------------------------------------------------- */

/* A status-0 response for a call that could not even start; never reported. */
static locust_response *refused(locust_http *h, const char *method, const char *url, const char *why)
{
    locust_response *r = locust__response_new(h, method, url ? url : "", false);
    if (r == NULL) return NULL;
    r->in_flight = false;
    r->reported = true;
    locust__response_set_error(r, "RuntimeError", "%s", why);
    return r;
}

/*
 * The cached URL work for the request: its URL and origin are the cache's
 * own strings (the cache changes only in a later request's resolve_url()),
 * so the request copies nothing. Returns a copy of the stats name, or NULL
 * on ENOMEM.
 */
static char *cached_url(locust_http *h)
{
    struct locust__http_req *q = h->req;
    const locust__url_cache *c = &h->url_cache;
    q->url = c->url;
    q->first_host = c->origin;
    q->url_cached = true;
    return locust__strdup(c->name);
}

/* Remembers this request's URL work (`key` is taken) for the next request. */
static void cache_url(locust_http *h, char *key, size_t host_len, const char *name)
{
    struct locust__http_req *q = h->req;
    locust__url_cache *c = &h->url_cache;
    char *url = locust__strdup(q->url), *nm = locust__strdup(name), *origin = locust__strdup(q->first_host);
    if (url == NULL || nm == NULL || origin == NULL) {
        free(key), free(url), free(nm), free(origin);
        return;
    }
    free(c->key), free(c->url), free(c->name), free(c->origin);
    *c = (locust__url_cache){.key = key, .host_len = host_len, .url = url, .name = nm, .origin = origin};
}

/*
 * The URL as requests builds it: the host and the path concatenated (as
 * 0.9 does) unless absolute, the params added, requoted and parsed. Sets
 * q->url, q->first_host and the URL's credentials; returns the stats name
 * (NULL when out of memory). curl's URL parser is slow (the two parses cost
 * ~20,000 instructions, a fifth of a request, bench/callgrind.sh) and a
 * load test asks for the same URLs over and over, so the session keeps the
 * last URL's results and reuses them for the same URL without params.
 */
static char *resolve_url(locust_http *h, locust_ctx *ctx, const char *url, const locust_request_opts *o)
{
    struct locust__http_req *q = h->req;
    const locust__url_cache *c = &h->url_cache;
    const char *host = "";
    if (!locust__http_is_absolute(url)) {
        host = locust_host(ctx);
        if (host == NULL || *host == '\0')
            req_fail(h, ctx,
                     "locust_request: no host to resolve the relative URL '%s' against: set the "
                     "class's .host or the runner's host (--host)",
                     url);
    }
    size_t hl = strlen(host), ul = strlen(url);
    if (o->params == NULL && c->key != NULL && c->host_len == hl && memcmp(c->key, host, hl) == 0 &&
        strcmp(c->key + hl, url) == 0)
        return cached_url(h);
    char *joined = malloc(hl + ul + 1);
    if (joined) {
        memcpy(joined, host, hl);
        memcpy(joined + hl, url, ul + 1);
    }
    char *with_params = joined && o->params ? locust__http_add_params(h->easy, joined, o->params) : joined;
    char *quoted = with_params ? locust__http_requote(with_params) : NULL;
    if (with_params != joined) free(with_params);
    char *name = NULL;
    const char *why = "out of memory";
    q->url = quoted ? locust__http_parse_url(quoted, &name, &q->url_user, &q->url_password, &why) : NULL;
    if (q->url == NULL && quoted != NULL) {
        char shown[512];
        snprintf(shown, sizeof shown, "%s", quoted);
        free(quoted);
        free(joined);
        req_fail(h, ctx, "locust_request: invalid URL '%s': %s", shown, why);
    }
    free(quoted);
    q->first_host = q->url ? locust__http_origin(q->url) : NULL;
    /* URLs with credentials are not kept: they are rare and their parts are curl's to free. */
    if (joined != NULL && o->params == NULL && name != NULL && q->first_host != NULL && q->url_user == NULL &&
        q->url_password == NULL)
        cache_url(h, joined, hl, name);
    else
        free(joined);
    return name;
}

/*
 * Checks the request and builds everything it sends into h->req. Mistakes
 * fail the task (they do not return), like Python's exceptions. Returns the
 * stats name, or NULL when out of memory.
 */
static char *prepare(locust_http *h, locust_ctx *ctx, const char *method, const char *url,
                     const locust_request_opts *o)
{
    struct locust__http_req *q = h->req;
    if (method == NULL || *method == '\0' || strlen(method) >= sizeof q->method || strpbrk(method, " \r\n"))
        req_fail(h, ctx, "locust_request: invalid HTTP method '%s'", method ? method : "(null)");
    if (url == NULL) req_fail(h, ctx, "locust_request: the URL is NULL");
    if ((o->body != NULL) + (o->form != NULL && o->files == NULL) + (o->json != NULL) > 1)
        req_fail(h, ctx, "locust_request: give only one of .body, .form and .json");
    const char *bad = check_lines(o->headers, false);
    if (bad != NULL) req_fail(h, ctx, "locust_request: header '%s' is not a \"Name: value\" line", bad);
    if ((bad = check_lines(o->cookies, true)) != NULL || (bad = check_lines(o->params, true)) != NULL)
        req_fail(h, ctx, "locust_request: a line break in '%s'", bad);
    for (size_t i = 0; method[i]; i++)
        q->method[i] = (char)toupper((unsigned char)method[i]);

    char *name = resolve_url(h, ctx, url, o);

    /* The body, and its Content-Type. */
    const char *ctype = NULL;
    if (o->form != NULL && o->files == NULL) {
        q->owned_body = locust__http_pairs(h->easy, NULL, o->form);
        ctype = "Content-Type: application/x-www-form-urlencoded";
    } else if (o->json != NULL) {
        q->owned_body = cJSON_PrintUnformatted(o->json);
        ctype = "Content-Type: application/json";
    }
    if (q->owned_body != NULL) {
        q->body = q->owned_body;
        q->body_len = strlen(q->owned_body);
        q->has_body = true;
    } else if (o->body != NULL) {
        q->body = o->body;
        q->body_len = o->body_len || o->body_len_set ? o->body_len : strlen(o->body);
        q->has_body = true;
    }
    bool ok1, ok2, ok3 = true;
    bool plain = o->headers == NULL && ctype == NULL && o->files == NULL;
    if (plain && h->hdrs_plain[0] != NULL) {
        q->hdrs = h->hdrs_plain[0];
        q->hdrs_nobody = h->hdrs_plain[1];
        q->hdrs_shared = ok1 = ok2 = true;
    } else {
        q->hdrs = build_headers(h, o, ctype, true, &ok1);
        q->hdrs_nobody = build_headers(h, o, NULL, false, &ok2);
        if (plain && ok1 && ok2) {
            h->hdrs_plain[0] = q->hdrs;
            h->hdrs_plain[1] = q->hdrs_nobody;
            q->hdrs_shared = true;
        }
    }
    for (size_t i = 0; o->cookies && o->cookies[i] && o->cookies[i + 1] && ok3; i += 2) {
        size_t len = q->cookie ? strlen(q->cookie) : 0;
        char *c = realloc(q->cookie, len + strlen(o->cookies[i]) + strlen(o->cookies[i + 1]) + 4);
        if (c != NULL)
            sprintf(c + len, "%s%s=%s", len ? "; " : "", o->cookies[i], o->cookies[i + 1]);
        else
            ok3 = false;
        if (c != NULL) q->cookie = c;
    }
    /* Credentials: the request's, else the session's, else the URL's. */
    q->send_auth = true;
    q->auth_user = o->auth_user ? o->auth_user : h->auth_user ? h->auth_user : q->url_user;
    q->auth_password = o->auth_user ? o->auth_password : h->auth_user ? h->auth_password : q->url_password;
    if (q->auth_user != NULL && *q->auth_user == '\0' && q->auth_user == q->url_user) q->auth_user = NULL;
    char why[1024];
    int more = locust__req_more_prepare(h, o, why, sizeof why);
    if (more == LOCUST_EINVAL) {
        free(name);
        req_fail(h, ctx, "locust_request: %s", why);
    }
    ok3 = ok3 && more == 0;
    if (!ok1 || !ok2 || !ok3 || (o->form && !o->files && !q->owned_body) || (o->json && !q->owned_body)) {
        free(name);
        return NULL;
    }
    return name;
}

/*
 * Fetches the response, following redirects; returns the failed transfer's
 * code, with *sock_errno set when curl's hop found no socket.
 */
static CURLcode fetch(locust_http *h, locust_response *r, int *sock_errno)
{
    /* curl (and its global init, which costs milliseconds of start-up) only
     * when a hop needs it. */
    locust__http_multi *m = NULL;
    for (;;) {
        locust__response_reset_hop(r);
        locust__response_hop_cookies_reset(r);
        h->cookies_taken = 0;
        /* Over the session's own connection when it can, else through curl. */
        const char *why = locust__req_more_curl_why(h);
        h->hop_native = why == NULL && locust__wire_usable(h);
        if (why != NULL) h->curl_why = why;
        int err = h->hop_native ? locust__wire_hop(h) : LOCUST_EAGAIN;
        if (err == LOCUST_EAGAIN && h->hop_native) h->curl_why = "a connection the wire could not open";
        if (err == LOCUST_EAGAIN) {
            h->hop_native = false;
            locust__response_reset_hop(r);
            if (locust__http_easy(h) == NULL || locust__http_multi_get(h->runner, &m) != 0) {
                err = LOCUST_ENOMEM;
            } else {
                configure_hop(h);
                /* Only while this frame, which holds *sock_errno, waits for the hop. */
                *sock_errno = 0;
                curl_easy_setopt(h->easy, CURLOPT_OPENSOCKETDATA, sock_errno);
                err = run_hop(h, m);
                curl_easy_setopt(h->easy, CURLOPT_OPENSOCKETDATA, NULL);
            }
        }
        log_path(h);
        if (err == LOCUST_ECANCELED) {
            /* The user is being killed: drop everything and unwind; nothing is reported. */
            h->cur = NULL;
            h->stream = NULL;
            locust__http_req_clear(h);
            h->busy = false;
            locust__user_unwind(h->user);
        }
        if (err != 0) {
            locust__response_set_error(r, "ConnectionError", "could not start the transfer: %s",
                                       locust_strerror(err));
            h->xfer.end = locust__mono();
            return CURLE_OK;
        }
        CURLcode rc = h->xfer.result;
        long status = 0;
        if (!h->hop_native) curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status > 0) r->status = (int)status;
        /* A chunk callback that stopped the transfer is no failure. */
        if (rc != CURLE_OK && !(h->stream_stopped && rc == CURLE_WRITE_ERROR)) return rc;
        bool too_many;
        if (next_hop(h, r, &too_many)) continue;
        if (too_many) {
            r->status = 0;
            locust__response_set_error(r, "TooManyRedirects", "Exceeded %d redirects.",
                                       LOCUST__HTTP_MAX_REDIRECTS);
        }
        return CURLE_OK;
    }
}

locust_response *locust__http_request(locust_http *h, locust_ctx *ctx, const char *method, const char *url,
                                      const locust_request_opts *opts)
{
    static const locust_request_opts no_opts;
    const locust_request_opts *o = opts ? opts : &no_opts;
    if (locust__current_user() != h->user || h->busy)
        return refused(h, method ? method : "", url,
                       "locust_request must be called from the user's own task, one request at a time");
    h->req = &h->req_store;
    h->busy = true;
    h->req->opts = o;
    char *name = prepare(h, ctx, method, url, o);
    locust_response *r =
        name ? locust__response_new(h, method, o->name && *o->name ? o->name : name, o->catch_response)
             : NULL;
    free(name);
    if (r == NULL) {
        if (r) locust__response_release(r, NULL);
        locust__http_req_clear(h);
        h->busy = false;
        return NULL;
    }

    h->cur = r;
    h->follow = !o->no_redirects;
    h->stream = o->stream;
    h->stream_udata = o->stream_udata;
    h->streamed = 0;
    double start = locust__mono();
    int sock_errno = 0;
    CURLcode rc = fetch(h, r, &sock_errno);
    r->elapsed_ms = (h->xfer.end - start) * 1000.0;
    if (r->elapsed_ms < 0) r->elapsed_ms = 0;
    char *eff = NULL;
    if (!h->hop_native) curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &eff);
    if (!locust__response_str(&r->url, &r->url_cap, eff ? eff : h->req->url)) {
        free(r->url);
        r->url = NULL;
        r->url_cap = 0;
    }
    if (rc != CURLE_OK)
        transport_error(h, r, rc, sock_errno);
    else if (r->error == NULL)
        status_error(r);
    if (r->body == NULL) {
        r->body = calloc(1, 1);
        r->body_cap = r->body ? 1 : 0;
    }
    r->length = h->stream ? h->streamed : (int64_t)r->body_len;
    r->in_flight = false;
    h->cur = NULL;
    h->stream = NULL;
    locust__http_req_clear(h);
    h->busy = false;
    if (!r->catch_response) locust__response_report(r, NULL);
    return r;
}
