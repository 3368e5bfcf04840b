/*
 * Simulated users and the task set run loop (docs/compatibility.md §7.4-§7.6, manual §4.4).
 *
 * A user is a fiber. Its tasks "raise" by longjmp-ing to the innermost catch
 * point, which is always on the same fiber stack: every task, on_start,
 * on_stop, setup and wait runs inside protected_call(). The pending unwind
 * is kept in the user (uw_kind and friends), so a nested task set that has
 * to pass an unwind on to its parent simply returns RES_PROPAGATE.
 */
#include "core/user.h"
#include "core/arrival.h"
#include "core/model.h"
#include "core/runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { UW_NONE = 0, UW_FAIL, UW_RESCHEDULE, UW_INTERRUPT, UW_STOP, UW_KILLED };
enum { RES_WAIT, RES_NOW, RES_PROPAGATE };

/* A task set's schedule_task() queue is capped, like every growable buffer. */
#define MAX_QUEUE 4096
/* How often a user waiting for another user's setup() checks again (ms). */
#define SETUP_POLL_MS 5.0

/* ---- context accessors ---------------------------------------------------- */

locust_user *locust__ctx_user(locust_ctx *ctx)
{
    return ctx ? ctx->user : NULL;
}

void *locust_user_data(locust_ctx *ctx)
{
    return ctx ? ctx->user->data : NULL;
}

void *locust_taskset_data(locust_ctx *ctx)
{
    return ctx ? ctx->data : NULL;
}

locust_ctx *locust_parent(locust_ctx *ctx)
{
    return ctx ? ctx->parent : NULL;
}

const locust_class *locust_user_class(locust_ctx *ctx)
{
    return ctx ? ctx->user->cls : NULL;
}

const locust_taskset *locust_ctx_taskset(locust_ctx *ctx)
{
    return ctx ? ctx->ts : NULL;
}

uint64_t locust_user_id(locust_ctx *ctx)
{
    return ctx ? ctx->user->id : 0;
}

locust_runner *locust_ctx_runner(locust_ctx *ctx)
{
    return ctx ? ctx->user->runner : NULL;
}

const char *locust_host(locust_ctx *ctx)
{
    if (!ctx) return NULL;
    const char *h = locust_runner_host(ctx->user->runner);
    return h ? h : ctx->user->cls->host;
}

locust_runner *locust__user_runner(locust_user *u)
{
    return u->runner;
}

uint64_t locust__user_id(locust_user *u)
{
    return u->id;
}

locust__user_ext *locust__user_ext_get(locust_user *u)
{
    return &u->ext;
}

/* The user whose fiber runs now on this thread; NULL on the loop's stack. */
static LOCUST__TLS_FAST locust_user *running;

locust_user *locust__current_user(void)
{
    return running;
}

/* The task started last on this thread, whatever the user, and how many were (for the loop-lag watch). */
static LOCUST__TLS_FAST const locust_task *last_task;
static LOCUST__TLS_FAST uint64_t tasks_started;

const locust_task *locust__last_task(uint64_t *started)
{
    if (started) *started = tasks_started;
    return last_task;
}

const locust_task *locust__user_task(const locust_user *u)
{
    return u->top && u->top->task && u->top->task->fn ? u->top->task : NULL;
}

/* ---- unwinding ------------------------------------------------------------ */

static LOCUST_NORETURN void throw_unwind(locust_user *u, int kind, bool flag, locust_ctx *target, char *msg)
{
    u->uw_kind = kind;
    u->uw_flag = flag;
    u->uw_target = target;
    free(u->uw_msg);
    u->uw_msg = msg;
    longjmp(*u->jb, 1);
}

/* The user of `ctx`, which must be the user running now. */
static locust_user *checked_user(locust_ctx *ctx, const char *fn)
{
    if (!ctx || ctx->user != running || !running->jb) {
        locust_log(LOCUST_LOG_CRITICAL, "locust", "%s() called outside the task of the user that owns ctx",
                   fn);
        abort();
    }
    return ctx->user;
}

