/*
 * The web UI's page, files and controls (docs/compatibility.md §6.2) over real HTTP: a
 * runner with a web UI on 127.0.0.1, a free port, and libcurl on the
 * runner's own loop. The reports are in test_web_reports.c.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <locust/locust.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "web_client.h"

static locust_runner *r;
static locust_web *w;
static struct ev_loop *loop;
static int port;

/* A custom-client user (manual ch. 8): reports a request, then waits. */
static void t_request(locust_ctx *ctx)
{
    locust_report_success(locust_ctx_runner(ctx), "GET", "/ok", 10.0, 100);
    locust_sleep(ctx, 50);
}
static const locust_task tasks[] = {LOCUST_TASK(t_request), LOCUST_TASKS_END};
static const locust_taskset taskset = {.name = "Tasks", .tasks = tasks};
static const locust_class user = {.name = "User", .task_set = &taskset, .host = "http://class.example"};

static void setup(void)
{
    testutil_quiet_logs();
    locust_runner_options ro = {.seed = 1};
    ck_assert_int_eq(locust_runner_new(&r, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &user), 0);
    locust_web_options wo = {.host = "127.0.0.1", .port = 0};
    ck_assert_int_eq(locust_web_new(&w, r, &wo), 0);
    port = locust_web_port(w);
    ck_assert_int_gt(port, 0);
    loop = locust_runner_loop(r);
}

static void teardown(void)
{
    /* The runner frees its web UI. */
    locust_runner_free(r);
    r = NULL;
    w = NULL;
}

static long swarm(const char *form, char *message, size_t len)
{
    web_reply rep;
    ck_assert_int_eq(web_post(loop, port, "/swarm", form, &rep), 0);
    web_assert_content_type(&rep, "application/json");
    cJSON *doc = cJSON_Parse(rep.body);
    ck_assert_ptr_nonnull(doc);
    if (message) snprintf(message, len, "%s", web_str(doc, "message"));
    long status = rep.status;
    ck_assert(cJSON_IsBool(cJSON_GetObjectItem(doc, "success")));
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItem(doc, "success")), status == 200);
    cJSON_Delete(doc);
    web_reply_free(&rep);
    return status;
}

/* Turns the loop until the runner has `users` users (at most 5 s). */
static void wait_users(unsigned users)
{
    for (int i = 0; i < 250 && locust_runner_user_count(r) != users; i++)
        web_pump(loop, 0.02);
    ck_assert_uint_eq(locust_runner_user_count(r), users);
}

/* Sends raw bytes to the server and reads what comes back until it closes (at most 5 s). */
static void raw_exchange(const char *request, char *out, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(send(fd, request, strlen(request), 0), (ssize_t)strlen(request));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    size_t have = 0;
    for (int i = 0; i < 2500 && have + 1 < len; i++) {
        ev_run(loop, EVRUN_NOWAIT);
        ssize_t n = recv(fd, out + have, len - 1 - have, 0);
        if (n == 0) break;
        if (n > 0)
            have += (size_t)n;
        else
            usleep(2000);
    }
    out[have] = 0;
    close(fd);
}

/* ---- the page and its files ---------------------------------------------------------- */

