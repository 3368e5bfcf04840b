/*
 * The examples as specifications: each scenario example is loaded by
 * locust-run (the shared object `make check` built, or its source when the
 * build makes no shared objects) and run against locust-demo-target, and
 * the embedding programs run too. What each example is meant to show must
 * be visible in its statistics and output.
 *
 * The runs are started all at once and last 3 s (the shape's 30 s are cut
 * short), so the whole program takes a few seconds.
 */
#include <curl/curl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_proc.h"
#include "target.h"
#include "testutil.h"

static locust_test_target target;

/* The example's shared object in the build tree, or else its source. */
static const char *example(const char *name)
{
    static char path[16][1024];
    static int next;
    char *p = path[next++ % 16];
    const char *build = getenv("LOCUST_BUILDDIR"), *src = getenv("LOCUST_SRCDIR");
    struct stat st;
    snprintf(p, sizeof path[0], "%s/examples/.libs/%s.so", build ? build : ".", name);
    if (stat(p, &st) != 0) snprintf(p, sizeof path[0], "%s/examples/%s.c", src ? src : "..", name);
    return p;
}

static const char *program(const char *name)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    const char *build = getenv("LOCUST_BUILDDIR");
    snprintf(p, sizeof path[0], "%s/examples/%s", build ? build : ".", name);
    return p;
}

enum {
    BASIC,
    WEIGHTED,
    NESTED,
    SEQUENCE,
    DYNAMIC_NAMES,
    CATCH_RESPONSE,
    EVENTS,
    CUSTOM_CLIENT,
    PACING_TAGS,
    SHAPE,
    MESSAGES,
    EMBED,
    HARNESS,
    N_RUNS
};
static cli_proc runs[N_RUNS];
static char *csv[N_RUNS];

static void start_example(int which, const char *name, const char *users)
{
    char base[64];
    snprintf(base, sizeof base, "%s", name);
    CLI_START(&runs[which], "-f", example(name), "-H", target.host, "--no-web", "-c", users, "-r", "100",
              "-t", "3", "--csv", cli_tmp_path(base));
}

/* Starts every example at once, then collects their results. */
static void run_all(void)
{
    cli_test_setup();
    ck_assert_int_eq(locust_test_target_start(&target, NULL), 0);
    static const char *const names[] = {"basic",         "weighted",       "nested",  "sequence",
                                        "dynamic_names", "catch_response", "events",  "custom_client",
                                        "pacing_tags",   "shape",          "messages"};
    static const char *const users[] = {"5", "8", "4", "2", "2", "2", "3", "5"};
    for (int i = 0; i <= CUSTOM_CLIENT; i++)
        start_example(i, names[i], users[i]);
    /* Only Shopper's browse task, whose runs start 0.5 s apart. */
    CLI_START(&runs[PACING_TAGS], "-f", example("pacing_tags"), "-H", target.host, "--no-web", "-c", "2",
              "-r", "100", "-t", "3", "-T", "browse", "Shopper", "--csv", cli_tmp_path("pacing_tags"));
    /* The shape decides the users (its 30 s are cut short by -t). */
    CLI_START(&runs[SHAPE], "-f", example("shape"), "-H", target.host, "--no-web", "-t", "3", "--csv",
              cli_tmp_path("shape"));
    /* A master and two local slaves exchange the custom messages. */
    CLI_START(&runs[MESSAGES], "-f", example("messages"), "-H", target.host, "--no-web", "--processes", "2",
              "-c", "4", "-r", "100", "-t", "3", "--csv", cli_tmp_path("messages"));
    const char *embed[] = {program("embed"), target.host, "2", NULL};
    const char *harness[] = {program("harness"), target.host, "2", NULL};
    ck_assert_int_eq(cli_proc_start(&runs[EMBED], cli_tmpdir, NULL, embed, NULL), 0);
    ck_assert_int_eq(cli_proc_start(&runs[HARNESS], cli_tmpdir, NULL, harness, NULL), 0);
    for (int i = 0; i < N_RUNS; i++)
        cli_proc_wait(&runs[i], 90);
    for (int i = 0; i <= MESSAGES; i++) {
        char file[128];
        snprintf(file, sizeof file, "%s_requests.csv", names[i]);
        csv[i] = cli_slurp(cli_tmp_path(file));
        if (!csv[i]) csv[i] = strdup("");
    }
}