void locust_interrupt(locust_ctx *ctx, bool reschedule)
{
    locust_user *u = checked_user(ctx, "locust_interrupt");
    throw_unwind(u, UW_INTERRUPT, reschedule, ctx, NULL);
}

void locust_reschedule(locust_ctx *ctx, bool immediately)
{
    locust_user *u = checked_user(ctx, "locust_reschedule");
    throw_unwind(u, UW_RESCHEDULE, immediately, ctx, NULL);
}

void locust_stop_user(locust_ctx *ctx)
{
    locust_user *u = checked_user(ctx, "locust_stop_user");
    throw_unwind(u, UW_STOP, false, NULL, NULL);
}

void locust_fail(locust_ctx *ctx, const char *fmt, ...)
{
    locust_user *u = checked_user(ctx, "locust_fail");
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    throw_unwind(u, UW_FAIL, false, ctx, msg);
}

void locust__user_unwind(locust_user *u)
{
    throw_unwind(u, UW_KILLED, false, NULL, NULL);
}

/* Runs fn(ctx) under a catch point; returns the unwind kind, UW_NONE if fn returned. */
static int protected_call(locust_user *u, locust_ctx *ctx, locust_task_fn fn)
{
    jmp_buf jb;
    jmp_buf *volatile saved = u->jb;
    u->jb = &jb;
    if (setjmp(jb) == 0) {
        fn(ctx);
        u->jb = saved;
        return UW_NONE;
    }
    u->jb = saved;
    return u->uw_kind;
}

/* ---- blocking ---------------------------------------------------------------- */

static bool cancelled(const locust_user *u)
{
    return (u->kill_requested && !u->unwinding) || u->force_kill;
}

int locust__user_block(locust_user *u)
{
    if (cancelled(u)) return LOCUST_ECANCELED;
    u->blocked = true;
    running = NULL;
    locust__fiber_yield();
    running = u;
    u->blocked = false;
    return cancelled(u) ? LOCUST_ECANCELED : 0;
}

/*
 * A request in flight when the user is asked to stop is let finish, so it
 * is counted once like every other (Locust drops it, and its count then
 * falls short of the server's). Only the end of the grace period
 * (force_kill) interrupts it.
 */
int locust__user_block_io(locust_user *u)
{
    if (u->force_kill) return LOCUST_ECANCELED;
    u->blocked = true;
    u->blocked_io = true;
    running = NULL;
    locust__fiber_yield();
    running = u;
    u->blocked = false;
    u->blocked_io = false;
    return u->force_kill ? LOCUST_ECANCELED : 0;
}

void locust__user_wake(locust_user *u)
{
    if (u->finished || u->queued) return;
    locust__runner_schedule(u->runner, u);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__user_wake((locust_user *)w->data);
}

int locust_sleep(locust_ctx *ctx, double ms)
{
    locust_user *u = checked_user(ctx, "locust_sleep");
    struct ev_loop *loop = locust__runner_loop(u->runner);
    if (!(ms > 0)) {
        /* Even a zero wait yields, so that a busy user cannot starve the others. */
        locust__user_wake(u);
    } else {
        ev_timer_set(&u->timer, ms / 1000.0, 0.);
        ev_timer_start(loop, &u->timer);
    }
    int rc = locust__user_block(u);
    ev_timer_stop(loop, &u->timer);
    if (rc == LOCUST_ECANCELED) locust__user_unwind(u);
    return 0;
}

typedef struct fd_wait {
    ev_io io;
    locust_user *user;
    int ready;
} fd_wait;

static void fd_wait_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    fd_wait *fw = (fd_wait *)w;
    fw->ready = (revents & EV_READ ? LOCUST_READABLE : 0) | (revents & EV_WRITE ? LOCUST_WRITABLE : 0);
    ev_io_stop(loop, w);
    locust__user_wake(fw->user);
}

