/*
 * The session's own connection ("the wire"): an http:// or
 * https:// hop goes over a socket the session keeps, written and read
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
 * https:// runs TLS on the same socket (http_tls.c: OpenSSL, verified and
 * worded as curl does it). A hop that asks for HTTP/2 is a stream of an
 * HTTP/2 session on the same connection (http_wire_h2.c: nghttp2; h2 in
 * ALPN, or h2c with prior knowledge). Everything else stays with curl:
 * proxies from the environment and chunked uploads. A connect error to an
 * IP address is left to curl too, which retries the hop and words the
 * error as it always does.
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
#include "http/http_wire_conn.h"

/* curl's default connect timeout. */
#define CONNECT_TIMEOUT 300.0
/*
 * OpenSSL's record buffers (about 34 KiB per connection). A connection whose
 * request comes less than TLS_REST after its last response is busy: it keeps
 * them, and gives them back once it has rested TLS_REST (freeing and taking
 * them around every record costs 8% of an https request's instructions). Any
 * other (a new one, a user that waits) lets OpenSSL free them as soon as they
 * are empty and frees them after the response, so that many users waiting on
 * slow responses or between requests hold none.
 */
#define TLS_REST 1.0

/* ---- the connection --------------------------------------------------------- */

static void on_io(struct ev_loop *loop, ev_io *io, int revents);
static void on_timer(struct ev_loop *loop, ev_timer *t, int revents);
static void on_tls_rest(struct ev_loop *loop, ev_timer *t, int revents);
static void tls_rests(locust__wire *w);

locust__wire *locust__wire_new(locust_http *h)
{
    locust__wire *w = calloc(1, sizeof *w);
    if (w == NULL) return NULL;
    w->h = h;
    w->loop = locust__runner_loop(h->runner);
    w->fd = -1;
    ev_timer_init(&w->timer, on_timer, 0., 0.);
    w->timer.data = w;
    ev_timer_init(&w->tls_rest, on_tls_rest, 0., 0.);
    w->tls_rest.data = w;
    return w;
}

