/*
 * The hops that go over the session's own connection besides an IP
 * address: host names, resolved once per runner (http_resolve.c) from a
 * DNS server of the test's own on loopback, and the curl words for a name
 * that does not resolve.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_internal.h"
#include "http/http_resolve.h"
#include "http_harness.h"
#include "port_helper.h"
#include "testutil.h"

/* ---- a DNS server on loopback ------------------------------------------------ */

/*
 * Answers A and AAAA questions for a few names: "svc.test" is 127.0.0.1,
 * "both.test" is ::1 and 127.0.0.1, "v6.test" is ::1 only; every other
 * name is NXDOMAIN. It counts the questions per name.
 */
static int dns_fd = -1, dns_port;
static pthread_t dns_thread;
static atomic_bool dns_stop;
static atomic_int q_svc, q_other;
static char dns_servers[64];

/* The question's name as "a.b.c", from the labels at p; returns the end of the name or NULL. */
static const unsigned char *qname(const unsigned char *p, const unsigned char *end, char *out, size_t n)
{
    size_t o = 0;
    while (p < end && *p != 0) {
        size_t l = *p++;
        if (l > 63 || p + l > end || o + l + 2 > n) return NULL;
        if (o) out[o++] = '.';
        memcpy(out + o, p, l);
        o += l;
        p += l;
    }
    out[o] = '\0';
    return p < end ? p + 1 : NULL;
}

static size_t dns_answer(const unsigned char *q, size_t qn, unsigned char *r)
{
    char name[256];
    const unsigned char *e = qn > 12 ? qname(q + 12, q + qn, name, sizeof name) : NULL;
    if (e == NULL || e + 4 > q + qn) return 0;
    unsigned qtype = (unsigned)(e[0] << 8 | e[1]);
    size_t qlen = (size_t)(e + 4 - q);
    memcpy(r, q, qlen);
    bool v4 = strcmp(name, "svc.test") == 0 || strcmp(name, "both.test") == 0;
    bool v6 = strcmp(name, "both.test") == 0 || strcmp(name, "v6.test") == 0;
    bool known = v4 || v6;
    atomic_fetch_add(strcmp(name, "svc.test") == 0 ? &q_svc : &q_other, 1);
    r[2] = 0x81;
    r[3] = known ? 0x80 : 0x83; /* NXDOMAIN for the rest */
    r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
    size_t o = qlen;
    bool ans = (qtype == 1 && v4) || (qtype == 28 && v6);
    if (ans) {
        static const unsigned char a4[] = {127, 0, 0, 1};
        unsigned char a6[16] = {0};
        a6[15] = 1;
        const unsigned char *ad = qtype == 1 ? a4 : a6;
        size_t al = qtype == 1 ? 4 : 16;
        unsigned char rr[] = {0xc0, 0x0c, 0, (unsigned char)qtype, 0, 1, 0, 0, 0, 60, 0, (unsigned char)al};
        memcpy(r + o, rr, sizeof rr);
        o += sizeof rr;
        memcpy(r + o, ad, al);
        o += al;
        r[7] = 1;
    }
    return o;
}

