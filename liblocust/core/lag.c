/*
 * The loop-lag watch. See lag.h.
 */
#include "core/lag.h"

#include <time.h>

#define LAG_INTERVAL 0.25
/* Lag above this is worth a warning: response times are off by as much. */
#define LAG_WARN_MS 100.0
/* At most one warning per this many seconds. */
#define LAG_WARN_EVERY 10.0
/* Below this share of one core over the late interval, the loop was not busy but blocked. */
#define BLOCKED_CPU_SHARE 0.5
/* How long a blocked-loop warning waits for the task to be named. */
#define NAME_WAIT 3.0

/* CPU seconds used by this thread (the loop's): its lag is its own doing or not. */
static double thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
    l->profiling = false;
    l->culprit = NULL;
    l->culprit_class = NULL;
}

static void lag_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__lag *l = w->data;
    /* ev_time(), not the cached ev_now(): the point is the real delay. */
    double now = ev_time(), cpu = thread_cpu();
    double lag = (now - l->expected) * 1000.0;
    if (lag < 0) lag = 0;
    /* The share of one core the loop's thread used over the interval. */
    double share = (cpu - l->cpu_at) / (LAG_INTERVAL + lag / 1000.0);
    l->cpu_at = cpu;
    l->ms = lag;
    if (lag > l->max_ms) l->max_ms = lag;
    if (l->pending_ms > 0 && (l->culprit || now - l->pending_since > NAME_WAIT)) warn_blocked(l, now);
    unsigned users = locust__runner_local_users(l->runner);
    if (lag > LAG_WARN_MS && users && now - l->warned_at > LAG_WARN_EVERY && l->pending_ms == 0) {
        if (share < BLOCKED_CPU_SHARE) {
            /* Time the users' runs until the one that blocks is seen. */
            l->pending_ms = lag;
            l->pending_cpu = share;
            l->pending_since = now;
            l->profiling = true;
        } else {
            l->warned_at = now;
            locust_log(LOCUST_LOG_WARNING, "locust.runners",
                       "The event loop is %.0f ms behind with %u users: this process is CPU bound, so the "
                       "response times it measures are too high by up to that much. Use fewer users per "
                       "process (or more slaves).",
                       lag, users);
        }
    }
    l->expected = now + LAG_INTERVAL;
    ev_timer_set(w, LAG_INTERVAL, 0.);
    ev_timer_start(loop, w);
}

void locust__lag_ran(locust__lag *l, const locust_class *cls, const locust_task *task, double seconds)
{
    if (seconds * 1000.0 > LAG_WARN_MS && task) {
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
    l->cpu_at = thread_cpu();
    ev_timer_start(loop, &l->timer);
    ev_unref(loop);
}

void locust__lag_stop(locust__lag *l, struct ev_loop *loop)
{
    if (!ev_is_active(&l->timer)) return;
    ev_ref(loop);
    ev_timer_stop(loop, &l->timer);
}
