/*
 * The runner: hatches users at a rate, spreads them over classes by weight,
 * changes the count while running, stops, quits and runs teardowns (spec
 * §4.1 and §4.7). Everything happens on one libev loop.
 *
 * Users are resumed only from the loop's own stack: a user that becomes
 * runnable is put on the ready queue, which an ev_check watcher drains after
 * every poll (an ev_idle watcher keeps the poll from blocking meanwhile).
 */
#include "core/runner.h"
#include "core/arrival.h"
#include "core/fiber.h"
#include "core/lag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct teardown_entry {
    size_t class_index;
    const locust_taskset *ts;
    locust_task_fn fn;
} teardown_entry;

typedef struct exception_row {
    char *msg, *traceback, *nodes;
    uint64_t count;
} exception_row;

/* Caps: the task-exception table and the teardown list. */
#define MAX_EXCEPTIONS 1000
#define MAX_CLASSES    1024

struct locust_runner {
    struct ev_loop *loop;
    bool own_loop;
    char *host;
    uint64_t seed;
    locust__rng rng;
    bool reset_stats;
    locust__model *model;
    locust__class_state *classes;
    size_t n_classes;
    locust_runner_state state;
    unsigned target;
    locust_stats *stats;
    locust__hooks *hooks;
    char err[512];

    locust__list users; /* live users (including those being killed), newest first */
    unsigned n_users;
    uint64_t next_id;
    locust__list ready; /* users to run on the next pass of the loop */
    size_t rq_len;
    ev_idle idle;
    ev_check check;

    /* Hatching: classes still to spawn, drawn at random as 0.9.0 does. */
    ev_timer hatch_timer;
    size_t *bucket;
    size_t bucket_n, bucket_total, spawned;
    double hatch_rate, hatch_start;
    unsigned *spawned_per_class;

    unsigned spawn_failed; /* users that could not be created this test */
    double stop_timeout;   /* grace for requests in flight at stop */
    unsigned n_stopping;   /* users asked to stop that have not ended yet */
    unsigned n_abandoned;  /* ... whose request in flight a stop without grace abandoned */
    ev_timer stop_timer;
    ev_timer run_timer;
    bool in_run, quitting, quit_done, tearing_down;
    teardown_entry *teardowns;
    size_t n_teardowns, next_teardown;
    locust_user *teardown_user;

    exception_row *exc;
    size_t n_exc;

    locust__lag lag; /* the loop-lag watch (lag.c) */

    locust__delegate delegate;
    bool has_delegate;
    bool crash_reports;              /* counted in the thread's crash-report set-up */
    struct locust__arrival *arrival; /* the open model's pool (arrival.c), NULL in the closed model */
    struct {
        void *ptr;
        void (*free_fn)(void *);
    } slots[LOCUST__SLOT_COUNT];
};

void locust__runner_set_delegate(locust_runner *r, const locust__delegate *d)
{
    r->has_delegate = d != NULL;
    if (d) r->delegate = *d;
}

const locust__delegate *locust__runner_delegate(const locust_runner *r)
{
    return r->has_delegate ? &r->delegate : NULL;
}

void locust__runner_set_state(locust_runner *r, locust_runner_state s)
{
    r->state = s;
}

void *locust__runner_slot(const locust_runner *r, int which)
{
    return which >= 0 && which < LOCUST__SLOT_COUNT ? r->slots[which].ptr : NULL;
}

void locust__runner_set_slot(locust_runner *r, int which, void *ptr, void (*free_fn)(void *))
{
    if (which < 0 || which >= LOCUST__SLOT_COUNT) return;
    r->slots[which].ptr = ptr;
    r->slots[which].free_fn = free_fn;
}

bool locust_runner_is_master(const locust_runner *r)
{
    return r && r->has_delegate && r->delegate.is_master;
}

size_t locust_runner_slave_count(const locust_runner *r)
{
    return r && r->has_delegate && r->delegate.slave_count ? r->delegate.slave_count(r->delegate.ud) : 0;
}

int locust_runner_slave(const locust_runner *r, size_t i, locust_slave_info *out)
{
    if (!r || !out || !r->has_delegate || !r->delegate.slave) return LOCUST_ENOENT;
    return r->delegate.slave(r->delegate.ud, i, out);
}

/* ---- small accessors --------------------------------------------------------- */

double locust__runner_stop_grace(const locust_runner *r)
{
    return r->stop_timeout;
}

struct ev_loop *locust__runner_loop(locust_runner *r)
{
    return r->loop;
}

struct ev_loop *locust_runner_loop(locust_runner *r)
{
    return r->loop;
}

locust__hooks *locust__runner_hooks(locust_runner *r)
{
    return r->hooks;
}

locust__model *locust__runner_model(locust_runner *r)
{
    return r->model;
}

locust_stats *locust_runner_stats(locust_runner *r)
{
    return r ? r->stats : NULL;
}

