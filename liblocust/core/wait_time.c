/*
 * Locust 2.x's wait times. between and constant are plain draws; pacing
 * remembers when the previous wait began and how long it was, so that the
 * time a task took is taken off the next wait: the starts of two task runs
 * are `pacing` seconds apart, and a task that ran longer is followed by no
 * wait at all (2.x's constant_pacing, which constant_throughput inverts).
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

static double pacing_wait(double pacing, locust__pacing *p, double now)
{
    double wait;
    if (!p->started) {
        /* 2.x waits the whole pacing after the first run. */
        p->started = true;
        wait = pacing;
    } else {
        double ran = now - p->last_run - p->last_wait;
        wait = pacing - ran > 0 ? pacing - ran : 0;
    }
    p->last_run = now;
    p->last_wait = wait;
    return wait * 1000.0;
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
