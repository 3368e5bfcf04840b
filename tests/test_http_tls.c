/*
 * https:// on the session's own connection (the wire), as a specification
 * and against curl: every scenario below is fetched by one user over the
 * wire and again through curl (the test switch locust__wire_force_curl()),
 * and both must give the task the same status, headers, body and error
 * text; the wire's results must also be what the scenario says.
 *
 * The servers are real: an nginx on 127.0.0.1 with certificates made when
 * the test starts (tests/lib/tls_certs.c: a CA, a good certificate, one
 * for the wrong host, an expired one, one without subjectAltName, and a
 * client certificate that nginx requires on one port), its plain port, and
 * raw TCP listeners that reset, close or stall a handshake.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_internal.h"
#include "http/http_wire.h"
#include "http/http_wire_conn.h"
#include "http_harness.h"
#include "port_helper.h"
#include "testutil.h"
#include "tls_certs.h"

/* nginx's ports, then the raw listeners'. */
enum { GOOD, WRONG, EXPIRED, NOSAN, CLIENT, SNI, OLD, CIPHER, PLAIN, RESET, EOFS, STALL, N_PORTS };
static int ports[N_PORTS];
static char dir[64];
static char ca[PATH_MAX], client_pem[PATH_MAX], client_key[PATH_MAX];

/* ---- the raw listeners: a reset, an end, a stall in the handshake ------------------------ */

static int raw_fd[3], raw_stop[2];
static pthread_t raw_thread;

static void *raw_main(void *arg)
{
    (void)arg;
    int stalled[64], n_stalled = 0;
    for (;;) {
        struct pollfd p[4] = {{raw_stop[0], POLLIN, 0}};
        for (int i = 0; i < 3; i++)
            p[i + 1] = (struct pollfd){raw_fd[i], POLLIN, 0};
        if (poll(p, 4, 1000) < 0 && errno != EINTR) break;
        if (p[0].revents) break;
        for (int i = 0; i < 3; i++) {
            if (!(p[i + 1].revents & POLLIN)) continue;
            int c = accept(raw_fd[i], NULL, NULL);
            if (c < 0) continue;
            if (i == 2) { /* the stall: the connection stays open, silent */
                if (n_stalled < 64)
                    stalled[n_stalled++] = c;
                else
                    close(c);
                continue;
            }
            /* Read the ClientHello (bounded wait), then reset or close. */
            struct pollfd q = {c, POLLIN, 0};
            char buf[8192];
            if (poll(&q, 1, 5000) > 0 && recv(c, buf, sizeof buf, 0) < 0) buf[0] = 0;
            if (i == 0) {
                struct linger l = {1, 0};
                setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            close(c);
        }
    }
    for (int i = 0; i < n_stalled; i++)
        close(stalled[i]);
    return NULL;
}

/* ---- nginx ------------------------------------------------------------------------------------- */

static void start_nginx(void)
{
    char good[PATH_MAX], cert[5][PATH_MAX], key[5][PATH_MAX];
    static const char *const names[] = {"good", "wrong", "expired", "nosan", "good"};
    for (int i = 0; i < 5; i++) {
        tls_certs_path(cert[i], sizeof cert[i], dir, names[i], "pem");
        tls_certs_path(key[i], sizeof key[i], dir, names[i], "key");
    }
    snprintf(good, sizeof good, "%s", cert[0]);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "worker_processes 1; daemon on; pid %s/nginx.pid; error_log %s/error.log;\n"
            "events { worker_connections 256; }\n"
            "http { access_log off; client_body_temp_path %s; default_type text/plain;\n",
            dir, dir, dir);
    for (int i = 0; i < 5; i++) {
        fprintf(f,
                "  server { listen 127.0.0.1:%d ssl; ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_certificate %s; "
                "ssl_certificate_key %s;\n",
                ports[i], cert[i], key[i]);
        if (i == CLIENT)
            fprintf(f,
                    "    ssl_verify_client on; ssl_client_certificate %s;\n"
                    "    location / { return 200 \"$ssl_client_s_dn\\n\"; } }\n",
                    ca);
        else
            fprintf(f,
                    "    location / { add_header X-Test tls; return 200 \"hello over $ssl_protocol\\n\"; }\n"
                    "    location /reused { return 200 \"$ssl_session_reused\"; }\n"
                    "    location /redirect { return 302 /; } }\n");
    }
    /* By SNI: the wrong certificate by default, the good one for a client that names localhost. */
    fprintf(f,
            "  server { listen 127.0.0.1:%d ssl default_server; ssl_certificate %s; ssl_certificate_key %s;\n"
            "    location / { return 200 \"default\\n\"; } }\n"
            "  server { listen 127.0.0.1:%d ssl; server_name localhost; ssl_certificate %s;\n"
            "    ssl_certificate_key %s; location / { return 200 \"named\\n\"; } }\n",
            ports[SNI], cert[WRONG], key[WRONG], ports[SNI], cert[GOOD], key[GOOD]);
    /* Handshakes that fail: TLS 1.1 only (what OpenSSL 3 refuses), and a cipher the client does not offer. */
    fprintf(f,
            "  server { listen 127.0.0.1:%d ssl; ssl_protocols TLSv1.1; ssl_ciphers \"ALL:@SECLEVEL=0\";\n"
            "    ssl_certificate %s; ssl_certificate_key %s; location / { return 200; } }\n"
            "  server { listen 127.0.0.1:%d ssl; ssl_protocols TLSv1.2; ssl_ciphers "
            "ECDHE-ECDSA-CAMELLIA256-SHA384;\n"
            "    ssl_certificate %s; ssl_certificate_key %s; location / { return 200; } }\n",
            ports[OLD], cert[GOOD], key[GOOD], ports[CIPHER], cert[GOOD], key[GOOD]);
    fprintf(f, "  server { listen 127.0.0.1:%d; location / { return 200 \"plain\\n\"; } } }\n", ports[PLAIN]);
    fclose(f);
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "/usr/sbin/nginx -p %s -c %s 2>%s/start.log", dir, path, dir);
    ck_assert_msg(system(cmd) == 0, "nginx did not start (install-deps.sh installs it)");
    /* Ready when every port takes a connection (bounded: 10 s). */
    for (int i = 0; i <= PLAIN; i++) {
        bool up = false;
        for (int tries = 0; tries < 200 && !up; tries++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ports[i])};
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            up = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
            close(fd);
            if (!up) usleep(50000);
        }
        ck_assert_msg(up, "nginx does not listen on port %d", ports[i]);
    }
}

