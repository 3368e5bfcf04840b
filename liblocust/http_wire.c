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
 * fetched it. Everything else stays with curl: https, host names (curl
 * resolves them), proxies from the environment, chunked uploads, and
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

#include "http_internal.h"

/* The read buffer: one per request in flight, pooled (idle users hold none). */
#define WIRE_BUF  (16u * 1024)
#define POOL_KEEP 64
/* curl's cap on one response header line (CURL_MAX_HTTP_HEADER). */
#define MAX_LINE (100u * 1024)
/* curl's default connect timeout. */
#define CONNECT_TIMEOUT 300.0

/* A socket address of either family, smaller than sockaddr_storage (a wire per user). */
typedef union wire_addr {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
} wire_addr;

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
    wire_addr addr;  /* where the connection goes */
    socklen_t addr_len;
    /* The next hop, as locust__wire_usable() found it for locust__wire_hop(). */
    wire_addr to;
    socklen_t to_len;
    const char *target, *authority;
    size_t authority_len;
    bool default_port;
};

/* ---- buffers ------------------------------------------------------------- */

static char *pool[POOL_KEEP];
static size_t pool_n;

static char *buf_get(void)
{
    return pool_n ? pool[--pool_n] : malloc(WIRE_BUF);
}

static void buf_put(char *b, size_t cap)
{
    if (cap == WIRE_BUF && pool_n < POOL_KEEP)
        pool[pool_n++] = b;
    else
        free(b);
}

/* A growable string for the request head; capped like every buffer. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool failed;
    char local[1024];
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap * 2;
        while (cap < b->n + n)
            cap *= 2;
        if (cap > LOCUST__HTTP_MAX_HEADER_BYTES * 4 + LOCUST__HTTP_MAX_BODY) {
            b->failed = true;
            return;
        }
        char *p = b->p == b->local ? malloc(cap) : realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        if (b->p == b->local) memcpy(p, b->local, b->n);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_free(sbuf *b)
{
    if (b->p != b->local) free(b->p);
}

/* ---- which hops go over the wire ----------------------------------------- */

/* Proxies from the environment, as curl reads them for http:// URLs. */
static int proxy_env = -1;

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

/* Whether a "Name: value" line's value is empty (only blanks). */
static bool value_empty(const char *line)
{
    const char *v = line + strcspn(line, ":;");
    return *v == '\0' || v[1 + strspn(v + 1, " \t\r\n\v\f")] == '\0';
}

/* The custom header named `name`, as curl's Curl_checkheaders() finds it. */
static const char *find_header(const struct curl_slist *l, const char *name)
{
    size_t n = strlen(name);
    for (; l != NULL; l = l->next)
        if (strncasecmp(l->data, name, n) == 0 && (l->data[n] == ':' || l->data[n] == ';')) return l->data;
    return NULL;
}

/*
 * Splits "http://host[:port]/..." of an IP address into the socket address
 * and the request target. False when curl has to take the hop.
 */
static bool parse_target(const char *url, wire_addr *sa, socklen_t *len, const char **target,
                         const char **authority, size_t *authority_len, bool *default_port)
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
    if (*a == '[') {
        struct sockaddr_in6 *s6 = &sa->in6;
        if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1) return false;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)p);
        *len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = &sa->in4;
        if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1) return false;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)p);
        *len = sizeof *s4;
    }
    *target = end;
    *authority = a;
    *authority_len = (size_t)(end - a);
    *default_port = p == 80;
    return true;
}

static void on_io(struct ev_loop *loop, ev_io *io, int revents);
static void on_timer(struct ev_loop *loop, ev_timer *t, int revents);