static void *dns_main(void *arg)
{
    (void)arg;
    unsigned char q[512], r[600];
    while (!atomic_load(&dns_stop)) {
        struct pollfd p = {.fd = dns_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(dns_fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        size_t rn = n > 0 ? dns_answer(q, (size_t)n, r) : 0;
        if (rn > 0) sendto(dns_fd, r, rn, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

/* A checked fixture: the server thread runs in the test's own process. */
static void dns_up(void)
{
    dns_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(dns_fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(dns_fd, (struct sockaddr *)&a, &len), 0);
    dns_port = ntohs(a.sin_port);
    snprintf(dns_servers, sizeof dns_servers, "127.0.0.1:%d", dns_port);
    locust__dns_servers = dns_servers;
    atomic_store(&dns_stop, false);
    ck_assert_int_eq(pthread_create(&dns_thread, NULL, dns_main, NULL), 0);
}

static void dns_down(void)
{
    atomic_store(&dns_stop, true);
    pthread_join(dns_thread, NULL);
    close(dns_fd);
    locust__dns_servers = NULL;
    locust__dns_ttl = 0;
}

/* ---- host names ------------------------------------------------------------------ */

static char url_buf[4][256];

static const char *name_url(int i, const char *name, const char *path)
{
    snprintf(url_buf[i], sizeof url_buf[i], "http://%s:%u%s", name, target.port, path);
    return url_buf[i];
}

static double client_port(locust_response *r)
{
    ck_assert_int_eq(locust_response_status(r), 200);
    const cJSON *doc = locust_response_json(r, NULL);
    ck_assert_ptr_nonnull(doc);
    return cJSON_GetObjectItem(doc, "client_port")->valuedouble;
}

static void localhost_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    double port = client_port(locust_get(ctx, name_url(0, "localhost", "/echo"), NULL));
    ck_assert_msg(h->hop_native, "a host name went through curl");
    for (int i = 0; i < 5; i++) {
        ck_assert_double_eq(client_port(locust_get(ctx, name_url(0, "localhost", "/echo"), NULL)), port);
        ck_assert(h->hop_native);
    }
    /* The Host header is the name, as curl sends it. */
    locust_response *r = locust_get(ctx, name_url(0, "localhost", "/echo"), NULL);
    const cJSON *hdrs = cJSON_GetObjectItem(locust_response_json(r, NULL), "headers");
    ck_assert_str_eq(cJSON_GetObjectItem(hdrs, "Host")->valuestring, name_url(1, "localhost", "") + 7);
}

START_TEST(localhost_goes_over_the_sessions_own_connection_and_keeps_it)
{
    harness_run_task(localhost_task);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 7);
}
END_TEST

static void svc_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(locust_response_status(locust_get(ctx, name_url(0, "svc.test", "/"), NULL)), 200);
        ck_assert(h->hop_native);
    }
    locust_stop_user(ctx);
}

START_TEST(a_name_is_resolved_once_per_runner_for_all_its_users)
{
    static const locust_task tasks[] = {LOCUST_TASK(svc_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Svc", .tasks = tasks};
    atomic_store(&q_svc, 0);
    harness_run(&ts, NULL, 30, 1000, 20);
    ck_assert_uint_eq(run.successes, 90);
    ck_assert_uint_eq(run.task_errors, 0);
    /* One A and one AAAA question, whatever the number of users. */
    ck_assert_int_eq(atomic_load(&q_svc), 2);
}
END_TEST

static void refresh_task(locust_ctx *ctx)
{
    static const char *const close_hdr[] = {"Connection: close", NULL};
    locust_request_opts o = {.headers = close_hdr};
    ck_assert_int_eq(locust_response_status(locust_get(ctx, name_url(0, "svc.test", "/"), &o)), 200);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, name_url(0, "svc.test", "/"), &o)), 200);
    ck_assert_int_eq(atomic_load(&q_svc), 2); /* within the time a name is kept */
    locust_sleep(ctx, 600);
    /* Old: the addresses serve this connection while the name is asked for again. */
    ck_assert_int_eq(locust_response_status(locust_get(ctx, name_url(0, "svc.test", "/"), &o)), 200);
    locust_sleep(ctx, 200);
    ck_assert_int_eq(atomic_load(&q_svc), 4);
}

START_TEST(a_name_is_resolved_again_once_it_is_older_than_its_time_to_live)
{
    atomic_store(&q_svc, 0);
    locust__dns_ttl = 0.5;
    harness_run_task(refresh_task);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 3);
}
END_TEST

static void families_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    /* ::1 comes first and refuses (the target listens on 127.0.0.1): the next address serves. */
    ck_assert_int_eq(locust_response_status(locust_get(ctx, name_url(0, "both.test", "/"), NULL)), 200);
    ck_assert(h->hop_native);
    /* Only ::1, which refuses: the words are those curl gives for the address itself
     * (the wire hands a hop to an IP address that fails to connect to curl). */
    char via_curl[256], want[256];
    snprintf(url_buf[2], sizeof url_buf[2], "http://[::1]:%u/", target.port);
    snprintf(via_curl, sizeof via_curl, "%s", locust_response_error(locust_get(ctx, url_buf[2], NULL)));
    ck_assert(!h->hop_native);
    const char *ip = strstr(via_curl, "::1 port");
    ck_assert_msg(ip != NULL, "%s", via_curl);
    snprintf(want, sizeof want, "%.*sv6.test%s", (int)(ip - via_curl), via_curl, ip + 3);
    locust_response *r = locust_get(ctx, name_url(0, "v6.test", "/"), NULL);
    ck_assert_int_eq(locust_response_status(r), 0);
    ck_assert_str_eq(locust_response_error(r), want);
    ck_assert(h->hop_native);
}

START_TEST(every_address_of_a_name_is_tried_in_turn)
{
    harness_run_task(families_task);
    ck_assert_uint_eq(run.successes, 1);
    ck_assert_uint_eq(run.failures, 2);
}
END_TEST

static void unknown_task(locust_ctx *ctx)
{
    for (int i = 0; i < 2; i++) {
        locust_response *r = locust_get(ctx, name_url(0, "nosuch.test", "/x"), NULL);
        ck_assert_int_eq(locust_response_status(r), 0);
        /* curl 7.88's words (Curl_resolver_error), as the curl path gave them. */
        ck_assert_str_eq(locust_response_error(r), "ConnectionError('Could not resolve host: nosuch.test')");
        ck_assert(locust_client(ctx)->hop_native);
    }
}

