/*
 * Test helper: a small but real HTTP forward proxy on loopback. It takes
 * requests in absolute form ("GET http://127.0.0.1:8080/x HTTP/1.1"),
 * forwards each to its origin in origin form with a "Via: 1.1 mini-proxy"
 * header, and relays the answer; it counts the requests and keeps the last
 * request line, so a test can tell that a request went through it.
 *
 * "CONNECT 127.0.0.1:8443 HTTP/1.1" (how a client reaches an https:// origin
 * through a proxy) opens a tunnel: the proxy answers 200, then relays the
 * bytes both ways, through a bounded buffer each way, until both sides have
 * closed (or one reset its connection); then it closes both connections.
 * How it answers a CONNECT can be changed (its connect_mode) to test a proxy
 * that refuses the tunnel or closes it at once.
 */
#ifndef LOCUST_TEST_MINI_PROXY_H
#define LOCUST_TEST_MINI_PROXY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#define MINI_PROXY_MAX_CONNS 16

/* How the proxy answers a CONNECT. */
typedef enum mini_proxy_connect_mode {
    MINI_PROXY_TUNNEL, /* 200, then the tunnel (the default) */
    MINI_PROXY_REFUSE, /* "403 Forbidden", then it closes the connection */
    MINI_PROXY_CLOSE,  /* 200, then it closes the tunnel (a FIN) before a byte went through */
} mini_proxy_connect_mode;

typedef struct mini_proxy {
    int fd;
    unsigned port;
    pthread_t thread;
    atomic_bool stop;
    atomic_uint requests; /* requests in absolute form seen */
    atomic_uint connects; /* CONNECT requests seen, whatever the answer */
    atomic_uint tunnels;  /* tunnels relayed until their sides ended them (closed, or reset) */
    atomic_int connect_mode;
    atomic_int active;
    pthread_mutex_t mu;
    char last_line[512];
    char credentials[128];           /* the Proxy-Authorization a request must carry, "" for none */
    int conns[MINI_PROXY_MAX_CONNS]; /* client connections being served, -1 when free */
} mini_proxy;

/* Listens on a free port of 127.0.0.1; returns 0 or -1. */
int mini_proxy_start(mini_proxy *p);
/* Closes everything and waits (5 s at most) for the connections to end. */
void mini_proxy_stop(mini_proxy *p);
/* The last request line the proxy received. */
void mini_proxy_last_line(mini_proxy *p, char *out, size_t n);
/*
 * From now on a request (CONNECT or not) must carry the header
 * "Proxy-Authorization: <value>", e.g. "Basic YWxpY2U6czNjcmV0" for
 * alice:s3cret; one without it is answered "407 Proxy Authentication
 * Required". NULL or "": no credentials needed.
 */
void mini_proxy_require(mini_proxy *p, const char *value);

#endif /* LOCUST_TEST_MINI_PROXY_H */
