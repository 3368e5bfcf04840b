/*
 * The rest of requests' options, against the demo target: multipart
 * uploads (files=), digest and the other auth schemes, and what a response
 * tells: its redirect history, the cookies it set, raise_for_status() and
 * is_redirect (proxies= are tests/test_http_proxy.c's). Every request is counted once, redirects and auth
 * challenges included.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_harness.h"
#include "testutil.h"

static char url_buf[8][512];
static unsigned url_next;

/* An absolute URL of the demo target (a ring of buffers, as locust_test_target_url()). */
static const char *turl(const char *path)
{
    char *b = url_buf[url_next++ % 8];
    snprintf(b, sizeof url_buf[0], "http://127.0.0.1:%u%s", target.port, path);
    return b;
}

/* ---- multipart uploads ----------------------------------------------------------- */

static char upload_path[64];

static void uploads(locust_ctx *ctx)
{
    static const char *const form[] = {"title", "report", NULL};
    static const char *const part_hdrs[] = {"X-Part: 7", NULL};
    const locust_file_part files[] = {
        {.field = "doc", .path = upload_path},
        {.field = "mem",
         .filename = "notes.txt",
         .data = "in memory",
         .content_type = "text/plain",
         .headers = part_hdrs},
        {.field = "bare", .data = "no name"},
        {0},
    };
    /* A plain request first: the session keeps its header lists, which an upload must not take. */
    locust_response *r = locust_post(ctx, "/echo", &(locust_request_opts){.body = "raw"});
    ck_assert_str_eq(harness_echo_field(r, "headers", "Content-Type"), "");
    r = locust_post(ctx, "/echo", &(locust_request_opts){.form = form, .files = files});
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_str_eq(harness_echo_field(r, NULL, "method"), "POST");
    const char *ct = harness_echo_field(r, "headers", "Content-Type");
    ck_assert_msg(strncmp(ct, "multipart/form-data; boundary=", 30) == 0, "%s", ct);
    const char *body = harness_echo_field(r, NULL, "body");
    /* requests' order: the data fields, then the files. */
    const char *title = strstr(body, "Content-Disposition: form-data; name=\"title\"\r\n\r\nreport\r\n");
    char doc_head[160];
    snprintf(doc_head, sizeof doc_head, "Content-Disposition: form-data; name=\"doc\"; filename=\"%s\"",
             strrchr(upload_path, '/') + 1);
    const char *doc = strstr(body, doc_head);
    const char *mem = strstr(body, "Content-Disposition: form-data; name=\"mem\"; filename=\"notes.txt\"\r\n"
                                   "Content-Type: text/plain\r\nX-Part: 7\r\n\r\nin memory\r\n");
    const char *bare = strstr(body, "name=\"bare\"; filename=\"bare\"");
    ck_assert_msg(title && doc && mem && bare, "%s", body);
    ck_assert(title < doc && doc < mem && mem < bare);
    ck_assert_ptr_nonnull(strstr(doc, "\r\n\r\nfile contents\nline 2\n\r\n"));

    /* A 307 keeps the upload (and its method); a 303 drops it for a GET. */
    char to[256];
    snprintf(to, sizeof to, "/redirect-to?url=%s&status=307", "/echo");
    r = locust_put(ctx, to, &(locust_request_opts){.files = files});
    ck_assert_str_eq(harness_echo_field(r, NULL, "method"), "PUT");
    ck_assert_ptr_nonnull(strstr(harness_echo_field(r, NULL, "body"), "in memory"));
    snprintf(to, sizeof to, "/redirect-to?url=%s&status=303", "/echo");
    r = locust_post(ctx, to, &(locust_request_opts){.files = files});
    ck_assert_str_eq(harness_echo_field(r, NULL, "method"), "GET");
    ck_assert_str_eq(harness_echo_field(r, NULL, "body"), "");
    ck_assert_str_eq(harness_echo_field(r, "headers", "Content-Type"), "");

    /* Only files, no form; then the next request of the session sends no upload. */
    r = locust_post(ctx, "/echo", &(locust_request_opts){.files = files + 1});
    ck_assert_msg(
        strncmp(harness_echo_field(r, "headers", "Content-Type"), "multipart/form-data; boundary=", 30) == 0,
        "%s", locust_response_text(r));
    r = locust_post(ctx, "/echo", &(locust_request_opts){.body = "raw"});
    ck_assert_str_eq(harness_echo_field(r, NULL, "body"), "raw");
    ck_assert_str_eq(harness_echo_field(r, "headers", "Content-Type"), "");
}

