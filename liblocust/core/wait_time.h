/*
 * Locust 2.x's declarative wait times (between, constant, constant_pacing,
 * constant_throughput): validation and the wait each one asks for.
 */
#ifndef LOCUST_WAIT_TIME_H
#define LOCUST_WAIT_TIME_H

#include "core/core.h"

/* What constant_pacing remembers between two waits (2.x keeps it on `self`). */
typedef struct locust__pacing {
    bool started;
    double last_run;  /* seconds (locust__mono()) when the last wait began */
    double last_wait; /* seconds that wait lasted */
} locust__pacing;

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

/* The wait in milliseconds before the next task; `now` is locust__mono(). */
double locust__wait_time_ms(const locust_wait_time *wt, locust__pacing *p, locust__rng *rng, double now);

#endif /* LOCUST_WAIT_TIME_H */
