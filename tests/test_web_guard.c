/*
 * The web UI against hostile clients and pages, as a specification: slow
 * clients that hold connections open (Slowloris), pages on other sites
 * that would drive the routes that change state (cross-site requests), and
 * --web-auth's Basic authentication decoded to the byte. Real HTTP on
 * 127.0.0.0/8, the server on the runner's loop in this thread.
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
#include "web/web_internal.h"
#include "web_client.h"

static locust_runner *r;
static locust_web *w;
static struct ev_loop *loop;
static int port;

/* The web UI's warnings, as logged. */
static char warnings[8192];
static int n_warnings;

static void keep_warnings(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    (void)udata;
    if (level < LOCUST_LOG_WARNING || strcmp(logger, "locust.web") != 0) return;
    n_warnings++;
    size_t n = strlen(warnings);
    snprintf(warnings + n, sizeof warnings - n, "%s\n", msg);
}

static void t_idle(locust_ctx *ctx)
{
    locust_sleep(ctx, 50);
}
static const locust_task tasks[] = {LOCUST_TASK(t_idle), LOCUST_TASKS_END};
static const locust_taskset taskset = {.name = "Tasks", .tasks = tasks};
static const locust_class user = {.name = "User", .task_set = &taskset, .host = "http://127.0.0.1:1"};

static void start(const char *auth)
{
    warnings[0] = 0;
    n_warnings = 0;
    locust_log_set(keep_warnings, NULL, LOCUST_LOG_WARNING);
    ck_assert_int_eq(locust_runner_new(&r, &(locust_runner_options){.seed = 1}), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &user), 0);
    ck_assert_int_eq(locust_web_new(&w, r, &(locust_web_options){.host = "127.0.0.1", .auth = auth}), 0);
    port = locust_web_port(w);
    loop = locust_runner_loop(r);
}

static void setup(void)
{
    start(NULL);
}

static void teardown(void)
{
    locust_runner_free(r);
    r = NULL;
    w = NULL;
    testutil_quiet_logs();
}

/* A TCP connection to the web UI from the loopback address `from` ("127.0.0.2"), non-blocking. */
static int connect_from(const char *from)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in src = {.sin_family = AF_INET};
    ck_assert_int_eq(inet_pton(AF_INET, from, &src.sin_addr), 1);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&dst, sizeof dst), 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Sends what it can; a connection the server has closed is no error here. */
static void send_some(int fd, const char *s)
{
    ssize_t ignored = send(fd, s, strlen(s), MSG_NOSIGNAL);
    (void)ignored;
}

/* Turns the loop for `seconds` while the slow clients send nothing. */
static void pump(double seconds)
{
    double until = ev_time() + seconds;
    while (ev_time() < until) {
        ev_run(loop, EVRUN_NOWAIT);
        usleep(1000);
    }
}

/* True once the server has closed the connection (its end of stream or a reset). */
static bool closed_by_server(int fd)
{
    char buf[512];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) continue;
        return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
}

/*
 * Sends a whole raw request on a fresh connection and reads the answer until
 * the server closes (Connection: close); returns the status, the body in
 * `body`. At most 5 s.
 */
static int raw_request(const char *request, char *body, size_t len)
{
    int fd = connect_from("127.0.0.1");
    send_some(fd, request);
    char buf[16384];
    size_t have = 0;
    double until = ev_time() + 5;
    while (ev_time() < until && have + 1 < sizeof buf) {
        ev_run(loop, EVRUN_NOWAIT);
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n == 0) break;
        if (n > 0)
            have += (size_t)n;
        else
            usleep(1000);
    }
    buf[have] = 0;
    close(fd);
    const char *b = strstr(buf, "\r\n\r\n");
    if (body) snprintf(body, len, "%s", b ? b + 4 : "");
    int status = 0;
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1) return 0;
    return status;
}

/* ---- slow clients -------------------------------------------------------------------------- */

#define SLOW_CLIENTS 300

