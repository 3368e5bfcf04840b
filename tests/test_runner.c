/*
 * The runner as a specification (docs/compatibility.md §4.1): hatch rate, the spread of
 * users over classes, changing the count while running, stop, quit and the
 * run-time limit, and 10k users starting and stopping cleanly.
 */
#include "core/core.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

static void idle_task(locust_ctx *ctx)
{
    locust_sleep(ctx, 50);
}
static int stops;
static void count_stop(locust_ctx *ctx)
{
    stops++;
}

static const locust_task idle_tasks[] = {LOCUST_TASK(idle_task), LOCUST_TASKS_END};
static const locust_taskset idle_ts = {.name = "Idle", .tasks = idle_tasks, .on_stop = count_stop};
static const locust_class class_a = {
    .name = "A", .task_set = &idle_ts, .weight = 1, .min_wait = 100, .max_wait = 100};
static const locust_class class_b = {
    .name = "B", .task_set = &idle_ts, .weight = 2, .min_wait = 100, .max_wait = 100};
static const locust_class class_c = {
    .name = "C", .task_set = &idle_ts, .weight = 4, .min_wait = 100, .max_wait = 100};

static locust_runner *new_runner(void)
{
    locust_runner *r;
    locust_runner_options o = {.seed = 5};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    return r;
}

static double hatch_done_at;
static unsigned hatch_users;
static void on_hatch(const locust_event *ev, void *udata)
{
    hatch_done_at = locust__mono();
    hatch_users = ev->user_count;
}

START_TEST(hatch_rate_timing_within_ten_percent)
{
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &class_a);
    locust_on(r, LOCUST_EV_HATCH_COMPLETE, on_hatch, NULL);
    hatch_done_at = 0;
    double t0 = locust__mono();
    ck_assert_int_eq(locust_runner_start(r, 30, 60), 0);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_HATCHING);
    testutil_run_for(r, 0.25);
    /* Half way: about half the users. */
    unsigned mid = locust_runner_user_count(r);
    ck_assert_msg(mid >= 13 && mid <= 18, "after 0.25 s: %u users, expected ~15", mid);
    testutil_run_for(r, 0.45);
    ck_assert(hatch_done_at > 0);
    double took = hatch_done_at - t0;
    ck_assert_msg(fabs(took - 0.5) <= 0.05, "30 users at 60/s took %.3f s, expected 0.5 s", took);
    ck_assert_uint_eq(hatch_users, 30);
    ck_assert_uint_eq(locust_runner_user_count(r), 30);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_RUNNING);
    locust_runner_free(r);
}
END_TEST

START_TEST(class_counts_sum_to_n_for_awkward_weights)
{
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &class_a);
    locust_runner_add_class(r, &class_b);
    locust_runner_add_class(r, &class_c);
    ck_assert_int_eq(locust_runner_start(r, 10, 1000), 0);
    testutil_run_for(r, 0.1);
    /* 10 over weights 1:2:4 is 1.43 : 2.86 : 5.71; largest remainder gives 1, 3, 6. */
    ck_assert_uint_eq(locust_runner_class_user_count(r, 0), 1);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 1), 3);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 2), 6);
    ck_assert_uint_eq(locust_runner_user_count(r), 10);
    /* One user, where 0.9.0 would spawn none. */
    ck_assert_int_eq(locust_runner_start(r, 1, 1000), 0);
    testutil_run_for(r, 0.1);
    ck_assert_uint_eq(locust_runner_user_count(r), 1);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 2), 1);
    locust_runner_free(r);
}
END_TEST

START_TEST(count_changes_up_and_down_while_running)
{
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &class_a);
    locust_runner_add_class(r, &class_b);
    stops = 0;
    ck_assert_int_eq(locust_runner_start(r, 9, 1000), 0);
    testutil_run_for(r, 0.1);
    ck_assert_uint_eq(locust_runner_user_count(r), 9);
    ck_assert_int_eq(locust_runner_start(r, 3, 1000), 0);
    /* Going down happens at once: the users end at their next wait. */
    ck_assert_uint_eq(locust_runner_user_count(r), 3);
    ck_assert_uint_eq(locust_runner_target_count(r), 3);
    testutil_run_for(r, 0.2);
    ck_assert_int_eq(stops, 6);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 0), 1);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 1), 2);
    ck_assert_int_eq(locust_runner_start(r, 12, 1000), 0);
    testutil_run_for(r, 0.1);
    ck_assert_uint_eq(locust_runner_user_count(r), 12);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 0), 4);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 1), 8);
    /* Explicit per-class counts (Locust 2.x's spawn message). */
    ck_assert_int_eq(locust_runner_start_counts(r, (unsigned[]){0, 5}, 1000), 0);
    testutil_run_for(r, 0.2);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 0), 0);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 1), 5);
    locust_runner_free(r);
}
END_TEST