START_TEST(multipart_uploads_send_the_form_fields_then_the_files)
{
    strcpy(upload_path, "/tmp/locust-upload-XXXXXX");
    int fd = mkstemp(upload_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "file contents\nline 2\n", 21), 21);
    close(fd);
    harness_run_task(uploads);
    unlink(upload_path);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 6);
    ck_assert_uint_eq(run.failures, 0);
    ck_assert_str_eq(harness_record(1)->name, "/echo");
}
END_TEST

static void upload_missing(locust_ctx *ctx)
{
    const locust_file_part files[] = {{.field = "f", .path = "/nonexistent/locust/upload.bin"}, {0}};
    locust_post(ctx, "/echo", &(locust_request_opts){.files = files});
    ck_abort_msg("unreachable");
}

static void upload_directory(locust_ctx *ctx)
{
    const locust_file_part files[] = {{.field = "f", .path = "/tmp"}, {0}};
    locust_post(ctx, "/echo", &(locust_request_opts){.files = files});
    ck_abort_msg("unreachable");
}

static void upload_without_content(locust_ctx *ctx)
{
    const locust_file_part files[] = {{.field = "a", .data = "x"}, {.field = "empty"}, {0}};
    locust_post(ctx, "/echo", &(locust_request_opts){.files = files});
    ck_abort_msg("unreachable");
}

static void upload_with_body(locust_ctx *ctx)
{
    const locust_file_part files[] = {{.field = "f", .data = "x"}, {0}};
    locust_post(ctx, "/echo", &(locust_request_opts){.files = files, .body = "raw"});
    ck_abort_msg("unreachable");
}

START_TEST(a_missing_upload_file_fails_the_task_naming_it)
{
    harness_run_task(upload_missing);
    ck_assert_uint_eq(run.successes + run.failures, 0);
    ck_assert_uint_eq(run.task_errors, 1);
    ck_assert_msg(strstr(run.task_error, "FileNotFoundError: [Errno 2] No such file or directory: "
                                         "'/nonexistent/locust/upload.bin'") != NULL,
                  "%s", run.task_error);
    harness_run_task(upload_directory);
    ck_assert_uint_eq(run.successes + run.failures, 0);
    ck_assert_str_eq(run.task_error, "locust_request: IsADirectoryError: [Errno 21] Is a directory: '/tmp'");
    harness_run_task(upload_without_content);
    ck_assert_uint_eq(run.successes + run.failures, 0);
    ck_assert_str_eq(run.task_error,
                     "locust_request: .files[1] ('empty') needs exactly one of .path and .data");
    harness_run_task(upload_with_body);
    ck_assert_uint_eq(run.successes + run.failures, 0);
    ck_assert_ptr_nonnull(strstr(run.task_error, "give .files with .form only"));
}
END_TEST

/* ---- authentication schemes ------------------------------------------------------------- */

static void digest_auth(locust_ctx *ctx)
{
    locust_request_opts o = {
        .auth_user = "alice", .auth_password = "s3cret", .auth_type = LOCUST_AUTH_DIGEST};
    locust_response *r = locust_get(ctx, "/digest-auth/alice/s3cret", &o);
    ck_assert_int_eq(locust_response_status(r), 200);
    const cJSON *doc = locust_response_json(r, NULL);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "authenticated")));
    /* Sent as basic credentials, they are refused with a digest challenge. */
    r = locust_get(ctx, "/digest-auth/alice/s3cret",
                   &(locust_request_opts){.auth_user = "alice", .auth_password = "s3cret"});
    ck_assert_int_eq(locust_response_status(r), 401);
    const char *challenge = locust_response_header(r, "WWW-Authenticate");
    ck_assert_ptr_nonnull(challenge);
    ck_assert_msg(strncmp(challenge, "Digest ", 7) == 0 &&
                      strstr(challenge, "realm=\"locust-demo-target\"") && strstr(challenge, "nonce=\"") &&
                      strstr(challenge, "qop=\"auth\""),
                  "%s", challenge);
    /* A wrong password or user is refused. */
    o.auth_password = "wrong";
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/digest-auth/alice/s3cret", &o)), 401);
    o.auth_user = "bob", o.auth_password = "s3cret";
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/digest-auth/alice/s3cret", &o)), 401);
    /* Session-wide credentials and scheme. */
    locust_http *h = locust_client(ctx);
    ck_assert_int_eq(locust_http_set_auth(h, "alice", "s3cret"), 0);
    ck_assert_int_eq(locust_http_set_auth_type(h, LOCUST_AUTH_DIGEST), 0);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/digest-auth/alice/s3cret", NULL)), 200);
    /* ANY takes whichever the server offers. */
    ck_assert_int_eq(locust_http_set_auth_type(h, LOCUST_AUTH_ANY), 0);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/digest-auth/alice/s3cret", NULL)), 200);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/basic-auth/alice/s3cret", NULL)), 200);
    /* ANYSAFE never sends basic credentials: the basic route refuses it. */
    ck_assert_int_eq(locust_http_set_auth_type(h, LOCUST_AUTH_ANYSAFE), 0);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/basic-auth/alice/s3cret", NULL)), 401);
    ck_assert_int_eq(locust_http_set_auth_type(h, 99), LOCUST_EINVAL);
    /* Basic, the default, on the basic route. */
    ck_assert_int_eq(locust_http_set_auth_type(h, LOCUST_AUTH_BASIC), 0);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/basic-auth/alice/s3cret", NULL)), 200);
}