int locust_wait_fd(locust_ctx *ctx, int fd, int events, double timeout_ms)
{
    locust_user *u = checked_user(ctx, "locust_wait_fd");
    if (fd < 0 || !(events & (LOCUST_READABLE | LOCUST_WRITABLE)) || (events & ~3)) return LOCUST_EINVAL;
    struct ev_loop *loop = locust__runner_loop(u->runner);
    fd_wait fw = {.user = u};
    ev_io_init(&fw.io, fd_wait_cb, fd,
               (events & LOCUST_READABLE ? EV_READ : 0) | (events & LOCUST_WRITABLE ? EV_WRITE : 0));
    ev_io_start(loop, &fw.io);
    /* The user's own sleep timer is free (a task cannot sleep and wait at
     * once), and it wakes the user when it fires, which is all a timeout is. */
    if (timeout_ms > 0) {
        ev_timer_set(&u->timer, timeout_ms / 1000.0, 0.);
        ev_timer_start(loop, &u->timer);
    }
    int rc = locust__user_block_io(u);
    ev_io_stop(loop, &fw.io);
    ev_timer_stop(loop, &u->timer);
    if (rc == LOCUST_ECANCELED) locust__user_unwind(u);
    return fw.ready ? fw.ready : LOCUST_ETIMEDOUT;
}

double locust_wait_none(locust_ctx *ctx)
{
    return 0;
}

int64_t locust_random_int(locust_ctx *ctx, int64_t lo, int64_t hi)
{
    if (!ctx || hi <= lo) return lo;
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    if (span == UINT64_MAX) return (int64_t)locust__rng_next(&ctx->user->rng);
    return lo + (int64_t)locust__rng_below(&ctx->user->rng, span + 1);
}

double locust_random_double(locust_ctx *ctx)
{
    return ctx ? locust__rng_double(&ctx->user->rng) : 0;
}

/* ---- task choice and waiting --------------------------------------------------- */

int locust_schedule_task(locust_ctx *ctx, const locust_task *task, bool first)
{
    return locust_schedule_task_arg(ctx, task, NULL, first);
}

/* Doubles the schedule_task() ring (tasks and their arguments), up to MAX_QUEUE. */
static int grow_queue(locust_ctx *ctx)
{
    if (ctx->q_cap >= MAX_QUEUE) return LOCUST_ETOOBIG;
    size_t cap = ctx->q_cap ? ctx->q_cap * 2 : 4;
    const locust_task **q = malloc(cap * sizeof *q);
    const void **a = malloc(cap * sizeof *a);
    if (!q || !a) {
        free(q);
        free(a);
        return LOCUST_ENOMEM;
    }
    for (size_t i = 0; i < ctx->q_len; i++) {
        q[i] = ctx->queue[(ctx->q_head + i) % ctx->q_cap];
        a[i] = ctx->q_args[(ctx->q_head + i) % ctx->q_cap];
    }
    free(ctx->queue);
    free(ctx->q_args);
    ctx->queue = q;
    ctx->q_args = a;
    ctx->q_cap = cap;
    ctx->q_head = 0;
    return 0;
}

int locust_schedule_task_arg(locust_ctx *ctx, const locust_task *task, const void *arg, bool first)
{
    if (!ctx || !task || (!task->fn && !task->taskset) || (task->fn && task->taskset)) return LOCUST_EINVAL;
    if (task->taskset && !locust__model_taskset(locust__runner_model(ctx->user->runner), task->taskset))
        return LOCUST_EINVAL; /* only task sets validated with a class can run */
    if (ctx->q_len == ctx->q_cap) {
        int err = grow_queue(ctx);
        if (err) return err;
    }
    size_t at;
    if (first) {
        ctx->q_head = (ctx->q_head + ctx->q_cap - 1) % ctx->q_cap;
        at = ctx->q_head;
    } else {
        at = (ctx->q_head + ctx->q_len) % ctx->q_cap;
    }
    ctx->queue[at] = task;
    ctx->q_args[at] = arg;
    ctx->q_len++;
    return 0;
}

const void *locust_task_arg(locust_ctx *ctx)
{
    return ctx ? ctx->task_arg : NULL;
}

