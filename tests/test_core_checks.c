/*
 * What the core refuses, and what it says out loud, as a specification:
 * malformed hosts (the runner's and a class's) are refused with the class
 * and field named; the runner's options give 0 one meaning (a seed of 0,
 * no stop grace) through their *_set flags; a stop that abandons requests
 * in flight warns with their count; a task that blocks the loop is told
 * apart from a CPU-bound process.
 */
#include "testutil.h"

#include <ev.h>
#include <string.h>
#include <unistd.h>

/* ---- a log sink that keeps the warnings ------------------------------------------------ */

static char logged[16384];
static void keep_log(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    size_t n = strlen(logged);
    if (level >= LOCUST_LOG_WARNING && n + strlen(msg) + 2 < sizeof logged)
        snprintf(logged + n, sizeof logged - n, "%s\n", msg);
}
static void capture_logs(void)
{
    logged[0] = '\0';
    locust_log_set(keep_log, NULL, LOCUST_LOG_WARNING);
}

#define ASSERT_LOGGED(needle)                                                                                \
    ck_assert_msg(strstr(logged, (needle)) != NULL, "expected '%s' in the log:\n%s", (needle), logged)

static void idle(locust_ctx *ctx)
{
    locust_sleep(ctx, 1000);
}
static const locust_task idle_tasks[] = {LOCUST_TASK(idle), LOCUST_TASKS_END};
static const locust_taskset idle_ts = {.name = "Idle", .tasks = idle_tasks};

/* ---- hosts ------------------------------------------------------------------------------ */

START_TEST(url_check_accepts_base_urls_and_names_what_is_wrong)
{
    static const char *const good[] = {
        "http://h",           "https://example.com:8443/api?x=1#f",
        "http://127.0.0.1:1", "http://[::1]",
        "http://[::1]:8080",  "http://u:p%20w@h/",
        "HTTPS://H:65535",    "http://h:/x",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(locust_url_check(good[i], NULL, 0) == 0, "%s refused", good[i]);
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"http://[::1", "the IPv6 address '[::1' has no closing ']'"},
        {"http://[::g]:80", "'[::g]' is not an IPv6 address"},
        {"http://[::1]x", "'x' follows the IPv6 address"},
        {"http://h:99999", "the port 99999 is not in 1..65535"},
        {"http://h:0", "the port 0 is not in 1..65535"},
        {"http://h:12345678901234567890", "the port 12345678901234567890 is not in 1..65535"},
        {"http://h:x", "the port 'x' is not a number"},
        {"h:8080", "no scheme: expected a URL such as http://h:8080"},
        {"tcp://h:1", "only http:// and https:// URLs are supported"},
        {"http://", "no host after the scheme"},
        {"http://:80/", "no host after the scheme"},
        {"http://u@/", "no host after the scheme"},
        {"http://h o", "the host holds the byte 0x20"},
        {"http://h\"", "the host holds '\"', which a URL does not allow there"},
        {"http://h%4", "a '%' in the host is not followed by two hex digits"},
        {"http://h/a b", "the path holds a blank"},
        {"", "the URL is empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[256];
        ck_assert_msg(locust_url_check(bad[i].url, why, sizeof why) == LOCUST_EINVAL, "%s accepted",
                      bad[i].url);
        ck_assert_msg(strcmp(why, bad[i].why) == 0, "%s: '%s', expected '%s'", bad[i].url, why, bad[i].why);
    }
    ck_assert_int_eq(locust_url_check(NULL, NULL, 0), LOCUST_EINVAL);
}
END_TEST

START_TEST(a_class_with_a_malformed_host_is_refused_naming_class_and_field)
{
    static const locust_class bad = {.name = "Shop", .task_set = &idle_ts, .host = "http://[::1"};
    static const locust_class good = {.name = "Shop", .task_set = &idle_ts, .host = "http://[::1]:8080"};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &bad), LOCUST_ECLASS);
    ck_assert_str_eq(locust_runner_last_error(r),
                     "class 'Shop': field .host 'http://[::1': the IPv6 address '[::1' has no closing ']'");
    ck_assert_uint_eq(locust_runner_class_count(r), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &good), 0);
    locust_runner_free(r);
}
END_TEST

START_TEST(the_runners_host_is_checked_when_given_and_when_replaced)
{
    capture_logs();
    locust_runner *r = NULL;
    locust_runner_options o = {.host = "http://localhost:99999"};
    ck_assert_int_eq(locust_runner_new(&r, &o), LOCUST_EINVAL);
    ck_assert_ptr_null(r);
    ASSERT_LOGGED("Invalid host 'http://localhost:99999': the port 99999 is not in 1..65535");
    o.host = "http://localhost:8089";
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    ck_assert_int_eq(locust_runner_set_host(r, "localhost"), LOCUST_EINVAL);
    ck_assert_str_eq(locust_runner_last_error(r), "host 'localhost': no scheme: expected a URL such as "
                                                  "http://localhost");
    ck_assert_str_eq(locust_runner_host(r), "http://localhost:8089");
    ck_assert_int_eq(locust_runner_set_host(r, NULL), 0);
    ck_assert_ptr_null(locust_runner_host(r));
    locust_runner_free(r);
    testutil_quiet_logs();
}
END_TEST

/* ---- one meaning per option -------------------------------------------------------------- */

static int64_t first_draw;
static void draw(locust_ctx *ctx)
{
    first_draw = locust_random_int(ctx, 0, INT64_MAX - 1);
    locust_stop_user(ctx);
}

