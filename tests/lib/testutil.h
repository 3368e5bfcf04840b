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

#endif /* LOCUST_TESTUTIL_H */
