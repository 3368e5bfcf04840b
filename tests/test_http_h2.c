/*
 * HTTP/2 on the session's own connection against curl's HTTP/2, as a
 * specification: a corpus of requests (methods with and without bodies,
 * query strings, custom headers, cookies set by the server and sent back,
 * redirects, gzip, bodyless and error statuses, a 1 MiB body each way,
 * many headers, HEAD) is fetched from nginx once over the wire (h2 chosen
 * in ALPN over TLS, h2c with prior knowledge over plain TCP) and once
 * through curl, and the task must see the same status, reason, headers,
 * body, error and URL, the statistics the same entries. Over a TLS port
 * without HTTP/2 both fall back to HTTP/1.1, the wire on its own
 * connection too.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2_fetch.h"
#include "http/http_internal.h"
#include "http/http_wire_conn.h"
#include "port_helper.h"
#include "testutil.h"

/* The corpus below names a step's method and path by place, the rest by name. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static char ngx_dir[64], data_dir[PATH_MAX], cert[PATH_MAX + 32];
static int port_h2, port_h2c, port_h1, port_short;

#define BIG (1024 * 1024)
static char *big_body; /* 1 MiB the test PUTs and nginx serves back */

/* Whether something accepts connections on 127.0.0.1:port. */
static bool listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

/* An nginx speaking HTTP/2 over TLS, h2c on plain TCP, and only HTTP/1.1 over TLS on a third port. */
static void nginx_up(void)
{
    snprintf(ngx_dir, sizeof ngx_dir, "/tmp/locust-h2w-%d", (int)getpid());
    const char *src = getenv("LOCUST_SRCDIR");
    char rel[256], cmd[3 * PATH_MAX];
    snprintf(rel, sizeof rel, "%s/tests/data", src && *src ? src : ".");
    ck_assert_ptr_nonnull(realpath(rel, data_dir));
    snprintf(cert, sizeof cert, "%s/tls-server.pem", data_dir);
    /* nginx's workers (nobody, under root) write the uploads and the bodies they hold. */
    snprintf(cmd, sizeof cmd, "mkdir -p %s/www/dav %s/www/gz && chmod 777 %s %s/www/dav", ngx_dir, ngx_dir,
             ngx_dir, ngx_dir);
    ck_assert_int_eq(system(cmd), 0);
    /* Three ports held together, so that none is handed out twice. */
    int f1 = dist_bind_port(0, &port_h2), f2 = dist_bind_port(0, &port_h2c), f3 = dist_bind_port(0, &port_h1);
    int f4 = dist_bind_port(0, &port_short);
    ck_assert(f1 >= 0 && f2 >= 0 && f3 >= 0 && f4 >= 0);
    close(f1), close(f2), close(f3), close(f4);
    big_body = malloc(BIG);
    ck_assert_ptr_nonnull(big_body);
    for (size_t i = 0; i < BIG; i++)
        big_body[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/www/big.bin", ngx_dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fwrite(big_body, 1, BIG, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/www/gz/text.txt", ngx_dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 2000; i++)
        fprintf(f, "line %d of a text nginx compresses\n", i);
    fclose(f);
    snprintf(path, sizeof path, "%s/nginx.conf", ngx_dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "worker_processes 1; daemon on; pid %s/nginx.pid; error_log %s/error.log;\n"
            "events { worker_connections 256; }\n"
            "http { access_log off; client_body_temp_path %s; client_max_body_size 4m;\n"
            "  server { listen 127.0.0.1:%d ssl http2; listen 127.0.0.1:%d http2; listen 127.0.0.1:%d ssl;\n"
            "    ssl_certificate %s/tls-server.pem; ssl_certificate_key %s/tls-server.key;\n"
            "    root %s/www;\n"
            "    location = /echo { return 200 \"$request_method $request_uri cookie=[$http_cookie] "
            "x=[$http_x_custom] len=[$content_length] type=[$content_type] ua=[$http_user_agent] "
            "enc=[$http_accept_encoding] auth=[$http_authorization] host=[$host]\\n\"; }\n"
            "    location = /login { add_header Set-Cookie \"sid=abc123; Path=/\";\n"
            "      add_header Set-Cookie \"theme=dark; Max-Age=3600; Path=/\";\n"
            "      add_header Set-Cookie \"gone=1; Path=/nowhere\"; return 200 \"logged in\\n\"; }\n"
            "    location = /r301 { return 301 /echo?from=301; }\n"
            "    location = /r302 { return 302 /echo?from=302; }\n"
            "    location = /r303 { return 303 /echo?from=303; }\n"
            "    location = /r307 { return 307 /echo?from=307; }\n"
            "    location = /r308 { return 308 /r302; }\n"
            "    location = /s204 { return 204; }\n"
            "    location = /s304 { return 304; }\n"
            "    location = /s404 { return 404 \"no such thing\\n\"; }\n"
            "    location = /s404page { return 404; }\n"
            "    location = /s500 { return 500 \"boom\\n\"; }\n"
            "    location /gz/ { gzip on; gzip_min_length 1; gzip_types text/plain; }\n"
            "    location /dav/ { dav_methods PUT DELETE; create_full_put_path on; }\n"
            "    location = /many {",
            ngx_dir, ngx_dir, ngx_dir, port_h2, port_h2c, port_h1, data_dir, data_dir, ngx_dir);
    for (int i = 0; i < 60; i++)
        fprintf(f, " add_header X-Header-%02d \"value number %d of many\";", i, i);
    fprintf(f, " return 200 \"many\\n\"; }\n  }\n");
    /* A server that ends a connection (GOAWAY) after two requests on it. */
    fprintf(f,
            "  server { listen 127.0.0.1:%d ssl http2; keepalive_requests 2;\n"
            "    ssl_certificate %s/tls-server.pem; ssl_certificate_key %s/tls-server.key;\n"
            "    location / { return 200 \"short-lived $request_uri\\n\"; } }\n}\n",
            port_short, data_dir, data_dir);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/sbin/nginx -p %s -c %s 2>%s/start.log", ngx_dir, path, ngx_dir);
    ck_assert_msg(system(cmd) == 0, "nginx did not start (install-deps.sh installs it)");
    /* Bounded wait for the ports. */
    for (int i = 0; i < 100 && !listening(port_h2c); i++)
        usleep(20000);
}