START_TEST(digest_and_other_auth_schemes_answer_the_servers_challenge)
{
    harness_run_task(digest_auth);
    ck_assert_uint_eq(run.task_errors, 0);
    /* One record per request, though a digest exchange takes two HTTP requests. */
    ck_assert_uint_eq(run.successes, 5);
    ck_assert_uint_eq(run.failures, 4);
    ck_assert_str_eq(harness_record(0)->name, "/digest-auth/alice/s3cret");
    ck_assert(harness_record(0)->success);
    ck_assert_ptr_nonnull(strstr(harness_record(1)->error, "401 Client Error: Unauthorized"));
}
END_TEST

/* ---- what a response tells --------------------------------------------------------------- */

static void history(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/redirect/3", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_int_eq(locust_response_history_count(r), 3);
    int status;
    const char *url;
    for (int i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof path, "/redirect/%d", 3 - i);
        ck_assert_int_eq(locust_response_history(r, i, &status, &url), 0);
        ck_assert_int_eq(status, 302);
        ck_assert_str_eq(url, turl(path));
    }
    ck_assert_int_eq(locust_response_history(r, 3, &status, &url), LOCUST_EINVAL);
    ck_assert_int_eq(locust_response_history(r, -1, &status, &url), LOCUST_EINVAL);
    ck_assert_str_eq(locust_response_url(r), turl("/"));
    ck_assert(!locust_response_is_redirect(r));

    r = locust_get(ctx, "/redirect-to?url=/redirect/1&status=308", NULL);
    ck_assert_int_eq(locust_response_history_count(r), 2);
    ck_assert_int_eq(locust_response_history(r, 0, &status, &url), 0);
    ck_assert_int_eq(status, 308);
    ck_assert_str_eq(url, turl("/redirect-to?url=/redirect/1&status=308"));
    ck_assert_int_eq(locust_response_history(r, 1, &status, NULL), 0);
    ck_assert_int_eq(status, 302);

    /* Not followed: no history, and the response is itself a redirect. */
    r = locust_get(ctx, "/redirect-to?url=/&status=301", &(locust_request_opts){.no_redirects = true});
    ck_assert_int_eq(locust_response_history_count(r), 0);
    ck_assert(locust_response_is_redirect(r));
    ck_assert(locust_response_is_permanent_redirect(r));
    r = locust_get(ctx, "/redirect-to?url=/&status=307", &(locust_request_opts){.no_redirects = true});
    ck_assert(locust_response_is_redirect(r));
    ck_assert(!locust_response_is_permanent_redirect(r));
    /* A 3xx without Location is no redirect (requests' rule). */
    r = locust_get(ctx, "/status/302", NULL);
    ck_assert_int_eq(locust_response_status(r), 302);
    ck_assert(!locust_response_is_redirect(r));
    ck_assert_int_eq(locust_response_history_count(locust_get(ctx, "/", NULL)), 0);
}

START_TEST(a_response_lists_the_redirects_followed_to_it)
{
    harness_run_task(history);
    ck_assert_uint_eq(run.task_errors, 0);
    /* Each request once, however many hops. */
    ck_assert_uint_eq(run.successes + run.failures, 6);
    ck_assert_str_eq(harness_record(0)->name, "/redirect/3");
}
END_TEST

