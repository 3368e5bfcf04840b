/*
 * liblocust: Locust's load-testing model as an embeddable C library.
 *
 * This is the umbrella header. It declares the error codes, the static
 * scenario definitions (locust classes, task sets, tasks), the per-task
 * context a task receives (Python's `self`), and the runner that hatches
 * users. Statistics, events and the HTTP session have topic headers of their
 * own, all included from here.
 *
 * Conventions (libuv's): functions return 0 or a negative errno-style code;
 * locust_strerror() turns a code into text. Runtime objects are opaque
 * handles; static definitions are plain structs meant for designated
 * initializers.
 */
#ifndef LOCUST_LOCUST_H
#define LOCUST_LOCUST_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a function that never returns (it unwinds the user's fiber). */
#define LOCUST_NORETURN __attribute__((noreturn))

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

/* The version is written here once: configure and the string derive from it. */
#define LOCUST_VERSION_MAJOR 0
#define LOCUST_VERSION_MINOR 1
#define LOCUST_VERSION_PATCH 0
#define LOCUST__STR_(x)      #x
#define LOCUST__STR(x)       LOCUST__STR_(x)
#define LOCUST_VERSION_STRING                                                                                \
    LOCUST__STR(LOCUST_VERSION_MAJOR)                                                                        \
    "." LOCUST__STR(LOCUST_VERSION_MINOR) "." LOCUST__STR(LOCUST_VERSION_PATCH)

/*
 * The ABI version of the static definitions (locust_class, locust_taskset,
 * locust_task and the scenario record), which the library reads in place.
 * A compiled scenario records the value it was built with (see
 * LOCUST_SCENARIO below) and locust-run refuses one whose version differs;
 * a program that embeds the library passes it with every runner it creates
 * (locust_runner_new() does that for you) and gets LOCUST_EABI on a
 * mismatch. Bump it whenever one of those structs changes layout.
 *
 * Option structs grow. The structs a caller fills in for a call (runner,
 * request, master, slave and web UI options) are not covered by this
 * version: new fields are only ever appended, zero always means "default",
 * and each call passes the size of the struct it was compiled with (the
 * macros locust_runner_new(), locust_get(), ... do it). The library reads
 * the fields it knows and takes the missing ones as zero, so a program
 * built against older headers keeps working; a program built against newer
 * headers that sets a field this library does not know gets LOCUST_ENOTSUP.
 */
#define LOCUST_API_VERSION 2

/** Returns the library version as "MAJOR.MINOR.PATCH". */
const char *locust_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Error codes are negative. The errno-based ones take the platform's values;
 * the liblocust-specific ones live from -4000 down. Never renumber a code.
 */
#define LOCUST_OK           0
#define LOCUST_EINVAL       (-EINVAL)
#define LOCUST_ENOMEM       (-ENOMEM)
#define LOCUST_ENOENT       (-ENOENT)
#define LOCUST_EEXIST       (-EEXIST)
#define LOCUST_ERANGE       (-ERANGE)
#define LOCUST_EBUSY        (-EBUSY)
#define LOCUST_EIO          (-EIO)
#define LOCUST_EPROTO       (-EPROTO)
#define LOCUST_ENOTSUP      (-ENOTSUP)
#define LOCUST_ETIMEDOUT    (-ETIMEDOUT)
#define LOCUST_ECANCELED    (-ECANCELED)
#define LOCUST_ECONNREFUSED (-ECONNREFUSED)
#define LOCUST_EMFILE       (-EMFILE)
#define LOCUST_EAGAIN       (-EAGAIN)
#define LOCUST_ECLASS       (-4001) /* invalid locust class or task set definition */
#define LOCUST_EABI         (-4002) /* scenario or program built against another ABI version */
#define LOCUST_EHTTP        (-4003) /* HTTP request failed (see the response error) */
#define LOCUST_EJSON        (-4004) /* body is not valid JSON */
#define LOCUST_ESTATE       (-4005) /* operation not allowed in the current state */
#define LOCUST_ETOOBIG      (-4006) /* a capped buffer would grow past its cap */
#define LOCUST_ENOTFIBER    (-4007) /* call needs a user fiber, made from outside one */

/** Returns a static, human-readable description of an error code. */
const char *locust_strerror(int err);

/** Returns the symbolic name of an error code, e.g. "LOCUST_EINVAL". */
const char *locust_err_name(int err);

/**
 * Copies s into out (cap bytes, cap > 0, always NUL-terminated) as valid
 * UTF-8, for a program that shows names, ids and errors that came from the
 * network or a scenario: each invalid byte sequence becomes U+FFFD, and the
 * copy ends before a character that does not fit. Returns its length.
 */
