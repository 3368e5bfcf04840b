/*
 * The scripted HTTP/2 server (see h2_server.h): one connection at a time,
 * nghttp2's server session for the framing, the mode for what it answers.
 */
#include "h2_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "gzip_text.h"

typedef struct conn {
    h2_server *s;
    nghttp2_session *ss;
    int fd;
    bool close_now; /* close once what is queued has left */
    const char *body;
    size_t body_left;
    bool body_eof; /* the provider ends the stream (else it stops, deferred) */
    bool trailers;
    int32_t rst_after;    /* a stream to reset once its head and first body bytes have left */
    int32_t goaway_later; /* the last stream of a GOAWAY sent a while after its response */
} conn;

static const char hello[] = "hello\n";
static char gz[256];
static size_t gz_len;

static ssize_t read_body(nghttp2_session *ss, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
    conn *c = ud;
    /* The gzip body leaves in pieces of 20 bytes: DATA frames of their own. */
    size_t n = c->body_left < len ? c->body_left : len;
    if (c->s->mode == H2S_NO_LENGTH_GZIP && n > 20) n = 20;
    memcpy(buf, c->body, n);
    c->body += n;
    c->body_left -= n;
    if (c->body_left == 0) {
        if (!c->body_eof) return n > 0 ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (c->trailers) {
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            nghttp2_nv t[] = {{(uint8_t *)"x-checksum", (uint8_t *)"abc123", 10, 6, 0}};
            nghttp2_submit_trailer(ss, sid, t, 1);
        }
    }
    return (ssize_t)n;
}

#define NV(n, v)                                                                                             \
    {                                                                                                        \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE                   \
    }

static void respond(conn *c, int32_t sid)
{
    nghttp2_session *ss = c->ss;
    h2_server *s = c->s;
    unsigned nth = ++s->requests;
    nghttp2_data_provider prd = {.read_callback = read_body};
    nghttp2_nv ok[] = {NV(":status", "200"), NV("content-type", "text/plain"), NV("content-length", "6"),
                       NV("set-cookie", "h2=yes; Path=/")};
    c->body = hello;
    c->body_left = 6;
    c->body_eof = true;
    switch (s->mode) {
    case H2S_REFUSE_ONCE:
        if (nth == 1) {
            nghttp2_submit_rst_stream(ss, NGHTTP2_FLAG_NONE, sid, NGHTTP2_REFUSED_STREAM);
            break;
        }
        /* fall through */
    case H2S_OK:
        nghttp2_submit_response(ss, sid, ok, 4, &prd);
        break;
    case H2S_RST:
        nghttp2_submit_rst_stream(ss, NGHTTP2_FLAG_NONE, sid, NGHTTP2_INTERNAL_ERROR);
        break;
    case H2S_RST_NO_ERROR:
        nghttp2_submit_rst_stream(ss, NGHTTP2_FLAG_NONE, sid, NGHTTP2_NO_ERROR);
        break;
    case H2S_RST_MID: {
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-length", "100")};
        c->body_eof = false;
        nghttp2_submit_response(ss, sid, h, 2, &prd);
        c->rst_after = sid;
        break;
    }
    case H2S_GOAWAY:
        nghttp2_submit_goaway(ss, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
        c->close_now = true;
        break;
    case H2S_GOAWAY_IDLE:
        nghttp2_submit_response(ss, sid, ok, 4, &prd);
        c->goaway_later = sid;
        break;
    case H2S_GOAWAY_AFTER:
        nghttp2_submit_response(ss, sid, ok, 4, &prd);
        nghttp2_submit_goaway(ss, NGHTTP2_FLAG_NONE, sid, NGHTTP2_NO_ERROR, NULL, 0);
        c->close_now = true;
        break;
    case H2S_CLOSE_MID: {
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-length", "100")};
        c->body = "0123456789";
        c->body_left = 10;
        c->body_eof = false;
        nghttp2_submit_response(ss, sid, h, 2, &prd);
        c->close_now = true;
        break;
    }
    case H2S_CLOSE_AT_ONCE:
        c->close_now = true;
        break;
    case H2S_SILENT:
    case H2S_GARBAGE:
        break;
    case H2S_TRAILERS: {
        nghttp2_nv early[] = {NV(":status", "103"), NV("link", "</style.css>; rel=preload")};
        nghttp2_submit_headers(ss, NGHTTP2_FLAG_NONE, sid, NULL, early, 2, NULL);
        c->trailers = true;
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-type", "text/plain")};
        nghttp2_submit_response(ss, sid, h, 2, &prd);
        break;
    }
    case H2S_BAD_HEADER: {
        nghttp2_nv h[] = {NV(":status", "200"), NV("connection", "close"), NV("content-length", "6")};
        nghttp2_submit_response(ss, sid, h, 3, &prd);
        break;
    }
    case H2S_NO_LENGTH_GZIP: {
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-encoding", "gzip")};
        c->body = gz;
        c->body_left = gz_len;
        nghttp2_submit_response(ss, sid, h, 2, &prd);
        break;
    }
    case H2S_LENGTH_MISMATCH: {
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-length", "10")};
        c->body = "abcd";
        c->body_left = 4;
        nghttp2_submit_response(ss, sid, h, 2, &prd);
        break;
    }
    }
}

static int on_frame_recv(nghttp2_session *ss, const nghttp2_frame *f, void *ud)
{
    conn *c = ud;
    bool end = (f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
               (f->hd.flags & NGHTTP2_FLAG_END_STREAM);
    if (end) respond(c, f->hd.stream_id);
    return 0;
}

static bool send_all(int fd, const void *p, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t k = send(fd, (const char *)p + off, n - off, MSG_NOSIGNAL);
        if (k <= 0) return false;
        off += (size_t)k;
    }
    return true;
}

static bool flush(conn *c)
{
    const uint8_t *d;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(c->ss, &d)) > 0)
        if (!send_all(c->fd, d, (size_t)n)) return false;
    return n == 0;
}