static void wire_close(locust__wire *w)
{
    if (w->fd < 0) return;
    ev_timer_stop(w->loop, &w->tls_rest);
    locust__wire_h2_end(w);
    w->conn_h2 = false;
    locust__tls_free(w->tls);
    w->tls = NULL;
    ev_io_stop(w->loop, &w->io);
    close(w->fd);
    w->fd = -1;
    w->events = 0;
    w->served = 0;
    w->http10 = false;
    w->tls_used_at = 0;
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
    /* An idle HTTP/2 connection hears from its server (settings, pings, GOAWAY): the session reads it. */
    if (w->h2 != NULL) {
        if (!locust__wire_h2_idle(w))
            wire_close(w);
        else if (w->tls != NULL)
            tls_rests(w); /* the read may have taken the record buffers back */
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

/* Gives OpenSSL's record buffers back, counted (it refuses while it holds bytes, and takes them again
 * when bytes come). */
static void tls_release(locust__wire *w)
{
    if (locust__tls_idle(w->tls)) w->tls_rests++;
}

static void on_tls_rest(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    locust__wire *w = t->data;
    double left = w->tls_used_at + TLS_REST - ev_now(loop);
    if (left > 0.001) {
        /* Used again since: look again when it has rested long enough. */
        ev_timer_set(t, left, 0.);
        ev_timer_start(loop, t);
    } else if (w->tls != NULL) {
        /* Between requests, or waiting for a response with nothing buffered. */
        tls_release(w);
    }
}

/* A TLS connection's response has ended: its buffers go once it has rested TLS_REST. */
static void tls_rests(locust__wire *w)
{
    w->tls_used_at = ev_now(w->loop);
    if (!ev_is_active(&w->tls_rest)) {
        ev_timer_set(&w->tls_rest, TLS_REST, 0.);
        ev_timer_start(w->loop, &w->tls_rest);
    }
}

void locust__wire_free(locust__wire *w)
{
    if (w == NULL) return;
    wire_close(w);
    locust__tls_resume_clear(&w->resume);
    ev_timer_stop(w->loop, &w->timer);
    free(w);
}

/*
 * Blocks the user until the socket is ready for `events`. Returns 0,
 * LOCUST_ETIMEDOUT past `deadline` (0: none) or LOCUST_ECANCELED.
 */
int locust__wire_wait(locust__wire *w, int events, double deadline)
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
    int rc = locust__wire_wait(w, EV_WRITE, deadline);
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

/* Whether the open connection goes where the next hop goes (with the same TLS settings). */
static bool same_peer(const locust__wire *w)
{
    /* A connection opened for HTTP/2 serves only HTTP/2 hops (and the other way round), while its server
     * still takes streams on it. */
    if (w->conn_h2 != w->to_h2 || (w->h2 != NULL && !locust__wire_h2_usable(w))) return false;
    if ((w->tls != NULL) != w->to_tls ||
        (w->to_tls && (w->to_ctx == NULL || !locust__tls_made_by(w->tls, w->to_ctx))))
        return false;
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
int locust__wire_send(locust__wire *w, const char *head, size_t head_len, const char *body, size_t body_len,
                      double deadline, int *err)
{
    size_t off = 0, total = head_len + body_len;
    while (off < total && w->tls != NULL) {
        /* TLS: head, then body, each in records as long as SSL_write() makes them. */
        bool in_head = off < head_len;
        const char *from = in_head ? head + off : body + (off - head_len);
        size_t n = in_head ? head_len - off : total - off;
        int want = 0;
        ssize_t s = locust__tls_write(w->tls, from, n, &want, err, w->tls_msg, sizeof w->tls_msg);
        if (s > 0) {
            off += (size_t)s;
            continue;
        }
        if (want == LOCUST__TLS_FAILED) {
            w->tls_failed = *err == 0;
            if (*err == 0) *err = EPROTO;
            return 0;
        }
        int rc = locust__wire_wait(w, want == LOCUST__TLS_WANT_READ ? EV_READ : EV_WRITE, deadline);
        if (rc != 0) return rc;
    }
    while (off < total) {
        struct iovec iov[2];
        int n = 0;
        if (off < head_len) iov[n++] = (struct iovec){(char *)head + off, head_len - off};
        size_t boff = off > head_len ? off - head_len : 0;
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
        int rc = locust__wire_wait(w, EV_READ | EV_WRITE, deadline);
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

/*
 * The TLS handshake on the new connection: 0, 1 when it failed (curl's
 * code and words in p, the connection closed), or the wait's error.
 */
static int tls_start(locust__wire *w, locust__wire_msg *p, double deadline)
{
    CURLcode code = w->ctx_code;
    if (w->to_ctx == NULL) {
        /* The settings' files could not be used: curl finds it once connected too. */
        wire_close(w);
        locust__wire_fail(p, code, "%s", w->tls_msg);
        return 1;
    }
    w->tls = locust__tls_new(w->to_ctx, w->fd, w->to_host, w->to_host_len, w->to_port, &w->resume);
    if (w->tls == NULL || (w->to_h2 && locust__tls_offer_h2(w->tls) != 0)) {
        wire_close(w);
        return LOCUST_ENOMEM;
    }
    for (;;) {
        int s = locust__tls_handshake(w->tls, &code, w->tls_msg, sizeof w->tls_msg);
        if (s == LOCUST__TLS_DONE) return 0;
        if (s == LOCUST__TLS_FAILED) {
            wire_close(w);
            locust__wire_fail(p, code, "%s", w->tls_msg);
            return 1;
        }
        int rc = locust__wire_wait(w, s == LOCUST__TLS_WANT_READ ? EV_READ : EV_WRITE, deadline);
        if (rc != 0) {
            wire_close(w);
            return rc;
        }
    }
}

/* ---- one hop ------------------------------------------------------------------------ */

/* What went wrong under a request, for read_response() and the retry. */
enum { R_EOF = 1, R_ERR, S_ERR };

/*
 * Reads from the connection, as recv() does: > 0, 0 at its end, or -1 with
 * errno EAGAIN (TLS: w->want says for what) or the failure (EPROTO: TLS's,
 * worded in w->tls_msg).
 */
ssize_t locust__wire_recv(locust__wire *w, char *buf, size_t n)
{
    w->want = 0;
    if (w->tls == NULL) return recv(w->fd, buf, n, 0);
    int want = 0, err = 0;
    ssize_t k = locust__tls_read(w->tls, buf, n, &want, &err, w->tls_msg, sizeof w->tls_msg);
    if (k >= 0) return k;
    if (want == LOCUST__TLS_WANT_READ || want == LOCUST__TLS_WANT_WRITE) {
        w->want = want == LOCUST__TLS_WANT_READ ? EV_READ : EV_WRITE;
        errno = EAGAIN;
    } else {
        w->tls_failed = err == 0;
        errno = err ? err : EPROTO;
    }
    return -1;
}

/* Reads until the response is complete (or parsing failed: p->result). */
static int read_response(locust__wire_msg *p, double deadline, int *err)
{
    locust__wire *w = p->w;
    for (;;) {
        if (locust__wire_parse(p) != CURLE_OK) return 0;
        if (p->state == ST_DONE) return 0;
        if (locust__wire_room(p) != 0) return 0;
        /* Bytes OpenSSL holds already decrypted will not wake the socket. */
        if (p->need_wait && !(w->tls != NULL && locust__tls_pending(w->tls))) {
            int rc = locust__wire_wait(w, w->want ? w->want : EV_READ, deadline);
            if (rc != 0) return rc;
        }
        p->need_wait = false;
        ssize_t n = locust__wire_recv(w, p->buf + p->end, p->cap - p->end);
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
    w->tls_failed = false;
    w->hop_h2 = false;
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
            if (w->to_tls) {
                /* Connected once TLS is up too, as curl counts it: a timeout before is a connect's. */
                rc = tls_start(w, &p, cdeadline);
                if (rc != 0) {
                    if (rc == 1) rc = 0; /* failed, in curl's words */
                    break;
                }
            }
        }
        h->wire_connected = true;
        if (w->tls != NULL) {
            w->tls_busy = w->tls_used_at > 0 && ev_now(w->loop) - w->tls_used_at < TLS_REST;
            locust__tls_keep_buffers(w->tls, w->tls_busy);
        }
        if ((rc = locust__wire_h2_pick(w, reused)) != 0) break;
        if (w->h2 != NULL) {
            rc = locust__wire_h2_exchange(w, &p, req.p, req.n, body, body_len, deadline, reused, attempt);
            if (rc != LOCUST__WIRE_H2_RETRY) break;
            /* A refused stream or a dead reused connection: again on a fresh one (curl's five times). */
            wire_close(w);
            p.result = CURLE_OK;
            h->errbuf[0] = '\0';
            continue;
        }
        int err = 0;
        rc = locust__wire_send(w, req.p, req.n, body, body_len, deadline, &err);
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
        if (rc != R_EOF && w->tls_failed)
            locust__wire_fail(&p, rc == S_ERR ? CURLE_SEND_ERROR : CURLE_RECV_ERROR, "%s", w->tls_msg);
        else if (rc == S_ERR)
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
        bool spent;
        if (w->h2 != NULL)
            spent = locust__wire_h2_spent(w, p.result);
        else
            spent = p.result != CURLE_OK || p.close || (p.start != p.end && !p.chunked) ||
                    p.state != ST_DONE ||
                    /* Bytes OpenSSL read ahead past the response: on a plain socket they would wake the
                     * idle watch, which closes the connection (on_io); the same here. */
                    (w->tls != NULL && locust__tls_pending(w->tls));
        if (spent) {
            wire_close(w);
        } else {
            w->served++;
            /* curl asks a server that answered in HTTP/1.0 in HTTP/1.0 on that connection. */
            w->http10 = p.version == 10;
            if (w->tls != NULL && w->tls_busy) {
                tls_rests(w);
            } else if (w->tls != NULL) {
                w->tls_used_at = ev_now(w->loop);
                tls_release(w);
            }
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
