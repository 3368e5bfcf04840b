/*
 * The session's cookie jar (liblocust/http/http_cookie.c) against curl
 * 7.88's cookie engine, whose place it took: a corpus of responses with
 * Set-Cookie headers and of request URLs is played through a curl easy
 * handle with its engine on (to a server of the test's own on loopback,
 * host names pinned to 127.0.0.1) and through the jar, and before every
 * request the Cookie header curl sent must equal the one the jar makes.
 * Every difference is a bug. Then a session that holds cookies: it keeps
 * the session's own connection, both paths send the same cookies, and the
 * request head it keeps between requests changes as curl's would.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http_cookie.h"
#include "http/http_internal.h"
#include "http_harness.h"
#include "port_helper.h"
#include "testutil.h"

/* ---- a server that sends the step's Set-Cookie headers --------------------------- */

#define MAX_SET 64
static const char *step_cookies[MAX_SET + 1]; /* the current step's, NULL-terminated */
static int srv_fd = -1, srv_port;
static pthread_t srv_thread;
static atomic_bool srv_stop;
/* The head of the last request the server read (under srv_lock). */
static char srv_head[16384];
static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;

static void serve(int c)
{
    char req[65536];
    size_t n = 0;
    while (!atomic_load(&srv_stop)) {
        struct pollfd p = {.fd = c, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t r = recv(c, req + n, sizeof req - 1 - n, 0);
        if (r <= 0) return;
        n += (size_t)r;
        req[n] = '\0';
        char *end = strstr(req, "\r\n\r\n");
        if (end == NULL) continue;
        pthread_mutex_lock(&srv_lock);
        snprintf(srv_head, sizeof srv_head, "%.*s", (int)(end + 4 - req), req);
        pthread_mutex_unlock(&srv_lock);
        static char resp[MAX_SET * 5200];
        size_t o = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
        for (int i = 0; step_cookies[i] && o < sizeof resp - 6000; i++)
            o += (size_t)snprintf(resp + o, sizeof resp - o, "Set-Cookie: %s\r\n", step_cookies[i]);
        o += (size_t)snprintf(resp + o, sizeof resp - o, "\r\nok");
        if (send(c, resp, o, MSG_NOSIGNAL) != (ssize_t)o) return;
        size_t used = (size_t)(end + 4 - req);
        memmove(req, req + used, n - used);
        n -= used;
    }
}

static void *srv_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&srv_stop)) {
        struct pollfd p = {.fd = srv_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept(srv_fd, NULL, NULL);
        if (c < 0) continue;
        serve(c);
        close(c);
    }
    return NULL;
}

static void srv_up(void)
{
    srv_fd = dist_bind_port(0, &srv_port);
    ck_assert_int_ge(srv_fd, 0);
    ck_assert_int_eq(listen(srv_fd, 8), 0);
    atomic_store(&srv_stop, false);
    ck_assert_int_eq(pthread_create(&srv_thread, NULL, srv_main, NULL), 0);
}

static void srv_down(void)
{
    atomic_store(&srv_stop, true);
    pthread_join(srv_thread, NULL);
    close(srv_fd);
}

/* ---- curl's side ---------------------------------------------------------------------- */

static char sent_head[65536];
static size_t sent_len;

static int on_debug(CURL *e, curl_infotype t, char *data, size_t n, void *u)
{
    if (t == CURLINFO_HEADER_OUT && sent_len + n < sizeof sent_head) {
        memcpy(sent_head + sent_len, data, n);
        sent_len += n;
        sent_head[sent_len] = '\0';
    }
    return 0;
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
    return s * n;
}

/* The Cookie header curl sent ("" for none) and the request bytes before its value. */
static void curl_cookie(char *out, size_t on, size_t *before)
{
    const char *c = strstr(sent_head, "\r\nCookie: ");
    *before = c ? (size_t)(c + 2 - sent_head) : sent_len;
    if (c == NULL) {
        out[0] = '\0';
        return;
    }
    c += 10;
    size_t l = strcspn(c, "\r");
    snprintf(out, on, "%.*s", (int)l, c);
}

