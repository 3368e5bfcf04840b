/*
 * Locust 2.x's wait times as specifications, measured against the clock:
 * between, constant, constant_pacing (slow and fast tasks) and
 * constant_throughput, on classes and task sets; their validation; and
 * locust_schedule_task_arg() (0.9's schedule_task with args).
 */
#include "core/core.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

/* Every run is bounded: RUNS task runs, then the runner quits (20 s guard). */
#define RUNS 6

static double starts[RUNS], ends[RUNS];
static int n_runs;
static double task_ms; /* how long the task takes */

static void timed_task(locust_ctx *ctx)
{
    if (n_runs >= RUNS) return;
    int i = n_runs;
    starts[i] = locust__mono();
    if (task_ms > 0) locust_sleep(ctx, task_ms);
    ends[i] = locust__mono();
    if (++n_runs == RUNS) locust_runner_quit(locust_ctx_runner(ctx));
}

static const locust_task timed_tasks[] = {LOCUST_TASK(timed_task), LOCUST_TASKS_END};

static void run_one_user(const locust_class *cls, double task_duration_ms)
{
    locust_runner *r;
    locust_runner_options o = {.seed = 7};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    ck_assert_int_eq(locust_runner_add_class(r, cls), 0);
    n_runs = 0;
    task_ms = task_duration_ms;
    ck_assert_int_eq(locust_runner_start(r, 1, 100), 0);
    ck_assert_int_eq(locust_runner_run(r, 20.0), 0);
    ck_assert_int_eq(n_runs, RUNS);
    locust_runner_free(r);
}

/* The gaps between the starts of consecutive runs, in ms. */
static void start_gaps(double *out)
{
    for (int i = 1; i < RUNS; i++)
        out[i - 1] = (starts[i] - starts[i - 1]) * 1000.0;
}

static const locust_taskset plain_ts = {.name = "Timed", .tasks = timed_tasks};

START_TEST(constant_pacing_spaces_the_starts_of_fast_tasks)
{
    /* A 20 ms task paced at 0.1 s starts every 100 ms, not every 120 ms. */
    static const locust_class cls = {
        .name = "Paced", .task_set = &plain_ts, .wait_time = LOCUST_CONSTANT_PACING(0.1)};
    run_one_user(&cls, 20);
    double gaps[RUNS - 1];
    start_gaps(gaps);
    /* The first wait is the whole pacing (2.x), so every gap is 100 ms; a
     * timer that fired late is made up for by a shorter next wait. */
    for (int i = 0; i < RUNS - 1; i++) {
        ck_assert_msg(gaps[i] >= 85 && gaps[i] < 140, "gap %d is %.1f ms, expected 100", i, gaps[i]);
    }
    double total = (starts[RUNS - 1] - starts[0]) * 1000.0;
    ck_assert_msg(total >= 495 && total < 600, "5 paced gaps took %.1f ms, expected 500", total);
}
END_TEST

START_TEST(constant_pacing_does_not_wait_after_a_slow_task)
{
    /* A 120 ms task paced at 0.05 s: each run is followed by no wait at all,
     * so runs start 120 ms apart (after the first run's full pacing). */
    static const locust_class cls = {
        .name = "Slow", .task_set = &plain_ts, .wait_time = LOCUST_CONSTANT_PACING(0.05)};
    run_one_user(&cls, 120);
    double gaps[RUNS - 1];
    start_gaps(gaps);
    ck_assert_msg(gaps[0] >= 169 && gaps[0] < 215, "first gap %.1f ms, expected 120 + 50", gaps[0]);
    for (int i = 1; i < RUNS - 1; i++) {
        double idle = (starts[i + 1] - ends[i]) * 1000.0;
        ck_assert_msg(idle < 15, "run %d waited %.1f ms after a task slower than the pacing", i, idle);
        ck_assert_msg(gaps[i] >= 118 && gaps[i] < 160, "gap %d is %.1f ms, expected 120", i, gaps[i]);
    }
}
END_TEST

