/* Helpers shared by the Check test programs. */
#ifndef LOCUST_TESTUTIL_H
#define LOCUST_TESTUTIL_H

#include <check.h>
#include <ev.h>
#include <locust/locust.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs a suite and returns the process exit status automake expects. */
static inline int testutil_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Logs go nowhere unless LOCUST_TEST_LOG is set, so test output stays readable. */
static inline void testutil_quiet_logs(void)
{
    if (!getenv("LOCUST_TEST_LOG")) locust_log_set(NULL, NULL, LOCUST_LOG_CRITICAL + 1);
}

static inline void testutil_break_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(loop, EVBREAK_ONE);
}

/* Runs a runner's loop for `seconds`, then returns (the runner keeps its users). */
static inline void testutil_run_for(locust_runner *r, double seconds)
{
    struct ev_loop *loop = locust_runner_loop(r);
    ev_timer t;
    ev_timer_init(&t, testutil_break_cb, seconds, 0.);
    ev_timer_start(loop, &t);
    ev_run(loop, 0);
    ev_timer_stop(loop, &t);
}

/* Quits the runner (w->data) once hatching is over and every user has stopped. */
static inline void testutil_quit_when_done_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    locust_runner *r = w->data;
    if (locust_runner_state_get(r) == LOCUST_STATE_RUNNING && locust_runner_user_count(r) == 0)
        locust_runner_quit(r);
}

/*
 * A new runner (options `o`) with the one class `cls`, whose request
 * successes and failures go to on_request(ev, udata). Returns 0, or the
 * error code with *out NULL.
 */
static inline int testutil_runner_new(locust_runner **out, const locust_runner_options *o,
                                      const locust_class *cls, locust_listener_fn on_request, void *udata)
{
    locust_runner *r;
    int rc = locust_runner_new(&r, o);
    *out = NULL;
    if (rc != 0) return rc;
    if ((rc = locust_runner_add_class(r, cls)) != 0) {
        locust_runner_free(r);
        return rc;
    }
    locust_on(r, LOCUST_EV_REQUEST_SUCCESS, on_request, udata);
    locust_on(r, LOCUST_EV_REQUEST_FAILURE, on_request, udata);
    *out = r;
    return 0;
}

/*
 * Starts `users` users hatched at `rate` per second and runs the runner's
 * loop until every user has stopped (locust_stop_user) or `limit` seconds
 * have passed. Returns locust_runner_start()'s code.
 */
static inline int testutil_run_users(locust_runner *r, unsigned users, double rate, double limit)
{
    struct ev_loop *loop = locust_runner_loop(r);
    ev_timer watch;
    ev_timer_init(&watch, testutil_quit_when_done_cb, 0.01, 0.01);
    watch.data = r;
    ev_timer_start(loop, &watch);
    /* The watch alone does not keep the loop running. */
    ev_unref(loop);
    int rc = locust_runner_start(r, users, rate);
    if (rc == 0) locust_runner_run(r, limit);
    ev_ref(loop);
    ev_timer_stop(loop, &watch);
    return rc;
}

#endif /* LOCUST_TESTUTIL_H */