static const locust_task *next_task(locust_ctx *ctx)
{
    ctx->task_arg = NULL;
    if (ctx->q_len) {
        const locust_task *t = ctx->queue[ctx->q_head];
        ctx->task_arg = ctx->q_args[ctx->q_head];
        ctx->q_head = (ctx->q_head + 1) % ctx->q_cap;
        ctx->q_len--;
        return t;
    }
    const locust__tsinfo *info = ctx->info;
    if (ctx->ts->sequential) {
        const locust_task *t = info->choices[ctx->seq_index];
        ctx->seq_index = (ctx->seq_index + 1) % info->n_choices;
        return t;
    }
    return info->choices[locust__rng_below(&ctx->user->rng, info->n_choices)];
}

static bool has_wait(double min_wait, double max_wait, locust_wait_fn fn, const locust_wait_time *wt)
{
    return fn || min_wait != 0 || max_wait != 0 || locust__wait_time_set(wt);
}

static double uniform_wait(locust_ctx *ctx, double lo, double hi)
{
    if (hi <= lo) return lo;
    /* Whole-millisecond bounds draw a whole number, as Python's
     * random.randint(min_wait, max_wait) does (both ends included). */
    if (lo == floor(lo) && hi == floor(hi) && hi - lo < 9e15)
        return lo + (double)locust__rng_below(&ctx->user->rng, (uint64_t)(hi - lo) + 1);
    return lo + (hi - lo) * locust__rng_double(&ctx->user->rng);
}

/* The task set whose wait settings apply to ctx (itself or the nearest parent with some), NULL for the
 * class's. */
static locust_ctx *wait_owner(locust_ctx *ctx)
{
    for (locust_ctx *c = ctx; c; c = c->parent)
        if (has_wait(c->ts->min_wait, c->ts->max_wait, c->ts->wait, &c->ts->wait_time)) return c;
    return NULL;
}

/* The schedule of ctx's runs when its wait is constant_pacing/constant_throughput, else NULL. */
static locust__pacing *pacing_of(locust_ctx *ctx)
{
    locust_ctx *c = wait_owner(ctx);
    if (c) return !c->ts->wait && locust__wait_time_paced(&c->ts->wait_time) ? &c->pacing : NULL;
    const locust_class *cls = ctx->user->cls;
    return !cls->wait && locust__wait_time_paced(&cls->wait_time) ? &ctx->user->pacing : NULL;
}

/* The wait of a task set: its own settings, else its parent's, else the class's. */
static double wait_ms(locust_ctx *ctx)
{
    locust_ctx *c = wait_owner(ctx);
    if (c) {
        const locust_taskset *ts = c->ts;
        if (ts->wait) return ts->wait(ctx);
        /* 2.x keeps a task set's pacing on the task set instance: here, its context. */
        if (locust__wait_time_set(&ts->wait_time))
            return locust__wait_time_ms(&ts->wait_time, &c->pacing, &ctx->user->rng, locust__mono());
        return uniform_wait(ctx, ts->min_wait, ts->max_wait);
    }
    const locust_class *cls = ctx->user->cls;
    if (cls->wait) return cls->wait(ctx);
    if (locust__wait_time_set(&cls->wait_time))
        return locust__wait_time_ms(&cls->wait_time, &ctx->user->pacing, &ctx->user->rng, locust__mono());
    return uniform_wait(ctx, cls->min_wait, cls->max_wait);
}

static void wait_fn_task(locust_ctx *ctx)
{
    locust_user *u = ctx->user;
    /* In the open model the next task run starts when the schedule hands it over, not after a wait. */
    struct locust__arrival *a = locust__runner_arrival(u->runner);
    if (a) {
        locust__arrival_wait(a, u);
        return;
    }
    /* A paced user's runs are scheduled too: its requests also count from the slot's time. */
    locust__pacing *sched = pacing_of(ctx);
    double ms = wait_ms(ctx);
    u->run_scheduled = false;
    if (sched && sched->missed) {
        locust_stats_add_dropped(locust_runner_stats(u->runner), sched->missed);
        sched->missed = 0;
    }
    locust_sleep(ctx, ms);
    if (sched) {
        double late = (locust__mono() - sched->intended) * 1000.0;
        u->run_scheduled = true;
        u->run_late_ms = late > 0 ? late : 0;
    }
}

