/* A scenario that claims another ABI version: locust-run must refuse it. */
#include <locust/locust.h>

static void nothing(locust_ctx *ctx)
{
    (void)ctx;
}
static const locust_task tasks[] = {LOCUST_TASK(nothing), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "T", .tasks = tasks};
static const locust_class cls = {.name = "Future", .task_set = &ts};
static const locust_class *const classes[] = {&cls, NULL};

__attribute__((visibility("default")))
const locust_scenario locust_scenario_export = {LOCUST_API_VERSION + 998, classes, NULL};
