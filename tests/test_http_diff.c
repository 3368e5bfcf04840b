/*
 * Wire against curl, as a specification: every case of the corpus
 * (a .case file of tests/data/http_diff, the format in tests/lib/http_diff.h) is a
 * scripted reply of a raw server, odd but legal or plainly illegal, and a
 * task fetches it once over the session's own HTTP/1.1 path (the wire)
 * and once through curl. Both must give the task the same response
 * (status, reason, headers, body, error text, curl's error code, final URL,
 * redirects), the statistics the same entries and errors, and the server
 * the same requests over as many connections. A difference is a bug of the
 * wire (curl is the reference, as the wire promises curl's behaviour), or
 * a choice: the choices are listed in README.md ("HTTP"), each with its
 * case, and here:
 *
 * - choice_encoding_br: a br (or zstd) body, which Debian's curl decodes
 *   and the wire does not (it asks for "gzip, deflate" only): the request
 *   fails with curl's words for an unknown coding.
 * Every other difference this corpus found was a bug of the wire, fixed.
 * A case marked "@choice" must still differ, so that a stale choice shows.
 *
 * The corpus runs twice: over http://, and over https:// (the scripted
 * server speaks TLS with tests/data/tls-server.pem, which the requests
 * trust with .ca_bundle), where the wire's TLS layer must pass the same
 * bytes, ends and resets through as curl's does.
 *
 * LOCUST_DIFF_CASE=NAME runs one case; LOCUST_DIFF_DIR=DIR runs another
 * corpus (the cookie and TLS corpora of the wire's later hops).
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2_fetch.h"
#include "http/http_internal.h"
#include "http/http_wire.h"
#include "http_diff.h"
#include "testutil.h"

#define MAX_CASES 256

static char corpus_dir[1024];
static char *cases[MAX_CASES];
static int n_cases;

/* What one request gave the task. */
typedef struct seen {
    int status;
    char reason[300];
    char hdrs[8192];
    size_t hdrs_len;
    char *body;
    size_t body_len;
    char error[1024];
    char url[512];
    int redirects;
    int curl_code;
    bool native; /* the last hop went over the wire */
} seen;

/* What one fetch of a case gave. */
typedef struct outcome {
    seen seen[HTTP_DIFF_MAX_REQUESTS];
    unsigned n;
    char stats[4096];
    char server[16384];
    unsigned connections;
    char task_error[512];
} outcome;

static const http_diff_case *the_case;
static outcome *the_outcome;
static char tls_cert[1024], tls_key[1024];
static bool over_tls; /* the case runs over https:// */

static void run_requests(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    for (unsigned i = 0; i < the_case->n_requests; i++) {
        const http_diff_request *q = &the_case->requests[i];
        if (q->max_body) locust_http_set_max_body(h, q->max_body);
        locust_request_opts o = {
            .timeout = q->timeout, .no_redirects = q->no_redirects, .ca_bundle = over_tls ? tls_cert : NULL};
        locust_response *r = locust_request(ctx, q->method, q->path, &o);
        seen *s = &the_outcome->seen[the_outcome->n++];
        s->status = locust_response_status(r);
        snprintf(s->reason, sizeof s->reason, "%s", locust_response_reason(r));
        s->hdrs_len = r->hdrs_len < sizeof s->hdrs ? r->hdrs_len : sizeof s->hdrs;
        if (s->hdrs_len) memcpy(s->hdrs, r->hdrs, s->hdrs_len);
        const void *b = locust_response_body(r, &s->body_len);
        s->body = malloc(s->body_len + 1);
        ck_assert_ptr_nonnull(s->body);
        memcpy(s->body, b, s->body_len);
        snprintf(s->error, sizeof s->error, "%s", locust_response_error(r) ? locust_response_error(r) : "");
        snprintf(s->url, sizeof s->url, "%s", locust_response_url(r));
        s->redirects = locust_response_redirects(r);
        s->curl_code = (int)h->xfer.result;
        s->native = h->hop_native;
        locust_response_free(r);
    }
    locust_stop_user(ctx);
}

static void on_error(const locust_event *ev, void *udata)
{
    snprintf(the_outcome->task_error, sizeof the_outcome->task_error, "%s", ev->message ? ev->message : "");
}