START_TEST(constant_throughput_is_the_inverse_of_pacing)
{
    /* 20 runs per second = one start every 50 ms, whatever the task takes (10 ms). */
    static const locust_class cls = {
        .name = "Throughput", .task_set = &plain_ts, .wait_time = LOCUST_CONSTANT_THROUGHPUT(20)};
    run_one_user(&cls, 10);
    double total = (starts[RUNS - 1] - starts[0]) * 1000.0;
    ck_assert_msg(total >= 248 && total < 330, "5 gaps took %.1f ms, expected 250", total);
}
END_TEST

START_TEST(constant_waits_the_same_after_every_task)
{
    static const locust_class cls = {
        .name = "Constant", .task_set = &plain_ts, .wait_time = LOCUST_CONSTANT(0.04)};
    run_one_user(&cls, 10);
    for (int i = 1; i < RUNS; i++) {
        double idle = (starts[i] - ends[i - 1]) * 1000.0;
        ck_assert_msg(idle >= 39 && idle < 75, "wait %d is %.1f ms, expected 40", i, idle);
    }
}
END_TEST

START_TEST(between_draws_in_the_range)
{
    static const locust_class cls = {
        .name = "Between", .task_set = &plain_ts, .wait_time = LOCUST_BETWEEN(0.02, 0.06)};
    run_one_user(&cls, 0);
    double lo = 1e9, hi = 0;
    for (int i = 1; i < RUNS; i++) {
        double idle = (starts[i] - ends[i - 1]) * 1000.0;
        ck_assert_msg(idle >= 19 && idle < 95, "wait %d is %.1f ms, expected 20..60", i, idle);
        lo = fmin(lo, idle);
        hi = fmax(hi, idle);
    }
    /* Drawn, not constant: five uniform draws over 40 ms are not all within 1 ms. */
    ck_assert_msg(hi - lo > 1, "five waits all within %.2f ms: not drawn", hi - lo);
}
END_TEST

START_TEST(a_task_set_wait_time_overrides_the_class)
{
    /* The class waits 1 s between tasks; the task set's own 20 ms wins. */
    static const locust_taskset ts = {
        .name = "Fast", .tasks = timed_tasks, .wait_time = LOCUST_CONSTANT(0.02)};
    static const locust_class cls = {.name = "SlowClass", .task_set = &ts, .wait_time = LOCUST_CONSTANT(1)};
    run_one_user(&cls, 0);
    double total = (starts[RUNS - 1] - starts[0]) * 1000.0;
    ck_assert_msg(total >= 99 && total < 300, "5 waits took %.1f ms, expected 100", total);
}
END_TEST

START_TEST(a_nested_task_set_inherits_the_class_wait_time)
{
    static const locust_taskset inner = {.name = "Inner", .tasks = timed_tasks};
    static const locust_task outer_tasks[] = {LOCUST_SUBTASKS(inner, 1), LOCUST_TASKS_END};
    static const locust_taskset outer = {.name = "Outer", .tasks = outer_tasks};
    static const locust_class cls = {
        .name = "Nested", .task_set = &outer, .wait_time = LOCUST_CONSTANT(0.03)};
    run_one_user(&cls, 0);
    for (int i = 1; i < RUNS; i++) {
        double idle = (starts[i] - ends[i - 1]) * 1000.0;
        ck_assert_msg(idle >= 29 && idle < 65, "wait %d is %.1f ms, expected 30", i, idle);
    }
}
END_TEST

static void expect_refused(const locust_class *cls, const char *needle)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, cls), LOCUST_ECLASS);
    const char *e = locust_runner_last_error(r);
    ck_assert_msg(strstr(e, needle) != NULL, "error '%s' does not say '%s'", e, needle);
    locust_runner_free(r);
}

