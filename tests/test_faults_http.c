/*
 * Faults of the target, as a specification of what locust-run does under
 * them: a target that resets connections, one that never answers (with and
 * without a request timeout), one that answers byte by byte (slowloris),
 * and one in a storm of 5xx answers. Each run is a real locust-run process
 * against a real locust-demo-target, bounded by -t and a kill timeout; what
 * it did is read from its log, its CSV file, its exit status, and compared
 * with what the target counted.
 *
 * The numbers: the scenario (tests/reliability/rely.c) logs at shutdown how
 * many requests its users began and how many returned. A request still in
 * flight when the run stops is killed with its user and recorded nowhere
 * (as in Locust, whose greenlets are killed), so at the end
 *   successes + failures == returned,  begun - returned <= users,
 * and the target saw every request that reached it: the successes, and
 * at most the ones in flight.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "reliability/proc.h"
#include "target.h"
#include "testutil.h"

/* What one run did. */
typedef struct run_result {
    rely_proc p;
    int status;
    double took;    /* seconds, start to exit */
    rely_row row;   /* the CSV row of the requests */
    rely_row total; /* the CSV Total row */
    long begun, returned;
    rely_counts served; /* the target's counters for this run */
} run_result;

/*
 * Runs Rely against the target with `env` and `args` after -c/-t, and
 * collects what it did. `name` is the statistics name of the requests.
 */
static void run_rely(run_result *r, const char *name, const char *const *env, const char *const *args)
{
    const char *argv[40] = {"-H",    rely_target.host, "--no-web",       "-r", "1000", "--only-summary",
                            "--csv", rely_tmp("run"),  "--csv-interval", "60"};
    size_t n = 10;
    for (size_t i = 0; args[i] != NULL && n < 38; i++)
        argv[n++] = args[i];
    argv[n++] = "Rely";
    argv[n] = NULL;
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(locust_test_target_reset_counter(&rely_target), 0);
    unlink(rely_tmp("run_requests.csv"));
    ck_assert_int_eq(rely_start_run(&r->p, env, 0, argv), 0);
    r->status = rely_wait(&r->p, 30);
    r->took = r->p.ended - r->p.started;
    ck_assert_msg(r->status == 0 || r->status == 1, "locust-run: status %d after %.1f s:\n%s", r->status,
                  r->took, rely_tail(r->p.err));
    ck_assert_msg(rely_begun_returned(rely_tail(r->p.err), &r->begun, &r->returned), "no rely: line in:\n%s",
                  r->p.err);
    char *csv = rely_slurp(rely_tmp("run_requests.csv"));
    ck_assert_msg(csv != NULL, "no CSV file; stderr:\n%s", rely_tail(r->p.err));
    ck_assert_msg(rely_csv_row(csv, "None", "Total", &r->total), "no Total row in:\n%s", csv);
    if (!rely_csv_row(csv, "GET", name, &r->row)) memset(&r->row, 0, sizeof r->row);
    free(csv);
    ck_assert(rely_target_counts(&rely_target, &r->served));
    /* The same in every run: each request that returned is recorded once, no more. */
    ck_assert_int_eq(r->total.requests + r->total.failures, r->returned);
    ck_assert_int_eq(r->row.requests, r->total.requests);
    ck_assert_int_eq(r->row.failures, r->total.failures);
    RELY_LACKS(r->p.err, "AddressSanitizer");
    RELY_LACKS(r->p.err, "runtime error");
    char bye[64];
    snprintf(bye, sizeof bye, "Shutting down (exit code %d), bye.", r->status);
    RELY_CONTAINS(r->p.err, bye);
}

static void run_free(run_result *r)
{
    rely_free(&r->p);
}

START_TEST(a_target_that_resets_connections_fails_every_request_and_the_run_exits_1)
{
    run_result r;
    run_rely(&r, "/reset", RELY_ENV("RELY_PATH=/reset", "RELY_MIN_WAIT=10", "RELY_MAX_WAIT=20"),
             RELY_ARGS("-c", "20", "-t", "2s"));
    ck_assert_int_eq(r.status, 1);
    ck_assert_int_eq(r.total.requests, 0);
    ck_assert_int_gt(r.total.failures, 100);
    /* Each failure is one reset connection of the target, and no request is counted twice. */
    ck_assert_int_le(r.begun - r.returned, 20);
    ck_assert_int_ge(r.served.requests, r.total.failures);
    ck_assert_int_le(r.served.requests, r.begun);
    ck_assert_int_eq(r.served.completed, 0);
    /* The error report names the request and the failure, with its count. */
    char line[256];
    snprintf(line, sizeof line, " %-18ld GET /reset: \"ConnectionError(", r.total.failures);
    RELY_CONTAINS(r.p.err, line);
    ck_assert_double_lt(r.took, 2 + 5);
    run_free(&r);
}
END_TEST

