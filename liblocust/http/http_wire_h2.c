/*
 * HTTP/2 on the session's own connection (http_wire.c): a hop asking for
 * HTTP/2 (locust_http_set_http2(), .http2) is a stream on the connection
 * the session keeps, as Locust's model has it (a user, a session, its own
 * connection), instead of a transfer through curl and its shared
 * connection pool. nghttp2 does the framing, HPACK and flow control; this
 * file maps the wire's request onto a stream and the stream back onto
 * what curl 7.88 presents, so that a response does not tell which path
 * fetched it:
 *
 * - the request is the head the wire builds for HTTP/1.1 (the same header
 *   rules, cookies, cache), turned into HTTP/2 fields as curl turns its own
 *   HTTP/1.1 head: :method and :path from the request line, :scheme from
 *   the connection, Host as :authority, names in lower case, the fields
 *   HTTP/2 forbids (Connection, Keep-Alive, Proxy-Connection,
 *   Transfer-Encoding, Upgrade; TE but "trailers") left out;
 * - the response head reaches the wire's HTTP/1.1 reader
 *   (http_wire_resp.c) as curl hands it to its own: "HTTP/2 200 " and
 *   "name: value" lines, the blank line when the HEADERS frame ends, then
 *   the DATA; codings, lengths, the header callback (Set-Cookie into the
 *   jar) and the write callback are the HTTP/1.1 path's;
 * - the end of the stream and its failures get curl's codes and words
 *   (its http2.c): a reset stream, one closed before its head, a connection
 *   closed under it, nghttp2 refusing what arrived; a stream the server
 *   refused (REFUSED_STREAM, or past a GOAWAY's last stream) is run again
 *   on a fresh connection, as curl retries it.
 *
 * The session is created with curl's settings (100 streams, a 32 MiB
 * window, no push), so that a server treats both paths alike.
 */
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_wire_conn.h"

/* curl 7.88's settings (HTTP2_HUGE_WINDOW_SIZE, its default stream cap). */
#define H2_WINDOW  (32 * 1024 * 1024)
#define H2_STREAMS 100
/* curl's caps on a response head and on its trailers in HTTP/1 form (DYN_H2_HEADERS, DYN_H2_TRAILERS). */
#define H2_HEAD_MAX (128u * 1024)

struct locust__wire_h2 {
    nghttp2_session *s;
    locust__wire *w;
    locust__wire_msg *p; /* the response being read; NULL while idle */
    int32_t sid;         /* its stream */
    bool closed;         /* the stream has ended ... */
    uint32_t error;      /* ... with this error code */
    bool reset;          /* the server reset it (RST_STREAM) */
    bool body_started;   /* the final head has come */
    bool fed;            /* bytes of the response reached p: it cannot be run again */
    int status;          /* of the head being read; -1 none */
    locust__sbuf head;   /* that head in HTTP/1 form, until its HEADERS frame ends */
    size_t head_sum;     /* bytes of the heads before it (curl keeps them all in one capped buffer) */
    locust__sbuf trailers;
    const char *body; /* what is left of the request body */
    size_t body_left;
};

/* ---- from nghttp2 to the response ---------------------------------------------------- */

/* Bytes in HTTP/1 form to the wire's reader, through its buffer. */
static void feed(locust__wire_h2 *c, const char *s, size_t n)
{
    locust__wire_msg *p = c->p;
    c->fed = true;
    while (n > 0 && p->result == CURLE_OK) {
        if (locust__wire_room(p) != 0) return;
        size_t k = p->cap - p->end < n ? p->cap - p->end : n;
        memcpy(p->buf + p->end, s, k);
        p->end += k;
        p->got += k;
        s += k;
        n -= k;
        locust__wire_parse(p);
    }
}

/* Adds to the head or trailer lines, capped as curl's dynbuf caps them (their size with a NUL, the
 * earlier heads' bytes counted with a head's, under the cap); false past the cap. */
