/*
 * Which hops go over the session's own connection (http_wire.c), and
 * where one goes: the URL's scheme, address or host name, port and
 * target, and for https:// the thread's TLS context of the hop's settings.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_wire_conn.h"

/* ---- which hops go over the wire ----------------------------------------- */

/* Proxies from the environment, as curl reads them for http:// ([0]) and https:// ([1]) URLs. */
static _Thread_local int proxy_env[2] = {-1, -1};

static bool have_proxy_env(bool https)
{
    if (proxy_env[https] < 0) {
        static const char *const vars[2][4] = {{"http_proxy", "all_proxy", "ALL_PROXY", NULL},
                                               {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}};
        proxy_env[https] = 0;
        for (size_t i = 0; i < 4 && vars[https][i] != NULL; i++) {
            const char *v = getenv(vars[https][i]);
            if (v != NULL && *v != '\0') proxy_env[https] = 1;
        }
    }
    return proxy_env[https] == 1;
}

/*
 * Splits "http[s]://host[:port]/..." into the socket address (of an IP
 * address) or the host name (to_name), the port, the request target and
 * whether it is TLS. False when curl has to take the hop.
 */
static bool parse_target(const char *url, locust__wire *w)
{
    bool tls = strncmp(url, "https://", 8) == 0;
    if (!tls && strncmp(url, "http://", 7) != 0) return false;
    wire_addr *sa = &w->to;
    const char *a = url + (tls ? 8 : 7), *end = a + strcspn(a, "/?#");
    const char *host = a, *host_end, *port = NULL;
    char ip[INET6_ADDRSTRLEN + 1];
    if (*a == '[') {
        host = a + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (host_end == NULL) return false;
        if (host_end + 1 < end) {
            if (host_end[1] != ':') return false;
            port = host_end + 2;
        }
    } else {
        host_end = memchr(a, ':', (size_t)(end - a));
        if (host_end != NULL)
            port = host_end + 1;
        else
            host_end = end;
    }
    size_t hl = (size_t)(host_end - host);
    if (hl == 0 || hl >= sizeof ip) return false;
    memcpy(ip, host, hl);
    ip[hl] = '\0';
    unsigned long p = tls ? 443 : 80;
    if (port != NULL) {
        char *pe;
        if (port == end || *port < '0' || *port > '9') return false;
        p = strtoul(port, &pe, 10);
        if (pe != end || p == 0 || p > 65535) return false;
    }
    memset(sa, 0, sizeof *sa);
    w->to_name = NULL;
    if (*a == '[') {
        struct sockaddr_in6 *s6 = &sa->in6;
        if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1) return false;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)p);
        w->to_len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = &sa->in4;
        if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)p);
            w->to_len = sizeof *s4;
        } else {
            /* A host name, resolved by the runner's cache (http_resolve.c) when
             * a connection is opened. curl's URL parser left it in the URL. */
            w->to_name = host;
            w->to_name_len = hl;
        }
    }
    w->to_port = (uint16_t)p;
    w->to_tls = tls;
    w->to_host = host;
    w->to_host_len = hl;
    w->target = end;
    w->authority = a;
    w->authority_len = (size_t)(end - a);
    w->default_port = p == (tls ? 443 : 80);
    return true;
}

/* Set by the differential tests (tests/test_http_diff.c) to send every hop through curl. */
static bool force_curl;

void locust__wire_force_curl(bool on)
{
    force_curl = on;
}

bool locust__wire_usable(locust_http *h)
{
    struct locust__http_req *q = h->req;
    h->curl_why = "a test forced curl";
    if (force_curl) return false;
    h->curl_why = "a proxy from the environment";
    if (have_proxy_env(strncmp(q->url, "https://", 8) == 0)) return false;
    h->curl_why = "out of memory";
    locust__wire *w = h->wire;
    if (w == NULL && (w = h->wire = locust__wire_new(h)) == NULL) return false;
    /* HTTP/2 is a stream on the same connection (http_wire_h2.c). */
    w->to_h2 = h->http2 || q->opts->http2;
    if (locust__wire_memo_hit(&w->memo, q->url, &w->target, &w->authority, &w->to_host)) {
        /* The same origin as the last request: only the pointers into the URL move. */
        if (w->to_name != NULL) w->to_name = w->to_host;
    } else {
        if (!parse_target(q->url, w)) {
            h->curl_why = "a URL it does not take (userinfo, or an odd port)";
            return false;
        }
        locust__wire_memo_keep(&w->memo, q->url, w->target, w->authority, w->to_host);
    }
    if (w->to_tls) {
        /* The thread's context for the hop's TLS settings; when their files cannot be used, the
         * hop fails once connected, as curl's does. */
        const locust_request_opts *o = q->opts;
        locust__tls_cfg cfg = {.verify = !o->insecure,
                               .ca_bundle = o->ca_bundle ? o->ca_bundle : h->ca_bundle,
                               .client_cert = o->client_cert,
                               .client_key = o->client_key};
        w->to_ctx = locust__tls_ctx_get(&cfg, &w->ctx_code, w->tls_msg, sizeof w->tls_msg);
    }
    const struct curl_slist *hdrs = q->body_dropped ? q->hdrs_nobody : q->hdrs;
    if (hdrs != NULL && hdrs == h->wire_head.usable_for) return true;
    const char *expect = locust__wire_find_header(hdrs, "Expect");
    /* A chunked upload or a wait for 100-continue: curl's business. */
    bool ok = locust__wire_find_header(hdrs, "Transfer-Encoding") == NULL &&
              (expect == NULL || locust__wire_value_empty(expect));
    h->curl_why = "a Transfer-Encoding or Expect header";
    /* The session's shared lists stay as they are until forgotten. */
    if (ok && q->hdrs_shared) h->wire_head.usable_for = hdrs;
    return ok;
}
