/*
 * Locust 2.x's model in C: wait times, tags and fixed_count.
 *
 *   Shopper paces its task runs (LOCUST_CONSTANT_PACING: a run starts every
 *   0.5 s however long the request took), its checkout task set is tagged
 *   "checkout", which tags both tasks inside it; Admin waits between(1, 2)
 *   s and there is always exactly one of it (fixed_count = 1).
 *
 *   locust-run -f examples/pacing_tags.c --host http://127.0.0.1:8080 --show-task-ratio -T checkout Shopper
 *   locust-run -f examples/pacing_tags.c --host http://127.0.0.1:8080 --no-web -c 10 -r 10 -t 10s -E slow
 *   locust-run -f examples/pacing_tags.c --host http://127.0.0.1:8080 --no-web -c 10 -r 10 -t 10s Admin=3
 * Shopper
 */
#include <locust/locust.h>

static void browse(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

static void view_cart(locust_ctx *ctx)
{
    locust_get(ctx, "/json", NULL);
}

static void pay(locust_ctx *ctx)
{
    locust_get(ctx, "/json", NULL);
    /* Back to browsing: the next task of the parent follows at once. */
    locust_interrupt(ctx, true);
}

/* Everything in this task set carries the "checkout" tag of its entry below. */
static const locust_task checkout_tasks[] = {
    {.name = "view_cart", .fn = view_cart}, {.name = "pay", .fn = pay, .tags = "slow"}, LOCUST_TASKS_END};
static const locust_taskset checkout_ts = {.name = "Checkout", .tasks = checkout_tasks};

static const locust_task shop_tasks[] = {
    {.name = "browse", .fn = browse, .weight = 3, .tags = "browse"},
    {.taskset = &checkout_ts, .weight = 1, .tags = "checkout"},
    LOCUST_TASKS_END,
};
static const locust_taskset shop_ts = {.name = "Shop", .tasks = shop_tasks};

static const locust_class shopper = {
    .name = "Shopper", .task_set = &shop_ts, .wait_time = LOCUST_CONSTANT_PACING(0.5)};

static void admin_stats(locust_ctx *ctx)
{
    locust_get(ctx, "/json", NULL);
}
static const locust_task admin_tasks[] = {{.name = "admin_stats", .fn = admin_stats, .tags = "browse"},
                                          LOCUST_TASKS_END};
static const locust_taskset admin_ts = {.name = "AdminTasks", .tasks = admin_tasks};
static const locust_class admin = {
    .name = "Admin", .task_set = &admin_ts, .wait_time = LOCUST_BETWEEN(1, 2), .fixed_count = 1};

LOCUST_SCENARIO(NULL, &shopper, &admin);
