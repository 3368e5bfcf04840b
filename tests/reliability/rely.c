/*
 * The scenario of the reliability tests (tests/test_faults*.c,
 * tests/test_truth*.c) and of scripts/soak.sh. One source serves every
 * test: a test picks a class on locust-run's command line and sets what it
 * does through the environment, so that a single compiled object (cached by
 * locust-run) covers every fault.
 *
 *   Rely    GET $RELY_PATH (default "/") in a loop:
 *           RELY_TIMEOUT   request timeout in seconds (default none)
 *           RELY_MIN_WAIT, RELY_MAX_WAIT  wait between requests, ms (default 0)
 *           RELY_REQUESTS  requests per user, then the user stops (default: no limit)
 *           RELY_SECONDS   the user stops once it has run this long (default: never)
 *           RELY_NAME      the statistics name (default: the path)
 *           RELY_DISTINCT  when set, every request gets a URL of its own: the
 *                          path with "?id=N" (a scenario without .name)
 *   Burner  burns the CPU for RELY_BURN_MS (default 300) ms per task, then
 *           sleeps 10 ms: a generator that cannot keep up with its loop.
 *
 * At shutdown the teardown logs how many requests the users began and how
 * many returned, so that a test can tell the requests in flight at the stop
 * (begun, never returned, never recorded) from the ones recorded:
 *   rely: 1234 requests begun, 1230 returned
 */
#include <locust/locust.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long begun, returned;

static double env_num(const char *name, double def)
{
    const char *v = getenv(name);
    return v && *v ? strtod(v, NULL) : def;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct rely_user {
    double started;
    unsigned long done;
    char url[512]; /* RELY_DISTINCT's URL, kept while the request is in flight */
} rely_user;

static void rely_get(locust_ctx *ctx)
{
    rely_user *u = locust_user_data(ctx);
    double now = mono();
    if (u->started == 0) u->started = now;
    double limit_s = env_num("RELY_SECONDS", 0);
    unsigned long limit_n = (unsigned long)env_num("RELY_REQUESTS", 0);
    if ((limit_s > 0 && now - u->started >= limit_s) || (limit_n > 0 && u->done >= limit_n))
        locust_stop_user(ctx);
    const char *path = getenv("RELY_PATH");
    locust_request_opts o = {.name = getenv("RELY_NAME"), .timeout = env_num("RELY_TIMEOUT", 0)};
    if (!path || !*path) path = "/";
    if (getenv("RELY_DISTINCT")) {
        snprintf(u->url, sizeof u->url, "%s?id=%lu", path, begun);
        path = u->url;
    }
    begun++;
    locust_get(ctx, path, &o);
    returned++;
    u->done++;
}

static double rely_wait(locust_ctx *ctx)
{
    double lo = env_num("RELY_MIN_WAIT", 0), hi = env_num("RELY_MAX_WAIT", 0);
    if (hi <= lo) return lo;
    return lo + locust_random_double(ctx) * (hi - lo);
}

static void rely_teardown(locust_ctx *ctx)
{
    (void)ctx;
    locust_log(LOCUST_LOG_INFO, "rely", "rely: %lu requests begun, %lu returned", begun, returned);
}

static const locust_task rely_tasks[] = {LOCUST_TASK(rely_get), LOCUST_TASKS_END};
static const locust_taskset rely_ts = {.name = "RelyTasks", .tasks = rely_tasks};
static const locust_class rely = {.name = "Rely",
                                  .task_set = &rely_ts,
                                  .wait = rely_wait,
                                  .data_size = sizeof(rely_user),
                                  .teardown = rely_teardown};

/* Burner: keeps the loop busy so that timers fire late. */
static void burn(locust_ctx *ctx)
{
    double until = mono() + env_num("RELY_BURN_MS", 300) / 1000.0;
    volatile unsigned long spin = 0;
    while (mono() < until)
        spin++;
    locust_sleep(ctx, 10);
}

static const locust_task burner_tasks[] = {LOCUST_TASK(burn), LOCUST_TASKS_END};
static const locust_taskset burner_ts = {.name = "BurnerTasks", .tasks = burner_tasks};
static const locust_class burner = {.name = "Burner", .task_set = &burner_ts};

LOCUST_SCENARIO(NULL, &rely, &burner);