static void yield_task(locust_ctx *ctx)
{
    locust_sleep(ctx, 0);
}

/* ---- failures ---------------------------------------------------------------- */

/* "Class > TaskSet > Nested > task": the C stand-in for a Python traceback. */
static void build_traceback(locust_ctx *ctx, char *buf, size_t len)
{
    const locust_ctx *chain[LOCUST_MAX_NESTING + 2];
    size_t n = 0;
    for (locust_ctx *c = ctx; c && n < sizeof chain / sizeof chain[0]; c = c->parent)
        chain[n++] = c;
    size_t off = (size_t)snprintf(buf, len, "%s", ctx->user->cls->name);
    while (n-- > 0 && off < len) {
        const locust_ctx *c = chain[n];
        off += (size_t)snprintf(buf + off, len - off, " > %s", c->ts->name ? c->ts->name : "(task set)");
        if (n == 0 && c->task && c->task->fn && off < len)
            off += (size_t)snprintf(buf + off, len - off, " > %s", c->task->name ? c->task->name : "(task)");
    }
}

static void report_failure(locust_user *u, locust_ctx *ctx, const char *what)
{
    char tb[1024];
    build_traceback(ctx, tb, sizeof tb);
    const char *msg = u->uw_msg ? u->uw_msg : what;
    locust__runner_task_error(u->runner, ctx, msg ? msg : "task failed", tb);
}

/* Releases what the task left (HTTP responses), telling whether it failed. */
static void task_end(locust_user *u, int kind)
{
    if (u->ext.task_end) u->ext.task_end(u->ext.ptr, kind == UW_FAIL ? (u->uw_msg ? u->uw_msg : "") : NULL);
}

/* ---- the run loop -------------------------------------------------------------- */

static bool is_ancestor(const locust_ctx *ctx, const locust_ctx *target)
{
    for (const locust_ctx *c = ctx->parent; c; c = c->parent)
        if (c == target) return true;
    return false;
}

static void run_on_stop(locust_user *u, locust_ctx *ctx)
{
    if (!ctx->ts->on_stop) return;
    int kind = protected_call(u, ctx, ctx->ts->on_stop);
    task_end(u, kind);
    if (kind == UW_FAIL) report_failure(u, ctx, "on_stop failed");
    /* Other unwinds inside on_stop end it early; the task set is left anyway. */
}

static void setup_poll(locust_ctx *ctx)
{
    locust_sleep(ctx, SETUP_POLL_MS);
}

/*
 * Runs a setup once per process (docs/compatibility.md §7.5). Users that arrive while
 * another user is still inside it wait, as 0.9.0's semaphore makes them.
 * A failed setup is reported and counts as run.
 */
static int run_setup_once(locust_user *u, locust_ctx *ctx, locust_task_fn fn, bool *busy, bool *done)
{
    while (*busy) {
        int kind = protected_call(u, ctx, setup_poll);
        if (kind != UW_NONE) return kind;
    }
    if (*done) return UW_NONE;
    *done = true;
    if (!fn) return UW_NONE;
    *busy = true;
    int kind = protected_call(u, ctx, fn);
    *busy = false;
    task_end(u, kind);
    if (kind == UW_FAIL) report_failure(u, ctx, "setup failed");
    return kind == UW_KILLED || kind == UW_STOP ? kind : UW_NONE;
}

/*
 * What a task set does with an unwind that reached it. Returns -1 to go on
 * with the loop (after a wait when *wait is set), or a RES_ code to leave.
 */
