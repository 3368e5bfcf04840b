/*
 * Internal interfaces shared by the files of liblocust. Nothing here is
 * public: non-static symbols are prefixed locust__.
 */
#ifndef LOCUST_INTERNAL_H
#define LOCUST_INTERNAL_H

#include <ev.h>
#include <locust/locust.h>

typedef struct locust_user locust_user;
typedef struct locust__http_multi locust__http_multi;

/*
 * Per-thread state: a thread's runners share nothing with another thread's.
 * The few small variables read on every fiber switch or request use the
 * initial-exec model, which reads them without a call to __tls_get_addr
 * (measured: 2% of a request's instructions); together they take well
 * under the static TLS that glibc keeps for libraries loaded by dlopen().
 */
#define LOCUST__TLS_FAST _Thread_local __attribute__((tls_model("initial-exec")))

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
 * The user's HTTP session, created on first use by http_session.c. The core
 * frees it when the user ends, and calls task_end after every task so that
 * responses the task did not free are released (with the task's failure
 * message, or NULL when it ended normally).
 */
typedef struct locust__user_ext {
    void *ptr;
    void (*task_end)(void *ptr, const char *fail_msg);
    void (*destroy)(void *ptr);
} locust__user_ext;
locust__user_ext *locust__user_http_ext(locust_user *u);

/* ---- runner ------------------------------------------------------------ */

struct ev_loop *locust__runner_loop(locust_runner *r);
/* The seconds requests in flight get to finish when users stop (0: none). */
double locust__runner_stop_grace(const locust_runner *r);
/* The runner's curl multi glue, created on first use by http_multi.c. */
locust__http_multi **locust__runner_http_slot(locust_runner *r);
void locust__http_multi_free(locust__http_multi *m);
/* Frees the responses and buffers this thread keeps for reuse. */
void locust__http_pools_drain(void);

/*
 * A delegate takes over a runner's user management: the master uses it so
 * that locust_runner_start/stop/quit drive slaves instead of local users,
 * while the CLI and the web UI keep using the plain runner API.
 */
typedef struct locust__delegate {
    void *ud;
    bool is_master;
    int (*start)(void *ud, unsigned users, double hatch_rate);
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
 * Extension slots: other parts of the library keep their per-runner state
 * here; free_fn runs in locust_runner_free(), before the loop is destroyed.
 */
enum { LOCUST__SLOT_WEB = 0, LOCUST__SLOT_DIST, LOCUST__SLOT_WEB_ROUTES, LOCUST__SLOT_COUNT };
void *locust__runner_slot(const locust_runner *r, int which);
void locust__runner_set_slot(locust_runner *r, int which, void *ptr, void (*free_fn)(void *));

/* ---- events ------------------------------------------------------------ */

typedef struct locust__hooks locust__hooks;
int locust__hooks_new(locust__hooks **out);
void locust__hooks_free(locust__hooks *h);
int locust__hooks_add(locust__hooks *h, locust_event_type t, locust_listener_fn fn, void *udata);
int locust__hooks_remove(locust__hooks *h, locust_event_type t, locust_listener_fn fn, void *udata);
void locust__hooks_fire(locust__hooks *h, const locust_event *ev);
bool locust__hooks_any(const locust__hooks *h, locust_event_type t);
locust__hooks *locust__runner_hooks(locust_runner *r);

/* ---- random numbers (xoshiro256**, seeded by splitmix64) ---------------- */

typedef struct locust__rng {
    uint64_t s[4];
} locust__rng;
void locust__rng_seed(locust__rng *g, uint64_t seed);
uint64_t locust__rng_next(locust__rng *g);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t locust__rng_below(locust__rng *g, uint64_t n);
double locust__rng_double(locust__rng *g);

/* ---- small helpers ------------------------------------------------------ */

/* Wall-clock seconds since the epoch, with sub-microsecond resolution. */
double locust__now(void);
/* Monotonic seconds. */
double locust__mono(void);
char *locust__strdup(const char *s);

#endif /* LOCUST_INTERNAL_H */
