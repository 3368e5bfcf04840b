/*
 * Proxies (requests' proxies=, .proxy and locust_http_set_proxy()), through
 * a real forward proxy of the test's own (tests/lib/mini_proxy.c): an
 * http:// request goes to it in absolute form; an https:// one through a
 * tunnel it opens on CONNECT, with TLS end to end to the demo target. Either
 * way a task and the statistics see what a direct request gives, every
 * request is counted once, and a proxy that fails is reported in curl's
 * words.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_harness.h"
#include "mini_proxy.h"
#include "testutil.h"

static mini_proxy proxy;
static char proxy_url[128];

/* A proxy of the test's own on a free port, and its URL (with `userinfo@` when not NULL). */
static void proxy_up(const char *userinfo)
{
    ck_assert_int_eq(mini_proxy_start(&proxy), 0);
    snprintf(proxy_url, sizeof proxy_url, "http://%s%s127.0.0.1:%u", userinfo ? userinfo : "",
             userinfo ? "@" : "", proxy.port);
}

/* ---- http:// through the proxy ------------------------------------------------------- */

static char dead_proxy_url[64];

static void through_proxies(locust_ctx *ctx)
{
    /* Per request. */
    locust_response *r = locust_get(ctx, "/echo?via=request", &(locust_request_opts){.proxy = proxy_url});
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_str_eq(harness_echo_field(r, "headers", "Via"), "1.1 mini-proxy");
    ck_assert_uint_eq(atomic_load(&proxy.requests), 1);
    char line[512], want[512];
    mini_proxy_last_line(&proxy, line, sizeof line);
    snprintf(want, sizeof want, "GET %s HTTP/1.1", locust_test_target_url(&target, "/echo?via=request"));
    ck_assert_str_eq(line, want);
    /* Without one, straight to the target. */
    r = locust_get(ctx, "/echo", NULL);
    ck_assert_str_eq(harness_echo_field(r, "headers", "Via"), "");
    ck_assert_uint_eq(atomic_load(&proxy.requests), 1);

    /* Per session; "" goes direct; a redirect's hops go through it too. */
    ck_assert_int_eq(locust_http_set_proxy(locust_client(ctx), proxy_url), 0);
    r = locust_post(ctx, "/echo", &(locust_request_opts){.body = "payload"});
    ck_assert_str_eq(harness_echo_field(r, NULL, "body"), "payload");
    ck_assert_str_eq(harness_echo_field(r, "headers", "Via"), "1.1 mini-proxy");
    r = locust_get(ctx, "/echo", &(locust_request_opts){.proxy = ""});
    ck_assert_str_eq(harness_echo_field(r, "headers", "Via"), "");
    ck_assert_uint_eq(atomic_load(&proxy.requests), 2);
    r = locust_get(ctx, "/redirect/2", NULL);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_uint_eq(atomic_load(&proxy.requests), 5);
    int status;
    const char *url;
    ck_assert_int_eq(locust_response_history_count(r), 2);
    ck_assert_int_eq(locust_response_history(r, 1, &status, &url), 0);
    ck_assert_int_eq(status, 302);
    ck_assert_str_eq(url, locust_test_target_url(&target, "/redirect/1"));

    /* A proxy nobody listens on: requests' ProxyError, status 0. */
    r = locust_get(ctx, "/echo", &(locust_request_opts){.proxy = dead_proxy_url});
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_msg(strncmp(locust_response_error(r), "ProxyError('", 12) == 0, "%s", locust_response_error(r));
    ck_assert_int_eq(locust_http_set_proxy(locust_client(ctx), NULL), 0);
    r = locust_get(ctx, "/echo", NULL);
    ck_assert_str_eq(harness_echo_field(r, "headers", "Via"), "");
    ck_assert_int_eq(locust_http_set_proxy(locust_client(ctx), "http://bad proxy"), LOCUST_EINVAL);
}