bool locust__wire_usable(locust_http *h)
{
    struct locust__http_req *q = h->req;
    if (h->jar_used || have_proxy_env() || strncmp(q->url, "http://", 7) != 0) return false;
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
    if (!parse_target(q->url, &w->to, &w->to_len, &w->target, &w->authority, &w->authority_len,
                      &w->default_port))
        return false;
    const struct curl_slist *hdrs = q->body_dropped ? q->hdrs_nobody : q->hdrs;
    const char *expect = find_header(hdrs, "Expect");
    /* A chunked upload or a wait for 100-continue: curl's business. */
    return find_header(hdrs, "Transfer-Encoding") == NULL && (expect == NULL || value_empty(expect));
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

/* Opens the connection; LOCUST_EAGAIN leaves the error to curl. */
static int wire_connect(locust__wire *w, double deadline)
{
    int fd = socket(w->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
        wire_close(w);
        return LOCUST_EAGAIN;
    }
    return 0;
}

/* ---- the request ------------------------------------------------------------- */

static void base64(sbuf *b, const char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        out[0] = t[(v >> 18) & 63];
        out[1] = t[(v >> 12) & 63];
        out[2] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[3] = i + 2 < n ? t[v & 63] : '=';
        sb_add(b, out, 4);
    }
}

/* The custom headers as curl's Curl_add_custom_headers() sends them. */
static void custom_headers(sbuf *b, const struct curl_slist *l)
{
    for (; l != NULL; l = l->next) {
        const char *d = l->data, *colon = strchr(d, ':');
        if (colon == NULL) {
            /* "Name;" sends the header empty; anything after the ';' is ignored. */
            const char *semi = strchr(d, ';');
            if (semi == NULL || semi == d || semi[1] != '\0') continue;
            if (strncasecmp(d, "Host;", 5) == 0) continue;
            sb_add(b, d, (size_t)(semi - d));
            sb_add(b, ":\r\n", 3);
            continue;
        }
        if (colon == d) continue;
        const char *v = colon + 1;
        v += strspn(v, " \t\r\n\v\f");
        if (*v == '\0') continue;                      /* "Name:" only removes curl's own header */
        if (strncasecmp(d, "Host:", 5) == 0) continue; /* sent in Host's place */
        sb_str(b, d);
        sb_add(b, "\r\n", 2);
    }
}