/* Serves one connection until it ends, the mode closes it, or the server stops. */
static void serve(h2_server *s, int fd)
{
    conn c = {.s = s, .fd = fd};
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_server_new(&c.ss, cb, &c);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
    nghttp2_submit_settings(c.ss, NGHTTP2_FLAG_NONE, iv, 1);
    bool garbage_sent = false;
    char buf[16384];
    for (bool alive = flush(&c); alive && !c.close_now;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop[0], .events = POLLIN}};
        if (poll(p, 2, 10000) <= 0 || p[1].revents) break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (s->mode == H2S_GARBAGE) {
            /* All the client sent is read first (a close with bytes unread would reset the connection). */
            struct pollfd more = {.fd = fd, .events = POLLIN};
            while (poll(&more, 1, 100) > 0 && recv(fd, buf, sizeof buf, 0) > 0)
                ;
            static const char junk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
            if (!garbage_sent) send_all(fd, junk, sizeof junk - 1);
            garbage_sent = true;
            break;
        }
        if (nghttp2_session_mem_recv(c.ss, (const uint8_t *)buf, (size_t)n) < 0) break;
        alive = flush(&c);
        if (alive && c.goaway_later != 0) {
            usleep(100000);
            nghttp2_submit_goaway(c.ss, NGHTTP2_FLAG_NONE, c.goaway_later, NGHTTP2_NO_ERROR, NULL, 0);
            c.goaway_later = 0;
            c.close_now = true;
            alive = flush(&c);
        }
        if (alive && c.rst_after != 0) {
            usleep(20000);
            nghttp2_submit_rst_stream(c.ss, NGHTTP2_FLAG_NONE, c.rst_after, NGHTTP2_CANCEL);
            c.rst_after = 0;
            alive = flush(&c);
        }
    }
    if (c.close_now) {
        /* What the client still sends is read before the close, which is then an end of the stream
         * (unread bytes would make it a reset, depending on timing). */
        struct pollfd more = {.fd = fd, .events = POLLIN};
        while (poll(&more, 1, 100) > 0 && recv(fd, buf, sizeof buf, 0) > 0)
            ;
    }
    nghttp2_session_del(c.ss);
    close(fd);
}

static void *run(void *arg)
{
    h2_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->listener, .events = POLLIN}, {.fd = s->stop[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (p[1].revents) break;
        if (!(p[0].revents & POLLIN)) continue;
        int fd = accept(s->listener, NULL, NULL);
        if (fd < 0) continue;
        s->connections++;
        serve(s, fd);
    }
    return NULL;
}

/* The gzip body of H2S_NO_LENGTH_GZIP: a text made once. */
static void make_gzip(void)
{
    if (gz_len > 0) return;
    static const char text[] = "a gzip body of three DATA frames, without a Content-Length, over HTTP/2\n";
    gz_len = gzip_text(text, sizeof text - 1, gz, sizeof gz);
}

int h2_server_start(h2_server *s, h2s_mode mode)
{
    memset(s, 0, sizeof *s);
    s->mode = mode;
    make_gzip();
    s->listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s->listener < 0 || bind(s->listener, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listener, 16) != 0 || getsockname(s->listener, (struct sockaddr *)&a, &len) != 0 ||
        pipe(s->stop) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->thread, NULL, run, s) == 0 ? 0 : -1;
}

void h2_server_stop(h2_server *s)
{
    if (write(s->stop[1], "x", 1) != 1) return;
    pthread_join(s->thread, NULL);
    close(s->stop[0]);
    close(s->stop[1]);
    close(s->listener);
}
