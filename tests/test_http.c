/*
 * The HTTP session as a specification (docs/compatibility.md §7.7, manual §4.5): every
 * method and request option against the demo target, what is recorded in
 * the statistics and under which name, cookies, redirects and gzip.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_harness.h"
#include "testutil.h"

/* The /echo document of a response: what the server received. */
static const cJSON *echo(locust_response *r)
{
    ck_assert_int_eq(locust_response_status(r), 200);
    int err = 1;
    const cJSON *doc = locust_response_json(r, &err);
    ck_assert_int_eq(err, 0);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static const char *echo_str(locust_response *r, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(echo(r), key);
    ck_assert_msg(cJSON_IsString(v), "echo has no string '%s'", key);
    return v->valuestring;
}

/* A request header as the server saw it, NULL if it was not sent. */
static const char *echo_header(locust_response *r, const char *name)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(echo(r), "headers");
    const cJSON *v = cJSON_GetObjectItem(h, name); /* case-insensitive */
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- GET and what is recorded ---------------------------------------------- */

static void get_root(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_str_eq(locust_response_reason(r), "OK");
    ck_assert(locust_response_ok(r));
    ck_assert_ptr_null(locust_response_error(r));
    ck_assert_ptr_nonnull(strstr(locust_response_text(r), "locust-demo-target"));
    ck_assert_str_eq(locust_response_header(r, "content-type"), "text/html; charset=utf-8");
    ck_assert_str_eq(locust_response_header(r, "CONTENT-TYPE"), "text/html; charset=utf-8");
    ck_assert_ptr_null(locust_response_header(r, "X-Not-There"));
    ck_assert_str_eq(locust_response_url(r), locust_test_target_url(&target, "/"));
    ck_assert_int_eq(locust_response_redirects(r), 0);
    size_t len;
    locust_response_body(r, &len);
    ck_assert_uint_eq(len, strlen(locust_response_text(r)));
    ck_assert(locust_response_elapsed(r) > 0 && locust_response_elapsed(r) < 5000);
}

START_TEST(get_is_recorded_once_as_a_success_under_its_path)
{
    harness_run_task(get_root);
    ck_assert_uint_eq(run.successes, 1);
    ck_assert_uint_eq(run.failures, 0);
    const http_record *rec = harness_record(0);
    ck_assert_str_eq(rec->method, "GET");
    ck_assert_str_eq(rec->name, "/");
    ck_assert(rec->length > 50);
    /* A float in milliseconds, with sub-millisecond resolution. */
    ck_assert(rec->response_time > 0 && rec->response_time < 5000);
}
END_TEST

/* ---- methods ------------------------------------------------------------------- */

static void every_method(locust_ctx *ctx)
{
    ck_assert_str_eq(echo_str(locust_get(ctx, "/echo", NULL), "method"), "GET");
    ck_assert_str_eq(echo_str(locust_post(ctx, "/echo", NULL), "method"), "POST");
    ck_assert_str_eq(echo_str(locust_put(ctx, "/echo", NULL), "method"), "PUT");
    ck_assert_str_eq(echo_str(locust_delete(ctx, "/echo", NULL), "method"), "DELETE");
    ck_assert_str_eq(echo_str(locust_patch(ctx, "/echo", NULL), "method"), "PATCH");
    ck_assert_str_eq(echo_str(locust_options(ctx, "/echo", NULL), "method"), "OPTIONS");
    locust_response *h = locust_head(ctx, "/echo", NULL);
    ck_assert_int_eq(locust_response_status(h), 200);
    ck_assert_str_eq(locust_response_text(h), "");
    /* The wire method is upper case; the recorded one is verbatim. */
    ck_assert_str_eq(echo_str(locust_request(ctx, "get", "/echo", NULL), "method"), "GET");
    ck_assert_str_eq(echo_str(locust_request(ctx, "PROPFIND", "/echo", NULL), "method"), "PROPFIND");
}

START_TEST(every_method_reaches_the_server_and_is_recorded_verbatim)
{
    harness_run_task(every_method);
    static const char *const want[] = {"GET",     "POST", "PUT", "DELETE",  "PATCH",
                                       "OPTIONS", "HEAD", "get", "PROPFIND"};
    ck_assert_uint_eq(run.successes, 9);
    for (unsigned i = 0; i < 9; i++) {
        ck_assert_str_eq(harness_record(i)->method, want[i]);
        ck_assert_str_eq(harness_record(i)->name, "/echo");
    }
    ck_assert_int_eq(harness_record(6)->length, 0); /* HEAD has no body */
}
END_TEST

/* ---- options ------------------------------------------------------------------- */

static void params_and_name(locust_ctx *ctx)
{
    static const char *const params[] = {"q", "a b&c", "x", "1", NULL};
    locust_request_opts o = {.params = params};
    locust_response *r = locust_get(ctx, "/echo?z=0", &o);
    ck_assert_str_eq(echo_str(r, "query"), "z=0&q=a%20b%26c&x=1");
    const cJSON *args = cJSON_GetObjectItem(echo(r), "args");
    ck_assert_str_eq(cJSON_GetObjectItem(args, "q")->valuestring, "a b&c");
    /* Inserted before a fragment. */
    r = locust_get(ctx, "/echo#frag", &o);
    ck_assert_str_eq(echo_str(r, "query"), "q=a%20b%26c&x=1");
    locust_request_opts named = {.name = "/echo?id=[id]"};
    locust_get(ctx, "/echo?id=1", &named);
    locust_get(ctx, "/echo?id=2", &named);
}

START_TEST(params_are_url_encoded_and_part_of_the_default_name)
{
    harness_run_task(params_and_name);
    ck_assert_uint_eq(run.successes, 4);
    ck_assert_str_eq(harness_record(0)->name, "/echo?z=0&q=a%20b%26c&x=1");
    ck_assert_str_eq(harness_record(1)->name, "/echo?q=a%20b%26c&x=1");
    ck_assert_str_eq(harness_record(2)->name, "/echo?id=[id]");
    ck_assert_str_eq(harness_record(3)->name, "/echo?id=[id]");
}
END_TEST

static void headers_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    ck_assert_ptr_eq(h, locust_client(ctx));
    ck_assert_int_eq(locust_http_set_header(h, "X-Session", "s1"), 0);
    ck_assert_int_eq(locust_http_set_header(h, "X-Gone", "g"), 0);
    ck_assert_int_eq(locust_http_set_header(h, "X-Gone", NULL), 0);
    ck_assert_int_eq(locust_http_set_header(h, "X-Session", "s2"), 0); /* replaces */
    ck_assert_int_eq(locust_http_set_header(h, "X-Other", "o"), 0);
    ck_assert_int_eq(locust_http_set_header(h, "Bad:Name", "v"), LOCUST_EINVAL);
    ck_assert_int_eq(locust_http_set_header(h, "X-Inject", "a\r\nB: c"), LOCUST_EINVAL);
    static const char *const hdrs[] = {"X-Other: request wins", "X-Req: r", NULL};
    locust_request_opts o = {.headers = hdrs};
    locust_response *r = locust_get(ctx, "/echo", &o);
    ck_assert_str_eq(echo_header(r, "X-Session"), "s2");
    ck_assert_str_eq(echo_header(r, "X-Other"), "request wins");
    ck_assert_str_eq(echo_header(r, "X-Req"), "r");
    ck_assert_ptr_null(echo_header(r, "X-Gone"));
    ck_assert_str_eq(echo_header(r, "Accept-Encoding"), "gzip, deflate");
    ck_assert_ptr_null(echo_header(r, "Expect"));
    r = locust_get(ctx, "/echo", NULL);
    ck_assert_ptr_null(echo_header(r, "X-Req"));
}

