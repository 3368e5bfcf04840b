/*
 * Classes for locust-run's process tests (test_cli_run.c); a test picks
 * one by naming it on the command line.
 */
#include <locust/locust.h>

/* Hello: GET / every 20-50 ms; every request succeeds. */
static void get_root(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}
static const locust_task hello_tasks[] = {LOCUST_TASK(get_root), LOCUST_TASKS_END};
static const locust_taskset hello_ts = {.name = "HelloTasks", .tasks = hello_tasks};
static const locust_class hello = {.name = "Hello", .task_set = &hello_ts, .min_wait = 20, .max_wait = 50};

/*
 * Counted: GET / 20 times, then the user stops. A run of these ends by
 * itself with no request in flight, so its counts can be compared exactly
 * with the server's.
 */
static void counted_get(locust_ctx *ctx)
{
    int *done = locust_user_data(ctx);
    if (*done == 20) locust_stop_user(ctx);
    locust_get(ctx, "/", NULL);
    ++*done;
}
static const locust_task counted_tasks[] = {LOCUST_TASK(counted_get), LOCUST_TASKS_END};
static const locust_taskset counted_ts = {.name = "CountedTasks", .tasks = counted_tasks};
static const locust_class counted = {
    .name = "Counted", .task_set = &counted_ts, .min_wait = 20, .max_wait = 40, .data_size = sizeof(int)};

/* Failing: GET / and GET /status/500, then the user stops; the second request fails. */
static void fail_once(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
    locust_get(ctx, "/status/500", NULL);
    locust_stop_user(ctx);
}
static const locust_task failing_tasks[] = {LOCUST_TASK(fail_once), LOCUST_TASKS_END};
static const locust_taskset failing_ts = {.name = "FailingTasks", .tasks = failing_tasks};
static const locust_class failing = {.name = "Failing", .task_set = &failing_ts};

/* Stopper: one request, then the user stops itself (Python's StopLocust). */
static void once(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
    locust_stop_user(ctx);
}
static const locust_task stopper_tasks[] = {LOCUST_TASK(once), LOCUST_TASKS_END};
static const locust_taskset stopper_ts = {.name = "StopperTasks", .tasks = stopper_tasks};
static const locust_class stopper = {.name = "Stopper", .task_set = &stopper_ts};

/* Lingering: requests, and a teardown that takes a minute (only a second signal ends it). */
static void linger(locust_ctx *ctx)
{
    locust_post(ctx, "/logout", NULL);
    locust_sleep(ctx, 60000);
}
static const locust_class lingering = {
    .name = "Lingering", .task_set = &hello_ts, .min_wait = 20, .max_wait = 50, .teardown = linger};

/*
 * Polite: one GET / every 10 s, and an on_stop that logs out (a graceful
 * stop must run it). Stopped after its first request, no request is in
 * flight, so the counts can be compared exactly with the server's.
 */
static void logout(locust_ctx *ctx)
{
    locust_post(ctx, "/logout", NULL);
}
static const locust_taskset polite_ts = {.name = "PoliteTasks", .tasks = hello_tasks, .on_stop = logout};
static const locust_class polite = {
    .name = "Polite", .task_set = &polite_ts, .min_wait = 10000, .max_wait = 10000};

/* Idle: no requests at all, for tests of locust-run's own behaviour. */
static void nap(locust_ctx *ctx)
{
    locust_sleep(ctx, 100);
}
static const locust_task idle_tasks[] = {LOCUST_TASK(nap), LOCUST_TASKS_END};
static const locust_taskset idle_ts = {.name = "IdleTasks", .tasks = idle_tasks};
static const locust_class idle = {.name = "Idle", .task_set = &idle_ts};

LOCUST_SCENARIO(NULL, &hello, &counted, &failing, &stopper, &lingering, &polite, &idle);
