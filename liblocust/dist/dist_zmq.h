/*
 * ZeroMQ sockets on a runner's libev loop (internal), without threads of
 * our own (libzmq's I/O thread aside).
 *
 * libzmq exposes a socket's readiness through ZMQ_FD, which is edge
 * triggered and signals only that ZMQ_EVENTS may have changed: it does not
 * fire again for messages that were already queued when it last fired, and
 * a zmq_send() or zmq_recv() on the socket may consume the edge. So the
 * socket is read until ZMQ_EVENTS says nothing is left (EAGAIN), after every
 * wake-up of the fd watcher and after every send; when a pass stops early
 * (a per-pass budget keeps one busy peer from starving the loop) an idle
 * watcher resumes it on the next loop iteration.
 */
#ifndef LOCUST_RPC_ZMQ_H
#define LOCUST_RPC_ZMQ_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct locust__zsock locust__zsock;

/* One part of a received message. */
typedef struct locust__zframe {
    const void *data;
    size_t len;
} locust__zframe;

/* The most parts of one message passed on; further parts are read and dropped. */
#define LOCUST__ZSOCK_MAX_PARTS 4

/*
 * Called for each message received. `srcfd` is the file descriptor of the
 * TCP connection the message came on (ZMQ_SRCFD), or -1. The callback may
 * send on any socket and may close any socket, this one included.
 */
typedef void (*locust__zsock_fn)(locust__zsock *s, const locust__zframe *parts, size_t nparts, int srcfd,
                                 void *ud);

/* A socket monitor event: ZMQ_EVENT_*, its value (a file descriptor for most) and the endpoint. */
typedef void (*locust__zmon_fn)(void *ud, unsigned event, int value, const char *endpoint);

/* Creates a ZeroMQ context with one I/O thread. NULL on failure (errno set). */
void *locust__zctx_new(void);
/* Terminates a context once all its sockets are closed (waits at most their linger). */
void locust__zctx_term(void *ctx);

/*
 * Creates a socket of `type` (ZMQ_PUSH, ...) in `ctx`, watched on `loop`.
 * fn may be NULL for send-only sockets. Returns 0 or a negative error code
 * (errno-based).
 */
int locust__zsock_new(locust__zsock **out, struct ev_loop *loop, void *ctx, int type, locust__zsock_fn fn,
                      void *ud);
/* The libzmq socket, for setsockopt/bind/connect. */
void *locust__zsock_raw(locust__zsock *s);
/* Starts watching: call after bind/connect. */
void locust__zsock_start(locust__zsock *s);
/*
 * Sends a message of `n` parts without blocking. Returns 0, LOCUST_EAGAIN
 * (no peer, or the high-water mark is reached) or another negative code.
 */
int locust__zsock_sendv(locust__zsock *s, const locust__zframe *parts, size_t n);
/*
 * Makes the socket take in what its I/O thread has prepared (new peers'
 * connections): libzmq does that on a send only if about a millisecond has
 * passed since it last did, so a burst of sends on a PUSH socket could skip
 * a peer that has just connected.
 */
void locust__zsock_sync(locust__zsock *s);
/* Sends a one-part message; see locust__zsock_sendv(). */
int locust__zsock_send(locust__zsock *s, const void *data, size_t len);
/* Sets the linger (ms) used when the socket is closed. */
void locust__zsock_set_linger(locust__zsock *s, int ms);
/*
 * Closes the socket (its queued messages are still sent within the linger
 * time) and frees it; safe inside its own callback. NULL is fine.
 */
void locust__zsock_close(locust__zsock *s);

/*
 * Monitors socket `s` for `events` (ZMQ_EVENT_* bits): `fn` is called on the
 * loop for each event. The monitor is a PAIR socket in the same context,
 * returned in *out so that it can be closed (before `s`).
 */
int locust__zsock_monitor(locust__zsock *s, void *ctx, int events, locust__zmon_fn fn, void *ud,
                          locust__zsock **out);

/*
 * Formats "tcp://host:port" into out. IPv6 literals are bracketed and
 * *ipv6 set. Returns 0 or LOCUST_EINVAL (bad host or port).
 */
int locust__zendpoint(char *out, size_t cap, const char *host, int port, bool *ipv6);

#endif /* LOCUST_RPC_ZMQ_H */