locust__class_state *locust__runner_class_state(locust_runner *r, size_t i)
{
    return i < r->n_classes ? &r->classes[i] : NULL;
}

locust_runner_state locust_runner_state_get(const locust_runner *r)
{
    return r->state;
}

const char *locust_runner_state_name(locust_runner_state s)
{
    static const char *const names[] = {"ready", "hatching", "running", "cleanup", "stopped"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

unsigned locust_runner_user_count(const locust_runner *r)
{
    if (r->has_delegate && r->delegate.user_count) return r->delegate.user_count(r->delegate.ud);
    unsigned n = 0;
    for (size_t i = 0; i < r->n_classes; i++)
        n += r->classes[i].live;
    return n;
}

unsigned locust_runner_target_count(const locust_runner *r)
{
    return r->target;
}

size_t locust_runner_class_count(const locust_runner *r)
{
    return r->n_classes;
}

const locust_class *locust_runner_class_at(const locust_runner *r, size_t i)
{
    return i < r->n_classes ? r->classes[i].cls : NULL;
}

unsigned locust_runner_class_user_count(const locust_runner *r, size_t i)
{
    return i < r->n_classes ? r->classes[i].live : 0;
}

const char *locust_runner_host(const locust_runner *r)
{
    return r->host;
}

int locust_runner_set_host(locust_runner *r, const char *host)
{
    char *h = NULL, why[256];
    if (host && locust_url_check(host, why, sizeof why))
        return locust__runner_error(r, LOCUST_EINVAL, "host '%s': %s", host, why);
    if (host && !(h = locust__strdup(host))) return LOCUST_ENOMEM;
    free(r->host);
    r->host = h;
    return 0;
}

const char *locust_runner_last_error(const locust_runner *r)
{
    return r ? r->err : "";
}

int locust__runner_error(locust_runner *r, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return err;
}

uint64_t locust__runner_user_seed(locust_runner *r, uint64_t user_id)
{
    return r->seed ^ (user_id * 0x9e3779b97f4a7c15ULL);
}

/* ---- the ready queue --------------------------------------------------------- */

void locust__runner_schedule(locust_runner *r, locust_user *u)
{
    if (u->queued || u->finished) return;
    u->queued = true;
    locust__list_push_tail(&r->ready, &u->rq_link);
    r->rq_len++;
    if (!ev_is_active(&r->idle)) ev_idle_start(r->loop, &r->idle);
}

static void drain_ready(locust_runner *r)
{
    /* Only the users queued before this pass run now; users they wake wait
     * for the next pass, so the loop keeps polling sockets in between. */
    size_t n = r->rq_len;
    /* The I/O and timer callbacks of this iteration ran first (see
     * locust_runner_new): refresh the loop's clock, so that the waits the
     * users arm now count from now, not from before those callbacks. */
    if (n) ev_now_update(r->loop);
    locust__list *l;
    while (n-- > 0 && (l = locust__list_first(&r->ready)) != NULL) {
        locust_user *u = locust__list_entry(l, locust_user, rq_link);
        locust__list_remove(l);
        r->rq_len--;
        u->queued = false;
        if (!locust__lag_profiling(&r->lag)) {
            locust__user_run(u);
            continue;
        }
        /* The loop was blocked: time each run to find the task that blocks it,
         * the one the user started in this run or else the one it was in. */
        const locust_class *cls = u->cls;
        const locust_task *in_progress = locust__user_task(u);
        uint64_t before, after;
        locust__last_task(&before);
        long sleeps = locust__lag_sleeps();
        double t0 = ev_time();
        locust__user_run(u); /* may free u */
        double took = ev_time() - t0;
        const locust_task *started = locust__last_task(&after);
        locust__lag_ran(&r->lag, cls, after != before ? started : in_progress, took,
                        locust__lag_sleeps() != sleeps);
    }
    if (locust__list_empty(&r->ready)) ev_idle_stop(r->loop, &r->idle);
}

static void check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
    drain_ready((locust_runner *)w->data);
}

static void idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
    /* Nothing to do here: an active idle watcher makes the poll return at
     * once, and check_cb runs the queue. */
}

/* ---- loop lag ------------------------------------------------------------------ */

unsigned locust__runner_local_users(const locust_runner *r)
{
    return r->n_users;
}

double locust_runner_loop_lag(const locust_runner *r, double *max_ms)
{
    if (max_ms) *max_ms = r->lag.max_ms;
    return r->lag.ms;
}

/* ---- creation ------------------------------------------------------------------ */