size_t locust_utf8_copy(char *out, size_t cap, const char *s);

/* ------------------------------------------------------------------------ */
/* Static scenario definitions                                              */
/* ------------------------------------------------------------------------ */

typedef struct locust_ctx locust_ctx;
typedef struct locust_runner locust_runner;
typedef struct locust_task locust_task;
typedef struct locust_taskset locust_taskset;
typedef struct locust_class locust_class;

/** A task: a function run by a simulated user. `ctx` is Python's `self`. */
typedef void (*locust_task_fn)(locust_ctx *ctx);

/**
 * A wait function: returns the time in milliseconds to wait between two
 * tasks (Locust's wait_function). Negative values are taken as 0.
 */
typedef double (*locust_wait_fn)(locust_ctx *ctx);

/*
 * Locust 2.x's wait times (locust.wait_time), declared statically:
 *   .wait_time = LOCUST_BETWEEN(1, 3)          random.uniform(1 s, 3 s)
 *   .wait_time = LOCUST_CONSTANT(2)            always 2 s
 *   .wait_time = LOCUST_CONSTANT_PACING(10)    a task run starts every 10 s
 *                                              (no wait after a task that took longer)
 *   .wait_time = LOCUST_CONSTANT_THROUGHPUT(5) 5 task runs per second (pacing 0.2 s)
 * Values are in seconds, as in 2.x (min_wait/max_wait stay in milliseconds).
 * A definition gives at most one of .wait, .wait_time and min_wait/max_wait.
 * Pacing is measured per user and per task set that declares it.
 */
typedef enum locust_wait_kind {
    LOCUST_WAIT_UNSET = 0,          /* use .wait or min_wait/max_wait, or inherit */
    LOCUST_WAIT_BETWEEN,            /* a = min, b = max seconds */
    LOCUST_WAIT_CONSTANT,           /* a = seconds */
    LOCUST_WAIT_CONSTANT_PACING,    /* a = seconds between the starts of two task runs */
    LOCUST_WAIT_CONSTANT_THROUGHPUT /* a = task runs per second */
} locust_wait_kind;

/** A declarative wait time (see LOCUST_BETWEEN and friends). */
typedef struct locust_wait_time {
    locust_wait_kind kind;
    double a, b;
} locust_wait_time;

#define LOCUST_BETWEEN(min_s, max_s)                                                                         \
    {                                                                                                        \
        LOCUST_WAIT_BETWEEN, (min_s), (max_s)                                                                \
    }
#define LOCUST_CONSTANT(s)                                                                                   \
    {                                                                                                        \
        LOCUST_WAIT_CONSTANT, (s), 0                                                                         \
    }
#define LOCUST_CONSTANT_PACING(s)                                                                            \
    {                                                                                                        \
        LOCUST_WAIT_CONSTANT_PACING, (s), 0                                                                  \
    }
#define LOCUST_CONSTANT_THROUGHPUT(per_s)                                                                    \
    {                                                                                                        \
        LOCUST_WAIT_CONSTANT_THROUGHPUT, (per_s), 0                                                          \
    }

/*
 * Task weights. Python's list form `tasks = [a, b]` gives every task weight
 * 1, and so does a task entry whose .weight is left out (0). Python's
 * `@task(0)` (never run) is LOCUST_WEIGHT_NEVER. Any other negative weight is
 * refused.
 */
#define LOCUST_WEIGHT_NEVER (-1)

/**
 * One entry of a task set: either a function (.fn) or a nested task set
 * (.taskset), never both. The array ends with an entry whose .fn and
 * .taskset are both NULL (LOCUST_TASKS_END).
 */
struct locust_task {
    const char *name;  /* shown in task-ratio tables; defaults to the task set name or "task<N>" */
    locust_task_fn fn; /* the task, or NULL when .taskset is set */
    const locust_taskset *taskset; /* a nested task set, or NULL */
    int weight;                    /* 0 = 1; LOCUST_WEIGHT_NEVER = excluded */
    int order;                     /* seq_task order in a sequential task set; 0 = 1 */
    /*
     * Locust 2.x's @tag: tag names separated by commas or spaces, e.g.
     * "checkout, slow". On a nested task set's entry they tag every task it
     * holds. --tags / --exclude-tags (locust_runner_set_tags()) filter on them.
     */
    const char *tags;
};

#define LOCUST_TASKS_END                                                                                     \
    {                                                                                                        \
        NULL, NULL, NULL, 0, 0, NULL                                                                         \
    }
