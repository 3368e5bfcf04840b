/*
 * The session's own HTTP/1.1 connection ("the wire"): a plain http:// hop
 * to an IP address goes over a socket the session keeps, written and read
 * right on the user's fiber, instead of through curl.
 *
 * Why: curl's per-transfer machinery (re-adding the easy handle to the
 * multi, rebuilding the request with its byte-at-a-time printf, the
 * connection cache and its liveness poll(), the proxy environment lookups,
 * a 16 KiB buffer allocated and freed per transfer) measured ~80,000
 * instructions and five system calls per request (bench/callgrind.sh);
 * here a request is a send() and a recv(), as with wrk.
 *
 * It sends what curl 7.88 sends for the same hop, byte for byte: the
 * request line, Host, Authorization, User-Agent, Accept, Accept-Encoding,
 * Cookie, the custom headers under curl's rules ("Name:" removes a header,
 * "Name;" sends it empty), then Content-Length and the body. What arrives
 * goes to the same header and write callbacks as curl's data, and failures
 * carry curl's codes and words, so a response does not tell which path
 * fetched it. A host name is resolved once per runner (http_resolve.c).
 * Everything else stays with curl: https, proxies from the environment, chunked uploads, and
 * sessions whose cookie jar holds cookies (the jar is curl's; a Set-Cookie
 * that arrives here is handed to it). A connect error is left to curl too,
 * which retries the hop and words the error as it always does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "http/http_resolve.h"
#include "http/http_wire.h"

/* curl's default connect timeout. */
#define CONNECT_TIMEOUT 300.0

typedef locust__sockaddr wire_addr;

struct locust__wire {
    locust_http *h;
    struct ev_loop *loop;
    int fd;
    ev_io io;
    ev_timer timer;
    int events;
    bool waiting;    /* the user is blocked on this connection */
    bool timed_out;  /* the timer fired while it was */
    unsigned served; /* responses read on this connection */
    bool http10;     /* its server answered in HTTP/1.0 */
    wire_addr addr;  /* where the connection goes */
    socklen_t addr_len;
    char *conn_name; /* the host name it was opened for (NULL: an IP address) */
    size_t conn_name_len;
    /* The next hop, as locust__wire_usable() found it for locust__wire_hop():
     * an IP address in `to`, or a host name (to_name) and port. */
    wire_addr to;
    socklen_t to_len;
    const char *to_name;
    size_t to_name_len;
    uint16_t to_port;
    const char *target, *authority;
    size_t authority_len;
    bool default_port;
    int conn_errno;         /* why the last connect() failed */
    locust__wire_memo memo; /* the origin the `to` fields were found for (http_wire_memo.c) */
};

/* ---- which hops go over the wire ----------------------------------------- */

/* Proxies from the environment, as curl reads them for http:// URLs. */
static _Thread_local int proxy_env = -1;

static bool have_proxy_env(void)
{
    if (proxy_env < 0) {
        static const char *const vars[] = {"http_proxy", "all_proxy", "ALL_PROXY"};
        proxy_env = 0;
        for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
            const char *v = getenv(vars[i]);
            if (v != NULL && *v != '\0') proxy_env = 1;
        }
    }
    return proxy_env == 1;
}

/*
 * Splits "http://host[:port]/..." into the socket address (of an IP
 * address) or the host name and port (*name), and the request target.
 * False when curl has to take the hop.
 */