static int handle_unwind(locust_user *u, locust_ctx *ctx, int kind, bool *wait)
{
    *wait = true;
    switch (kind) {
    case UW_NONE:
        return -1;
    case UW_FAIL:
        report_failure(u, ctx, NULL);
        return -1;
    case UW_RESCHEDULE:
        *wait = !u->uw_flag;
        return -1;
    case UW_INTERRUPT:
        if (u->uw_target == ctx) {
            if (!ctx->parent) {
                free(u->uw_msg);
                u->uw_msg = NULL;
                report_failure(u, ctx,
                               "interrupt() called in the root task set, which has no parent to return to");
                return -1;
            }
            run_on_stop(u, ctx);
            return u->uw_flag ? RES_NOW : RES_WAIT;
        }
        if (!is_ancestor(ctx, u->uw_target)) {
            report_failure(u, ctx, "interrupt() called with the context of a task set that is not running");
            return -1;
        }
        run_on_stop(u, ctx);
        return RES_PROPAGATE;
    case UW_STOP:
    case UW_KILLED:
    default:
        u->unwinding = true;
        run_on_stop(u, ctx);
        return RES_PROPAGATE;
    }
}

static int run_taskset(locust_user *u, locust_ctx *parent, const locust_taskset *ts, int depth)
{
    locust_ctx ctx = {.user = u, .parent = parent, .ts = ts};
    locust_runner *r = u->runner;
    ctx.info = locust__model_taskset(locust__runner_model(r), ts);
    locust_ctx *saved_top = u->top;
    u->top = &ctx;
    int res = RES_WAIT;
    bool wait;

    if (depth > LOCUST_MAX_NESTING || !ctx.info) {
        free(u->uw_msg);
        u->uw_msg = NULL;
        report_failure(u, &ctx,
                       !ctx.info ? "task set was not validated with its class"
                                 : "task sets nested deeper than LOCUST_MAX_NESTING levels");
        goto out;
    }
    if (ts->data_size && !(ctx.data = calloc(1, ts->data_size))) {
        report_failure(u, &ctx, "out of memory for the task set's data");
        goto out;
    }
    if (!ctx.info->teardown_registered) {
        ctx.info->teardown_registered = true;
        if (ts->teardown) locust__runner_add_teardown(r, u->class_index, ts, ts->teardown);
    }
    int kind = run_setup_once(u, &ctx, ts->setup, &ctx.info->setup_running, &ctx.info->setup_done);
    if (kind == UW_NONE && ts->on_start) {
        kind = protected_call(u, &ctx, ts->on_start);
        task_end(u, kind);
        if (kind == UW_FAIL) {
            /* A task set that cannot start is left; at the root that ends the user. */
            report_failure(u, &ctx, "on_start failed");
            goto out;
        }
        if (kind == UW_RESCHEDULE) kind = UW_NONE;
    }
    if (kind != UW_NONE) {
        int h = handle_unwind(u, &ctx, kind, &wait);
        if (h >= 0) {
            res = h;
            goto out;
        }
    }

    /* The first run of a paced task set starts its schedule, on time by definition. */
    if (!locust__runner_arrival(r) && pacing_of(&ctx)) {
        u->run_scheduled = true;
        u->run_late_ms = 0;
    }
    for (;;) {
        if (u->kill_requested && !u->unwinding) {
            u->uw_kind = UW_KILLED;
            res = handle_unwind(u, &ctx, UW_KILLED, &wait);
            goto out;
        }
        const locust_task *t = next_task(&ctx);
        ctx.task = t;
        if (t->fn) {
            last_task = t;
            tasks_started++;
        }
        if (t->fn) {
            kind = protected_call(u, &ctx, t->fn);
            task_end(u, kind);
        } else {
            int sub = run_taskset(u, &ctx, t->taskset, depth + 1);
            kind = sub == RES_PROPAGATE ? u->uw_kind : UW_NONE;
            if (sub == RES_NOW) {
                ctx.task = NULL;
                continue;
            }
        }
        int h = handle_unwind(u, &ctx, kind, &wait);
        ctx.task = NULL;
        if (h >= 0) {
            res = h;
            goto out;
        }
        if (!wait) {
            /* No wait still yields, so a busy user cannot starve the loop. */
            kind = protected_call(u, &ctx, yield_task);
        } else {
            kind = protected_call(u, &ctx, wait_fn_task);
        }
        if (kind != UW_NONE) {
            h = handle_unwind(u, &ctx, kind, &wait);
            if (h >= 0) {
                res = h;
                goto out;
            }
        }
    }
out:
    free(ctx.data);
    free(ctx.queue);
    free(ctx.q_args);
    u->top = saved_top;
    return res;
}