static void nginx_down(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "kill $(cat %s/nginx.pid) 2>/dev/null; sleep 0.2; rm -rf %s", ngx_dir, ngx_dir);
    ck_assert_int_eq(system(cmd), 0);
    free(big_body);
}

/* ---- the corpus ------------------------------------------------------------------------------- */

static const char *const custom[] = {"X-Custom: forty-two", "Accept: text/plain", "X-Empty;",
                                     "User-Agent:", NULL};
static const char *const cookies[] = {"flavour", "oat", "size", "large", NULL};
static const char *const json_type[] = {"Content-Type: application/json", NULL};
static const char *const te_hdr[] = {"TE: trailers", "Connection: keep-alive", NULL};
static const char *const gz_hdr[] = {"Accept-Encoding: gzip", NULL};
static const char *const manyreq[] = {"X-A: 1",   "X-B: 2",   "X-C: 3",
                                      "X-D: 4",   "X-E: 5",   "X-F: 6",
                                      "X-G: 7",   "X-H: 8",   "X-I: 9",
                                      "X-J: 10",  "X-K: 11",  "X-L: 12",
                                      "X-M: 13",  "X-N: 14",  "X-O: 15",
                                      "X-P: 16",  "X-Q: 17",  "X-R: 18",
                                      "X-S: 19",  "X-T: 20",  "X-U: 21",
                                      "X-V: 22",  "X-W: 23",  "X-X: 24",
                                      "X-Y: 25",  "X-Z: 26",  "X-AA: 27",
                                      "X-AB: 28", "X-AC: 29", "X-AD: 30",
                                      "X-AE: 31", "X-AF: 32", "X-AG: 33",
                                      "X-AH: 34", "X-AI: 35", "X-AJ: 36",
                                      "X-AK: 37", "X-AL: 38", "X-AM: 39",
                                      "X-AN: 40", "X-AO: 41", "X-AP: 42",
                                      "X-AQ: 43", "X-AR: 44", "X-AS: 45",
                                      "X-AT: 46", "X-AU: 47", "X-AV: 48",
                                      "X-AW: 49", "X-AX: 50", "X-Custom: the last",
                                      NULL};

