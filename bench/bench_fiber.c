/*
 * Fiber benchmark (not a test): the cost of one switch into a user's fiber
 * and back, and the resident memory per idle user at 10k users.
 *
 *   bench_fiber [users]
 */
#include "core/core.h"
#include "core/fiber.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kib;
}

static void pingpong(void *arg)
{
    for (;;)
        locust__fiber_yield();
}

static void sleepy(locust_ctx *ctx)
{
    locust_sleep(ctx, 1000);
}

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    ev_break(loop, EVBREAK_ONE);
}

int main(int argc, char **argv)
{
    unsigned users = argc > 1 ? (unsigned)atoi(argv[1]) : 10000;
    locust_log_set(NULL, NULL, LOCUST_LOG_WARNING);

    /* 1. Switch cost: resume + yield round trips. */
    locust__fiber *f;
    if (locust__fiber_new(&f, 0, pingpong, NULL)) return 1;
    const int rounds = 2000000;
    double t0 = locust__mono();
    for (int i = 0; i < rounds; i++)
        locust__fiber_resume(f);
    double t1 = locust__mono();
    printf("fiber switch: %.1f ns per switch (%d round trips)\n", (t1 - t0) * 1e9 / (2.0 * rounds), rounds);

    /* 2. Memory: idle users sleeping between 1-2 s waits. */
    static const locust_task tasks[] = {LOCUST_TASK(sleepy), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Idle", .tasks = tasks};
    static const locust_class cls = {.name = "Idle", .task_set = &ts, .min_wait = 1000, .max_wait = 2000};
    locust_runner *r;
    if (locust_runner_new(&r, NULL) || locust_runner_add_class(r, &cls)) return 1;
    long before = rss_kib();
    locust_runner_start(r, users, 1e9);
    ev_timer t;
    ev_timer_init(&t, stop_cb, 1.5, 0.);
    ev_timer_start(locust_runner_loop(r), &t);
    ev_run(locust_runner_loop(r), 0);
    long after = rss_kib();
    printf("idle users: %u, RSS %ld KiB -> %ld KiB, %.2f KiB per user\n", locust_runner_user_count(r), before,
           after, (double)(after - before) / users);
    locust_runner_quit(r);
    locust_runner_run(r, 0);
    locust_runner_free(r);
    return 0;
}