static void build_request(locust_http *h, sbuf *b, const char *target, const char *authority, size_t al,
                          bool default_port)
{
    struct locust__http_req *q = h->req;
    const struct curl_slist *hdrs = q->body_dropped ? q->hdrs_nobody : q->hdrs;
    bool head = strcmp(q->method, "HEAD") == 0;
    bool body_mode = !head && (q->has_body || strcmp(q->method, "GET") != 0);
    sb_str(b, q->method);
    sb_add(b, " ", 1);
    size_t tl = strcspn(target, "#");
    if (tl == 0 || *target != '/') sb_add(b, "/", 1);
    sb_add(b, target, tl);
    sb_add(b, " HTTP/1.1\r\n", 11);
    const char *host = find_header(hdrs, "Host");
    if (host == NULL) {
        sb_add(b, "Host: ", 6);
        /* curl leaves the default port out of Host. */
        size_t n = al;
        if (default_port) {
            const char *c = authority[0] == '[' ? memchr(authority, ']', al) : authority;
            const char *colon = c ? memchr(c, ':', al - (size_t)(c - authority)) : NULL;
            if (colon != NULL) n = (size_t)(colon - authority);
        }
        sb_add(b, authority, n);
        sb_add(b, "\r\n", 2);
    } else if (strcmp(host, "Host:") != 0) {
        sb_add(b, "Host:", 5);
        sb_str(b, host + 5);
        sb_add(b, "\r\n", 2);
    }
    if (q->send_auth && q->auth_user != NULL && find_header(hdrs, "Authorization") == NULL) {
        sbuf up = {.p = up.local, .cap = sizeof up.local};
        sb_str(&up, q->auth_user);
        sb_add(&up, ":", 1);
        sb_str(&up, q->auth_password ? q->auth_password : "");
        sb_add(b, "Authorization: Basic ", 21);
        base64(b, up.p, up.n);
        sb_add(b, "\r\n", 2);
        if (up.failed) b->failed = true;
        sb_free(&up);
    }
    if (find_header(hdrs, "User-Agent") == NULL) sb_str(b, "User-Agent: " LOCUST__HTTP_USER_AGENT "\r\n");
    if (find_header(hdrs, "Accept") == NULL) sb_add(b, "Accept: */*\r\n", 13);
    if (find_header(hdrs, "Accept-Encoding") == NULL)
        sb_str(b, "Accept-Encoding: " LOCUST__HTTP_ACCEPT_ENCODING "\r\n");
    /* The jar is empty on this path: the Cookie header is .cookies alone. */
    if (q->cookie != NULL && find_header(hdrs, "Cookie") == NULL) {
        sb_add(b, "Cookie: ", 8);
        sb_str(b, q->cookie);
        sb_add(b, "\r\n", 2);
    }
    custom_headers(b, hdrs);
    if (body_mode) {
        size_t len = q->has_body ? q->body_len : 0;
        if (find_header(hdrs, "Content-Length") == NULL) {
            char cl[48];
            sb_add(b, cl, (size_t)snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", len));
        }
        if (find_header(hdrs, "Content-Type") == NULL)
            sb_str(b, "Content-Type: application/x-www-form-urlencoded\r\n");
    }
    sb_add(b, "\r\n", 2);
}

/* Sends head and body: 0 (with *err set to errno when sending failed), LOCUST_ETIMEDOUT or LOCUST_ECANCELED.
 */
static int send_all(locust__wire *w, const sbuf *head, const char *body, size_t body_len, double deadline,
                    int *err)
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

/* ---- the response ------------------------------------------------------------- */

enum { ST_STATUS, ST_HEADERS, ST_BODY, ST_CHUNK_SIZE, ST_CHUNK_DATA, ST_CHUNK_END, ST_TRAILERS, ST_DONE };
enum { ENC_NONE, ENC_GZIP, ENC_DEFLATE };

typedef struct hop {
    locust__wire *w;
    locust_http *h;
    char *buf;
    size_t cap, start, end;
    int state;
    bool head;
    int status, minor;
    bool close;      /* the connection ends with this response */
    bool keep_alive; /* HTTP/1.0 asked for keep-alive */
    bool chunked, has_length, until_close;
    int64_t left;     /* body bytes (or chunk bytes) still to come */
    int64_t received; /* body bytes on the wire */
    size_t got;       /* bytes of the response read so far */
    bool need_wait;   /* nothing to read before the socket says so */
    int enc;
    bool z_on, z_raw_tried, z_out_any;
    z_stream z;
    char *zout;
    CURLcode result;
} hop;

static CURLcode fail(hop *p, CURLcode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static CURLcode fail(hop *p, CURLcode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->h->errbuf, sizeof p->h->errbuf, fmt, ap);
    va_end(ap);
    p->result = code;
    return code;
}

/* Hands decoded body bytes to the write callback. */
static CURLcode deliver(hop *p, const char *data, size_t n)
{
    if (n == 0) return CURLE_OK;
    if (locust__http_write_cb((char *)data, 1, n, p->h) != n)
        return fail(p, CURLE_WRITE_ERROR, "Failed writing body");
    return CURLE_OK;
}

static CURLcode inflate_some(hop *p, const char *data, size_t n)
{
    if (!p->z_on) {
        memset(&p->z, 0, sizeof p->z);
        /* gzip (and zlib) auto-detected, as curl does; deflate is zlib first. */
        if (inflateInit2(&p->z, p->enc == ENC_GZIP ? MAX_WBITS + 32 : MAX_WBITS) != Z_OK)
            return fail(p, CURLE_OUT_OF_MEMORY, "Out of memory");
        p->z_on = true;
        if (p->zout == NULL && (p->zout = buf_get()) == NULL)
            return fail(p, CURLE_OUT_OF_MEMORY, "Out of memory");
    }
    p->z.next_in = (Bytef *)data;
    p->z.avail_in = (uInt)n;
    while (p->z.avail_in > 0) {
        p->z.next_out = (Bytef *)p->zout;
        p->z.avail_out = WIRE_BUF;
        int rc = inflate(&p->z, Z_SYNC_FLUSH);
        size_t out = WIRE_BUF - p->z.avail_out;
        if (out) p->z_out_any = true;
        if (deliver(p, p->zout, out) != CURLE_OK) return p->result;
        if (rc == Z_STREAM_END) break; /* what follows the stream is ignored */
        if (rc == Z_DATA_ERROR && p->enc == ENC_DEFLATE && !p->z_raw_tried && !p->z_out_any) {
            /* Some servers send raw deflate for "deflate": curl retries so too. */
            p->z_raw_tried = true;
            inflateEnd(&p->z);
            memset(&p->z, 0, sizeof p->z);
            if (inflateInit2(&p->z, -MAX_WBITS) != Z_OK) return fail(p, CURLE_OUT_OF_MEMORY, "Out of memory");
            p->z.next_in = (Bytef *)data;
            p->z.avail_in = (uInt)n;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return fail(p, CURLE_BAD_CONTENT_ENCODING, "Error while processing content unencoding: %s",
                        p->z.msg ? p->z.msg : "failed");
        if (rc == Z_BUF_ERROR && p->z.avail_out != 0) break;
    }
    return CURLE_OK;
}

static CURLcode body_bytes(hop *p, const char *data, size_t n)
{
    p->received += (int64_t)n;
    if (p->enc == ENC_NONE) return deliver(p, data, n);
    return inflate_some(p, data, n);
}

/* The token list of a header value contains `tok` (case-insensitive). */
static bool has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i < n;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, tok, tl) == 0) return true;
    }
    return false;
}

