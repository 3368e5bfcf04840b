/*
 * The HTTP session under load: a thousand users, each with its own session
 * and keep-alive connection, make twenty requests each. Every request is
 * recorded exactly once and every one of them reached the server.
 */
#include <string.h>

#include "http_harness.h"
#include "testutil.h"

#define USERS    1000
#define REQUESTS 20

static unsigned finished;
static void twenty_requests(locust_ctx *ctx)
{
    for (int i = 0; i < REQUESTS; i++) {
        locust_response *r = locust_get(ctx, "/", NULL);
        ck_assert_int_eq(locust_response_status(r), 200);
        /* Released as they come, so a user holds one response at a time. */
        locust_response_free(r);
    }
    finished++;
    locust_stop_user(ctx);
}

START_TEST(a_thousand_users_times_twenty_requests_are_all_recorded_and_served)
{
    static const locust_task tasks[] = {LOCUST_TASK(twenty_requests), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Load", .tasks = tasks};
    ck_assert_int_eq(locust_test_target_reset_counter(&target), 0);
    finished = 0;
    harness_run(&ts, NULL, USERS, 5000, 60);
    ck_assert_uint_eq(finished, USERS);
    ck_assert_uint_eq(run.successes, USERS * REQUESTS);
    ck_assert_uint_eq(run.failures, 0);
    ck_assert_uint_eq(run.task_errors, 0);
    ck_assert_int_eq(locust_test_target_counter(&target), USERS * REQUESTS);
    for (unsigned i = 0; i < run.n_records; i++) {
        ck_assert_str_eq(run.records[i].name, "/");
        ck_assert_str_eq(run.records[i].method, "GET");
    }
}
END_TEST

/* Users that sleep between requests keep their connections: none is refused or dropped. */
static void slow_requests(locust_ctx *ctx)
{
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(locust_response_status(locust_get(ctx, "/delay/20", NULL)), 200);
        locust_sleep(ctx, 50);
    }
    finished++;
    locust_stop_user(ctx);
}

START_TEST(slow_requests_of_many_users_overlap)
{
    static const locust_task tasks[] = {LOCUST_TASK(slow_requests), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Slow", .tasks = tasks};
    finished = 0;
    harness_run(&ts, NULL, 500, 5000, 30);
    ck_assert_uint_eq(finished, 500);
    ck_assert_uint_eq(run.successes, 1500);
    /* 500 users x 3 x (20 ms + 50 ms) would take 105 s one after the other. */
    ck_assert_msg(run.seconds < 5, "took %.2f s", run.seconds);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_load");
    TCase *tc = tcase_create("load");
    tcase_add_unchecked_fixture(tc, harness_target_up, harness_target_down);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_thousand_users_times_twenty_requests_are_all_recorded_and_served);
    tcase_add_test(tc, slow_requests_of_many_users_overlap);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