START_TEST(requests_go_through_a_proxy_per_request_and_per_session)
{
    proxy_up(NULL);
    mini_proxy dead;
    ck_assert_int_eq(mini_proxy_start(&dead), 0);
    snprintf(dead_proxy_url, sizeof dead_proxy_url, "http://127.0.0.1:%u", dead.port);
    mini_proxy_stop(&dead);
    harness_run_task(through_proxies);
    mini_proxy_stop(&proxy);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 6);
    ck_assert_uint_eq(run.failures, 1);
    ck_assert_str_eq(harness_record(4)->name, "/redirect/2");
    ck_assert_ptr_nonnull(strstr(harness_record(5)->error, "ProxyError("));
    ck_assert_uint_eq(atomic_load(&proxy.connects), 0);
}
END_TEST

/* ---- https:// through a CONNECT tunnel ----------------------------------------------- */

static locust_test_target tls;
static char ca_bundle[1024];

static void tls_up(void)
{
    /* The server's certificate is self-signed: it is its own CA. */
    locust_test_data_path(ca_bundle, sizeof ca_bundle, "tls-server.pem");
    harness_target_up();
    if (locust_test_target_start_tls(&tls) != 0) {
        fprintf(stderr, "cannot start the demo target over TLS\n");
        exit(EXIT_FAILURE);
    }
}

static void tls_down(void)
{
    locust_test_target_stop(&tls);
    harness_target_down();
}

/* How the scenario below reaches the https:// target. */
enum route { DIRECT, PER_REQUEST, PER_SESSION, ROUTES };
static enum route route;

/* The requests of the scenario (and a POST of /echo last), and what each got. */
static const char *const paths[] = {"/echo?q=1",   "/bytes/3000", "/redirect/2",
                                    "/status/404", "/gzip",       "/counter"};
#define N_PATHS (sizeof paths / sizeof paths[0])
static char seen[ROUTES][N_PATHS + 1][4096];

/* The response as the scenario compares it: status, error, then the body (an /echo's without its client
 * port). */
static void keep(char *out, locust_response *r)
{
    const char *error = locust_response_error(r);
    const cJSON *doc = strstr(locust_response_url(r), "/echo") ? locust_response_json(r, NULL) : NULL;
    char *text = NULL;
    if (doc != NULL) {
        cJSON *copy = cJSON_Duplicate(doc, true);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "client_port");
        text = cJSON_PrintUnformatted(copy);
        cJSON_Delete(copy);
    }
    snprintf(out, 4096, "%d %s %s", locust_response_status(r), error ? error : "-",
             text ? text : locust_response_text(r));
    free(text);
}

static void https_scenario(locust_ctx *ctx)
{
    locust_request_opts o = {.ca_bundle = ca_bundle, .proxy = route == PER_REQUEST ? proxy_url : NULL};
    if (route == PER_SESSION) ck_assert_int_eq(locust_http_set_proxy(locust_client(ctx), proxy_url), 0);
    locust_response *r = locust_get(ctx, locust_test_target_url(&tls, "/counter/reset"), &o);
    ck_assert_int_eq(locust_response_status(r), 200);
    for (unsigned i = 0; i < N_PATHS; i++)
        keep(seen[route][i], locust_get(ctx, locust_test_target_url(&tls, paths[i]), &o));
    keep(seen[route][N_PATHS], locust_post(ctx, locust_test_target_url(&tls, "/echo"),
                                           &(locust_request_opts){
                                               .ca_bundle = o.ca_bundle,
                                               .proxy = o.proxy,
                                               .body = "payload",
                                           }));
}