static void cookies(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/login?user=ann", NULL);
    ck_assert_int_eq(locust_response_cookie_count(r), 1);
    const char *name, *value;
    ck_assert_int_eq(locust_response_cookie_at(r, 0, &name, &value), 0);
    ck_assert_str_eq(name, "session");
    ck_assert_int_eq(strlen(value), 32);
    ck_assert_str_eq(locust_response_cookie(r, "session"), value);
    ck_assert_str_eq(locust_http_cookie(locust_client(ctx), "session"), value);
    ck_assert_ptr_null(locust_response_cookie(r, "other"));
    ck_assert_int_eq(locust_response_cookie_at(r, 1, &name, &value), LOCUST_EINVAL);
    /* A response that sets none has none, though the session holds one. */
    r = locust_get(ctx, "/profile", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_int_eq(locust_response_cookie_count(r), 0);
    /* A deletion (Max-Age=0) is not a cookie the response set. */
    r = locust_get(ctx, "/logout", NULL);
    ck_assert_int_eq(locust_response_cookie_count(r), 0);
    /* Through curl (a proxy-free path that curl takes: a digest request) it is the same. */
    r = locust_get(ctx, "/login?user=bo",
                   &(locust_request_opts){.auth_user = "u", .auth_type = LOCUST_AUTH_DIGEST});
    ck_assert_int_eq(locust_response_cookie_count(r), 1);
    /* Only the final hop's: the login's cookie is not the redirect's. */
    r = locust_get(ctx, "/redirect-to?url=/login", NULL);
    ck_assert_int_eq(locust_response_history_count(r), 1);
    ck_assert_int_eq(locust_response_cookie_count(r), 1);
}

START_TEST(a_response_lists_the_cookies_it_set)
{
    harness_run_task(cookies);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 5);
}
END_TEST

static char want404[256], want503[256];

static void raise_for_status(locust_ctx *ctx)
{
    const char *text = "unset";
    locust_response *r = locust_get(ctx, "/", NULL);
    ck_assert_int_eq(locust_response_raise_for_status(r, &text), 0);
    ck_assert_ptr_null(text);
    r = locust_get(ctx, "/status/404", NULL);
    ck_assert_int_eq(locust_response_raise_for_status(r, &text), LOCUST_EHTTP);
    ck_assert_str_eq(text, want404);
    /* catch_response: the response is marked failed now, once. */
    r = locust_get(ctx, "/status/503", &(locust_request_opts){.catch_response = true});
    ck_assert_int_eq(locust_response_raise_for_status(r, &text), LOCUST_EHTTP);
    ck_assert_str_eq(text, want503);
    ck_assert_int_eq(locust_response_raise_for_status(r, NULL), LOCUST_EHTTP);
    r = locust_get(ctx, "/status/201", &(locust_request_opts){.catch_response = true});
    ck_assert_int_eq(locust_response_raise_for_status(r, NULL), 0);
    locust_response_free(r); /* reported now: a success */
    /* As in Python, the exception then fails the task. */
    r = locust_get(ctx, "/status/404", NULL);
    if (locust_response_raise_for_status(r, &text) != 0) locust_fail(ctx, "HTTPError: %s", text);
    ck_abort_msg("unreachable");
}

START_TEST(raise_for_status_fails_with_requests_words)
{
    snprintf(want404, sizeof want404, "404 Client Error: Not Found for url: http://127.0.0.1:%u/status/404",
             target.port);
    snprintf(want503, sizeof want503,
             "503 Server Error: Service Unavailable for url: http://127.0.0.1:%u/status/503", target.port);
    harness_run_task(raise_for_status);
    ck_assert_uint_eq(run.n_records, 5);
    ck_assert(harness_record(0)->success);
    char want[300];
    snprintf(want, sizeof want, "HTTPError('%s')", want503);
    ck_assert_str_eq(harness_record(2)->name, "/status/503");
    ck_assert_str_eq(harness_record(2)->error, want);
    ck_assert_str_eq(harness_record(3)->name, "/status/201");
    ck_assert(harness_record(3)->success);
    ck_assert_uint_eq(run.task_errors, 1);
    snprintf(want, sizeof want, "HTTPError: %s", want404);
    ck_assert_str_eq(run.task_error, want);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_options");
    TCase *tc = tcase_create("options");
    tcase_add_unchecked_fixture(tc, harness_target_up, harness_target_down);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, multipart_uploads_send_the_form_fields_then_the_files);
    tcase_add_test(tc, a_missing_upload_file_fails_the_task_naming_it);
    tcase_add_test(tc, digest_and_other_auth_schemes_answer_the_servers_challenge);
    tcase_add_test(tc, a_response_lists_the_redirects_followed_to_it);
    tcase_add_test(tc, a_response_lists_the_cookies_it_set);
    tcase_add_test(tc, raise_for_status_fails_with_requests_words);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