int locust_runner_new_sized(locust_runner **out, const locust_runner_options *opts, size_t opts_size,
                            int api_version)
{
    locust_runner_options none = {0}, adapted;
    char why[256];
    if (!out) return LOCUST_EINVAL;
    *out = NULL;
    /* The static definitions a program hands us are read in place: their
     * layout must be the one this library was built with. */
    if (api_version != LOCUST_API_VERSION) {
        locust_log(LOCUST_LOG_ERROR, "locust.runners",
                   "this program was built against liblocust API version %d, but the library is %s "
                   "(API version %d): rebuild the program",
                   api_version, locust_version(), LOCUST_API_VERSION);
        return LOCUST_EABI;
    }
    int aerr;
    opts = locust__opts_adapt(opts, opts_size, &adapted, sizeof adapted, &aerr);
    if (aerr) {
        locust_log(LOCUST_LOG_ERROR, "locust.runners",
                   "runner options: a field this liblocust (%s) does not know is set", locust_version());
        return aerr;
    }
    if (!opts) opts = &none;
    /* There is no runner yet to hold the detail, so it is logged. */
    if (opts->host && locust_url_check(opts->host, why, sizeof why)) {
        locust_log(LOCUST_LOG_ERROR, "locust.runners", "Invalid host '%s': %s", opts->host, why);
        return LOCUST_EINVAL;
    }
    if (!(opts->stop_timeout >= 0) || !isfinite(opts->stop_timeout)) {
        locust_log(LOCUST_LOG_ERROR, "locust.runners",
                   "Invalid stop_timeout %g: seconds >= 0 (with stop_timeout_set, 0 is no grace)",
                   opts->stop_timeout);
        return LOCUST_EINVAL;
    }
    locust_runner *r = calloc(1, sizeof *r);
    if (!r) return LOCUST_ENOMEM;
    locust__list_init(&r->users);
    locust__list_init(&r->ready);
    int err = LOCUST_ENOMEM;
    if (opts->loop) {
        r->loop = opts->loop;
    } else {
        r->loop = ev_loop_new(EVFLAG_AUTO);
        r->own_loop = true;
        if (!r->loop) goto fail;
    }
    if (opts->host && !(r->host = locust__strdup(opts->host))) goto fail;
    r->seed =
        opts->seed || opts->seed_set ? opts->seed : (uint64_t)(locust__now() * 1e6) ^ (uint64_t)(uintptr_t)r;
    locust__rng_seed(&r->rng, r->seed);
    r->reset_stats = opts->reset_stats;
    r->stop_timeout =
        opts->stop_timeout == 0 && !opts->stop_timeout_set ? LOCUST_DEFAULT_STOP_TIMEOUT : opts->stop_timeout;
    if ((err = locust__model_new(&r->model))) goto fail;
    if ((err = locust__model_set_filter(r->model, opts->tags, opts->exclude_tags))) goto fail;
    if ((err = locust__hooks_new(&r->hooks))) goto fail;
    if ((err = locust_stats_new(&r->stats))) goto fail;
    ev_idle_init(&r->idle, idle_cb);
    ev_check_init(&r->check, check_cb);
    /* libev invokes the pending watchers of one priority last queued first,
     * so a check watcher of the default priority would run before the I/O
     * and timer callbacks of its own iteration: the users they wake would
     * wait for the next poll, one more epoll_wait() per wake-up. At the
     * lowest priority it runs after them. */
    ev_set_priority(&r->check, EV_MINPRI);
    r->check.data = r;
    ev_check_start(r->loop, &r->check);
    /* The check watcher alone must not keep locust_runner_run() going. */
    ev_unref(r->loop);
    locust__lag_start(&r->lag, r, r->loop);
    r->state = LOCUST_STATE_READY;
    r->crash_reports = true;
    locust__crash_thread_enter();
    *out = r;
    return 0;
fail:
    locust_runner_free(r);
    return err;
}

/* The drain functions registered on this thread (see core.h). */
static _Thread_local void (*thread_drains[LOCUST__MAX_DRAINS])(void);
static _Thread_local size_t n_thread_drains;

int locust__thread_drain_register(void (*drain)(void))
{
    for (size_t i = 0; i < n_thread_drains; i++)
        if (thread_drains[i] == drain) return 0;
    if (n_thread_drains == LOCUST__MAX_DRAINS) return LOCUST_ETOOBIG;
    thread_drains[n_thread_drains++] = drain;
    return 0;
}

static void locust__thread_drains_run(void)
{
    for (size_t i = 0; i < n_thread_drains; i++)
        thread_drains[i]();
}