/** A function task with weight 1, named after the function. */
#define LOCUST_TASK(f)                                                                                       \
    {                                                                                                        \
        .name = #f, .fn = (f), .weight = 1                                                                   \
    }
/** A function task with weight w (Python's @task(w)). */
#define LOCUST_TASK_W(f, w)                                                                                  \
    {                                                                                                        \
        .name = #f, .fn = (f), .weight = (w)                                                                 \
    }
/** A nested task set with weight w. */
#define LOCUST_SUBTASKS(ts, w)                                                                               \
    {                                                                                                        \
        .name = NULL, .taskset = &(ts), .weight = (w)                                                        \
    }
/** A task of a sequential task set with order o (Python's @seq_task(o)). */
#define LOCUST_SEQ_TASK(f, o)                                                                                \
    {                                                                                                        \
        .name = #f, .fn = (f), .weight = 1, .order = (o)                                                     \
    }

/**
 * A task set (Python's TaskSet or TaskSequence). Wait settings left at zero
 * (min_wait, max_wait and wait all unset) are inherited from the parent task
 * set, and at the top from the locust class. Unlike 0.9.0, a task set's own
 * min_wait/max_wait take effect without a wait function of its own.
 */
struct locust_taskset {
    const char *name;
    const locust_task *tasks;  /* terminated by LOCUST_TASKS_END */
    bool sequential;           /* TaskSequence: run tasks in .order, weight = repeat count */
    double min_wait, max_wait; /* milliseconds */
    locust_wait_fn wait;       /* overrides min_wait/max_wait when set */
    size_t data_size;          /* zeroed per-instance data, see locust_taskset_data() */
    /* Once per task set per process, in the fiber of the first user that enters it. */
    locust_task_fn setup;
    /* Once at shutdown, in a fiber of its own with an HTTP session. */
    locust_task_fn teardown;
    /* Each time a user enters the task set. */
    locust_task_fn on_start;
    /* Each time a user leaves it: interrupt, stop, or the user being killed. */
    locust_task_fn on_stop;
    /* Locust 2.x's wait_time (seconds); see LOCUST_BETWEEN. */
    locust_wait_time wait_time;
    /* Tags of every task this task set holds, wherever it is used (2.x's @tag on a TaskSet). */
    const char *tags;
};

/**
 * A locust class: one kind of simulated user. Unlike Python (where the
 * default is 1000 ms), min_wait and max_wait left unset mean no wait.
 */
struct locust_class {
    const char *name;
    const locust_taskset *task_set;
    double min_wait, max_wait; /* milliseconds, inclusive */
    locust_wait_fn wait;       /* overrides min_wait/max_wait when set */
    int weight;                /* spawn weight; 0 = 10 (Locust's default) */
    const char *host;          /* base URL; --host overrides it */
    size_t data_size;          /* zeroed per-user data, see locust_user_data() */
    size_t stack_size;         /* fiber stack; 0 = LOCUST_DEFAULT_STACK_SIZE */
    locust_task_fn setup;      /* once per class per process, in the first user's fiber */
    locust_task_fn teardown;   /* once at shutdown, in a fiber with an HTTP session */
    /* Locust 2.x's wait_time (seconds); see LOCUST_BETWEEN. */
    locust_wait_time wait_time;
    /*
     * Locust 2.x's fixed_count: exactly this many users of the class (fewer
     * only when the total is smaller than all fixed counts together); the
     * rest of the users are shared by .weight among the classes without one.
     */
    unsigned fixed_count;
};

/** The most users one runner (one process) takes; more are refused with LOCUST_ERANGE. */
#define LOCUST_MAX_USERS 2000000u

/** Default fiber stack size. Only the pages a user touches cost memory. */
#define LOCUST_DEFAULT_STACK_SIZE (64 * 1024)
/** Smallest accepted stack size. */
#define LOCUST_MIN_STACK_SIZE (16 * 1024)

/* ------------------------------------------------------------------------ */
/* The task context (Python's `self`)                                       */
/* ------------------------------------------------------------------------ */

/** Returns the zeroed per-user data of the class's .data_size bytes (NULL if 0). */
void *locust_user_data(locust_ctx *ctx);
/** Returns the zeroed per-instance data of the current task set (NULL if 0). */
void *locust_taskset_data(locust_ctx *ctx);
/** Returns the parent task set's context, or NULL at the root task set. */
locust_ctx *locust_parent(locust_ctx *ctx);
/** Returns the class of the user running this context. */
const locust_class *locust_user_class(locust_ctx *ctx);
/** Returns the task set definition of this context. */
const locust_taskset *locust_ctx_taskset(locust_ctx *ctx);
/** Returns the user's number, unique within the runner (starting at 1). */
uint64_t locust_user_id(locust_ctx *ctx);
/** Returns the runner that owns the user. */
locust_runner *locust_ctx_runner(locust_ctx *ctx);
/** Returns the effective host (base URL) for this user, or NULL. */
const char *locust_host(locust_ctx *ctx);