static void servers_up(void)
{
    snprintf(dir, sizeof dir, "/tmp/locust-tls-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(tls_certs_make(dir), 0);
    tls_certs_path(ca, sizeof ca, dir, "ca", "pem");
    tls_certs_path(client_pem, sizeof client_pem, dir, "client", "pem");
    tls_certs_path(client_key, sizeof client_key, dir, "client", "key");
    for (int i = 0; i < N_PORTS; i++) {
        int fd = dist_bind_port(0, &ports[i]);
        ck_assert_int_ge(fd, 0);
        if (i >= RESET) {
            ck_assert_int_eq(listen(fd, 16), 0);
            raw_fd[i - RESET] = fd;
        } else {
            close(fd);
        }
    }
    ck_assert_int_eq(pipe(raw_stop), 0);
    ck_assert_int_eq(pthread_create(&raw_thread, NULL, raw_main, NULL), 0);
    start_nginx();
}

static void servers_down(void)
{
    char cmd[PATH_MAX];
    snprintf(cmd, sizeof cmd, "kill $(cat %s/nginx.pid) 2>/dev/null; sleep 0.2; rm -rf %s", dir, dir);
    if (system(cmd) != 0) fprintf(stderr, "could not stop nginx in %s\n", dir);
    if (write(raw_stop[1], "x", 1) == 1) pthread_join(raw_thread, NULL);
    for (int i = 0; i < 3; i++)
        close(raw_fd[i]);
    close(raw_stop[0]);
    close(raw_stop[1]);
}

/* ---- scenarios ----------------------------------------------------------------------------- */

enum { TRUST_DEFAULT, TRUST_REQUEST, TRUST_SESSION, TRUST_MISSING };
enum { NO_CERT, CLIENT_CERT, MISSING_CERT };

typedef struct step {
    int server;
    const char *host, *path;
    int trust;
    bool insecure;
    int cert;
    bool close; /* sends Connection: close */
    double timeout;
    int status;        /* what the wire must give */
    const char *words; /* in the error text ("" for none) */
} step;

static const step steps[] = {
    /* Session resumption first: a new connection, the same kept alive (and closed by the server),
     * then a new connection that resumes the user's session. */
    {GOOD, "127.0.0.1", "/reused", TRUST_REQUEST, .status = 200},
    {GOOD, "127.0.0.1", "/reused", TRUST_REQUEST, .close = true, .status = 200},
    {GOOD, "127.0.0.1", "/reused", TRUST_REQUEST, .status = 200},
    /* Verified against the test CA, by IP address and by name (SNI), and redirected. */
    {GOOD, "127.0.0.1", "/", TRUST_REQUEST, .status = 200},
    {GOOD, "localhost", "/", TRUST_REQUEST, .status = 200},
    {GOOD, "localhost", "/redirect", TRUST_SESSION, .status = 200},
    /* Not trusted by curl's default bundle, unless verification is off. */
    {GOOD, "127.0.0.1", "/", TRUST_DEFAULT,
     .words = "SSLError('SSL certificate problem: unable to get local "
              "issuer certificate')"},
    {GOOD, "127.0.0.1", "/", TRUST_DEFAULT, .insecure = true, .status = 200},
    /* A CA bundle that cannot be read. */
    {GOOD, "127.0.0.1", "/", TRUST_MISSING,
     .words = "SSLError('error setting certificate file: /nonexistent/ca.pem')"},
    /* The certificate does not name the host. */
    {WRONG, "127.0.0.1", "/", TRUST_REQUEST,
     .words =
         "SSLError(\"SSL: no alternative certificate subject name matches target host name '127.0.0.1'\")"},
    {WRONG, "localhost", "/", TRUST_SESSION,
     .words =
         "SSLError(\"SSL: no alternative certificate subject name matches target host name 'localhost'\")"},
    {WRONG, "127.0.0.1", "/", TRUST_REQUEST, .insecure = true, .status = 200},
    {NOSAN, "localhost", "/", TRUST_REQUEST,
     .words = "SSLError(\"SSL: certificate subject name 'other.example' does not match target host name "
              "'localhost'\")"},
    /* Expired. */
    {EXPIRED, "127.0.0.1", "/", TRUST_REQUEST,
     .words = "SSLError('SSL certificate problem: certificate has expired')"},
    /* nginx requires a client certificate signed by the CA on this port. */
    {CLIENT, "127.0.0.1", "/", TRUST_REQUEST, .status = 400, .words = "HTTPError('400 Client Error"},
    {CLIENT, "127.0.0.1", "/", TRUST_REQUEST, .cert = CLIENT_CERT, .status = 200},
    {CLIENT, "127.0.0.1", "/", TRUST_REQUEST, .cert = MISSING_CERT,
     .words = "SSLError('could not load PEM client certificate from /nonexistent/client.pem"},
    /* SNI names the host (nginx then picks the good certificate), never an IP address. */
    {SNI, "localhost", "/", TRUST_REQUEST, .status = 200},
    {SNI, "127.0.0.1", "/", TRUST_REQUEST,
     .words =
         "SSLError(\"SSL: no alternative certificate subject name matches target host name '127.0.0.1'\")"},
    /* Handshake failures, in OpenSSL's words as curl gives them. */
    {OLD, "127.0.0.1", "/", TRUST_REQUEST, .words = "SSLError('OpenSSL/"},
    {CIPHER, "127.0.0.1", "/", TRUST_REQUEST, .words = "SSLError('OpenSSL/"},
    /* Not TLS at all, and handshakes that end badly. */
    {PLAIN, "127.0.0.1", "/", TRUST_REQUEST, .words = "SSLError('OpenSSL/"},
    {RESET, "127.0.0.1", "/", TRUST_REQUEST, .words = "SSLError('Recv failure: Connection reset by peer')"},
    {EOFS, "127.0.0.1", "/", TRUST_REQUEST,
     .words = "SSLError('OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:"},
    {STALL, "127.0.0.1", "/", TRUST_REQUEST, .timeout = 0.5,
     .words = "ConnectTimeout('Connection to https://127.0.0.1:"},
};
#define N_STEPS (sizeof steps / sizeof steps[0])

/* What one step gave the task. */
typedef struct seen {
    int status;
    char body[256], error[512], headers[512];
    bool native;
    int curl_code;
} seen;

static seen results[2][N_STEPS];
static int path_now; /* 0: the wire, 1: curl */

static void run_steps(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    ck_assert_int_eq(locust_http_set_ca_bundle(NULL, ca), LOCUST_EINVAL);
    ck_assert_int_eq(locust_http_set_ca_bundle(h, ""), LOCUST_EINVAL);
    for (size_t i = 0; i < N_STEPS; i++) {
        const step *s = &steps[i];
        char url[256];
        snprintf(url, sizeof url, "https://%s:%d%s", s->host, ports[s->server], s->path);
        const char *close_hdr[] = {"Connection: close", NULL};
        locust_request_opts o = {
            .insecure = s->insecure, .timeout = s->timeout, .headers = s->close ? close_hdr : NULL};
        if (s->trust == TRUST_REQUEST) o.ca_bundle = ca;
        if (s->trust == TRUST_MISSING) o.ca_bundle = "/nonexistent/ca.pem";
        ck_assert_int_eq(locust_http_set_ca_bundle(h, s->trust == TRUST_SESSION ? ca : NULL), 0);
        if (s->cert == CLIENT_CERT) {
            o.client_cert = client_pem;
            o.client_key = client_key;
        } else if (s->cert == MISSING_CERT) {
            o.client_cert = "/nonexistent/client.pem";
        }
        locust_response *r = locust_get(ctx, url, &o);
        seen *v = &results[path_now][i];
        v->status = locust_response_status(r);
        snprintf(v->body, sizeof v->body, "%s", locust_response_text(r));
        snprintf(v->error, sizeof v->error, "%s", locust_response_error(r) ? locust_response_error(r) : "");
        static const char *const names[] = {"Content-Type", "Content-Length", "Server",
                                            "X-Test",       "Location",       "Connection"};
        size_t n = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            const char *val = locust_response_header(r, names[k]);
            n += (size_t)snprintf(v->headers + n, sizeof v->headers - n, "%s: %s\n", names[k],
                                  val ? val : "-");
        }
        v->native = h->hop_native;
        v->curl_code = (int)h->xfer.result;
        locust_response_free(r);
    }
    locust_stop_user(ctx);
}