static bool parse_target(const char *url, wire_addr *sa, socklen_t *len, const char **name, size_t *name_len,
                         uint16_t *name_port, const char **target, const char **authority,
                         size_t *authority_len, bool *default_port)
{
    if (strncmp(url, "http://", 7) != 0) return false;
    const char *a = url + 7, *end = a + strcspn(a, "/?#");
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
    unsigned long p = 80;
    if (port != NULL) {
        char *pe;
        if (port == end || *port < '0' || *port > '9') return false;
        p = strtoul(port, &pe, 10);
        if (pe != end || p == 0 || p > 65535) return false;
    }
    memset(sa, 0, sizeof *sa);
    *name = NULL;
    if (*a == '[') {
        struct sockaddr_in6 *s6 = &sa->in6;
        if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1) return false;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)p);
        *len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = &sa->in4;
        if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)p);
            *len = sizeof *s4;
        } else {
            /* A host name, resolved by the runner's cache (http_resolve.c) when
             * a connection is opened. curl's URL parser left it in the URL. */
            *name = host;
            *name_len = hl;
            *name_port = (uint16_t)p;
        }
    }
    *target = end;
    *authority = a;
    *authority_len = (size_t)(end - a);
    *default_port = p == 80;
    return true;
}

static void on_io(struct ev_loop *loop, ev_io *io, int revents);
static void on_timer(struct ev_loop *loop, ev_timer *t, int revents);

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
    h->curl_why = "HTTP/2";
    if (h->http2 || q->opts->http2) return false;
    h->curl_why = "a proxy from the environment";
    if (have_proxy_env()) return false;
    h->curl_why = "https";
    if (strncmp(q->url, "http://", 7) != 0) return false;
    h->curl_why = "out of memory";
    locust__wire *w = h->wire;
    if (w == NULL) {
        if ((w = calloc(1, sizeof *w)) == NULL) return false;
        w->h = h;
        w->loop = locust__runner_loop(h->runner);
        w->fd = -1;
        ev_timer_init(&w->timer, on_timer, 0., 0.);
        w->timer.data = w;
        h->wire = w;
    }
    if (!locust__wire_memo_hit(&w->memo, q->url, &w->target, &w->authority, &w->to_name)) {
        if (!parse_target(q->url, &w->to, &w->to_len, &w->to_name, &w->to_name_len, &w->to_port, &w->target,
                          &w->authority, &w->authority_len, &w->default_port)) {
            h->curl_why = "a URL it does not take (userinfo, or an odd port)";
            return false;
        }
        locust__wire_memo_keep(&w->memo, q->url, w->target, w->authority, w->to_name);
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

/* ---- the connection --------------------------------------------------------- */

static void wire_close(locust__wire *w)
{
    if (w->fd < 0) return;
    ev_io_stop(w->loop, &w->io);
    close(w->fd);
    w->fd = -1;
    w->events = 0;
    w->served = 0;
    w->http10 = false;
    free(w->conn_name);
    w->conn_name = NULL;
}

static void on_io(struct ev_loop *loop, ev_io *io, int revents)
{
    locust__wire *w = io->data;
    if (w->waiting) {
        locust__user_wake(w->h->user);
        return;
    }
    /* An event queued before the user read what it announced is stale. */
    char c;
    ssize_t n = recv(w->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    /* Data or end of file on an idle connection: the server closed it (or
     * broke the protocol). Either way it cannot carry another request. */
    wire_close(w);
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    locust__wire *w = t->data;
    w->timed_out = true;
    if (w->waiting) locust__user_wake(w->h->user);
}

void locust__wire_free(locust__wire *w)
{
    if (w == NULL) return;
    wire_close(w);
    ev_timer_stop(w->loop, &w->timer);
    free(w);
}

/*
 * Blocks the user until the socket is ready for `events`. Returns 0,
 * LOCUST_ETIMEDOUT past `deadline` (0: none) or LOCUST_ECANCELED.
 */
static int wait_fd(locust__wire *w, int events, double deadline)
{
    if (w->events != events) {
        ev_io_stop(w->loop, &w->io);
        ev_io_set(&w->io, w->fd, events);
        ev_io_start(w->loop, &w->io);
        w->events = events;
    }
    w->timed_out = false;
    if (deadline > 0) {
        double left = deadline - locust__mono();
        if (left <= 0) return LOCUST_ETIMEDOUT;
        ev_timer_set(&w->timer, left, 0.);
        ev_timer_start(w->loop, &w->timer);
    }
    w->waiting = true;
    /* A graceful stop lets the request finish (locust__user_block_io). */
    int rc = locust__user_block_io(w->h->user);
    w->waiting = false;
    if (deadline > 0) ev_timer_stop(w->loop, &w->timer);
    if (rc != 0) return rc;
    return w->timed_out ? LOCUST_ETIMEDOUT : 0;
}

/* Connects to w->addr; LOCUST_EAGAIN when that address refused or failed. */
static int connect_one(locust__wire *w, double deadline)
{
    int fd = socket(w->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    w->conn_errno = errno;
    if (fd < 0) return LOCUST_EAGAIN;
    int one = 1;
    /* curl sets TCP_NODELAY too: the head and a small body leave at once. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    w->fd = fd;
    ev_io_init(&w->io, on_io, fd, EV_WRITE);
    w->io.data = w;
    ev_io_start(w->loop, &w->io);
    w->events = EV_WRITE;
    if (connect(fd, &w->addr.sa, w->addr_len) == 0) return 0;
    if (errno != EINPROGRESS) {
        w->conn_errno = errno;
        wire_close(w);
        return LOCUST_EAGAIN;
    }
    int rc = wait_fd(w, EV_WRITE, deadline);
    if (rc != 0) {
        wire_close(w);
        return rc;
    }
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
        w->conn_errno = err ? err : errno;
        wire_close(w);
        return LOCUST_EAGAIN;
    }
    return 0;
}

/*
 * Opens the connection of the hop: to its IP address, or to the addresses
 * of its host name in turn (as curl tries them). LOCUST_ENOENT: the name
 * does not resolve; LOCUST_ECONNREFUSED: no address took the connection
 * (w->conn_errno says why). LOCUST_EAGAIN leaves the hop of an IP address
 * to curl, which words the error as it always does.
 */
static int wire_connect(locust__wire *w, double deadline)
{
    if (w->to_name == NULL) {
        memcpy(&w->addr, &w->to, w->to_len);
        w->addr_len = w->to_len;
        return connect_one(w, deadline);
    }
    locust__dns_addrs addrs;
    int rc = locust__resolve(w->h->runner, w->h->user, w->to_name, w->to_name_len, deadline, &addrs);
    if (rc == LOCUST_ECANCELED || rc == LOCUST_ENOENT || rc == LOCUST_ETIMEDOUT) return rc;
    if (rc != 0) return LOCUST_EAGAIN;
    rc = LOCUST_EAGAIN;
    for (unsigned i = 0; i < addrs.n && rc == LOCUST_EAGAIN; i++) {
        w->addr = addrs.a[i];
        if (w->addr.sa.sa_family == AF_INET6)
            w->addr.in6.sin6_port = htons(w->to_port);
        else
            w->addr.in4.sin_port = htons(w->to_port);
        w->addr_len = locust__sockaddr_len(&w->addr);
        rc = connect_one(w, deadline);
    }
    /* curl would resolve the name again, maybe otherwise: the words are ours (curl's). */
    if (rc == LOCUST_EAGAIN) return LOCUST_ECONNREFUSED;
    if (rc != 0) return rc;
    if ((w->conn_name = malloc(w->to_name_len + 1)) == NULL) {
        wire_close(w);
        return LOCUST_ENOMEM;
    }
    memcpy(w->conn_name, w->to_name, w->to_name_len);
    w->conn_name[w->to_name_len] = '\0';
    w->conn_name_len = w->to_name_len;
    return 0;
}

/* Whether the open connection goes where the next hop goes. */
static bool same_peer(const locust__wire *w)
{
    if (w->to_name == NULL)
        return w->conn_name == NULL && w->addr_len == w->to_len && memcmp(&w->addr, &w->to, w->to_len) == 0;
    if (w->conn_name == NULL || w->conn_name_len != w->to_name_len ||
        strncasecmp(w->conn_name, w->to_name, w->to_name_len) != 0)
        return false;
    uint16_t port = w->addr.sa.sa_family == AF_INET6 ? w->addr.in6.sin6_port : w->addr.in4.sin_port;
    return port == htons(w->to_port);
}

/* Sends head and body: 0 (with *err set to errno when sending failed), LOCUST_ETIMEDOUT or LOCUST_ECANCELED.
 */
static int send_all(locust__wire *w, const locust__sbuf *head, const char *body, size_t body_len,
                    double deadline, int *err)
{
    size_t off = 0, total = head->n + body_len;
    while (off < total) {
        struct iovec iov[2];
        int n = 0;
        if (off < head->n) iov[n++] = (struct iovec){head->p + off, head->n - off};
        size_t boff = off > head->n ? off - head->n : 0;
        if (body_len > boff) iov[n++] = (struct iovec){(char *)body + boff, body_len - boff};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t s = sendmsg(w->fd, &m, MSG_NOSIGNAL);
        if (s >= 0) {
            off += (size_t)s;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            *err = errno;
            return 0;
        }
        int rc = wait_fd(w, EV_READ | EV_WRITE, deadline);
        if (rc != 0) return rc;
    }
    if (w->events != EV_READ) {
        ev_io_stop(w->loop, &w->io);
        ev_io_set(&w->io, w->fd, EV_READ);
        ev_io_start(w->loop, &w->io);
        w->events = EV_READ;
    }
    return 0;
}

/* ---- one hop ------------------------------------------------------------------------ */

/* What went wrong under a request, for read_response() and the retry. */
enum { R_EOF = 1, R_ERR, S_ERR };

/* Reads until the response is complete (or parsing failed: p->result). */
static int read_response(locust__wire_msg *p, double deadline, int *err)
{
    locust__wire *w = p->w;
    for (;;) {
        if (locust__wire_parse(p) != CURLE_OK) return 0;
        if (p->state == ST_DONE) return 0;
        if (locust__wire_room(p) != 0) return 0;
        if (p->need_wait) {
            int rc = wait_fd(w, EV_READ, deadline);
            if (rc != 0) return rc;
            p->need_wait = false;
        }
        ssize_t n = recv(w->fd, p->buf + p->end, p->cap - p->end, 0);
        if (n > 0) {
            p->end += (size_t)n;
            p->got += (size_t)n;
            continue;
        }
        if (n == 0) return R_EOF; /* the caller decides what the close means */
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            *err = errno;
            return R_ERR;
        }
        p->need_wait = true;
    }
}

int locust__wire_hop(locust_http *h)
{
    struct locust__http_req *q = h->req;
    const locust_request_opts *o = q->opts;
    locust__wire *w = h->wire; /* set up by locust__wire_usable() */
    /* One connection per session, like a browser tab's: another origin replaces it. */
    if (w->fd >= 0 && !same_peer(w)) wire_close(w);

    h->errbuf[0] = '\0';
    h->wire_connected = false;
    double start = locust__mono();
    double deadline = o->timeout > 0 ? start + o->timeout : 0;
    double cdeadline = start + (o->connect_timeout > 0 ? o->connect_timeout : CONNECT_TIMEOUT);
    if (deadline > 0 && deadline < cdeadline) cdeadline = deadline;

    locust__sbuf req = {.p = req.local, .cap = sizeof req.local};
    locust__wire_build_request(h, &req, w->target, w->authority, w->authority_len, w->default_port,
                               w->fd >= 0 && w->http10);
    if (req.failed) {
        locust__sb_free(&req);
        return LOCUST_ENOMEM;
    }
    const char *body = q->has_body && strcmp(q->method, "HEAD") != 0 ? q->body : NULL;
    size_t body_len = body ? q->body_len : 0;

    locust__wire_msg p = {.w = w, .h = h, .head = strcmp(q->method, "HEAD") == 0, .result = CURLE_OK};
    locust__wire_msg_init(&p);
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        bool reused = w->fd >= 0;
        if (!reused) {
            rc = wire_connect(w, cdeadline);
            if (rc == LOCUST_ENOENT) {
                /* curl's words for it (Curl_resolver_error()). */
                locust__wire_fail(&p, CURLE_COULDNT_RESOLVE_HOST, "Could not resolve host: %.*s",
                                  (int)w->to_name_len, w->to_name);
                rc = 0;
                break;
            }
            if (rc == LOCUST_ECONNREFUSED) {
                char why[160];
                locust__http_connect_reason(w->conn_errno, why, sizeof why);
                locust__wire_fail(&p, CURLE_COULDNT_CONNECT, "Failed to connect to %.*s port %u%s",
                                  (int)w->to_name_len, w->to_name, (unsigned)w->to_port, why);
                rc = 0;
                break;
            }
            if (rc != 0) break; /* timed out, LOCUST_EAGAIN (curl words the error) or cancelled */
        }
        h->wire_connected = true;
        int err = 0;
        rc = send_all(w, &req, body, body_len, deadline, &err);
        if (rc == 0 && err != 0) rc = S_ERR;
        if (rc == 0) {
            if (p.buf == NULL) {
                if ((p.buf = locust__wire_buf_get()) == NULL) {
                    rc = LOCUST_ENOMEM;
                    break;
                }
                p.cap = LOCUST__WIRE_BUF;
            }
            /* The answer cannot be there yet: wait before the first recv(). */
            p.need_wait = true;
            rc = read_response(&p, deadline, &err);
        }
        if (rc <= 0) break;
        /* A kept-alive connection the server had closed is retried once on
         * a fresh one, as curl does, when no line of the response came. */
        wire_close(w);
        if (reused && p.line_bytes + p.body_bytes == 0 && attempt == 0) {
            p.state = ST_STATUS;
            p.start = p.end = 0;
            p.got = 0;
            continue;
        }
        if (rc == S_ERR)
            locust__wire_fail(&p, CURLE_SEND_ERROR, "Send failure: %s", strerror(err));
        else if (rc == R_ERR)
            locust__wire_fail(&p, CURLE_RECV_ERROR, "Recv failure: %s", strerror(err));
        else
            locust__wire_eof(&p);
        rc = 0;
        break;
    }
    if (rc == LOCUST_ETIMEDOUT) {
        p.result = CURLE_OPERATION_TIMEDOUT;
        rc = 0;
    }
    locust__sb_free(&req);
    if (rc == 0) {
        /* Bytes after a length-delimited body make the connection unusable; curl
         * drops those after a chunked one and keeps the connection. */
        if (p.result != CURLE_OK || p.close || (p.start != p.end && !p.chunked) || p.state != ST_DONE) {
            wire_close(w);
        } else {
            w->served++;
            /* curl asks a server that answered in HTTP/1.0 in HTTP/1.0 on that connection. */
            w->http10 = p.version == 10;
        }
        h->xfer.result = p.result;
        h->xfer.end = locust__mono();
        h->xfer.done = true;
    } else {
        wire_close(w);
    }
    locust__wire_msg_end(&p);
    return rc;
}

char *locust__wire_redirect_url(locust_http *h, locust_response *r)
{
    const char *loc = NULL;
    /* curl follows the first Location header. */
    for (size_t off = 0; off < r->hdrs_len && loc == NULL;) {
        const char *k = r->hdrs + off, *v = k + strlen(k) + 1;
        if (strcasecmp(k, "Location") == 0) loc = v;
        off = (size_t)(v + strlen(v) + 1 - r->hdrs);
    }
    if (loc == NULL || r->status < 300 || r->status > 399) return NULL;
    CURLU *u = curl_url();
    char *out = NULL, *s = NULL;
    if (u != NULL && curl_url_set(u, CURLUPART_URL, h->req->url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, loc, CURLU_ALLOW_SPACE) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        out = locust__strdup(s);
    curl_free(s);
    curl_url_cleanup(u);
    return out;
}