/* ---- life cycle -------------------------------------------------------------- */

static void user_main(void *arg)
{
    locust_user *u = arg;
    /* A user asked to end before it ever ran has nothing to clean up. */
    if (u->kill_requested) return;
    if (u->special_fn) {
        locust_ctx ctx = {.user = u, .ts = u->special_ts};
        u->top = &ctx;
        int kind = protected_call(u, &ctx, u->special_fn);
        task_end(u, kind);
        if (kind == UW_FAIL) report_failure(u, &ctx, "teardown failed");
        u->top = NULL;
        return;
    }
    locust_runner *r = u->runner;
    locust__class_state *cs = locust__runner_class_state(r, u->class_index);
    if (!cs->teardown_registered) {
        cs->teardown_registered = true;
        if (u->cls->teardown)
            locust__runner_add_teardown(r, u->class_index, u->cls->task_set, u->cls->teardown);
    }
    if (u->cls->setup || cs->setup_running) {
        /* The class's setup runs in a context of the root task set. */
        locust_ctx ctx = {.user = u, .ts = u->cls->task_set};
        ctx.info = locust__model_taskset(locust__runner_model(r), u->cls->task_set);
        u->top = &ctx;
        int kind = run_setup_once(u, &ctx, u->cls->setup, &cs->setup_running, &cs->setup_done);
        u->top = NULL;
        if (kind != UW_NONE) return;
    }
    run_taskset(u, NULL, u->cls->task_set, 0);
}

static int user_alloc(locust_runner *r, size_t class_index, locust_user **out)
{
    const locust_class *cls = locust_runner_class_at(r, class_index);
    if (!cls) return LOCUST_EINVAL;
    locust_user *u = calloc(1, sizeof *u);
    if (!u) return LOCUST_ENOMEM;
    locust__list_init(&u->link);
    locust__list_init(&u->rq_link);
    u->runner = r;
    u->class_index = class_index;
    u->cls = cls;
    if (cls->data_size && !(u->data = calloc(1, cls->data_size))) {
        free(u);
        return LOCUST_ENOMEM;
    }
    int err = locust__fiber_new(&u->fiber, cls->stack_size ? cls->stack_size : LOCUST_DEFAULT_STACK_SIZE,
                                user_main, u);
    if (err) {
        free(u->data);
        free(u);
        return err;
    }
    ev_timer_init(&u->timer, timer_cb, 0., 0.);
    u->timer.data = u;
    *out = u;
    return 0;
}

int locust__user_new(locust_runner *r, size_t class_index, locust_user **out)
{
    return user_alloc(r, class_index, out);
}

int locust__user_new_special(locust_runner *r, size_t class_index, const locust_taskset *ts,
                             locust_task_fn fn, locust_user **out)
{
    int err = user_alloc(r, class_index, out);
    if (err) return err;
    (*out)->special_fn = fn;
    (*out)->special_ts = ts;
    return 0;
}

void locust__user_run(locust_user *u)
{
    if (u->finished) return;
    if (u->started && !u->blocked) return;
    u->started = true;
    running = u;
    locust__fiber_resume(u->fiber);
    running = NULL;
    if (locust__fiber_done(u->fiber)) {
        u->finished = true;
        locust__runner_user_finished(u->runner, u);
    }
}

void locust__user_kill(locust_user *u)
{
    if (u->finished || u->kill_requested) return;
    u->kill_requested = true;
    if (!u->started || (u->blocked && !u->blocked_io)) locust__user_wake(u);
}

void locust__user_force_kill(locust_user *u)
{
    if (u->finished || u->force_kill) return;
    u->kill_requested = true;
    u->force_kill = true;
    if (!u->started || u->blocked) locust__user_wake(u);
}

void locust__user_free(locust_user *u)
{
    if (!u) return;
    if (u->ext.destroy) u->ext.destroy(u->ext.ptr);
    ev_timer_stop(locust__runner_loop(u->runner), &u->timer);
    locust__fiber_free(u->fiber);
    free(u->uw_msg);
    free(u->data);
    free(u);
}
