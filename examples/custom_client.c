/*
 * Testing another system with a custom client (manual ch. 8): a TCP echo
 * client whose requests go into the statistics through
 * locust_report_success() and locust_report_failure(), the counterparts of
 * firing request_success and request_failure in Python.
 *
 * So that the example needs nothing else, the class's setup starts a TCP
 * echo server on 127.0.0.1 (a free port) on the runner's own libev loop,
 * and its teardown stops it: no threads.
 *
 *   locust-run -f examples/custom_client.c --no-web -c 10 -r 10 -t 10s
 *
 * The client's socket is non-blocking; locust_wait_fd() yields the user's
 * fiber until it is ready, so thousands of clients share one thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <locust/locust.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the echo server, on the runner's loop ------------------------------------------ */

#define MAX_CONNECTIONS 1024

typedef struct echo_conn {
    ev_io io;
    struct echo_conn *next;
} echo_conn;

static struct {
    struct ev_loop *loop;
    ev_io accept_io;
    int port;
    echo_conn *conns;
    size_t n_conns;
} server;

static void conn_close(echo_conn *c)
{
    ev_io_stop(server.loop, &c->io);
    close(c->io.fd);
    for (echo_conn **p = &server.conns; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    server.n_conns--;
    free(c);
}

static void echo_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    char buf[4096];
    ssize_t n = recv(w->fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    /* Small messages fit in the socket buffer; a short send ends the connection. */
    if (n <= 0 || send(w->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) conn_close((echo_conn *)w);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    echo_conn *c = server.n_conns < MAX_CONNECTIONS ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        close(fd);
        return;
    }
    ev_io_init(&c->io, echo_cb, fd, EV_READ);
    ev_io_start(loop, &c->io);
    c->next = server.conns;
    server.conns = c;
    server.n_conns++;
}

/* Class setup: runs once, in the first user's fiber, before any task. */
static void start_server(locust_ctx *ctx)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        if (fd >= 0) close(fd);
        locust_fail(ctx, "cannot start the echo server: %s", strerror(errno));
    }
    server.loop = locust_runner_loop(locust_ctx_runner(ctx));
    server.port = ntohs(addr.sin_port);
    ev_io_init(&server.accept_io, accept_cb, fd, EV_READ);
    ev_io_start(server.loop, &server.accept_io);
    locust_log(LOCUST_LOG_INFO, "custom_client", "echo server listening on 127.0.0.1:%d", server.port);
}

/* Class teardown: runs once when the process quits. */
static void stop_server(locust_ctx *ctx)
{
    while (server.conns)
        conn_close(server.conns);
    if (server.port) {
        ev_io_stop(server.loop, &server.accept_io);
        close(server.accept_io.fd);
        server.port = 0;
    }
}

/* ---- the client -------------------------------------------------------------------------- */

typedef struct echo_client {
    int fd;
    unsigned sent;
} echo_client;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void client_connect(locust_ctx *ctx)
{
    echo_client *c = locust_taskset_data(ctx);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)server.port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    double start = now_ms();
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = c->fd < 0 ? -1 : connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
    if (rc != 0 && errno == EINPROGRESS && locust_wait_fd(ctx, c->fd, LOCUST_WRITABLE, 5000) > 0) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err ? -1 : 0;
        errno = err;
    }
    locust_runner *r = locust_ctx_runner(ctx);
    if (rc == 0) {
        locust_report_success(r, "tcp", "connect", now_ms() - start, 0);
    } else {
        locust_report_failure(r, "tcp", "connect", now_ms() - start, strerror(errno));
        if (c->fd >= 0) close(c->fd);
        c->fd = -1;
    }
}

static void client_close(locust_ctx *ctx)
{
    echo_client *c = locust_taskset_data(ctx);
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

/* One request: send a line, read the same line back. */
static void echo(locust_ctx *ctx)
{
    echo_client *c = locust_taskset_data(ctx);
    locust_runner *r = locust_ctx_runner(ctx);
    if (c->fd < 0) locust_fail(ctx, "not connected");
    char msg[64], back[64];
    int len = snprintf(msg, sizeof msg, "ping %llu %u\n", (unsigned long long)locust_user_id(ctx), ++c->sent);
    double start = now_ms();
    if (send(c->fd, msg, (size_t)len, MSG_NOSIGNAL) != len) {
        locust_report_failure(r, "tcp", "echo", now_ms() - start, strerror(errno));
        return;
    }
    size_t got = 0;
    while (got < (size_t)len) {
        if (locust_wait_fd(ctx, c->fd, LOCUST_READABLE, 5000) < 0) {
            locust_report_failure(r, "tcp", "echo", now_ms() - start, "timed out waiting for the echo");
            return;
        }
        ssize_t n = recv(c->fd, back + got, sizeof back - got, 0);
        if (n <= 0) {
            locust_report_failure(r, "tcp", "echo", now_ms() - start,
                                  n == 0 ? "connection closed" : strerror(errno));
            client_close(ctx);
            return;
        }
        got += (size_t)n;
    }
    if (memcmp(msg, back, (size_t)len) != 0)
        locust_report_failure(r, "tcp", "echo", now_ms() - start, "the echo differs from the message");
    else
        locust_report_success(r, "tcp", "echo", now_ms() - start, len);
}

static const locust_task echo_tasks[] = {LOCUST_TASK(echo), LOCUST_TASKS_END};

static const locust_taskset echo_ts = {
    .name = "EchoTasks",
    .tasks = echo_tasks,
    .data_size = sizeof(echo_client),
    .on_start = client_connect,
    .on_stop = client_close,
};

static const locust_class echo_user = {
    .name = "EchoUser",
    .task_set = &echo_ts,
    .min_wait = 20,
    .max_wait = 50,
    .setup = start_server,
    .teardown = stop_server,
};

LOCUST_SCENARIO(NULL, &echo_user);