static void fetch_all(bool curl)
{
    static const locust_task tasks[] = {LOCUST_TASK(run_steps), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Tls", .tasks = tasks};
    path_now = curl;
    locust__wire_force_curl(curl);
    harness_run(&ts, "https://127.0.0.1", 1, 100, 60);
    locust__wire_force_curl(false);
    ck_assert_uint_eq(run.task_errors, 0);
    /* Each request counted exactly once. */
    ck_assert_uint_eq(run.successes + run.failures, N_STEPS);
}

START_TEST(https_over_the_wire_verifies_resumes_and_fails_in_curls_words)
{
    fetch_all(false);
    unsigned successes = run.successes;
    fetch_all(true);
    ck_assert_uint_eq(run.successes, successes);
    for (size_t i = 0; i < N_STEPS; i++) {
        const step *s = &steps[i];
        const seen *w = &results[0][i], *c = &results[1][i];
        const char *where = s->path;
        ck_assert_msg(w->native, "step %zu (%s) did not go over the wire", i, where);
        ck_assert_msg(!c->native, "step %zu (%s) did not go through curl", i, where);
        ck_assert_msg(w->status == s->status, "step %zu (%s): status %d, want %d (%s)", i, where, w->status,
                      s->status, w->error);
        if (s->words == NULL)
            ck_assert_msg(w->error[0] == '\0', "step %zu (%s): %s", i, where, w->error);
        else
            ck_assert_msg(strstr(w->error, s->words) == w->error, "step %zu: error %s, want %s...", i,
                          w->error, s->words);
        ck_assert_msg(w->status == c->status, "step %zu: status wire %d, curl %d", i, w->status, c->status);
        ck_assert_msg(w->curl_code == c->curl_code, "step %zu: curl code wire %d, curl %d", i, w->curl_code,
                      c->curl_code);
        ck_assert_msg(strcmp(w->error, c->error) == 0, "step %zu:\n wire %s\n curl %s", i, w->error,
                      c->error);
        ck_assert_msg(strcmp(w->body, c->body) == 0, "step %zu:\n wire %s\n curl %s", i, w->body, c->body);
        ck_assert_msg(strcmp(w->headers, c->headers) == 0, "step %zu:\n wire %s\n curl %s", i, w->headers,
                      c->headers);
    }
    /* Resumption: the second connection of the user resumed the first one's session. */
    ck_assert_str_eq(results[0][0].body, ".");
    ck_assert_str_eq(results[0][1].body, ".");
    ck_assert_str_eq(results[0][2].body, "r");
    ck_assert_str_eq(results[0][3].body, "hello over TLSv1.3\n");
    ck_assert_str_eq(results[0][15].body, "CN=locust-client\n");
    ck_assert_str_eq(results[0][17].body, "named\n");
}
END_TEST

/* ---- the debug log names the path ------------------------------------------------------- */

static char log_lines[4][512];
static unsigned n_log_lines;

static void on_log(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    (void)level, (void)udata;
    if (strcmp(logger, "locust.http") == 0 && strstr(msg, " goes ") != NULL && n_log_lines < 4)
        snprintf(log_lines[n_log_lines++], sizeof log_lines[0], "%s", msg);
}

static void paths_task(locust_ctx *ctx)
{
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/", ports[GOOD]);
    locust_request_opts o = {.ca_bundle = ca}, h2 = {.ca_bundle = ca, .http2 = true};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(locust_response_status(locust_get(ctx, url, &o)), 200);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, url, &h2)), 200);
    locust_stop_user(ctx);
}