START_TEST(index_page_is_rendered_html)
{
    ck_assert_int_eq(locust_runner_set_host(r, "http://sut.example/?a=1&b=<2>"), 0);
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    web_assert_content_type(&rep, "text/html; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(rep.body, "<!doctype html>"));
    /* The placeholders are filled in, HTML-escaped. */
    ck_assert_ptr_null(strstr(rep.body, "{{"));
    ck_assert_ptr_nonnull(strstr(rep.body, "http://sut.example/?a=1&amp;b=&lt;2&gt;"));
    ck_assert_ptr_nonnull(strstr(rep.body, "<body class=\"ready\""));
    ck_assert_ptr_nonnull(strstr(rep.body, "data-distributed=\"false\""));
    ck_assert_ptr_nonnull(strstr(rep.body, LOCUST_VERSION_STRING));
    ck_assert_ptr_nonnull(strstr(rep.body, "./static/chart.min.js"));
    web_reply_free(&rep);
}
END_TEST

START_TEST(index_host_falls_back_to_the_first_class)
{
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/", &rep), 0);
    ck_assert_ptr_nonnull(strstr(rep.body, "http://class.example"));
    web_reply_free(&rep);
}
END_TEST

START_TEST(head_request_gets_headers_only)
{
    web_req req = {.method = "HEAD"};
    web_reply rep;
    ck_assert_int_eq(web_do(loop, port, "/", &req, &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    ck_assert_uint_eq(rep.len, 0);
    web_assert_content_type(&rep, "text/html; charset=utf-8");
    web_reply_free(&rep);
}
END_TEST

START_TEST(static_files_are_embedded)
{
    static const struct {
        const char *path, *type, *needle;
    } files[] = {
        {"/static/app.js", "application/javascript; charset=utf-8", "./stats/requests"},
        {"/static/style.css", "text/css; charset=utf-8", ".topbar"},
        {"/static/chart.min.js", "application/javascript; charset=utf-8", "Chart"},
        {"/static/favicon.svg", "image/svg+xml", "<svg"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        web_reply rep;
        ck_assert_int_eq(web_get(loop, port, files[i].path, &rep), 0);
        ck_assert_int_eq(rep.status, 200);
        web_assert_content_type(&rep, files[i].type);
        ck_assert_msg(strstr(rep.body, files[i].needle), "%s lacks %s", files[i].path, files[i].needle);
        web_reply_free(&rep);
    }
}
END_TEST

START_TEST(static_files_revalidate_by_etag)
{
    web_reply rep;
    char etag[128], hdr[200];
    ck_assert_int_eq(web_get(loop, port, "/static/app.js", &rep), 0);
    ck_assert_ptr_nonnull(web_header(&rep, "ETag", etag, sizeof etag));
    ck_assert_int_eq(etag[0], '"');
    web_reply_free(&rep);
    snprintf(hdr, sizeof hdr, "If-None-Match: %s", etag);
    web_req req = {.header = hdr};
    ck_assert_int_eq(web_do(loop, port, "/static/app.js", &req, &rep), 0);
    ck_assert_int_eq(rep.status, 304);
    ck_assert_uint_eq(rep.len, 0);
    web_reply_free(&rep);
    /* Another file's tag does not match. */
    ck_assert_int_eq(web_do(loop, port, "/static/style.css", &req, &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    web_reply_free(&rep);
}
END_TEST

START_TEST(unknown_static_file_is_404)
{
    const char *paths[] = {"/static/nope.js", "/static/index.html", "/static/", "/static/../web.c"};
    for (size_t i = 0; i < 4; i++) {
        web_reply rep;
        ck_assert_int_eq(web_get(loop, port, paths[i], &rep), 0);
        ck_assert_msg(rep.status == 404, "%s: %ld", paths[i], rep.status);
        web_reply_free(&rep);
    }
}
END_TEST

/* ---- unknown routes and methods -------------------------------------------------------- */

START_TEST(unknown_route_is_404_json)
{
    cJSON *doc;
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/no/such/page", &rep), 0);
    ck_assert_int_eq(rep.status, 404);
    web_assert_content_type(&rep, "application/json");
    ck_assert_ptr_nonnull(doc = cJSON_Parse(rep.body));
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(doc, "success")));
    ck_assert_str_eq(web_str(doc, "message"), "Not found: /no/such/page");
    cJSON_Delete(doc);
    web_reply_free(&rep);
}
END_TEST

START_TEST(wrong_method_is_405_with_allow)
{
    char allow[64];
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/swarm", &rep), 0);
    ck_assert_int_eq(rep.status, 405);
    ck_assert_str_eq(web_header(&rep, "Allow", allow, sizeof allow), "POST");
    web_reply_free(&rep);
    ck_assert_int_eq(web_post(loop, port, "/stop", "x=1", &rep), 0);
    ck_assert_int_eq(rep.status, 405);
    ck_assert_str_eq(web_header(&rep, "Allow", allow, sizeof allow), "GET, HEAD");
    web_reply_free(&rep);
    /* OPTIONS answers with the methods a path takes. */
    web_req options = {.method = "OPTIONS"};
    ck_assert_int_eq(web_do(loop, port, "/swarm", &options, &rep), 0);
    ck_assert_int_eq(rep.status, 204);
    ck_assert_str_eq(web_header(&rep, "Allow", allow, sizeof allow), "POST");
    web_reply_free(&rep);
    web_req del = {.method = "DELETE"};
    ck_assert_int_eq(web_do(loop, port, "/static/app.js", &del, &rep), 0);
    ck_assert_int_eq(rep.status, 405);
    web_reply_free(&rep);
    /* Nothing was started or stopped. */
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_READY);
}
END_TEST

START_TEST(oversized_body_is_413)
{
    size_t n = 2 * 1024 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = 0;
    web_req req = {.method = "POST", .body = big, .body_len = n};
    web_reply rep;
    ck_assert_int_eq(web_do(loop, port, "/swarm", &req, &rep), 0);
    ck_assert_int_eq(rep.status, 413);
    web_reply_free(&rep);
    /* Without a length the body is read to its end, then refused. */
    req.content_type = "application/octet-stream";
    req.header = "Transfer-Encoding: chunked";
    ck_assert_int_eq(web_do(loop, port, "/swarm", &req, &rep), 0);
    ck_assert_int_eq(rep.status, 413);
    ck_assert_ptr_nonnull(strstr(rep.body, "request body larger than 1048576 bytes"));
    web_reply_free(&rep);
    free(big);
    /* A body announced as huge is refused before it is sent. */
    char raw[512];
    raw_exchange("POST /swarm HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n", raw, sizeof raw);
    ck_assert_msg(strncmp(raw, "HTTP/1.1 413 ", 13) == 0, "%s", raw);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_READY);
    /* The server is still serving. */
    ck_assert_int_eq(web_get(loop, port, "/stats/requests", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    web_reply_free(&rep);
}
END_TEST

/* ---- connections ------------------------------------------------------------------------------- */

/*
 * A client on a raw socket, for what curl does not do: half-closing its
 * side of a keep-alive connection. It reads one response (its head up to
 * 4 KiB; the body only counted) and notices when the server closes.
 */
typedef struct raw_client {
    int fd;
    char head[4096];
    size_t head_len;
    long body_left; /* -1 until the head is in */
    bool closed;    /* the server closed the connection */
} raw_client;

/*
 * Connects from 127.0.0.`from` (0: the kernel's choice) and sends
 * `request`. A `rcvbuf` > 0 sets a small receive buffer, so that a long
 * response takes the server a while to write.
 */
static void raw_open_from(raw_client *c, const char *request, int rcvbuf, int from)
{
    memset(c, 0, sizeof *c);
    c->body_left = -1;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(c->fd, 0);
    if (rcvbuf > 0) ck_assert_int_eq(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    if (from > 0) {
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + (unsigned)from);
        ck_assert_int_eq(bind(c->fd, (struct sockaddr *)&src, sizeof src), 0);
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(send(c->fd, request, strlen(request), 0), (ssize_t)strlen(request));
    fcntl(c->fd, F_SETFL, O_NONBLOCK);
}

static void raw_open(raw_client *c, const char *request, int rcvbuf)
{
    raw_open_from(c, request, rcvbuf, 0);
}

static bool raw_answered(const raw_client *c)
{
    return c->body_left == 0;
}

/* Reads whatever has arrived. */
static void raw_read(raw_client *c)
{
    char buf[4096];
    while (!c->closed) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) {
            /* The server's FIN, or a reset. */
            c->closed = true;
            return;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (c->body_left >= 0) {
                c->body_left--;
                continue;
            }
            if (c->head_len + 1 < sizeof c->head) c->head[c->head_len++] = buf[i];
            c->head[c->head_len] = 0;
            if (c->head_len >= 4 && strcmp(c->head + c->head_len - 4, "\r\n\r\n") == 0) {
                const char *cl = strcasestr(c->head, "\r\nContent-Length:");
                c->body_left = cl ? strtol(cl + 17, NULL, 10) : 0;
            }
        }
    }
}

/*
 * Turns the loop and reads the clients until each has its response and,
 * if `closed`, has seen the server close; at most `seconds`. Returns how
 * many are not there yet.
 */
static size_t raw_wait(raw_client *c, size_t n, bool closed, double seconds)
{
    double until = ev_time() + seconds;
    size_t pending;
    do {
        ev_run(loop, EVRUN_NOWAIT);
        pending = 0;
        for (size_t i = 0; i < n; i++) {
            raw_read(&c[i]);
            if (!raw_answered(&c[i]) || (closed && !c[i].closed)) pending++;
        }
        if (pending) usleep(1000);
    } while (pending && ev_time() < until);
    return pending;
}

static const char stats_request[] = "GET /stats/requests HTTP/1.1\r\nHost: x\r\n\r\n";

START_TEST(a_client_that_half_closes_after_its_request_is_answered_then_disconnected)
{
    raw_client c;
    raw_open(&c, stats_request, 0);
    ck_assert_int_eq(shutdown(c.fd, SHUT_WR), 0);
    /* The response still comes in full; then the server closes at once, not after the idle timeout. */
    ck_assert_uint_eq(raw_wait(&c, 1, true, 1.0), 0);
    ck_assert_msg(strncmp(c.head, "HTTP/1.1 200 ", 13) == 0, "%s", c.head);
    close(c.fd);
}
END_TEST

START_TEST(a_client_that_half_closes_an_idle_keep_alive_connection_is_disconnected)
{
    raw_client c;
    raw_open(&c, stats_request, 0);
    ck_assert_uint_eq(raw_wait(&c, 1, false, 1.0), 0);
    ck_assert_msg(strncmp(c.head, "HTTP/1.1 200 ", 13) == 0, "%s", c.head);
    /* Kept alive while the client may send more... */
    ck_assert_uint_eq(raw_wait(&c, 1, true, 0.2), 1);
    /* ...and closed as soon as it says it will not. */
    ck_assert_int_eq(shutdown(c.fd, SHUT_WR), 0);
    ck_assert_uint_eq(raw_wait(&c, 1, true, 1.0), 0);
    close(c.fd);
}
END_TEST

START_TEST(a_client_that_half_closes_during_a_long_response_gets_all_of_it_then_is_disconnected)
{
    raw_client c;
    raw_open(&c, "GET /static/chart.min.js HTTP/1.1\r\nHost: x\r\n\r\n", 8192);
    /* Not reading yet: the response is still being written when the client half-closes. */
    for (int i = 0; i < 50; i++) {
        ev_run(loop, EVRUN_NOWAIT);
        usleep(1000);
    }
    ck_assert_int_eq(shutdown(c.fd, SHUT_WR), 0);
    ck_assert_uint_eq(raw_wait(&c, 1, true, 2.0), 0);
    ck_assert_msg(strncmp(c.head, "HTTP/1.1 200 ", 13) == 0, "%s", c.head);
    close(c.fd);
}
END_TEST

/* More than the server's 256 connection slots. */
#define MANY_CLIENTS 300

START_TEST(half_closed_connections_do_not_hold_the_connection_slots)
{
    static raw_client c[MANY_CLIENTS];
    /*
     * Half of them half-close before the response, half after: none may
     * keep its slot. They come from 10 addresses, as one address may hold
     * at most 32 connections.
     */
    for (size_t i = 0; i < MANY_CLIENTS; i++) {
        raw_open_from(&c[i], stats_request, 0, 1 + (int)(i % 10));
        if (i % 2 == 0) ck_assert_int_eq(shutdown(c[i].fd, SHUT_WR), 0);
    }
    /* Those past the slots wait in the listen backlog until slots are freed. */
    ck_assert_uint_eq(raw_wait(c, MANY_CLIENTS, false, 2.0), 0);
    for (size_t i = 1; i < MANY_CLIENTS; i += 2)
        ck_assert_int_eq(shutdown(c[i].fd, SHUT_WR), 0);
    ck_assert_uint_eq(raw_wait(c, MANY_CLIENTS, true, 1.0), 0);
    for (size_t i = 0; i < MANY_CLIENTS; i++)
        ck_assert_msg(strncmp(c[i].head, "HTTP/1.1 200 ", 13) == 0, "client %zu: %s", i, c[i].head);
    /* While the clients still hold their half of every connection, a new client is served at once. */
    double start = ev_time();
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/stats/requests", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    ck_assert_double_lt(ev_time() - start, 1.0);
    web_reply_free(&rep);
    for (size_t i = 0; i < MANY_CLIENTS; i++)
        close(c[i].fd);
}
END_TEST

/* ---- swarm, edit, stop -------------------------------------------------------------------- */

START_TEST(swarm_starts_users_and_edit_changes_the_count)
{
    char msg[256];
    ck_assert_int_eq(swarm("locust_count=5&hatch_rate=100", msg, sizeof msg), 200);
    ck_assert_str_eq(msg, "Swarming started");
    wait_users(5);
    web_pump(loop, 0.2);
    cJSON *doc = web_get_json(loop, port, "/stats/requests");
    ck_assert_str_eq(web_str(doc, "state"), "running");
    ck_assert_int_eq((int)web_num(doc, "user_count"), 5);
    cJSON *stats = cJSON_GetObjectItem(doc, "stats");
    ck_assert_int_eq(cJSON_GetArraySize(stats), 2);
    ck_assert_str_eq(web_str(cJSON_GetArrayItem(stats, 0), "name"), "/ok");
    ck_assert_double_gt(web_num(cJSON_GetArrayItem(stats, 0), "num_requests"), 0);
    cJSON_Delete(doc);

    /* The page's "edit" form posts the same route while running. */
    ck_assert_int_eq(swarm("locust_count=2&hatch_rate=10", NULL, 0), 200);
    wait_users(2);
    doc = web_get_json(loop, port, "/stats/requests");
    ck_assert_int_eq((int)web_num(doc, "user_count"), 2);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(stop_stops_the_test)
{
    ck_assert_int_eq(swarm("locust_count=3&hatch_rate=100", NULL, 0), 200);
    wait_users(3);
    cJSON *doc = web_get_json(loop, port, "/stop");
    web_assert_keys(doc, (const char *const[]){"message", "success", NULL});
    ck_assert_str_eq(web_str(doc, "message"), "Test stopped");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(doc, "success")));
    cJSON_Delete(doc);
    wait_users(0);
    doc = web_get_json(loop, port, "/stats/requests");
    ck_assert_str_eq(web_str(doc, "state"), "stopped");
    cJSON_Delete(doc);
}
END_TEST

START_TEST(swarm_rejects_bad_fields_naming_them)
{
    static const struct {
        const char *form, *message;
    } cases[] = {
        {"hatch_rate=1", "locust_count must be a whole number >= 0"},
        {"locust_count=&hatch_rate=1", "locust_count must be a whole number >= 0"},
        {"locust_count=ten&hatch_rate=1", "locust_count must be a whole number >= 0"},
        {"locust_count=-1&hatch_rate=1", "locust_count must be a whole number >= 0"},
        {"locust_count=1.5&hatch_rate=1", "locust_count must be a whole number >= 0"},
        {"locust_count=99999999999&hatch_rate=1", "locust_count must be a whole number >= 0"},
        {"locust_count=1", "hatch_rate must be a number >= 0.001 (users per second)"},
        {"locust_count=1&hatch_rate=0", "hatch_rate must be a number >= 0.001 (users per second)"},
        {"locust_count=1&hatch_rate=-2", "hatch_rate must be a number >= 0.001 (users per second)"},
        {"locust_count=1&hatch_rate=nan", "hatch_rate must be a number >= 0.001 (users per second)"},
        {"locust_count=1&hatch_rate=inf", "hatch_rate must be a number >= 0.001 (users per second)"},
        {"locust_count=1&hatch_rate=fast", "hatch_rate must be a number >= 0.001 (users per second)"},
        /* Too slow to ever hatch anyone (5e-324 once left the test "hatching" for ever). */
        {"locust_count=1&hatch_rate=5e-324", "hatch_rate must be a number >= 0.001 (users per second)"},
        {"locust_count=1&hatch_rate=0.0009", "hatch_rate must be a number >= 0.001 (users per second)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[256];
        ck_assert_msg(swarm(cases[i].form, msg, sizeof msg) == 400, "%s was accepted", cases[i].form);
        ck_assert_str_eq(msg, cases[i].message);
    }
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_READY);
    /* Spaces around a number and a fractional rate are fine, as in Python. */
    ck_assert_int_eq(swarm("locust_count=+1+&hatch_rate=0.5", NULL, 0), 200);
    /* The lowest rate taken: one user in about 17 minutes. */
    ck_assert_int_eq(swarm("locust_count=2&hatch_rate=0.001", NULL, 0), 200);
}
END_TEST

START_TEST(swarm_reports_a_runner_refusal)
{
    locust_runner *bare;
    locust_web *bw;
    ck_assert_int_eq(locust_runner_new(&bare, NULL), 0);
    ck_assert_int_eq(locust_web_new(&bw, bare, &(locust_web_options){.host = "127.0.0.1"}), 0);
    web_reply rep;
    ck_assert_int_eq(web_post(locust_runner_loop(bare), locust_web_port(bw), "/swarm",
                              "locust_count=1&hatch_rate=1", &rep),
                     0);
    ck_assert_int_eq(rep.status, 400);
    ck_assert_ptr_nonnull(strstr(rep.body, "cannot start: no locust classes were added"));
    web_reply_free(&rep);
    locust_runner_free(bare);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("web");
    TCase *tc = tcase_create("page");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, index_page_is_rendered_html);
    tcase_add_test(tc, index_host_falls_back_to_the_first_class);
    tcase_add_test(tc, head_request_gets_headers_only);
    tcase_add_test(tc, static_files_are_embedded);
    tcase_add_test(tc, static_files_revalidate_by_etag);
    tcase_add_test(tc, unknown_static_file_is_404);
    tcase_add_test(tc, unknown_route_is_404_json);
    tcase_add_test(tc, wrong_method_is_405_with_allow);
    tcase_add_test(tc, oversized_body_is_413);
    suite_add_tcase(s, tc);

    tc = tcase_create("connections");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_client_that_half_closes_after_its_request_is_answered_then_disconnected);
    tcase_add_test(tc, a_client_that_half_closes_an_idle_keep_alive_connection_is_disconnected);
    tcase_add_test(tc, a_client_that_half_closes_during_a_long_response_gets_all_of_it_then_is_disconnected);
    tcase_add_test(tc, half_closed_connections_do_not_hold_the_connection_slots);
    suite_add_tcase(s, tc);

    tc = tcase_create("control");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, swarm_starts_users_and_edit_changes_the_count);
    tcase_add_test(tc, stop_stops_the_test);
    tcase_add_test(tc, swarm_rejects_bad_fields_naming_them);
    tcase_add_test(tc, swarm_reports_a_runner_refusal);
    suite_add_tcase(s, tc);

    return testutil_run(s);
}
