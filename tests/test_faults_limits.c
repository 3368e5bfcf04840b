/*
 * Faults of the machine under locust-run, as a specification: too few open
 * files for the users asked for (`ulimit -n 256` with 1000 users), and a
 * CSV folder that disappears while the test runs and comes back. Each run
 * is a real locust-run process against a real locust-demo-target, bounded
 * by -t and a kill timeout.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reliability/proc.h"
#include "target.h"
#include "testutil.h"

START_TEST(a_thousand_users_under_256_open_files_are_warned_about_fail_and_exit_cleanly)
{
    ck_assert_int_eq(locust_test_target_reset_counter(&rely_target), 0);
    rely_proc p;
    /* Soft and hard limit 256, as `ulimit -n 256` in a shell: locust-run cannot raise it. */
    ck_assert_int_eq(rely_start_run(&p, RELY_ENV("RELY_MIN_WAIT=50", "RELY_MAX_WAIT=100"), 256,
                                    RELY_ARGS("-H", rely_target.host, "--no-web", "-c", "1000", "-r", "1000",
                                              "-t", "3s", "--only-summary", "--csv", rely_tmp("fd"), "Rely")),
                     0);
    int rc = rely_wait(&p, 30);
    /* Failed requests: exit 1, by the documented rule; a clean exit, not a signal. */
    ck_assert_msg(rc == 1, "exit %d:\n%s", rc, rely_tail(p.err));
    RELY_CONTAINS(p.err, "Shutting down (exit code 1), bye.");
    /* The warning comes first and gives the numbers. */
    RELY_CONTAINS(p.err,
                  "/WARNING/locust.main: 1000 users need about 1100 open files (one per user plus 100), "
                  "but the limit is 256 (hard limit 256): users may fail to connect.");
    /* Every user ran; those without a descriptor failed to connect, and were counted. */
    RELY_CONTAINS(p.err, "All locusts hatched: Rely: 1000");
    long begun, returned;
    ck_assert(rely_begun_returned(p.err, &begun, &returned));
    char *csv = rely_slurp(rely_tmp("fd_requests.csv"));
    rely_row total;
    ck_assert_msg(csv != NULL && rely_csv_row(csv, "None", "Total", &total), "no CSV total:\n%s",
                  rely_tail(p.err));
    free(csv);
    ck_assert_int_gt(total.requests, 0);
    ck_assert_int_gt(total.failures, 0);
    ck_assert_int_eq(total.requests + total.failures, returned);
    RELY_CONTAINS(p.err, "GET /: \"ConnectionError('Failed to connect to 127.0.0.1 port ");
    /* The target saw the successes, and at most the requests in flight at the stop besides. */
    rely_counts served;
    ck_assert(rely_target_counts(&rely_target, &served));
    ck_assert_int_ge(served.requests, total.requests);
    ck_assert_int_le(served.requests, total.requests + (begun - returned));
    RELY_LACKS(p.err, "AddressSanitizer");
    rely_free(&p);
}
END_TEST

START_TEST(a_request_that_finds_no_free_file_descriptor_fails_naming_the_open_file_limit)
{
    rely_proc p;
    /* 64 descriptors for 100 users: most of their connections get no socket. */
    ck_assert_int_eq(rely_start_run(&p, RELY_ENV("RELY_MIN_WAIT=50", "RELY_MAX_WAIT=100"), 64,
                                    RELY_ARGS("-H", rely_target.host, "--no-web", "-c", "100", "-r", "1000",
                                              "-t", "1s", "--only-summary", "Rely")),
                     0);
    int rc = rely_wait(&p, 30);
    ck_assert_msg(rc == 1, "exit %d:\n%s", rc, rely_tail(p.err));
    /* The failure says which limit ran out and how to raise it, not just that the connect failed. */
    RELY_CONTAINS(p.err, "GET /: \"ConnectionError('Failed to connect to 127.0.0.1 port ");
    RELY_CONTAINS(p.err, ": Too many open files (EMFILE): raise the open-file limit (ulimit -n)')\"");
    RELY_LACKS(p.err, "Couldn't connect to server");
    rely_free(&p);
}
END_TEST

