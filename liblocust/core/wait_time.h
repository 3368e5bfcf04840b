/*
 * Locust 2.x's declarative wait times (between, constant, constant_pacing,
 * constant_throughput): validation and the wait each one asks for.
 */
#ifndef LOCUST_WAIT_TIME_H
#define LOCUST_WAIT_TIME_H

#include "core/core.h"

/*
 * A user's own schedule under constant_pacing/constant_throughput (2.x keeps
 * the pacing state on `self`): run k is meant to start at t0 + k * pacing.
 */
typedef struct locust__pacing {
    bool started;
    double t0;       /* seconds (locust__mono()) when the first wait began: slot 0 */
    uint64_t next;   /* the slot the next run takes */
    double intended; /* the intended start (locust__mono()) of the run the last wait leads to */
    uint64_t missed; /* slots that passed while the user was busy, not yet counted as dropped */
} locust__pacing;

/* True for the wait times that start runs on a schedule (constant_pacing, constant_throughput). */
static inline bool locust__wait_time_paced(const locust_wait_time *wt)
{
    return wt->kind == LOCUST_WAIT_CONSTANT_PACING || wt->kind == LOCUST_WAIT_CONSTANT_THROUGHPUT;
}

/* True when the definition declares a wait_time. */
static inline bool locust__wait_time_set(const locust_wait_time *wt)
{
    return wt->kind != LOCUST_WAIT_UNSET;
}

/*
 * Checks a definition's wait settings: a valid wait_time, and at most one of
 * .wait, .wait_time and min_wait/max_wait. Returns 0, or 1 with a message
 * naming `who` and the field in `err`.
 */
int locust__wait_time_check(const locust_wait_time *wt, bool has_fn, bool has_minmax, const char *who,
                            char *err, size_t errlen);

/*
 * The wait in milliseconds before the next task; `now` is locust__mono().
 * For a paced wait it also sets p->intended and adds to p->missed.
 */
double locust__wait_time_ms(const locust_wait_time *wt, locust__pacing *p, locust__rng *rng, double now);

#endif /* LOCUST_WAIT_TIME_H */