START_TEST(default_headers_are_sent_and_request_headers_override_them)
{
    harness_run_task(headers_task);
    ck_assert_uint_eq(run.successes, 2);
}
END_TEST

static void bodies_task(locust_ctx *ctx)
{
    static const char *const form[] = {"a", "1", "b", "x y&z", NULL};
    locust_request_opts fo = {.form = form};
    locust_response *r = locust_post(ctx, "/echo", &fo);
    ck_assert_str_eq(echo_str(r, "body"), "a=1&b=x%20y%26z");
    ck_assert_str_eq(echo_header(r, "Content-Type"), "application/x-www-form-urlencoded");

    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "n", 42);
    cJSON_AddStringToObject(doc, "s", "t");
    locust_request_opts jo = {.json = doc};
    r = locust_put(ctx, "/echo", &jo);
    cJSON_Delete(doc);
    ck_assert_str_eq(echo_str(r, "body"), "{\"n\":42,\"s\":\"t\"}");
    ck_assert_str_eq(echo_header(r, "Content-Type"), "application/json");

    /* Raw bytes: sent as they are, with no Content-Type unless asked for. */
    locust_request_opts bo = {.body = "raw\0bytes", .body_len = 9};
    r = locust_patch(ctx, "/echo", &bo);
    ck_assert_int_eq((int)cJSON_GetObjectItem(echo(r), "body_length")->valuedouble, 9);
    ck_assert_ptr_null(echo_header(r, "Content-Type"));
    /* An empty buffer is an empty body when body_len_set says so: its bytes are not read up to a NUL. */
    static const char no_nul[3] = {'a', 'b', 'c'};
    locust_request_opts eo = {.body = no_nul, .body_len = 0, .body_len_set = true};
    r = locust_post(ctx, "/echo", &eo);
    ck_assert_int_eq((int)cJSON_GetObjectItem(echo(r), "body_length")->valuedouble, 0);
    static const char *const ct[] = {"Content-Type: text/plain", NULL};
    locust_request_opts to = {.body = "hello", .headers = ct};
    r = locust_post(ctx, "/echo", &to);
    ck_assert_str_eq(echo_str(r, "body"), "hello");
    ck_assert_str_eq(echo_header(r, "Content-Type"), "text/plain");

    /* Bodiless methods other than GET and HEAD send Content-Length: 0, as requests does. */
    r = locust_post(ctx, "/echo", NULL);
    ck_assert_str_eq(echo_header(r, "Content-Length"), "0");
    r = locust_get(ctx, "/echo", NULL);
    ck_assert_ptr_null(echo_header(r, "Content-Length"));
    /* A header the task asked for is sent even without a body. */
    locust_request_opts ho = {.headers = ct};
    r = locust_get(ctx, "/echo", &ho);
    ck_assert_str_eq(echo_header(r, "Content-Type"), "text/plain");
    ck_assert_str_eq(echo_str(r, "body"), "");
}