START_TEST(bad_wait_times_are_refused_with_the_field)
{
    static const locust_class both = {.name = "Both",
                                      .task_set = &plain_ts,
                                      .min_wait = 10,
                                      .max_wait = 20,
                                      .wait_time = LOCUST_CONSTANT(1)};
    expect_refused(&both, "class 'Both': field .wait_time is set together with .min_wait/.max_wait");
    static const locust_class fn = {
        .name = "Fn", .task_set = &plain_ts, .wait = locust_wait_none, .wait_time = LOCUST_CONSTANT(1)};
    expect_refused(&fn, "field .wait_time is set together with .wait");
    static const locust_class inverted = {
        .name = "Inv", .task_set = &plain_ts, .wait_time = LOCUST_BETWEEN(3, 1)};
    expect_refused(&inverted, "LOCUST_BETWEEN(3, 1) has min greater than max");
    static const locust_class zero = {
        .name = "Zero", .task_set = &plain_ts, .wait_time = LOCUST_CONSTANT_THROUGHPUT(0)};
    expect_refused(&zero, "LOCUST_CONSTANT_THROUGHPUT needs runs per second > 0");
    static const locust_class neg = {.name = "Neg", .task_set = &plain_ts, .wait_time = LOCUST_CONSTANT(-1)};
    expect_refused(&neg, "LOCUST_CONSTANT needs finite values >= 0");
    static const locust_taskset ts_bad = {
        .name = "TS", .tasks = timed_tasks, .wait_time = {(locust_wait_kind)99, 0, 0}};
    static const locust_class kind = {.name = "Kind", .task_set = &ts_bad};
    expect_refused(&kind, "task set 'TS': field .wait_time has an unknown kind (99)");
}
END_TEST

/* ---- schedule_task with an argument --------------------------------------- */

static char got[256];
static void echo_task(locust_ctx *ctx)
{
    const char *arg = locust_task_arg(ctx);
    strncat(got, arg ? arg : "(none)", sizeof got - strlen(got) - 2);
    strcat(got, ";");
}
static const locust_task echo_entry = LOCUST_TASK(echo_task);

static int sched_runs;
static void scheduling_task(locust_ctx *ctx)
{
    if (sched_runs++ == 0) {
        ck_assert_int_eq(locust_schedule_task_arg(ctx, &echo_entry, "second", false), 0);
        ck_assert_int_eq(locust_schedule_task_arg(ctx, &echo_entry, "first", true), 0);
        ck_assert_int_eq(locust_schedule_task(ctx, &echo_entry, false), 0);
        return;
    }
    locust_runner_quit(locust_ctx_runner(ctx));
}

START_TEST(a_scheduled_task_gets_its_argument)
{
    static const locust_task tasks[] = {LOCUST_TASK(scheduling_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Sched", .tasks = tasks};
    static const locust_class cls = {.name = "Scheduler", .task_set = &ts};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    got[0] = 0;
    sched_runs = 0;
    ck_assert_int_eq(locust_runner_start(r, 1, 10), 0);
    ck_assert_int_eq(locust_runner_run(r, 10.0), 0);
    ck_assert_str_eq(got, "first;second;(none);");
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("wait_time");
    TCase *tc = tcase_create("wait_time");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, constant_pacing_spaces_the_starts_of_fast_tasks);
    tcase_add_test(tc, constant_pacing_does_not_wait_after_a_slow_task);
    tcase_add_test(tc, constant_throughput_is_the_inverse_of_pacing);
    tcase_add_test(tc, constant_waits_the_same_after_every_task);
    tcase_add_test(tc, between_draws_in_the_range);
    tcase_add_test(tc, a_task_set_wait_time_overrides_the_class);
    tcase_add_test(tc, a_nested_task_set_inherits_the_class_wait_time);
    tcase_add_test(tc, bad_wait_times_are_refused_with_the_field);
    tcase_add_test(tc, a_scheduled_task_gets_its_argument);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
