/*
 * The differential harness of the HTTP session: a case (one file of a
 * corpus directory, tests/data/http_diff/) scripts what a raw TCP server
 * on 127.0.0.1 answers to each request, byte for byte; the same case is
 * fetched once over the session's own HTTP/1.1 path (the wire) and once
 * through curl, and everything the task and the statistics see must be the
 * same. Other corpora (cookies, TLS) reuse the loader, the server and the
 * runner: add a file to a corpus directory, or a directive here.
 *
 * A case file, line by line:
 *   # text              a comment (a '#' in the first column)
 *   @request M PATH [F] a request the task makes, in order (default: one
 *                       "GET /"); flags: noredirect, max_body=N (the
 *                       session's body cap), timeout=S (default 3 s)
 *   @reply [OPTS]       starts the bytes the server answers the next
 *                       request with; OPTS: close (default: the server
 *                       ends its side after the reply), keep (it waits
 *                       for the next request on the connection), reset
 *                       (it resets the connection), split=N (sent in
 *                       pieces of N bytes, pause=MS apart; default 2 ms)
 *   @fill N C           appends N bytes C (a character or \xHH) to the reply
 *   @choice TEXT        the paths differ here by a documented choice (README,
 *                       "HTTP"): the test then requires that they differ
 *   anything else       appends to the reply: the line without its line
 *                       break, with the escapes \r \n \t \0 \\ and \xHH
 * A request left without a reply finds its connection closed at once.
 */
#ifndef LOCUST_TEST_HTTP_DIFF_H
#define LOCUST_TEST_HTTP_DIFF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define HTTP_DIFF_MAX_REQUESTS 8

typedef struct http_diff_reply {
    char *bytes;
    size_t len;
    enum { DIFF_CLOSE, DIFF_KEEP, DIFF_RESET } after;
    size_t split; /* 0: in one send() */
    unsigned pause_ms;
} http_diff_reply;

typedef struct http_diff_request {
    char method[16];
    char path[256];
    bool no_redirects;
    size_t max_body; /* 0: the default cap */
    double timeout;
} http_diff_request;

typedef struct http_diff_case {
    char name[128];
    char choice[256]; /* "": the paths must agree */
    http_diff_request requests[HTTP_DIFF_MAX_REQUESTS];
    unsigned n_requests;
    http_diff_reply replies[HTTP_DIFF_MAX_REQUESTS];
    unsigned n_replies;
} http_diff_case;

/* Loads a case file; returns 0, or -1 with the reason (file:line) in `why`. */
int http_diff_load(const char *path, http_diff_case *c, char *why, size_t why_len);
void http_diff_free(http_diff_case *c);

/* The scripted server: one listening socket per case, served by a thread per fetch. */
typedef struct http_diff_server {
    const http_diff_case *c;
    int listener, port;
    int stop[2];
    pthread_t thread;
    unsigned next_reply;
    unsigned connections;
    char log[16384]; /* every request as it arrived, in order */
    size_t log_len;
    void *tls; /* SSL_CTX: the server speaks TLS */
} http_diff_server;

/* Binds the listening socket (kept for both fetches, so that URLs match). */
int http_diff_server_open(http_diff_server *s, const http_diff_case *c);
/* Makes the server speak TLS with the PEM certificate and key (after open). 0 or -1. */
int http_diff_server_tls(http_diff_server *s, const char *cert, const char *key);
/* Serves the case's replies from the first one on, until stopped. */
int http_diff_server_start(http_diff_server *s);
void http_diff_server_stop(http_diff_server *s);
void http_diff_server_close(http_diff_server *s);

#endif /* LOCUST_TEST_HTTP_DIFF_H */
