/*
 * A worker scenario for test_dist_locust2_select.sh: every task run reports
 * a request named after the task ("read" or "write", type "task"), so the
 * master's statistics show which tasks and classes its workers ran. Reader
 * and Writer each run one task; Mixed runs both, tagged.
 */
#include <locust/locust.h>

static void report(locust_ctx *ctx, const char *name)
{
    locust_report_success(locust_ctx_runner(ctx), "task", name, 1, 0);
    locust_sleep(ctx, 50);
}
static void read_task(locust_ctx *ctx)
{
    report(ctx, "read");
}
static void write_task(locust_ctx *ctx)
{
    report(ctx, "write");
}

static const locust_task reads[] = {{.name = "read", .fn = read_task}, LOCUST_TASKS_END};
static const locust_taskset read_ts = {.name = "Reads", .tasks = reads};
static const locust_class reader = {.name = "Reader", .task_set = &read_ts};

static const locust_task writes[] = {{.name = "write", .fn = write_task}, LOCUST_TASKS_END};
static const locust_taskset write_ts = {.name = "Writes", .tasks = writes};
static const locust_class writer = {.name = "Writer", .task_set = &write_ts};

static const locust_task both[] = {{.name = "read", .fn = read_task, .tags = "read"},
                                   {.name = "write", .fn = write_task, .tags = "write"},
                                   LOCUST_TASKS_END};
static const locust_taskset both_ts = {.name = "Both", .tasks = both};
static const locust_class mixed = {.name = "Mixed", .task_set = &both_ts};

LOCUST_SCENARIO(NULL, &reader, &writer, &mixed);