START_TEST(form_json_and_raw_bodies_are_sent_with_their_content_types)
{
    harness_run_task(bodies_task);
    ck_assert_uint_eq(run.successes, 8);
    ck_assert_uint_eq(run.task_errors, 0);
}
END_TEST

static void two_bodies(locust_ctx *ctx)
{
    static const char *const form[] = {"a", "1", NULL};
    locust_request_opts o = {.form = form, .body = "x"};
    locust_post(ctx, "/echo", &o);
    ck_abort_msg("a request with two bodies must fail the task");
}

START_TEST(two_bodies_fail_the_task_without_a_request)
{
    harness_run_task(two_bodies);
    ck_assert_uint_eq(run.successes + run.failures, 0);
    ck_assert_uint_eq(run.task_errors, 1);
    ck_assert_ptr_nonnull(strstr(run.task_error, "only one of .body, .form and .json"));
}
END_TEST

static void auth_task(locust_ctx *ctx)
{
    locust_request_opts o = {.auth_user = "u", .auth_password = "p"};
    locust_response *r = locust_get(ctx, "/echo", &o);
    ck_assert_str_eq(echo_header(r, "Authorization"), "Basic dTpw");
    r = locust_get(ctx, "/echo", NULL);
    ck_assert_ptr_null(echo_header(r, "Authorization"));
    locust_http *h = locust_client(ctx);
    ck_assert_int_eq(locust_http_set_auth(h, "user", "secret"), 0);
    r = locust_get(ctx, "/echo", NULL);
    ck_assert_str_eq(echo_header(r, "Authorization"), "Basic dXNlcjpzZWNyZXQ=");
    ck_assert_int_eq(locust_http_set_auth(h, NULL, NULL), 0);
    /* Credentials in the URL, as requests takes them. */
    char url[128];
    snprintf(url, sizeof url, "http://a:b@127.0.0.1:%u/echo", target.port);
    r = locust_get(ctx, url, NULL);
    ck_assert_str_eq(echo_header(r, "Authorization"), "Basic YTpi");
}

START_TEST(basic_auth_per_request_per_session_and_from_the_url)
{
    harness_run_task(auth_task);
    ck_assert_uint_eq(run.successes, 4);
    ck_assert_str_eq(harness_record(3)->name, "/echo");
}
END_TEST