static const h2_case corpus[] = {
    {"get_query_headers",
     {{"GET", "/echo?a=1&b=two%20words"}, {"GET", "/echo", .headers = custom}, {"GET", "/echo?x#frag"}}},
    {"post_put_delete",
     {{"POST", "/echo", .body = "a=1&b=2"},
      {"PUT", "/echo", .body = "{\"k\": [1, 2]}", .headers = json_type},
      {"DELETE", "/echo"},
      {"POST", "/echo"},
      {"PATCH", "/echo", .body = "x"}}},
    {"cookies_set_and_sent",
     {{"GET", "/echo", .cookies = cookies},
      {"POST", "/login", .body = "user=u"},
      {"GET", "/echo"},
      {"GET", "/echo?again", .cookies = cookies}}},
    {"redirects",
     {{"GET", "/r301"},
      {"POST", "/r301", .body = "dropped"},
      {"POST", "/r302", .body = "dropped"},
      {"PUT", "/r303", .body = "dropped"},
      {"POST", "/r307", .body = "kept"},
      {"GET", "/r308"},
      {"GET", "/r302", .no_redirects = true}}},
    {"statuses",
     {{"GET", "/s204"},
      {"GET", "/s304"},
      {"GET", "/s404"},
      {"GET", "/s404page"},
      {"GET", "/s500"},
      {"HEAD", "/s500"},
      {"GET", "/no/such/file"}}},
    {"gzip", {{"GET", "/gz/text.txt"}, {"GET", "/gz/text.txt", .headers = gz_hdr}, {"HEAD", "/gz/text.txt"}}},
    {"large_bodies", {{"GET", "/big.bin"}, {"HEAD", "/big.bin"}, {"GET", "/big.bin"}}},
    {"many_headers", {{"GET", "/many"}, {"GET", "/echo", .headers = manyreq}, {"HEAD", "/many"}}},
    {"forbidden_request_fields", {{"GET", "/echo", .headers = te_hdr}}},
    {"head", {{"HEAD", "/echo"}, {"HEAD", "/big.bin"}, {"GET", "/echo"}}},
};

/* The 1 MiB PUT (each path its own file), then GET back, as its own case with the body set at run time. */
static h2_case upload_case(const char *file)
{
    h2_case c = {"upload_1mib",
                 {{"PUT", file, .body = big_body, .body_len = BIG},
                  {"GET", file},
                  {"PUT", file, .body = "short now"},
                  {"GET", file},
                  {"DELETE", file}}};
    return c;
}

static char rep[65536];

/*
 * Fetches a case over the wire from `host` and through curl from
 * `curl_host` (NULL: the same), and requires the same (the curl host's
 * origin written as the wire's); `h2`: the wire's hops spoke HTTP/2.
 */
static void check(const h2_case *wc, const h2_case *cc, const char *host, const char *curl_host, bool h2)
{
    static h2_outcome wire, curl;
    h2_fetch(wc, host, cert, false, &wire);
    h2_fetch(cc, curl_host ? curl_host : host, cert, true, &curl);
    if (curl_host != NULL) h2_outcome_rehost(&curl, curl_host, host);
    h2_compare(&wire, &curl, rep, sizeof rep);
    ck_assert_msg(rep[0] == '\0', "%s (%s): the wire and curl differ:\n%s", wc->name, host, rep);
    ck_assert_uint_gt(wire.n, 0);
    for (unsigned i = 0; i < wire.n; i++)
        ck_assert_msg(wire.seen[i].h2 == h2, "%s request %u: HTTP/2 %d on the wire", wc->name, i + 1,
                      wire.seen[i].h2);
    ck_assert_str_eq(wire.task_error, "");
    h2_outcome_free(&wire);
    h2_outcome_free(&curl);
}

/*
 * Case i of the corpus from 127.0.0.1:port, checked against curl there, or
 * against curl's HTTP/2 over TLS when `curl_tls` (curl 7.88 fails the
 * second request on an h2c connection with prior knowledge, "Error in the
 * HTTP2 framing layer": see README).
 */
static void check_corpus(int port, const char *scheme, bool h2, bool curl_tls, int i)
{
    char host[96], tls_host[96];
    snprintf(host, sizeof host, "%s://127.0.0.1:%d", scheme, port);
    snprintf(tls_host, sizeof tls_host, "https://127.0.0.1:%d", port_h2);
    h2_case up = upload_case("/dav/up.bin");
    const h2_case *c = i < (int)(sizeof corpus / sizeof corpus[0]) ? &corpus[i] : &up;
    check(c, c, host, curl_tls ? tls_host : NULL, h2);
}

#define N_CASES ((int)(sizeof corpus / sizeof corpus[0]) + 1)

START_TEST(h2_over_tls_on_the_wire_gives_what_curls_h2_gives)
{
    check_corpus(port_h2, "https", true, false, _i);
}
END_TEST

START_TEST(h2c_with_prior_knowledge_on_the_wire_gives_what_curls_gives)
{
    check_corpus(port_h2c, "http", true, true, _i);
}
END_TEST

START_TEST(a_tls_server_without_h2_gets_http_1_1_on_the_wire_as_from_curl)
{
    check_corpus(port_h1, "https", false, false, _i);
}
END_TEST

