/*
 * The core's building blocks as specifications: error codes, class
 * validation (every refusal names the class and the field), weight
 * apportionment and event hooks.
 */
#include "core/core.h"
#include "testutil.h"

#include <string.h>

static void noop(locust_ctx *ctx) {}

static const locust_task one_task[] = {LOCUST_TASK(noop), LOCUST_TASKS_END};
static const locust_taskset ok_ts = {.name = "Behaviour", .tasks = one_task};

/* Adds `cls` to a fresh runner and returns the code; the message goes to `msg`. */
static int add_class(const locust_class *cls, char *msg, size_t len)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    int rc = locust_runner_add_class(r, cls);
    snprintf(msg, len, "%s", locust_runner_last_error(r));
    locust_runner_free(r);
    return rc;
}

START_TEST(strerror_knows_every_code)
{
    ck_assert_str_eq(locust_strerror(0), "success");
    ck_assert_str_eq(locust_strerror(LOCUST_ECLASS), "invalid locust class or task set definition");
    ck_assert_str_eq(locust_err_name(LOCUST_EINVAL), "LOCUST_EINVAL");
    ck_assert_str_eq(locust_err_name(-99999), "LOCUST_EUNKNOWN");
    ck_assert_str_eq(locust_strerror(-99999), "unknown error");
    /* A plain errno still reads as the system describes it. */
    ck_assert_str_eq(locust_strerror(-EPIPE), strerror(EPIPE));
    ck_assert_str_eq(locust_version(), LOCUST_VERSION_STRING);
}
END_TEST

START_TEST(valid_class_is_accepted)
{
    char msg[512];
    locust_class c = {.name = "User", .task_set = &ok_ts, .min_wait = 1, .max_wait = 2};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), 0);
    ck_assert_str_eq(msg, "");
}
END_TEST

START_TEST(class_without_task_set_is_refused)
{
    char msg[512];
    locust_class c = {.name = "Lonely"};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'Lonely': field .task_set is NULL");
}
END_TEST

START_TEST(class_without_name_is_refused)
{
    char msg[512];
    locust_class c = {.task_set = &ok_ts};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class: field .name is missing");
}
END_TEST

START_TEST(task_set_without_tasks_is_refused)
{
    char msg[512];
    static const locust_task none[] = {LOCUST_TASKS_END};
    static const locust_taskset empty = {.name = "Empty", .tasks = none};
    locust_class c = {.name = "User", .task_set = &empty};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'User': task set 'Empty': field .tasks has no tasks");
    static const locust_taskset null_tasks = {.name = "Null"};
    c.task_set = &null_tasks;
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'User': task set 'Null': field .tasks has no tasks");
}
END_TEST

START_TEST(all_weights_zero_is_refused)
{
    char msg[512];
    static const locust_task never[] = {LOCUST_TASK_W(noop, LOCUST_WEIGHT_NEVER), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Never", .tasks = never};
    locust_class c = {.name = "User", .task_set = &ts};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'User': task set 'Never': every task has weight 0 (LOCUST_WEIGHT_NEVER); "
                          "nothing could ever run");
}
END_TEST