static void full_urls(locust_ctx *ctx)
{
    char url[128];
    snprintf(url, sizeof url, "HTTP://127.0.0.1:%u/echo?full=1", target.port);
    locust_response *r = locust_get(ctx, url, NULL);
    ck_assert_str_eq(echo_str(r, "query"), "full=1");
    /* A relative URL is joined to the host by plain concatenation, as 0.9 does. */
    r = locust_get(ctx, "/echo/../json", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
}

START_TEST(full_urls_are_used_as_they_are_and_paths_joined_to_the_host)
{
    harness_run_task(full_urls);
    ck_assert_uint_eq(run.successes, 2);
    ck_assert_str_eq(harness_record(0)->name, "/echo?full=1");
}
END_TEST

/* ---- cookies ------------------------------------------------------------------- */

static void cookie_session(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/profile", NULL)), 401);
    ck_assert_ptr_null(locust_http_cookie(h, "session"));
    locust_get(ctx, "/login?user=alice", NULL);
    const char *token = locust_http_cookie(h, "session");
    ck_assert_ptr_nonnull(token);
    ck_assert_uint_eq(strlen(token), 32);
    locust_response *r = locust_get(ctx, "/profile", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_str_eq(locust_response_text(r), "{\"user\":\"alice\"}");
    locust_get(ctx, "/logout", NULL);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/profile", NULL)), 401);
    /* A cleared jar forgets the session. */
    locust_get(ctx, "/login?user=bob", NULL);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/profile", NULL)), 200);
    ck_assert_int_eq(locust_http_clear_cookies(h), 0);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/profile", NULL)), 401);
    /* Cookies of one request are sent with it only. */
    static const char *const extra[] = {"a", "1", "b", "2", NULL};
    locust_request_opts o = {.cookies = extra};
    ck_assert_str_eq(echo_header(locust_get(ctx, "/echo", &o), "Cookie"), "a=1; b=2");
    ck_assert_ptr_null(echo_header(locust_get(ctx, "/echo", NULL), "Cookie"));
}

START_TEST(the_cookie_jar_keeps_a_login_session)
{
    harness_run_task(cookie_session);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.failures, 3); /* the three 401s */
    ck_assert_uint_eq(run.successes, 7);
}
END_TEST

/* Each user logs in under its own name; their requests interleave. */
static unsigned profile_matches;
static void login_profile(locust_ctx *ctx)
{
    char login[64], want[64];
    snprintf(login, sizeof login, "/login?user=u%llu", (unsigned long long)locust_user_id(ctx));
    snprintf(want, sizeof want, "{\"user\":\"u%llu\"}", (unsigned long long)locust_user_id(ctx));
    locust_get(ctx, login, NULL);
    for (int i = 0; i < 5; i++) {
        locust_sleep(ctx, 1);
        locust_response *r = locust_get(ctx, "/profile", NULL);
        ck_assert_int_eq(locust_response_status(r), 200);
        ck_assert_str_eq(locust_response_text(r), want);
        profile_matches++;
    }
    locust_stop_user(ctx);
}

START_TEST(cookies_never_leak_between_users)
{
    static const locust_task tasks[] = {LOCUST_TASK(login_profile), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Logins", .tasks = tasks};
    profile_matches = 0;
    harness_run(&ts, NULL, 50, 1000, 30);
    ck_assert_uint_eq(profile_matches, 250);
    ck_assert_uint_eq(run.successes, 300);
    ck_assert_uint_eq(run.failures, 0);
}
END_TEST

/* ---- keep-alive ----------------------------------------------------------------- */

static void keep_alive(locust_ctx *ctx)
{
    locust_response *a = locust_get(ctx, "/echo", NULL);
    double port = cJSON_GetObjectItem(echo(a), "client_port")->valuedouble;
    for (int i = 0; i < 5; i++) {
        locust_response *b = locust_get(ctx, "/echo", NULL);
        ck_assert_double_eq(cJSON_GetObjectItem(echo(b), "client_port")->valuedouble, port);
    }
}

START_TEST(requests_of_a_session_reuse_its_connection)
{
    harness_run_task(keep_alive);
    ck_assert_uint_eq(run.successes, 6);
}
END_TEST

/* ---- gzip and JSON --------------------------------------------------------------- */

static void gzip_task(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/gzip", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_str_eq(locust_response_header(r, "Content-Encoding"), "gzip");
    const cJSON *doc = locust_response_json(r, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(doc, "gzipped")));
    ck_assert_ptr_eq(locust_response_json(r, NULL), doc); /* cached */
    int err = 0;
    ck_assert_ptr_null(locust_response_json(locust_get(ctx, "/", NULL), &err));
    ck_assert_int_eq(err, LOCUST_EJSON);
    ck_assert_ptr_nonnull(locust_response_json(locust_get(ctx, "/json", NULL), &err));
    ck_assert_int_eq(err, 0);
}

START_TEST(gzip_bodies_are_decoded_and_recorded_at_their_decoded_length)
{
    harness_run_task(gzip_task);
    ck_assert_uint_eq(run.successes, 3);
    /* The document is several kB plain and far smaller compressed. */
    ck_assert_int_gt(harness_record(0)->length, 4000);
}
END_TEST

/* ---- redirects ------------------------------------------------------------------- */

static void redirect_chain(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/redirect/3", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_int_eq(locust_response_redirects(r), 3);
    ck_assert_str_eq(locust_response_url(r), locust_test_target_url(&target, "/"));
    ck_assert_ptr_nonnull(strstr(locust_response_text(r), "locust-demo-target"));
    locust_request_opts no = {.no_redirects = true};
    r = locust_get(ctx, "/redirect", &no);
    ck_assert_int_eq(locust_response_status(r), 302);
    ck_assert_str_eq(locust_response_header(r, "Location"), "/");
    ck_assert_int_eq(locust_response_redirects(r), 0);
    ck_assert(locust_response_ok(r));
}

START_TEST(redirects_are_followed_and_recorded_under_the_first_url)
{
    harness_run_task(redirect_chain);
    ck_assert_uint_eq(run.successes, 2);
    ck_assert_uint_eq(run.failures, 0);
    ck_assert_str_eq(harness_record(0)->name, "/redirect/3");
    ck_assert_str_eq(harness_record(0)->method, "GET");
    ck_assert_str_eq(harness_record(1)->name, "/redirect");
}
END_TEST

/* POSTs to /redirect-to, which sends the given status toward /echo. */
static locust_response *redirected(locust_ctx *ctx, const char *method, int status)
{
    char url[96];
    snprintf(url, sizeof url, "/redirect-to?url=/echo&status=%d", status);
    locust_request_opts o = {.body = "payload", .name = "redirect"};
    return locust_request(ctx, method, url, &o);
}

static void redirect_methods(locust_ctx *ctx)
{
    /* requests: 302 and 303 turn every method but HEAD into GET; 301 only POST. */
    locust_response *r = redirected(ctx, "POST", 302);
    ck_assert_str_eq(echo_str(r, "method"), "GET");
    ck_assert_str_eq(echo_str(r, "body"), "");
    r = redirected(ctx, "PUT", 303);
    ck_assert_str_eq(echo_str(r, "method"), "GET");
    r = redirected(ctx, "POST", 301);
    ck_assert_str_eq(echo_str(r, "method"), "GET");
    r = redirected(ctx, "PUT", 301);
    ck_assert_str_eq(echo_str(r, "method"), "PUT");
    ck_assert_str_eq(echo_str(r, "body"), ""); /* the body is dropped all the same */
    /* 307 and 308 keep the method and the body. */
    r = redirected(ctx, "POST", 307);
    ck_assert_str_eq(echo_str(r, "method"), "POST");
    ck_assert_str_eq(echo_str(r, "body"), "payload");
    r = redirected(ctx, "PATCH", 308);
    ck_assert_str_eq(echo_str(r, "method"), "PATCH");
    ck_assert_str_eq(echo_str(r, "body"), "payload");
    r = redirected(ctx, "HEAD", 302);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_int_eq(locust_response_redirects(r), 1);
}

START_TEST(redirected_methods_follow_requests_and_are_recorded_as_sent)
{
    harness_run_task(redirect_methods);
    static const char *const want[] = {"POST", "PUT", "POST", "PUT", "POST", "PATCH", "HEAD"};
    ck_assert_uint_eq(run.successes, 7);
    for (unsigned i = 0; i < 7; i++) {
        ck_assert_str_eq(harness_record(i)->method, want[i]);
        ck_assert_str_eq(harness_record(i)->name, "redirect");
    }
}
END_TEST

static void too_many_redirects(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/redirect/30", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_int_eq(locust_response_redirects(r), 30);
    r = locust_get(ctx, "/redirect/31", NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_str_eq(locust_response_error(r), "TooManyRedirects('Exceeded 30 redirects.')");
}

START_TEST(more_than_thirty_redirects_fail)
{
    harness_run_task(too_many_redirects);
    ck_assert_uint_eq(run.successes, 1);
    ck_assert_uint_eq(run.failures, 1);
    ck_assert_str_eq(harness_record(1)->name, "/redirect/31");
    ck_assert_str_eq(harness_record(1)->error, "TooManyRedirects('Exceeded 30 redirects.')");
}
END_TEST

/* ---- TLS ---------------------------------------------------------------------------- */

static locust_test_target tls;
static char client_cert[1024], client_key[1024];

static void tls_up(void)
{
    locust_test_data_path(client_cert, sizeof client_cert, "tls-client.pem");
    locust_test_data_path(client_key, sizeof client_key, "tls-client.key");
    ck_assert_int_eq(locust_test_target_start_tls(&tls), 0);
    ck_assert_int_eq(strncmp(tls.host, "https://", 8), 0);
}

static void tls_down(void)
{
    locust_test_target_stop(&tls);
}

static void tls_task(locust_ctx *ctx)
{
    /* The test certificate is self-signed: verification fails unless insecure. */
    locust_response *r = locust_get(ctx, locust_test_target_url(&tls, "/"), NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_msg(strncmp(locust_response_error(r), "SSLError(", 9) == 0, "%s", locust_response_error(r));
    locust_request_opts o = {.insecure = true};
    r = locust_get(ctx, locust_test_target_url(&tls, "/echo"), &o);
    ck_assert_str_eq(echo_str(r, "method"), "GET");
    locust_request_opts c = {.insecure = true, .client_cert = client_cert, .client_key = client_key};
    ck_assert_int_eq(locust_response_status(locust_get(ctx, locust_test_target_url(&tls, "/"), &c)), 200);
    locust_request_opts bad = {.insecure = true, .client_cert = "/nonexistent.pem"};
    r = locust_get(ctx, locust_test_target_url(&tls, "/"), &bad);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_msg(strncmp(locust_response_error(r), "SSLError(", 9) == 0, "%s", locust_response_error(r));
    /* Verification is on again for the next request. */
    r = locust_get(ctx, locust_test_target_url(&tls, "/"), NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
}

START_TEST(https_verifies_certificates_unless_insecure_and_sends_client_certificates)
{
    harness_run_task(tls_task);
    ck_assert_uint_eq(run.successes, 2);
    ck_assert_uint_eq(run.failures, 3);
    ck_assert_uint_eq(run.task_errors, 0);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("session");
    tcase_add_unchecked_fixture(tc, harness_target_up, harness_target_down);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, get_is_recorded_once_as_a_success_under_its_path);
    tcase_add_test(tc, every_method_reaches_the_server_and_is_recorded_verbatim);
    tcase_add_test(tc, params_are_url_encoded_and_part_of_the_default_name);
    tcase_add_test(tc, default_headers_are_sent_and_request_headers_override_them);
    tcase_add_test(tc, form_json_and_raw_bodies_are_sent_with_their_content_types);
    tcase_add_test(tc, two_bodies_fail_the_task_without_a_request);
    tcase_add_test(tc, basic_auth_per_request_per_session_and_from_the_url);
    tcase_add_test(tc, full_urls_are_used_as_they_are_and_paths_joined_to_the_host);
    tcase_add_test(tc, the_cookie_jar_keeps_a_login_session);
    tcase_add_test(tc, cookies_never_leak_between_users);
    tcase_add_test(tc, requests_of_a_session_reuse_its_connection);
    tcase_add_test(tc, gzip_bodies_are_decoded_and_recorded_at_their_decoded_length);
    tcase_add_test(tc, redirects_are_followed_and_recorded_under_the_first_url);
    tcase_add_test(tc, redirected_methods_follow_requests_and_are_recorded_as_sent);
    tcase_add_test(tc, more_than_thirty_redirects_fail);
    suite_add_tcase(s, tc);
    TCase *tt = tcase_create("tls");
    tcase_add_checked_fixture(tt, tls_up, tls_down);
    tcase_add_test(tt, https_verifies_certificates_unless_insecure_and_sends_client_certificates);
    suite_add_tcase(s, tt);
    return testutil_run(s);
}
