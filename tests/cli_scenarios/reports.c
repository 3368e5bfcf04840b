/*
 * Classes for the reports' process tests (test_cli_reports.c).
 */
#include <locust/locust.h>

/* Web: GET / and GET /status/500 every 50 ms, as tests/cli_scenarios/reports2x.py does for Locust 2.x. */
static void hit(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
    locust_get(ctx, "/status/500", NULL);
}
static const locust_task web_tasks[] = {LOCUST_TASK(hit), LOCUST_TASKS_END};
static const locust_taskset web_ts = {.name = "WebTasks", .tasks = web_tasks};
static const locust_class web = {.name = "Web", .task_set = &web_ts, .min_wait = 50, .max_wait = 50};

/* Boom: Web's requests, then the task fails (an exception, in BASE_exceptions.csv), as Boom of reports2x.py.
 */
static void hit_then_fail(locust_ctx *ctx)
{
    hit(ctx);
    locust_fail(ctx, "boom, \"quoted\"");
}
static const locust_task boom_tasks[] = {LOCUST_TASK(hit_then_fail), LOCUST_TASKS_END};
static const locust_taskset boom_ts = {.name = "BoomTasks", .tasks = boom_tasks};
static const locust_class boom = {.name = "Boom", .task_set = &boom_ts, .min_wait = 50, .max_wait = 50};

/* Fast: GET / every 20 ms; every request succeeds. */
static void root(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}
static const locust_task fast_tasks[] = {LOCUST_TASK(root), LOCUST_TASKS_END};
static const locust_taskset fast_ts = {.name = "FastTasks", .tasks = fast_tasks};
static const locust_class fast = {.name = "Fast", .task_set = &fast_ts, .min_wait = 20, .max_wait = 20};

/* Slow: GET /delay/300, which takes 300 ms; every request succeeds. */
static void slow_get(locust_ctx *ctx)
{
    locust_get(ctx, "/delay/300", NULL);
}
static const locust_task slow_tasks[] = {LOCUST_TASK(slow_get), LOCUST_TASKS_END};
static const locust_taskset slow_ts = {.name = "SlowTasks", .tasks = slow_tasks};
static const locust_class slow = {.name = "Slow", .task_set = &slow_ts, .min_wait = 10, .max_wait = 10};

LOCUST_SCENARIO(NULL, &web, &fast, &slow, &boom);
