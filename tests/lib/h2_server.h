/*
 * A scripted HTTP/2 server for the tests (cleartext, prior knowledge, on
 * 127.0.0.1): nghttp2's server session in a thread, answering every
 * request the way its mode says, good or broken, so that the failures of
 * a stream or a connection can be fetched over the wire and through curl.
 */
#ifndef LOCUST_TEST_H2_SERVER_H
#define LOCUST_TEST_H2_SERVER_H

#include <pthread.h>
#include <stdbool.h>

typedef enum h2s_mode {
    H2S_OK,              /* 200 "hello\n" with a Content-Length */
    H2S_RST,             /* RST_STREAM INTERNAL_ERROR instead of a response */
    H2S_RST_NO_ERROR,    /* RST_STREAM NO_ERROR before any head: closed cleanly without one */
    H2S_RST_MID,         /* the head and part of the body, then RST_STREAM CANCEL */
    H2S_REFUSE_ONCE,     /* the first request of the first connection: REFUSED_STREAM; then OK */
    H2S_GOAWAY,          /* GOAWAY (last stream 0) to every connection: each request refused */
    H2S_GOAWAY_AFTER,    /* the response, then GOAWAY NO_ERROR and the close */
    H2S_GARBAGE,         /* HTTP/1.1 bytes after the client's preface, then the close */
    H2S_CLOSE_MID,       /* the head (Content-Length 100) and 10 bytes, then the close */
    H2S_CLOSE_AT_ONCE,   /* the close as soon as the request came */
    H2S_SILENT,          /* no answer at all (a timeout) */
    H2S_TRAILERS,        /* 103, then 200 with a body and trailers */
    H2S_BAD_HEADER,      /* a response field HTTP/2 forbids (Connection) */
    H2S_NO_LENGTH_GZIP,  /* a gzip body without Content-Length, in three DATA frames */
    H2S_LENGTH_MISMATCH, /* Content-Length 10 but 4 bytes of body */
    H2S_GOAWAY_IDLE,     /* the response; 100 ms later, while the client idles, GOAWAY and the close */
} h2s_mode;

typedef struct h2_server {
    int listener, port;
    int stop[2];
    pthread_t thread;
    h2s_mode mode;
    unsigned connections, requests; /* counted by the server thread; read after stop */
} h2_server;

/* Binds 127.0.0.1 on a free port and serves in `mode` until stopped. 0 or -1. */
int h2_server_start(h2_server *s, h2s_mode mode);
void h2_server_stop(h2_server *s);

#endif /* LOCUST_TEST_H2_SERVER_H */