START_TEST(https_goes_through_a_proxy_by_connect_and_gets_what_a_direct_request_gets)
{
    static http_run direct;
    proxy_up(NULL);
    route = DIRECT;
    harness_run_task(https_scenario);
    direct = run;
    ck_assert_uint_eq(direct.task_errors, 0);
    ck_assert_uint_eq(atomic_load(&proxy.connects), 0);
    /* What the scenario gets directly: the redirect followed, the 404 a failure, and at the
     * target the seven requests the five GETs before /counter made (the redirect is three). */
    ck_assert_ptr_nonnull(strstr(seen[DIRECT][0], "\"query\":\"q=1\""));
    ck_assert_int_eq(strncmp(seen[DIRECT][2], "200 - ", 6), 0);
    ck_assert_int_eq(strncmp(seen[DIRECT][3], "404 HTTPError(", 14), 0);
    ck_assert_ptr_nonnull(strstr(seen[DIRECT][5], "{\"requests\":7,"));
    ck_assert_ptr_nonnull(strstr(seen[DIRECT][N_PATHS], "\"body\":\"payload\""));

    for (route = PER_REQUEST; route <= PER_SESSION; route++) {
        unsigned connects = atomic_load(&proxy.connects);
        harness_run_task(https_scenario);
        ck_assert_uint_eq(run.task_errors, 0);
        /* The same answers, and the same stats entries, each request once. */
        for (unsigned i = 0; i <= N_PATHS; i++)
            ck_assert_str_eq(seen[route][i], seen[DIRECT][i]);
        ck_assert_uint_eq(run.successes, direct.successes);
        ck_assert_uint_eq(run.failures, direct.failures);
        ck_assert_uint_eq(run.n_records, direct.n_records);
        for (unsigned i = 0; i < run.n_records; i++) {
            ck_assert_int_eq(run.records[i].success, direct.records[i].success);
            ck_assert_str_eq(run.records[i].method, direct.records[i].method);
            ck_assert_str_eq(run.records[i].name, direct.records[i].name);
            ck_assert_int_eq(run.records[i].length, direct.records[i].length);
            ck_assert_str_eq(run.records[i].error, direct.records[i].error);
        }
        /* All of it through the proxy, in one tunnel (the session keeps its connection): nothing
         * went to it in absolute form. */
        ck_assert_uint_eq(atomic_load(&proxy.connects), connects + 1);
        ck_assert_uint_eq(atomic_load(&proxy.requests), 0);
        char line[512], want[512];
        mini_proxy_last_line(&proxy, line, sizeof line);
        snprintf(want, sizeof want, "CONNECT 127.0.0.1:%u HTTP/1.1", tls.port);
        ck_assert_str_eq(line, want);
    }
    /* The runs are over: their sessions closed each tunnel, and the proxy relayed it to the end. */
    for (int i = 0; i < 500 && atomic_load(&proxy.tunnels) < atomic_load(&proxy.connects); i++)
        usleep(10 * 1000);
    ck_assert_uint_eq(atomic_load(&proxy.tunnels), atomic_load(&proxy.connects));
    mini_proxy_stop(&proxy);
}
END_TEST

/* ---- a proxy that will not tunnel ---------------------------------------------------- */

static char refused_error[512], dropped_error[512];

static void refused_tunnels(locust_ctx *ctx)
{
    const char *url = locust_test_target_url(&tls, "/echo");
    locust_request_opts o = {.ca_bundle = ca_bundle, .proxy = proxy_url}, direct = {.ca_bundle = ca_bundle};
    ck_assert_int_eq(
        locust_response_status(locust_get(ctx, locust_test_target_url(&tls, "/counter/reset"), &direct)),
        200);
    /* "403 Forbidden" to the CONNECT: the request never reaches the target. */
    atomic_store(&proxy.connect_mode, MINI_PROXY_REFUSE);
    locust_response *r = locust_get(ctx, url, &o);
    ck_assert_int_eq(locust_response_status(r), 0);
    snprintf(refused_error, sizeof refused_error, "%s", locust_response_error(r));
    ck_assert_uint_eq(atomic_load(&proxy.connects), 1);
    /* 200, then the tunnel closed before the TLS handshake. */
    atomic_store(&proxy.connect_mode, MINI_PROXY_CLOSE);
    r = locust_get(ctx, url, &o);
    ck_assert_int_eq(locust_response_status(r), 0);
    snprintf(dropped_error, sizeof dropped_error, "%s", locust_response_error(r));
    ck_assert_uint_eq(atomic_load(&proxy.connects), 2);
    /* A proxy that tunnels again serves the same session. */
    atomic_store(&proxy.connect_mode, MINI_PROXY_TUNNEL);
    r = locust_get(ctx, url, &o);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_str_eq(harness_echo_field(r, NULL, "path"), "/echo");
    ck_assert_uint_eq(atomic_load(&proxy.connects), 3);
    /* Of the three, only that one reached the target. */
    r = locust_get(ctx, locust_test_target_url(&tls, "/counter"), &direct);
    ck_assert_ptr_nonnull(strstr(locust_response_text(r), "{\"requests\":1,"));
}