static void free_all(void)
{
    for (int i = 0; i < N_RUNS; i++) {
        cli_proc_free(&runs[i]);
        free(csv[i]);
    }
    locust_test_target_stop(&target);
    cli_test_teardown();
}

/* Requests and failures of a row of a _requests.csv; -1 when there is no such row. */
static long row(int which, const char *method, const char *name, long *failures)
{
    char key[256];
    snprintf(key, sizeof key, "\"%s\",\"%s\",", method, name);
    const char *at = strstr(csv[which], key);
    long requests = -1, f = -1;
    if (at && (at == csv[which] || at[-1] == '\n')) sscanf(at + strlen(key), "%ld,%ld", &requests, &f);
    if (failures) *failures = f;
    return requests;
}

#define ASSERT_EXIT(which, code)                                                                             \
    ck_assert_msg(runs[which].status == (code), "exit %d, expected %d; stderr:\n%s", runs[which].status,     \
                  (code), runs[which].err)

START_TEST(basic_logs_in_browses_and_logs_out)
{
    ASSERT_EXIT(BASIC, 0);
    long failures;
    ck_assert_int_eq(row(BASIC, "POST", "/login", &failures), 5);
    ck_assert_int_eq(failures, 0);
    ck_assert_int_gt(row(BASIC, "GET", "/", &failures), 0);
    ck_assert_int_eq(failures, 0);
    /* The session cookie of the login is sent: the profile never answers 401. */
    if (row(BASIC, "GET", "/profile", &failures) >= 0) ck_assert_int_eq(failures, 0);
    /* Each user logs out in on_stop when the run ends. */
    ck_assert_int_eq(row(BASIC, "POST", "/logout", &failures), 5);
}
END_TEST

START_TEST(weighted_hatches_by_class_weight)
{
    ASSERT_EXIT(WEIGHTED, 0);
    ASSERT_CONTAINS(runs[WEIGHTED].err, "All locusts hatched: WebUserLocust: 6, MobileUserLocust: 2");
    ck_assert_int_gt(row(WEIGHTED, "GET", "/", NULL), 0);
    ck_assert_int_gt(row(WEIGHTED, "GET", "/json", NULL), 0);
}
END_TEST

START_TEST(weighted_task_ratio_follows_the_weights)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", example("weighted"), "--show-task-ratio-json"), 0);
    ASSERT_CONTAINS(
        p.out, "{\"per_class\": {\"WebUserLocust\": {\"ratio\": 0.75, \"tasks\": {\"task1\": {\"ratio\": "
               "0.3333333333333333}, \"task2\": {\"ratio\": 0.6666666666666666}}}, \"MobileUserLocust\": "
               "{\"ratio\": 0.25, \"tasks\": {\"mobile_api\": {\"ratio\": 1.0}}}}");
    cli_proc_free(&p);
}
END_TEST

START_TEST(nested_enters_and_leaves_the_forum)
{
    ASSERT_EXIT(NESTED, 0);
    /* /forum is requested on each entry (on_start): several entries mean the interrupt works. */
    ck_assert_int_gt(row(NESTED, "GET", "/forum", NULL), 4);
    ck_assert_int_gt(row(NESTED, "GET", "/forum/thread", NULL), 0);
}
END_TEST

START_TEST(sequence_runs_the_tasks_in_order)
{
    ASSERT_EXIT(SEQUENCE, 0);
    long first = row(SEQUENCE, "GET", "first", NULL), second = row(SEQUENCE, "GET", "second", NULL),
         third = row(SEQUENCE, "GET", "third", NULL);
    /* Per user: first, second, third x 10, first, ... (2 users, each in some cycle at the end). */
    ck_assert_int_gt(first, 0);
    ck_assert_msg(second >= first - 2 && second <= first, "first %ld, second %ld", first, second);
    ck_assert_msg(third >= 10 * (first - 2) && third <= 10 * first, "first %ld, third %ld", first, third);
}
END_TEST