/* ---- the corpus --------------------------------------------------------------------------- */

typedef struct step {
    const char *host, *path; /* the request: http://host:PORT/path */
    const char *set[MAX_SET + 1];
    int sleep_s; /* seconds to wait before the request */
} step;

static char big[3][4200];
static char many[MAX_SET][32];

static const step corpus[] = {
    {"example.com",
     "/",
     {"a=1", "b=2; Path=/", "c=3; Domain=example.com", "d=4; Domain=.example.com; Path=/x"},
     0},
    {"www.example.com", "/", {"e=5; Domain=www.example.com", "a=host-only-www"}, 0},
    {"example.com", "/x/y", {NULL}, 0},
    {"a.b.example.com", "/x", {"deep=1; domain=B.Example.Com"}, 0},
    {"b.example.com", "/x/z", {NULL}, 0},
    {"example.com", "/dir/page", {"f=6", "g=7; Path=dir", "h=8; Path=\"/dir/\"", "i=9; Path=/dir/page/"}, 0},
    {"example.com", "/dir", {NULL}, 0},
    {"example.com", "/dirx", {NULL}, 0},
    {"example.com", "/dir/page/more?q=/a/b#frag", {"q=1"}, 0},
    {"example.com", "/", {"a=11", "A=12", "zz=1", "yy=2", "b=replaced; Path=/"}, 0},
    {"example.com",
     "/",
     {"b=; Max-Age=0", "c=x; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
     0},
    {"example.com",
     "/",
     {"h1=1; Max-Age=abc", "h2=1; Max-Age=-5", "h3=1; Max-Age=99999999999999999999",
      "h4=1; Expires=Wed, 01 Jan 2200 00:00:00 GMT", "h5=1; Expires=garbage", "h6=1; max-age=\"100\"",
      "h7=1; Max-Age=", "h8=1; Max-Age=5; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h9=1; Max-Age= 7"},
     0},
    {"example.com", "/", {"s=1; Secure", "s2=1; secure=", "s3=1; HttpOnly"}, 0},
    {"localhost", "/", {"s=1; Secure", "ls=1", "ld=1; Domain=localhost"}, 0},
    {"localhost",
     "/",
     {"__Secure-a=1; Secure", "__Secure-b=1", "__Host-c=1; Secure; Path=/", "__Host-d=1; Secure; Path=/x",
      "__Host-e=1; Secure; Domain=localhost", "__host-f=1; secure; path=/", "x=1; __Secure-attr=2"},
     0},
    {"foo.localhost", "/", {"fl=1"}, 0},
    {"localhost", "/", {NULL}, 0},
    {"127.0.0.1",
     "/",
     {"t=1; secure", "ip=1; Domain=127.0.0.1", "ip2=1; Domain=127.0.0.2", "ip3=1; Domain=.0.0.1"},
     0},
    {"127.0.0.1", "/x", {NULL}, 0},
    {"www.example.co.uk",
     "/",
     {"p=1; Domain=co.uk", "q=1; Domain=example.co.uk", "r=1; Domain=uk", "p2=1; Domain=Co.Uk",
      "q2=1; Domain=Example.CO.uk"},
     0},
    {"other.example.co.uk", "/", {NULL}, 0},
    {"other.org",
     "/",
     {"noequals", "=novalue", "  spaced name  =  spaced value  ", "tab=a\tb", "ctl=a\x01z", "quoted=\"x\"",
      "empty=", "semi=1;;;path=/", "x=1; Domain=", "x2=1; domain=example.com", "dup=1; Path=/a; Path=/",
      "eq=a=b=c", "sp = v ; path = / ", "ws=1 ;  ", "k\t=v"},
     0},
    {"other.org", "/a/b", {NULL}, 0},
    {"other.org", "/", {"order=1", "ab=2", "abc=3; Path=/", "b=4"}, 0},
    {"other.org", "/", {"ab=22"}, 0},
    {"cap.org", "/", {big[0], big[1], big[2]}, 0},
    {"cap.org", "/", {NULL}, 0},
    {"many.org", "/", {NULL}, 0}, /* filled with 60 Set-Cookie headers at run time */
    {"many.org", "/", {NULL}, 0},
    {"example.com", "/", {"exp=1; Max-Age=1", "keep=1; Max-Age=100"}, 0},
    {"example.com", "/", {NULL}, 2},
};

START_TEST(the_jar_sends_exactly_what_curls_cookie_engine_sends)
{
    /* Three cookies of ~4 KiB: curl's 8190-byte cap of the request up to the Cookie header. */
    for (int i = 0; i < 3; i++) {
        snprintf(big[i], 8, "big%d=", i);
        memset(big[i] + 5, 'a' + i, 4000);
        big[i][4005] = '\0';
    }
    /* 60 cookies in one response: curl takes 50. */
    static const char *many_set[MAX_SET + 1];
    for (int i = 0; i < 60; i++) {
        snprintf(many[i], sizeof many[i], "m%02d=%d", i, i);
        many_set[i] = many[i];
    }
    srv_up();
    CURL *e = curl_easy_init();
    struct curl_slist *resolve = NULL;
    static const char *const names[] = {
        "example.com", "www.example.com", "a.b.example.com",   "b.example.com",
        "localhost",   "foo.localhost",   "www.example.co.uk", "other.example.co.uk",
        "other.org",   "cap.org",         "many.org"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char r[128];
        snprintf(r, sizeof r, "%s:%d:127.0.0.1", names[i], srv_port);
        resolve = curl_slist_append(resolve, r);
    }
    curl_easy_setopt(e, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    /* One request per connection: the server serves one connection at a time. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    locust__cookie_jar jar = {0};
    int differences = 0;
    for (size_t s = 0; s < sizeof corpus / sizeof corpus[0]; s++) {
        const step *st = &corpus[s];
        if (st->sleep_s) sleep((unsigned)st->sleep_s);
        const char *const *set =
            strcmp(st->host, "many.org") == 0 && s > 0 && strcmp(corpus[s - 1].host, "many.org") != 0
                ? many_set
                : st->set;
        memcpy(step_cookies, set, sizeof step_cookies);
        char url[512];
        snprintf(url, sizeof url, "http://%s:%d%s", st->host, srv_port, st->path);
        curl_easy_setopt(e, CURLOPT_URL, url);
        sent_len = 0;
        ck_assert_int_eq(curl_easy_perform(e), CURLE_OK);
        char want[16384];
        size_t before;
        curl_cookie(want, sizeof want, &before);
        /* The jar's Cookie for the same request, then the response's cookies into it. */
        const char *path = strchr(url + 7, '/');
        bool secure = locust__cookie_secure_origin(false, st->host);
        const locust__cookie *sel[LOCUST__COOKIE_MAX_SEND];
        size_t n = locust__cookie_select(&jar, st->host, path, secure, (int64_t)time(NULL), sel);
        bool capped;
        size_t fit = locust__cookie_fit(sel, n, before + 8, &capped);
        char got[16384];
        size_t o = 0;
        got[0] = '\0';
        for (size_t i = 0; i < fit; i++)
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%s=%s", i ? "; " : "", sel[i]->name,
                                  sel[i]->value);
        if (strcmp(want, got) != 0) {
            differences++;
            fprintf(stderr, "step %zu %s: curl sent\n  '%.300s'\nthe jar made\n  '%.300s'\n", s, url, want,
                    got);
        }
        unsigned taken = 0;
        for (int i = 0; set[i]; i++) {
            char line[5200];
            snprintf(line, sizeof line, " %s\r\n", set[i]);
            ck_assert(locust__cookie_add(&jar, line, st->host, path, secure, (int64_t)time(NULL), &taken));
        }
    }
    locust__cookie_clear(&jar);
    curl_slist_free_all(resolve);
    curl_easy_cleanup(e);
    srv_down();
    ck_assert_int_eq(differences, 0);
}
END_TEST