START_TEST(min_wait_above_max_wait_is_refused)
{
    char msg[512];
    locust_class c = {.name = "Impatient", .task_set = &ok_ts, .min_wait = 2000, .max_wait = 1000};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'Impatient': field .min_wait (2000) is greater than .max_wait (1000)");
    static const locust_taskset ts = {.name = "Slow", .tasks = one_task, .min_wait = 5, .max_wait = 1};
    locust_class c2 = {.name = "User", .task_set = &ts};
    ck_assert_int_eq(add_class(&c2, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'User': task set 'Slow': field .min_wait (5) is greater than .max_wait (1)");
    locust_class c3 = {.name = "Neg", .task_set = &ok_ts, .min_wait = -1};
    ck_assert_int_eq(add_class(&c3, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'Neg': field .min_wait (-1) must be a finite number >= 0");
}
END_TEST

START_TEST(null_task_is_refused)
{
    char msg[512];
    static const locust_task bad[] = {LOCUST_TASK(noop), {.name = "ghost"}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Haunted", .tasks = bad};
    locust_class c = {.name = "User", .task_set = &ts};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'User': task set 'Haunted': task 1 ('ghost') has neither .fn nor .taskset");
}
END_TEST

START_TEST(task_with_fn_and_taskset_is_refused)
{
    char msg[512];
    static const locust_task both[] = {{.name = "both", .fn = noop, .taskset = &ok_ts}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Both", .tasks = both};
    locust_class c = {.name = "User", .task_set = &ts};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg,
                     "class 'User': task set 'Both': task 0 ('both') has both .fn and .taskset; give one");
}
END_TEST

START_TEST(negative_weights_are_refused)
{
    char msg[512];
    static const locust_task neg[] = {LOCUST_TASK_W(noop, -5), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Neg", .tasks = neg};
    locust_class c = {.name = "User", .task_set = &ts};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'User': task set 'Neg': task 0 ('noop'): field .weight (-5) is negative");
    locust_class c2 = {.name = "Heavy", .task_set = &ok_ts, .weight = -1};
    ck_assert_int_eq(add_class(&c2, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'Heavy': field .weight (-1) is negative");
}
END_TEST

START_TEST(tiny_stack_is_refused)
{
    char msg[512];
    locust_class c = {.name = "Small", .task_set = &ok_ts, .stack_size = 1024};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), LOCUST_ECLASS);
    ck_assert_str_eq(msg, "class 'Small': field .stack_size (1024) is below the minimum of 16384 bytes");
}
END_TEST

START_TEST(duplicate_class_names_are_refused)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    locust_class c = {.name = "Twin", .task_set = &ok_ts};
    ck_assert_int_eq(locust_runner_add_class(r, &c), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &c), LOCUST_ECLASS);
    ck_assert_str_eq(locust_runner_last_error(r), "class 'Twin': field .name is used by another class");
    ck_assert_int_eq(locust_runner_add_class(r, NULL), LOCUST_ECLASS);
    ck_assert_str_eq(locust_runner_last_error(r), "class is NULL");
    locust_runner_free(r);
}
END_TEST

/* A task set may contain itself, as in Python; nesting is capped at run time. */
extern const locust_taskset rec_ts;
static const locust_task rec_tasks[] = {
    LOCUST_TASK(noop), {.taskset = &rec_ts, .weight = 1}, LOCUST_TASKS_END};
const locust_taskset rec_ts = {.name = "Rec", .tasks = rec_tasks};

START_TEST(recursive_task_sets_are_accepted)
{
    char msg[512];
    locust_class c = {.name = "User", .task_set = &rec_ts};
    ck_assert_int_eq(add_class(&c, msg, sizeof msg), 0);
}
END_TEST

static void check_split(const int *w, size_t n, unsigned users, const unsigned *expect)
{
    unsigned out[16];
    ck_assert_int_eq(locust_weight_split(w, n, users, out), 0);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += out[i];
        ck_assert_uint_eq(out[i], expect[i]);
    }
    ck_assert_uint_eq(sum, users);
}

START_TEST(weight_split_always_adds_up)
{
    /* The cases where 0.9.0 spawns the wrong number of users (docs/compatibility.md §4.1). */
    check_split((int[]){1, 1}, 2, 5, (unsigned[]){3, 2});
    check_split((int[]){10, 10}, 2, 1, (unsigned[]){1, 0});
    check_split((int[]){10, 10, 10}, 3, 10, (unsigned[]){4, 3, 3});
    check_split((int[]){1, 1, 1}, 3, 7, (unsigned[]){3, 2, 2});
    check_split((int[]){1, 3}, 2, 4, (unsigned[]){1, 3});
    check_split((int[]){1, 0, 2}, 3, 4, (unsigned[]){1, 0, 3});
    check_split((int[]){7}, 1, 0, (unsigned[]){0});
    /* Many awkward weights over many counts: always exact. */
    int w[] = {3, 7, 11, 13, 1};
    for (unsigned users = 0; users < 500; users++) {
        unsigned out[5], sum = 0;
        ck_assert_int_eq(locust_weight_split(w, 5, users, out), 0);
        for (int i = 0; i < 5; i++) {
            sum += out[i];
            /* Never more than one away from the exact share. */
            double share = (double)users * w[i] / 35.0;
            ck_assert(out[i] + 1 > share && out[i] < share + 1);
        }
        ck_assert_uint_eq(sum, users);
    }
    unsigned out[2];
    ck_assert_int_eq(locust_weight_split((int[]){0, 0}, 2, 3, out), LOCUST_EINVAL);
    ck_assert_int_eq(locust_weight_split((int[]){-1, 2}, 2, 3, out), LOCUST_EINVAL);
}
END_TEST

static char fired[64];
static void listen_a(const locust_event *ev, void *udata)
{
    strcat(fired, (const char *)udata);
}

START_TEST(listeners_fire_in_order_with_their_udata)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    fired[0] = 0;
    ck_assert_int_eq(locust_on(r, LOCUST_EV_HATCH_COMPLETE, listen_a, "1"), 0);
    ck_assert_int_eq(locust_on(r, LOCUST_EV_HATCH_COMPLETE, listen_a, "2"), 0);
    ck_assert_int_eq(locust_on(r, LOCUST_EV_HATCH_COMPLETE, listen_a, "3"), 0);
    locust_event ev = {.type = LOCUST_EV_HATCH_COMPLETE, .user_count = 3};
    ck_assert_int_eq(locust_fire(r, &ev), 0);
    ck_assert_str_eq(fired, "123");
    ck_assert_int_eq(locust_off(r, LOCUST_EV_HATCH_COMPLETE, listen_a, "2"), 0);
    ck_assert_int_eq(locust_off(r, LOCUST_EV_HATCH_COMPLETE, listen_a, "2"), LOCUST_ENOENT);
    fired[0] = 0;
    locust_fire(r, &ev);
    ck_assert_str_eq(fired, "13");
    /* quitting runs last-added first, like 0.9.0's fire(reverse=True), and does not
     * reverse the list for good. */
    locust_on(r, LOCUST_EV_QUITTING, listen_a, "a");
    locust_on(r, LOCUST_EV_QUITTING, listen_a, "b");
    fired[0] = 0;
    locust_event q = {.type = LOCUST_EV_QUITTING};
    locust_fire(r, &q);
    locust_fire(r, &q);
    ck_assert_str_eq(fired, "baba");
    ck_assert_int_eq(locust_on(r, (locust_event_type)99, listen_a, NULL), LOCUST_EINVAL);
    ck_assert_str_eq(locust_event_name(LOCUST_EV_REQUEST_SUCCESS), "request_success");
    ck_assert_str_eq(locust_event_name(LOCUST_EV_LOCUST_STOP_HATCHING), "locust_stop_hatching");
    locust_runner_free(r);
}
END_TEST

START_TEST(custom_client_reports_reach_the_stats)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_report_success(r, "redis", "GET key", 1.5, 10), 0);
    ck_assert_int_eq(locust_report_failure(r, "redis", "GET key", 2.0, "timeout"), 0);
    locust_event ev = {
        .type = LOCUST_EV_REQUEST_SUCCESS, .request_type = "redis", .name = "SET", .response_time = 3};
    ck_assert_int_eq(locust_fire(r, &ev), 0);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(locust_runner_stats(r), "GET key", "redis", &e), 0);
    ck_assert_uint_eq(e.num_requests, 1);
    ck_assert_uint_eq(e.num_failures, 1);
    ck_assert_int_eq(locust_stats_find(locust_runner_stats(r), "SET", "redis", &e), 0);
    ck_assert_uint_eq(e.num_requests, 1);
    ck_assert_int_eq(locust_report_success(r, NULL, "x", 1, 1), LOCUST_EINVAL);
    locust_runner_free(r);
}
END_TEST

