/*
 * Locust 2.x's test events: test_start and test_stop once per test on each
 * node, reset_stats, cpu_warning, and the process exit code a listener may
 * set (environment.process_exit_code). The runner and the distributed
 * layer call locust__test_start/stop where a test begins and ends; the
 * flag kept here makes each fire once, whichever path gets there first.
 */
#include "core/core.h"

#include <stdlib.h>
#include <time.h>

/* 2.x samples the CPU every 5 s and warns above 90%. */
#define CPU_INTERVAL  5.0
#define CPU_THRESHOLD 90.0

/* The threshold: LOCUST_CPU_WARNING_THRESHOLD (percent of a core) if set, else 90. */
static double cpu_threshold(void)
{
    const char *s = getenv("LOCUST_CPU_WARNING_THRESHOLD");
    char *end;
    double v = s ? strtod(s, &end) : 0;
    return s && *s && !*end && v > 0 && v < 1000 ? v : CPU_THRESHOLD;
}

static locust__test_state *state(locust_runner *r)
{
    return locust__hooks_test_state(locust__runner_hooks(r));
}

static void fire(locust_runner *r, locust_event_type type)
{
    locust_event ev = {.type = type, .runner = r};
    locust__hooks_fire(locust__runner_hooks(r), &ev);
}

void locust__test_start(locust_runner *r)
{
    locust__test_state *t = state(r);
    if (t->running) return;
    t->running = true;
    t->cpu_warned = false;
    fire(r, LOCUST_EV_TEST_START);
}

void locust__test_stop(locust_runner *r)
{
    locust__test_state *t = state(r);
    if (!t->running) return;
    t->running = false;
    fire(r, LOCUST_EV_TEST_STOP);
}

void locust_runner_set_exit_code(locust_runner *r, int code)
{
    if (!r) return;
    locust__test_state *t = state(r);
    t->exit_code_set = code >= 0;
    t->exit_code = code;
}

int locust_runner_exit_code(const locust_runner *r)
{
    if (!r) return -1;
    locust__test_state *t = state((locust_runner *)r);
    return t->exit_code_set ? t->exit_code : -1;
}

int locust_runner_reset_stats(locust_runner *r)
{
    if (!r) return LOCUST_EINVAL;
    locust_stats_reset(locust_runner_stats(r));
    fire(r, LOCUST_EV_RESET_STATS);
    return 0;
}

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Called from the runner's thread often (the loop-lag timer): every 5 s it
 * compares the thread's CPU time to the wall time. The runner's thread, not
 * the process, because runners on different threads share nothing.
 */
void locust__cpu_monitor_tick(locust_runner *r)
{
    locust__test_state *t = state(r);
    double wall = locust__mono(), cpu = thread_cpu_seconds();
    if (cpu < 0) return;
    if (t->cpu_wall == 0) {
        t->cpu_wall = wall;
        t->cpu_time = cpu;
        return;
    }
    if (wall - t->cpu_wall < CPU_INTERVAL) return;
    double usage = (cpu - t->cpu_time) / (wall - t->cpu_wall) * 100.0;
    t->cpu_wall = wall;
    t->cpu_time = cpu;
    double threshold = cpu_threshold();
    if (usage <= threshold) return;
    locust_event ev = {.type = LOCUST_EV_CPU_WARNING, .runner = r, .cpu_usage = usage};
    locust__hooks_fire(locust__runner_hooks(r), &ev);
    if (!t->cpu_warned) {
        t->cpu_warned = true;
        locust_log(LOCUST_LOG_WARNING, "locust.runners",
                   "CPU usage above %.0f%% (%.0f%%)! This may constrain your throughput and may even give "
                   "inconsistent response time measurements! Run more processes (--processes) or slaves.",
                   threshold, usage);
    }
}
