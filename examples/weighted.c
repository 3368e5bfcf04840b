/*
 * Weights (manual §4.1.3 and §4.2.1): web users are three times as likely
 * to be hatched as mobile users, and within a task set task2 runs twice as
 * often as task1 (Python's @task(3) and @task(6)).
 *
 *   locust-run -f examples/weighted.c --host http://127.0.0.1:8080 --show-task-ratio
 *   locust-run -f examples/weighted.c --host http://127.0.0.1:8080 --no-web -c 8 -r 8 -t 10s
 *
 * With -c 8, six web users and two mobile users are hatched.
 */
#include <locust/locust.h>

static void task1(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

static void task2(locust_ctx *ctx)
{
    locust_get(ctx, "/json", NULL);
}

static const locust_task web_tasks[] = {LOCUST_TASK_W(task1, 3), LOCUST_TASK_W(task2, 6), LOCUST_TASKS_END};

/* The task set's own waits (5 to 15 s in the manual; shorter here) override the class's. */
static const locust_taskset web_ts = {
    .name = "WebTasks", .tasks = web_tasks, .min_wait = 500, .max_wait = 1500};

/* A mobile user only fetches the small JSON document. */
static void mobile_api(locust_ctx *ctx)
{
    locust_get(ctx, "/json",
               &(locust_request_opts){.headers = (const char *const[]){"User-Agent: mobile", NULL}});
}

static const locust_task mobile_tasks[] = {LOCUST_TASK(mobile_api), LOCUST_TASKS_END};
static const locust_taskset mobile_ts = {.name = "MobileTasks", .tasks = mobile_tasks};

static const locust_class web_user = {.name = "WebUserLocust", .task_set = &web_ts, .weight = 3};
static const locust_class mobile_user = {
    .name = "MobileUserLocust", .task_set = &mobile_ts, .weight = 1, .min_wait = 1000, .max_wait = 2000};

LOCUST_SCENARIO(NULL, &web_user, &mobile_user);
