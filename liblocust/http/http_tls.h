/*
 * TLS on the session's own connection (http_tls.c): OpenSSL driven by the
 * wire's non-blocking socket, with curl 7.88's verification, settings and
 * words for every failure. http_wire.c owns the socket and the waiting;
 * this layer never blocks: a call that needs the socket to be readable or
 * writable says so and is called again.
 */
#ifndef LOCUST_HTTP_TLS_H
#define LOCUST_HTTP_TLS_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The TLS settings of a hop: those that decide whether a connection may carry it. */
typedef struct locust__tls_cfg {
    bool verify;             /* peer and host name (not .insecure) */
    const char *ca_bundle;   /* NULL: curl's default bundle */
    const char *client_cert; /* PEM, or NULL */
    const char *client_key;  /* PEM, or NULL: the key is in client_cert */
} locust__tls_cfg;

/* A context: settings loaded once per thread (CA bundle, client certificate). */
typedef struct locust__tls_ctx locust__tls_ctx;

/* The session to resume with a host: one per user and host (the wire keeps it). */
typedef struct locust__tls_resume {
    void *sess;     /* SSL_SESSION */
    void *ctx;      /* SSL_CTX it came from (a reference is held) */
    char host[256]; /* the host name as in the URL */
    uint16_t port;
} locust__tls_resume;

/* A TLS connection over a socket. */
typedef struct locust__tls locust__tls;

/* What a call needs before it can go on. */
enum { LOCUST__TLS_DONE = 0, LOCUST__TLS_WANT_READ = 1, LOCUST__TLS_WANT_WRITE = 2, LOCUST__TLS_FAILED = -1 };

/*
 * The thread's context for cfg, created (CA bundle and client certificate
 * loaded) on first use. NULL with *code and curl's words in `msg` when a
 * file cannot be used.
 */
locust__tls_ctx *locust__tls_ctx_get(const locust__tls_cfg *cfg, CURLcode *code, char *msg, size_t msg_len);

/*
 * Starts a client connection on the connected socket fd to host:port (the
 * URL's host, without brackets), resuming the session in `resume` when it
 * was made with the same host, port and context. NULL on ENOMEM.
 */
locust__tls *locust__tls_new(locust__tls_ctx *c, int fd, const char *host, size_t host_len, uint16_t port,
                             locust__tls_resume *resume);
/* Sends close_notify (one try) and frees the connection. */
void locust__tls_free(locust__tls *t);
/* Forgets a kept session. */
void locust__tls_resume_clear(locust__tls_resume *r);

/*
 * Drives the handshake, then checks the host name as curl does. Returns
 * LOCUST__TLS_DONE, a WANT, or LOCUST__TLS_FAILED with *code and curl's
 * words in msg.
 */
int locust__tls_handshake(locust__tls *t, CURLcode *code, char *msg, size_t msg_len);
/*
 * Frees the connection's record buffers (34 KiB) while it rests between
 * requests; OpenSSL allocates them again when it next reads or writes.
 * Does nothing and returns false while OpenSSL holds bytes not read yet.
 */
bool locust__tls_idle(locust__tls *t);
/* Keeps the record buffers between records (a busy connection), or lets OpenSSL free them as soon
 * as they are empty (SSL_MODE_RELEASE_BUFFERS). */
void locust__tls_keep_buffers(locust__tls *t, bool keep);
/* Whether the connection was made with the context c (its settings). */
bool locust__tls_made_by(const locust__tls *t, const locust__tls_ctx *c);
/* Whether OpenSSL holds bytes not read yet, decrypted or read ahead (the socket will not say so). */
bool locust__tls_pending(const locust__tls *t);
/* Whether the handshake resumed a kept session. */
bool locust__tls_resumed(const locust__tls *t);
/* Offers "h2,http/1.1" in ALPN (before the handshake): 0 or LOCUST_ENOMEM. */
int locust__tls_offer_h2(locust__tls *t);
/* Whether the server chose h2 in ALPN (after the handshake). */
bool locust__tls_is_h2(const locust__tls *t);

/*
 * Reads decrypted bytes: > 0, 0 at the end of the stream, or -1 with *want
 * set (a WANT, or LOCUST__TLS_FAILED: *err the socket's errno, or 0 with
 * curl's words in msg).
 */
ssize_t locust__tls_read(locust__tls *t, char *buf, size_t n, int *want, int *err, char *msg, size_t msg_len);
/* Writes bytes: > 0 written, or -1 as locust__tls_read() says. */
ssize_t locust__tls_write(locust__tls *t, const char *buf, size_t n, int *want, int *err, char *msg,
                          size_t msg_len);

/* curl's default CA bundle (CURLINFO_CAINFO), or NULL when it has none. */
const char *locust__tls_default_ca(void);

#endif /* LOCUST_HTTP_TLS_H */
