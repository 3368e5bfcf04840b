/*
 * The HTTP session of a simulated user (Locust's HttpSession): created on
 * the first locust_client() or request of the user, kept in the user's
 * extension slot, and freed with the user. Plain http:// requests to an IP
 * address go over the session's own keep-alive connection (http_wire.c);
 * the rest goes through one curl easy handle, reused for every request, so
 * that its cookie jar and settings live as long as the user, with
 * connections kept alive in the runner's multi handle. The easy handle is
 * created on first need: a user that never needs curl does not pay its
 * memory (several kB each, which matters at 10k users). The cookie jar is
 * the session's own (http_cookie.c), used by both paths and never shared
 * between sessions.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http_internal.h"

static void session_task_end(void *ptr, const char *fail_msg)
{
    locust_http *h = ptr;
    locust__list *l;
    while ((l = locust__list_first(&h->responses)) != NULL)
        locust__response_release(locust__list_entry(l, locust_response, link), fail_msg);
}

static void session_destroy(void *ptr)
{
    locust_http *h = ptr;
    /*
     * A user that ends with responses still held was killed: like a Python
     * greenlet killed inside a `with` block, they are never reported.
     */
    locust__list *l;
    while ((l = locust__list_first(&h->responses)) != NULL) {
        locust_response *r = locust__list_entry(l, locust_response, link);
        r->reported = true;
        locust__response_release(r, NULL);
    }
    locust__http_req_clear(h);
    locust__wire_free(h->wire);
    locust__http_multi *m = locust__runner_slot(h->runner, LOCUST__SLOT_HTTP);
    if (m != NULL && h->easy != NULL) {
        locust__http_multi_remove(m, &h->xfer);
        if (h->counted) locust__http_multi_sessions(m, -1);
    }
    if (h->easy != NULL) curl_easy_cleanup(h->easy);
    locust__http_forget_headers(h);
    free(h->url_cache.key);
    free(h->url_cache.url);
    free(h->url_cache.name);
    free(h->url_cache.origin);
    for (size_t i = 0; i < h->nheaders; i++)
        free(h->headers[i]);
    free(h->auth_user);
    free(h->auth_password);
    free(h->ca_bundle);
    free(h->proxy);
    locust__cookie_clear(&h->jar);
    free(h);
}

locust_http *locust_client(locust_ctx *ctx)
{
    if (ctx == NULL) return NULL;
    locust_user *u = locust__ctx_user(ctx);
    locust__user_ext *ext = locust__user_ext_get(u);
    if (ext->ptr != NULL) return ext->ptr;
    /* The pools this thread fills are emptied with its runners. */
    if (locust__thread_drain_register(locust__http_pools_drain) != 0) return NULL;
    locust_http *h = calloc(1, sizeof *h);
    if (h == NULL) return NULL;
    h->user = u;
    locust__list_init(&h->responses);
    h->runner = locust__user_runner(u);
    h->max_body = LOCUST__HTTP_MAX_BODY;
    ext->ptr = h;
    ext->task_end = session_task_end;
    ext->destroy = session_destroy;
    return h;
}

void locust__http_forget_headers(locust_http *h)
{
    curl_slist_free_all(h->hdrs_plain[0]);
    curl_slist_free_all(h->hdrs_plain[1]);
    h->hdrs_plain[0] = h->hdrs_plain[1] = NULL;
    free(h->wire_head.p);
    h->wire_head.p = NULL;
    h->wire_head.hdrs = h->wire_head.usable_for = NULL;
}

CURL *locust__http_easy(locust_http *h)
{
    if (h->easy != NULL) return h->easy;
    locust__http_multi *m = NULL;
    if (locust__http_multi_get(h->runner, &m) != 0 || (h->easy = curl_easy_init()) == NULL) return NULL;
    locust__http_easy_init(h);
    locust__http_multi_sessions(m, +1);
    h->counted = true;
    return h->easy;
}

/* ---- settings ------------------------------------------------------------ */

