// A scenario in C++: locust-run compiles it with the C++ compiler.
#include <locust/locust.h>

namespace
{
void browse(locust_ctx *ctx)
{
    locust_get(ctx, "/", nullptr);
}
const locust_task tasks[] = {{"browse", browse, nullptr, 1, 0}, LOCUST_TASKS_END};
const locust_taskset taskset = {.name = "CxxTasks", .tasks = tasks};
const locust_class cxx_user = {.name = "CxxUser", .task_set = &taskset};
} // namespace

LOCUST_SCENARIO(nullptr, &cxx_user);