START_TEST(dynamic_names_group_the_urls)
{
    ASSERT_EXIT(DYNAMIC_NAMES, 0);
    long n = row(DYNAMIC_NAMES, "GET", "/echo?id=[id]", NULL);
    ck_assert_int_ge(n, 10);
    ck_assert_int_eq(n % 10, 0);
    ASSERT_LACKS(csv[DYNAMIC_NAMES], "/echo?id=3");
}
END_TEST

START_TEST(catch_response_decides_success_and_failure)
{
    /* The example marks a 200 answer as failed on purpose: locust-run exits 1. */
    ASSERT_EXIT(CATCH_RESPONSE, 1);
    long failures;
    ck_assert_int_gt(row(CATCH_RESPONSE, "GET", "/", &failures), 0);
    ck_assert_int_eq(failures, 0);
    ck_assert_int_gt(row(CATCH_RESPONSE, "GET", "/does_not_exist/", &failures), 0);
    ck_assert_int_eq(failures, 0);
    ck_assert_int_eq(row(CATCH_RESPONSE, "GET", "/echo?result", &failures), 0);
    ck_assert_int_gt(failures, 0);
    /* As in 0.9.0, the message is wrapped in CatchResponseError. */
    ASSERT_CONTAINS(
        runs[CATCH_RESPONSE].err,
        "GET /echo?result: \"CatchResponseError('the server reported an error in a 200 answer')\"");
}
END_TEST

START_TEST(events_listeners_see_every_event)
{
    ASSERT_EXIT(EVENTS, 0);
    ASSERT_CONTAINS(runs[EVENTS].err, "/INFO/events.example: hatch complete: 3 users");
    /* The quitting listener's count equals the statistics' Total. */
    const char *q = strstr(runs[EVENTS].err, "/INFO/events.example: quitting: ");
    ck_assert_ptr_nonnull(q);
    long successes = atol(q + strlen("/INFO/events.example: quitting: "));
    char *total = strstr(csv[EVENTS], "\"None\",\"Total\",");
    ck_assert_ptr_nonnull(total);
    ck_assert_int_eq(successes, atol(total + strlen("\"None\",\"Total\",")));
    ck_assert_int_gt(successes, 0);
}
END_TEST