int locust_http_set_header(locust_http *h, const char *name, const char *value)
{
    if (h == NULL || name == NULL || *name == '\0' || strpbrk(name, ":; \t\r\n") != NULL ||
        (value != NULL && strpbrk(value, "\r\n") != NULL))
        return LOCUST_EINVAL;
    locust__http_forget_headers(h);
    size_t nl = strlen(name), i;
    for (i = 0; i < h->nheaders; i++)
        if (strncasecmp(h->headers[i], name, nl) == 0 &&
            (h->headers[i][nl] == ':' || h->headers[i][nl] == ';'))
            break;
    if (value == NULL) { /* removes the header */
        if (i == h->nheaders) return 0;
        free(h->headers[i]);
        memmove(&h->headers[i], &h->headers[i + 1], (h->nheaders - i - 1) * sizeof h->headers[0]);
        h->nheaders--;
        return 0;
    }
    if (i == h->nheaders && h->nheaders == LOCUST__HTTP_MAX_DEFAULT_HEADERS) return LOCUST_ETOOBIG;
    char *line = malloc(nl + strlen(value) + 3);
    if (line == NULL) return LOCUST_ENOMEM;
    /* curl sends "Name;" as a header with an empty value; "Name:" would remove it. */
    if (*value == '\0')
        sprintf(line, "%s;", name);
    else
        sprintf(line, "%s: %s", name, value);
    if (i < h->nheaders)
        free(h->headers[i]);
    else
        h->nheaders++;
    h->headers[i] = line;
    return 0;
}

int locust_http_set_auth(locust_http *h, const char *user, const char *password)
{
    if (h == NULL) return LOCUST_EINVAL;
    char *u = user ? locust__strdup(user) : NULL;
    char *p = user ? locust__strdup(password ? password : "") : NULL;
    if (user != NULL && (u == NULL || p == NULL)) {
        free(u);
        free(p);
        return LOCUST_ENOMEM;
    }
    free(h->auth_user);
    free(h->auth_password);
    h->auth_user = u;
    h->auth_password = p;
    return 0;
}

const char *locust_http_cookie(locust_http *h, const char *name)
{
    if (h == NULL || name == NULL) return NULL;
    return locust__cookie_get(&h->jar, name, (int64_t)time(NULL));
}

int locust_http_clear_cookies(locust_http *h)
{
    if (h == NULL) return LOCUST_EINVAL;
    locust__cookie_clear(&h->jar);
    return 0;
}

int locust_http_set_http2(locust_http *h, bool on)
{
    if (h == NULL) return LOCUST_EINVAL;
    h->http2 = on;
    return 0;
}

int locust_http_set_ca_bundle(locust_http *h, const char *path)
{
    if (h == NULL || (path != NULL && *path == '\0')) return LOCUST_EINVAL;
    char *p = path ? locust__strdup(path) : NULL;
    if (path != NULL && p == NULL) return LOCUST_ENOMEM;
    free(h->ca_bundle);
    h->ca_bundle = p;
    return 0;
}

int locust_http_set_max_body(locust_http *h, size_t max)
{
    if (h == NULL || max == 0) return LOCUST_EINVAL;
    h->max_body = max;
    return 0;
}

/* ---- requests ------------------------------------------------------------ */

locust_response *locust_request_sized(locust_ctx *ctx, const char *method, const char *url,
                                      const locust_request_opts *opts, size_t opts_size)
{
    locust_http *h = locust_client(ctx);
    if (h == NULL) return NULL;
    locust_request_opts adapted;
    int aerr;
    opts = locust__opts_adapt(opts, opts_size, &adapted, sizeof adapted, &aerr);
    if (aerr) {
        /* A request that cannot be made fails the task (locust_request_sized()). */
        locust_fail(ctx, "locust_request: an option this liblocust (%s) does not know is set",
                    locust_version());
    }
    return locust__http_request(h, ctx, method, url, opts);
}

int locust_http_set_proxy(locust_http *h, const char *proxy)
{
    if (h == NULL || (proxy != NULL && strpbrk(proxy, "\r\n \t") != NULL)) return LOCUST_EINVAL;
    char *copy = NULL;
    if (proxy != NULL && (copy = locust__strdup(proxy)) == NULL) return LOCUST_ENOMEM;
    free(h->proxy);
    h->proxy = copy;
    return 0;
}

int locust_http_set_auth_type(locust_http *h, int type)
{
    if (h == NULL || type < LOCUST_AUTH_BASIC || type > LOCUST_AUTH_NEGOTIATE) return LOCUST_EINVAL;
    h->auth_type = type;
    return 0;
}