static int stop_events;
static void on_stop_hatching(const locust_event *ev, void *udata)
{
    stop_events++;
}

START_TEST(stop_runs_on_stop_and_frees_every_user)
{
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &class_a);
    locust_on(r, LOCUST_EV_LOCUST_STOP_HATCHING, on_stop_hatching, NULL);
    stops = stop_events = 0;
    ck_assert_int_eq(locust_runner_start(r, 20, 1000), 0);
    testutil_run_for(r, 0.1);
    ck_assert_int_eq(locust_runner_stop(r), 0);
    testutil_run_for(r, 0.2);
    ck_assert_int_eq(stops, 20);
    ck_assert_int_eq(stop_events, 1);
    ck_assert_uint_eq(locust_runner_user_count(r), 0);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_STOPPED);
    /* A stopped runner can start a new test. */
    ck_assert_int_eq(locust_runner_start(r, 2, 1000), 0);
    testutil_run_for(r, 0.1);
    ck_assert_uint_eq(locust_runner_user_count(r), 2);
    locust_runner_free(r);
}
END_TEST

START_TEST(run_time_limit_quits)
{
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &class_a);
    stops = 0;
    ck_assert_int_eq(locust_runner_start(r, 5, 1000), 0);
    ck_assert(!locust_runner_quitting(r));
    double t0 = locust__mono();
    ck_assert_int_eq(locust_runner_run(r, 0.3), 0);
    double took = locust__mono() - t0;
    ck_assert_msg(took >= 0.25 && took < 0.6, "run(0.3) took %.3f s", took);
    /* The run time quit it: it says so, as a quit called by the program does. */
    ck_assert(locust_runner_quitting(r));
    ck_assert(locust_runner_quit_done(r));
    ck_assert_int_eq(stops, 5);
    ck_assert_int_eq(locust_runner_start(r, 1, 1), LOCUST_ESTATE);
    locust_runner_free(r);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    locust_runner *r = new_runner();
    ck_assert_int_eq(locust_runner_start(r, 1, 1), LOCUST_ECLASS);
    ck_assert_str_eq(locust_runner_last_error(r), "no locust classes were added");
    locust_runner_add_class(r, &class_a);
    ck_assert_int_eq(locust_runner_start(r, 1, 0), LOCUST_EINVAL);
    ck_assert_str_eq(locust_runner_last_error(r), "hatch rate must be a number > 0 (got 0)");
    ck_assert_int_eq(locust_runner_start(r, 1, NAN), LOCUST_EINVAL);
    ck_assert_int_eq(locust_runner_start(r, 1, -3), LOCUST_EINVAL);
    ck_assert_int_eq(locust_runner_new(NULL, NULL), LOCUST_EINVAL);
    locust_runner_free(r);
    locust_runner_free(NULL);
}
END_TEST

static void busy_task(locust_ctx *ctx) {}

