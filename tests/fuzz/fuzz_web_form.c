/*
 * libFuzzer harness: requests to the web UI, through the real server
 * (libmicrohttpd on the runner's loop, web.c) over a loopback socket. The
 * first byte picks what the rest is:
 *   0: the body of POST /swarm, application/x-www-form-urlencoded
 *   1: the body of POST /swarm, multipart/form-data (boundary "XyZ")
 *   2: the body of a POST to a custom route that echoes its form fields
 *   3: a whole raw request (method, path, headers, body)
 * Every request must be answered with an HTTP response or refused by
 * closing the connection; nothing may crash, leak or hang, and a swarm that
 * starts must stop again.
 *
 * By default the runner has no class, so /swarm parses and checks its form
 * and then refuses to start ("no locust classes were added"): stopping
 * users hit a use-after-free in runner.c (locust__runner_user_finished
 * reads the user it has just freed; reported), which would stop every run
 * at its first input. LOCUST_FUZZ_SWARM=1 adds a class, so that swarms
 * really start and stop.
 *
 * Inputs with a run of more than 3 decimal digits (or a %3x escape, which
 * decodes to a digit) are skipped: POST /swarm accepts locust_count up to 2^31, and the
 * runner then allocates 8 bytes per user to come at once (runner.c's
 * bucket), gigabytes for one request; that is reported, not fuzzed.
 */
#include "web/web_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <locust/web.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static locust_runner *form_runner;
static locust_web *form_web;
static int form_port;

static void form_nap(locust_ctx *ctx)
{
    locust_sleep(ctx, 1000);
}

static const locust_task form_tasks[] = {LOCUST_TASK(form_nap), LOCUST_TASKS_END};
static const locust_taskset form_ts = {.name = "FormTasks", .tasks = form_tasks};
static const locust_class form_class = {.name = "Form", .task_set = &form_ts};

/* A custom route (manual ch. 10.1) that reads the fields a form sent. */
static int form_echo(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    static const char *const names[] = {"locust_count", "hatch_rate", "a", "b", "", "file"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = locust_web_request_arg(req, names[i]);
        if (v != NULL) locust_web_response_printf(res, "%s=%s\n", names[i], v);
    }
    size_t len;
    const char *body = locust_web_request_body(req, &len);
    if (body == NULL || body[len] != '\0') abort();
    return 0;
}

static int form_setup(void)
{
    if (form_web != NULL) return 0;
    if (!getenv("LOCUST_FUZZ_LOG")) locust_log_set(NULL, NULL, LOCUST_LOG_CRITICAL + 1);
    locust_runner_options o = {.seed = 1};
    if (locust_runner_new(&form_runner, &o) != 0 ||
        (getenv("LOCUST_FUZZ_SWARM") && locust_runner_add_class(form_runner, &form_class) != 0) ||
        locust_web_route(form_runner, "POST", "/form", form_echo, NULL) != 0)
        abort();
    locust_web_options wo = {.host = "127.0.0.1", .port = 0};
    if (locust_web_new(&form_web, form_runner, &wo) != 0) abort();
    form_port = locust_web_port(form_web);
    return 0;
}

static bool form_skip(const uint8_t *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run = p[i] >= '0' && p[i] <= '9' ? run + 1 : 0;
        if (run > 3) return true;
        if (p[i] == '%' && i + 1 < n && p[i + 1] == '3') return true;
    }
    return false;
}

/* Sends the request, half-closes, and runs the loop until the server has answered and closed. */
static void form_exchange(const char *req, size_t len, bool complete)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)form_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) abort();
    struct ev_loop *loop = locust_runner_loop(form_runner);
    size_t off = 0;
    char got[16] = "";
    size_t got_len = 0;
    bool closed = false;
    /* A complete request gets 1 s; a raw one 50 ms of silence (see below). */
    int idle = 0, idle_max = complete ? 10000 : 500;
    for (; idle < idle_max && !closed; idle++) {
        if (off < len) {
            ssize_t s = send(fd, req + off, len - off, MSG_NOSIGNAL);
            if (s > 0)
                off += (size_t)s;
            else if (s < 0 && errno != EAGAIN && errno != ENOTCONN)
                off = len; /* reset: nothing more to send */
            if (off == len) shutdown(fd, SHUT_WR);
        }
        ev_run(loop, EVRUN_NOWAIT);
        char buf[4096];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r > 0) {
            idle = 0;
            size_t take = got_len < sizeof got - 1 ? sizeof got - 1 - got_len : 0;
            if (take > (size_t)r) take = (size_t)r;
            memcpy(got + got_len, buf, take);
            got_len += take;
            got[got_len] = '\0';
        } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            closed = true;
        } else {
            usleep(100);
        }
    }
    /* A reset, not a close: the server must let go of the connection at once. */
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    /*
     * A complete request with "Connection: close" must be answered and
     * closed at once. A raw one may be incomplete, and the server does not
     * notice a client's half-close on a kept-alive connection (reported:
     * it holds it until its 30 s idle timeout), so there only a crash counts.
     */
    if (complete && (!closed || got_len == 0)) abort();
    if (got_len > 0 && strncmp(got, "HTTP/1.", got_len < 7 ? got_len : 7) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192 || form_skip(data + 1, size - 1)) return 0;
    form_setup();
    const char *body = (const char *)data + 1;
    size_t blen = size - 1;
    char head[256];
    int hl = 0;
    switch (data[0] & 3) {
    case 0:
        hl = snprintf(head, sizeof head,
                      "POST /swarm HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                      "application/x-www-form-urlencoded\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      blen);
        break;
    case 1:
        hl = snprintf(head, sizeof head,
                      "POST /swarm HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                      "multipart/form-data; boundary=XyZ\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      blen);
        break;
    case 2:
        hl = snprintf(head, sizeof head,
                      "POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                      "application/x-www-form-urlencoded\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      blen);
        break;
    default:
        hl = 0;
    }
    char *req = malloc((size_t)hl + blen);
    if (req == NULL) return 0;
    memcpy(req, head, (size_t)hl);
    memcpy(req + hl, body, blen);
    form_exchange(req, (size_t)hl + blen, hl > 0);
    free(req);
    /* A swarm that started stops again, and its users end. */
    locust_runner_state st = locust_runner_state_get(form_runner);
    if (st == LOCUST_STATE_HATCHING || st == LOCUST_STATE_RUNNING) {
        if (locust_runner_stop(form_runner) != 0) abort();
        struct ev_loop *loop = locust_runner_loop(form_runner);
        for (int i = 0; i < 10000 && locust_runner_user_count(form_runner) > 0; i++)
            ev_run(loop, EVRUN_NOWAIT);
        if (locust_runner_user_count(form_runner) > 0) abort();
    }
    return 0;
}