START_TEST(a_target_that_never_answers_fails_each_request_at_its_timeout)
{
    run_result r;
    run_rely(&r, "/hang", RELY_ENV("RELY_PATH=/hang", "RELY_TIMEOUT=0.5"), RELY_ARGS("-c", "10", "-t", "2s"));
    ck_assert_int_eq(r.status, 1);
    ck_assert_int_eq(r.total.requests, 0);
    /* 2 s of 0.5 s timeouts: 3 or 4 per user; the one in flight at the stop is not counted. */
    ck_assert_int_ge(r.total.failures, 10 * 3);
    ck_assert_int_le(r.total.failures, 10 * 4);
    ck_assert_int_le(r.begun - r.returned, 10);
    ck_assert_int_eq(r.served.requests, r.begun);
    ck_assert_int_eq(r.served.completed, 0);
    RELY_CONTAINS(r.p.err, "GET /hang: \"ReadTimeout('Read timed out. (read timeout=0.5) for url: ");
    /* The run stops at -t, not when the target would have closed (60 s). */
    ck_assert_double_lt(r.took, 2 + 5);
    run_free(&r);
}
END_TEST

/*
 * The graceful stop lets requests in flight finish, for at most 10 s
 * (the runner's stop_timeout): a request that never ends is then abandoned,
 * with a warning that counts it, and the run ends.
 */
START_TEST(users_stuck_in_a_request_without_timeout_stop_at_the_run_time_plus_the_grace)
{
    run_result r;
    run_rely(&r, "/hang", RELY_ENV("RELY_PATH=/hang"), RELY_ARGS("-c", "10", "-t", "1s"));
    /* Nothing returned, so nothing was recorded and nothing failed: exit 0. */
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(r.begun, 10);
    ck_assert_int_eq(r.returned, 0);
    ck_assert_int_eq(r.total.requests + r.total.failures, 0);
    ck_assert_int_eq(r.served.requests, 10);
    RELY_CONTAINS(r.p.err, "/INFO/locust.main: Time limit reached. Stopping Locust.");
    RELY_CONTAINS(r.p.err,
                  "/WARNING/locust.runners: 10 users were still waiting for a response 10 s after they "
                  "were asked to stop; their requests are abandoned and not counted");
    RELY_LACKS(r.p.err, "Error report");
    ck_assert_double_ge(r.took, 1 + 10);
    ck_assert_double_lt(r.took, 1 + 10 + 4);
    run_free(&r);
}
END_TEST

/* A second SIGINT ends the grace at once (exit 130, as documented), without the summary. */
START_TEST(users_stuck_in_a_request_without_timeout_stop_on_a_second_sigint)
{
    ck_assert_int_eq(locust_test_target_reset_counter(&rely_target), 0);
    rely_proc p;
    ck_assert_int_eq(
        rely_start_run(&p, RELY_ENV("RELY_PATH=/hang"), 0,
                       RELY_ARGS("-H", rely_target.host, "--no-web", "-c", "10", "-r", "1000", "Rely")),
        0);
    /* Wait until every user is stuck in its request. */
    rely_counts c = {0};
    for (int i = 0; i < 1000 && c.requests < 10; i++) {
        rely_sleep_ms(10);
        ck_assert(rely_target_counts(&rely_target, &c));
    }
    ck_assert_int_eq(c.requests, 10);
    rely_signal(&p, SIGINT);
    rely_sleep_ms(1000);
    ck_assert_msg(rely_alive(&p), "locust-run ended on the first SIGINT, within the grace");
    double sent = rely_now();
    rely_signal(&p, SIGINT);
    int rc = rely_wait(&p, 10);
    ck_assert_msg(rc == 130, "status %d:\n%s", rc, rely_tail(p.err));
    ck_assert_double_lt(p.ended - sent, 3);
    RELY_LACKS(p.err, "AddressSanitizer");
    rely_free(&p);
}
END_TEST