static bool add(locust__wire_h2 *c, locust__sbuf *b, const void *s, size_t n)
{
    size_t before = b == &c->head ? c->head_sum : 0;
    if (before + b->n + n + 1 > H2_HEAD_MAX) return false;
    locust__sb_add(b, s, n);
    return !b->failed;
}

/* Adds a "name: value" line: a short one with a single add() (most are; each add() grows and checks). */
static bool add_field(locust__wire_h2 *c, locust__sbuf *b, const uint8_t *name, size_t nl,
                      const uint8_t *value, size_t vl)
{
    char line[256];
    if (nl + vl + 4 > sizeof line)
        return add(c, b, name, nl) && add(c, b, ": ", 2) && add(c, b, value, vl) && add(c, b, "\r\n", 2);
    memcpy(line, name, nl);
    memcpy(line + nl, ": ", 2);
    memcpy(line + nl + 2, value, vl);
    memcpy(line + nl + 2 + vl, "\r\n", 2);
    return add(c, b, line, nl + vl + 4);
}

static bool ours(const locust__wire_h2 *c, int32_t sid)
{
    return c->p != NULL && sid == c->sid && c->p->result == CURLE_OK;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                     const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
    locust__wire_h2 *c = ud;
    if (f->hd.type != NGHTTP2_HEADERS || !ours(c, f->hd.stream_id)) return 0;
    if (c->body_started)
        return add_field(c, &c->trailers, name, nl, value, vl) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
    bool ok;
    if (nl == 7 && memcmp(name, ":status", 7) == 0) {
        /* nghttp2 lets only three digits through. */
        c->status = vl == 3 ? (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0') : -1;
        ok = add(c, &c->head, "HTTP/2 ", 7) && add(c, &c->head, value, vl) && add(c, &c->head, " \r\n", 3);
    } else {
        ok = add_field(c, &c->head, name, nl, value, vl);
    }
    return ok ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    locust__wire_h2 *c = ud;
    if (!ours(c, f->hd.stream_id)) return 0;
    switch (f->hd.type) {
    case NGHTTP2_DATA:
        /* Body before the final head: curl resets the stream. */
        if (!c->body_started) nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_PROTOCOL_ERROR);
        break;
    case NGHTTP2_HEADERS:
        if (c->body_started) break; /* trailers: handed on when the stream ends */
        if (c->status == -1) return NGHTTP2_ERR_CALLBACK_FAILURE;
        /* A 1xx head is followed by another; the reader takes both, as curl's does. */
        if (c->status / 100 != 1) c->body_started = true;
        c->status = -1;
        if (!add(c, &c->head, "\r\n", 2)) return NGHTTP2_ERR_CALLBACK_FAILURE;
        feed(c, c->head.p, c->head.n);
        c->head_sum += c->head.n;
        c->head.n = 0;
        break;
    case NGHTTP2_RST_STREAM:
        c->reset = true;
        break;
    default:
        break;
    }
    return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data, size_t n, void *ud)
{
    locust__wire_h2 *c = ud;
    if (ours(c, sid)) feed(c, (const char *)data, n);
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t sid, uint32_t error, void *ud)
{
    locust__wire_h2 *c = ud;
    if (c->p != NULL && sid == c->sid) {
        c->closed = true;
        c->error = error;
    }
    return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
    locust__wire_h2 *c = ud;
    size_t n = c->body_left < len ? c->body_left : len;
    if (n > 0) {
        /* (A body of no bytes may have no buffer at all: no pointer arithmetic on it.) */
        memcpy(buf, c->body, n);
        c->body += n;
        c->body_left -= n;
    }
    if (c->body_left == 0) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* ---- the session ------------------------------------------------------------------------ */

int locust__wire_h2_start(locust__wire *w)
{
    locust__wire_h2 *c = calloc(1, sizeof *c);
    nghttp2_session_callbacks *cb = NULL;
    if (c == NULL || nghttp2_session_callbacks_new(&cb) != 0) {
        free(c);
        return LOCUST_ENOMEM;
    }
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    int rv = nghttp2_session_client_new3(&c->s, cb, c, NULL, locust__wire_h2_mem());
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_STREAMS},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW},
                                   {NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
    if (rv != 0 || nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, 3) != 0 ||
        nghttp2_session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0, H2_WINDOW) != 0) {
        nghttp2_session_del(c->s);
        free(c);
        return LOCUST_ENOMEM;
    }
    c->w = w;
    c->head = (locust__sbuf){.p = c->head.local, .cap = sizeof c->head.local};
    c->trailers = (locust__sbuf){.p = c->trailers.local, .cap = sizeof c->trailers.local};
    w->h2 = c;
    return 0;
}