START_TEST(log_levels_parse)
{
    locust_log_level l;
    ck_assert_int_eq(locust_log_level_parse("debug", &l), 0);
    ck_assert_int_eq(l, LOCUST_LOG_DEBUG);
    ck_assert_int_eq(locust_log_level_parse("WARNING", &l), 0);
    ck_assert_int_eq(l, LOCUST_LOG_WARNING);
    ck_assert_int_eq(locust_log_level_parse("LOUD", &l), LOCUST_EINVAL);
}
END_TEST

START_TEST(rng_is_uniform_and_reproducible)
{
    locust__rng a, b;
    locust__rng_seed(&a, 42);
    locust__rng_seed(&b, 42);
    unsigned hist[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t x = locust__rng_below(&a, 10);
        ck_assert_uint_eq(x, locust__rng_below(&b, 10));
        hist[x]++;
    }
    for (int i = 0; i < 10; i++)
        ck_assert(hist[i] > 9500 && hist[i] < 10500);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("validation");
    tcase_add_test(tc, strerror_knows_every_code);
    tcase_add_test(tc, valid_class_is_accepted);
    tcase_add_test(tc, class_without_task_set_is_refused);
    tcase_add_test(tc, class_without_name_is_refused);
    tcase_add_test(tc, task_set_without_tasks_is_refused);
    tcase_add_test(tc, all_weights_zero_is_refused);
    tcase_add_test(tc, min_wait_above_max_wait_is_refused);
    tcase_add_test(tc, null_task_is_refused);
    tcase_add_test(tc, task_with_fn_and_taskset_is_refused);
    tcase_add_test(tc, negative_weights_are_refused);
    tcase_add_test(tc, tiny_stack_is_refused);
    tcase_add_test(tc, duplicate_class_names_are_refused);
    tcase_add_test(tc, recursive_task_sets_are_accepted);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("model");
    tcase_add_test(tm, weight_split_always_adds_up);
    tcase_add_test(tm, listeners_fire_in_order_with_their_udata);
    tcase_add_test(tm, custom_client_reports_reach_the_stats);
    tcase_add_test(tm, log_levels_parse);
    tcase_add_test(tm, rng_is_uniform_and_reproducible);
    suite_add_tcase(s, tm);
    return testutil_run(s);
}