START_TEST(a_slowloris_target_is_waited_for_byte_by_byte_and_counted_once)
{
    /* 40 bytes, one every 5 ms: at least 195 ms a response; 3 requests a user, then it stops. */
    run_result r;
    run_rely(&r, "slow", RELY_ENV("RELY_PATH=/slow/40?ms=5", "RELY_NAME=slow", "RELY_REQUESTS=3"),
             RELY_ARGS("-c", "10", "-t", "20s"));
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(r.total.requests, 30);
    ck_assert_int_eq(r.total.failures, 0);
    /* Every user stopped by itself: nothing was in flight, so the counts agree exactly. */
    ck_assert_int_eq(r.begun, 30);
    ck_assert_int_eq(r.served.requests, 30);
    ck_assert_int_eq(r.served.completed, 30);
    ck_assert_int_ge(r.row.min, 195);
    run_free(&r);
    /* The same with chunked encoding: every byte is a chunk of its own. */
    run_rely(&r, "chunked",
             RELY_ENV("RELY_PATH=/slow/40?ms=5&chunked=1", "RELY_NAME=chunked", "RELY_REQUESTS=3"),
             RELY_ARGS("-c", "10", "-t", "20s"));
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(r.total.requests, 30);
    ck_assert_int_eq(r.served.completed, 30);
    ck_assert_int_ge(r.row.min, 195);
    run_free(&r);
}
END_TEST

START_TEST(a_slowloris_target_cannot_hold_a_request_past_its_timeout)
{
    /* Bytes keep coming (one per 20 ms), but the timeout is for the whole request. */
    run_result r;
    run_rely(&r, "slow",
             RELY_ENV("RELY_PATH=/slow/100?ms=20", "RELY_NAME=slow", "RELY_TIMEOUT=0.3", "RELY_REQUESTS=2"),
             RELY_ARGS("-c", "5", "-t", "20s"));
    ck_assert_int_eq(r.status, 1);
    ck_assert_int_eq(r.total.requests, 0);
    ck_assert_int_eq(r.total.failures, 10);
    ck_assert_int_eq(r.served.requests, 10);
    ck_assert_int_eq(r.served.completed, 0);
    RELY_CONTAINS(r.p.err, "10                 GET slow: \"ReadTimeout('Read timed out. (read timeout=0.3)");
    /* Two 0.3 s timeouts a user, all at once: well under the 2 s the answers would take. */
    ck_assert_double_lt(r.took, 1.5 + 3);
    run_free(&r);
}
END_TEST

/* The count of an error report line "<count> GET /storm: ...('<code> ...": 0 when absent. */
static long storm_count(const char *err, int code)
{
    char want[64];
    snprintf(want, sizeof want, "GET /storm: \"HTTPError('%d Server Error: ", code);
    const char *p = strstr(err, want);
    if (p == NULL) return 0;
    while (p > err && p[-1] != '\n')
        p--;
    return strtol(p, NULL, 10);
}

START_TEST(a_storm_of_5xx_is_counted_exactly_as_the_target_sent_it)
{
    run_result r;
    run_rely(&r, "/storm", RELY_ENV("RELY_PATH=/storm", "RELY_REQUESTS=50"),
             RELY_ARGS("-c", "10", "-t", "20s"));
    ck_assert_int_eq(r.status, 1);
    /* Users stopped by themselves after 50 requests: exact counts on both sides. */
    ck_assert_int_eq(r.total.requests + r.total.failures, 500);
    ck_assert_int_eq(r.served.requests, 500);
    ck_assert_int_eq(r.served.completed, 500);
    ck_assert_int_eq(r.total.failures, r.served.server_errors);
    /* Half of 500 give or take: far from 0 and from 500 (p < 1e-20 either way). */
    ck_assert_int_gt(r.total.failures, 150);
    ck_assert_int_lt(r.total.failures, 350);
    /* The error report has one line per status, and they add up. */
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        static const int codes[] = {500, 502, 503, 504};
        long n = storm_count(r.p.err, codes[i]);
        ck_assert_msg(n > 0, "no %d line in:\n%s", codes[i], rely_tail(r.p.err));
        sum += n;
    }
    ck_assert_int_eq(sum, r.total.failures);
    run_free(&r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("faults_http");
    TCase *tc = tcase_create("faults");
    tcase_add_unchecked_fixture(tc, rely_fixture_setup, rely_fixture_teardown);
    tcase_set_timeout(tc, 40);
    tcase_add_test(tc, a_target_that_resets_connections_fails_every_request_and_the_run_exits_1);
    tcase_add_test(tc, a_target_that_never_answers_fails_each_request_at_its_timeout);
    tcase_add_test(tc, users_stuck_in_a_request_without_timeout_stop_at_the_run_time_plus_the_grace);
    tcase_add_test(tc, users_stuck_in_a_request_without_timeout_stop_on_a_second_sigint);
    tcase_add_test(tc, a_slowloris_target_is_waited_for_byte_by_byte_and_counted_once);
    tcase_add_test(tc, a_slowloris_target_cannot_hold_a_request_past_its_timeout);
    tcase_add_test(tc, a_storm_of_5xx_is_counted_exactly_as_the_target_sent_it);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
