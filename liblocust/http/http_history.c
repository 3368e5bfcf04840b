/*
 * What a response tells beyond its own status, headers and body, as
 * requests' Response does: the redirects followed to it (`history`), the
 * cookies its Set-Cookie headers gave (`cookies`), whether it is itself a
 * redirect (`is_redirect`) and raise_for_status(). Kept in a side record
 * that only a response with redirects, cookies or a raise_for_status()
 * call allocates, so a plain request costs nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http_internal.h"

/* Both caps are the session's own: it follows at most that many redirects
 * and takes at most that many Set-Cookie headers from one response. */
struct locust__resp_more {
    int nhist;
    struct {
        int status;
        char *url;
    } hist[LOCUST__HTTP_MAX_REDIRECTS];
    int ncookies;
    struct {
        char *name, *value;
    } cookies[LOCUST__COOKIE_MAX_SET];
    char *status_text; /* raise_for_status()'s words */
};

static struct locust__resp_more *more(locust_response *r)
{
    if (r->more == NULL) r->more = calloc(1, sizeof *r->more);
    return r->more;
}

void locust__response_hop_cookies_reset(locust_response *r)
{
    struct locust__resp_more *m = r->more;
    if (m == NULL) return;
    for (int i = 0; i < m->ncookies; i++) {
        free(m->cookies[i].name);
        free(m->cookies[i].value);
    }
    m->ncookies = 0;
}

void locust__response_more_free(locust_response *r)
{
    struct locust__resp_more *m = r->more;
    if (m == NULL) return;
    locust__response_hop_cookies_reset(r);
    for (int i = 0; i < m->nhist; i++)
        free(m->hist[i].url);
    free(m->status_text);
    free(m);
    r->more = NULL;
}

void locust__response_history_add(locust_response *r, int status, const char *url)
{
    struct locust__resp_more *m = more(r);
    if (m == NULL || m->nhist >= LOCUST__HTTP_MAX_REDIRECTS) return;
    char *u = locust__strdup(url);
    if (u == NULL) return;
    m->hist[m->nhist].status = status;
    m->hist[m->nhist].url = u;
    m->nhist++;
}

/* A copy of s[0..n) without the blanks around it. */
static char *trimmed(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *out = malloc(n + 1);
    if (out == NULL) return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

/* Whether the jar holds a live cookie `name` with `value`: the line was kept, not a deletion. */
static bool jar_holds(const locust__cookie_jar *jar, const char *name, const char *value)
{
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < jar->n; i++) {
        const locust__cookie *c = jar->c[i];
        if (strcmp(c->name, name) == 0 && strcmp(c->value, value) == 0 &&
            (c->expires == 0 || c->expires > now))
            return true;
    }
    return false;
}

void locust__response_cookie_set(locust_response *r, const locust__cookie_jar *jar, const char *line)
{
    size_t pair = strcspn(line, ";\r\n");
    const char *eq = memchr(line, '=', pair);
    if (eq == NULL) return;
    char *name = trimmed(line, (size_t)(eq - line));
    char *value = trimmed(eq + 1, pair - (size_t)(eq + 1 - line));
    struct locust__resp_more *m = NULL;
    if (name != NULL && value != NULL && *name != '\0' && jar_holds(jar, name, value)) m = more(r);
    if (m == NULL || m->ncookies >= LOCUST__COOKIE_MAX_SET) {
        free(name);
        free(value);
        return;
    }
    /* A name set twice by one response keeps its last value, as in a jar. */
    for (int i = 0; i < m->ncookies; i++) {
        if (strcmp(m->cookies[i].name, name) == 0) {
            free(m->cookies[i].value);
            m->cookies[i].value = value;
            free(name);
            return;
        }
    }
    m->cookies[m->ncookies].name = name;
    m->cookies[m->ncookies].value = value;
    m->ncookies++;
}

/* ---- the public accessors ------------------------------------------------ */

int locust_response_history_count(const locust_response *r)
{
    return r && r->more ? r->more->nhist : 0;
}

int locust_response_history(const locust_response *r, int i, int *status, const char **url)
{
    if (i < 0 || i >= locust_response_history_count(r)) return LOCUST_EINVAL;
    if (status != NULL) *status = r->more->hist[i].status;
    if (url != NULL) *url = r->more->hist[i].url;
    return 0;
}

int locust_response_cookie_count(const locust_response *r)
{
    return r && r->more ? r->more->ncookies : 0;
}

int locust_response_cookie_at(const locust_response *r, int i, const char **name, const char **value)
{
    if (i < 0 || i >= locust_response_cookie_count(r)) return LOCUST_EINVAL;
    if (name != NULL) *name = r->more->cookies[i].name;
    if (value != NULL) *value = r->more->cookies[i].value;
    return 0;
}

const char *locust_response_cookie(const locust_response *r, const char *name)
{
    for (int i = 0; name != NULL && i < locust_response_cookie_count(r); i++)
        if (strcmp(r->more->cookies[i].name, name) == 0) return r->more->cookies[i].value;
    return NULL;
}

static bool redirect_with(const locust_response *r, bool permanent)
{
    if (r == NULL || locust_response_header(r, "Location") == NULL) return false;
    int s = r->status;
    return s == 301 || s == 308 || (!permanent && (s == 302 || s == 303 || s == 307));
}

bool locust_response_is_redirect(const locust_response *r)
{
    return redirect_with(r, false);
}

bool locust_response_is_permanent_redirect(const locust_response *r)
{
    return redirect_with(r, true);
}

int locust_response_raise_for_status(locust_response *r, const char **text)
{
    if (text != NULL) *text = NULL;
    if (r == NULL) return LOCUST_EINVAL;
    if (r->status < 400 || r->status >= 600) return 0;
    struct locust__resp_more *m = more(r);
    if (m == NULL) return LOCUST_ENOMEM;
    if (m->status_text == NULL) {
        /* requests' words: "{status} Client Error: {reason} for url: {url}". */
        const char *url = locust_response_url(r), *reason = locust_response_reason(r);
        size_t n = strlen(url) + strlen(reason) + 48;
        if ((m->status_text = malloc(n)) == NULL) return LOCUST_ENOMEM;
        snprintf(m->status_text, n, "%d %s Error: %s for url: %s", r->status,
                 r->status < 500 ? "Client" : "Server", reason, url);
    }
    if (text != NULL) *text = m->status_text;
    /* Marked as the default rule would mark it, but now. */
    if (r->catch_response && !r->reported && !r->in_flight) {
        locust__response_set_error(r, "HTTPError", "%s", m->status_text);
        locust__response_report(r, NULL);
    }
    return LOCUST_EHTTP;
}
