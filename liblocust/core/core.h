/*
 * The core layer's internal interface: users and their fibers, the runner
 * and its extension points, events. The layers above (http, dist, web) plug
 * into the runner through what this header declares; the core never names
 * them. Nothing here is public: non-static symbols are prefixed locust__.
 */
#ifndef LOCUST_CORE_H
#define LOCUST_CORE_H

#include <ev.h>
#include <locust/locust.h>

#include "base/base.h"

typedef struct locust_user locust_user;

/* ---- error detail ------------------------------------------------------ */

/* Formats a runner's last-error text and returns `err`. */
int locust__runner_error(locust_runner *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- users and their fibers -------------------------------------------- */

/* Returns the user running `ctx`. */
locust_user *locust__ctx_user(locust_ctx *ctx);
/* Returns the user whose fiber is running now, or NULL on the loop's stack. */
locust_user *locust__current_user(void);
/* Returns the runner owning a user. */
locust_runner *locust__user_runner(locust_user *u);
/* Returns the user's number. */
uint64_t locust__user_id(locust_user *u);

/*
 * Suspends the calling user's fiber until locust__user_wake() is called for
 * it. Returns 0 when woken, or LOCUST_ECANCELED when the user is being
 * killed: the caller then releases what it holds (e.g. removes its curl
 * handle) and calls locust__user_unwind(), which does not return.
 */
int locust__user_block(locust_user *u);
/*
 * Like locust__user_block() for a request in flight: a graceful stop does
 * not interrupt it (it is let finish and counted); only the end of the
 * stop grace period does (LOCUST_ECANCELED).
 */
int locust__user_block_io(locust_user *u);
/* Makes a blocked user runnable again; safe from any callback. */
void locust__user_wake(locust_user *u);
/* Unwinds a killed user's task sets (running on_stop). Never returns. */
LOCUST_NORETURN void locust__user_unwind(locust_user *u);

/*
 * A per-user extension: a layer above the core keeps one object per user
 * here (the HTTP layer keeps the user's session). The core calls task_end
 * after every task, with the task's failure message or NULL when it ended
 * normally, so that what the task left behind is released; and destroy when
 * the user ends. The slot is empty (ptr NULL) until the layer fills it.
 */
typedef struct locust__user_ext {
    void *ptr;
    void (*task_end)(void *ptr, const char *fail_msg);
    void (*destroy)(void *ptr);
} locust__user_ext;
locust__user_ext *locust__user_ext_get(locust_user *u);

/* ---- runner ------------------------------------------------------------ */

struct ev_loop *locust__runner_loop(locust_runner *r);
/* The seconds requests in flight get to finish when users stop (0: none). */
double locust__runner_stop_grace(const locust_runner *r);
/*
 * Per-thread caches: a layer that keeps memory for reuse on the thread
 * (pools of responses, buffers) registers a drain function once per thread;
 * locust_runner_free() calls every function registered on its thread, so a
 * harness that ends its runners gets all the memory back. Registering the
 * same function again is a no-op; at most LOCUST__MAX_DRAINS functions.
 */
enum { LOCUST__MAX_DRAINS = 8 };
int locust__thread_drain_register(void (*drain)(void));

/*
 * A delegate takes over a runner's user management: the master uses it so
 * that locust_runner_start/stop/quit drive slaves instead of local users,
 * while the CLI and the web UI keep using the plain runner API.
 */
typedef struct locust__delegate {
    void *ud;
    bool is_master;
    int (*start)(void *ud, unsigned users, double hatch_rate);
    /* locust_runner_start_counts(): the users of each class (a shape that names classes). */
    int (*start_counts)(void *ud, const unsigned *counts, double hatch_rate);
    int (*stop)(void *ud);
    /* Must end with locust__runner_finish_quit() once the slaves are told. */
    int (*quit)(void *ud);
    unsigned (*user_count)(void *ud);
    size_t (*slave_count)(void *ud);
    int (*slave)(void *ud, size_t i, locust_slave_info *out);
} locust__delegate;

/* Installs (or with NULL removes) a delegate; the struct is copied. */
void locust__runner_set_delegate(locust_runner *r, const locust__delegate *d);
const locust__delegate *locust__runner_delegate(const locust_runner *r);
/* Sets the state a delegate reports (master: from its slaves' states). */
void locust__runner_set_state(locust_runner *r, locust_runner_state s);
/* Fires quitting and ends locust_runner_run(); for delegates' quit(). */
void locust__runner_finish_quit(locust_runner *r);
/* Sets the state to running, fires hatch_complete and applies --reset-stats. */
void locust__runner_hatch_complete(locust_runner *r, unsigned user_count);
/* Empties the task-exceptions table (a new test). */
void locust__runner_clear_exceptions(locust_runner *r);
/* Arms (or with 0 disarms) the run-time limit timer: quit after `seconds`. */
void locust__runner_arm_run_time(locust_runner *r, double seconds);

/*
 * Extension slots: the layers above the core keep their per-runner state
 * here, and locust_runner_free() calls its free_fn before the loop is
 * destroyed. Slots below LOCUST__SLOT_LATE are freed before the users (they
 * drive users: the web UI, a master or slave); the slots from
 * LOCUST__SLOT_LATE on are freed after them, because ending a user still
 * uses them (the HTTP layer's transfer engine, which a session leaves).
 */
enum {
    LOCUST__SLOT_WEB = 0,
    LOCUST__SLOT_DIST,
    LOCUST__SLOT_WEB_ROUTES,
    LOCUST__SLOT_REPORT,   /* the report layer's history and settings */
    LOCUST__SLOT_SHAPE,    /* core/shape.c: it drives users too */
    LOCUST__SLOT_MESSAGES, /* dist/dist_message.c: custom message handlers */
    LOCUST__SLOT_LATE,
    LOCUST__SLOT_HTTP = LOCUST__SLOT_LATE,
    LOCUST__SLOT_HTTP_DNS, /* the HTTP layer's host name cache */
    LOCUST__SLOT_COUNT
};
void *locust__runner_slot(const locust_runner *r, int which);
void locust__runner_set_slot(locust_runner *r, int which, void *ptr, void (*free_fn)(void *));

/* ---- crash reports (crash.c) ------------------------------------------- */

/*
 * A runner is created on this thread: installs the crash handlers (once per
 * process, for the signals still at their default action) and gives the
 * thread an alternate signal stack, so that a crashing task, a stack
 * overflow included, is reported with its class, task set and task.
 */
void locust__crash_thread_enter(void);
/* A runner of this thread is freed: the thread's last one frees the alternate stack. */
void locust__crash_thread_leave(void);

/* ---- events ------------------------------------------------------------ */

typedef struct locust__hooks locust__hooks;
int locust__hooks_new(locust__hooks **out);
void locust__hooks_free(locust__hooks *h);
int locust__hooks_add(locust__hooks *h, locust_event_type t, locust_listener_fn fn, void *udata);
int locust__hooks_remove(locust__hooks *h, locust_event_type t, locust_listener_fn fn, void *udata);
void locust__hooks_fire(locust__hooks *h, const locust_event *ev);
bool locust__hooks_any(const locust__hooks *h, locust_event_type t);
locust__hooks *locust__runner_hooks(locust_runner *r);

/* What core/test_events.c keeps per runner (in its hooks). */
typedef struct locust__test_state {
    bool running; /* test_start fired, test_stop not yet */
    bool exit_code_set;
    int exit_code;
    double cpu_wall, cpu_time; /* the last CPU sample: wall and thread CPU seconds */
    bool cpu_warned;           /* the CPU warning was logged in this test */
} locust__test_state;
locust__test_state *locust__hooks_test_state(locust__hooks *hs);

/* True when a class has a fixed count (its own or an override); core/fixed_count.c. */
bool locust__runner_has_fixed(locust_runner *r);
bool locust__runner_class_fixed(locust_runner *r, size_t i);

/* Fire test_start / test_stop, each once per test (core/test_events.c). */
void locust__test_start(locust_runner *r);
void locust__test_stop(locust_runner *r);
/* Samples the thread's CPU use every 5 s; fires cpu_warning above 90%. */
void locust__cpu_monitor_tick(locust_runner *r);

#endif /* LOCUST_CORE_H */
