/*
 * Test helper: a small but real HTTP forward proxy on loopback. It takes
 * requests in absolute form ("GET http://127.0.0.1:8080/x HTTP/1.1"),
 * forwards each to its origin in origin form with a "Via: 1.1 mini-proxy"
 * header, and relays the answer; it counts the requests and keeps the last
 * request line, so a test can tell that a request went through it.
 */
#ifndef LOCUST_TEST_MINI_PROXY_H
#define LOCUST_TEST_MINI_PROXY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#define MINI_PROXY_MAX_CONNS 16

typedef struct mini_proxy {
    int fd;
    unsigned port;
    pthread_t thread;
    atomic_bool stop;
    atomic_uint requests;
    atomic_int active;
    pthread_mutex_t mu;
    char last_line[512];
    int conns[MINI_PROXY_MAX_CONNS]; /* client connections being served, -1 when free */
} mini_proxy;

/* Listens on a free port of 127.0.0.1; returns 0 or -1. */
int mini_proxy_start(mini_proxy *p);
/* Closes everything and waits (5 s at most) for the connections to end. */
void mini_proxy_stop(mini_proxy *p);
/* The last request line the proxy received. */
void mini_proxy_last_line(mini_proxy *p, char *out, size_t n);

#endif /* LOCUST_TEST_MINI_PROXY_H */
