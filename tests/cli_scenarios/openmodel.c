/*
 * Classes for the open-model tests (tests/test_openmodel.sh) and the rate
 * bench: one GET / per task run, without any wait, so that a closed-model
 * run keeps every user busy and a --rate run starts runs only on schedule;
 * and the same request from paced users.
 */
#include <locust/locust.h>

static void get_root(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}
static const locust_task open_tasks[] = {LOCUST_TASK(get_root), LOCUST_TASKS_END};
static const locust_taskset open_ts = {.name = "OpenTasks", .tasks = open_tasks};
static const locust_class open_get = {.name = "OpenGet", .task_set = &open_ts};

/* The same request from users paced at 20 runs/s each (2.x's constant_pacing(0.05)): each user's own
 * schedule. */
static const locust_class open_paced = {
    .name = "OpenPaced", .task_set = &open_ts, .wait_time = LOCUST_CONSTANT_PACING(0.05)};

/* A task run that makes no request: the bench measures the schedule itself with it. */
static void nothing(locust_ctx *ctx)
{
    (void)ctx;
}
static const locust_task empty_tasks[] = {LOCUST_TASK(nothing), LOCUST_TASKS_END};
static const locust_taskset empty_ts = {.name = "EmptyTasks", .tasks = empty_tasks};
static const locust_class empty = {.name = "Empty", .task_set = &empty_ts};

LOCUST_SCENARIO(NULL, &open_get, &open_paced, &empty);