START_TEST(the_debug_log_says_once_per_session_that_https_goes_over_the_wire)
{
    static const locust_task tasks[] = {LOCUST_TASK(paths_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Paths", .tasks = tasks};
    n_log_lines = 0;
    locust_log_set(on_log, NULL, LOCUST_LOG_DEBUG);
    harness_run(&ts, "https://127.0.0.1", 1, 100, 60);
    testutil_quiet_logs();
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 4);
    char want[256];
    snprintf(want, sizeof want,
             "user 1: https://127.0.0.1:%d/ goes over the session's own HTTP/1.1 connection", ports[GOOD]);
    /* The HTTP/2 hop too: this nginx answers ALPN with http/1.1, and the wire goes on in it, as curl does. */
    ck_assert_uint_eq(n_log_lines, 1);
    ck_assert_str_eq(log_lines[0], want);
}
END_TEST

/* ---- record buffers: kept while busy, given back at rest ------------------------------------- */

static unsigned rests[5];

static void rest_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/", ports[GOOD]);
    locust_request_opts o = {.ca_bundle = ca};
    /* A new connection's first response: its buffers go at once. */
    ck_assert_int_eq(locust_response_status(locust_get(ctx, url, &o)), 200);
    rests[0] = h->wire->tls_rests;
    /* Back to back: the buffers stay (freeing them per request costs 8% of its instructions)... */
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(locust_response_status(locust_get(ctx, url, &o)), 200);
    rests[1] = h->wire->tls_rests;
    /* ...until the connection has rested a second. */
    locust_sleep(ctx, 1500);
    rests[2] = h->wire->tls_rests;
    /* A request after a rest is not busy: OpenSSL takes buffers for it and they go after it. */
    ck_assert_int_eq(locust_response_status(locust_get(ctx, url, &o)), 200);
    rests[3] = h->wire->tls_rests;
    rests[4] = h->wire->served;
    locust_stop_user(ctx);
}

START_TEST(an_https_connection_keeps_its_buffers_while_busy_and_gives_them_back_at_rest)
{
    static const locust_task tasks[] = {LOCUST_TASK(rest_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Rest", .tasks = tasks};
    harness_run(&ts, "https://127.0.0.1", 1, 100, 60);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 6);
    ck_assert_uint_eq(rests[0], 1);
    ck_assert_uint_eq(rests[1], 1);
    ck_assert_uint_eq(rests[2], 2);
    ck_assert_uint_eq(rests[3], 3);
    ck_assert_uint_eq(rests[4], 6); /* one connection served all six */
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_tls");
    TCase *tc = tcase_create("wire");
    tcase_add_unchecked_fixture(tc, servers_up, servers_down);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, https_over_the_wire_verifies_resumes_and_fails_in_curls_words);
    tcase_add_test(tc, the_debug_log_says_once_per_session_that_https_goes_over_the_wire);
    tcase_add_test(tc, an_https_connection_keeps_its_buffers_while_busy_and_gives_them_back_at_rest);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
