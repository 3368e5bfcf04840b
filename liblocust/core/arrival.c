/*
 * The open model (--rate): task runs start on a fixed schedule, whatever the
 * system under test does. Run k is due at t0 + k / rate; when it is due, it
 * goes to a free user of the pool (the users waiting between task runs), or
 * to a user created for it while the pool is below its maximum (-c). A run
 * that finds neither is counted as dropped: delaying it would let a slow
 * server slow the load down, which is the closed model's coordinated
 * omission all over again.
 *
 * The timer handles every run that is due when it fires, so a loop that was
 * late catches up (the achieved rate stays exact) and a high rate costs one
 * timer per loop iteration rather than one per run. How late each run was
 * handed out is kept in a precise histogram for the reports and the bench.
 */
#include "core/arrival.h"

#include "core/runner.h"

#include <math.h>
#include <stdlib.h>

/* ---- the schedule ------------------------------------------------------------ */

void locust__schedule_start(locust__schedule *s, double t0, double rate)
{
    s->t0 = t0;
    s->interval = 1.0 / rate;
    s->next = 0;
    locust__hdr_clear(&s->late);
}

double locust__schedule_time(const locust__schedule *s, uint64_t k)
{
    /* Multiplying (instead of adding intervals up) keeps run 10^9 as exact as run 1. */
    return s->t0 + (double)k * s->interval;
}

bool locust__schedule_take(locust__schedule *s, double now, double *intended)
{
    double t = locust__schedule_time(s, s->next);
    if (t > now) return false;
    s->next++;
    *intended = t;
    locust__hdr_record(&s->late, locust__hdr_ns((now - t) * 1000.0), 1);
    return true;
}

/* ---- the pool ------------------------------------------------------------------ */

struct locust__arrival {
    locust_runner *r;
    struct ev_loop *loop;
    double rate;
    unsigned pool_max;
    bool running;
    ev_timer timer;
    locust__schedule sched;
    double started_at, stopped_at;
    /* Users waiting for a run, most recently freed first (their memory is warm). */
    locust_user *free_head;
    unsigned n_free;
    uint64_t started, dropped;
    uint64_t intended_before; /* runs due under the rates before the current one */
    locust__rng rng;
};

static void unlink_free(locust__arrival *a, locust_user *u)
{
    if (!u->arr_free) return;
    if (u->arr_prev)
        u->arr_prev->arr_next = u->arr_next;
    else
        a->free_head = u->arr_next;
    if (u->arr_next) u->arr_next->arr_prev = u->arr_prev;
    u->arr_prev = u->arr_next = NULL;
    u->arr_free = false;
    a->n_free--;
}

/* A class for a new user of the pool, drawn by weight (weight 0 counts as Locust's default 10). */
static size_t draw_class(locust__arrival *a)
{
    size_t n = locust_runner_class_count(a->r);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const locust_class *c = locust_runner_class_at(a->r, i);
        sum += c->weight > 0 ? (uint64_t)c->weight : 10;
    }
    uint64_t x = sum ? locust__rng_below(&a->rng, sum) : 0;
    for (size_t i = 0; i < n; i++) {
        const locust_class *c = locust_runner_class_at(a->r, i);
        uint64_t w = c->weight > 0 ? (uint64_t)c->weight : 10;
        if (x < w) return i;
        x -= w;
    }
    return 0;
}

/* Gives run `intended` to a user, or counts it as dropped. */
static void hand_out(locust__arrival *a, double intended, double now)
{
    double late_ms = (now - intended) * 1000.0;
    locust_user *u = a->free_head;
    if (u) {
        unlink_free(a, u);
        locust__user_wake(u);
    } else if (locust_runner_user_count(a->r) < a->pool_max &&
               locust__runner_spawn(a->r, draw_class(a), &u) == 0) {
        /* The new user starts in this loop iteration; its first task run is this one. */
    } else {
        a->dropped++;
        locust_stats_add_dropped(locust_runner_stats(a->r), 1);
        return;
    }
    u->run_scheduled = true;
    u->run_late_ms = late_ms > 0 ? late_ms : 0;
    a->started++;
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__arrival *a = w->data;
    ev_now_update(loop);
    double now = ev_now(loop), intended;
    while (a->running && locust__schedule_take(&a->sched, now, &intended))
        hand_out(a, intended, now);
    if (!a->running) return;
    double next = locust__schedule_time(&a->sched, a->sched.next) - now;
    ev_timer_set(w, next > 0 ? next : 0., 0.);
    ev_timer_start(loop, w);
}

int locust__arrival_new(locust_runner *r, double rate, locust__arrival **out)
{
    if (!(rate > 0) || !isfinite(rate)) return LOCUST_EINVAL;
    locust__arrival *a = calloc(1, sizeof(*a));
    if (!a) return LOCUST_ENOMEM;
    a->r = r;
    a->loop = locust__runner_loop(r);
    a->rate = rate;
    locust__hdr_init(&a->sched.late);
    locust__rng_seed(&a->rng, locust__runner_user_seed(r, 0));
    ev_timer_init(&a->timer, timer_cb, 0., 0.);
    a->timer.data = a;
    *out = a;
    return 0;
}

void locust__arrival_free(locust__arrival *a)
{
    if (!a) return;
    ev_timer_stop(a->loop, &a->timer);
    locust__hdr_free(&a->sched.late);
    free(a);
}