void locust__wire_h2_end(locust__wire *w)
{
    locust__wire_h2 *c = w->h2;
    if (c == NULL) return;
    nghttp2_session_del(c->s);
    locust__sb_free(&c->head);
    locust__sb_free(&c->trailers);
    free(c);
    w->h2 = NULL;
}

struct nghttp2_session *locust__wire_h2_session(locust__wire *w)
{
    return w->h2->s;
}

bool locust__wire_speaks_h2(const locust__wire *w)
{
    return w != NULL && w->hop_h2;
}

bool locust__wire_h2_usable(const locust__wire *w)
{
    nghttp2_session *s = w->h2->s;
    return nghttp2_session_check_request_allowed(s) &&
           (nghttp2_session_want_read(s) || nghttp2_session_want_write(s));
}

/* ---- the request --------------------------------------------------------------------------- */

/* Whether a TE value names "trailers" (the one TE HTTP/2 allows, sent as just that). */
static bool te_trailers(const char *v, const char *end)
{
    for (; end - v >= 8; v++)
        if (strncasecmp(v, "trailers", 8) == 0) return true;
    return false;
}

/* A field HTTP/2 forbids (curl leaves it out). */
static bool forbidden(const char *n, size_t nl)
{
    return (nl == 10 && (strncasecmp(n, "connection", nl) == 0 || strncasecmp(n, "keep-alive", nl) == 0)) ||
           (nl == 16 && strncasecmp(n, "proxy-connection", nl) == 0) ||
           (nl == 17 && strncasecmp(n, "transfer-encoding", nl) == 0) ||
           (nl == 7 && strncasecmp(n, "upgrade", nl) == 0);
}