/* ---- a session that holds cookies ---------------------------------------------------------- */

static const char *echo_cookie(locust_response *r)
{
    ck_assert_int_eq(locust_response_status(r), 200);
    const cJSON *h = cJSON_GetObjectItem(locust_response_json(r, NULL), "headers");
    const cJSON *v = cJSON_GetObjectItem(h, "Cookie");
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void login_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    ck_assert_int_eq(locust_response_status(locust_get(ctx, "/login?user=ann", NULL)), 200);
    ck_assert(h->hop_native);
    ck_assert_ptr_nonnull(locust_http_cookie(h, "session"));
    static const char *const extra[] = {"x", "1", NULL};
    locust_request_opts o = {.cookies = extra};
    char wire[512];
    snprintf(wire, sizeof wire, "%s", echo_cookie(locust_get(ctx, "/echo", &o)));
    ck_assert_msg(h->hop_native, "a session with cookies left the session's own connection");
    ck_assert_ptr_nonnull(strstr(wire, "session="));
    ck_assert_ptr_nonnull(strstr(wire, "; x=1"));
    /* An Expect header sends the hop through curl: the same cookies. */
    static const char *const expect[] = {"Expect: 100-continue", NULL};
    locust_request_opts c = {.cookies = extra, .headers = expect};
    ck_assert_str_eq(echo_cookie(locust_get(ctx, "/echo", &c)), wire);
    ck_assert(!h->hop_native);
    ck_assert_int_eq(locust_http_clear_cookies(h), 0);
    ck_assert_str_eq(echo_cookie(locust_get(ctx, "/echo", NULL)), "");
}