START_TEST(a_proxy_that_refuses_or_drops_the_tunnel_fails_the_request_in_curls_words)
{
    proxy_up(NULL);
    harness_run_task(refused_tunnels);
    mini_proxy_stop(&proxy);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.failures, 2);
    ck_assert_uint_eq(run.successes, 3);
    ck_assert_uint_eq(run.n_records, 5);
    /* requests: ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 403 ...')). */
    ck_assert_str_eq(refused_error, "ProxyError('CONNECT tunnel failed, response 403')");
    /* requests: SSLError (the handshake found the connection closed); curl's words end in a space. */
    char want[256];
    snprintf(want, sizeof want,
             "SSLError('OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:%u ')", tls.port);
    ck_assert_str_eq(dropped_error, want);
    /* Each request recorded once, under its name; the two failures with those words. */
    ck_assert_str_eq(harness_record(1)->error, refused_error);
    ck_assert_str_eq(harness_record(2)->error, dropped_error);
    for (unsigned i = 1; i <= 3; i++)
        ck_assert_str_eq(harness_record(i)->name, "/echo");
}
END_TEST

/* ---- proxy credentials --------------------------------------------------------------- */

static char anonymous_url[64], https_407[512];

static void with_credentials(locust_ctx *ctx)
{
    locust_request_opts o = {.ca_bundle = ca_bundle, .proxy = proxy_url};
    /* From the proxy URL's userinfo, to the proxy only: by CONNECT for https://, ... */
    locust_response *r = locust_get(ctx, locust_test_target_url(&tls, "/echo"), &o);
    ck_assert_msg(locust_response_status(r) == 200, "%s", locust_response_error(r));
    ck_assert_str_eq(harness_echo_field(r, "headers", "Proxy-Authorization"), "");
    ck_assert_uint_eq(atomic_load(&proxy.connects), 1);
    /* ... and with the request itself for http://. */
    r = locust_get(ctx, "/echo", &o);
    ck_assert_int_eq(locust_response_status(r), 200);
    ck_assert_str_eq(harness_echo_field(r, "headers", "Via"), "1.1 mini-proxy");
    ck_assert_uint_eq(atomic_load(&proxy.requests), 1);
    /* Without them the proxy answers 407: the https:// request fails, the http:// one gets the answer. */
    o.proxy = anonymous_url;
    r = locust_get(ctx, locust_test_target_url(&tls, "/echo"), &o);
    ck_assert_int_eq(locust_response_status(r), 0);
    snprintf(https_407, sizeof https_407, "%s", locust_response_error(r));
    r = locust_get(ctx, "/echo", &o);
    ck_assert_int_eq(locust_response_status(r), 407);
    ck_assert_uint_eq(atomic_load(&proxy.connects), 2);
    ck_assert_uint_eq(atomic_load(&proxy.requests), 2);
}

START_TEST(proxy_credentials_come_from_the_proxy_url)
{
    proxy_up("alice:s3cret");
    /* base64("alice:s3cret") */
    mini_proxy_require(&proxy, "Basic YWxpY2U6czNjcmV0");
    snprintf(anonymous_url, sizeof anonymous_url, "http://127.0.0.1:%u", proxy.port);
    harness_run_task(with_credentials);
    mini_proxy_stop(&proxy);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 2);
    ck_assert_uint_eq(run.failures, 2);
    ck_assert_str_eq(https_407, "ProxyError('CONNECT tunnel failed, response 407')");
    ck_assert_str_eq(harness_record(2)->error, https_407);
    char want[256];
    snprintf(want, sizeof want, "HTTPError('407 Client Error: Proxy Authentication Required for url: %s')",
             locust_test_target_url(&target, "/echo"));
    ck_assert_str_eq(harness_record(3)->error, want);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_proxy");
    TCase *tc = tcase_create("proxy");
    tcase_add_unchecked_fixture(tc, tls_up, tls_down);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, requests_go_through_a_proxy_per_request_and_per_session);
    tcase_add_test(tc, https_goes_through_a_proxy_by_connect_and_gets_what_a_direct_request_gets);
    tcase_add_test(tc, a_proxy_that_refuses_or_drops_the_tunnel_fails_the_request_in_curls_words);
    tcase_add_test(tc, proxy_credentials_come_from_the_proxy_url);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