void locust_runner_free(locust_runner *r)
{
    if (!r) return;
    /* Extensions that drive users go first: they may still use the loop
     * and the stats. */
    for (int i = 0; i < LOCUST__SLOT_LATE; i++) {
        if (r->slots[i].ptr && r->slots[i].free_fn) r->slots[i].free_fn(r->slots[i].ptr);
        r->slots[i].ptr = NULL;
    }
    locust__arrival_free(r->arrival);
    r->arrival = NULL;
    unsigned in_flight = 0;
    locust__list *l;
    while ((l = locust__list_first(&r->users)) != NULL) {
        locust__list_remove(l);
        locust_user *u = locust__list_entry(l, locust_user, link);
        in_flight += u->blocked_io;
        locust__user_free(u);
    }
    if (in_flight)
        locust_log(LOCUST_LOG_WARNING, "locust.runners",
                   "%u users were freed while waiting for a response: their requests are abandoned and not "
                   "counted (quit the runner and let its loop end first)",
                   in_flight);
    if (r->teardown_user) locust__user_free(r->teardown_user);
    if (r->loop) {
        ev_timer_stop(r->loop, &r->hatch_timer);
        ev_timer_stop(r->loop, &r->run_timer);
        ev_timer_stop(r->loop, &r->stop_timer);
        ev_idle_stop(r->loop, &r->idle);
        if (ev_is_active(&r->check)) {
            ev_ref(r->loop);
            ev_check_stop(r->loop, &r->check);
        }
        locust__lag_stop(&r->lag, r->loop);
    }
    /* The late slots outlive the users, whose ending still used them. */
    for (int i = LOCUST__SLOT_LATE; i < LOCUST__SLOT_COUNT; i++) {
        if (r->slots[i].ptr && r->slots[i].free_fn) r->slots[i].free_fn(r->slots[i].ptr);
        r->slots[i].ptr = NULL;
    }
    for (size_t i = 0; i < r->n_exc; i++) {
        free(r->exc[i].msg);
        free(r->exc[i].traceback);
        free(r->exc[i].nodes);
    }
    free(r->exc);
    free(r->teardowns);
    free(r->bucket);
    free(r->spawned_per_class);
    free(r->classes);
    locust_stats_free(r->stats);
    locust__hooks_free(r->hooks);
    locust__model_free(r->model);
    if (r->own_loop && r->loop) ev_loop_destroy(r->loop);
    if (r->crash_reports) locust__crash_thread_leave();
    free(r->host);
    free(r);
    /* What this thread keeps for reuse goes with its runner: a harness that
     * ends a runner (or its thread) gets all the memory back. */
    locust__fiber_pool_drain();
    locust__thread_drains_run();
}

int locust_runner_add_class(locust_runner *r, const locust_class *cls)
{
    if (!r) return LOCUST_EINVAL;
    r->err[0] = 0;
    if (r->state != LOCUST_STATE_READY || r->n_users)
        return locust__runner_error(r, LOCUST_ESTATE, "classes can only be added before the first start");
    if (r->n_classes >= MAX_CLASSES)
        return locust__runner_error(r, LOCUST_ETOOBIG, "more than %d locust classes", MAX_CLASSES);
    for (size_t i = 0; cls && cls->name && i < r->n_classes; i++)
        if (strcmp(r->classes[i].cls->name, cls->name) == 0)
            return locust__runner_error(r, LOCUST_ECLASS, "class '%s': field .name is used by another class",
                                        cls->name);
    int err = locust__model_add_class(r->model, cls, r->err, sizeof r->err);
    if (err) return err;
    /* A malformed host would fail every request of every user of the class
     * (an empty one is no host, like NULL). */
    char why[256];
    if (cls->host && *cls->host && locust_url_check(cls->host, why, sizeof why))
        return locust__runner_error(r, LOCUST_ECLASS, "class '%s': field .host '%s': %s", cls->name,
                                    cls->host, why);
    locust__class_state *v = realloc(r->classes, (r->n_classes + 1) * sizeof *v);
    if (!v) return LOCUST_ENOMEM;
    r->classes = v;
    unsigned *sp = realloc(r->spawned_per_class, (r->n_classes + 1) * sizeof *sp);
    if (!sp) return LOCUST_ENOMEM;
    r->spawned_per_class = sp;
    r->classes[r->n_classes] = (locust__class_state){.cls = cls};
    r->n_classes++;
    if (locust__model_tags(r->model, false) || locust__model_tags(r->model, true)) {
        /* The tag filter applies to the new class; a class it leaves empty is refused. */
        if ((err = locust__tags_apply(r, r->err, sizeof r->err))) {
            r->n_classes--;
            locust__tags_apply(r, NULL, 0);
            return err;
        }
    }
    return 0;
}

/* ---- users ------------------------------------------------------------------- */

static int spawn_user(locust_runner *r, size_t class_index, locust_user **out)
{
    locust_user *u;
    int err = locust__user_new(r, class_index, &u);
    if (err) {
        /* Each stack is two mappings (guard page and stack), and the kernel's
         * vm.max_map_count (65530 by default) is usually what runs out first. */
        if (!r->spawn_failed++)
            locust_log(LOCUST_LOG_ERROR, "locust.runners",
                       "Could not start a %s user (%u running): %s. If this is about memory maps, "
                       "raise vm.max_map_count (sysctl -w vm.max_map_count=262144); each user needs two.",
                       r->classes[class_index].cls->name, r->n_users, locust_strerror(err));
        return err;
    }
    u->id = ++r->next_id;
    locust__rng_seed(&u->rng, locust__runner_user_seed(r, u->id));
    locust__list_push_head(&r->users, &u->link);
    r->n_users++;
    r->classes[class_index].live++;
    locust__runner_schedule(r, u);
    if (out) *out = u;
    return 0;
}

