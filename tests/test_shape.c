/*
 * Load shapes as specifications: --stages parsing, a stages shape driving
 * the user count second by second and ending the test, a custom shape
 * picking classes, and a stop from outside ending the shape's control.
 */
#include "core/core.h"
#include "testutil.h"

#include <string.h>

static void idle_task(locust_ctx *ctx)
{
    locust_sleep(ctx, 20);
}
static const locust_task idle_tasks[] = {LOCUST_TASK(idle_task), LOCUST_TASKS_END};
static const locust_taskset idle_ts = {.name = "Idle", .tasks = idle_tasks};
static const locust_class web = {.name = "Web", .task_set = &idle_ts};
static const locust_class api = {.name = "Api", .task_set = &idle_ts};

START_TEST(stages_parse_and_bad_stages_are_named)
{
    locust_stage st[8];
    size_t n;
    char err[256];
    ck_assert_int_eq(
        locust_stages_parse("30s:100:10,2m:500:50,1h1m1s:0:0.5,90:3:1", st, 8, &n, err, sizeof err), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert(st[0].duration == 30 && st[0].users == 100 && st[0].spawn_rate == 10);
    ck_assert(st[1].duration == 120 && st[1].users == 500 && st[1].spawn_rate == 50);
    ck_assert(st[2].duration == 3661 && st[2].users == 0 && st[2].spawn_rate == 0.5);
    ck_assert(st[3].duration == 90 && st[3].users == 3);
    const char *bad[] = {"", "30s:100", "30s:-1:10", "30s:1:0", "0s:1:1", "30x:1:1", "30s:1:1,", "30s:1:1:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(locust_stages_parse(bad[i], st, 8, &n, err, sizeof err) == LOCUST_EINVAL,
                      "'%s' accepted", bad[i]);
    ck_assert_int_eq(locust_stages_parse("1:1:1,2:2:x", st, 8, &n, err, sizeof err), LOCUST_EINVAL);
    ck_assert_msg(strstr(err, "stage 2 ('2:2:x')") != NULL, "%s", err);
    ck_assert_int_eq(locust_stages_parse("1:1:1,1:1:1,1:1:1", st, 2, &n, err, sizeof err), LOCUST_EINVAL);
    ck_assert_str_eq(err, "more than 2 stages");
}
END_TEST

static char seen[512];
static void on_event(const locust_event *ev, void *ud)
{
    char buf[64];
    locust_shape_info si;
    locust_runner_shape_info(ev->runner, &si);
    if (ev->type == LOCUST_EV_HATCH_COMPLETE)
        snprintf(buf, sizeof buf, "%s%u@stage%zu", seen[0] ? "," : "", ev->user_count, si.stage);
    else
        snprintf(buf, sizeof buf, "%s%s", seen[0] ? "," : "", locust_event_name(ev->type));
    strcat(seen, buf);
}

static locust_runner *runner(void)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &web), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &api), 0);
    seen[0] = 0;
    locust_on(r, LOCUST_EV_HATCH_COMPLETE, on_event, NULL);
    locust_on(r, LOCUST_EV_TEST_STOP, on_event, NULL);
    locust_on(r, LOCUST_EV_QUITTING, on_event, NULL);
    return r;
}

START_TEST(stages_drive_the_user_count_and_end_the_test)
{
    locust_runner *r = runner();
    const locust_stage st[] = {{1, 2, 100}, {1, 4, 100}, {1, 1, 100}};
    ck_assert_int_eq(locust_runner_shape_start(r, true), LOCUST_ENOENT);
    ck_assert_int_eq(locust_runner_set_stages(r, st, 3), 0);
    locust_shape_info si;
    ck_assert_int_eq(locust_runner_shape_info(r, &si), 0);
    ck_assert(si.configured && !si.running);
    ck_assert_str_eq(si.name, "stages");
    ck_assert_uint_eq(si.stages, 3);
    double t0 = locust__mono();
    ck_assert_int_eq(locust_runner_shape_start(r, true), 0);
    ck_assert_int_eq(locust_runner_run(r, 10.0), 0);
    double took = locust__mono() - t0;
    ck_assert_str_eq(seen, "2@stage1,4@stage2,1@stage3,test_stop,quitting");
    /* Three 1 s stages, then the tick that finds none left. */
    ck_assert_msg(took >= 2.9 && took < 4.5, "the stages took %.2f s", took);
    locust_runner_free(r);
}
END_TEST

static const char *const only_api[] = {"Api", NULL};
static bool api_shape(locust_runner *r, double run_time, locust_shape_tick *out, void *udata)
{
    int *ticks = udata;
    if (++*ticks > 2) return false;
    out->users = 3;
    out->spawn_rate = 100;
    out->classes = only_api;
    return true;
}