/* A server's GOAWAY after each second request: the next goes on a fresh connection, none is lost. */
START_TEST(a_connection_the_server_ends_with_goaway_is_replaced_as_curl_replaces_it)
{
    static const h2_case c = {"goaway_every_two",
                              {{"GET", "/1"},
                               {"GET", "/2"},
                               {"GET", "/3"},
                               {"GET", "/4"},
                               {"GET", "/5"},
                               {"GET", "/6"},
                               {"POST", "/7", .body = "x"}}};
    char host[96];
    snprintf(host, sizeof host, "https://127.0.0.1:%d", port_short);
    check(&c, &c, host, NULL, true);
}
END_TEST

static char log_lines[4][512];
static unsigned n_log_lines;

static void on_log(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    if (strcmp(logger, "locust.http") == 0 && strstr(msg, " goes ") != NULL && n_log_lines < 4)
        snprintf(log_lines[n_log_lines++], sizeof log_lines[0], "%s", msg);
}

/* Fetches the log case from `port` with the debug log on; requires the one line `how` names. */
static void one_log_line(int port, const char *how)
{
    static const h2_case c = {"log", {{"GET", "/echo"}, {"GET", "/echo?2"}, {"POST", "/echo", .body = "b"}}};
    char host[96], want[256];
    static h2_outcome out;
    snprintf(host, sizeof host, "https://127.0.0.1:%d", port);
    n_log_lines = 0;
    locust_log_set(on_log, NULL, LOCUST_LOG_DEBUG);
    h2_fetch(&c, host, cert, false, &out);
    testutil_quiet_logs();
    h2_outcome_free(&out);
    ck_assert_uint_eq(n_log_lines, 1);
    snprintf(want, sizeof want, "user 1: %s/echo goes over the session's own %s connection", host, how);
    ck_assert_str_eq(log_lines[0], want);
}

/* -L DEBUG names the path once per session: HTTP/2 on its own connection, HTTP/1.1 after a fallback. */
START_TEST(the_debug_log_says_once_per_session_that_http2_goes_over_the_wire)
{
    one_log_line(port_h2, "HTTP/2");
    one_log_line(port_h1, "HTTP/1.1");
}
END_TEST

/* nghttp2's small blocks (http_wire_h2_mem.c): while users run, the blocks a request gave back wait on
 * the thread's lists for the next one; freeing the runner gives them all back. */
static size_t kept_while_running;
static unsigned pooled_ok;

static void pooled_requests(locust_ctx *ctx)
{
    locust_request_opts o = {.timeout = 5, .ca_bundle = cert, .http2 = true};
    for (int i = 0; i < 3; i++) {
        locust_response *r = locust_request(ctx, "GET", "/echo", &o);
        pooled_ok += locust_response_status(r) == 200 && locust__wire_speaks_h2(locust_client(ctx)->wire);
        locust_response_free(r);
    }
    kept_while_running = locust__wire_h2_mem_kept();
    locust_stop_user(ctx);
}

static void count_nothing(const locust_event *ev, void *udata)
{
    (void)ev, (void)udata;
}

START_TEST(http2_sessions_reuse_their_small_blocks_and_give_them_back_with_the_runner)
{
    static const locust_task tasks[] = {{.name = "pooled", .fn = pooled_requests, .weight = 1},
                                        LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Pooled", .tasks = tasks};
    char host[96];
    snprintf(host, sizeof host, "https://127.0.0.1:%d", port_h2);
    locust_class cls = {.name = "PooledUser", .task_set = &ts, .weight = 1, .host = host};
    locust_runner *r;
    ck_assert_int_eq(testutil_runner_new(&r, &(locust_runner_options){.seed = 1}, &cls, count_nothing, NULL),
                     0);
    ck_assert_int_eq(testutil_run_users(r, 2, 100, 20), 0);
    ck_assert_uint_eq(pooled_ok, 6);
    ck_assert_uint_gt(kept_while_running, 0);
    locust_runner_free(r);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 0);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_h2");
    TCase *tc = tcase_create("nginx");
    tcase_add_unchecked_fixture(tc, nginx_up, nginx_down);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, h2_over_tls_on_the_wire_gives_what_curls_h2_gives, 0, N_CASES);
    tcase_add_loop_test(tc, h2c_with_prior_knowledge_on_the_wire_gives_what_curls_gives, 0, N_CASES);
    tcase_add_loop_test(tc, a_tls_server_without_h2_gets_http_1_1_on_the_wire_as_from_curl, 0, N_CASES);
    tcase_add_test(tc, a_connection_the_server_ends_with_goaway_is_replaced_as_curl_replaces_it);
    tcase_add_test(tc, the_debug_log_says_once_per_session_that_http2_goes_over_the_wire);
    tcase_add_test(tc, http2_sessions_reuse_their_small_blocks_and_give_them_back_with_the_runner);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