int locust__runner_spawn(locust_runner *r, size_t class_index, locust_user **out)
{
    return spawn_user(r, class_index, out);
}

struct locust__arrival *locust__runner_arrival(locust_runner *r)
{
    return r->arrival;
}

void locust__runner_set_arrival(locust_runner *r, struct locust__arrival *a)
{
    if (r->arrival != a) locust__arrival_free(r->arrival);
    r->arrival = a;
}

static void stop_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust_runner *r = w->data;
    unsigned n = 0;
    locust__list *l, *tmp;
    locust__list_foreach_safe(l, tmp, &r->users)
    {
        locust_user *u = locust__list_entry(l, locust_user, link);
        if (u->kill_requested && !u->finished) {
            locust__user_force_kill(u);
            n++;
        }
    }
    if (n)
        locust_log(LOCUST_LOG_WARNING, "locust.runners",
                   "%u users were still waiting for a response %.3g s after they were asked to stop; "
                   "their requests are abandoned and not counted",
                   n, r->stop_timeout);
}

/*
 * Says how many users lost a request in flight to a stop without grace
 * (stop_timeout 0): such a stop must not shorten the counts silently.
 */
static void report_abandoned(locust_runner *r)
{
    if (r->n_abandoned)
        locust_log(LOCUST_LOG_WARNING, "locust.runners",
                   "%u users were waiting for a response when they were asked to stop, with no stop "
                   "grace (stop_timeout 0): their requests are abandoned and not counted",
                   r->n_abandoned);
    r->n_abandoned = 0;
}

/* Asks a user to stop; call report_abandoned() after a batch of these. */
static void kill_user(locust_runner *r, locust_user *u)
{
    if (u->kill_requested || u->finished) return;
    if (!u->special_fn) r->classes[u->class_index].live--;
    r->n_stopping++;
    if (r->stop_timeout == 0) {
        if (u->blocked_io) r->n_abandoned++;
        locust__user_force_kill(u);
        return;
    }
    locust__user_kill(u);
    /* One grace period covers every user asked to stop at about this time. */
    if (!ev_is_active(&r->stop_timer)) {
        ev_timer_init(&r->stop_timer, stop_timer_cb, r->stop_timeout, 0.);
        r->stop_timer.data = r;
        ev_timer_start(r->loop, &r->stop_timer);
    }
}

static void run_next_teardown(locust_runner *r);
static void finish_quit(locust_runner *r);

/* Takes a user off the ready queue (it ended while queued, e.g. killed
 * right after a zero wait queued it): O(1), wherever it stands. */
static void unqueue(locust_runner *r, locust_user *u)
{
    locust__list_remove(&u->rq_link);
    r->rq_len--;
    u->queued = false;
}

void locust__runner_user_finished(locust_runner *r, locust_user *u)
{
    if (u->queued) unqueue(r, u);
    if (u == r->teardown_user) {
        r->teardown_user = NULL;
        locust__user_free(u);
        run_next_teardown(r);
        return;
    }
    if (r->arrival) locust__arrival_forget(r->arrival, u);
    /* A user that ended by itself (locust_stop_user) is not replaced. */
    if (!u->kill_requested) r->classes[u->class_index].live--;
    locust__list_remove(&u->link);
    r->n_users--;
    if (u->kill_requested && --r->n_stopping == 0) ev_timer_stop(r->loop, &r->stop_timer);
    locust__user_free(u);
    if (r->n_users == 0 && (r->state == LOCUST_STATE_CLEANUP || r->quitting)) {
        if (r->state == LOCUST_STATE_CLEANUP) {
            r->state = LOCUST_STATE_STOPPED;
            locust__test_stop(r);
            locust_event ev = {.type = LOCUST_EV_LOCUST_STOP_HATCHING, .runner = r};
            locust__hooks_fire(r->hooks, &ev);
        }
        if (r->quitting && !r->tearing_down) {
            r->tearing_down = true;
            run_next_teardown(r);
        }
    }
}

/* ---- hatching -------------------------------------------------------------------- */

static void hatch_complete(locust_runner *r)
{
    char buf[1024];
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < r->n_classes && off < sizeof buf; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s: %u", i ? ", " : "",
                                r->classes[i].cls->name, r->spawned_per_class[i]);
    locust_log(LOCUST_LOG_INFO, "locust.runners", "All locusts hatched: %s", buf);
    locust__runner_hatch_complete(r, r->target);
}

void locust__runner_hatch_complete(locust_runner *r, unsigned user_count)
{
    r->state = LOCUST_STATE_RUNNING;
    locust_event ev = {.type = LOCUST_EV_HATCH_COMPLETE, .runner = r, .user_count = user_count};
    locust__hooks_fire(r->hooks, &ev);
    if (r->reset_stats) {
        locust_log(LOCUST_LOG_INFO, "locust.runners", "Resetting stats");
        locust_stats_reset(r->stats);
    }
}

