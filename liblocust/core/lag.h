/*
 * The loop-lag watch of a runner (lag.c): how late a 250 ms timer fires
 * tells how far the event loop is behind, and so how much every response
 * time it measures is inflated. It tells two causes apart by the CPU time
 * the loop's thread used meanwhile: a CPU-bound process (too many users for
 * one core) and a task that blocked the loop with a blocking call (sleep(),
 * a blocking socket), which it then names by timing the users' runs.
 */
#ifndef LOCUST_CORE_LAG_H
#define LOCUST_CORE_LAG_H

#include "core/core.h"

typedef struct locust__lag {
    ev_timer timer;
    locust_runner *runner;
    double expected;   /* when the timer is due (ev_time()) */
    double cpu_at;     /* the thread's CPU seconds at the last tick */
    double waited_at;  /* ... and its seconds waiting for a CPU */
    double ms, max_ms; /* the last and the largest lag measured */
    double warned_at;  /* the last warning */
    /* A blocked loop waiting to be reported: the warning waits (a few
     * ticks at most) until timing the users' runs names the task. */
    double pending_ms, pending_cpu, pending_since;
    bool profiling;
    bool cpu_culprit; /* a long run that never slept was seen */
    const locust_task *culprit;
    const locust_class *culprit_class;
} locust__lag;

/* The runner's own live users (runner.c); a master has none. */
unsigned locust__runner_local_users(const locust_runner *r);

/* Starts the watch on the runner's loop (it does not keep the loop alive). */
void locust__lag_start(locust__lag *l, locust_runner *r, struct ev_loop *loop);
void locust__lag_stop(locust__lag *l, struct ev_loop *loop);

/* True while the users' runs are to be timed (see locust__lag_ran()). */
static inline bool locust__lag_profiling(const locust__lag *l)
{
    return l->profiling;
}
/*
 * A user's run took `seconds`; `task` was the task it ran; `slept` tells
 * whether the thread slept meanwhile (locust__lag_sleeps() changed): a
 * blocking call, not CPU work.
 */
void locust__lag_ran(locust__lag *l, const locust_class *cls, const locust_task *task, double seconds,
                     bool slept);
/* The loop thread's count of voluntary context switches. */
long locust__lag_sleeps(void);

#endif /* LOCUST_CORE_LAG_H */
