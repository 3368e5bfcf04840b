/*
 * Locust 2.x's model through locust-run (test_cli2x.c): tagged tasks, a
 * wait time, a class with a fixed count, and a quitting listener that sets
 * the exit code (2.x's environment.process_exit_code). No task makes a
 * request, so no target is needed.
 */
#include <locust/locust.h>

static void browse(locust_ctx *ctx)
{
    (void)ctx;
}
static void checkout(locust_ctx *ctx)
{
    (void)ctx;
}
static void admin_task(locust_ctx *ctx)
{
    (void)ctx;
}

static const locust_task shop_tasks[] = {{.name = "browse", .fn = browse, .weight = 3, .tags = "read"},
                                         {.name = "checkout", .fn = checkout, .tags = "write"},
                                         LOCUST_TASKS_END};
static const locust_taskset shop_ts = {.name = "ShopTasks", .tasks = shop_tasks};
static const locust_class shopper = {
    .name = "Shopper", .task_set = &shop_ts, .wait_time = LOCUST_CONSTANT_THROUGHPUT(10)};

static const locust_task admin_tasks[] = {{.name = "admin", .fn = admin_task, .tags = "read"},
                                          LOCUST_TASKS_END};
static const locust_taskset admin_ts = {.name = "AdminTasks", .tasks = admin_tasks};
static const locust_class admin = {
    .name = "Admin", .task_set = &admin_ts, .wait_time = LOCUST_BETWEEN(0.05, 0.1), .fixed_count = 1};

static void on_quitting(const locust_event *ev, void *udata)
{
    (void)udata;
    locust_runner_set_exit_code(ev->runner, 7);
}

static int init(locust_runner *r)
{
    return locust_on(r, LOCUST_EV_QUITTING, on_quitting, NULL);
}

LOCUST_SCENARIO(init, &shopper, &admin);