static nghttp2_nv nv(const char *n, size_t nl, const char *v, size_t vl)
{
    return (nghttp2_nv){(uint8_t *)n, (uint8_t *)v, nl, vl,
                        NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
}

/*
 * The fields of the HTTP/1.1 head (the wire's, well formed: CRLF line ends,
 * one "Name: value" per line) into nva[] (room for a field per line plus
 * one); names are lowered in place. Returns how many.
 */
static size_t head_fields(locust__wire *w, char *head, size_t n, nghttp2_nv *nva)
{
    char *end = head + n, *cr = memchr(head, '\r', n);
    char *sp = memchr(head, ' ', (size_t)(cr - head)), *path_end = cr;
    while (path_end > sp + 1 && path_end[-1] != ' ')
        path_end--;
    size_t k = 0;
    nva[k++] = nv(":method", 7, head, (size_t)(sp - head));
    nva[k++] = nv(":path", 5, sp + 1, (size_t)(path_end - 1 - (sp + 1)));
    nva[k++] = w->tls != NULL ? nv(":scheme", 7, "https", 5) : nv(":scheme", 7, "http", 4);
    for (char *l = cr + 2; l < end && *l != '\r'; l = cr + 2) {
        cr = memchr(l, '\r', (size_t)(end - l));
        char *colon = memchr(l, ':', (size_t)(cr - l));
        if (colon == NULL) continue;
        char *v = colon + 1;
        size_t nl = (size_t)(colon - l);
        while (v < cr && (*v == ' ' || *v == '\t'))
            v++;
        if (nl == 4 && strncasecmp(l, "host", 4) == 0) {
            /* :authority goes before the other fields, right after the pseudo ones. */
            memmove(&nva[4], &nva[3], (k - 3) * sizeof *nva);
            nva[3] = nv(":authority", 10, v, (size_t)(cr - v));
            k++;
            continue;
        }
        if (forbidden(l, nl) || (nl == 2 && strncasecmp(l, "te", 2) == 0 && !te_trailers(v, cr))) continue;
        for (char *q = l; q < colon; q++)
            if (*q >= 'A' && *q <= 'Z') *q = (char)(*q + 32);
        if (nl == 2 && strncasecmp(l, "te", 2) == 0)
            nva[k++] = nv(l, nl, "trailers", 8);
        else
            nva[k++] = nv(l, nl, v, (size_t)(cr - v));
    }
    return k;
}

/* ---- the exchange ---------------------------------------------------------------------------- */

/* Sends what nghttp2 has to send: 0 (*err set when sending failed) or the wait's error. */
static int flush(locust__wire_h2 *c, double deadline, int *err)
{
    /* Most calls find nothing to send (the loop looks again after every read): asking is cheap,
     * nghttp2_session_mem_send() is not. */
    if (!nghttp2_session_want_write(c->s)) return 0;
    locust__sbuf out = {.p = out.local, .cap = sizeof out.local};
    const uint8_t *d;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(c->s, &d)) > 0)
        locust__sb_add(&out, (const char *)d, (size_t)n);
    int rc = 0;
    if (n < 0 || out.failed)
        rc = LOCUST_ENOMEM;
    else if (out.n > 0)
        rc = locust__wire_send(c->w, out.p, out.n, NULL, 0, deadline, err);
    locust__sb_free(&out);
    return rc;
}

/* A failure of the connection under the stream: run again (a reused connection, nothing came) or curl's
 * words. */
int locust__wire_h2_conn_failed(locust__wire *w, bool reused, bool sending, int err)
{
    locust__wire_h2 *c = w->h2;
    locust__wire_msg *p = c->p;
    if (reused && !c->fed) return LOCUST__WIRE_H2_RETRY;
    CURLcode code = sending ? CURLE_SEND_ERROR : CURLE_RECV_ERROR;
    if (w->tls_failed)
        locust__wire_fail(p, code, "%s", w->tls_msg);
    else if (err == 0)
        locust__wire_fail(p, CURLE_PARTIAL_FILE,
                          "HTTP/2 stream %u was not closed cleanly before end of the underlying stream",
                          (unsigned)c->sid);
    else
        locust__wire_fail(p, code, "%s failure: %s", sending ? "Send" : "Recv", strerror(err));
    return 0;
}

/* The stream has ended: curl's outcome (http2_handle_stream_close()). */
static int stream_closed(locust__wire_h2 *c)
{
    locust__wire_msg *p = c->p;
    if (c->error == NGHTTP2_REFUSED_STREAM) {
        /* Safe to run again while nothing of it came; curl words nothing of its own then. */
        locust__wire_fail_quiet(p, CURLE_RECV_ERROR);
        return c->fed ? 0 : LOCUST__WIRE_H2_RETRY;
    }
    if (c->error != NGHTTP2_NO_ERROR) {
        locust__wire_fail(p, CURLE_HTTP2_STREAM, "HTTP/2 stream %u was not closed cleanly: %s (err %u)",
                          (unsigned)c->sid, nghttp2_http2_strerror(c->error), (unsigned)c->error);
        return 0;
    }
    if (!c->body_started) {
        locust__wire_fail(p, CURLE_HTTP2_STREAM,
                          "HTTP/2 stream %u was closed cleanly, but before getting  all response header "
                          "fields, treated as error",
                          (unsigned)c->sid);
        return 0;
    }
    /* Trailers go to the header callback after the body, a line at a time, as curl's. */
    for (size_t off = 0; off < c->trailers.n && p->result == CURLE_OK;) {
        const char *l = c->trailers.p + off, *lf = memchr(l, '\n', c->trailers.n - off);
        size_t n = (size_t)(lf + 1 - l);
        if (locust__http_header_cb((char *)l, 1, n, c->w->h) != n)
            locust__wire_fail(p, CURLE_WRITE_ERROR, "Failed writing header");
        off += n;
    }
    if (p->result == CURLE_OK && p->state != ST_DONE) locust__wire_eof(p);
    return 0;
}

