/*
 * The session's own connection (struct locust__wire), shared by
 * http_wire.c (the connection and one hop over it) and http_wire_route.c
 * (which hops take it, and where they go).
 */
#ifndef LOCUST_HTTP_WIRE_CONN_H
#define LOCUST_HTTP_WIRE_CONN_H

#include "http/http_resolve.h"
#include "http/http_tls.h"
#include "http/http_wire.h"

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
    double tls_used_at;        /* when its last response ended (the loop's time) */
    unsigned tls_rests;        /* how often its buffers went back (for the tests) */
    char tls_msg[CURL_ERROR_SIZE];
};

/* A session's connection, not connected yet; NULL on ENOMEM. */
locust__wire *locust__wire_new(locust_http *h);

#endif /* LOCUST_HTTP_WIRE_CONN_H */