static CURLcode content_encoding(hop *p, const char *v, size_t n)
{
    for (size_t i = 0; i < n;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        size_t l = i - s;
        if (l == 0) continue;
        int enc;
        if ((l == 4 && strncasecmp(v + s, "gzip", 4) == 0) ||
            (l == 6 && strncasecmp(v + s, "x-gzip", 6) == 0))
            enc = ENC_GZIP;
        else if (l == 7 && strncasecmp(v + s, "deflate", 7) == 0)
            enc = ENC_DEFLATE;
        else if (l == 8 && strncasecmp(v + s, "identity", 8) == 0)
            continue;
        else
            enc = -1;
        if (enc < 0 || p->enc != ENC_NONE)
            return fail(p, CURLE_BAD_CONTENT_ENCODING,
                        "Unrecognized content encoding type. libcurl understands deflate, gzip content "
                        "encodings.");
        p->enc = enc;
    }
    return CURLE_OK;
}

/* One header line (without its CRLF) of the response head. */
static CURLcode header_line(hop *p, const char *line, size_t len, size_t with_eol)
{
    if (p->state == ST_STATUS) {
        if (len < 5 || strncasecmp(line, "HTTP/", 5) != 0)
            return fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Received HTTP/0.9 when not allowed");
        if (len < 12 || line[5] != '1' || line[6] != '.' || (line[7] != '0' && line[7] != '1') ||
            line[8] != ' ' || line[9] < '0' || line[9] > '9' || line[10] < '0' || line[10] > '9' ||
            line[11] < '0' || line[11] > '9' || (len > 12 && line[12] >= '0' && line[12] <= '9'))
            return fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Unsupported HTTP version in response");
        p->minor = line[7] - '0';
        p->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        p->state = ST_HEADERS;
        p->has_length = p->chunked = p->keep_alive = false;
        p->close = p->minor == 0;
        p->enc = ENC_NONE;
    } else if (len == 0) {
        /* End of the head. 1xx heads are followed by the real one. */
        if (locust__http_header_cb((char *)line, 1, with_eol, p->h) != with_eol)
            return fail(p, CURLE_WRITE_ERROR, "Failed writing header");
        if (p->status >= 100 && p->status < 200 && p->status != 101) {
            p->state = ST_STATUS;
            return CURLE_OK;
        }
        if (p->minor == 0 && p->keep_alive) p->close = false;
        if (p->head || p->status == 204 || p->status == 304 || p->status == 101) {
            p->state = ST_DONE;
        } else if (p->chunked) {
            p->state = ST_CHUNK_SIZE;
        } else if (p->has_length) {
            p->state = p->left > 0 ? ST_BODY : ST_DONE;
        } else {
            p->until_close = true;
            p->close = true;
            p->state = ST_BODY;
        }
        return CURLE_OK;
    } else {
        const char *colon = memchr(line, ':', len);
        if (colon != NULL && line[0] != ' ' && line[0] != '\t') {
            size_t nl = (size_t)(colon - line);
            const char *v = colon + 1;
            size_t vl = len - nl - 1;
            if (nl == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
                const char *s = v + strspn(v, " \t");
                char *e;
                errno = 0;
                long long cl = strtoll(s, &e, 10);
                if (s == e || cl < 0 || errno != 0 || (size_t)(e - line) > len)
                    return fail(p, CURLE_WEIRD_SERVER_REPLY, "Invalid Content-Length: value");
                p->left = cl;
                p->has_length = true;
            } else if (nl == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
                if (has_token(v, vl, "chunked")) p->chunked = true;
            } else if (nl == 10 && strncasecmp(line, "Connection", 10) == 0) {
                if (has_token(v, vl, "close")) p->close = true;
                if (has_token(v, vl, "keep-alive")) p->keep_alive = true;
            } else if (nl == 16 && strncasecmp(line, "Content-Encoding", 16) == 0) {
                if (content_encoding(p, v, vl) != CURLE_OK) return p->result;
            }
        }
    }
    if (locust__http_header_cb((char *)line, 1, with_eol, p->h) != with_eol)
        return fail(p, CURLE_WRITE_ERROR, "Failed writing header");
    return CURLE_OK;
}

