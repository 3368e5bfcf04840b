/*
 * ZeroMQ sockets driven by libev; see rpc_zmq.h for the ZMQ_FD rules this
 * follows.
 */
#include "dist/dist_zmq.h"

#include "core/core.h"
#include "dist/dist_msgpack.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* Messages handled per pass before the loop gets a turn. */
#define RECV_BUDGET 256

struct locust__zsock {
    void *sock;
    struct ev_loop *loop;
    ev_io io;
    ev_idle kick; /* resumes reading on the next iteration */
    locust__zsock_fn fn;
    void *ud;
    int depth;   /* > 0 while inside process() */
    bool closed; /* closed inside a callback: freed when process() unwinds */
    bool started;
    /* For monitor sockets. */
    locust__zmon_fn mon_fn;
    void *mon_ud;
};

void *locust__zctx_new(void)
{
    void *ctx = zmq_ctx_new();
    if (ctx) zmq_ctx_set(ctx, ZMQ_IO_THREADS, 1);
    return ctx;
}

void locust__zctx_term(void *ctx)
{
    if (!ctx) return;
    while (zmq_ctx_term(ctx) != 0 && errno == EINTR) {
    }
}

static void zsock_free(locust__zsock *s)
{
    free(s);
}

/* Reads what is ready (up to the budget); see the header for why until EAGAIN. */
static void process(locust__zsock *s)
{
    s->depth++;
    int handled = 0;
    while (!s->closed) {
        int events = 0;
        size_t sz = sizeof events;
        if (zmq_getsockopt(s->sock, ZMQ_EVENTS, &events, &sz) != 0) break;
        if (!(events & ZMQ_POLLIN)) break;
        if (handled >= RECV_BUDGET) {
            /* More is waiting: the edge is spent, so come back by the idle watcher. */
            if (!ev_is_active(&s->kick)) ev_idle_start(s->loop, &s->kick);
            s->depth--;
            return;
        }
        zmq_msg_t parts[LOCUST__ZSOCK_MAX_PARTS];
        size_t n = 0;
        int srcfd = -1;
        bool more = true, ok = true;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, s->sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&m);
                ok = false;
                break;
            }
            more = zmq_msg_more(&m);
            if (n == 0) srcfd = zmq_msg_get(&m, ZMQ_SRCFD);
            if (n < LOCUST__ZSOCK_MAX_PARTS)
                parts[n++] = m;
            else
                zmq_msg_close(&m);
        }
        if (ok && n > 0 && s->fn) {
            locust__zframe fr[LOCUST__ZSOCK_MAX_PARTS];
            for (size_t i = 0; i < n; i++)
                fr[i] = (locust__zframe){zmq_msg_data(&parts[i]), zmq_msg_size(&parts[i])};
            s->fn(s, fr, n, srcfd, s->ud);
        }
        for (size_t i = 0; i < n; i++)
            zmq_msg_close(&parts[i]);
        handled++;
        if (!ok) break;
    }
    if (!s->closed && ev_is_active(&s->kick)) ev_idle_stop(s->loop, &s->kick);
    s->depth--;
    if (s->closed && s->depth == 0) zsock_free(s);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    process((locust__zsock *)w->data);
}

static void kick_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
    locust__zsock *s = w->data;
    ev_idle_stop(loop, w);
    process(s);
}

int locust__zsock_new(locust__zsock **out, struct ev_loop *loop, void *ctx, int type, locust__zsock_fn fn,
                      void *ud)
{
    *out = NULL;
    locust__zsock *s = calloc(1, sizeof *s);
    if (!s) return LOCUST_ENOMEM;
    s->sock = zmq_socket(ctx, type);
    if (!s->sock) {
        int err = -errno;
        free(s);
        return err ? err : LOCUST_EIO;
    }
    s->loop = loop;
    s->fn = fn;
    s->ud = ud;
    ev_idle_init(&s->kick, kick_cb);
    /* An idle watcher of top priority runs on every iteration, even when
     * other watchers (the users' HTTP sockets) always have events pending. */
    ev_set_priority(&s->kick, EV_MAXPRI);
    s->kick.data = s;
    *out = s;
    return 0;
}

void *locust__zsock_raw(locust__zsock *s)
{
    return s->sock;
}

