/*
 * The open model's arrival schedule (arrival.c): task runs start at fixed
 * times t0 + k / rate, each on a free user of a pool; a run that finds no
 * free user (and no room to create one) is dropped, never delayed.
 *
 * The schedule itself (locust__schedule) knows nothing of users: it is a
 * clock of intended start times with lateness bookkeeping, so that other
 * schedule-driven starts (a user's own constant pacing) can use it too.
 */
#ifndef LOCUST_ARRIVAL_H
#define LOCUST_ARRIVAL_H

#include "core/core.h"
#include "stats/stats_internal.h"

/* ---- the schedule: intended start times ---------------------------------- */

typedef struct locust__schedule {
    double t0;        /* loop time of run 0 */
    double interval;  /* seconds between runs */
    uint64_t next;    /* index of the next run due */
    locust__hdr late; /* how late runs were handed out, ns */
} locust__schedule;

/* Starts a schedule at loop time `t0` with `rate` runs per second (> 0). */
void locust__schedule_start(locust__schedule *s, double t0, double rate);
/* The intended time of run `k`. */
double locust__schedule_time(const locust__schedule *s, uint64_t k);
/*
 * Takes the next run if it is due at loop time `now`: returns true with its
 * intended time in *intended (and records its lateness), false when the next
 * run is in the future.
 */
bool locust__schedule_take(locust__schedule *s, double now, double *intended);

/* ---- the arrival-rate pool ------------------------------------------------ */

typedef struct locust__arrival locust__arrival;

/* Creates the pool of a runner (rate > 0 runs per second). */
int locust__arrival_new(locust_runner *r, double rate, locust__arrival **out);
void locust__arrival_free(locust__arrival *a);
double locust__arrival_rate(const locust__arrival *a);
/* Changes the rate; a running schedule restarts from now at the new rate. */
void locust__arrival_set_rate(locust__arrival *a, double rate);
/* Starts the schedule with a pool of at most `pool_max` users (a new test or a new size). */
int locust__arrival_start(locust__arrival *a, unsigned pool_max);
/* Stops handing out runs (the runner stops the users). */
void locust__arrival_stop(locust__arrival *a);
/*
 * Called by a user of the pool between task runs: the user becomes free and
 * blocks until the schedule hands it a run. Unwinds (does not return) when
 * the user is being stopped.
 */
void locust__arrival_wait(locust__arrival *a, locust_user *u);
/* Forgets a user that ends (it may be on the free list). */
void locust__arrival_forget(locust__arrival *a, locust_user *u);
/* Fills the public figures. */
void locust__arrival_info(const locust__arrival *a, locust_rate_info *out);

#endif /* LOCUST_ARRIVAL_H */
