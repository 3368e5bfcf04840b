/*
 * The request options requests has beyond Locust 0.9's: multipart uploads
 * (.files), proxies (.proxy, locust_http_set_proxy()) and authentication
 * schemes other than basic (.auth_type). All three are curl's to carry
 * out: a hop that uses one never goes over the session's own connection.
 */
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"

int locust__req_more_prepare(locust_http *h, const locust_request_opts *o, char *why, size_t n)
{
    struct locust__http_req *q = h->req;
    if (o->auth_type < LOCUST_AUTH_BASIC || o->auth_type > LOCUST_AUTH_NEGOTIATE) {
        snprintf(why, n, "unknown .auth_type %d (LOCUST_AUTH_BASIC..LOCUST_AUTH_NEGOTIATE)", o->auth_type);
        return LOCUST_EINVAL;
    }
    if (o->proxy != NULL && strpbrk(o->proxy, "\r\n \t") != NULL) {
        snprintf(why, n, "invalid .proxy '%s'", o->proxy);
        return LOCUST_EINVAL;
    }
    /* The request's scheme, else the session's for the session's credentials. */
    q->auth_type = o->auth_type                                                      ? o->auth_type
                   : (!o->auth_user && h->auth_user && q->auth_user == h->auth_user) ? h->auth_type
                                                                                     : LOCUST_AUTH_BASIC;
    q->proxy = o->proxy ? o->proxy : h->proxy;
    if (o->files == NULL) return 0;
    if (o->body != NULL || o->json != NULL) {
        /* requests: "Data must not be a string." (and json= is ignored with files=). */
        snprintf(why, n, "give .files with .form only, not with .body or .json");
        return LOCUST_EINVAL;
    }
    if (locust__http_easy(h) == NULL) return LOCUST_ENOMEM;
    return locust__multipart_build(h, o, why, n);
}

const char *locust__req_more_curl_why(const locust_http *h)
{
    const struct locust__http_req *q = h->req;
    if (q->mime != NULL && !q->body_dropped) return "a multipart upload (.files)";
    if (q->proxy != NULL && *q->proxy != '\0') return "a proxy (.proxy or locust_http_set_proxy())";
    if (q->send_auth && q->auth_user != NULL && q->auth_type != LOCUST_AUTH_BASIC)
        return "an authentication scheme other than basic (.auth_type)";
    return NULL;
}

/* curl's CURLAUTH_* for a LOCUST_AUTH_*. */
static unsigned long curl_auth(int type)
{
    switch (type) {
    case LOCUST_AUTH_DIGEST:
        return CURLAUTH_DIGEST;
    case LOCUST_AUTH_NTLM:
        return CURLAUTH_NTLM;
    case LOCUST_AUTH_ANY:
        return CURLAUTH_ANY;
    case LOCUST_AUTH_ANYSAFE:
        return CURLAUTH_ANYSAFE;
    case LOCUST_AUTH_NEGOTIATE:
        return CURLAUTH_NEGOTIATE;
    default:
        return CURLAUTH_BASIC;
    }
}

bool locust__req_more_configure(locust_http *h)
{
    const struct locust__http_req *q = h->req;
    CURL *e = h->easy;
    /* NULL lets curl read http_proxy and friends; "" goes direct. */
    curl_easy_setopt(e, CURLOPT_PROXY, q->proxy);
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)curl_auth(q->auth_type));
    /* The upload, unless a redirect dropped it (configure_hop() unset it first). */
    if (q->mime == NULL || q->body_dropped || strcmp(q->method, "HEAD") == 0) return false;
    curl_easy_setopt(e, CURLOPT_MIMEPOST, q->mime);
    if (strcmp(q->method, "POST") != 0) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
    return true;
}

/*
 * requests' ProxyError: the proxy could not be reached, or it answered the
 * CONNECT of an https:// request with anything but 2xx (requests: "Cannot
 * connect to proxy.", OSError('Tunnel connection failed: 403 Forbidden');
 * curl: "CONNECT tunnel failed, response 403").
 */
bool locust__req_more_proxy_failed(locust_http *h, int rc)
{
    const struct locust__http_req *q = h->req;
    if (q->proxy == NULL || *q->proxy == '\0' || h->hop_native || h->easy == NULL) return false;
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_PROXY) return true;
    long connect_code = 0;
    curl_easy_getinfo(h->easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
    return connect_code != 0 && (connect_code < 200 || connect_code > 299);
}

void locust__req_more_clear(locust_http *h)
{
    struct locust__http_req *q = h->req;
    if (q->mime == NULL) return;
    /* The easy handle lets go of it first. */
    if (h->easy != NULL) curl_easy_setopt(h->easy, CURLOPT_MIMEPOST, NULL);
    curl_mime_free(q->mime);
    q->mime = NULL;
}
