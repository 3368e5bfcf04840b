/*
 * The classes of the task ratio example of docs/compatibility.md §5.2: UnlikelyLocust (weight 1) and
 * MoreLikelyLocust (weight 3) share a task set with task1 (weight 1), task3
 * (weight 3) and a nested task set Sub (weight 1) of a (1) and b (2).
 */
#ifndef LOCUST_TEST_RATIO_CLASSES_H
#define LOCUST_TEST_RATIO_CLASSES_H

#include <locust/locust.h>

static void task1(locust_ctx *ctx)
{
    (void)ctx;
}
static void task3(locust_ctx *ctx)
{
    (void)ctx;
}
static void a(locust_ctx *ctx)
{
    (void)ctx;
}
static void b(locust_ctx *ctx)
{
    (void)ctx;
}

static const locust_task ratio_sub_tasks[] = {LOCUST_TASK_W(a, 1), LOCUST_TASK_W(b, 2), LOCUST_TASKS_END};
static const locust_taskset ratio_sub = {.name = "Sub", .tasks = ratio_sub_tasks};
static const locust_task ratio_main_tasks[] = {LOCUST_TASK_W(task1, 1), LOCUST_TASK_W(task3, 3),
                                               LOCUST_SUBTASKS(ratio_sub, 1), LOCUST_TASKS_END};
static const locust_taskset ratio_main = {.name = "Main", .tasks = ratio_main_tasks};
static const locust_class ratio_unlikely = {.name = "UnlikelyLocust", .task_set = &ratio_main, .weight = 1};
static const locust_class ratio_more_likely = {
    .name = "MoreLikelyLocust", .task_set = &ratio_main, .weight = 3};

#endif
