/*
 * Locust 2.x's fixed_count and test events as specifications: fixed users
 * first and the rest by weight (also when the count changes), per-class
 * overrides, and the order of test_start / test_stop / reset_stats /
 * quitting with the exit code a listener sets, and cpu_warning.
 */
#include "core/core.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void idle_task(locust_ctx *ctx)
{
    locust_sleep(ctx, 50);
}
static const locust_task idle_tasks[] = {LOCUST_TASK(idle_task), LOCUST_TASKS_END};
static const locust_taskset idle_ts = {.name = "Idle", .tasks = idle_tasks};
static const locust_class light = {.name = "Light", .task_set = &idle_ts, .weight = 1};
static const locust_class heavy = {.name = "Heavy", .task_set = &idle_ts, .weight = 3};
static const locust_class admin = {.name = "Admin", .task_set = &idle_ts, .fixed_count = 2};

static locust_runner *three_classes(void)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &light), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &admin), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &heavy), 0);
    return r;
}

static void expect_split(locust_runner *r, unsigned users, unsigned l, unsigned a, unsigned h)
{
    unsigned c[3];
    ck_assert_int_eq(locust_runner_split_users(r, users, c), 0);
    ck_assert_msg(c[0] == l && c[1] == a && c[2] == h, "%u users: got %u/%u/%u, expected %u/%u/%u", users,
                  c[0], c[1], c[2], l, a, h);
}

START_TEST(fixed_users_come_first_and_the_rest_goes_by_weight)
{
    locust_runner *r = three_classes();
    expect_split(r, 10, 2, 2, 6);
    expect_split(r, 2, 0, 2, 0);
    /* Fewer users than the fixed counts: the fixed classes share them. */
    expect_split(r, 1, 0, 1, 0);
    expect_split(r, 102, 25, 2, 75);
    /* locust-run's Class=N: an override, and back to the class's own. */
    ck_assert_int_eq(locust_runner_set_fixed_count(r, "Light", 5), 0);
    expect_split(r, 10, 5, 2, 3);
    ck_assert_int_eq(locust_runner_set_fixed_count(r, "Light", -1), 0);
    expect_split(r, 10, 2, 2, 6);
    ck_assert_int_eq(locust_runner_set_fixed_count(r, "Nobody", 1), LOCUST_ENOENT);
    ck_assert_str_eq(locust_runner_last_error(r), "no locust class named 'Nobody'");
    locust_runner_free(r);
}
END_TEST

static void quit_later(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust_runner_quit(w->data);
}

START_TEST(fixed_counts_hold_while_the_count_changes)
{
    locust_runner *r;
    r = three_classes();
    ev_timer t;
    ck_assert_int_eq(locust_runner_start(r, 10, 1000), 0);
    ev_timer_init(&t, quit_later, 0.3, 0.);
    t.data = r;
    /* Grow to 30 users mid-test, then check before quitting. */
    ck_assert_int_eq(locust_runner_start(r, 30, 1000), 0);
    ev_timer_start(locust_runner_loop(r), &t);
    ev_run(locust_runner_loop(r), EVRUN_ONCE);
    while (locust_runner_state_get(r) == LOCUST_STATE_HATCHING)
        ev_run(locust_runner_loop(r), EVRUN_ONCE);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 0), 7);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 1), 2);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 2), 21);
    ck_assert_int_eq(locust_runner_start(r, 3, 1000), 0);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 1), 2);
    ck_assert_uint_eq(locust_runner_user_count(r), 3);
    locust_runner_run(r, 5.0);
    locust_runner_free(r);
}
END_TEST

START_TEST(every_class_fixed_caps_the_total)
{
    static const locust_class a = {.name = "A", .task_set = &idle_ts, .fixed_count = 1};
    static const locust_class b = {.name = "B", .task_set = &idle_ts, .fixed_count = 3};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &a), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &b), 0);
    unsigned c[2];
    ck_assert_int_eq(locust_runner_split_users(r, 100, c), 0);
    ck_assert_uint_eq(c[0], 1);
    ck_assert_uint_eq(c[1], 3);
    ck_assert_int_eq(locust_runner_start(r, 100, 1000), 0);
    ck_assert_uint_eq(locust_runner_target_count(r), 4);
    locust_runner_free(r);
}
END_TEST

/* ---- events ---------------------------------------------------------------- */