/* Parses what is buffered; returns with p->state ST_DONE, an error, or more needed. */
static CURLcode parse(hop *p)
{
    while (p->start < p->end && p->state != ST_DONE) {
        char *s = p->buf + p->start;
        size_t n = p->end - p->start;
        if (p->state == ST_BODY) {
            size_t take = p->until_close ? n : (size_t)(p->left < (int64_t)n ? p->left : (int64_t)n);
            p->start += take;
            if (!p->until_close) p->left -= (int64_t)take;
            if (body_bytes(p, s, take) != CURLE_OK) return p->result;
            if (!p->until_close && p->left == 0) p->state = ST_DONE;
            continue;
        }
        if (p->state == ST_CHUNK_DATA) {
            size_t take = (size_t)(p->left < (int64_t)n ? p->left : (int64_t)n);
            p->start += take;
            p->left -= (int64_t)take;
            if (body_bytes(p, s, take) != CURLE_OK) return p->result;
            if (p->left == 0) p->state = ST_CHUNK_END;
            continue;
        }
        /* Everything else is line by line. */
        char *nl = memchr(s, '\n', n);
        if (nl == NULL) {
            if (n > MAX_LINE)
                return fail(p, CURLE_RECV_ERROR, "Rejected %zu bytes header (max is %u)!", n, MAX_LINE);
            return CURLE_OK;
        }
        size_t with_eol = (size_t)(nl - s) + 1, len = with_eol - 1;
        if (len > 0 && s[len - 1] == '\r') len--;
        p->start += with_eol;
        switch (p->state) {
        case ST_STATUS:
        case ST_HEADERS:
            if (header_line(p, s, len, with_eol) != CURLE_OK) return p->result;
            break;
        case ST_CHUNK_SIZE: {
            size_t i = 0;
            int64_t size = 0;
            while (i < len && strchr("0123456789abcdefABCDEF", s[i]) != NULL && s[i] != '\0') {
                int d = s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10;
                if (size > (INT64_MAX >> 4))
                    return fail(p, CURLE_RECV_ERROR, "Too long hexadecimal number in chunked-encoding");
                size = size * 16 + d;
                i++;
            }
            if (i == 0)
                return fail(p, CURLE_RECV_ERROR,
                            "Illegal or missing hexadecimal sequence in chunked-encoding");
            p->left = size;
            p->state = size ? ST_CHUNK_DATA : ST_TRAILERS;
            break;
        }
        case ST_CHUNK_END:
            if (len != 0) return fail(p, CURLE_RECV_ERROR, "Malformed encoding found in chunked-encoding");
            p->state = ST_CHUNK_SIZE;
            break;
        case ST_TRAILERS:
            if (len == 0) p->state = ST_DONE;
            break;
        }
    }
    return CURLE_OK;
}

/* ---- cookies ---------------------------------------------------------------------- */