/* Fetches the case once, over the wire or through curl. */
static void fetch(const http_diff_case *c, http_diff_server *srv, bool curl, outcome *out)
{
    static const locust_task tasks[] = {{.name = "diff", .fn = run_requests, .weight = 1}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Diff", .tasks = tasks};
    char host[64];
    snprintf(host, sizeof host, "%s://127.0.0.1:%d", over_tls ? "https" : "http", srv->port);
    locust_class cls = {.name = "DiffUser", .task_set = &ts, .weight = 1, .host = host};
    memset(out, 0, sizeof *out);
    the_case = c;
    the_outcome = out;
    locust__wire_force_curl(curl);
    ck_assert_int_eq(http_diff_server_start(srv), 0);
    locust_runner *r;
    locust_runner_options o = {.seed = 1};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    locust_on(r, LOCUST_EV_LOCUST_ERROR, on_error, NULL);
    ck_assert_int_eq(testutil_run_users(r, 1, 100, 30), 0);
    fetch_stats_text(r, out->stats, sizeof out->stats);
    locust_runner_free(r);
    http_diff_server_stop(srv);
    locust__wire_force_curl(false);
    snprintf(out->server, sizeof out->server, "%s", srv->log);
    out->connections = srv->connections;
}

/* ---- reporting differences ------------------------------------------------------------ */

typedef struct report {
    char text[16384];
    size_t len;
} report;

static void say(report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(report *rep, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (rep->len < sizeof rep->text) {
        int k = vsnprintf(rep->text + rep->len, sizeof rep->text - rep->len, fmt, ap);
        if (k > 0) rep->len += (size_t)k;
    }
    va_end(ap);
}

/* Bytes shown with C escapes, at most `max` of them. */
static const char *shown(const char *p, size_t n, size_t max, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < max && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\0')
            o += (size_t)snprintf(out + o, cap - o, "\\0");
        else if (c == '\r')
            o += (size_t)snprintf(out + o, cap - o, "\\r");
        else if (c == '\n')
            o += (size_t)snprintf(out + o, cap - o, "\\n");
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    if (n > max && o + 4 < cap) strcat(out, "...");
    return out;
}

static void compare_bytes(report *rep, const char *what, const char *a, size_t al, const char *b, size_t bl)
{
    if (al == bl && memcmp(a, b, al) == 0) return;
    char sa[2048], sb[2048];
    say(rep, "  %s:\n    wire (%zu bytes): %s\n    curl (%zu bytes): %s\n", what, al,
        shown(a, al, 400, sa, sizeof sa), bl, shown(b, bl, 400, sb, sizeof sb));
}

static void compare(report *rep, const outcome *w, const outcome *c)
{
    if (w->n != c->n) say(rep, "  requests made: wire %u, curl %u\n", w->n, c->n);
    for (unsigned i = 0; i < w->n && i < c->n; i++) {
        const seen *a = &w->seen[i], *b = &c->seen[i];
        char what[64];
        if (a->status != b->status)
            say(rep, "  request %u status: wire %d, curl %d\n", i + 1, a->status, b->status);
        if (a->curl_code != b->curl_code)
            say(rep, "  request %u curl code: wire %d (%s), curl %d (%s)\n", i + 1, a->curl_code,
                curl_easy_strerror(a->curl_code), b->curl_code, curl_easy_strerror(b->curl_code));
        if (a->redirects != b->redirects)
            say(rep, "  request %u redirects: wire %d, curl %d\n", i + 1, a->redirects, b->redirects);
        snprintf(what, sizeof what, "request %u reason", i + 1);
        compare_bytes(rep, what, a->reason, strlen(a->reason), b->reason, strlen(b->reason));
        snprintf(what, sizeof what, "request %u headers", i + 1);
        compare_bytes(rep, what, a->hdrs, a->hdrs_len, b->hdrs, b->hdrs_len);
        snprintf(what, sizeof what, "request %u body", i + 1);
        compare_bytes(rep, what, a->body, a->body_len, b->body, b->body_len);
        snprintf(what, sizeof what, "request %u error", i + 1);
        compare_bytes(rep, what, a->error, strlen(a->error), b->error, strlen(b->error));
        snprintf(what, sizeof what, "request %u url", i + 1);
        compare_bytes(rep, what, a->url, strlen(a->url), b->url, strlen(b->url));
        if (!a->native) say(rep, "  request %u did not go over the wire: nothing was compared\n", i + 1);
        if (b->native) say(rep, "  request %u did not go through curl\n", i + 1);
    }
    compare_bytes(rep, "statistics", w->stats, strlen(w->stats), c->stats, strlen(c->stats));
    compare_bytes(rep, "task error", w->task_error, strlen(w->task_error), c->task_error,
                  strlen(c->task_error));
    compare_bytes(rep, "what the server received", w->server, strlen(w->server), c->server,
                  strlen(c->server));
    if (w->connections != c->connections)
        say(rep, "  connections: wire %u, curl %u\n", w->connections, c->connections);
}

static void outcome_free(outcome *o)
{
    for (unsigned i = 0; i < o->n; i++)
        free(o->seen[i].body);
}

/* Fetches case i over both paths (over https:// with `tls`) and compares. */
static void check_case(int i, bool tls)
{
    char path[2048], why[512];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, cases[i]);
    static http_diff_case c;
    ck_assert_msg(http_diff_load(path, &c, why, sizeof why) == 0, "%s", why);
    http_diff_server srv;
    ck_assert_int_eq(http_diff_server_open(&srv, &c), 0);
    over_tls = tls;
    if (tls) ck_assert_int_eq(http_diff_server_tls(&srv, tls_cert, tls_key), 0);
    static outcome wire, curl;
    fetch(&c, &srv, false, &wire);
    fetch(&c, &srv, true, &curl);
    http_diff_server_close(&srv);
    static report rep;
    rep.len = 0;
    rep.text[0] = '\0';
    compare(&rep, &wire, &curl);
    if (getenv("LOCUST_DIFF_SHOW")) {
        char sb[2048];
        fprintf(stderr, "%s: status %d, error %s, body %s\n%s", c.name, curl.seen[0].status,
                curl.seen[0].error, shown(curl.seen[0].body, curl.seen[0].body_len, 200, sb, sizeof sb),
                curl.stats);
    }
    if (c.choice[0] != '\0')
        ck_assert_msg(rep.len > 0,
                      "%s: documented as a difference (%s), but the paths agree: drop the @choice", c.name,
                      c.choice);
    else
        ck_assert_msg(rep.len == 0, "%s%s: the wire and curl differ:\n%s", c.name, tls ? " (over TLS)" : "",
                      rep.text);
    outcome_free(&wire);
    outcome_free(&curl);
    http_diff_free(&c);
}

START_TEST(the_wire_and_curl_agree)
{
    check_case(_i, false);
}
END_TEST

START_TEST(the_wire_and_curl_agree_over_tls)
{
    check_case(_i, true);
}
END_TEST

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_cases(void)
{
    const char *dir = getenv("LOCUST_DIFF_DIR"), *only = getenv("LOCUST_DIFF_CASE");
    const char *src = getenv("LOCUST_SRCDIR");
    if (dir && *dir)
        snprintf(corpus_dir, sizeof corpus_dir, "%s", dir);
    else
        snprintf(corpus_dir, sizeof corpus_dir, "%s/tests/data/http_diff", src && *src ? src : ".");
    DIR *d = opendir(corpus_dir);
    if (d == NULL) {
        fprintf(stderr, "no corpus %s\n", corpus_dir);
        exit(EXIT_FAILURE);
    }
    for (struct dirent *e; (e = readdir(d)) != NULL && n_cases < MAX_CASES;) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".case") != 0) continue;
        if (only && *only && strncmp(e->d_name, only, strlen(only)) != 0) continue;
        cases[n_cases++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(cases, (size_t)n_cases, sizeof cases[0], by_name);
}

int main(void)
{
    testutil_quiet_logs();
    list_cases();
    if (n_cases < (getenv("LOCUST_DIFF_CASE") ? 1 : 20)) {
        fprintf(stderr, "%s: only %d cases\n", corpus_dir, n_cases);
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("http_diff");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, the_wire_and_curl_agree, 0, n_cases);
    suite_add_tcase(s, tc);
    const char *src = getenv("LOCUST_SRCDIR");
    snprintf(tls_cert, sizeof tls_cert, "%s/tests/data/tls-server.pem", src && *src ? src : ".");
    snprintf(tls_key, sizeof tls_key, "%s/tests/data/tls-server.key", src && *src ? src : ".");
    TCase *tt = tcase_create("corpus_tls");
    tcase_set_timeout(tt, 60);
    tcase_add_loop_test(tt, the_wire_and_curl_agree_over_tls, 0, n_cases);
    suite_add_tcase(s, tt);
    int rc = testutil_run(s);
    for (int i = 0; i < n_cases; i++)
        free(cases[i]);
    return rc;
}