START_TEST(ten_thousand_users_start_and_stop)
{
    static const locust_task t[] = {LOCUST_TASK(busy_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Many", .tasks = t, .on_stop = count_stop};
    static const locust_class cls = {.name = "Many", .task_set = &ts, .min_wait = 500, .max_wait = 1500};
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &cls);
    stops = 0;
    ck_assert_int_eq(locust_runner_start(r, 10000, 1e6), 0);
    testutil_run_for(r, 0.3);
    ck_assert_uint_eq(locust_runner_user_count(r), 10000);
    locust_runner_quit(r);
    /* Quitting from the call on, done only once the users have stopped. */
    ck_assert(locust_runner_quitting(r));
    ck_assert(!locust_runner_quit_done(r));
    ck_assert_int_eq(locust_runner_run(r, 0), 0);
    ck_assert_int_eq(stops, 10000);
    ck_assert(locust_runner_quit_done(r));
    locust_runner_free(r);
}
END_TEST

static int hogs;
static void hog(locust_ctx *ctx)
{
    /* Burn 400 ms of CPU without yielding, like an overloaded generator. */
    double t0 = locust__mono();
    while (locust__mono() - t0 < 0.4) {
    }
    if (++hogs == 2) locust_runner_quit(locust_ctx_runner(ctx));
}

START_TEST(loop_lag_is_measured)
{
    static const locust_task t[] = {LOCUST_TASK(hog), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Hog", .tasks = t};
    static const locust_class cls = {.name = "Hog", .task_set = &ts};
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &cls);
    hogs = 0;
    ck_assert_int_eq(locust_runner_start(r, 1, 10), 0);
    locust_runner_run(r, 5);
    double max;
    locust_runner_loop_lag(r, &max);
    ck_assert_msg(max >= 150 && max < 1000, "max lag %.1f ms", max);
    locust_runner_free(r);
}
END_TEST

/* A task that waits on "I/O" (a timer standing in for a response). */
static int io_completed, io_cancelled;
static double io_ms;
typedef struct io_wait {
    bool done;
    locust_user *user;
} io_wait;
static void io_wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    io_wait *iw = w->data;
    iw->done = true;
    locust__user_wake(iw->user);
}
static void io_task(locust_ctx *ctx)
{
    io_wait iw = {.user = locust__ctx_user(ctx)};
    ev_timer t;
    ev_timer_init(&t, io_wake_cb, io_ms / 1000.0, 0.);
    t.data = &iw;
    struct ev_loop *loop = locust_runner_loop(locust_ctx_runner(ctx));
    ev_timer_start(loop, &t);
    while (!iw.done) {
        if (locust__user_block_io(iw.user) != 0) {
            ev_timer_stop(loop, &t);
            io_cancelled++;
            locust__user_unwind(iw.user);
        }
    }
    io_completed++;
}

START_TEST(requests_in_flight_finish_at_stop)
{
    static const locust_task t[] = {LOCUST_TASK(io_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "IO", .tasks = t, .on_stop = count_stop};
    static const locust_class cls = {.name = "IO", .task_set = &ts, .min_wait = 1000, .max_wait = 1000};
    locust_runner *r = new_runner();
    locust_runner_add_class(r, &cls);
    io_completed = io_cancelled = stops = 0;
    io_ms = 200;
    ck_assert_int_eq(locust_runner_start(r, 3, 1000), 0);
    testutil_run_for(r, 0.05);
    locust_runner_stop(r);
    /* Stopping does not cut the "response" short: it completes, then the user ends. */
    testutil_run_for(r, 0.1);
    ck_assert_uint_eq(locust_runner_user_count(r), 0);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_CLEANUP);
    testutil_run_for(r, 0.25);
    ck_assert_int_eq(io_completed, 3);
    ck_assert_int_eq(io_cancelled, 0);
    ck_assert_int_eq(stops, 3);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_STOPPED);
    locust_runner_free(r);
}
END_TEST

START_TEST(the_stop_grace_period_is_bounded)
{
    static const locust_task t[] = {LOCUST_TASK(io_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "IO", .tasks = t, .on_stop = count_stop};
    static const locust_class cls = {.name = "IO", .task_set = &ts};
    locust_runner *r;
    locust_runner_options o = {.seed = 5, .stop_timeout = 0.1};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    locust_runner_add_class(r, &cls);
    io_completed = io_cancelled = stops = 0;
    io_ms = 5000;
    ck_assert_int_eq(locust_runner_start(r, 2, 1000), 0);
    testutil_run_for(r, 0.05);
    double t0 = locust__mono();
    locust_runner_quit(r);
    locust_runner_run(r, 0);
    double took = locust__mono() - t0;
    ck_assert_msg(took >= 0.09 && took < 1.0, "quit took %.3f s", took);
    ck_assert_int_eq(io_completed, 0);
    ck_assert_int_eq(io_cancelled, 2);
    ck_assert_int_eq(stops, 2);
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hatch_rate_timing_within_ten_percent);
    tcase_add_test(tc, class_counts_sum_to_n_for_awkward_weights);
    tcase_add_test(tc, count_changes_up_and_down_while_running);
    tcase_add_test(tc, stop_runs_on_stop_and_frees_every_user);
    tcase_add_test(tc, run_time_limit_quits);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_test(tc, ten_thousand_users_start_and_stop);
    tcase_add_test(tc, loop_lag_is_measured);
    tcase_add_test(tc, requests_in_flight_finish_at_stop);
    tcase_add_test(tc, the_stop_grace_period_is_bounded);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
