/*
 * constant_pacing/constant_throughput users run on a schedule of their own
 * (issue 16, item 2): run k is meant to start at t0 + k * pacing. These
 * specifications check what a paced user records: every request's service
 * time unchanged and its corrected time (from the slot's intended start);
 * a run that starts late because the one before it was slow measures the
 * lateness; the slots a slow run covered are counted as dropped, not run in
 * a burst; and users that are not paced record no corrected time at all.
 */
#include "core/core.h"
#include "testutil.h"

#include <locust/stats.h>
#include <math.h>

/* Each task run reports one 10 ms request; run SLOW_RUN sleeps SLOW_MS first. */
#define RUNS       8
#define SLOW_RUN   1
#define SLOW_MS    450.0
#define SERVICE_MS 10.0

static int n_runs;
static double starts[RUNS];

static void paced_task(locust_ctx *ctx)
{
    if (n_runs >= RUNS) return;
    int i = n_runs++;
    starts[i] = locust__mono();
    if (i == SLOW_RUN) locust_sleep(ctx, SLOW_MS);
    locust_report_success(locust_ctx_runner(ctx), "GET", "/paced", SERVICE_MS, 2);
    if (n_runs == RUNS) locust_runner_quit(locust_ctx_runner(ctx));
}

static const locust_task paced_tasks[] = {LOCUST_TASK(paced_task), LOCUST_TASKS_END};
static const locust_taskset paced_ts = {.name = "Paced", .tasks = paced_tasks};

static locust_runner *run_one(const locust_class *cls)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, &(locust_runner_options){.seed = 3}), 0);
    ck_assert_int_eq(locust_runner_add_class(r, cls), 0);
    n_runs = 0;
    ck_assert_int_eq(locust_runner_start(r, 1, 100), 0);
    ck_assert_int_eq(locust_runner_run(r, 30.0), 0);
    ck_assert_int_eq(n_runs, RUNS);
    return r;
}

static double total_pct(const locust_stats *s, locust_time_kind kind, double p)
{
    double v = -1;
    ck_assert(locust_stats_entry_percentile_precise(s, locust_stats_entry_count(s), kind, p, &v));
    return v;
}

START_TEST(a_slow_run_makes_the_next_one_late_and_its_covered_slots_dropped)
{
    /* Pacing 100 ms: the first wait starts the schedule (slot 0 at t0). Slot 1 (t0 + 100) runs
     * 450 ms and ends at t0 + 550; slot 2 (t0 + 200) then starts at once, 350 ms late, and
     * slots 3, 4 and 5, which came due meanwhile, are dropped; slot 6 (t0 + 600) is on time. */
    static const locust_class cls = {
        .name = "Paced", .task_set = &paced_ts, .wait_time = LOCUST_CONSTANT_PACING(0.1)};
    locust_runner *r = run_one(&cls);
    const locust_stats *s = locust_runner_stats(r);
    size_t total = locust_stats_entry_count(s);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, total, LOCUST_TIME_SERVICE), RUNS);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, total, LOCUST_TIME_CORRECTED), RUNS);
    /* The service time is what the task reported, whatever the schedule did. */
    ck_assert(fabs(total_pct(s, LOCUST_TIME_SERVICE, 1.0) - SERVICE_MS) < 0.1);
    double late_run = total_pct(s, LOCUST_TIME_CORRECTED, 1.0);
    ck_assert_msg(late_run >= 340 + SERVICE_MS && late_run < 500 + SERVICE_MS,
                  "the run after the slow one is %.1f ms late + 10 ms; expected about 350 + 10", late_run);
    /* Every other run started on its slot: the corrected median is the service time. */
    ck_assert_msg(total_pct(s, LOCUST_TIME_CORRECTED, 0.5) < SERVICE_MS + 40, "corrected median %.1f ms",
                  total_pct(s, LOCUST_TIME_CORRECTED, 0.5));
    uint64_t dropped = locust_stats_dropped_runs(s);
    ck_assert_msg(dropped >= 3 && dropped <= 4, "%llu slots dropped; 3 came due during the slow run",
                  (unsigned long long)dropped);
    /* No burst: the run after the late one waits for its own slot (t0 + 600, 50 ms after the late run). */
    double gap = (starts[SLOW_RUN + 2] - starts[SLOW_RUN + 1]) * 1000.0;
    ck_assert_msg(gap >= 30 && gap < 95, "the run after the late one started %.1f ms after it", gap);
    locust_runner_free(r);
}
END_TEST

START_TEST(constant_throughput_users_are_scheduled_the_same_way)
{
    static const locust_class cls = {
        .name = "Throughput", .task_set = &paced_ts, .wait_time = LOCUST_CONSTANT_THROUGHPUT(10)};
    locust_runner *r = run_one(&cls);
    const locust_stats *s = locust_runner_stats(r);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, locust_stats_entry_count(s), LOCUST_TIME_CORRECTED),
                      RUNS);
    ck_assert(total_pct(s, LOCUST_TIME_CORRECTED, 1.0) >= 340 + SERVICE_MS);
    ck_assert(locust_stats_dropped_runs(s) >= 3);
    locust_runner_free(r);
}
END_TEST

START_TEST(a_task_set_pacing_schedules_its_own_runs)
{
    static const locust_taskset ts = {
        .name = "PacedSet", .tasks = paced_tasks, .wait_time = LOCUST_CONSTANT_PACING(0.1)};
    static const locust_class cls = {.name = "SetPaced", .task_set = &ts};
    locust_runner *r = run_one(&cls);
    const locust_stats *s = locust_runner_stats(r);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, locust_stats_entry_count(s), LOCUST_TIME_CORRECTED),
                      RUNS);
    ck_assert(total_pct(s, LOCUST_TIME_CORRECTED, 1.0) >= 340 + SERVICE_MS);
    locust_runner_free(r);
}
END_TEST

START_TEST(users_that_are_not_paced_record_no_corrected_time)
{
    static const locust_class cls = {
        .name = "Between", .task_set = &paced_ts, .wait_time = LOCUST_BETWEEN(0.01, 0.02)};
    locust_runner *r = run_one(&cls);
    const locust_stats *s = locust_runner_stats(r);
    size_t total = locust_stats_entry_count(s);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, total, LOCUST_TIME_SERVICE), RUNS);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, total, LOCUST_TIME_CORRECTED), 0);
    ck_assert_uint_eq(locust_stats_dropped_runs(s), 0);
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("pacing");
    TCase *tc = tcase_create("pacing");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_slow_run_makes_the_next_one_late_and_its_covered_slots_dropped);
    tcase_add_test(tc, constant_throughput_users_are_scheduled_the_same_way);
    tcase_add_test(tc, a_task_set_pacing_schedules_its_own_runs);
    tcase_add_test(tc, users_that_are_not_paced_record_no_corrected_time);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
