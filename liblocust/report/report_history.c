/*
 * The history of a run: a sample of the Total every interval (Locust 2.x's
 * stats_history greenlet), kept in a capped ring for the HTML report's
 * charts, with a hook after each sample for writers that need more (the
 * --csv-full-history rows). It is a small piece on its own so that other
 * outputs over time can reuse it.
 */
#include <ev.h>
#include <locust/locust.h>
#include <locust/report.h>
#include <locust/stats.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define DEFAULT_CAP 86400

struct locust_history {
    locust_runner *runner;
    ev_timer timer;
    locust_history_sample *ring;
    size_t cap, head, n; /* head: the index of the oldest sample */
    locust_history_fn fn;
    void *udata;
};

void locust_history_sample_now(locust_history *h)
{
    locust_stats *s = locust_runner_stats(h->runner);
    locust_entry_info tot;
    if (locust_stats_total(s, &tot)) return;
    locust_history_sample smp = {
        .time = ev_now(locust_runner_loop(h->runner)),
        .user_count = locust_runner_user_count(h->runner),
        .current_rps = tot.current_rps,
        .num_requests = tot.num_requests,
        .num_failures = tot.num_failures,
    };
    locust_stats_fail_rates(s, locust_stats_entry_count(s), &smp.current_fail_per_sec, NULL);
    if (!locust_stats_current_percentile(s, 0.5, &smp.current_p50)) smp.current_p50 = 0;
    if (!locust_stats_current_percentile(s, 0.95, &smp.current_p95)) smp.current_p95 = 0;
    smp.dropped_runs = locust_stats_dropped_runs(s);
    if (!locust_stats_entry_percentile_precise(s, locust_stats_entry_count(s), LOCUST_TIME_CORRECTED, 0.99,
                                               &smp.corrected_p99))
        smp.corrected_p99 = 0;
    if (h->n == h->cap) {
        h->ring[h->head] = smp;
        h->head = (h->head + 1) % h->cap;
    } else {
        h->ring[(h->head + h->n) % h->cap] = smp;
        h->n++;
    }
    if (h->fn) h->fn(h, &smp, h->udata);
}

static void tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust_history *h = w->data;
    locust_runner_state st = locust_runner_state_get(h->runner);
    /* As 2.x: nothing is recorded while no test runs. */
    if (st == LOCUST_STATE_STOPPED || st == LOCUST_STATE_READY) return;
    locust_history_sample_now(h);
}

int locust_history_new(locust_history **out, locust_runner *r, double interval, size_t cap,
                       locust_history_fn fn, void *udata)
{
    if (!out || !r || interval < 0) return LOCUST_EINVAL;
    locust_history *h = calloc(1, sizeof *h);
    if (!h) return LOCUST_ENOMEM;
    h->cap = cap ? cap : DEFAULT_CAP;
    h->ring = calloc(h->cap, sizeof *h->ring);
    if (!h->ring) {
        free(h);
        return LOCUST_ENOMEM;
    }
    h->runner = r;
    h->fn = fn;
    h->udata = udata;
    double iv = interval > 0 ? interval : 1.0;
    ev_timer_init(&h->timer, tick, iv, iv);
    h->timer.data = h;
    ev_timer_start(locust_runner_loop(r), &h->timer);
    /* The timer alone must not keep the loop running once the test is over. */
    ev_unref(locust_runner_loop(r));
    *out = h;
    return 0;
}

size_t locust_history_count(const locust_history *h)
{
    return h ? h->n : 0;
}

const locust_history_sample *locust_history_get(const locust_history *h, size_t i)
{
    if (!h || i >= h->n) return NULL;
    return &h->ring[(h->head + i) % h->cap];
}

void locust_history_free(locust_history *h)
{
    if (!h) return;
    if (locust_runner_history(h->runner) == h) locust_history_attach(h->runner, NULL);
    if (ev_is_active(&h->timer)) {
        ev_ref(locust_runner_loop(h->runner));
        ev_timer_stop(locust_runner_loop(h->runner), &h->timer);
    }
    free(h->ring);
    free(h);
}