START_TEST(slow_clients_from_one_address_leave_room_for_other_clients)
{
    /* 300 clients from 127.0.0.2 start a request and trickle header lines, never ending the head. */
    static int fd[SLOW_CLIENTS];
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        fd[i] = connect_from("127.0.0.2");
        send_some(fd[i], "GET /stats/requests HTTP/1.1\r\nHost: x\r\n");
    }
    pump(0.3);
    for (int i = 0; i < SLOW_CLIENTS; i++)
        send_some(fd[i], "X-Slow: 1\r\n");
    pump(0.3);
    /* A client from another address is answered at once. */
    double t0 = ev_time();
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/stats/requests", &rep), 0);
    ck_assert_msg(rep.status == 200, "status %ld: %s", rep.status, rep.error);
    ck_assert_double_lt(ev_time() - t0, 2.0);
    web_reply_free(&rep);
    /* Those past the per-address limit were refused: said once, with the limits. */
    ck_assert_int_eq(n_warnings, 1);
    ck_assert_ptr_nonnull(strstr(warnings, "web UI: refused "));
    ck_assert_ptr_nonnull(strstr(warnings, " connections (at most 32 per client address, 256 in all)"));
    int refused = 0;
    for (int i = 0; i < SLOW_CLIENTS; i++)
        refused += closed_by_server(fd[i]);
    ck_assert_int_eq(refused, SLOW_CLIENTS - LOCUST__WEB_PER_IP);
    for (int i = 0; i < SLOW_CLIENTS; i++)
        close(fd[i]);
}
END_TEST

START_TEST(a_request_head_that_trickles_is_cut_after_the_head_timeout)
{
    int slow = connect_from("127.0.0.2");
    send_some(slow, "GET /stats/requests HTTP/1.1\r\nHost: x\r\n");
    /* A connection that has had its answer waits for its next request under the same deadline. */
    int idle = connect_from("127.0.0.3");
    send_some(idle, "GET /stats/requests HTTP/1.1\r\nHost: x\r\n\r\n");
    double t0 = ev_time();
    bool cut = false;
    /* A header line every 0.5 s: libmicrohttpd's idle timeout alone would never end it. */
    while (!cut && ev_time() - t0 < LOCUST__WEB_HEAD_TIMEOUT + 3) {
        send_some(slow, "X-Slow: 1\r\n");
        pump(0.5);
        cut = closed_by_server(slow);
    }
    double took = ev_time() - t0;
    ck_assert_msg(cut, "still open after %.1f s", took);
    ck_assert_double_ge(took, LOCUST__WEB_HEAD_TIMEOUT - 0.5);
    pump(1.2);
    ck_assert(closed_by_server(idle));
    ck_assert_int_eq(n_warnings, 1);
    ck_assert_ptr_nonnull(strstr(warnings, "refused 0 connections"));
    /* The two may be cut by the same sweep of the connections, or one after the other (then said later). */
    ck_assert_msg(strstr(warnings, "and cut 1 that sent no complete request head within 10 s") ||
                      strstr(warnings, "and cut 2 that sent no complete request head within 10 s"),
                  "%s", warnings);
    close(slow);
    close(idle);
    /* The server goes on serving. */
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/stats/requests", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    web_reply_free(&rep);
}
END_TEST

/* ---- cross-site requests ------------------------------------------------------------------- */

/* GET or POST `path` with one more header line (or none); returns the status, the message in msg. */
static int request_with(const char *method, const char *path, const char *header, char *msg, size_t len)
{
    char req[2048], body[8192];
    bool post = strcmp(method, "POST") == 0;
    snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s%s%s\r\n%s",
             method, path, port, header ? header : "", header ? "\r\n" : "",
             post ? "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n" : "",
             post ? "locust_count=2&hatch_rate=100" : "");
    int status = raw_request(req, body, sizeof body);
    if (msg) {
        cJSON *doc = cJSON_Parse(body);
        cJSON *m = doc ? cJSON_GetObjectItem(doc, "message") : NULL;
        const char *text = cJSON_IsString(m) ? m->valuestring : body;
        size_t n = strlen(text) < len ? strlen(text) : len - 1;
        memcpy(msg, text, n);
        msg[n] = 0;
        cJSON_Delete(doc);
    }
    return status;
}