/* Whether a Set-Cookie value has attribute `name` (its value in *v, *vl). */
static bool cookie_attr(const char *c, const char *name, const char **v, size_t *vl)
{
    size_t n = strlen(name);
    const char *a = strchr(c, ';');
    while (a != NULL) {
        a++;
        a += strspn(a, " \t");
        const char *end = a + strcspn(a, ";");
        const char *eq = memchr(a, '=', (size_t)(end - a));
        const char *ne = eq ? eq : end;
        while (ne > a && (ne[-1] == ' ' || ne[-1] == '\t'))
            ne--;
        if ((size_t)(ne - a) == n && strncasecmp(a, name, n) == 0) {
            const char *s = eq ? eq + 1 : end;
            s += strspn(s, " \t");
            const char *e = end;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            *v = s;
            *vl = (size_t)(e - s);
            return true;
        }
        a = *end ? end : NULL;
    }
    return false;
}

/*
 * Hands the response's Set-Cookie headers to the session's jar (curl's), as
 * curl would have taken them from this URL. curl's "Set-Cookie:" cookie-list
 * lines know no request URL, so the host-only domain and the default path
 * are written in; cookies curl refuses over plain http (Secure, __Secure-,
 * __Host-) or for another domain are dropped as curl drops them.
 */
static void keep_cookies(locust_http *h, locust_response *r, const char *url)
{
    const char *a = url + 7, *end = a + strcspn(a, "/?#");
    char host[INET6_ADDRSTRLEN + 3];
    size_t hl =
        a[0] == '[' ? (size_t)((const char *)memchr(a, ']', (size_t)(end - a)) + 1 - a) : strcspn(a, ":/?#");
    if (hl >= sizeof host) return;
    memcpy(host, a, hl);
    host[hl] = '\0';
    /* The default path: the request path up to its last '/'. */
    const char *path = *end == '/' ? end : "/";
    size_t pl = strcspn(path, "?#");
    while (pl > 1 && path[pl - 1] != '/')
        pl--;
    CURL *e = locust__http_easy(h);
    if (e == NULL) return;
    for (size_t off = 0; off < r->hdrs_len;) {
        const char *k = r->hdrs + off, *v = k + strlen(k) + 1;
        off = (size_t)(v + strlen(v) + 1 - r->hdrs);
        if (strcasecmp(k, "Set-Cookie") != 0) continue;
        const char *av;
        size_t avl;
        if (strncmp(v + strspn(v, " \t"), "__Secure-", 9) == 0 ||
            strncmp(v + strspn(v, " \t"), "__Host-", 7) == 0 || cookie_attr(v, "secure", &av, &avl))
            continue;
        bool has_domain = cookie_attr(v, "domain", &av, &avl) && avl > 0;
        if (has_domain) {
            if (*av == '.') av++, avl--;
            if (avl != strlen(host) || strncmp(av, host, avl) != 0) continue;
        }
        bool has_path = cookie_attr(v, "path", &av, &avl);
        sbuf b = {.p = b.local, .cap = sizeof b.local};
        sb_str(&b, "Set-Cookie: ");
        sb_str(&b, v);
        if (!has_domain) {
            sb_str(&b, "; domain=");
            sb_str(&b, host);
        }
        if (!has_path) {
            sb_str(&b, "; path=");
            sb_add(&b, path, pl);
        }
        sb_add(&b, "", 1);
        if (!b.failed) curl_easy_setopt(e, CURLOPT_COOKIELIST, b.p);
        sb_free(&b);
    }
}

/* ---- one hop ------------------------------------------------------------------------ */

/* What went wrong under a request, for read_response() and the retry. */
enum { R_EOF = 1, R_ERR, S_ERR };