double locust__arrival_rate(const locust__arrival *a)
{
    return a->rate;
}

static void restart(locust__arrival *a)
{
    ev_timer_stop(a->loop, &a->timer);
    ev_now_update(a->loop);
    locust__schedule_start(&a->sched, ev_now(a->loop), a->rate);
    a->started_at = ev_now(a->loop);
    a->started = a->dropped = a->intended_before = 0;
    ev_timer_set(&a->timer, 0., 0.);
    ev_timer_start(a->loop, &a->timer);
}

/*
 * A new rate during a test (a stage, a shape, a master's new split): the
 * schedule goes on at the new spacing from the last run handed out, so no
 * run is due twice or skipped at the change, and the counts go on.
 */
static void rebase(locust__arrival *a)
{
    ev_timer_stop(a->loop, &a->timer);
    ev_now_update(a->loop);
    double now = ev_now(a->loop), t0 = now;
    if (a->sched.next > 0) {
        double next = locust__schedule_time(&a->sched, a->sched.next - 1) + 1.0 / a->rate;
        if (next > t0) t0 = next;
    }
    a->intended_before += a->sched.next;
    a->sched.t0 = t0;
    a->sched.interval = 1.0 / a->rate;
    a->sched.next = 0;
    ev_timer_set(&a->timer, t0 - now, 0.);
    ev_timer_start(a->loop, &a->timer);
}

void locust__arrival_set_rate(locust__arrival *a, double rate)
{
    a->rate = rate;
    if (a->running) rebase(a);
}

int locust__arrival_start(locust__arrival *a, unsigned pool_max)
{
    a->pool_max = pool_max;
    if (a->running) return 0; /* a new pool size for the running schedule */
    a->running = true;
    restart(a);
    return 0;
}

void locust__arrival_stop(locust__arrival *a)
{
    if (a->running) {
        ev_now_update(a->loop);
        a->stopped_at = ev_now(a->loop);
    }
    a->running = false;
    ev_timer_stop(a->loop, &a->timer);
}

void locust__arrival_wait(locust__arrival *a, locust_user *u)
{
    u->run_scheduled = false;
    u->arr_next = a->free_head;
    u->arr_prev = NULL;
    if (a->free_head) a->free_head->arr_prev = u;
    a->free_head = u;
    u->arr_free = true;
    a->n_free++;
    /* Only hand_out takes a user off the list; any other wake-up is a stop. */
    while (u->arr_free) {
        if (locust__user_block(u) == LOCUST_ECANCELED) {
            unlink_free(a, u);
            u->run_scheduled = false;
            locust__user_unwind(u);
        }
    }
}

void locust__arrival_forget(locust__arrival *a, locust_user *u)
{
    unlink_free(a, u);
}

void locust__arrival_info(const locust__arrival *a, locust_rate_info *out)
{
    out->target_rate = a->rate;
    out->intended = a->intended_before + a->sched.next;
    out->started = a->started;
    out->dropped = a->dropped;
    out->pool_max = a->pool_max;
    out->pool_size = locust_runner_user_count(a->r);
    out->pool_free = a->n_free;
    double end = a->running ? ev_now(a->loop) : a->stopped_at;
    out->elapsed = a->started_at && end > a->started_at ? end - a->started_at : 0;
    if (out->elapsed > 0) out->achieved_rate = (double)a->started / out->elapsed;
    locust__hdr_percentile(&a->sched.late, 0.5, &out->late_p50_ms);
    locust__hdr_percentile(&a->sched.late, 0.99, &out->late_p99_ms);
    locust__hdr_percentile(&a->sched.late, 1.0, &out->late_max_ms);
}

/* ---- the public face ------------------------------------------------------------ */

int locust_runner_set_rate(locust_runner *r, double runs_per_second)
{
    if (!r) return LOCUST_EINVAL;
    if (runs_per_second == 0) {
        locust__arrival *a = locust__runner_arrival(r);
        if (a && a->running)
            return locust__runner_error(r, LOCUST_ESTATE, "cannot leave rate mode while running");
        locust__runner_set_arrival(r, NULL);
        return 0;
    }
    if (!(runs_per_second > 0) || !isfinite(runs_per_second) || runs_per_second > 1e7)
        return locust__runner_error(r, LOCUST_EINVAL, "rate must be a number in (0, 1e7] runs/s (got %g)",
                                    runs_per_second);
    locust__arrival *a = locust__runner_arrival(r);
    if (a) {
        locust__arrival_set_rate(a, runs_per_second);
        return 0;
    }
    int err = locust__arrival_new(r, runs_per_second, &a);
    if (err) return err;
    locust__runner_set_arrival(r, a);
    return 0;
}

double locust_runner_rate(const locust_runner *r)
{
    const locust__arrival *a = r ? locust__runner_arrival((locust_runner *)r) : NULL;
    return a ? a->rate : 0;
}

int locust_runner_rate_info(const locust_runner *r, locust_rate_info *out)
{
    if (!r || !out) return LOCUST_EINVAL;
    const locust__arrival *a = locust__runner_arrival((locust_runner *)r);
    *out = (locust_rate_info){0};
    if (!a) return LOCUST_ENOENT;
    locust__arrival_info(a, out);
    return 0;
}