/**
 * Sleeps for `ms` milliseconds, yielding the fiber to the loop. Returns 0.
 * If the user is killed while sleeping, this does not return: the user's
 * task sets are unwound (running their on_stop) like a Python GreenletExit.
 */
int locust_sleep(locust_ctx *ctx, double ms);

/* Events for locust_wait_fd(). */
#define LOCUST_READABLE 1
#define LOCUST_WRITABLE 2

/**
 * Waits until `fd` is readable and/or writable (LOCUST_READABLE,
 * LOCUST_WRITABLE), yielding the fiber to the loop: the primitive for custom
 * clients (manual ch. 8) on non-blocking sockets. Returns the ready events
 * (> 0), LOCUST_ETIMEDOUT after timeout_ms (<= 0: no timeout), or
 * LOCUST_EINVAL. Like a request in flight, a graceful stop lets the wait
 * finish; if the user is killed for good it does not return (the user's
 * task sets unwind).
 */
int locust_wait_fd(locust_ctx *ctx, int fd, int events, double timeout_ms);

/**
 * Leaves the current (nested) task set, like Python's interrupt(). With
 * reschedule the parent runs its next task at once, otherwise after a wait.
 * Called in the root task set it is an error reported through locust_error.
 */
LOCUST_NORETURN void locust_interrupt(locust_ctx *ctx, bool reschedule);

/** Ends the current task early; the next one follows at once or after a wait. */
LOCUST_NORETURN void locust_reschedule(locust_ctx *ctx, bool immediately);

/** Stops this simulated user (Python's StopLocust). on_stop handlers run. */
LOCUST_NORETURN void locust_stop_user(locust_ctx *ctx);

/**
 * Fails the current task (the C counterpart of an exception): fires the
 * locust_error event with the formatted message, waits, and goes on with
 * the next task. Never counted in the request statistics.
 */