START_TEST(a_session_holding_cookies_keeps_its_own_connection_and_both_paths_agree)
{
    harness_run_task(login_task);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, 4);
}
END_TEST

/* ---- the session's cached request head against curl ------------------------------------ */

/*
 * The wire keeps a session's request head, Cookie line included, until
 * the jar, the time or the path says otherwise (http_wire_msg.c). Steps
 * that repeat a request (cached), then change each of those, played
 * through curl's engine and through a session on its own connection: the
 * server must read the same request head from both, every time.
 */
typedef struct again_step {
    const char *path;
    const char *set[4]; /* Set-Cookie headers of the response */
    int sleep_s;        /* seconds to wait before the request */
} again_step;

/* A long query: the same path for the cookies, a request line long enough for curl's cap. */
static char long_path[4400], cap_a[2100], cap_b[2000];

static const again_step again[] = {
    {"/", {"a=1"}, 0},
    {"/", {NULL}, 0},
    {"/", {"b=2; Path=/p"}, 0},                       /* served from the cache, then the jar changes */
    {"/", {NULL}, 0},                                 /* b is not for "/" */
    {"/p/x", {NULL}, 0},                              /* a path-limited cookie: the path counts */
    {"/q", {NULL}, 0},                                /* ... */
    {"/p/x?z=1", {NULL}, 0},                          /* ... the query does not */
    {"/p/x", {"a=; Max-Age=0"}, 0},                   /* deleted by expiry */
    {"/p/x", {NULL}, 0},                              /* ... */
    {"/", {"e=1; Max-Age=1", "f=1; Max-Age=100"}, 0}, /* e expires */
    {"/", {NULL}, 0},                                 /* ... sent while it lives */
    {"/", {NULL}, 2},                                 /* ... and not after */
    {"/", {NULL}, 0},                                 /* ... */
    {"/", {cap_a, cap_b}, 0},                         /* ~3.9 KiB of Cookie header */
    {"/", {NULL}, 0},                                 /* both sent after a short request line */
    {long_path, {NULL}, 0},                           /* curl's cap counts the request line: ca left out */
    {"/", {NULL}, 0},                                 /* both again */
    {long_path, {NULL}, 0},                           /* ... */
    {"/", {NULL}, 0},                                 /* ... */
};
#define N_AGAIN (sizeof again / sizeof again[0])
static char curl_heads[N_AGAIN][16384];
static unsigned wire_differences;

