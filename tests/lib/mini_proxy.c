/* A small HTTP forward proxy for the tests: see mini_proxy.h. */
#include "mini_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Caps of what one request and one answer may hold. */
#define HEAD_MAX   (64 * 1024)
#define BODY_MAX   (4 * 1024 * 1024)
#define ANSWER_MAX (32 * 1024 * 1024)
/* What a tunnel holds in each direction (one TLS record fits). */
#define TUNNEL_BUF (17 * 1024)

typedef struct conn {
    mini_proxy *p;
    int fd, slot;
} conn;

/* Waits for the fd to be readable, checking for a stop every 100 ms. */
static bool readable(mini_proxy *p, int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (!atomic_load(&p->stop)) {
        int n = poll(&pfd, 1, 100);
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
    return false;
}

static bool send_all(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

/* An empty answer with `extra` header lines (each ending in CRLF); the connection ends after it. */
static void answer(int fd, const char *status, const char *extra)
{
    char b[512];
    int n = snprintf(b, sizeof b, "HTTP/1.1 %s\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n", status,
                     extra);
    send_all(fd, b, (size_t)n);
}

/* Whether the head (a string) carries the credentials the proxy requires, if any. */
static bool authorized(mini_proxy *p, const char *head)
{
    pthread_mutex_lock(&p->mu);
    bool ok = p->credentials[0] == '\0';
    const char *h = strcasestr(head, "\r\nProxy-Authorization:");
    if (!ok && h != NULL) {
        h += 22;
        h += strspn(h, " \t");
        size_t n = strlen(p->credentials);
        ok = strncmp(h, p->credentials, n) == 0 && (h[n] == '\r' || h[n] == ' ');
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

/* Connects to "127.0.0.1:port" (only loopback IPv4 origins are forwarded). */
static int connect_origin(const char *host, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || (ntohl(a.sin_addr.s_addr) >> 24) != 127) return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/*
 * Forwards one request (head[0..hl) with its body) to its origin and relays
 * the answer, read until the origin closes. False ends the client's connection.
 */
static bool forward(mini_proxy *p, int client, char *head, size_t hl, const char *body, size_t bl)
{
    char method[16], target[1024], host[64];
    unsigned port = 80;
    if (sscanf(head, "%15s %1023s", method, target) != 2 || strncmp(target, "http://", 7) != 0) {
        answer(client, "400 Bad Request", "");
        return false;
    }
    const char *auth = target + 7, *path = strchr(auth, '/');
    size_t al = path ? (size_t)(path - auth) : strlen(auth);
    const char *colon = memchr(auth, ':', al);
    size_t hn = colon ? (size_t)(colon - auth) : al;
    if (hn == 0 || hn >= sizeof host) {
        answer(client, "400 Bad Request", "");
        return false;
    }
    memcpy(host, auth, hn);
    host[hn] = '\0';
    if (colon) port = (unsigned)strtoul(colon + 1, NULL, 10);
    int origin = connect_origin(host, port);
    if (origin < 0) {
        answer(client, "502 Bad Gateway", "");
        return false;
    }
    /* The request line in origin form, the headers but the hop-by-hop ones, and ours. */
    char *out = malloc(hl + bl + 256);
    bool ok = out != NULL;
    size_t o = ok ? (size_t)sprintf(out, "%s %s HTTP/1.1\r\n", method, path ? path : "/") : 0;
    for (char *line = strstr(head, "\r\n") + 2; ok && line < head + hl;) {
        char *end = strstr(line, "\r\n");
        if (end == NULL || end == line) break;
        size_t n = (size_t)(end - line) + 2;
        if (strncasecmp(line, "Proxy-Connection:", 17) != 0 && strncasecmp(line, "Connection:", 11) != 0) {
            memcpy(out + o, line, n);
            o += n;
        }
        line = end + 2;
    }
    if (ok) {
        o += (size_t)sprintf(out + o, "Via: 1.1 mini-proxy\r\nConnection: close\r\n\r\n");
        memcpy(out + o, body, bl);
        ok = send_all(origin, out, o + bl);
    }
    free(out);
    char *ans = malloc(ANSWER_MAX);
    size_t n = 0;
    while (ok && ans != NULL && n < ANSWER_MAX && readable(p, origin)) {
        ssize_t r = recv(origin, ans + n, ANSWER_MAX - n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(origin);
    ok = ok && ans != NULL && n > 0 && send_all(client, ans, n);
    free(ans);
    return ok;
}

/* One direction of a tunnel: what was read from `from` and is still to be written to `to`. */
typedef struct flow {
    int from, to;
    char buf[TUNNEL_BUF];
    size_t len, off;
    bool eof, shut;
} flow;

/*
 * Relays bytes both ways between the client and the origin until each side
 * has closed its half (passed on as a shutdown of the other's), or a side
 * reset its connection (a client that closes with bytes unread resets it),
 * or the proxy stops. Each way holds at most TUNNEL_BUF bytes and reads no
 * more until they are written. True when the sides ended the tunnel, false
 * when the proxy cut it.
 */
static bool relay(mini_proxy *p, flow f[2])
{
    while (!atomic_load(&p->stop) && !(f[0].shut && f[1].shut)) {
        /* pfd[i] is f[i].from, and f[1 - i].to; an fd with nothing to wait for is left out. */
        struct pollfd pfd[2] = {{.fd = f[0].from}, {.fd = f[1].from}};
        for (int i = 0; i < 2; i++) {
            if (!f[i].eof && f[i].len == 0) pfd[i].events |= POLLIN;
            if (f[i].off < f[i].len) pfd[1 - i].events |= POLLOUT;
        }
        for (int i = 0; i < 2; i++)
            if (pfd[i].events == 0) pfd[i].fd = -1;
        int n = poll(pfd, 2, 100);
        if (n < 0 && errno != EINTR) return false;
        if (n <= 0) continue;
        /* A failed send or recv: that side is gone, and the tunnel with it. */
        for (int i = 0; i < 2; i++) {
            if (f[i].off < f[i].len && (pfd[1 - i].revents & (POLLOUT | POLLERR | POLLHUP))) {
                ssize_t w =
                    send(f[i].to, f[i].buf + f[i].off, f[i].len - f[i].off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w < 0 && errno != EAGAIN && errno != EINTR) return true;
                if (w > 0 && (f[i].off += (size_t)w) == f[i].len) f[i].off = f[i].len = 0;
            }
            if (!f[i].eof && f[i].len == 0 && (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))) {
                ssize_t r = recv(f[i].from, f[i].buf, sizeof f[i].buf, MSG_DONTWAIT);
                if (r < 0 && errno != EAGAIN && errno != EINTR) return true;
                if (r == 0) f[i].eof = true;
                if (r > 0) f[i].len = (size_t)r;
            }
            if (f[i].eof && f[i].len == 0 && !f[i].shut) {
                shutdown(f[i].to, SHUT_WR);
                f[i].shut = true;
            }
        }
    }
    return f[0].shut && f[1].shut;
}

/*
 * Answers "CONNECT host:port" as the connect_mode says; `early` holds the
 * bytes the client sent after the head. The client's connection ends with
 * the tunnel.
 */
static void tunnel(mini_proxy *p, int client, const char *head, const char *early, size_t early_len)
{
    static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    int mode = atomic_load(&p->connect_mode);
    if (mode == MINI_PROXY_REFUSE) {
        answer(client, "403 Forbidden", "");
        return;
    }
    if (mode == MINI_PROXY_CLOSE) {
        /* The close is a FIN, whatever the client sends meanwhile: a close with its bytes unread would
         * be a reset. What comes is read and dropped until the client closes too (10 s at most). */
        send_all(client, established, sizeof established - 1);
        shutdown(client, SHUT_WR);
        char drop[4096];
        struct pollfd pfd = {.fd = client, .events = POLLIN};
        for (int i = 0; i < 100 && !atomic_load(&p->stop); i++)
            if (poll(&pfd, 1, 100) > 0 && recv(client, drop, sizeof drop, 0) <= 0) break;
        return;
    }
    char target[128], host[64];
    unsigned port = 0;
    const char *colon = NULL;
    if (sscanf(head, "CONNECT %127s", target) == 1) colon = strrchr(target, ':');
    if (colon == NULL || (size_t)(colon - target) >= sizeof host ||
        (port = (unsigned)strtoul(colon + 1, NULL, 10)) == 0 || early_len > TUNNEL_BUF) {
        answer(client, "400 Bad Request", "");
        return;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - target), target);
    int origin = connect_origin(host, port);
    if (origin < 0) {
        answer(client, "502 Bad Gateway", "");
        return;
    }
    flow *f = calloc(2, sizeof *f);
    if (f != NULL && send_all(client, established, sizeof established - 1)) {
        f[0] = (flow){.from = client, .to = origin, .len = early_len};
        memcpy(f[0].buf, early, early_len);
        f[1] = (flow){.from = origin, .to = client};
        if (relay(p, f)) atomic_fetch_add(&p->tunnels, 1);
    }
    free(f);
    close(origin);
}

/* Serves the requests of one client connection, one after the other. */
static void *serve(void *arg)
{
    conn *c = arg;
    mini_proxy *p = c->p;
    char *buf = malloc(HEAD_MAX + BODY_MAX);
    size_t n = 0;
    while (buf != NULL && !atomic_load(&p->stop)) {
        char *end = n ? memmem(buf, n, "\r\n\r\n", 4) : NULL;
        if (end == NULL) {
            if (n >= HEAD_MAX || !readable(p, c->fd)) break;
            ssize_t r = recv(c->fd, buf + n, HEAD_MAX - n, 0);
            if (r <= 0) break;
            n += (size_t)r;
            continue;
        }
        size_t hl = (size_t)(end - buf) + 4, bl = 0;
        buf[hl - 1] = '\0'; /* the head as a string; its last "\n" is not needed */
        char *cl = strcasestr(buf, "\r\nContent-Length:");
        if (cl != NULL) bl = strtoul(cl + 17, NULL, 10);
        if (bl > BODY_MAX) break;
        while (n < hl + bl && readable(p, c->fd)) {
            ssize_t r = recv(c->fd, buf + n, hl + bl - n, 0);
            if (r <= 0) break;
            n += (size_t)r;
        }
        if (n < hl + bl) break;
        pthread_mutex_lock(&p->mu);
        snprintf(p->last_line, sizeof p->last_line, "%.*s", (int)strcspn(buf, "\r\n"), buf);
        pthread_mutex_unlock(&p->mu);
        bool connect = strncmp(buf, "CONNECT ", 8) == 0;
        atomic_fetch_add(connect ? &p->connects : &p->requests, 1);
        if (!authorized(p, buf)) {
            answer(c->fd, "407 Proxy Authentication Required",
                   "Proxy-Authenticate: Basic realm=\"mini-proxy\"\r\n");
            break;
        }
        if (connect) {
            tunnel(p, c->fd, buf, buf + hl, n - hl);
            break;
        }
        buf[hl - 1] = '\n';
        if (!forward(p, c->fd, buf, hl, buf + hl, bl)) break;
        memmove(buf, buf + hl + bl, n - hl - bl);
        n -= hl + bl;
    }
    free(buf);
    pthread_mutex_lock(&p->mu);
    p->conns[c->slot] = -1;
    pthread_mutex_unlock(&p->mu);
    close(c->fd);
    free(c);
    atomic_fetch_sub(&p->active, 1);
    return NULL;
}

static void *accept_loop(void *arg)
{
    mini_proxy *p = arg;
    while (readable(p, p->fd)) {
        int fd = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        conn *c = malloc(sizeof *c);
        int slot = -1;
        pthread_mutex_lock(&p->mu);
        for (int i = 0; i < MINI_PROXY_MAX_CONNS && slot < 0; i++)
            if (p->conns[i] < 0) slot = i;
        if (slot >= 0 && c != NULL) p->conns[slot] = fd;
        pthread_mutex_unlock(&p->mu);
        pthread_t t;
        if (c == NULL || slot < 0) {
            free(c);
            close(fd);
            continue;
        }
        *c = (conn){.p = p, .fd = fd, .slot = slot};
        atomic_fetch_add(&p->active, 1);
        if (pthread_create(&t, NULL, serve, c) != 0) {
            pthread_mutex_lock(&p->mu);
            p->conns[slot] = -1;
            pthread_mutex_unlock(&p->mu);
            atomic_fetch_sub(&p->active, 1);
            close(fd);
            free(c);
            continue;
        }
        pthread_detach(t);
    }
    return NULL;
}

int mini_proxy_start(mini_proxy *p)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    for (int i = 0; i < MINI_PROXY_MAX_CONNS; i++)
        p->conns[i] = -1;
    p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(p->fd, 64) != 0 ||
        getsockname(p->fd, (struct sockaddr *)&a, &len) != 0) {
        if (p->fd >= 0) close(p->fd);
        return -1;
    }
    p->port = ntohs(a.sin_port);
    if (pthread_create(&p->thread, NULL, accept_loop, p) != 0) {
        close(p->fd);
        return -1;
    }
    return 0;
}

void mini_proxy_stop(mini_proxy *p)
{
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    close(p->fd);
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < MINI_PROXY_MAX_CONNS; i++)
        if (p->conns[i] >= 0) shutdown(p->conns[i], SHUT_RDWR);
    pthread_mutex_unlock(&p->mu);
    /* The connections notice the stop within 100 ms; 5 s bounds the wait. */
    for (int i = 0; i < 500 && atomic_load(&p->active) > 0; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}

void mini_proxy_last_line(mini_proxy *p, char *out, size_t n)
{
    pthread_mutex_lock(&p->mu);
    snprintf(out, n, "%s", p->last_line);
    pthread_mutex_unlock(&p->mu);
}

void mini_proxy_require(mini_proxy *p, const char *value)
{
    pthread_mutex_lock(&p->mu);
    snprintf(p->credentials, sizeof p->credentials, "%s", value ? value : "");
    pthread_mutex_unlock(&p->mu);
}