void locust__zsock_start(locust__zsock *s)
{
    if (s->started || s->closed) return;
    int fd;
    size_t sz = sizeof fd;
    if (zmq_getsockopt(s->sock, ZMQ_FD, &fd, &sz) != 0) return;
    ev_io_init(&s->io, io_cb, fd, EV_READ);
    s->io.data = s;
    ev_io_start(s->loop, &s->io);
    s->started = true;
    /* Messages may already be queued, and the edge for them is gone. */
    ev_idle_start(s->loop, &s->kick);
}

int locust__zsock_sendv(locust__zsock *s, const locust__zframe *parts, size_t n)
{
    if (!s || s->closed) return LOCUST_EINVAL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
        if (zmq_send(s->sock, parts[i].data, parts[i].len, flags) < 0)
            rc = errno == EAGAIN ? LOCUST_EAGAIN : -errno;
    }
    /* A send may have consumed the read edge: look again soon. */
    if (s->started && !ev_is_active(&s->kick)) ev_idle_start(s->loop, &s->kick);
    return rc;
}

void locust__zsock_sync(locust__zsock *s)
{
    int events;
    size_t sz = sizeof events;
    /* Reading ZMQ_EVENTS processes the socket's pending commands, unthrottled. */
    if (s && !s->closed) zmq_getsockopt(s->sock, ZMQ_EVENTS, &events, &sz);
}

int locust__zsock_send(locust__zsock *s, const void *data, size_t len)
{
    locust__zframe f = {data, len};
    return locust__zsock_sendv(s, &f, 1);
}

void locust__zsock_set_linger(locust__zsock *s, int ms)
{
    if (s && !s->closed) zmq_setsockopt(s->sock, ZMQ_LINGER, &ms, sizeof ms);
}

void locust__zsock_close(locust__zsock *s)
{
    if (!s || s->closed) return;
    if (s->started) ev_io_stop(s->loop, &s->io);
    ev_idle_stop(s->loop, &s->kick);
    zmq_close(s->sock);
    s->sock = NULL;
    s->closed = true;
    if (s->depth == 0) zsock_free(s);
}

/* A monitor message: [6 bytes: uint16 event, uint32 value][endpoint]. */
static void monitor_cb(locust__zsock *s, const locust__zframe *parts, size_t n, int srcfd, void *ud)
{
    if (n < 1 || parts[0].len < 6 || !s->mon_fn) return;
    uint16_t event;
    uint32_t value;
    memcpy(&event, parts[0].data, 2);
    memcpy(&value, (const char *)parts[0].data + 2, 4);
    char endpoint[256] = "";
    if (n >= 2) locust__printable(parts[1].data, parts[1].len, endpoint, sizeof endpoint);
    s->mon_fn(s->mon_ud, event, (int)value, endpoint);
}

int locust__zsock_monitor(locust__zsock *s, void *ctx, int events, locust__zmon_fn fn, void *ud,
                          locust__zsock **out)
{
    static atomic_uint serial;
    char addr[96];
    *out = NULL;
    snprintf(addr, sizeof addr, "inproc://locust-monitor-%p-%u", (void *)s, atomic_fetch_add(&serial, 1) + 1);
    if (zmq_socket_monitor(s->sock, addr, events) != 0) return -errno;
    locust__zsock *m;
    int err = locust__zsock_new(&m, s->loop, ctx, ZMQ_PAIR, monitor_cb, NULL);
    if (err) return err;
    m->mon_fn = fn;
    m->mon_ud = ud;
    locust__zsock_set_linger(m, 0);
    if (zmq_connect(m->sock, addr) != 0) {
        err = -errno;
        locust__zsock_close(m);
        return err;
    }
    locust__zsock_start(m);
    *out = m;
    return 0;
}

int locust__zendpoint(char *out, size_t cap, const char *host, int port, bool *ipv6)
{
    if (ipv6) *ipv6 = false;
    if (!host || !*host || port < 0 || port > 65535) return LOCUST_EINVAL;
    for (const char *p = host; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == '/' || *p == '\x7f') return LOCUST_EINVAL;
    bool v6 = strchr(host, ':') != NULL;
    int n;
    if (v6 && host[0] != '[')
        n = snprintf(out, cap, "tcp://[%s]:%d", host, port);
    else
        n = snprintf(out, cap, "tcp://%s:%d", host, port);
    if (n < 0 || (size_t)n >= cap) return LOCUST_EINVAL;
    if (ipv6) *ipv6 = v6;
    return 0;
}