static void last_head(char *out, size_t n)
{
    pthread_mutex_lock(&srv_lock);
    snprintf(out, n, "%s", srv_head);
    pthread_mutex_unlock(&srv_lock);
}

static void again_task(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    for (size_t s = 0; s < N_AGAIN; s++) {
        if (again[s].sleep_s) locust_sleep(ctx, again[s].sleep_s * 1000.0);
        memcpy(step_cookies, again[s].set, sizeof again[s].set);
        char url[sizeof long_path + 64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv_port, again[s].path);
        ck_assert_int_eq(locust_response_status(locust_get(ctx, url, &(locust_request_opts){.name = "s"})),
                         200);
        ck_assert_msg(h->hop_native, "step %zu left the session's own connection", s);
        static char got[16384];
        last_head(got, sizeof got);
        if (strcmp(got, curl_heads[s]) != 0) {
            wire_differences++;
            fprintf(stderr, "step %zu %s: curl sent\n%.600s\nthe session sent\n%.600s\n", s, url,
                    curl_heads[s], got);
        }
    }
}

START_TEST(a_session_sends_what_curl_sends_as_its_cookies_change)
{
    memset(long_path, 'q', sizeof long_path - 1);
    memcpy(long_path, "/?", 2);
    snprintf(cap_a, sizeof cap_a, "ca=%0*d", 2000, 0);
    snprintf(cap_b, sizeof cap_b, "cb=%0*d", 1900, 1);
    memset(step_cookies, 0, sizeof step_cookies);
    srv_up();
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    /* The session's own options, so that both request heads are alike byte for byte. */
    curl_easy_setopt(e, CURLOPT_USERAGENT, LOCUST__HTTP_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, LOCUST__HTTP_ACCEPT_ENCODING);
    /* One request per connection: the server serves one connection at a time. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    for (size_t s = 0; s < N_AGAIN; s++) {
        if (again[s].sleep_s) sleep((unsigned)again[s].sleep_s);
        memcpy(step_cookies, again[s].set, sizeof again[s].set);
        char url[sizeof long_path + 64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv_port, again[s].path);
        curl_easy_setopt(e, CURLOPT_URL, url);
        ck_assert_int_eq(curl_easy_perform(e), CURLE_OK);
        last_head(curl_heads[s], sizeof curl_heads[s]);
    }
    curl_easy_cleanup(e);
    /* The steps prove what they are meant to: cookies sent from the cache, and the cap (in
     * curl's order, the newest of equal name lengths first). */
    ck_assert_ptr_nonnull(strstr(curl_heads[2], "\r\nCookie: a=1\r\n"));
    ck_assert_ptr_nonnull(strstr(curl_heads[4], "\r\nCookie: b=2; a=1\r\n"));
    ck_assert_ptr_null(strstr(curl_heads[12], "e=1"));
    for (size_t s = 14; s <= 18; s++) {
        ck_assert_ptr_nonnull(strstr(curl_heads[s], "Cookie: cb=0"));
        ck_assert_msg((strstr(curl_heads[s], "ca=") != NULL) == (s % 2 == 0), "step %zu: ca", s);
    }
    wire_differences = 0;
    harness_run_task(again_task);
    srv_down();
    memset(step_cookies, 0, sizeof step_cookies);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_uint_eq(run.successes, N_AGAIN);
    ck_assert_uint_eq(wire_differences, 0);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    curl_global_init(CURL_GLOBAL_ALL);
    Suite *s = suite_create("http_cookies");
    TCase *td = tcase_create("differential");
    tcase_set_timeout(td, 60);
    tcase_add_test(td, the_jar_sends_exactly_what_curls_cookie_engine_sends);
    suite_add_tcase(s, td);
    TCase *ts = tcase_create("session");
    tcase_add_unchecked_fixture(ts, harness_target_up, harness_target_down);
    tcase_add_test(ts, a_session_holding_cookies_keeps_its_own_connection_and_both_paths_agree);
    tcase_add_test(ts, a_session_sends_what_curl_sends_as_its_cookies_change);
    suite_add_tcase(s, ts);
    return testutil_run(s);
}