LOCUST_NORETURN void locust_fail(locust_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Puts a task at the end (or, with first, at the head) of this task set's
 * queue, like Python's schedule_task(). The task entry must outlive the run.
 */
int locust_schedule_task(locust_ctx *ctx, const locust_task *task, bool first);

/**
 * Like locust_schedule_task(), passing `arg` to that run of the task (0.9's
 * schedule_task(task, args, kwargs)): the task reads it with
 * locust_task_arg(). `arg` is not copied; it must live until the task ran.
 */
int locust_schedule_task_arg(locust_ctx *ctx, const locust_task *task, const void *arg, bool first);

/** The argument the running task was scheduled with, or NULL (chosen tasks have none). */
const void *locust_task_arg(locust_ctx *ctx);

/** Uniform random integer in [lo, hi] from the user's own generator. */
int64_t locust_random_int(locust_ctx *ctx, int64_t lo, int64_t hi);
/** Uniform random double in [0, 1) from the user's own generator. */
double locust_random_double(locust_ctx *ctx);

/** A wait function that always returns 0 (no wait between tasks). */
double locust_wait_none(locust_ctx *ctx);

/* ------------------------------------------------------------------------ */
/* Logging                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum locust_log_level {
    LOCUST_LOG_DEBUG = 10,
    LOCUST_LOG_INFO = 20,
    LOCUST_LOG_WARNING = 30,
    LOCUST_LOG_ERROR = 40,
    LOCUST_LOG_CRITICAL = 50
} locust_log_level;

/**
 * A log sink. The default writes Locust's format
 * "[2018-09-01 15:00:14,123] host/LEVEL/logger: message" to stderr.
 */
typedef void (*locust_log_fn)(locust_log_level level, const char *logger, const char *msg, void *udata);

/**
 * Sets the process-wide log sink and level. With fn NULL the default format
 * is written to udata, a FILE * (NULL: stderr).
 */
void locust_log_set(locust_log_fn fn, void *udata, locust_log_level level);
/** Returns the current process-wide log level. */
locust_log_level locust_log_level_get(void);
/** Logs a message through the current sink. */
void locust_log(locust_log_level level, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Parses "DEBUG", "info", ... into a level. Returns 0 or LOCUST_EINVAL. */
int locust_log_level_parse(const char *name, locust_log_level *out);

/* ------------------------------------------------------------------------ */
/* The runner                                                               */
/* ------------------------------------------------------------------------ */

/** Runner states, with Locust's names (locust_runner_state_name()). */
typedef enum locust_runner_state {
    LOCUST_STATE_READY = 0,
    LOCUST_STATE_HATCHING,
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_CLEANUP,
    LOCUST_STATE_STOPPED
} locust_runner_state;

/** The grace of requests in flight at a stop, in seconds, when none is given. */
#define LOCUST_DEFAULT_STOP_TIMEOUT 10.0

/**
 * Options for locust_runner_new(). Zero means "default" everywhere; where 0
 * is also a meaningful value (a seed of 0, no stop grace at all), a
 * *_set flag next to the field says that the 0 is meant.
 */
typedef struct locust_runner_options {
    struct ev_loop *loop; /* run on this libev loop; NULL = a loop of its own */
    const char *host;     /* overrides every class's host (like --host); must be a valid http(s) URL */
    uint64_t seed;        /* random seed; 0 = seeded from the clock, unless seed_set */
    bool reset_stats;     /* reset stats when hatching completes (--reset-stats) */
    /* Seconds that requests in flight get to finish when users are stopped,
     * so that they are counted; what is still in flight after it is
     * abandoned, with a warning naming the count. 0 = the default,
     * LOCUST_DEFAULT_STOP_TIMEOUT, unless stop_timeout_set: then 0 means no
     * grace at all. Negative or not finite: LOCUST_EINVAL. */
    double stop_timeout;
    /* (Fields below were added later; the ones above keep their places.) */
    bool stop_timeout_set; /* stop_timeout is meant as given, 0 included */
    bool seed_set;         /* seed is meant as given, 0 included */
    /* Locust 2.x's --tags / --exclude-tags: tag names separated by commas or
     * spaces; NULL = no filter. See locust_runner_set_tags(). */
    const char *tags;
    const char *exclude_tags;
} locust_runner_options;

/**
 * Creates a runner. `opts` may be NULL; `opts_size` is sizeof the options
 * struct the caller was compiled with and `api_version` its
 * LOCUST_API_VERSION (LOCUST_EABI when it differs from the library's).
 * Call it through the locust_runner_new() macro, which passes both.
 * Returns LOCUST_EINVAL (and logs why) for a host that locust_url_check()
 * refuses or a negative stop_timeout. Threads: a runner, its users and
 * everything they hold belong to the thread that runs its loop, and are used
 * from that thread only; runners on different threads share nothing and may
 * run at the same time (one runner per thread, like a libuv loop). Only the
 * log settings (locust_log_set()) are process-wide.
 */
int locust_runner_new_sized(locust_runner **out, const locust_runner_options *opts, size_t opts_size,
                            int api_version);
/** Creates a runner (see locust_runner_new_sized()); opts may be NULL. */
#define locust_runner_new(out, ...)                                                                          \
    locust_runner_new_sized((out), (__VA_ARGS__), sizeof(locust_runner_options), LOCUST_API_VERSION)

/**
 * Frees a runner. Users still alive are killed without running on_stop;
 * call locust_runner_quit() and let the loop finish first for a clean end.
 */
void locust_runner_free(locust_runner *r);

/**
 * Adds a locust class after validating it (its task sets, weights, waits,
 * stack size, and its .host with locust_url_check()). On LOCUST_ECLASS,
 * locust_runner_last_error() names the class and field at fault.
 */
int locust_runner_add_class(locust_runner *r, const locust_class *cls);

/**
 * Runs only the tasks tagged with one of `tags` and none of `exclude_tags`
 * (Locust 2.x's --tags / --exclude-tags; names separated by commas or
 * spaces; NULL or "" = no filter on that side). A task's tags are its
 * entry's .tags plus those of every task set and entry that holds it. A
 * nested task set left with no task is skipped; a class left with no task
 * is refused with LOCUST_ECLASS naming it, and the previous filter stays.
 * Only while no test runs (LOCUST_ESTATE otherwise); applies to classes
 * added later too. On a master the filter goes to the slaves with the
 * hatch jobs of the next test (a slave keeps its own when the master has
 * none); a Locust 2.x worker takes its master's filter, as 2.x's does.
 */
int locust_runner_set_tags(locust_runner *r, const char *tags, const char *exclude_tags);

/** The current --tags (exclude false) or --exclude-tags (true) filter, or NULL. */
const char *locust_runner_tags(const locust_runner *r, bool exclude);

/**
 * True when the tag filter lets task entry `t` of task set `ts` run (ts must
 * belong to an added class). Entries of weight LOCUST_WEIGHT_NEVER are false.
 */
bool locust_runner_task_enabled(const locust_runner *r, const locust_taskset *ts, const locust_task *t);

/** Returns the detail of the last error of this runner ("" if none). */
const char *locust_runner_last_error(const locust_runner *r);

/**
 * Starts hatching `users` users at `hatch_rate` users per second, spread over
 * the classes by weight (the counts always add up to `users`). While running,
 * changes the number of users up (at the new rate) or down (at once).
 */
int locust_runner_start(locust_runner *r, unsigned users, double hatch_rate);

/**
 * Like locust_runner_start() with explicit per-class counts (Locust 2.x's
 * user_classes_count). `counts` has one entry per added class, in order.
 * On a master the counts are for all slaves together: it places them.
 */
int locust_runner_start_counts(locust_runner *r, const unsigned *counts, double hatch_rate);

/** Stops all users: their on_stop handlers run, then fibers are freed. */
int locust_runner_stop(locust_runner *r);

/**
 * Stops all users, runs the teardowns and fires `quitting`; the loop
 * returns from locust_runner_run() once everything has ended.
 */
int locust_runner_quit(locust_runner *r);

/**
 * Runs the loop until the runner quits. With run_time > 0, quits after that
 * many seconds (counted from this call). Returns 0.
 */
int locust_runner_run(locust_runner *r, double run_time);

/** Returns the runner's libev loop. */
struct ev_loop *locust_runner_loop(locust_runner *r);
/** Returns the runner's state. */
locust_runner_state locust_runner_state_get(const locust_runner *r);
/** Returns Locust's name for a state: "ready", "hatching", ... */
const char *locust_runner_state_name(locust_runner_state s);
/** Returns the number of live users. */
unsigned locust_runner_user_count(const locust_runner *r);
/** Returns the target number of users (Locust's num_clients). */
unsigned locust_runner_target_count(const locust_runner *r);
/** Returns the number of classes added. */
size_t locust_runner_class_count(const locust_runner *r);
/** Returns the i-th class added, or NULL. */
const locust_class *locust_runner_class_at(const locust_runner *r, size_t i);
/** Returns the number of live users of the i-th class. */
unsigned locust_runner_class_user_count(const locust_runner *r, size_t i);
/* ---- the open model: task runs at a rate (arrival.c) ---------------------- */

/**
 * What a runner in rate mode did since its schedule started
 * (locust_runner_rate_info()). Lateness is how long after its intended time
 * a run was handed to a user.
 */
typedef struct locust_rate_info {
    double target_rate;   /* runs per second asked of this runner */
    double achieved_rate; /* runs started per second since the schedule started */
    double elapsed;       /* seconds since the schedule started (until it stopped) */
    uint64_t intended;    /* runs that came due */
    uint64_t started;     /* runs handed to a user */
    uint64_t dropped;     /* runs that found no free user and no room for a new one */
    unsigned pool_max;    /* the pool's maximum (the user count given to start) */
    unsigned pool_size;   /* users alive now */
    unsigned pool_free;   /* users waiting for a run now */
    double late_p50_ms, late_p99_ms, late_max_ms;
} locust_rate_info;

/**
 * Switches a runner to the open model: from the next locust_runner_start(),
 * task runs start at `runs_per_second` for the whole runner, each on a free
 * user of a pool whose maximum is the user count given to start (users are
 * created as needed and reused; the classes' wait times are not used). A run
 * that finds no free user is dropped and counted (locust_stats_dropped_runs()),
 * never delayed. Called while running, the schedule restarts at the new rate.
 * 0 returns to the closed model (not while running).
 */
int locust_runner_set_rate(locust_runner *r, double runs_per_second);
/** The rate set by locust_runner_set_rate(), 0 in the closed model. */
double locust_runner_rate(const locust_runner *r);
/** Fills `out` with the rate mode's figures; LOCUST_ENOENT in the closed model. */
int locust_runner_rate_info(const locust_runner *r, locust_rate_info *out);

/** Returns the host set in the options (or by locust_runner_set_host()), or NULL. */
const char *locust_runner_host(const locust_runner *r);
/**
 * Replaces the host override (NULL: use the classes' own). Returns 0,
 * LOCUST_EINVAL for a host that locust_url_check() refuses (the reason is
 * in locust_runner_last_error()), or LOCUST_ENOMEM.
 */
int locust_runner_set_host(locust_runner *r, const char *host);

/**
 * Checks that `url` is an absolute http:// or https:// URL with a valid
 * host (a name, an IPv4 address or a bracketed IPv6 address) and an
 * optional port from 1 to 65535, as a runner's or a class's host must be.
 * Returns 0, or LOCUST_EINVAL with the reason in `why` (`len` bytes; may be
 * NULL). It checks the syntax only: the name is not looked up.
 */
int locust_url_check(const char *url, char *why, size_t len);

/**
 * How late the loop is, in ms, by the last measurement (every 250 ms); the
 * largest lag seen goes to *max_ms if given. A lag above 100 ms is logged
 * as a warning: the process is CPU bound and response times are inflated.
 */
double locust_runner_loop_lag(const locust_runner *r, double *max_ms);

/** True once locust_runner_quit() has finished (teardowns run, quitting fired). */
bool locust_runner_quit_done(const locust_runner *r);
/**
 * True once locust_runner_quit() has been called, by the program, the run
 * time or, on a slave, the master: the runner is on its way out (and stays
 * so). A program that watches helper processes can tell an expected end
 * from a crash with it.
 */
bool locust_runner_quitting(const locust_runner *r);

/** A row of the task-exceptions table (Locust's runner.exceptions, docs/compatibility.md §4.6). */
typedef struct locust_exception_info {
    uint64_t count;        /* occurrences */
    const char *msg;       /* the failure message */
    const char *traceback; /* "Class > TaskSet > task" */
    const char *nodes;     /* where it happened: "local" or slave ids, joined by ", " */
} locust_exception_info;

/** Returns the number of rows in the task-exceptions table. */
size_t locust_runner_exception_count(const locust_runner *r);
/** Fills `out` with row i of the task-exceptions table. */
int locust_runner_exception(const locust_runner *r, size_t i, locust_exception_info *out);
/** Records a task exception (a master records its slaves' with their node ids). */
int locust_runner_log_exception(locust_runner *r, const char *node, const char *msg, const char *traceback);

/**
 * Gives the class named `class_name` a fixed user count, overriding its
 * .fixed_count (locust-run's `Class=N` argument); count < 0 restores the
 * class's own. Takes effect at the next start. LOCUST_ENOENT names an
 * unknown class in locust_runner_last_error().
 */
int locust_runner_set_fixed_count(locust_runner *r, const char *class_name, int count);

/**
 * Fills `counts` (one entry per class) with how locust_runner_start() would
 * spread `users`: classes with a fixed count first, the rest by weight
 * (Locust 2.x's rule). The counts add up to `users` unless every class is
 * fixed, in which case no class gets more than its fixed count.
 */
int locust_runner_split_users(locust_runner *r, unsigned users, unsigned *counts);

/**
 * Computes how `users` users are spread over classes of the given weights:
 * largest-remainder apportionment, so the counts always add up to `users`,
 * ties going to the earlier class. `out` has `n` entries.
 */
int locust_weight_split(const int *weights, size_t n, unsigned users, unsigned *out);

/* ------------------------------------------------------------------------ */
/* Load shapes (Locust 2.x's LoadTestShape)                                 */
/* ------------------------------------------------------------------------ */

/** What a shape asks for at one tick. */
typedef struct locust_shape_tick {
    unsigned users;             /* total users */
    double spawn_rate;          /* users started per second (> 0) */
    const char *const *classes; /* NULL-terminated class names to run, or NULL = all */
    /* In rate mode (locust_runner_set_rate() before the shape starts): the task runs per second
     * from this tick on, `users` then being the pool's maximum; 0 keeps the rate. */
    double rate;
} locust_shape_tick;

/**
 * A shape's tick (2.x's LoadTestShape.tick()): called when the shape starts
 * and then every second with the seconds since, on the runner's thread.
 * Returns true with *out filled to go on, false to end the test.
 */
typedef bool (*locust_shape_fn)(locust_runner *r, double run_time, locust_shape_tick *out, void *udata);

/**
 * Puts a shape in control of the runner (NULL removes it); a scenario's
 * init function calls it. The shape runs where decisions are made: in the
 * single process, or on a master, which drives its slaves (the classes a
 * tick names are the only ones the slaves run). `name` is shown by the web
 * UI. Only while no test runs.
 */
int locust_runner_set_shape(locust_runner *r, const char *name, locust_shape_fn fn, void *udata);

/** One step of locust-run's --stages: hold `users` for `duration` seconds. */
typedef struct locust_stage {
    double duration;   /* seconds this stage lasts */
    unsigned users;    /* users during it */
    double spawn_rate; /* users started (or stopped) per second to get there */
} locust_stage;

/** The most stages one shape takes. */
#define LOCUST_MAX_STAGES 256

/**
 * Parses "30s:100:10,2m:500:50,30s:0:50" (duration:users:spawn rate, the
 * duration in seconds or as 1h2m3s) into `out` (room for `cap`). Returns 0,
 * or LOCUST_EINVAL with a message naming the stage at fault in `err`.
 */
int locust_stages_parse(const char *spec, locust_stage *out, size_t cap, size_t *n, char *err, size_t errlen);

/** Puts a stages shape in control (copied): each stage in turn, then the end of the test. */
int locust_runner_set_stages(locust_runner *r, const locust_stage *stages, size_t n);

/**
 * One step of --stages in rate mode: `rate` task runs per second held for
 * `duration` seconds, from a pool of at most `pool` users (0: the pool
 * given to locust_runner_set_rate_stages()).
 */
typedef struct locust_rate_stage {
    double duration;
    double rate;
    unsigned pool;
} locust_rate_stage;

/**
 * Parses rate-mode stages "30s:100,1m:500:400" (duration:rate[:pool]) into
 * `out` (room for `cap`). Returns 0, or LOCUST_EINVAL with a message naming
 * the stage at fault in `err`.
 */
int locust_rate_stages_parse(const char *spec, locust_rate_stage *out, size_t cap, size_t *n, char *err,
                             size_t errlen);

/**
 * Puts rate-mode stages in control (copied): each stage's rate in turn (on
 * a master: split over the slaves), then the end of the test. The runner
 * must be in rate mode (locust_runner_set_rate()); `pool` is the pool of a
 * stage that gives none.
 */
int locust_runner_set_rate_stages(locust_runner *r, const locust_rate_stage *stages, size_t n, unsigned pool);

/**
 * Starts the test under the shape set with locust_runner_set_shape() or
 * _set_stages(). When the shape ends it, the test stops, and with
 * quit_at_end the runner quits (locust-run --no-web). LOCUST_ENOENT if no
 * shape is set.
 */
int locust_runner_shape_start(locust_runner *r, bool quit_at_end);

/** What the shape is doing (locust_runner_shape_info()). */
typedef struct locust_shape_info {
    bool configured;  /* a shape is set */
    bool running;     /* it drives a test now */
    const char *name; /* its name ("stages" for --stages) */
    double run_time;  /* seconds since the shape started */
    unsigned users;   /* what its last tick asked for */
    double spawn_rate;
    size_t stage, stages; /* for stages: the current one (1-based) and how many */
} locust_shape_info;

/** Fills *out with the shape's state. Returns 0, or LOCUST_EINVAL. */
int locust_runner_shape_info(const locust_runner *r, locust_shape_info *out);

/* ------------------------------------------------------------------------ */
/* Scenarios (shared objects loaded by locust-run)                          */
/* ------------------------------------------------------------------------ */

/**
 * What a scenario shared object exports, under the symbol name
 * LOCUST_SCENARIO_SYMBOL. Build it with the LOCUST_SCENARIO macro.
 */
typedef struct locust_scenario {
    int api_version;                    /* LOCUST_API_VERSION at build time */
    const locust_class *const *classes; /* NULL-terminated */
    /* Called once after the runner is created: add listeners, web routes. */
    int (*init)(locust_runner *r);
} locust_scenario;

/** The name of the symbol a scenario exports (for dlsym()). */
#define LOCUST_SCENARIO_SYMBOL "locust_scenario_export"

/**
 * Declares the scenario of a shared object. Usage:
 *   LOCUST_SCENARIO(NULL, &website_user, &admin_user);
 */
#ifdef __cplusplus
/* C++ gives a const object internal linkage, and mangles names: export it as C. */
#define LOCUST__SCENARIO_LINKAGE extern "C"
#else
#define LOCUST__SCENARIO_LINKAGE
#endif
#define LOCUST_SCENARIO(init_fn, ...)                                                                        \
    static const locust_class *const locust__scenario_classes[] = {__VA_ARGS__, NULL};                       \
    LOCUST__SCENARIO_LINKAGE __attribute__((visibility("default")))                                          \
    const locust_scenario locust_scenario_export = {LOCUST_API_VERSION, locust__scenario_classes, (init_fn)}

#ifdef __cplusplus
}
#endif

#include <locust/distributed.h>
#include <locust/events.h>
#include <locust/http.h>
#include <locust/report.h>
#include <locust/stats.h>
#include <locust/web.h>

#endif /* LOCUST_LOCUST_H */