/* The first random number of the first user of a runner with these options. */
static int64_t first_number(const locust_runner_options *o)
{
    static const locust_task t[] = {LOCUST_TASK(draw), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Draw", .tasks = t};
    static const locust_class cls = {.name = "Draw", .task_set = &ts};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, o), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    first_draw = -1;
    ck_assert_int_eq(locust_runner_start(r, 1, 1000), 0);
    for (int i = 0; i < 100 && first_draw < 0; i++)
        testutil_run_for(r, 0.01);
    locust_runner_free(r);
    ck_assert(first_draw >= 0);
    return first_draw;
}

START_TEST(a_seed_of_0_is_a_seed_when_seed_set_says_so)
{
    locust_runner_options zero = {.seed = 0, .seed_set = true}, one = {.seed = 1};
    int64_t a = first_number(&zero);
    ck_assert_int_eq(first_number(&zero), a);
    ck_assert_int_ne(first_number(&one), a);
    /* Without the flag a seed of 0 means "from the clock": two runners differ. */
    locust_runner_options clock = {0};
    ck_assert_int_ne(first_number(&clock), first_number(&clock));
}
END_TEST

START_TEST(a_negative_stop_timeout_is_refused)
{
    capture_logs();
    locust_runner *r = NULL;
    ck_assert_int_eq(locust_runner_new(&r, &(locust_runner_options){.stop_timeout = -1}), LOCUST_EINVAL);
    ck_assert_int_eq(locust_runner_new(&r, &(locust_runner_options){.stop_timeout = 0.0 / 0.0}),
                     LOCUST_EINVAL);
    ck_assert_ptr_null(r);
    ASSERT_LOGGED("Invalid stop_timeout -1");
    testutil_quiet_logs();
}
END_TEST

/* A user that waits for a pipe nobody writes to: a request that never gets its answer. */
static int never_fd = -1;
static int waits_started;
static void wait_forever(locust_ctx *ctx)
{
    waits_started++;
    locust_wait_fd(ctx, never_fd, LOCUST_READABLE, 0);
}

static const locust_task waiting_tasks[] = {LOCUST_TASK(wait_forever), LOCUST_TASKS_END};
static const locust_taskset waiting_ts = {.name = "Waiting", .tasks = waiting_tasks};
static const locust_class waiting = {.name = "Waiting", .task_set = &waiting_ts};
static int never_pipe[2];

/* A runner with `users` users all waiting for an answer that never comes. */
static locust_runner *start_waiting_users(const locust_runner_options *o, unsigned users)
{
    ck_assert_int_eq(pipe(never_pipe), 0);
    never_fd = never_pipe[0];
    waits_started = 0;
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, o), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &waiting), 0);
    ck_assert_int_eq(locust_runner_start(r, users, 1000), 0);
    for (int i = 0; i < 100 && waits_started < (int)users; i++)
        testutil_run_for(r, 0.01);
    ck_assert_int_eq(waits_started, users);
    return r;
}

static void free_waiting_users(locust_runner *r)
{
    locust_runner_free(r);
    close(never_pipe[0]);
    close(never_pipe[1]);
}

/* Starts `users` users waiting for an answer, stops them, and gives the seconds the stop took. */
static double stop_waiting_users(const locust_runner_options *o, unsigned users)
{
    locust_runner *r = start_waiting_users(o, users);
    double t0 = ev_time();
    ck_assert_int_eq(locust_runner_stop(r), 0);
    for (int i = 0; i < 100 && locust_runner_state_get(r) != LOCUST_STATE_STOPPED; i++)
        testutil_run_for(r, 0.01);
    double took = ev_time() - t0;
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_STOPPED);
    free_waiting_users(r);
    return took;
}

START_TEST(a_stop_without_grace_warns_with_the_count_of_requests_abandoned)
{
    capture_logs();
    locust_runner_options o = {.stop_timeout = 0, .stop_timeout_set = true};
    double took = stop_waiting_users(&o, 3);
    ck_assert_msg(took < 0.5, "the stop without grace took %.2f s", took);
    ASSERT_LOGGED("3 users were waiting for a response when they were asked to stop, with no stop grace "
                  "(stop_timeout 0): their requests are abandoned and not counted");
    testutil_quiet_logs();
}
END_TEST

START_TEST(a_stop_timeout_of_0_without_its_flag_is_the_default_grace)
{
    capture_logs();
    /* The default grace (10 s) is longer than this test waits: the users
     * are still waiting, and nothing was abandoned yet. */
    locust_runner *r = start_waiting_users(&(locust_runner_options){.stop_timeout = 0}, 2);
    ck_assert_int_eq(locust_runner_stop(r), 0);
    testutil_run_for(r, 0.3);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_CLEANUP);
    ck_assert_str_eq(logged, "");
    /* Freeing the runner with the requests still in flight abandons them: said too. */
    free_waiting_users(r);
    ASSERT_LOGGED("2 users were freed while waiting for a response: their requests are abandoned and not "
                  "counted");
    testutil_quiet_logs();
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("core_checks");
    TCase *tc = tcase_create("checks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, url_check_accepts_base_urls_and_names_what_is_wrong);
    tcase_add_test(tc, a_class_with_a_malformed_host_is_refused_naming_class_and_field);
    tcase_add_test(tc, the_runners_host_is_checked_when_given_and_when_replaced);
    tcase_add_test(tc, a_seed_of_0_is_a_seed_when_seed_set_says_so);
    tcase_add_test(tc, a_negative_stop_timeout_is_refused);
    tcase_add_test(tc, a_stop_without_grace_warns_with_the_count_of_requests_abandoned);
    tcase_add_test(tc, a_stop_timeout_of_0_without_its_flag_is_the_default_grace);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
