/*
 * The HTTP session when things go wrong, as a specification: HTTP errors
 * and safe mode (docs/compatibility.md §7.7: status 0 and an error text, never a crash),
 * the body cap, streaming, catch_response (manual §4.5.3), bad requests
 * that fail the task, users killed in the middle of a request, and the
 * demo target's command line.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "http/http_internal.h"
#include "http/http_wire.h"
#include "http_harness.h"
#include "testutil.h"

/* ---- HTTP errors ------------------------------------------------------------------ */

static char want500[256], want404[256];

static void status_errors(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/status/500", NULL);
    ck_assert_int_eq(locust_response_status(r), 500);
    ck_assert_str_eq(locust_response_reason(r), "Internal Server Error");
    ck_assert(!locust_response_ok(r));
    ck_assert_str_eq(locust_response_error(r), want500);
    r = locust_get(ctx, "/status/404", NULL);
    ck_assert_str_eq(locust_response_error(r), want404);
    r = locust_get(ctx, "/status/399", NULL);
    ck_assert(locust_response_ok(r));
}

START_TEST(http_errors_are_failures_worded_like_locust)
{
    snprintf(want500, sizeof want500,
             "HTTPError('500 Server Error: Internal Server Error for url: http://127.0.0.1:%u/status/500')",
             target.port);
    snprintf(want404, sizeof want404,
             "HTTPError('404 Client Error: Not Found for url: http://127.0.0.1:%u/status/404')", target.port);
    harness_run_task(status_errors);
    ck_assert_uint_eq(run.failures, 2);
    ck_assert_uint_eq(run.successes, 1);
    ck_assert_str_eq(harness_record(0)->error, want500);
    ck_assert_str_eq(harness_record(0)->name, "/status/500");
    ck_assert_str_eq(harness_record(1)->error, want404);
}
END_TEST

/* ---- safe mode --------------------------------------------------------------------- */

/* A loopback port nobody listens on. */
static unsigned closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static char refused_url[128], refused_error[256];

