/*
 * Scenario code that misbehaves, for test_crash.c: tasks that crash with
 * each fatal signal, a frame too big for the default stack, and a task
 * that blocks the event loop. A test picks one class by naming it.
 */
#include <locust/locust.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_null(locust_ctx *ctx)
{
    volatile int *p = (int *)16;
    *p = 1;
}
static void divide_by_zero(locust_ctx *ctx)
{
    volatile int n = 7, z = 0;
    volatile int q = n / z;
    (void)q;
}
static void trap(locust_ctx *ctx)
{
    __builtin_trap();
}
static void failed_assert(locust_ctx *ctx)
{
    abort();
}
static void bus_error(locust_ctx *ctx)
{
    raise(SIGBUS);
}
/* 100 KiB of locals on the default 64 KiB stack. */
static void big_frame(locust_ctx *ctx)
{
    volatile char buf[100 * 1024];
    memset((char *)buf, 1, sizeof buf);
    locust_sleep(ctx, buf[sizeof buf - 1]);
}
/* A blocking call where locust_sleep() belongs. */
static void nap_blocking(locust_ctx *ctx)
{
    usleep(600 * 1000);
}

#define MISBEHAVING_CLASS(var, task)                                                                         \
    static const locust_task var##_tasks[] = {LOCUST_TASK(task), LOCUST_TASKS_END};                          \
    static const locust_taskset var##_ts = {.name = #var "Tasks", .tasks = var##_tasks};                     \
    static const locust_class var = {.name = #var, .task_set = &var##_ts, .min_wait = 100, .max_wait = 100};

MISBEHAVING_CLASS(Segv, write_null)
MISBEHAVING_CLASS(Fpe, divide_by_zero)
MISBEHAVING_CLASS(Ill, trap)
MISBEHAVING_CLASS(Abort, failed_assert)
MISBEHAVING_CLASS(Bus, bus_error)
MISBEHAVING_CLASS(Big, big_frame)
MISBEHAVING_CLASS(Blocker, nap_blocking)

LOCUST_SCENARIO(NULL, &Segv, &Fpe, &Ill, &Abort, &Bus, &Big, &Blocker);