static void check_classes(const locust_event *ev, void *ud)
{
    ck_assert_uint_eq(locust_runner_class_user_count(ev->runner, 0), 0);
    ck_assert_uint_eq(locust_runner_class_user_count(ev->runner, 1), 3);
}

START_TEST(a_custom_shape_picks_classes)
{
    locust_runner *r = runner();
    int ticks = 0;
    ck_assert_int_eq(locust_runner_set_shape(r, "api-only", api_shape, &ticks), 0);
    locust_on(r, LOCUST_EV_HATCH_COMPLETE, check_classes, NULL);
    ck_assert_int_eq(locust_runner_shape_start(r, false), 0);
    locust_shape_info si;
    locust_runner_shape_info(r, &si);
    ck_assert(si.running);
    ck_assert_str_eq(si.name, "api-only");
    ck_assert_uint_eq(si.users, 3);
    /* Without quit_at_end the shape's end stops the test; the run time ends the run. */
    ck_assert_int_eq(locust_runner_run(r, 3.5), 0);
    ck_assert_int_eq(ticks, 3);
    /* The second tick asks for what the first did: no new start (2.x compares the ticks). */
    ck_assert(strncmp(seen, "3@stage0,test_stop", 18) == 0);
    locust_runner_free(r);
}
END_TEST

/* Api only for the first tick, then the same count over every class. */
static bool api_then_all(locust_runner *r, double run_time, locust_shape_tick *out, void *udata)
{
    int *ticks = udata;
    if (++*ticks > 2) return false;
    out->users = 3;
    out->spawn_rate = 100;
    out->classes = *ticks == 1 ? only_api : NULL;
    return true;
}

static unsigned second_tick_users[2];

/* Notes the users of each class once the second tick's users run, then ends the run. */
static void quit_after_second_tick(const locust_event *ev, void *udata)
{
    int *ticks = udata;
    if (*ticks != 2) return;
    for (size_t c = 0; c < 2; c++)
        second_tick_users[c] = locust_runner_class_user_count(ev->runner, c);
    locust_runner_quit(ev->runner);
}

START_TEST(a_tick_naming_no_class_after_one_that_did_runs_every_class)
{
    locust_runner *r = runner();
    int ticks = 0;
    ck_assert_int_eq(locust_runner_set_shape(r, "api-then-all", api_then_all, &ticks), 0);
    locust_on(r, LOCUST_EV_HATCH_COMPLETE, quit_after_second_tick, &ticks);
    ck_assert_int_eq(locust_runner_shape_start(r, false), 0);
    ck_assert_uint_eq(locust_runner_class_user_count(r, 0), 0);
    /* The second tick asks for the same 3 users and rate, over every class this time. */
    ck_assert_int_eq(locust_runner_run(r, 5), 0);
    ck_assert_int_eq(ticks, 2);
    ck_assert_uint_gt(second_tick_users[0], 0);
    ck_assert_uint_eq(second_tick_users[0] + second_tick_users[1], 3);
    locust_runner_free(r);
}
END_TEST

static void stop_now(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust_runner_stop(w->data);
}

START_TEST(a_stop_from_outside_ends_the_shape)
{
    locust_runner *r = runner();
    const locust_stage st[] = {{60, 2, 100}};
    ck_assert_int_eq(locust_runner_set_stages(r, st, 1), 0);
    ck_assert_int_eq(locust_runner_shape_start(r, false), 0);
    ck_assert_int_eq(locust_runner_shape_start(r, false), LOCUST_ESTATE);
    ev_timer t;
    ev_timer_init(&t, stop_now, 0.3, 0.);
    t.data = r;
    ev_timer_start(locust_runner_loop(r), &t);
    ck_assert_int_eq(locust_runner_run(r, 2.5), 0);
    /* Stopped at 0.3 s and not restarted by the shape's later ticks. */
    ck_assert_str_eq(seen, "2@stage1,test_stop,quitting");
    locust_shape_info si;
    locust_runner_shape_info(r, &si);
    ck_assert(!si.running);
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("shape");
    TCase *tc = tcase_create("shape");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stages_parse_and_bad_stages_are_named);
    tcase_add_test(tc, stages_drive_the_user_count_and_end_the_test);
    tcase_add_test(tc, a_custom_shape_picks_classes);
    tcase_add_test(tc, a_tick_naming_no_class_after_one_that_did_runs_every_class);
    tcase_add_test(tc, a_stop_from_outside_ends_the_shape);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