/*
 * The session died under the stream: curl's outcome (its
 * h2_process_pending_input()), without words of its own: a reset stream
 * is a partial transfer, one that ended with an error (refused by a
 * GOAWAY) a failure of the framing layer, else the connection's end.
 */
static void session_died(locust__wire_h2 *c)
{
    if (c->reset)
        locust__wire_fail_quiet(c->p, CURLE_PARTIAL_FILE);
    else if (c->closed)
        locust__wire_fail_quiet(c->p, CURLE_HTTP2);
    else
        locust__wire_eof(c->p);
}

/* Reads and sends until the stream ends, the session dies or a failure: 0, RETRY or the wait's error. */
static int pump(locust__wire *w, char *in, double deadline, bool reused)
{
    bool need_wait = true; /* the answer cannot be there before the request left */
    for (;;) {
        int err = 0, rc = flush(w->h2, deadline, &err);
        if (rc != 0) return rc;
        if (err != 0) return locust__wire_h2_conn_failed(w, reused, true, err);
        if (locust__wire_h2_over(w)) return 0;
        if (need_wait && !(w->tls != NULL && locust__tls_pending(w->tls))) {
            rc = locust__wire_wait(w, w->want ? w->want : EV_READ, deadline);
            if (rc != 0) return rc;
        }
        need_wait = false;
        ssize_t n = locust__wire_recv(w, in, LOCUST__WIRE_BUF);
        if (n > 0)
            locust__wire_h2_take(w, in, (size_t)n);
        else if (n == 0)
            return locust__wire_h2_conn_failed(w, reused, false, 0);
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            need_wait = true;
        else if (errno != EINTR)
            return locust__wire_h2_conn_failed(w, reused, false, errno);
    }
}

bool locust__wire_h2_over(locust__wire *w)
{
    locust__wire_h2 *c = w->h2;
    if (c->p->result != CURLE_OK) return true;
    /* A session with nothing left to read or send (a GOAWAY came, or nghttp2 ended it) is looked at
     * before the stream, as curl does: only a stream that ended cleanly still counts then. */
    bool dead = !nghttp2_session_want_read(c->s) && !nghttp2_session_want_write(c->s);
    if (dead && !(c->closed && c->error == NGHTTP2_NO_ERROR)) session_died(c);
    return c->closed || dead;
}

void locust__wire_h2_take(locust__wire *w, const char *in, size_t n)
{
    ssize_t used = nghttp2_session_mem_recv(w->h2->s, (const uint8_t *)in, n);
    if (used < 0)
        locust__wire_fail(w->h2->p, CURLE_RECV_ERROR,
                          "h2_process_pending_input: nghttp2_session_mem_recv() returned %zd:%s", used,
                          nghttp2_strerror((int)used));
}