static void hatch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust_runner *r = w->data;
    double elapsed = ev_now(loop) - r->hatch_start;
    /* User k (from 0) is due at k / rate; catching up keeps the average
     * rate exact even when the loop was late. */
    double due_f = floor(elapsed * r->hatch_rate + 1e-9) + 1;
    size_t due = due_f > (double)r->bucket_total ? r->bucket_total : (size_t)due_f;
    while (r->spawned < due && r->bucket_n) {
        size_t k = (size_t)locust__rng_below(&r->rng, r->bucket_n);
        size_t ci = r->bucket[k];
        r->bucket[k] = r->bucket[--r->bucket_n];
        r->spawned++;
        r->spawned_per_class[ci]++;
        spawn_user(r, ci, NULL);
        if (r->spawned % 10 == 0)
            locust_log(LOCUST_LOG_DEBUG, "locust.runners", "%zu locusts hatched", r->spawned);
    }
    double next;
    if (r->spawned < r->bucket_total) {
        next = (double)r->spawned / r->hatch_rate - elapsed;
    } else {
        /* As in 0.9.0, the last user is followed by one more interval, so N
         * users take N / rate seconds. */
        next = (double)r->bucket_total / r->hatch_rate - elapsed;
        if (next <= 0) {
            ev_timer_stop(loop, w);
            hatch_complete(r);
            return;
        }
    }
    ev_timer_stop(loop, w);
    ev_timer_set(w, next > 0 ? next : 0., 0.);
    ev_timer_start(loop, w);
}

/* Newest users of a class go first when the count goes down. */
static void kill_class_users(locust_runner *r, size_t ci, unsigned n)
{
    locust__list *l, *tmp;
    locust__list_foreach_safe(l, tmp, &r->users)
    {
        if (!n) break;
        locust_user *u = locust__list_entry(l, locust_user, link);
        if (u->class_index == ci && !u->kill_requested && !u->special_fn) {
            kill_user(r, u);
            n--;
        }
    }
    report_abandoned(r);
}

int locust_runner_start_counts(locust_runner *r, const unsigned *counts, double hatch_rate)
{
    if (!r || !counts) return LOCUST_EINVAL;
    if (!(hatch_rate > 0) || !isfinite(hatch_rate))
        return locust__runner_error(r, LOCUST_EINVAL, "hatch rate must be a number > 0 (got %g)", hatch_rate);
    if (r->n_classes == 0) return locust__runner_error(r, LOCUST_ECLASS, "no locust classes were added");
    if (r->quitting) return locust__runner_error(r, LOCUST_ESTATE, "the runner is quitting");
    unsigned total = 0;
    for (size_t i = 0; i < r->n_classes; i++) {
        if (counts[i] > LOCUST_MAX_USERS - total)
            return locust__runner_error(r, LOCUST_ERANGE, "at most %u users per process (asked for more)",
                                        (unsigned)LOCUST_MAX_USERS);
        total += counts[i];
    }
    if (r->has_delegate && r->delegate.start_counts) {
        /* A master places the classes' users on its slaves. */
        r->target = total;
        return r->delegate.start_counts(r->delegate.ud, counts, hatch_rate);
    }
    if (r->state == LOCUST_STATE_READY || r->state == LOCUST_STATE_STOPPED) {
        /* A new test: clear the statistics and the task exceptions. */
        locust_stats_clear(r->stats);
        locust_stats_set_start_time(r->stats, locust__now());
        locust__runner_clear_exceptions(r);
        locust__test_start(r);
        locust_event ev = {.type = LOCUST_EV_LOCUST_START_HATCHING, .runner = r, .user_count = total};
        locust__hooks_fire(r->hooks, &ev);
    }
    r->hatch_rate = hatch_rate;
    r->target = total;
    r->state = LOCUST_STATE_HATCHING;
    ev_timer_stop(r->loop, &r->hatch_timer);
    if (r->arrival) {
        /* The open model: the pool grows as runs come due (arrival.c), so nothing is hatched. */
        int err = locust__arrival_start(r->arrival, total);
        if (!err) locust__runner_hatch_complete(r, total);
        return err;
    }

    size_t to_spawn = 0;
    for (size_t i = 0; i < r->n_classes; i++) {
        unsigned live = r->classes[i].live;
        if (live > counts[i]) kill_class_users(r, i, live - counts[i]);
        if (counts[i] > live) to_spawn += counts[i] - live;
    }
    if (to_spawn) {
        locust_log(LOCUST_LOG_INFO, "locust.runners",
                   "Hatching and swarming %zu clients at the rate %g clients/s...", to_spawn, hatch_rate);
    } else {
        locust_log(LOCUST_LOG_INFO, "locust.runners", "Now at %u users", total);
    }
    size_t *b = realloc(r->bucket, (to_spawn ? to_spawn : 1) * sizeof *b);
    if (!b) return LOCUST_ENOMEM;
    r->bucket = b;
    r->bucket_n = 0;
    for (size_t i = 0; i < r->n_classes; i++) {
        r->spawned_per_class[i] = 0;
        for (unsigned live = r->classes[i].live; live < counts[i]; live++)
            r->bucket[r->bucket_n++] = i;
    }
    r->bucket_total = r->bucket_n;
    r->spawned = 0;
    if (!to_spawn) {
        hatch_complete(r);
        return 0;
    }
    r->hatch_start = ev_now(r->loop);
    ev_timer_init(&r->hatch_timer, hatch_cb, 0., 0.);
    r->hatch_timer.data = r;
    ev_timer_start(r->loop, &r->hatch_timer);
    return 0;
}

