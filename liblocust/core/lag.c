/*
 * The loop-lag watch. See lag.h.
 */
#include "core/lag.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define LAG_INTERVAL 0.25
/* Lag above this is worth a warning: response times are off by as much. */
#define LAG_WARN_MS 100.0
/* At most one warning per this many seconds. */
#define LAG_WARN_EVERY 10.0
/* Below this share of one core over the late interval, the loop was not busy but blocked. */
#define BLOCKED_CPU_SHARE 0.5
/* How long a blocked-loop warning waits for the task to be named. */
#define NAME_WAIT 3.0

/*
 * The loop thread's CPU seconds and the seconds it waited, runnable, for a
 * CPU (the scheduler's run delay; 0 where /proc does not say). Their sum is
 * the time the thread would have run: when it covers the lag, the loop was
 * busy (or starved by other processes), not blocked.
 */
static void thread_times(double *cpu, double *waited)
{
    *waited = 0;
    char buf[128];
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        unsigned long long run_ns, wait_ns;
        if (n > 0) {
            buf[n] = '\0';
            if (sscanf(buf, "%llu %llu", &run_ns, &wait_ns) == 2) {
                *cpu = (double)run_ns / 1e9;
                *waited = (double)wait_ns / 1e9;
                return;
            }
        }
    }
    struct timespec ts;
    *cpu =
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 ? (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 : 0;
}

/* The loop thread's voluntary context switches: a run that made one slept in a blocking call. */
long locust__lag_sleeps(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : 0;
}

static void warn_cpu_bound(locust__lag *l, double lag, double now)
{
    l->warned_at = now;
    locust_log(LOCUST_LOG_WARNING, "locust.runners",
               "The event loop is %.0f ms behind with %u users: this process is CPU bound, so the "
               "response times it measures are too high by up to that much. Use fewer users per "
               "process (or more slaves).",
               lag, locust__runner_local_users(l->runner));
}

static void warn_blocked(locust__lag *l, double now)
{
    unsigned users = locust__runner_local_users(l->runner);
    if (l->culprit)
        locust_log(LOCUST_LOG_WARNING, "locust.runners",
                   "The event loop was blocked for %.0f ms, while this process used %.0f%% of a CPU: task %s "
                   "of class %s made a blocking call (sleep(), a blocking socket, a slow file) that stops "
                   "all %u users at once and inflates every response time. Wait with locust_sleep(), and for "
                   "sockets of your own with locust_wait_fd().",
                   l->pending_ms, l->pending_cpu * 100, l->culprit->name ? l->culprit->name : "(unnamed)",
                   l->culprit_class && l->culprit_class->name ? l->culprit_class->name : "(unnamed)", users);
    else
        locust_log(
            LOCUST_LOG_WARNING, "locust.runners",
            "The event loop was blocked for %.0f ms, while this process used %.0f%% of a CPU: a task "
            "made a blocking call (sleep(), a blocking socket, a slow file) that stops all %u users at "
            "once and inflates every response time. Wait with locust_sleep(), and for sockets of your "
            "own with locust_wait_fd().",
            l->pending_ms, l->pending_cpu * 100, users);
    l->warned_at = now;
    l->pending_ms = 0;
}

/* Ends a profiling episode with the warning its findings call for. */
static void conclude(locust__lag *l, double now)
{
    if (l->culprit || !l->cpu_culprit)
        warn_blocked(l, now);
    else
        warn_cpu_bound(l, l->pending_ms, now);
    l->pending_ms = 0;
    l->profiling = false;
    l->cpu_culprit = false;
    l->culprit = NULL;
    l->culprit_class = NULL;
}

static void lag_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__lag *l = w->data;
    /* ev_time(), not the cached ev_now(): the point is the real delay. */
    double now = ev_time(), cpu, waited;
    thread_times(&cpu, &waited);
    double lag = (now - l->expected) * 1000.0;
    if (lag < 0) lag = 0;
    /* The share of the late interval the loop's thread ran or waited for a CPU. */
    double share = (cpu - l->cpu_at + waited - l->waited_at) / (LAG_INTERVAL + lag / 1000.0);
    double busy_ms = (cpu - l->cpu_at + waited - l->waited_at) * 1000.0;
    l->cpu_at = cpu;
    l->waited_at = waited;
    l->ms = lag;
    if (lag > l->max_ms) l->max_ms = lag;
    if (l->profiling && (l->culprit || l->cpu_culprit || now - l->pending_since > NAME_WAIT))
        conclude(l, now);
    unsigned users = locust__runner_local_users(l->runner);
    if (lag > LAG_WARN_MS && users && now - l->warned_at > LAG_WARN_EVERY && !l->profiling) {
        if (busy_ms >= lag) {
            warn_cpu_bound(l, lag, now);
        } else {
            /* Time the users' runs until the one that blocks is seen. */
            l->pending_ms = lag;
            l->pending_cpu = share;
            l->pending_since = now;
            l->profiling = true;
        }
    }
    l->expected = now + LAG_INTERVAL;
    /* The same tick watches the thread's CPU use for the cpu_warning event. */
    locust__cpu_monitor_tick(l->runner);
    ev_timer_set(w, LAG_INTERVAL, 0.);
    ev_timer_start(loop, w);
}

void locust__lag_ran(locust__lag *l, const locust_class *cls, const locust_task *task, double seconds,
                     bool slept)
{
    if (seconds * 1000.0 <= LAG_WARN_MS) return;
    if (!slept) {
        /* A long run that never slept kept the CPU (or waited for one). */
        l->cpu_culprit = true;
    } else if (task) {
        l->culprit = task;
        l->culprit_class = cls;
        l->pending_ms = seconds * 1000.0 > l->pending_ms ? seconds * 1000.0 : l->pending_ms;
    }
}

void locust__lag_start(locust__lag *l, locust_runner *r, struct ev_loop *loop)
{
    l->runner = r;
    ev_timer_init(&l->timer, lag_cb, LAG_INTERVAL, 0.);
    l->timer.data = l;
    l->expected = ev_time() + LAG_INTERVAL;
    thread_times(&l->cpu_at, &l->waited_at);
    ev_timer_start(loop, &l->timer);
    ev_unref(loop);
}

void locust__lag_stop(locust__lag *l, struct ev_loop *loop)
{
    if (!ev_is_active(&l->timer)) return;
    ev_ref(loop);
    ev_timer_stop(loop, &l->timer);
}