START_TEST(state_changing_routes_refuse_requests_from_other_sites)
{
    char msg[1024], want[1024];
    /* A form on another site posting to /swarm. */
    ck_assert_int_eq(request_with("POST", "/swarm", "Origin: http://evil.example", msg, sizeof msg), 403);
    snprintf(want, sizeof want,
             "POST /swarm refused: Origin 'http://evil.example' is another site than this web UI "
             "(127.0.0.1:%d)",
             port);
    ck_assert_str_eq(msg, want);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_READY);
    /* The same port on another host name is another site too. */
    char header[256];
    snprintf(header, sizeof header, "Origin: http://localhost:%d", port);
    ck_assert_int_eq(request_with("POST", "/swarm", header, NULL, 0), 403);
    /* A sandboxed page says "null". */
    ck_assert_int_eq(request_with("POST", "/swarm", "Origin: null", msg, sizeof msg), 403);
    ck_assert_str_eq(msg, "POST /swarm refused: Origin 'null' is not a page of this web UI");
    /* Without an Origin, the Referer says where a link or an image came from. */
    ck_assert_int_eq(request_with("GET", "/stop", "Referer: http://evil.example/page.html", msg, sizeof msg),
                     403);
    ck_assert_int_eq(request_with("GET", "/stats/reset", "Referer: https://evil.example/", NULL, 0), 403);
    /* A page that hides its Referer is still named by the browser's Sec-Fetch-Site. */
    ck_assert_int_eq(request_with("GET", "/stop", "Sec-Fetch-Site: cross-site", msg, sizeof msg), 403);
    ck_assert_str_eq(msg,
                     "GET /stop refused: the browser sent it from another site (Sec-Fetch-Site: cross-site)");
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_READY);
    /* Reading is allowed from anywhere, as before. */
    ck_assert_int_eq(request_with("GET", "/stats/requests", "Origin: http://evil.example", NULL, 0), 200);
}
END_TEST

START_TEST(the_page_itself_and_scripts_may_change_state)
{
    char header[256];
    /* The web UI's own page: Origin and Referer name the host it was loaded from. */
    snprintf(header, sizeof header, "Origin: http://127.0.0.1:%d", port);
    ck_assert_int_eq(request_with("POST", "/swarm", header, NULL, 0), 200);
    snprintf(header, sizeof header, "Referer: http://127.0.0.1:%d/", port);
    ck_assert_int_eq(request_with("GET", "/stats/reset", header, NULL, 0), 200);
    ck_assert_int_eq(request_with("GET", "/stop", "Sec-Fetch-Site: same-origin", NULL, 0), 200);
    /* curl and scripts send neither: 0.9's API stays as it was. */
    ck_assert_int_eq(request_with("POST", "/swarm", NULL, NULL, 0), 200);
    ck_assert_int_eq(request_with("GET", "/stop", NULL, NULL, 0), 200);
    /* An address typed in the browser. */
    ck_assert_int_eq(request_with("GET", "/stats/reset", "Sec-Fetch-Site: none", NULL, 0), 200);
}
END_TEST

START_TEST(host_names_and_default_ports_compare_as_browsers_write_them)
{
    char body[512];
    /* Host names in any case; a port left out is the scheme's default. */
    ck_assert_int_eq(raw_request("GET /stop HTTP/1.1\r\nHost: LocalHost\r\nOrigin: http://localhost:80\r\n"
                                 "Connection: close\r\n\r\n",
                                 body, sizeof body),
                     200);
    ck_assert_int_eq(raw_request("GET /stop HTTP/1.1\r\nHost: [::1]:8089\r\nReferer: http://[::1]:8089/\r\n"
                                 "Connection: close\r\n\r\n",
                                 body, sizeof body),
                     200);
    ck_assert_int_eq(raw_request("GET /stop HTTP/1.1\r\nHost: [::1]:8089\r\nReferer: http://[::1]:8090/\r\n"
                                 "Connection: close\r\n\r\n",
                                 body, sizeof body),
                     403);
    /* A user name before the host does not make it this one. */
    ck_assert_int_eq(raw_request("GET /stop HTTP/1.1\r\nHost: ui.example\r\n"
                                 "Referer: http://ui.example@evil.example/\r\nConnection: close\r\n\r\n",
                                 body, sizeof body),
                     403);
    /* An Origin without a Host to compare it with. */
    ck_assert_int_eq(
        raw_request("GET /stop HTTP/1.0\r\nOrigin: http://ui.example\r\n\r\n", body, sizeof body), 403);
}
END_TEST

static int custom_handler(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)req;
    (*(int *)udata)++;
    return locust_web_response_write(res, "done", 4);
}