START_TEST(events_adds_routes_to_the_web_ui)
{
    cli_proc p;
    CLI_START(&p, "-f", example("events"), "-H", target.host, "--web-host", "127.0.0.1", "-P", "0");
    long port = 0;
    for (int i = 0; i < 1000 && !port; i++) {
        char *err = cli_slurp(p.err_path);
        const char *at = err ? strstr(err, "Starting web monitor at 127.0.0.1:") : NULL;
        if (at) port = atol(at + strlen("Starting web monitor at 127.0.0.1:"));
        free(err);
        if (!port) cli_sleep_ms(10);
    }
    ck_assert_int_gt(port, 0);
    char url[128], body[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%ld/added_page", port);
    ck_assert_int_eq(locust_test_http_get(url, body, sizeof body), CURLE_OK);
    ck_assert_str_eq(body, "Another page");
    kill(p.pid, SIGINT);
    ck_assert_int_eq(cli_proc_wait(&p, 15), 0);
    cli_proc_free(&p);
}
END_TEST

START_TEST(custom_client_reports_its_requests)
{
    ASSERT_EXIT(CUSTOM_CLIENT, 0);
    ASSERT_CONTAINS(runs[CUSTOM_CLIENT].err, "/INFO/custom_client: echo server listening on 127.0.0.1:");
    long failures;
    ck_assert_int_eq(row(CUSTOM_CLIENT, "tcp", "connect", &failures), 5);
    ck_assert_int_eq(failures, 0);
    ck_assert_int_gt(row(CUSTOM_CLIENT, "tcp", "echo", &failures), 20);
    ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(pacing_tags_runs_only_the_tagged_task_at_its_pace)
{
    ASSERT_EXIT(PACING_TAGS, 0);
    long failures;
    /* -T browse Shopper: the checkout task set (GET /json) is filtered out; browse (GET /) runs. */
    ck_assert_int_eq(row(PACING_TAGS, "GET", "/json", NULL), -1);
    long browses = row(PACING_TAGS, "GET", "/", &failures);
    ck_assert_int_eq(failures, 0);
    /* Two users whose runs start 0.5 s apart for 3 s: at most 7 runs each, however fast the target. */
    ck_assert_int_ge(browses, 4);
    ck_assert_int_le(browses, 2 * 7);
}
END_TEST

START_TEST(shape_drives_the_users_and_the_test_events_fire)
{
    ASSERT_EXIT(SHAPE, 0);
    ASSERT_CONTAINS(runs[SHAPE].err, "Shape test updating to 10 users at 5.00 spawn rate");
    ASSERT_CONTAINS(runs[SHAPE].err, "/INFO/shape: test_start");
    ASSERT_CONTAINS(runs[SHAPE].err, "/INFO/shape: test_stop");
    ck_assert_int_gt(row(SHAPE, "GET", "/", NULL), 0);
}
END_TEST

START_TEST(messages_go_from_the_master_to_each_slave_and_back)
{
    ASSERT_EXIT(MESSAGES, 0);
    /* Each of the two slaves answered the master's accounts. */
    ck_assert_int_eq(cli_count(runs[MESSAGES].err, " got 3 accounts"), 2);
    long failures;
    ck_assert_int_eq(row(MESSAGES, "POST", "/login", &failures), 4);
    ck_assert_int_eq(failures, 0);
    ck_assert_int_gt(row(MESSAGES, "GET", "/", NULL), 0);
}
END_TEST

START_TEST(embed_prints_the_statistics_it_reads)
{
    ASSERT_EXIT(EMBED, 0);
    ck_assert(strncmp(runs[EMBED].out, "Method Name         Requests Failures", 37) == 0);
    ASSERT_CONTAINS(runs[EMBED].out, "\nGET    /            ");
    ASSERT_CONTAINS(runs[EMBED].out, "\nGET    /json        ");
    ASSERT_CONTAINS(runs[EMBED].out, "\n       Total        ");
}
END_TEST

START_TEST(the_cxx_harness_passes)
{
    ASSERT_EXIT(HARNESS, 0);
    ASSERT_CONTAINS(runs[HARNESS].out, "GET /profile");
    ASSERT_CONTAINS(runs[HARNESS].out, "\nPASS\n");
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("examples");
    TCase *tc = tcase_create("examples");
    tcase_add_unchecked_fixture(tc, run_all, free_all);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, basic_logs_in_browses_and_logs_out);
    tcase_add_test(tc, weighted_hatches_by_class_weight);
    tcase_add_test(tc, weighted_task_ratio_follows_the_weights);
    tcase_add_test(tc, nested_enters_and_leaves_the_forum);
    tcase_add_test(tc, sequence_runs_the_tasks_in_order);
    tcase_add_test(tc, dynamic_names_group_the_urls);
    tcase_add_test(tc, catch_response_decides_success_and_failure);
    tcase_add_test(tc, events_listeners_see_every_event);
    tcase_add_test(tc, events_adds_routes_to_the_web_ui);
    tcase_add_test(tc, custom_client_reports_its_requests);
    tcase_add_test(tc, pacing_tags_runs_only_the_tagged_task_at_its_pace);
    tcase_add_test(tc, shape_drives_the_users_and_the_test_events_fire);
    tcase_add_test(tc, messages_go_from_the_master_to_each_slave_and_back);
    tcase_add_test(tc, embed_prints_the_statistics_it_reads);
    tcase_add_test(tc, the_cxx_harness_passes);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