int locust_runner_start(locust_runner *r, unsigned users, double hatch_rate)
{
    if (!r) return LOCUST_EINVAL;
    if (users > LOCUST_MAX_USERS)
        return locust__runner_error(r, LOCUST_ERANGE, "at most %u users per process (asked for %u)",
                                    (unsigned)LOCUST_MAX_USERS, users);
    if (r->has_delegate && r->delegate.start) {
        if (!(hatch_rate > 0) || !isfinite(hatch_rate))
            return locust__runner_error(r, LOCUST_EINVAL, "hatch rate must be a number > 0 (got %g)",
                                        hatch_rate);
        if (r->quitting) return locust__runner_error(r, LOCUST_ESTATE, "the runner is quitting");
        r->target = users;
        return r->delegate.start(r->delegate.ud, users, hatch_rate);
    }
    if (r->n_classes == 0) return locust__runner_error(r, LOCUST_ECLASS, "no locust classes were added");
    unsigned *counts = malloc(r->n_classes * sizeof *counts);
    unsigned total = 0;
    int err = counts ? locust__runner_split(r, users, counts, &total) : LOCUST_ENOMEM;
    if (!err && total < users)
        locust_log(LOCUST_LOG_WARNING, "locust.runners",
                   "Every class has a fixed count: starting %u users instead of %u", total, users);
    if (!err) err = locust_runner_start_counts(r, counts, hatch_rate);
    free(counts);
    return err;
}

int locust_runner_stop(locust_runner *r)
{
    if (!r) return LOCUST_EINVAL;
    if (r->has_delegate && r->delegate.stop) return r->delegate.stop(r->delegate.ud);
    ev_timer_stop(r->loop, &r->hatch_timer);
    if (r->arrival) locust__arrival_stop(r->arrival);
    r->bucket_n = 0;
    if (r->state == LOCUST_STATE_READY || r->state == LOCUST_STATE_STOPPED) return 0;
    r->target = 0;
    locust__list *l, *tmp;
    locust__list_foreach_safe(l, tmp, &r->users) kill_user(r, locust__list_entry(l, locust_user, link));
    report_abandoned(r);
    if (r->n_users == 0) {
        r->state = LOCUST_STATE_STOPPED;
        locust__test_stop(r);
        locust_event ev = {.type = LOCUST_EV_LOCUST_STOP_HATCHING, .runner = r};
        locust__hooks_fire(r->hooks, &ev);
    } else {
        r->state = LOCUST_STATE_CLEANUP;
    }
    return 0;
}

/* ---- quitting and teardowns ------------------------------------------------------- */

void locust__runner_add_teardown(locust_runner *r, size_t class_index, const locust_taskset *ts,
                                 locust_task_fn fn)
{
    teardown_entry *v = realloc(r->teardowns, (r->n_teardowns + 1) * sizeof *v);
    if (!v) {
        locust_log(LOCUST_LOG_ERROR, "locust.runners", "out of memory: a teardown will not run");
        return;
    }
    r->teardowns = v;
    r->teardowns[r->n_teardowns++] = (teardown_entry){class_index, ts, fn};
}

/* Teardowns run one at a time, last registered first (task sets before classes). */
static void run_next_teardown(locust_runner *r)
{
    while (r->next_teardown < r->n_teardowns) {
        teardown_entry *t = &r->teardowns[r->n_teardowns - 1 - r->next_teardown++];
        locust_user *u;
        if (locust__user_new_special(r, t->class_index, t->ts, t->fn, &u) == 0) {
            u->id = ++r->next_id;
            locust__rng_seed(&u->rng, locust__runner_user_seed(r, u->id));
            r->teardown_user = u;
            locust__runner_schedule(r, u);
            return;
        }
    }
    finish_quit(r);
}

void locust__runner_finish_quit(locust_runner *r)
{
    finish_quit(r);
}

static void finish_quit(locust_runner *r)
{
    if (r->quit_done) return;
    r->quit_done = true;
    locust__test_stop(r);
    locust_event ev = {.type = LOCUST_EV_QUITTING, .runner = r};
    locust__hooks_fire(r->hooks, &ev);
    ev_timer_stop(r->loop, &r->run_timer);
    if (r->in_run) ev_break(r->loop, EVBREAK_ONE);
}

