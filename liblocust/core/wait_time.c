/*
 * Locust 2.x's wait times. between and constant are plain draws; pacing
 * keeps a schedule per user, so that the time a task took is taken off the
 * next wait: the starts of two task runs are `pacing` seconds apart, and a
 * task that ran longer is followed by no wait at all (2.x's constant_pacing,
 * which constant_throughput inverts). Unlike 2.x, the schedule does not
 * move when a run is late: the lateness is measured (the corrected time of
 * the run's requests) and the slots a slow run covered are counted as dropped.
 */
#include "core/wait_time.h"

#include <math.h>
#include <stdio.h>

static const char *kind_name(locust_wait_kind k)
{
    switch (k) {
    case LOCUST_WAIT_BETWEEN:
        return "LOCUST_BETWEEN";
    case LOCUST_WAIT_CONSTANT:
        return "LOCUST_CONSTANT";
    case LOCUST_WAIT_CONSTANT_PACING:
        return "LOCUST_CONSTANT_PACING";
    case LOCUST_WAIT_CONSTANT_THROUGHPUT:
        return "LOCUST_CONSTANT_THROUGHPUT";
    default:
        return "?";
    }
}

int locust__wait_time_check(const locust_wait_time *wt, bool has_fn, bool has_minmax, const char *who,
                            char *err, size_t errlen)
{
    if (wt->kind == LOCUST_WAIT_UNSET) return 0;
    if ((unsigned)wt->kind > LOCUST_WAIT_CONSTANT_THROUGHPUT) {
        snprintf(err, errlen, "%s: field .wait_time has an unknown kind (%d)", who, (int)wt->kind);
        return 1;
    }
    if (has_fn || has_minmax) {
        snprintf(err, errlen, "%s: field .wait_time is set together with %s; give only one of them", who,
                 has_fn ? ".wait" : ".min_wait/.max_wait");
        return 1;
    }
    const char *k = kind_name(wt->kind);
    if (!isfinite(wt->a) || wt->a < 0 ||
        (wt->kind == LOCUST_WAIT_BETWEEN && (!isfinite(wt->b) || wt->b < 0))) {
        snprintf(err, errlen, "%s: field .wait_time: %s needs finite values >= 0 (got %g, %g)", who, k, wt->a,
                 wt->b);
        return 1;
    }
    if (wt->kind == LOCUST_WAIT_BETWEEN && wt->a > wt->b) {
        snprintf(err, errlen, "%s: field .wait_time: LOCUST_BETWEEN(%g, %g) has min greater than max", who,
                 wt->a, wt->b);
        return 1;
    }
    if (wt->kind == LOCUST_WAIT_CONSTANT_THROUGHPUT && !(wt->a > 0)) {
        snprintf(err, errlen, "%s: field .wait_time: LOCUST_CONSTANT_THROUGHPUT needs runs per second > 0",
                 who);
        return 1;
    }
    return 0;
}

/*
 * The wait before the next slot of the user's schedule. As 2.x, the first
 * wait is the whole pacing, so the schedule starts when it begins. A run
 * that ended after the next slot was due is followed by no wait: that slot
 * starts now, late (its requests' corrected time counts from the slot), and
 * the slots that came due meanwhile after it are dropped, never run in a
 * burst, as the open model drops a run that finds no free user.
 */
static double pacing_wait(double pacing, locust__pacing *p, double now)
{
    if (!(pacing > 0)) {
        p->intended = now;
        return 0;
    }
    if (!p->started) {
        p->started = true;
        p->t0 = now;
        p->next = 1;
    }
    double t = p->t0 + (double)p->next * pacing;
    p->intended = t;
    if (t >= now) {
        p->next++;
        return (t - now) * 1000.0;
    }
    /* The last slot due by now; floating point may put it before `next`. */
    double last = floor((now - p->t0) / pacing);
    uint64_t due = last > (double)p->next ? (uint64_t)last : p->next;
    p->missed += due - p->next;
    p->next = due + 1;
    return 0;
}

double locust__wait_time_ms(const locust_wait_time *wt, locust__pacing *p, locust__rng *rng, double now)
{
    switch (wt->kind) {
    case LOCUST_WAIT_BETWEEN:
        return (wt->a + locust__rng_double(rng) * (wt->b - wt->a)) * 1000.0;
    case LOCUST_WAIT_CONSTANT:
        return wt->a * 1000.0;
    case LOCUST_WAIT_CONSTANT_PACING:
        return pacing_wait(wt->a, p, now);
    case LOCUST_WAIT_CONSTANT_THROUGHPUT:
        return pacing_wait(1.0 / wt->a, p, now);
    default:
        return 0;
    }
}
