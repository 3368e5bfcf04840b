/*
 * The session's own connection (struct locust__wire), shared by
 * http_wire.c (the connection and one hop over it) and http_wire_route.c
 * (which hops take it, and where they go).
 */
#ifndef LOCUST_HTTP_WIRE_CONN_H
#define LOCUST_HTTP_WIRE_CONN_H

#include <nghttp2/nghttp2.h>

#include "http/http_resolve.h"
#include "http/http_tls.h"
#include "http/http_wire.h"

typedef locust__sockaddr wire_addr;
typedef struct locust__wire_h2 locust__wire_h2;

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
    /* TLS: the next hop's (an https:// URL), and the connection's. */
    bool to_tls;
    const char *to_host; /* the URL's host (an IP address without brackets) */
    size_t to_host_len;
    locust__tls_ctx *to_ctx; /* the hop's TLS settings; NULL: they failed (ctx_code, tls_msg) */
    CURLcode ctx_code;
    locust__tls *tls;          /* NULL: a plain connection */
    locust__tls_resume resume; /* the session to resume with the host (one per user) */
    int want;                  /* what the TLS layer waits for: EV_READ or EV_WRITE */
    bool tls_failed;           /* a read or write failed in TLS: curl's words in tls_msg */
    ev_timer tls_rest;         /* releases OpenSSL's record buffers once the connection rests */
    double tls_used_at;        /* when its last response ended (the loop's time; 0: none yet) */
    bool tls_busy;             /* its request came less than TLS_REST after the last response */
    unsigned tls_rests;        /* how often its buffers went back (for the tests) */
    char tls_msg[CURL_ERROR_SIZE];
    /* HTTP/2: whether the next hop asks for it, whether the connection was
     * opened asking for it (ALPN "h2,http/1.1", or h2c with prior knowledge),
     * and its session when the server speaks it (NULL: HTTP/1.1). */
    bool to_h2, conn_h2;
    locust__wire_h2 *h2;
    bool hop_h2; /* the last hop was a stream of such a session */
};

/* A session's connection, not connected yet; NULL on ENOMEM. */
locust__wire *locust__wire_new(locust_http *h);

/* The connection's I/O, for the HTTP/2 session on it (http_wire_h2.c). */
/* Blocks the user until the socket is ready for `events`: 0, LOCUST_ETIMEDOUT past `deadline` (0: none) or
 * LOCUST_ECANCELED. */
int locust__wire_wait(locust__wire *w, int events, double deadline);
/* Reads as recv() does: > 0, 0 at the end, or -1 with errno (EAGAIN: w->want says for what; EPROTO: TLS's
 * failure, worded in w->tls_msg). */
ssize_t locust__wire_recv(locust__wire *w, char *buf, size_t n);
/* Sends head and body (NULL: none): 0 (with *err set to errno when sending failed), LOCUST_ETIMEDOUT or
 * LOCUST_ECANCELED. */
int locust__wire_send(locust__wire *w, const char *head, size_t head_len, const char *body, size_t body_len,
                      double deadline, int *err);

/* ---- HTTP/2 on the connection (http_wire_h2.c) ---- */

/* What the exchange asks of the hop besides finishing: run it again on a fresh connection. */
#define LOCUST__WIRE_H2_RETRY 1

/* What the hop's connection speaks: on a new one, HTTP/2 when the hop asks for it and the server takes it
 * (h2c, or h2 chosen in ALPN; else HTTP/1.1, as curl falls back), its session started. 0 or LOCUST_ENOMEM. */
int locust__wire_h2_pick(locust__wire *w, bool reused);
/* Whether the connection is done for after an HTTP/2 hop that ended with `result`. */
bool locust__wire_h2_spent(locust__wire *w, CURLcode result);
/* Starts an HTTP/2 session on the new connection (its preface and settings leave with the first request);
 * 0 or LOCUST_ENOMEM. */
int locust__wire_h2_start(locust__wire *w);
/* Ends the session (the connection is being closed). */
void locust__wire_h2_end(locust__wire *w);
/* Whether the session may open another stream (no GOAWAY, stream ids left, still alive). */
bool locust__wire_h2_usable(const locust__wire *w);
/*
 * Runs the hop as one stream: sends the request (its HTTP/1.1 head as the
 * wire builds it, turned into HTTP/2 fields as curl turns it) and its body,
 * and reads the response into p as curl 7.88 presents it. Returns 0 (p->result
 * says how it went), LOCUST__WIRE_H2_RETRY when nothing came on a reused
 * connection that died or a stream the server refused (worded as curl gives
 * up instead, at the fifth `attempt`), or the wait's error.
 */
int locust__wire_h2_exchange(locust__wire *w, locust__wire_msg *p, char *head, size_t head_len,
                             const char *body, size_t body_len, double deadline, bool reused, int attempt);
/* The exchange in its steps, for locust__wire_h2_exchange() and the fuzzer (tests/fuzz/fuzz_http_wire_h2.c):
 * begin submits the stream (0, RETRY or LOCUST_ENOMEM), take hands nghttp2 what the server sent, over says
 * whether the exchange has ended (setting how, when the session died), conn_failed words the connection's
 * end or failure under the stream (err: its errno, 0 at the end of the stream) or asks for a RETRY, and
 * finish settles the stream's outcome (after rc 0) and returns rc. */
int locust__wire_h2_begin(locust__wire *w, locust__wire_msg *p, char *head, size_t head_len, const char *body,
                          size_t body_len);
void locust__wire_h2_take(locust__wire *w, const char *in, size_t n);
bool locust__wire_h2_over(locust__wire *w);
int locust__wire_h2_conn_failed(locust__wire *w, bool reused, bool sending, int err);
int locust__wire_h2_finish(locust__wire *w, int rc);
/* The session (the fuzzer sends what it queued to nowhere). */
struct nghttp2_session *locust__wire_h2_session(locust__wire *w);
/* Reads what arrives on an idle connection (SETTINGS, PING, GOAWAY); false when it can no longer be used. */
bool locust__wire_h2_idle(locust__wire *w);

/* ---- nghttp2's memory (http_wire_h2_mem.c) ---- */

/* The thread's pool for the sessions' small blocks, or NULL (nghttp2's malloc()) when it cannot have one. */
nghttp2_mem *locust__wire_h2_mem(void);
/* How many blocks the thread's pool holds for reuse (for the tests: none after locust_runner_free()). */
size_t locust__wire_h2_mem_kept(void);

#endif /* LOCUST_HTTP_WIRE_CONN_H */