static void transport_errors(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, refused_url, NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_str_eq(locust_response_error(r), refused_error);
    ck_assert_str_eq(locust_response_text(r), "");
    ck_assert(!locust_response_ok(r));

    r = locust_get(ctx, "/reset", NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_msg(strncmp(locust_response_error(r), "ConnectionError('", 17) == 0, "%s",
                  locust_response_error(r));

    locust_request_opts o = {.timeout = 0.3};
    r = locust_get(ctx, "/hang", &o);
    ck_assert_int_eq(locust_response_status(r), 0);
    char want[256];
    snprintf(want, sizeof want,
             "ReadTimeout('Read timed out. (read timeout=0.3) for url: http://127.0.0.1:%u/hang')",
             target.port);
    ck_assert_str_eq(locust_response_error(r), want);
    ck_assert_msg(locust_response_elapsed(r) >= 290 && locust_response_elapsed(r) < 2000, "%f",
                  locust_response_elapsed(r));

    /* TLS spoken to a plain HTTP port. */
    char https[128];
    snprintf(https, sizeof https, "https://127.0.0.1:%u/", target.port);
    r = locust_get(ctx, https, NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_msg(strncmp(locust_response_error(r), "SSLError('", 10) == 0, "%s", locust_response_error(r));

    /* The session is still good afterwards. */
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/", NULL)), 200);
}

START_TEST(transport_errors_give_status_zero_and_a_failure)
{
    unsigned port = closed_port();
    snprintf(refused_url, sizeof refused_url, "http://127.0.0.1:%u/x?y=1", port);
    snprintf(refused_error, sizeof refused_error,
             "ConnectionError('Failed to connect to 127.0.0.1 port %u: Connection refused')", port);
    harness_run_task(transport_errors);
    ck_assert_uint_eq(run.failures, 4);
    ck_assert_uint_eq(run.successes, 1);
    ck_assert_str_eq(harness_record(0)->name, "/x?y=1");
    ck_assert_str_eq(harness_record(0)->error, refused_error);
    ck_assert_str_eq(harness_record(2)->name, "/hang");
    ck_assert_ptr_nonnull(strstr(harness_record(2)->error, "ReadTimeout("));
}
END_TEST

/*
 * A read timeout is a ReadTimeout whichever path fetched the response, and
 * whether or not the session holds cookies: each request below but the
 * first reuses the connection of the one before (the timed-out one was
 * never connected during its transfer, which is where curl once said
 * ConnectTimeout). The task runs once on the session's own connection (the
 * wire, which also takes cookie sessions) and once with every hop forced
 * through curl, and checks that each request went the path it was meant to.
 */
static char read_timeout_want[256];
static bool read_timeout_over_curl;

static locust_response *timed_get(locust_ctx *ctx, const char *path, const locust_request_opts *o)
{
    locust_response *r = locust_get(ctx, path, o);
    ck_assert_msg(locust_client(ctx)->hop_native == !read_timeout_over_curl, "%s went %s", path,
                  locust_client(ctx)->hop_native ? "over the wire" : "through curl");
    return r;
}

static void read_timeouts_with_and_without_cookies(locust_ctx *ctx)
{
    locust_request_opts o = {.timeout = 0.3};
    /* Without cookies, on the connection kept alive from the first request. */
    ck_assert_int_eq(locust_response_status(timed_get(ctx, "/", NULL)), 200);
    locust_response *r = timed_get(ctx, "/delay/2000", &o);
    ck_assert_str_eq(locust_response_error(r), read_timeout_want);
    /* With a cookie, on a connection made by the request before. */
    ck_assert_int_eq(locust_response_status(timed_get(ctx, "/login?user=ellen", NULL)), 200);
    ck_assert_int_eq(locust_response_status(timed_get(ctx, "/profile", NULL)), 200);
    r = timed_get(ctx, "/delay/2000", &o);
    ck_assert_str_eq(locust_response_error(r), read_timeout_want);
    /* And on a fresh connection (the timeout closed the last one). */
    r = timed_get(ctx, "/delay/2000", &o);
    ck_assert_str_eq(locust_response_error(r), read_timeout_want);
}

/* _i: 0 over the wire, 1 through curl. */
START_TEST(a_read_timeout_is_worded_the_same_with_or_without_cookies)
{
    snprintf(read_timeout_want, sizeof read_timeout_want,
             "ReadTimeout('Read timed out. (read timeout=0.3) for url: http://127.0.0.1:%u/delay/2000')",
             target.port);
    read_timeout_over_curl = _i == 1;
    locust__wire_force_curl(read_timeout_over_curl);
    harness_run_task(read_timeouts_with_and_without_cookies);
    locust__wire_force_curl(false);
    ck_assert_uint_eq(run.failures, 3);
    ck_assert_uint_eq(run.successes, 3);
    for (unsigned i = 0; i < run.n_records; i++)
        if (!harness_record(i)->success) ck_assert_str_eq(harness_record(i)->error, read_timeout_want);
}
END_TEST

/* A server that answers every connection with `reply` and closes it. */
static int raw_listener;
static const char *raw_reply;

static void *raw_server(void *arg)
{
    for (;;) {
        int c = accept(raw_listener, NULL, NULL);
        if (c < 0) return NULL;
        char buf[4096];
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n > 0 && send(c, raw_reply, strlen(raw_reply), MSG_NOSIGNAL) < 0) n = -1;
        close(c);
    }
}

static unsigned raw_port;
static void malformed(locust_ctx *ctx)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", raw_port);
    locust_response *r = locust_get(ctx, url, NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_ptr_nonnull(locust_response_error(r));
}

START_TEST(malformed_responses_are_failures_not_crashes)
{
    static const char *const replies[] = {
        "garbage\r\n\r\n",
        "HTTP/1.1 abc Bad\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    };
    raw_listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(raw_listener, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(raw_listener, 16), 0);
    getsockname(raw_listener, (struct sockaddr *)&a, &len);
    raw_port = ntohs(a.sin_port);
    pthread_t t;
    raw_reply = replies[_i];
    pthread_create(&t, NULL, raw_server, NULL);
    harness_run_task(malformed);
    ck_assert_uint_eq(run.failures, 1);
    ck_assert_uint_eq(run.task_errors, 0);
}
END_TEST

static char header_error[512];
static void huge_headers(locust_ctx *ctx)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", raw_port);
    locust_response *r = locust_get(ctx, url, NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    snprintf(header_error, sizeof header_error, "%s", locust_response_error(r));
}

START_TEST(response_headers_past_their_cap_fail_the_request)
{
    /* 3000 headers of 100 bytes: 300 kB, past the 256 kB cap. */
    static char reply[3000 * 100 + 64];
    size_t n = (size_t)sprintf(reply, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 3000; i++)
        n += (size_t)sprintf(reply + n, "X-H%04d: %088d\r\n", i, 0);
    sprintf(reply + n, "Content-Length: 0\r\n\r\n");
    raw_listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(raw_listener, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(raw_listener, 16), 0);
    getsockname(raw_listener, (struct sockaddr *)&a, &len);
    raw_port = ntohs(a.sin_port);
    raw_reply = reply;
    pthread_t t;
    pthread_create(&t, NULL, raw_server, NULL);
    harness_run_task(huge_headers);
    ck_assert_uint_eq(run.failures, 1);
    char want[256];
    snprintf(want, sizeof want,
             "InvalidHeader('response headers exceed 262144 bytes for url: http://127.0.0.1:%u/')", raw_port);
    ck_assert_str_eq(header_error, want);
}
END_TEST

/* ---- the body cap and streaming ------------------------------------------------------ */

static void body_cap(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    ck_assert_int_eq(locust_http_set_max_body(h, 0), LOCUST_EINVAL);
    locust_response *r = locust_get(ctx, "/bytes/16777216", NULL);
    ck_assert(locust_response_ok(r)); /* exactly the default cap */
    r = locust_get(ctx, "/bytes/16777217", NULL);
    ck_assert(!locust_response_ok(r));
    ck_assert_int_eq(locust_http_set_max_body(h, 1000), 0);
    ck_assert(locust_response_ok(locust_get(ctx, "/bytes/1000", NULL)));
    r = locust_get(ctx, "/bytes/1001", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert(!locust_response_ok(r));
    char want[256];
    snprintf(want, sizeof want,
             "ContentTooLarge('response body exceeds the cap of 1000 bytes (locust_http_set_max_body) "
             "for url: http://127.0.0.1:%u/bytes/1001')",
             target.port);
    ck_assert_str_eq(locust_response_error(r), want);
}

START_TEST(bodies_over_the_cap_fail_the_request)
{
    harness_run_task(body_cap);
    ck_assert_uint_eq(run.successes, 2);
    ck_assert_uint_eq(run.failures, 2);
    ck_assert_int_eq(harness_record(0)->length, 16777216);
    ck_assert_ptr_nonnull(
        strstr(harness_record(1)->error, "ContentTooLarge('response body exceeds the cap of 16777216"));
}
END_TEST

static size_t streamed;
static bool pattern_ok;
static int count_chunk(const void *data, size_t len, void *udata)
{
    const char *p = data;
    for (size_t i = 0; i < len; i++)
        if (p[i] != (char)('a' + (streamed + i) % 26)) pattern_ok = false;
    streamed += len;
    return udata != NULL && streamed > 0; /* udata set: stop after the first chunk */
}

static void streaming(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    locust_http_set_max_body(h, 1000); /* nothing is stored, so the cap does not apply */
    streamed = 0;
    pattern_ok = true;
    locust_request_opts o = {.stream = count_chunk};
    locust_response *r = locust_get(ctx, "/bytes/3000000", &o);
    ck_assert(locust_response_ok(r));
    ck_assert_uint_eq(streamed, 3000000);
    ck_assert(pattern_ok);
    size_t len = 1;
    locust_response_body(r, &len);
    ck_assert_uint_eq(len, 0);
    /* A callback that stops early ends the transfer; the status still decides. */
    streamed = 0;
    locust_request_opts stop = {.stream = count_chunk, .stream_udata = &stop};
    r = locust_get(ctx, "/bytes/3000000", &stop);
    ck_assert(locust_response_ok(r));
    ck_assert(streamed > 0 && streamed < 3000000);
}

START_TEST(streaming_hands_chunks_to_the_callback_and_stores_nothing)
{
    harness_run_task(streaming);
    ck_assert_uint_eq(run.successes, 2);
    ck_assert_int_eq(harness_record(0)->length, 3000000);
}
END_TEST

/* ---- catch_response ---------------------------------------------------------------------- */

static void catch_marks(locust_ctx *ctx)
{
    locust_request_opts c = {.catch_response = true};
    locust_response *r = locust_get(ctx, "/status/404", &c);
    locust_response_success(r); /* a 404 we expected */
    r = locust_get(ctx, "/", &c);
    locust_response_failure(r, "Got wrong response %d", 7);
    r = locust_get(ctx, "/json", &c);
    locust_response_success(r);
    locust_response_success(r); /* each call reports, as in 0.9.0 */
    r = locust_get(ctx, "/status/503", &c);
    locust_response_free(r);            /* unmarked: the default rule, now */
    locust_get(ctx, "/status/404", &c); /* unmarked: at the end of the task */
    locust_get(ctx, "/", &c);
    /* Marking a response made without catch_response is ignored. */
    locust_response_success(locust_get(ctx, "/status/500", NULL));
}

START_TEST(catch_response_lets_the_task_decide)
{
    harness_run_task(catch_marks);
    ck_assert_uint_eq(run.n_records, 8);
    ck_assert(harness_record(0)->success);
    ck_assert_str_eq(harness_record(0)->name, "/status/404");
    ck_assert(!harness_record(1)->success);
    ck_assert_str_eq(harness_record(1)->error, "CatchResponseError('Got wrong response 7')");
    ck_assert(harness_record(2)->success && harness_record(3)->success);
    ck_assert(!harness_record(4)->success);
    ck_assert_ptr_nonnull(strstr(harness_record(4)->error, "HTTPError('503 Server Error"));
    /* The plain request reports at once; the two left unmarked at the task's end. */
    ck_assert_str_eq(harness_record(5)->name, "/status/500");
    ck_assert(!harness_record(5)->success);
    ck_assert_uint_eq(run.successes + run.failures, 8);
    unsigned unmarked404 = 0, unmarked_ok = 0;
    for (unsigned i = 6; i < 8; i++) {
        if (!harness_record(i)->success && strstr(harness_record(i)->error, "404 Client Error"))
            unmarked404++;
        if (harness_record(i)->success && strcmp(harness_record(i)->name, "/") == 0) unmarked_ok++;
    }
    ck_assert_uint_eq(unmarked404, 1);
    ck_assert_uint_eq(unmarked_ok, 1);
}
END_TEST

static void catch_then_fail(locust_ctx *ctx)
{
    locust_request_opts c = {.catch_response = true};
    locust_get(ctx, "/", &c);
    locust_fail(ctx, "content check failed");
}

START_TEST(a_failed_task_fails_its_unmarked_responses)
{
    harness_run_task(catch_then_fail);
    ck_assert_uint_eq(run.failures, 1);
    ck_assert_uint_eq(run.successes, 0);
    ck_assert_str_eq(harness_record(0)->error, "CatchResponseError('content check failed')");
    ck_assert_uint_eq(run.task_errors, 1);
}
END_TEST

/* ---- requests that fail the task ---------------------------------------------------------- */

static void relative(locust_ctx *ctx)
{
    locust_get(ctx, "/x", NULL);
    ck_abort_msg("unreachable");
}

START_TEST(a_relative_url_without_a_host_fails_the_task)
{
    static const locust_task tasks[] = {{.name = "t", .fn = relative, .weight = 1}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "NoHost", .tasks = tasks};
    harness_run(&ts, "", 1, 100, 0.2);
    ck_assert_uint_eq(run.successes + run.failures, 0);
    ck_assert_uint_ge(run.task_errors, 1);
    ck_assert_str_eq(run.task_error,
                     "locust_request: no host to resolve the relative URL '/x' against: set the "
                     "class's .host or the runner's host (--host)");
    /* A host that is no base URL never gets as far as a request: the class is refused. */
    static const locust_class ftp = {.name = "Ftp", .task_set = &ts, .host = "ftp://127.0.0.1"};
    static const locust_class bare = {.name = "Bare", .task_set = &ts, .host = "http://"};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &ftp), LOCUST_ECLASS);
    ck_assert_str_eq(
        locust_runner_last_error(r),
        "class 'Ftp': field .host 'ftp://127.0.0.1': only http:// and https:// URLs are supported");
    ck_assert_int_eq(locust_runner_add_class(r, &bare), LOCUST_ECLASS);
    ck_assert_str_eq(locust_runner_last_error(r),
                     "class 'Bare': field .host 'http://': no host after the scheme");
    locust_runner_free(r);
}
END_TEST

/* ---- users killed in a request --------------------------------------------------------------- */

static unsigned stops;
static void hang(locust_ctx *ctx)
{
    locust_get(ctx, "/hang", NULL);
    ck_abort_msg("a killed user's request must not return");
}
static void count_stop(locust_ctx *ctx)
{
    stops++;
}

START_TEST(killing_users_in_a_request_records_nothing)
{
    static const locust_task tasks[] = {{.name = "hang", .fn = hang, .weight = 1}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Hang", .tasks = tasks, .on_stop = count_stop};
    stops = 0;
    /* Requests in flight get a grace period to finish; one that never
     * answers is abandoned when it is over, and recorded nowhere. */
    harness_stop_timeout = 0.5;
    harness_run(&ts, NULL, 20, 1000, 0.3);
    harness_stop_timeout = 0;
    ck_assert_uint_eq(stops, 20);
    ck_assert_uint_eq(run.successes + run.failures, 0);
    ck_assert_msg(run.seconds < 5, "the run took %.1f s", run.seconds);
}
END_TEST

/* ---- the demo target's command line ------------------------------------------------------------ */

START_TEST(the_demo_target_refuses_bad_flags)
{
    static const char *const cases[][2] = {
        {"--port abc", "--port: 'abc' is not a port"},
        {"--port 70000", "--port: '70000' is not a port"},
        {"--threads 0", "--threads: '0' is not a thread count"},
        {"--host nowhere", "--host: 'nowhere' is not an IPv4 or IPv6 address"},
        {"--bogus", "unknown option '--bogus'"},
        {"--port", "--port needs a value"},
        {"--tls-cert x.pem", "--tls-cert and --tls-key go together"},
        {"--tls-cert /nonexistent.pem --tls-key /nonexistent.key",
         "--tls-cert: cannot read '/nonexistent.pem'"},
        {"extra", "unexpected argument 'extra'"},
    };
    char cmd[4096], out[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", locust_test_target_program(), cases[_i][0]);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 2);
    ck_assert_msg(strstr(out, cases[_i][1]) != NULL, "'%s' printed: %s", cases[_i][0], out);
}
END_TEST

/* Opens a connection to a target and sends a request without waiting for the answer. */
static int send_request(unsigned port, const char *path)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    char req[128];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    ck_assert_int_eq(send(s, req, (size_t)n, MSG_NOSIGNAL), n);
    return s;
}

START_TEST(the_demo_target_stops_cleanly_while_holding_requests)
{
    locust_test_target t;
    ck_assert_int_eq(locust_test_target_start(&t, NULL), 0);
    int held[6];
    for (int i = 0; i < 6; i++)
        held[i] = send_request(t.port, i % 2 ? "/hang" : "/delay/30000");
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double t0 = locust__mono();
    ck_assert_int_eq(locust_test_target_stop(&t), 0);
    ck_assert_msg(locust__mono() - t0 < 2, "stopping took %.2f s", locust__mono() - t0);
    for (int i = 0; i < 6; i++)
        close(held[i]);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_errors");
    TCase *tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, harness_target_up, harness_target_down);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, http_errors_are_failures_worded_like_locust);
    tcase_add_test(tc, transport_errors_give_status_zero_and_a_failure);
    tcase_add_loop_test(tc, a_read_timeout_is_worded_the_same_with_or_without_cookies, 0, 2);
    tcase_add_loop_test(tc, malformed_responses_are_failures_not_crashes, 0, 5);
    tcase_add_test(tc, response_headers_past_their_cap_fail_the_request);
    tcase_add_test(tc, bodies_over_the_cap_fail_the_request);
    tcase_add_test(tc, streaming_hands_chunks_to_the_callback_and_stores_nothing);
    tcase_add_test(tc, catch_response_lets_the_task_decide);
    tcase_add_test(tc, a_failed_task_fails_its_unmarked_responses);
    tcase_add_test(tc, a_relative_url_without_a_host_fails_the_task);
    tcase_add_test(tc, killing_users_in_a_request_records_nothing);
    tcase_add_loop_test(tc, the_demo_target_refuses_bad_flags, 0, 9);
    tcase_add_test(tc, the_demo_target_stops_cleanly_while_holding_requests);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
