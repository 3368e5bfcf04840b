/*
 * Simulated users: one fiber each, running the task set loop of docs/compatibility.md §7.4
 * (with the manual's on_stop semantics rather than 0.9.0's).
 *
 * "Exceptions" (locust_fail, locust_interrupt, locust_reschedule,
 * locust_stop_user and being killed) are longjmps to the innermost catch
 * point on the user's own fiber stack, so a task reads like Python code.
 */
#ifndef LOCUST_USER_H
#define LOCUST_USER_H

#include "base/list.h"
#include "core/core.h"
#include "core/fiber.h"
#include "core/wait_time.h"

#include <setjmp.h>

struct locust_ctx {
    locust_user *user;
    locust_ctx *parent;
    const locust_taskset *ts;
    struct locust__tsinfo *info;
    const locust_task *task; /* the task running now, for tracebacks */
    void *data;
    size_t seq_index;
    const locust_task **queue; /* schedule_task() ring */
    size_t q_head, q_len, q_cap;
    const void **q_args;   /* the argument of each queued task (locust_schedule_task_arg) */
    const void *task_arg;  /* the argument of the task running now */
    locust__pacing pacing; /* constant_pacing of this task set's own wait_time */
};

struct locust_user {
    locust_runner *runner;
    size_t class_index;
    const locust_class *cls;
    uint64_t id;
    locust__fiber *fiber;
    ev_timer timer;
    locust__rng rng;
    void *data;
    locust_ctx *top; /* innermost task set */
    jmp_buf *jb;     /* innermost catch point */
    /* The pending unwind ("exception"). */
    int uw_kind;
    bool uw_flag;
    locust_ctx *uw_target;
    char *uw_msg;
    /* Special users run one function (a teardown) instead of the task sets. */
    locust_task_fn special_fn;
    const locust_taskset *special_ts;
    bool started, blocked, queued, finished;
    bool kill_requested;   /* stop, quit or downscale asked this user to end */
    bool force_kill;       /* ... and the grace period for in-flight requests is over */
    bool blocked_io;       /* blocked in a request, which a graceful stop lets finish */
    bool unwinding;        /* running on_stop handlers; not killable again */
    locust__user_ext ext;  /* the HTTP layer's session, or another layer's */
    locust__pacing pacing; /* constant_pacing of the class's wait_time */
    locust__list link;     /* in the runner's list of live users */
    locust__list rq_link;  /* in the runner's ready queue while `queued` */
    /* The open model (arrival.c): the pool's free list, and how late the current task run started. */
    locust_user *arr_prev, *arr_next;
    bool arr_free;
    bool run_scheduled;
    double run_late_ms;
};

/* Creates a user of class `class_index` and queues its first run. */
int locust__user_new(locust_runner *r, size_t class_index, locust_user **out);
/* Creates a user that runs `fn` once (a teardown) with task set `ts`'s context. */
int locust__user_new_special(locust_runner *r, size_t class_index, const locust_taskset *ts,
                             locust_task_fn fn, locust_user **out);
/*
 * The task (a function entry) started last on this thread, by any user
 * (NULL before the first), and in *started how many have been started.
 */
const locust_task *locust__last_task(uint64_t *started);
/* The task the user is in the middle of, or NULL (between tasks, in on_start, ...). */
const locust_task *locust__user_task(const locust_user *u);
/* Runs the user until it blocks or ends (main context only). */
void locust__user_run(locust_user *u);
/* Asks the user to end: it unwinds (running on_stop) at its next wait; a
 * request in flight is let finish, so that it is counted. */
void locust__user_kill(locust_user *u);
/* Ends the user's grace period: a request in flight is abandoned too. */
void locust__user_force_kill(locust_user *u);
/* Frees the user (finished, or never run / abandoned at runner_free). */
void locust__user_free(locust_user *u);

#endif /* LOCUST_USER_H */
