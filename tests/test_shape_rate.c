/*
 * Shapes in rate mode (issue 16): --stages with --rate reads
 * duration:rate[:pool]; a rate stages shape sets the task-run rate stage by
 * stage and the runs due add up to the stages' rates times their
 * durations; a shape cannot give a rate to a closed-model runner.
 */
#include "core/core.h"
#include "testutil.h"

#include <string.h>

static void nothing(locust_ctx *ctx)
{
    (void)ctx;
}
static const locust_task tasks[] = {LOCUST_TASK(nothing), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "Nothing", .tasks = tasks};
static const locust_class cls = {.name = "Runs", .task_set = &ts};

START_TEST(rate_stages_parse_and_bad_ones_are_named)
{
    locust_rate_stage st[8];
    size_t n;
    char err[256];
    ck_assert_int_eq(locust_rate_stages_parse("30s:100,1m:500:400,2:0.5", st, 8, &n, err, sizeof err), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert(st[0].duration == 30 && st[0].rate == 100 && st[0].pool == 0);
    ck_assert(st[1].duration == 60 && st[1].rate == 500 && st[1].pool == 400);
    ck_assert(st[2].duration == 2 && st[2].rate == 0.5 && st[2].pool == 0);
    static const char *const bad[] = {"",     "30s",      "30s:0",   "30s:-1", "30s:abc",
                                      "0:10", "30s:10:x", "30s:10:", "30s:2e7"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(locust_rate_stages_parse(bad[i], st, 8, &n, err, sizeof err) == LOCUST_EINVAL,
                      "'%s' was accepted", bad[i]);
        ck_assert_msg(strstr(err, "stage") != NULL, "'%s': %s", bad[i], err);
    }
    ck_assert_int_eq(locust_rate_stages_parse("1:1,2:x", st, 8, &n, err, sizeof err), LOCUST_EINVAL);
    ck_assert_msg(strstr(err, "stage 2") != NULL, "%s", err);
    ck_assert_int_eq(locust_rate_stages_parse("1:1,1:1,1:1", st, 2, &n, err, sizeof err), LOCUST_EINVAL);
}
END_TEST

START_TEST(rate_stages_need_rate_mode)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    locust_rate_stage st = {.duration = 1, .rate = 10};
    ck_assert_int_eq(locust_runner_set_rate_stages(r, &st, 1, 10), LOCUST_ESTATE);
    ck_assert_int_eq(locust_runner_set_rate(r, 5), 0);
    ck_assert_int_eq(locust_runner_set_rate_stages(r, &st, 1, 10), 0);
    locust_runner_free(r);
}
END_TEST

START_TEST(rate_stages_set_the_rate_stage_by_stage)
{
    /* 2 s at 20 runs/s, then 2 s at 60 runs/s: 160 runs due, none dropped with a pool of 50. */
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    ck_assert_int_eq(locust_runner_set_rate(r, 1), 0);
    const locust_rate_stage st[] = {{.duration = 2, .rate = 20}, {.duration = 2, .rate = 60}};
    ck_assert_int_eq(locust_runner_set_rate_stages(r, st, 2, 50), 0);
    ck_assert_int_eq(locust_runner_shape_start(r, true), 0);
    ck_assert(locust_runner_rate(r) == 20);
    ck_assert_int_eq(locust_runner_run(r, 15.0), 0);
    ck_assert(locust_runner_rate(r) == 60);
    locust_rate_info ri;
    ck_assert_int_eq(locust_runner_rate_info(r, &ri), 0);
    ck_assert_uint_eq(ri.dropped, 0);
    ck_assert_msg(ri.intended >= 156 && ri.intended <= 164, "%llu runs due; 2 s x 20 + 2 s x 60 is 160",
                  (unsigned long long)ri.intended);
    ck_assert_uint_eq(ri.started, ri.intended);
    locust_runner_free(r);
}
END_TEST

static bool rate_shape(locust_runner *r, double run_time, locust_shape_tick *out, void *udata)
{
    (void)r;
    (void)udata;
    if (run_time > 5) return false;
    out->users = 2;
    out->spawn_rate = 2;
    out->rate = 10;
    return true;
}

START_TEST(a_closed_model_runner_refuses_a_shape_rate)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    ck_assert_int_eq(locust_runner_set_shape(r, "rated", rate_shape, NULL), 0);
    ck_assert_int_eq(locust_runner_shape_start(r, true), 0);
    /* The first tick ended the test: the run returns at once, not after the shape's 5 s. */
    double t0 = locust__mono();
    ck_assert_int_eq(locust_runner_run(r, 10.0), 0);
    ck_assert(locust__mono() - t0 < 3);
    ck_assert(locust_runner_rate(r) == 0);
    ck_assert_uint_eq(locust_runner_user_count(r), 0);
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("shape_rate");
    TCase *tc = tcase_create("shape_rate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, rate_stages_parse_and_bad_ones_are_named);
    tcase_add_test(tc, rate_stages_need_rate_mode);
    tcase_add_test(tc, rate_stages_set_the_rate_stage_by_stage);
    tcase_add_test(tc, a_closed_model_runner_refuses_a_shape_rate);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