START_TEST(a_name_that_does_not_resolve_fails_in_curls_words_and_is_asked_for_once)
{
    atomic_store(&q_other, 0);
    harness_run_task(unknown_task);
    ck_assert_uint_eq(run.failures, 2);
    ck_assert_str_eq(harness_record(0)->error, "ConnectionError('Could not resolve host: nosuch.test')");
    ck_assert_int_eq(atomic_load(&q_other), 2); /* A and AAAA, remembered for the second request */
}
END_TEST

/* ---- HTTP/2 on the session's own connection, against nginx speaking h2 ------------------- */

static char ngx_dir[64], h2_url[128];

/*
 * An nginx that speaks HTTP/2 over TLS (ALPN; the test certificate) and
 * answers with the protocol it heard. (curl 7.88 fails concurrent
 * transfers over cleartext HTTP/2 with prior knowledge, "Error in the
 * HTTP2 framing layer", as its own command line tool does: see README.)
 */
static void nginx_up(void)
{
    snprintf(ngx_dir, sizeof ngx_dir, "/tmp/locust-h2-%d", (int)getpid());
    char cmd[1024], conf[PATH_MAX * 3], data[PATH_MAX];
    char rel[PATH_MAX];
    locust_test_data_path(rel, sizeof rel, "");
    ck_assert_ptr_nonnull(realpath(rel, data)); /* nginx reads it from its own prefix */
    snprintf(cmd, sizeof cmd, "mkdir -p %s", ngx_dir);
    ck_assert_int_eq(system(cmd), 0);
    int port = 0, fd = dist_bind_port(0, &port);
    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(
        conf, sizeof conf,
        "worker_processes 1; daemon on; pid %s/nginx.pid; error_log %s/error.log;\n"
        "events { worker_connections 256; }\n"
        "http { access_log off; client_body_temp_path %s;\n"
        "  server { listen 127.0.0.1:%d ssl http2; ssl_certificate %s/tls-server.pem;\n"
        "    ssl_certificate_key %s/tls-server.key; location / { return 200 \"$server_protocol\"; } } }\n",
        ngx_dir, ngx_dir, ngx_dir, port, data, data);
    snprintf(cmd, sizeof cmd, "%s/nginx.conf", ngx_dir);
    FILE *f = fopen(cmd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(conf, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/sbin/nginx -p %s -c %s/nginx.conf", ngx_dir, ngx_dir);
    ck_assert_msg(system(cmd) == 0, "nginx did not start (install-deps.sh installs it)");
    usleep(300000);
    snprintf(h2_url, sizeof h2_url, "https://127.0.0.1:%d/", port);
}

static void nginx_down(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "kill $(cat %s/nginx.pid) 2>/dev/null; sleep 0.2; rm -rf %s", ngx_dir, ngx_dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void h2_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    locust_request_opts o = {.http2 = true, .insecure = true}, tls = {.insecure = true};
    locust_response *r = locust_get(ctx, h2_url, &o);
    ck_assert_msg(locust_response_status(r) == 200, "%s", locust_response_error(r));
    ck_assert_str_eq(locust_response_text(r), "HTTP/2.0");
    ck_assert(h->hop_native && locust__wire_speaks_h2(h->wire));
    ck_assert_int_eq(locust_http_set_http2(h, true), 0);
    for (int i = 0; i < 5; i++) {
        r = locust_get(ctx, h2_url, &tls);
        ck_assert_msg(strcmp(locust_response_text(r), "HTTP/2.0") == 0, "%d %s", locust_response_status(r),
                      locust_response_error(r));
    }
    locust_stop_user(ctx);
}

START_TEST(http2_is_a_request_and_a_session_option_and_goes_over_the_wire)
{
    static const locust_task tasks[] = {LOCUST_TASK(h2_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "H2", .tasks = tasks};
    harness_run(&ts, h2_url, 20, 1000, 20);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 120);
    ck_assert_uint_eq(run.failures, 0);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_hops");
    TCase *tn = tcase_create("host_names");
    tcase_add_unchecked_fixture(tn, harness_target_up, harness_target_down);
    tcase_add_checked_fixture(tn, dns_up, dns_down);
    tcase_set_timeout(tn, 60);
    tcase_add_test(tn, localhost_goes_over_the_sessions_own_connection_and_keeps_it);
    tcase_add_test(tn, a_name_is_resolved_once_per_runner_for_all_its_users);
    tcase_add_test(tn, a_name_is_resolved_again_once_it_is_older_than_its_time_to_live);
    tcase_add_test(tn, every_address_of_a_name_is_tried_in_turn);
    tcase_add_test(tn, a_name_that_does_not_resolve_fails_in_curls_words_and_is_asked_for_once);
    suite_add_tcase(s, tn);
    TCase *th = tcase_create("http2");
    /* Unchecked: the teardown runs (in this process) even when the test fails. */
    tcase_add_unchecked_fixture(th, nginx_up, nginx_down);
    tcase_set_timeout(th, 60);
    tcase_add_test(th, http2_is_a_request_and_a_session_option_and_goes_over_the_wire);
    suite_add_tcase(s, th);
    return testutil_run(s);
}