START_TEST(a_test_started_from_the_web_ui_under_64_open_files_is_warned_about_as_a_headless_one)
{
    rely_proc p;
    ck_assert_int_eq(
        rely_start_run(&p, RELY_ENV("RELY_MIN_WAIT=50", "RELY_MAX_WAIT=100"), 64,
                       RELY_ARGS("-H", rely_target.host, "--web-host", "127.0.0.1", "-P", "0", "Rely")),
        0);
    const char *listening = "Starting web monitor at 127.0.0.1:";
    ck_assert_msg(rely_wait_log(&p, listening, 20), "no web UI");
    char *log = rely_slurp(p.err_path);
    long port = log ? (long)rely_number_after(log, listening) : -1;
    free(log);
    ck_assert_int_gt(port, 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%ld/swarm", port);
    ck_assert_int_eq(cli_http_status(url, NULL, "locust_count=200&hatch_rate=1000"), 200);
    /* The warning of a headless run, word for word. */
    const char *warning =
        "/WARNING/locust.main: 200 users need about 300 open files (one per user plus 100), "
        "but the limit is 64 (hard limit 64): users may fail to connect.";
    ck_assert_msg(rely_wait_log(&p, warning, 10), "no open-files warning");
    rely_signal(&p, SIGINT);
    int rc = rely_wait(&p, 30);
    ck_assert_msg(rc == 0 || rc == 1, "exit %d:\n%s", rc, rely_tail(p.err));
    /* Once, though hatch_complete asks again. */
    ck_assert_int_eq(rely_count(p.err, "users need about"), 1);
    rely_free(&p);
}
END_TEST

/* Waits (at most 10 s) until `path` exists. */
static void wait_for_file(const char *path, rely_proc *p)
{
    struct stat st;
    for (int i = 0; i < 1000 && stat(path, &st) != 0; i++) {
        ck_assert_msg(rely_alive(p), "locust-run ended before writing %s", path);
        rely_sleep_ms(10);
    }
    ck_assert_msg(stat(path, &st) == 0, "%s was never written", path);
}

START_TEST(a_csv_folder_that_vanishes_is_reported_once_and_the_files_come_back_with_it)
{
    ck_assert_int_eq(locust_test_target_reset_counter(&rely_target), 0);
    char dir[700], base[800], req[900], hist[900], moved[900];
    snprintf(dir, sizeof dir, "%s", rely_tmp("csvdir"));
    snprintf(base, sizeof base, "%s/base", dir);
    snprintf(req, sizeof req, "%s/base_requests.csv", dir);
    snprintf(hist, sizeof hist, "%s/base_stats_history.csv", dir);
    snprintf(moved, sizeof moved, "%s.gone", dir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    /* The users stop by themselves after 2.5 s: nothing is in flight at the end, so the counts are exact. */
    rely_proc p;
    ck_assert_int_eq(
        rely_start_run(&p, RELY_ENV("RELY_MIN_WAIT=20", "RELY_MAX_WAIT=50", "RELY_SECONDS=2.5"), 0,
                       RELY_ARGS("-H", rely_target.host, "--no-web", "-c", "4", "-r", "100", "-t", "20s",
                                 "--only-summary", "--csv", base, "--csv-interval", "0.1", "Rely")),
        0);
    /* The --csv check writes the request file before anything else starts; the history file is
     * opened (and kept open) when the reports start, just before the users: once it is there, the
     * run is under way. A slow start (ASan) otherwise lets the folder vanish before it opens. */
    wait_for_file(req, &p);
    wait_for_file(hist, &p);
    /* The folder goes away, and a file takes its name: even root cannot write there now. */
    ck_assert_int_eq(rename(dir, moved), 0);
    FILE *f = fopen(dir, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    rely_sleep_ms(800);
    ck_assert(rely_alive(&p));
    rely_counts during;
    ck_assert(rely_target_counts(&rely_target, &during));
    ck_assert_int_eq(unlink(dir), 0);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    int rc = rely_wait(&p, 30);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, rely_tail(p.err));
    /* Reported once, naming the file and the reason, though it failed at every 0.1 s interval.
     * The reason depends on when the writer looked: between the rename and the file that takes
     * the folder's name it is "No such file or directory", after it "Not a directory". */
    char want[1200];
    snprintf(want, sizeof want, "/ERROR/locust.main: cannot write %s: ", req);
    ck_assert_msg(rely_count(rely_tail(p.err), want) == 1, "expected '%s' once in:\n%s", want, p.err);
    ck_assert(strstr(p.err, "Not a directory") != NULL || strstr(p.err, "No such file or directory") != NULL);
    ck_assert_msg(rely_count(p.err, "cannot write") == 1, "reported more than once:\n%s", p.err);
    /* The test went on: the target kept being loaded after the error. */
    rely_counts after;
    ck_assert(rely_target_counts(&rely_target, &after));
    ck_assert_int_gt(after.requests, during.requests);
    /* The folder came back, and so did the files, with the final numbers. */
    char *csv = rely_slurp(req);
    ck_assert_msg(csv != NULL, "no %s at the end:\n%s", req, rely_tail(p.err));
    rely_row total;
    ck_assert(rely_csv_row(csv, "None", "Total", &total));
    free(csv);
    ck_assert_int_eq(total.failures, 0);
    ck_assert_int_eq(total.requests, after.requests);
    long begun, returned;
    ck_assert(rely_begun_returned(p.err, &begun, &returned));
    ck_assert_int_eq(returned, total.requests);
    RELY_CONTAINS(p.err, "Shutting down (exit code 0), bye.");
    rely_free(&p);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("faults_limits");
    TCase *tc = tcase_create("limits");
    tcase_add_unchecked_fixture(tc, rely_fixture_setup, rely_fixture_teardown);
    tcase_set_timeout(tc, 40);
    tcase_add_test(tc, a_thousand_users_under_256_open_files_are_warned_about_fail_and_exit_cleanly);
    tcase_add_test(tc, a_request_that_finds_no_free_file_descriptor_fails_naming_the_open_file_limit);
    tcase_add_test(tc, a_test_started_from_the_web_ui_under_64_open_files_is_warned_about_as_a_headless_one);
    tcase_add_test(tc, a_csv_folder_that_vanishes_is_reported_once_and_the_files_come_back_with_it);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