START_TEST(a_scenarios_routes_other_than_get_refuse_other_sites)
{
    static int calls;
    calls = 0;
    ck_assert_int_eq(locust_web_route(r, "POST", "/reset-target", custom_handler, &calls), 0);
    ck_assert_int_eq(locust_web_route(r, NULL, "/anything", custom_handler, &calls), 0);
    ck_assert_int_eq(locust_web_route(r, "GET", "/report", custom_handler, &calls), 0);
    const char *evil = "Origin: http://evil.example";
    ck_assert_int_eq(request_with("POST", "/reset-target", evil, NULL, 0), 403);
    ck_assert_int_eq(request_with("POST", "/anything", evil, NULL, 0), 403);
    ck_assert_int_eq(calls, 0);
    /* Read with GET, a route changes nothing: allowed, as a built-in report is. */
    ck_assert_int_eq(request_with("GET", "/anything", evil, NULL, 0), 200);
    ck_assert_int_eq(request_with("GET", "/report", evil, NULL, 0), 200);
    ck_assert_int_eq(request_with("POST", "/reset-target", NULL, NULL, 0), 200);
    ck_assert_int_eq(calls, 3);
}
END_TEST

/* ---- basic auth -------------------------------------------------------------------------- */

/* GET / with an Authorization header value; returns the status. */
static int with_authorization(const char *value)
{
    char req[1024];
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nConnection: close\r\n\r\n",
             value);
    return raw_request(req, NULL, 0);
}

START_TEST(basic_auth_scheme_is_case_insensitive_and_the_password_is_compared_whole)
{
    teardown();
    start("admin:s3cret");
    /* base64("admin:s3cret") */
    ck_assert_int_eq(with_authorization("Basic YWRtaW46czNjcmV0"), 200);
    /* RFC 7617: the scheme name in any case. */
    ck_assert_int_eq(with_authorization("basic YWRtaW46czNjcmV0"), 200);
    ck_assert_int_eq(with_authorization("BASIC YWRtaW46czNjcmV0"), 200);
    /* "admin:s3cret\0junk": the password goes on past the NUL byte, so it is not the secret. */
    ck_assert_int_eq(with_authorization("Basic YWRtaW46czNjcmV0AGp1bms="), 401);
    /* "admin\0x:s3cret": nor is the user name. */
    ck_assert_int_eq(with_authorization("Basic YWRtaW4AeDpzM2NyZXQ="), 401);
    /* A prefix, a longer password, another scheme, broken base64, no colon. */
    ck_assert_int_eq(with_authorization("Basic YWRtaW46czNjcmU="), 401);
    ck_assert_int_eq(with_authorization("Basic YWRtaW46czNjcmV0eA=="), 401);
    ck_assert_int_eq(with_authorization("Bearer YWRtaW46czNjcmV0"), 401);
    ck_assert_int_eq(with_authorization("Basic YWRtaW46czNjcmV0!"), 401);
    ck_assert_int_eq(with_authorization("BasicYWRtaW46czNjcmV0"), 401);
    ck_assert_int_eq(with_authorization("Basic YWRtaW4="), 401);
}
END_TEST

START_TEST(an_empty_password_matches_only_an_empty_one)
{
    teardown();
    start("admin:");
    ck_assert_int_eq(with_authorization("Basic YWRtaW46"), 200);     /* "admin:" */
    ck_assert_int_eq(with_authorization("Basic YWRtaW46AA=="), 401); /* "admin:\0" */
    ck_assert_int_eq(with_authorization("Basic YWRtaW46eA=="), 401); /* "admin:x" */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("web_guard");
    TCase *tc = tcase_create("slow_clients");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, slow_clients_from_one_address_leave_room_for_other_clients);
    tcase_add_test(tc, a_request_head_that_trickles_is_cut_after_the_head_timeout);
    suite_add_tcase(s, tc);

    tc = tcase_create("cross_site");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, state_changing_routes_refuse_requests_from_other_sites);
    tcase_add_test(tc, the_page_itself_and_scripts_may_change_state);
    tcase_add_test(tc, host_names_and_default_ports_compare_as_browsers_write_them);
    tcase_add_test(tc, a_scenarios_routes_other_than_get_refuse_other_sites);
    suite_add_tcase(s, tc);

    tc = tcase_create("auth");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, basic_auth_scheme_is_case_insensitive_and_the_password_is_compared_whole);
    tcase_add_test(tc, an_empty_password_matches_only_an_empty_one);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