static char order[1024];
static void record(const locust_event *ev, void *ud)
{
    if (order[0]) strcat(order, ",");
    strcat(order, locust_event_name(ev->type));
    if (ev->type == LOCUST_EV_HATCH_COMPLETE && ud) {
        /* First test: stop it; second: quit. */
        locust_runner *r = ev->runner;
        static int n;
        if (n++ == 0)
            locust_runner_stop(r);
        else
            locust_runner_quit(r);
    }
    if (ev->type == LOCUST_EV_QUITTING) locust_runner_set_exit_code(ev->runner, 3);
}

static void restart(struct ev_loop *loop, ev_timer *w, int revents)
{
    ck_assert_int_eq(locust_runner_start(w->data, 2, 1000), 0);
}

START_TEST(test_events_fire_once_per_test_in_order)
{
    static const locust_event_type types[] = {LOCUST_EV_TEST_START,
                                              LOCUST_EV_TEST_STOP,
                                              LOCUST_EV_LOCUST_START_HATCHING,
                                              LOCUST_EV_HATCH_COMPLETE,
                                              LOCUST_EV_LOCUST_STOP_HATCHING,
                                              LOCUST_EV_QUITTING,
                                              LOCUST_EV_RESET_STATS};
    locust_runner *r = three_classes();
    order[0] = 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        ck_assert_int_eq(locust_on(r, types[i], record, types[i] == LOCUST_EV_HATCH_COMPLETE ? r : NULL), 0);
    ck_assert_int_eq(locust_runner_exit_code(r), -1);
    ck_assert_int_eq(locust_runner_start(r, 2, 1000), 0);
    /* A second start while running is not a new test. */
    ck_assert_int_eq(locust_runner_start(r, 2, 1000), 0);
    ev_timer t;
    ev_timer_init(&t, restart, 0.5, 0.);
    t.data = r;
    ev_timer_start(locust_runner_loop(r), &t);
    ck_assert_int_eq(locust_runner_run(r, 10.0), 0);
    ck_assert_str_eq(order, "test_start,locust_start_hatching,hatch_complete,test_stop,"
                            "locust_stop_hatching,test_start,locust_start_hatching,hatch_complete,test_stop,"
                            "locust_stop_hatching,quitting");
    ck_assert_int_eq(locust_runner_exit_code(r), 3);
    order[0] = 0;
    ck_assert_int_eq(locust_runner_reset_stats(r), 0);
    ck_assert_str_eq(order, "reset_stats");
    locust_runner_free(r);
}
END_TEST

static double cpu_seen;
static void on_cpu(const locust_event *ev, void *ud)
{
    cpu_seen = ev->cpu_usage;
    locust_runner_quit(ev->runner);
}
static void busy_task(locust_ctx *ctx)
{
    /* After the CPU monitor's first sample (the loop-lag timer's first
     * tick, 250 ms), spin without yielding for 5.5 s once: the thread then
     * uses a whole core. */
    static int runs;
    if (runs++ != 1) {
        locust_sleep(ctx, 400);
        return;
    }
    double end = locust__mono() + 5.5;
    while (locust__mono() < end)
        continue;
}

START_TEST(cpu_warning_fires_when_the_thread_is_busy)
{
    /* The machine running the tests may be shared: a busy thread may get far
     * less than a core, so the threshold is lowered to 10% of one. */
    setenv("LOCUST_CPU_WARNING_THRESHOLD", "10", 1);
    static const locust_task tasks[] = {LOCUST_TASK(busy_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Busy", .tasks = tasks};
    static const locust_class cls = {.name = "Busy", .task_set = &ts};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    ck_assert_int_eq(locust_on(r, LOCUST_EV_CPU_WARNING, on_cpu, NULL), 0);
    ck_assert_int_eq(locust_runner_start(r, 1, 10), 0);
    ck_assert_int_eq(locust_runner_run(r, 15.0), 0);
    ck_assert_msg(cpu_seen > 10, "cpu_warning saw %.1f%%", cpu_seen);
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("fixed_events");
    TCase *tc = tcase_create("fixed_events");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fixed_users_come_first_and_the_rest_goes_by_weight);
    tcase_add_test(tc, fixed_counts_hold_while_the_count_changes);
    tcase_add_test(tc, every_class_fixed_caps_the_total);
    tcase_add_test(tc, test_events_fire_once_per_test_in_order);
    tcase_add_test(tc, cpu_warning_fires_when_the_thread_is_busy);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