int locust_runner_quit(locust_runner *r)
{
    if (!r) return LOCUST_EINVAL;
    if (r->quitting) return 0;
    r->quitting = true;
    if (r->has_delegate && r->delegate.quit) return r->delegate.quit(r->delegate.ud);
    locust_runner_stop(r);
    if (r->n_users == 0 && !r->tearing_down) {
        r->tearing_down = true;
        run_next_teardown(r);
    }
    return 0;
}

bool locust_runner_quit_done(const locust_runner *r)
{
    return r->quit_done;
}

bool locust_runner_quitting(const locust_runner *r)
{
    return r && r->quitting;
}

static void run_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust_log(LOCUST_LOG_INFO, "locust.main", "Time limit reached. Stopping Locust.");
    locust_runner_quit((locust_runner *)w->data);
}

void locust__runner_arm_run_time(locust_runner *r, double seconds)
{
    ev_timer_stop(r->loop, &r->run_timer);
    if (seconds > 0) {
        ev_timer_init(&r->run_timer, run_timer_cb, seconds, 0.);
        r->run_timer.data = r;
        ev_timer_start(r->loop, &r->run_timer);
    }
}

int locust_runner_run(locust_runner *r, double run_time)
{
    if (!r) return LOCUST_EINVAL;
    if (run_time > 0) locust__runner_arm_run_time(r, run_time);
    r->in_run = true;
    while (!r->quit_done) {
        ev_run(r->loop, 0);
        /* ev_run returns when nothing is left to watch: nothing more can
         * happen, so the run is over. */
        if (!r->quit_done && !ev_is_active(&r->idle) && !r->n_users && !ev_is_active(&r->hatch_timer) &&
            !r->has_delegate)
            break;
    }
    r->in_run = false;
    return 0;
}

/* ---- task exceptions (runner.exceptions, docs/compatibility.md §4.6) ------------------------------- */

int locust_runner_log_exception(locust_runner *r, const char *node, const char *msg, const char *traceback)
{
    if (!r || !msg || !traceback) return LOCUST_EINVAL;
    if (!node) node = "local";
    exception_row *row = NULL;
    for (size_t i = 0; i < r->n_exc; i++)
        if (strcmp(r->exc[i].traceback, traceback) == 0 && strcmp(r->exc[i].msg, msg) == 0) row = &r->exc[i];
    if (!row) {
        if (r->n_exc >= MAX_EXCEPTIONS) return LOCUST_ETOOBIG;
        exception_row *v = realloc(r->exc, (r->n_exc + 1) * sizeof *v);
        if (!v) return LOCUST_ENOMEM;
        r->exc = v;
        row = &r->exc[r->n_exc];
        *row = (exception_row){locust__strdup(msg), locust__strdup(traceback), locust__strdup(node), 0};
        if (!row->msg || !row->traceback || !row->nodes) {
            free(row->msg);
            free(row->traceback);
            free(row->nodes);
            return LOCUST_ENOMEM;
        }
        r->n_exc++;
    } else if (!strstr(row->nodes, node)) {
        char *nodes = NULL;
        if (asprintf(&nodes, "%s, %s", row->nodes, node) >= 0 && strlen(nodes) < 64 * 1024) {
            free(row->nodes);
            row->nodes = nodes;
        } else {
            free(nodes);
        }
    }
    row->count++;
    return 0;
}

void locust__runner_clear_exceptions(locust_runner *r)
{
    for (size_t i = 0; i < r->n_exc; i++) {
        free(r->exc[i].msg);
        free(r->exc[i].traceback);
        free(r->exc[i].nodes);
    }
    r->n_exc = 0;
}

size_t locust_runner_exception_count(const locust_runner *r)
{
    return r ? r->n_exc : 0;
}

int locust_runner_exception(const locust_runner *r, size_t i, locust_exception_info *out)
{
    if (!r || !out || i >= r->n_exc) return LOCUST_ENOENT;
    out->count = r->exc[i].count;
    out->msg = r->exc[i].msg;
    out->traceback = r->exc[i].traceback;
    out->nodes = r->exc[i].nodes;
    return 0;
}

void locust__runner_task_error(locust_runner *r, locust_ctx *ctx, const char *msg, const char *traceback)
{
    size_t before = r->n_exc;
    locust_runner_log_exception(r, "local", msg, traceback);
    /* The first occurrence is logged as an error, repeats only at debug
     * level, so a failing task cannot flood the console. */
    locust_log(r->n_exc > before ? LOCUST_LOG_ERROR : LOCUST_LOG_DEBUG, "locust.core", "%s: %s", traceback,
               msg);
    locust_event ev = {
        .type = LOCUST_EV_LOCUST_ERROR, .runner = r, .ctx = ctx, .message = msg, .traceback = traceback};
    locust__hooks_fire(r->hooks, &ev);
}
