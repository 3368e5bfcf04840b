/*
 * floor: the least a load generator can do per request on this machine.
 *
 *   floor URL CONNECTIONS SECONDS
 *
 * Keeps CONNECTIONS keep-alive connections to URL (http://host:port/path)
 * and, on each, sends a GET, reads the response up to its Content-Length
 * and sends the next one, for SECONDS seconds: one send() and one recv()
 * per request and one epoll_wait() per batch of ready connections, no
 * users, statistics, timers, cookies or headers kept. What it costs per
 * request is what the kernel's loopback TCP costs; `make bench` runs it
 * beside wrk and locust-run so that their CPU per request can be read
 * against this floor. It prints "requests N" on success.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF       16384
#define MAX_CONNS 10000

struct conn {
    int fd;
    size_t have;   /* bytes of the current response read so far */
    size_t expect; /* its full size once the head is in, else 0 */
    char buf[BUF];
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "floor: %s: %s\n", what, why);
    exit(1);
}

/* The full size of the response in c->buf once its head is complete, else 0. */
static size_t response_size(const struct conn *c)
{
    const char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
    if (end == NULL) {
        if (c->have == BUF) die("response", "head larger than the buffer");
        return 0;
    }
    if (strncmp(c->buf, "HTTP/1.1 2", 10) != 0) die("response", "status is not 2xx");
    size_t head = (size_t)(end + 4 - c->buf);
    for (const char *p = c->buf; p < end; p++) {
        if (p[0] == '\n' && strncasecmp(p + 1, "Content-Length:", 15) == 0) {
            char *stop;
            unsigned long long n = strtoull(p + 16, &stop, 10);
            if (stop == p + 16) die("response", "bad Content-Length");
            return head + (size_t)n;
        }
    }
    die("response", "no Content-Length (floor needs it to find the end)");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) die("usage", "floor URL CONNECTIONS SECONDS");
    char host[256], path[1024] = "/";
    int port = 80;
    if (sscanf(argv[1], "http://%255[^:/]:%d%1023s", host, &port, path) < 2 &&
        sscanf(argv[1], "http://%255[^:/]%1023s", host, path) < 1)
        die(argv[1], "not an http://host[:port]/path URL");
    char *stop;
    long n = strtol(argv[2], &stop, 10);
    if (*stop || n < 1 || n > MAX_CONNS) die(argv[2], "CONNECTIONS must be 1..10000");
    double secs = strtod(argv[3], &stop);
    if (*stop || !(secs > 0 && secs <= 3600)) die(argv[3], "SECONDS must be in (0, 3600]");

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(host, portstr, &hints, &ai);
    if (gai != 0) die(host, gai_strerror(gai));

    /* The same request head locust-run sends for a plain GET. */
    char req[2048];
    int reqlen = snprintf(req, sizeof req,
                          "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: floor\r\nAccept: */*\r\n"
                          "Accept-Encoding: gzip, deflate\r\n\r\n",
                          path, host, port);
    if (reqlen < 0 || (size_t)reqlen >= sizeof req) die(path, "path too long");

    struct conn *conns = calloc((size_t)n, sizeof *conns);
    int ep = epoll_create1(0);
    if (conns == NULL || ep < 0) die("setup", strerror(errno));
    for (long i = 0; i < n; i++) {
        struct conn *c = &conns[i];
        c->fd = socket(ai->ai_family, SOCK_STREAM, 0);
        int one = 1;
        if (c->fd < 0 || setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
            connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0)
            die(argv[1], strerror(errno));
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl", strerror(errno));
        if (send(c->fd, req, (size_t)reqlen, MSG_NOSIGNAL) != reqlen) die("send", strerror(errno));
    }
    freeaddrinfo(ai);

    long long done = 0;
    double end = now() + secs;
    struct epoll_event evs[256];
    while (now() < end) {
        int k = epoll_wait(ep, evs, 256, 100);
        if (k < 0 && errno != EINTR) die("epoll_wait", strerror(errno));
        for (int j = 0; j < k; j++) {
            struct conn *c = evs[j].data.ptr;
            ssize_t r = recv(c->fd, c->buf + c->have, BUF - c->have, 0);
            if (r == 0) die("recv", "the server closed a connection");
            if (r < 0) die("recv", strerror(errno));
            c->have += (size_t)r;
            if (c->expect == 0) c->expect = response_size(c);
            /* Bodies bigger than the buffer are read and dropped. */
            if (c->expect != 0 && c->have == BUF && c->expect > BUF) {
                c->expect -= BUF;
                c->have = 0;
            }
            if (c->expect == 0 || c->have < c->expect) continue;
            if (c->have > c->expect) die("response", "more bytes than Content-Length");
            c->have = c->expect = 0;
            done++;
            if (send(c->fd, req, (size_t)reqlen, MSG_NOSIGNAL) != reqlen) die("send", strerror(errno));
        }
    }
    printf("requests %lld\n", done);
    return 0;
}
