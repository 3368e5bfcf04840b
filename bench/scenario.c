/*
 * The benchmark scenario: users that GET one path with no wait, the same
 * work wrk and the Locust reference users do. The path comes from the
 * environment (BENCH_PATH, default "/").
 */
#include <locust/locust.h>
#include <stdlib.h>

static const char *path(void)
{
    const char *p = getenv("BENCH_PATH");
    return p && *p ? p : "/";
}

static void get(locust_ctx *ctx)
{
    locust_get(ctx, path(), NULL);
}

static const locust_task tasks[] = {LOCUST_TASK(get), LOCUST_TASKS_END};
static const locust_taskset behaviour = {.name = "Get", .tasks = tasks};
static const locust_class bench_user = {.name = "BenchUser", .task_set = &behaviour};

LOCUST_SCENARIO(NULL, &bench_user);