int locust__wire_h2_begin(locust__wire *w, locust__wire_msg *p, char *head, size_t head_len, const char *body,
                          size_t body_len)
{
    locust__wire_h2 *c = w->h2;
    struct locust__http_req *q = w->h->req;
    size_t lines = 0;
    for (const char *s = head; (s = memchr(s, '\n', head_len - (size_t)(s - head))) != NULL; s++)
        lines++;
    nghttp2_nv small[48], *nva = lines + 1 <= 48 ? small : malloc((lines + 1) * sizeof *nva);
    if (nva == NULL) return LOCUST_ENOMEM;
    size_t n = head_fields(w, head, head_len, nva);
    /* A body (maybe empty) for every method but GET and HEAD, as the HTTP/1.1 head's Content-Length says. */
    bool body_mode = strcmp(q->method, "HEAD") != 0 && (q->has_body || strcmp(q->method, "GET") != 0);
    nghttp2_data_provider prd = {.read_callback = read_body};
    c->body = body;
    c->body_left = body_len;
    c->p = p;
    c->closed = c->reset = c->body_started = c->fed = false;
    c->error = 0;
    c->status = -1;
    c->head.n = c->trailers.n = c->head_sum = 0;
    /* nghttp2 copies the array (the names and values stay in the head, sent before it goes). */
    c->sid = nghttp2_submit_request(c->s, NULL, nva, n, body_mode ? &prd : NULL, NULL);
    if (nva != small) free(nva);
    if (c->sid < 0) {
        /* No stream ids left (or out of memory): a fresh connection takes it. */
        locust__wire_fail_quiet(p, CURLE_SEND_ERROR);
        return c->sid == NGHTTP2_ERR_NOMEM ? LOCUST_ENOMEM : LOCUST__WIRE_H2_RETRY;
    }
    if (p->buf == NULL && (p->buf = locust__wire_buf_get()) == NULL) return LOCUST_ENOMEM;
    p->cap = LOCUST__WIRE_BUF;
    return 0;
}

int locust__wire_h2_finish(locust__wire *w, int rc)
{
    locust__wire_h2 *c = w->h2;
    if (rc == 0 && c->p->result == CURLE_OK) rc = stream_closed(c);
    c->p = NULL;
    c->sid = 0;
    return rc;
}

int locust__wire_h2_exchange(locust__wire *w, locust__wire_msg *p, char *head, size_t head_len,
                             const char *body, size_t body_len, double deadline, bool reused, int attempt)
{
    int rc = locust__wire_h2_begin(w, p, head, head_len, body, body_len);
    char *in = NULL;
    if (rc == 0 && (in = locust__wire_buf_get()) == NULL) rc = LOCUST_ENOMEM;
    if (rc == 0) rc = pump(w, in, deadline, reused);
    if (in != NULL) locust__wire_buf_put(in, LOCUST__WIRE_BUF);
    if (rc == 0 || rc == LOCUST__WIRE_H2_RETRY) rc = locust__wire_h2_finish(w, rc);
    w->h2->p = NULL;
    if (rc == LOCUST__WIRE_H2_RETRY && attempt >= 5) {
        /* curl's Curl_retry_request() gives up after five runs again. */
        locust__wire_fail(p, CURLE_SEND_ERROR, "Connection died, tried 5 times before giving up");
        rc = 0;
    }
    return rc;
}

int locust__wire_h2_pick(locust__wire *w, bool reused)
{
    if (!reused) {
        w->conn_h2 = w->to_h2;
        if (w->to_h2 && (w->tls == NULL || locust__tls_is_h2(w->tls))) {
            int rc = locust__wire_h2_start(w);
            if (rc != 0) return rc;
        }
    }
    w->hop_h2 = w->h2 != NULL;
    return 0;
}

bool locust__wire_h2_spent(locust__wire *w, CURLcode result)
{
    /* A reset stream leaves the session usable. Frames OpenSSL read ahead past the response are the
     * session's to read now: the socket will not announce them to the idle watch. */
    return (result != CURLE_OK && result != CURLE_HTTP2_STREAM) ||
           (w->tls != NULL && locust__tls_pending(w->tls) && !locust__wire_h2_idle(w)) ||
           !locust__wire_h2_usable(w);
}

bool locust__wire_h2_idle(locust__wire *w)
{
    char buf[4096];
    for (;;) {
        ssize_t n = locust__wire_recv(w, buf, sizeof buf);
        if (n > 0) {
            if (nghttp2_session_mem_recv(w->h2->s, (const uint8_t *)buf, (size_t)n) < 0) return false;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return false;
        break;
    }
    /* What it answers (a SETTINGS or PING acknowledgement) leaves with the next request. */
    return locust__wire_h2_usable(w);
}
