/*
 * The benchmark scenario: users that GET one path with no wait, the same
 * work wrk and the Locust reference users do. The environment sets it up:
 *
 *   BENCH_PATH      path to GET (default "/")
 *   BENCH_REQUESTS  requests per user, then the user stops (default: no
 *                   limit; the last user to finish ends the run); a fixed
 *                   count makes instruction counts (valgrind
 *                   --tool=callgrind) comparable between runs
 *   BENCH_WAIT_MS   "lo-hi": wait between requests, uniform in [lo, hi] ms
 *                   (default 0: no wait), for the memory benchmark's idle
 *                   users
 *   BENCH_CPU_US    CPU work per task before its request, in microseconds
 *                   (default 0): makes the generator the bottleneck, to
 *                   show what more processes (cores) add
 *   BENCH_NOHTTP    1: users make no request and record a "NOOP /idle"
 *                   entry instead, to scale users past the open-file
 *                   limit (every keep-alive connection is a descriptor)
 *   BENCH_LOGIN     path each user GETs once at its start (e.g. "/login",
 *                   where bench/nginx.sh sets a session cookie), so that
 *                   every later request carries the cookie, as after a login
 *   BENCH_HTTP2     1: the users speak HTTP/2 (on their own connections; the target's
 *                   certificate is not verified), for the HTTP/2 hop
 *   BENCH_CA        a PEM file of CAs the users trust for https://
 *                   (locust_http_set_ca_bundle()): the https hops verify
 *                   the target's certificate, as real tests do
 *   BENCH_HOSTS     how many loopback addresses to spread users over
 *                   (default 1): user i uses 127.0.0.(1 + i % N) on the
 *                   port of --host, so that 50k keep-alive connections stay
 *                   under the ephemeral-port limit of one address pair
 */
#include <locust/events.h>
#include <locust/locust.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *path, *login, *ca;
static long requests = -1, hosts = 1, cpu_us, nohttp, http2;
static double wait_lo, wait_hi;

static void setup_env(void)
{
    static int done;
    if (done) return;
    done = 1;
    const char *p = getenv("BENCH_PATH");
    path = p && *p ? p : "/";
    if ((p = getenv("BENCH_LOGIN")) && *p) login = p;
    if ((p = getenv("BENCH_CA")) && *p) ca = p;
    if ((p = getenv("BENCH_HTTP2")) && *p) http2 = strtol(p, NULL, 10);
    if ((p = getenv("BENCH_REQUESTS")) && *p) requests = strtol(p, NULL, 10);
    if ((p = getenv("BENCH_HOSTS")) && *p) hosts = strtol(p, NULL, 10);
    if ((p = getenv("BENCH_CPU_US")) && *p) cpu_us = strtol(p, NULL, 10);
    if ((p = getenv("BENCH_NOHTTP")) && *p) nohttp = strtol(p, NULL, 10);
    if (hosts < 1) hosts = 1;
    if ((p = getenv("BENCH_WAIT_MS")) && *p) {
        char *end;
        wait_lo = strtod(p, &end);
        wait_hi = *end == '-' ? strtod(end + 1, NULL) : wait_lo;
    }
}

typedef struct user_state {
    long done;
    char url[128]; /* absolute URL when users are spread over addresses */
} user_state;

static void on_start(locust_ctx *ctx)
{
    setup_env();
    user_state *s = locust_user_data(ctx);
    const char *host = locust_host(ctx);
    const char *port = host ? strrchr(host, ':') : NULL;
    if (hosts > 1 && port && strncmp(host, "http://", 7) == 0) {
        unsigned n = (unsigned)(locust_user_id(ctx) % (uint64_t)hosts);
        snprintf(s->url, sizeof s->url, "http://127.0.0.%u%s%s", 1 + n, port, path);
    }
    if (http2) locust_http_set_http2(locust_client(ctx), true);
    if (ca != NULL) locust_http_set_ca_bundle(locust_client(ctx), ca);
    if (login != NULL) locust_get(ctx, login, &(locust_request_opts){.name = "login"});
}

/* Stands in for what a real task computes (parsing, building payloads): CPU
 * time, not wall time, so that it costs the same however busy the machine. */
static void burn(long us)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 256; i++)
            x = x * 6364136223846793005u + 1442695040888963407u;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static void get(locust_ctx *ctx)
{
    user_state *s = locust_user_data(ctx);
    if (requests >= 0 && s->done++ >= requests) {
        /* The last user to finish ends the run, so that a measured run is
         * only its requests, not an idle wait for the time limit. */
        locust_runner *r = locust_ctx_runner(ctx);
        if (locust_runner_state_get(r) == LOCUST_STATE_RUNNING && locust_runner_user_count(r) <= 1)
            locust_runner_quit(r);
        locust_stop_user(ctx);
    }
    if (cpu_us > 0) burn(cpu_us);
    if (nohttp) {
        locust_report_success(locust_ctx_runner(ctx), "NOOP", "/idle", 0.0, 0);
        return;
    }
    locust_get(ctx, s->url[0] ? s->url : path,
               &(locust_request_opts){.name = s->url[0] ? path : NULL, .insecure = http2 != 0});
}

static double wait(locust_ctx *ctx)
{
    if (wait_hi <= 0) return 0;
    return wait_lo + (wait_hi - wait_lo) * locust_random_double(ctx);
}

static const locust_task tasks[] = {LOCUST_TASK(get), LOCUST_TASKS_END};
static const locust_taskset behaviour = {.name = "Get", .tasks = tasks, .on_start = on_start};
static const locust_class bench_user = {
    .name = "BenchUser", .task_set = &behaviour, .data_size = sizeof(user_state), .wait = wait};

LOCUST_SCENARIO(NULL, &bench_user);