/* Reads until the response is complete (or parsing failed: p->result). */
static int read_response(hop *p, double deadline, int *err)
{
    locust__wire *w = p->w;
    for (;;) {
        if (parse(p) != CURLE_OK) return 0;
        if (p->state == ST_DONE) return 0;
        if (p->start > 0 && p->start == p->end) p->start = p->end = 0;
        if (p->end == p->cap) {
            if (p->start > 0) {
                memmove(p->buf, p->buf + p->start, p->end - p->start);
                p->end -= p->start;
                p->start = 0;
            } else {
                /* One header line longer than the buffer: grow up to curl's cap. */
                size_t cap = p->cap * 2;
                char *nb = cap <= 2 * MAX_LINE ? malloc(cap) : NULL;
                if (nb == NULL) {
                    fail(p, CURLE_RECV_ERROR, "Rejected %zu bytes header (max is %u)!", p->end, MAX_LINE);
                    return 0;
                }
                memcpy(nb, p->buf, p->end);
                buf_put(p->buf, p->cap);
                p->buf = nb;
                p->cap = cap;
            }
        }
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
        if (n == 0) {
            if (p->until_close && p->state == ST_BODY) {
                p->state = ST_DONE;
                return 0;
            }
            return R_EOF; /* closed early: the caller words it */
        }
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
    if (w->fd >= 0 && (w->addr_len != w->to_len || memcmp(&w->addr, &w->to, w->to_len) != 0)) wire_close(w);
    memcpy(&w->addr, &w->to, w->to_len);
    w->addr_len = w->to_len;

    h->errbuf[0] = '\0';
    h->wire_connected = false;
    double start = locust__mono();
    double deadline = o->timeout > 0 ? start + o->timeout : 0;
    double cdeadline = start + (o->connect_timeout > 0 ? o->connect_timeout : CONNECT_TIMEOUT);
    if (deadline > 0 && deadline < cdeadline) cdeadline = deadline;

    sbuf req = {.p = req.local, .cap = sizeof req.local};
    build_request(h, &req, w->target, w->authority, w->authority_len, w->default_port);
    if (req.failed) {
        sb_free(&req);
        return LOCUST_ENOMEM;
    }
    const char *body = q->has_body && strcmp(q->method, "HEAD") != 0 ? q->body : NULL;
    size_t body_len = body ? q->body_len : 0;

    hop p = {.w = w, .h = h, .head = strcmp(q->method, "HEAD") == 0, .result = CURLE_OK};
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        bool reused = w->fd >= 0;
        if (!reused) {
            rc = wire_connect(w, cdeadline);
            if (rc != 0) break; /* timed out, LOCUST_EAGAIN (curl words the error) or cancelled */
        }
        h->wire_connected = true;
        int err = 0;
        rc = send_all(w, &req, body, body_len, deadline, &err);
        if (rc == 0 && err != 0) rc = S_ERR;
        if (rc == 0) {
            if (p.buf == NULL) {
                if ((p.buf = buf_get()) == NULL) {
                    rc = LOCUST_ENOMEM;
                    break;
                }
                p.cap = WIRE_BUF;
            }
            /* The answer cannot be there yet: wait before the first recv(). */
            p.need_wait = true;
            rc = read_response(&p, deadline, &err);
        }
        if (rc <= 0) break;
        /* The connection failed under the request. A kept-alive one the
         * server had closed is retried once on a fresh connection, as curl
         * does, when nothing of the response came. */
        wire_close(w);
        if (reused && p.got == 0 && attempt == 0) {
            p.state = ST_STATUS;
            p.start = p.end = 0;
            continue;
        }
        if (rc == S_ERR)
            fail(&p, CURLE_SEND_ERROR, "Send failure: %s", strerror(err));
        else if (rc == R_ERR)
            fail(&p, CURLE_RECV_ERROR, "Recv failure: %s", strerror(err));
        else if (p.got == 0)
            fail(&p, CURLE_GOT_NOTHING, "Empty reply from server");
        else if (p.state == ST_BODY && p.has_length)
            fail(&p, CURLE_PARTIAL_FILE, "transfer closed with %lld bytes remaining to read",
                 (long long)p.left);
        else
            fail(&p, CURLE_PARTIAL_FILE, "transfer closed with outstanding read data remaining");
        rc = 0;
        break;
    }
    if (rc == LOCUST_ETIMEDOUT) {
        p.result = CURLE_OPERATION_TIMEDOUT;
        rc = 0;
    }
    sb_free(&req);
    if (rc == 0) {
        if (p.result != CURLE_OK || p.close || p.start != p.end || p.state != ST_DONE) {
            wire_close(w);
        } else {
            w->served++;
        }
        /* Only a session without cookies comes here: any now came with this hop. */
        if (h->jar_used && h->cur != NULL) keep_cookies(h, h->cur, q->url);
        h->xfer.result = p.result;
        h->xfer.end = locust__mono();
        h->xfer.done = true;
    } else {
        wire_close(w);
    }
    if (p.z_on) inflateEnd(&p.z);
    if (p.zout) buf_put(p.zout, WIRE_BUF);
    if (p.buf) buf_put(p.buf, p.cap);
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
