/*
 * locust-run's runs as a specification, as a real process against a real
 * locust-demo-target (docs/compatibility.md §4.2-§4.7): the headless run with its console
 * tables and CSV files, the exit code of failed requests, the run-time
 * limit, signals, the grace of --stop-timeout, and the output options. Every run is bounded: a few
 * seconds of load at most, and a kill after a timeout. How locust-run
 * starts (options, load errors) is in test_cli_load.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_proc.h"
#include "port_helper.h"
#include "target.h"
#include "testutil.h"

static locust_test_target target;
static char scenario[1024];

/* The Total row of a _requests.csv: requests and failures. */
static void csv_total(const char *csv, long *requests, long *failures)
{
    const char *t = strstr(csv, "\"None\",\"Total\",");
    ck_assert_msg(t != NULL, "no Total row in:\n%s", csv);
    ck_assert_int_eq(sscanf(t, "\"None\",\"Total\",%ld,%ld,", requests, failures), 2);
}

/* ---- fixtures: one target, one temp folder and one compile cache per program ---------- */

static void setup_all(void)
{
    cli_test_setup();
    snprintf(scenario, sizeof scenario, "%s", cli_scenario_path("cli.c"));
    ck_assert_int_eq(locust_test_target_start(&target, NULL), 0);
    /* Compile the scenario once, so that the tests' timings do not include it. */
    cli_proc p;
    int rc = CLI_RUN(&p, 60, "-f", scenario, "--list");
    ck_assert_msg(rc == 0, "cannot build %s:\n%s", scenario, p.err);
    cli_proc_free(&p);
}

static void teardown_all(void)
{
    locust_test_target_stop(&target);
    cli_test_teardown();
}

static void reset_counter(void)
{
    ck_assert_int_eq(locust_test_target_reset_counter(&target), 0);
}

/* ---- a headless run, shared by the tests that read it ----------------------------------- */

static cli_proc headless;
static long headless_served;

static void run_headless(void)
{
    setup_all();
    reset_counter();
    int rc = CLI_RUN(&headless, 30, "-f", scenario, "-H", target.host, "--no-web", "-c", "5", "-r", "50",
                     "-t", "20s", "--csv", cli_tmp_path("headless"), "Counted");
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, headless.err);
    headless_served = locust_test_target_counter(&target);
}

static void free_headless(void)
{
    cli_proc_free(&headless);
    teardown_all();
}

START_TEST(a_headless_run_ends_when_its_users_end_and_exits_0)
{
    /* 20 requests 20-40 ms apart: about 0.6 s, well before the 20 s limit. */
    double took = headless.ended - headless.started;
    ck_assert_msg(took < 5.0, "the run took %.2f s", took);
    ASSERT_CONTAINS(headless.err, "Run time limit set to 20 seconds");
    ASSERT_CONTAINS(headless.err,
                    "/INFO/locust.runners: Hatching and swarming 5 clients at the rate 50 clients/s...");
    ASSERT_CONTAINS(headless.err, "/INFO/locust.runners: All locusts hatched: Counted: 5");
    ASSERT_CONTAINS(headless.err, "/INFO/locust.runners: All locusts dead");
    ASSERT_CONTAINS(headless.err, "Shutting down (exit code 0), bye.");
    ASSERT_LACKS(headless.err, "Error report");
    /* Everything goes to stderr, as in 0.9.0. */
    ck_assert_str_eq(headless.out, "");
}
END_TEST

/* Line `i` (from 0) after the last line that starts with `start`. */
static char *line_after(const char *text, const char *start, int i, char *buf, size_t len)
{
    const char *p = NULL;
    for (const char *s = text; (s = strstr(s, start)); s++)
        if (s == text || s[-1] == '\n') p = s;
    ck_assert_msg(p != NULL, "no line starting '%s'", start);
    for (; i > 0 && p; i--)
        p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    ck_assert(p != NULL);
    size_t n = strcspn(p, "\n");
    ck_assert(n < len);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

START_TEST(the_console_tables_have_locust_09s_layout)
{
    char want[256], line[512], rule[141];
    memset(rule, '-', 140);
    rule[140] = '\0';
    snprintf(want, sizeof want, " %-60s %7s %12s %7s %7s %7s  | %7s %7s", "Name", "# reqs", "# fails", "Avg",
             "Min", "Max", "Median", "req/s");
    /* The table is printed at the start (and every 2 s), and in the summary. */
    ck_assert_int_ge(cli_count(headless.err, want), 2);
    /* The summary's table: header, rule, one row, rule, Total, blank line. */
    ck_assert_str_eq(line_after(headless.err, want, 1, line, sizeof line), rule);
    char *row = line_after(headless.err, want, 2, line, sizeof line);
    ck_assert_uint_eq(strlen(row), 125);
    ck_assert(strncmp(row, " GET /                                                        ", 61) == 0);
    long reqs = atol(row + 61);
    ck_assert_int_eq(reqs, 100);
    ck_assert(strncmp(row + 69, "     0(0.00%)", 13) == 0);
    ck_assert_str_eq(line_after(headless.err, want, 3, line, sizeof line), rule);
    char *total = line_after(headless.err, want, 4, line, sizeof line);
    ck_assert_uint_eq(strlen(total), 125);
    ck_assert(strncmp(total, " Total ", 7) == 0);
    ck_assert_int_eq(atol(total + 61), reqs);
    ck_assert_str_eq(line_after(headless.err, want, 5, line, sizeof line), "");
    /* Then the percentiles, once, and no error report. */
    ck_assert_int_eq(cli_count(headless.err, "Percentage of the requests completed within given times\n"), 1);
    snprintf(want, sizeof want, " %-60s %8s %6s %6s %6s %6s %6s %6s %6s %6s %6s", "Name", "# reqs", "50%",
             "66%", "75%", "80%", "90%", "95%", "98%", "99%", "100%");
    ck_assert_int_eq(cli_count(headless.err, want), 1);
    char *prow = line_after(headless.err, want, 2, line, sizeof line);
    ck_assert(strncmp(prow, " GET /", 6) == 0);
    ck_assert_int_eq(atol(prow + 61), reqs);
}
END_TEST

START_TEST(the_csv_files_count_exactly_what_the_server_served)
{
    char *req = cli_slurp(cli_tmp_path("headless_requests.csv"));
    char *dist = cli_slurp(cli_tmp_path("headless_distribution.csv"));
    ck_assert_ptr_nonnull(req);
    ck_assert_ptr_nonnull(dist);
    static const char req_header[] =
        "\"Method\",\"Name\",\"# requests\",\"# failures\",\"Median response time\",\"Average response "
        "time\",\"Min response time\",\"Max response time\",\"Average Content Size\",\"Requests/s\"\n";
    static const char dist_header[] =
        "\"Name\",\"# requests\",\"50%\",\"66%\",\"75%\",\"80%\",\"90%\",\"95%\",\"98%\",\"99%\",\"100%\"\n";
    ck_assert(strncmp(req, req_header, strlen(req_header)) == 0);
    ck_assert(strncmp(dist, dist_header, strlen(dist_header)) == 0);
    /* One entry and the Total, rows joined by "\n" without a trailing newline. */
    ck_assert_int_eq(cli_count(req, "\n"), 2);
    ck_assert(req[strlen(req) - 1] != '\n');
    ck_assert(strncmp(req + strlen(req_header), "\"GET\",\"/\",", 10) == 0);
    long requests, failures;
    csv_total(req, &requests, &failures);
    ck_assert_int_eq(failures, 0);
    ck_assert_int_eq(requests, 5 * 20);
    /* Every request recorded reached the server, and every one it served was recorded. */
    ck_assert_int_eq(requests, headless_served);
    char total[64];
    snprintf(total, sizeof total, "\n\"Total\",%ld,", requests);
    ASSERT_CONTAINS(dist, total);
    free(req);
    free(dist);
}
END_TEST

/* ---- exit codes ------------------------------------------------------------------------- */

static void setup_each(void)
{
    reset_counter();
}

START_TEST(a_run_with_failed_requests_exits_1_with_an_error_report)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 20, "-f", scenario, "-H", target.host, "--no-web", "-c", "2", "-r", "100", "--csv",
                     cli_tmp_path("failing"), "Failing");
    ck_assert_int_eq(rc, 1);
    ASSERT_CONTAINS(p.err, "Error report\n # occurrences      Error");
    ASSERT_CONTAINS(p.err, "GET /status/500");
    ASSERT_CONTAINS(p.err, "Shutting down (exit code 1), bye.");
    char *csv = cli_slurp(cli_tmp_path("failing_requests.csv"));
    long requests, failures;
    csv_total(csv, &requests, &failures);
    ck_assert_int_eq(requests, 2);
    ck_assert_int_eq(failures, 2);
    ck_assert_int_eq(requests + failures, locust_test_target_counter(&target));
    free(csv);
    cli_proc_free(&p);
}
END_TEST

/* ---- load errors: each exits 1 with a message naming the file ---------------------------- */

/* ---- the compile cache ------------------------------------------------------------------------ */

/* ---- --list and the task ratio ---------------------------------------------------------------- */

/* ---- signals ---------------------------------------------------------------------------------- */

/* Waits until the target has served at least `n` requests (at most 10 s). */
static void wait_for_requests(long n)
{
    for (int i = 0; i < 1000 && locust_test_target_counter(&target) < n; i++)
        cli_sleep_ms(10);
    ck_assert_int_ge(locust_test_target_counter(&target), n);
}

static void graceful_stop(int sig, const char *logged)
{
    cli_proc p;
    CLI_START(&p, "-f", scenario, "-H", target.host, "--no-web", "-c", "4", "-r", "100", "-t", "30s", "--csv",
              cli_tmp_path("signal"), "Polite");
    /* Each user's first request, then they wait 10 s: none is in flight at the signal. */
    wait_for_requests(4);
    cli_sleep_ms(100);
    kill(p.pid, sig);
    int rc = cli_proc_wait(&p, 15);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, p.err);
    ck_assert(p.ended - p.started < 10);
    ASSERT_CONTAINS(p.err, logged);
    ASSERT_CONTAINS(p.err, "Cleaning up runner...");
    /* The final CSV is complete: the on_stop requests (POST /logout) are in it, and it
     * counts exactly what the server served. */
    char *csv = cli_slurp(cli_tmp_path("signal_requests.csv"));
    ck_assert_ptr_nonnull(csv);
    ASSERT_CONTAINS(csv, "\"GET\",\"/\",4,0,");
    ASSERT_CONTAINS(csv, "\"POST\",\"/logout\",4,0,");
    long requests, failures;
    csv_total(csv, &requests, &failures);
    ck_assert_int_eq(requests, 8);
    ck_assert_int_eq(locust_test_target_counter(&target), 8);
    free(csv);
    ASSERT_CONTAINS(p.err, "Percentage of the requests completed within given times");
    cli_proc_free(&p);
}

START_TEST(sigint_stops_gracefully_with_the_final_stats_and_csv)
{
    graceful_stop(SIGINT, "Got SIGINT signal");
}
END_TEST

START_TEST(sigterm_stops_gracefully_too)
{
    graceful_stop(SIGTERM, "Got SIGTERM signal");
}
END_TEST

START_TEST(a_second_sigint_exits_at_once)
{
    cli_proc p;
    CLI_START(&p, "-f", scenario, "-H", target.host, "--no-web", "-c", "2", "-r", "100", "-t", "30s",
              "Lingering");
    wait_for_requests(5);
    kill(p.pid, SIGINT);
    /* The teardown takes a minute: the process keeps running... */
    cli_sleep_ms(500);
    ck_assert(cli_proc_alive(&p));
    /* ...until the second SIGINT. */
    kill(p.pid, SIGINT);
    ck_assert_int_eq(cli_proc_wait(&p, 5), 128 + SIGINT);
    ASSERT_CONTAINS(p.err, "Got SIGINT again: exiting at once");
    cli_proc_free(&p);
}
END_TEST

START_TEST(the_run_ends_when_every_user_has_stopped)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 20, "-f", scenario, "-H", target.host, "--no-web", "-c", "3", "-r", "100", "-t",
                     "30s", "Stopper");
    ck_assert_int_eq(rc, 0);
    ck_assert(p.ended - p.started < 5);
    ASSERT_CONTAINS(p.err, "/INFO/locust.runners: All locusts dead");
    ck_assert_int_eq(locust_test_target_counter(&target), 3);
    cli_proc_free(&p);
}
END_TEST

START_TEST(the_run_stops_at_the_run_time)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 20, "-f", scenario, "--no-web", "-c", "3", "-r", "100", "-t", "2s", "Idle");
    ck_assert_int_eq(rc, 0);
    double took = p.ended - p.started;
    ck_assert_msg(took >= 2.0 && took < 4.0, "the 2 s run took %.2f s", took);
    ASSERT_CONTAINS(p.err, "/INFO/locust.main: Run time limit set to 2 seconds");
    ASSERT_CONTAINS(p.err, "/INFO/locust.main: Time limit reached. Stopping Locust.");
    ASSERT_LACKS(p.err, "All locusts dead");
    cli_proc_free(&p);
}
END_TEST

/* ---- --stop-timeout: the grace of requests in flight at a stop ----------------------------- */

/*
 * Slow: each user makes one request that the target answers after 3 s
 * (or the given delay), then waits a minute; its on_stop logs out. A run of
 * 1 s stops the users while their first request is in flight, 2 s before
 * its answer.
 */
static const char slow_scenario_fmt[] =
    "#include <locust/locust.h>\n"
    "static void slow(locust_ctx *ctx) { locust_get(ctx, \"/delay/%d\", NULL); }\n"
    "static void logout(locust_ctx *ctx) { locust_post(ctx, \"/logout\", NULL); }\n"
    "static const locust_task tasks[] = {LOCUST_TASK(slow), LOCUST_TASKS_END};\n"
    "static const locust_taskset ts = {.name = \"SlowTasks\", .tasks = tasks, .on_stop = logout};\n"
    "static const locust_class slow_cls = {\n"
    "    .name = \"Slow\", .task_set = &ts, .min_wait = 60000, .max_wait = 60000};\n"
    "LOCUST_SCENARIO(NULL, &slow_cls);\n";

/* Writes a Slow scenario and compiles it (once: then it is in the cache), so runs time only the test. */
static const char *slow_scenario_ms(int delay_ms)
{
    static char path[1024];
    char name[64];
    snprintf(name, sizeof name, "slow%d.c", delay_ms);
    snprintf(path, sizeof path, "%s", cli_tmp_path(name));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert(fprintf(f, slow_scenario_fmt, delay_ms) > 0);
    ck_assert_int_eq(fclose(f), 0);
    cli_proc p;
    int rc = CLI_RUN(&p, 60, "-f", path, "--list");
    ck_assert_msg(rc == 0, "cannot build %s:\n%s", path, p.err);
    cli_proc_free(&p);
    return path;
}

static const char *slow_scenario(void)
{
    return slow_scenario_ms(3000);
}

/* Runs 2 Slow users for 1 s with `stop_timeout` (NULL: not given); returns the CSV's requests. */
static char *run_slow(cli_proc *p, const char *stop_timeout, const char *csv_name)
{
    const char *path = slow_scenario();
    char base[600];
    snprintf(base, sizeof base, "%s", cli_tmp_path(csv_name));
    int rc = stop_timeout
                 ? CLI_RUN(p, 30, "-f", path, "-H", target.host, "--no-web", "-c", "2", "-r", "100", "-t",
                           "1", "--only-summary", "--csv", base, "--stop-timeout", stop_timeout)
                 : CLI_RUN(p, 30, "-f", path, "-H", target.host, "--no-web", "-c", "2", "-r", "100", "-t",
                           "1", "--only-summary", "--csv", base);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, p->err);
    char csv[700];
    snprintf(csv, sizeof csv, "%s_requests.csv", base);
    char *text = cli_slurp(csv);
    ck_assert_ptr_nonnull(text);
    return text;
}

START_TEST(requests_in_flight_at_a_stop_finish_and_are_counted_within_the_stop_timeout)
{
    cli_proc p;
    char *csv = run_slow(&p, "5", "grace");
    /* The run time is up at 1 s; the answers come at 3 s, inside the 5 s grace,
     * and on_stop's logouts follow them. */
    ASSERT_CONTAINS(csv, "\"GET\",\"/delay/3000\",2,0,");
    ASSERT_CONTAINS(csv, "\"POST\",\"/logout\",2,0,");
    /* It ends with the answers, not with the grace (at 6 s). */
    double took = p.ended - p.started;
    ck_assert_msg(took >= 3.0 && took < 5.5, "the run took %.2f s", took);
    ASSERT_LACKS(p.err, "abandoned");
    free(csv);
    cli_proc_free(&p);
}
END_TEST

START_TEST(without_a_stop_timeout_requests_in_flight_still_finish)
{
    cli_proc p;
    /* The default grace, 10 s, covers the 2 s the answers take after the stop. */
    char *csv = run_slow(&p, NULL, "default_grace");
    ASSERT_CONTAINS(csv, "\"GET\",\"/delay/3000\",2,0,");
    ASSERT_CONTAINS(csv, "\"POST\",\"/logout\",2,0,");
    free(csv);
    cli_proc_free(&p);
}
END_TEST

START_TEST(stop_timeout_0_abandons_requests_in_flight_at_once)
{
    cli_proc p;
    char *csv = run_slow(&p, "0", "no_grace");
    /* Nothing is counted: the requests in flight are dropped, and on_stop's are not made. */
    long requests, failures;
    csv_total(csv, &requests, &failures);
    ck_assert_int_eq(requests, 0);
    ck_assert_int_eq(failures, 0);
    ASSERT_LACKS(csv, "/logout");
    /* ... but not without a word. */
    ASSERT_CONTAINS(p.err,
                    "/WARNING/locust.runners: 2 users were waiting for a response when they were asked to "
                    "stop, with no stop grace (stop_timeout 0): their requests are abandoned and not "
                    "counted");
    /* The process does not wait for the answers, due at 3 s. */
    double took = p.ended - p.started;
    ck_assert_msg(took < 2.8, "the run took %.2f s", took);
    free(csv);
    cli_proc_free(&p);
}
END_TEST

START_TEST(the_local_slaves_of_processes_stop_with_the_stop_timeout_given)
{
    cli_proc p;
    const char *path = slow_scenario();
    char base[600];
    snprintf(base, sizeof base, "%s", cli_tmp_path("processes_no_grace"));
    /* Run by two local slaves, the users stop with the grace given to the
     * master's command line: 0, so the requests in flight are not counted. */
    int rc = CLI_RUN(&p, 30, "-f", path, "-H", target.host, "--no-web", "--processes", "2", "-c", "2", "-r",
                     "100", "-t", "1", "--only-summary", "--csv", base, "--stop-timeout", "0");
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, p.err);
    ASSERT_LACKS(p.err, "--stop-timeout");
    char csv[700];
    snprintf(csv, sizeof csv, "%s_requests.csv", base);
    char *text = cli_slurp(csv);
    ck_assert_ptr_nonnull(text);
    long requests, failures;
    csv_total(text, &requests, &failures);
    ck_assert_int_eq(requests, 0);
    ck_assert_int_eq(failures, 0);
    ASSERT_LACKS(text, "/logout");
    free(text);
    cli_proc_free(&p);
}
END_TEST

START_TEST(requests_still_in_flight_when_the_stop_timeout_ends_are_abandoned_with_a_warning)
{
    cli_proc p;
    char *csv = run_slow(&p, "0.5", "short_grace");
    long requests, failures;
    csv_total(csv, &requests, &failures);
    ck_assert_int_eq(requests, 0);
    ck_assert_int_eq(failures, 0);
    ASSERT_CONTAINS(p.err, "/WARNING/locust.runners: 2 users were still waiting for a response 0.5 s after "
                           "they were asked to stop; their requests are abandoned and not counted");
    free(csv);
    cli_proc_free(&p);
}
END_TEST

/* ---- output options ---------------------------------------------------------------------------- */

/* The start of the stats table's header (the percentile table's differs). */
static const char *table_header(void)
{
    static char h[128];
    snprintf(h, sizeof h, " %-60s %7s %12s", "Name", "# reqs", "# fails");
    return h;
}

START_TEST(only_summary_prints_the_tables_once)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 20, "-f", scenario, "--no-web", "-c", "1", "-r", "100", "-t", "1",
                             "--only-summary", "Idle"),
                     0);
    ck_assert_int_eq(cli_count(p.err, table_header()), 1);
    cli_proc_free(&p);
    /* Without it: at the start, every 2 s, and in the summary. */
    ck_assert_int_eq(CLI_RUN(&p, 20, "-f", scenario, "--no-web", "-c", "1", "-r", "100", "-t", "3", "Idle"),
                     0);
    ck_assert_int_eq(cli_count(p.err, table_header()), 3);
    cli_proc_free(&p);
}
END_TEST

START_TEST(an_unwritable_csv_path_ends_the_run_before_any_request)
{
    /* A folder that vanishes during the run is test_faults_limits' case: reported once, the test goes on. */
    ck_assert_int_eq(locust_test_target_reset_counter(&target), 0);
    cli_proc p;
    int rc = CLI_RUN(&p, 20, "-f", scenario, "-H", target.host, "--no-web", "-c", "1", "-r", "100", "-t", "1",
                     "--csv", "/nonexistent-folder/base", "--csv-interval", "0.1", "Hello");
    ck_assert_int_eq(rc, 2);
    ck_assert_int_eq(
        cli_count(p.err, "cannot write /nonexistent-folder/base_requests.csv: No such file or directory"), 1);
    ck_assert_int_eq(locust_test_target_counter(&target), 0);
    cli_proc_free(&p);
}
END_TEST

START_TEST(csv_files_are_rewritten_every_csv_interval)
{
    cli_proc p;
    CLI_START(&p, "-f", scenario, "-H", target.host, "--no-web", "-c", "2", "-r", "100", "-t", "2", "--csv",
              cli_tmp_path("interval"), "--csv-interval", "0.2", "Hello");
    /* The files exist from the start and their counts grow while the test runs. */
    long seen[3] = {0};
    for (int i = 0; i < 3; i++) {
        cli_sleep_ms(500);
        char *csv = cli_slurp(cli_tmp_path("interval_requests.csv"));
        ck_assert_ptr_nonnull(csv);
        long failures;
        csv_total(csv, &seen[i], &failures);
        free(csv);
    }
    ck_assert_int_lt(seen[0], seen[2]);
    ck_assert_int_eq(cli_proc_wait(&p, 10), 0);
    cli_proc_free(&p);
}
END_TEST

START_TEST(logs_go_to_the_logfile_and_tables_stay_on_stderr)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 20, "-f", scenario, "--no-web", "-c", "1", "-t", "1", "--logfile",
                             cli_tmp_path("run.log"), "Idle"),
                     0);
    char *log = cli_slurp(cli_tmp_path("run.log"));
    ck_assert_ptr_nonnull(log);
    ASSERT_CONTAINS(log, "/INFO/locust.main: Run time limit set to 1 seconds");
    ASSERT_LACKS(log, table_header());
    ASSERT_LACKS(p.err, "Run time limit");
    ASSERT_CONTAINS(p.err, table_header());
    free(log);
    cli_proc_free(&p);
    /* -L WARNING hides the INFO lines, not the tables (0.9.0 hid both). */
    ck_assert_int_eq(
        CLI_RUN(&p, 20, "-f", scenario, "--no-web", "-c", "1", "-t", "1", "-L", "WARNING", "Idle"), 0);
    ASSERT_LACKS(p.err, "/INFO/");
    ASSERT_CONTAINS(p.err, table_header());
    cli_proc_free(&p);
}
END_TEST

START_TEST(too_many_users_for_the_open_files_limit_are_warned_about)
{
    /* The child inherits a hard limit of 64 open files. */
    struct rlimit old, low = {64, 64};
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    cli_proc p;
    CLI_START(&p, "-f", scenario, "--no-web", "-c", "200", "-r", "1000", "-t", "1", "Idle");
    int rc = cli_proc_wait(&p, 20);
    ck_assert_int_eq(rc, 0);
    ASSERT_CONTAINS(p.err,
                    "/WARNING/locust.main: 200 users need about 300 open files (one per user plus 100), but "
                    "the limit is 64 (hard limit 64)");
    cli_proc_free(&p);
}
END_TEST

/* ---- the web UI and distributed mode ------------------------------------------------------- */

/* Waits (at most 10 s) for a log line "<prefix><number>" in the process's stderr; returns the number. */
static long wait_for_logged_number(cli_proc *p, const char *prefix)
{
    for (int i = 0; i < 1000; i++) {
        char *err = cli_slurp(p->err_path);
        const char *at = err ? strstr(err, prefix) : NULL;
        long n = at ? atol(at + strlen(prefix)) : 0;
        free(err);
        if (n > 0) return n;
        ck_assert_msg(cli_proc_alive(p), "locust-run ended before logging '%s'", prefix);
        cli_sleep_ms(10);
    }
    ck_abort_msg("no '%s' within 10 s", prefix);
    return 0;
}

START_TEST(web_mode_serves_the_ui_until_a_signal)
{
    cli_proc p;
    CLI_START(&p, "-f", scenario, "-H", target.host, "--web-host", "127.0.0.1", "-P", "0", "--web-auth",
              "user:pw", "Hello");
    long port = wait_for_logged_number(&p, "/INFO/locust.main: Starting web monitor at 127.0.0.1:");
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%ld/", port);
    ck_assert_int_eq(cli_http_status(url, NULL, NULL), 401);
    ck_assert_int_eq(cli_http_status(url, "user:pw", NULL), 200);
    /* No users run until the UI starts them, and no periodic table is printed (no --print-stats). */
    ck_assert_int_eq(locust_test_target_counter(&target), 0);
    kill(p.pid, SIGINT);
    ck_assert_int_eq(cli_proc_wait(&p, 15), 0);
    ASSERT_CONTAINS(p.err, "Percentage of the requests completed within given times");
    ck_assert_int_eq(cli_count(p.err, table_header()), 1);
    cli_proc_free(&p);
}
END_TEST

START_TEST(a_headless_master_runs_the_test_on_its_slave)
{
    char port[16];
    snprintf(port, sizeof port, "%d", dist_free_port_pair());
    cli_proc master, slave;
    CLI_START(&master, "-f", scenario, "-H", target.host, "--master", "--no-web", "--expect-slaves", "1",
              "-c", "4", "-r", "100", "-t", "2", "--master-bind-host", "127.0.0.1", "--master-bind-port",
              port, "--csv", cli_tmp_path("master"), "Hello");
    CLI_START(&slave, "-f", scenario, "-H", target.host, "--slave", "--master-port", port, "Hello");
    ck_assert_int_eq(cli_proc_wait(&master, 20), 0);
    ck_assert_int_eq(cli_proc_wait(&slave, 10), 0);
    ASSERT_CONTAINS(master.err, "Run time limit set to 2 seconds");
    ASSERT_CONTAINS(slave.err, "Got quit message from master");
    /* The master's statistics are the slave's requests. */
    char *csv = cli_slurp(cli_tmp_path("master_requests.csv"));
    ck_assert_ptr_nonnull(csv);
    long requests, failures;
    csv_total(csv, &requests, &failures);
    ck_assert_int_gt(requests, 10);
    ck_assert_int_le(requests, locust_test_target_counter(&target));
    free(csv);
    cli_proc_free(&master);
    cli_proc_free(&slave);
}
END_TEST

/*
 * A slave's requests in flight follow the slave's own --stop-timeout: the
 * master's is not sent to it (0.9's hatch message sends nil for it), so
 * the master warns that its own has no effect.
 */
START_TEST(a_slave_stops_with_its_own_stop_timeout)
{
    const char *path = slow_scenario();
    char port[16];
    snprintf(port, sizeof port, "%d", dist_free_port_pair());
    cli_proc master, slave;
    CLI_START(&master, "-f", path, "-H", target.host, "--master", "--no-web", "--expect-slaves", "1", "-c",
              "2", "-r", "100", "-t", "1", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
              "--csv", cli_tmp_path("slave_grace"), "--stop-timeout", "5");
    CLI_START(&slave, "-f", path, "--slave", "--master-port", port, "--stop-timeout", "0");
    ck_assert_int_eq(cli_proc_wait(&master, 20), 0);
    ck_assert_int_eq(cli_proc_wait(&slave, 10), 0);
    ASSERT_CONTAINS(master.err,
                    "/WARNING/locust.main: --stop-timeout on a master only sets how long it waits "
                    "for the slaves' final reports (5 s + 3 s)");
    ASSERT_CONTAINS(slave.err, "Got quit message from master");
    char *csv = cli_slurp(cli_tmp_path("slave_grace_requests.csv"));
    ck_assert_ptr_nonnull(csv);
    long requests, failures;
    csv_total(csv, &requests, &failures);
    ck_assert_int_eq(requests, 0);
    free(csv);
    cli_proc_free(&master);
    cli_proc_free(&slave);
}
END_TEST

/*
 * The master's quit waits for what the slaves count during their grace: a
 * request answered 4.5 s after the end of the run (past the 3 s that a
 * quit used to wait) is in the master's totals, and so is on_stop's logout.
 */
START_TEST(a_master_waits_for_the_requests_its_slaves_finish_in_their_grace)
{
    const char *path = slow_scenario_ms(5500);
    char port[16];
    snprintf(port, sizeof port, "%d", dist_free_port_pair());
    cli_proc master, slave;
    CLI_START(&master, "-f", path, "-H", target.host, "--master", "--no-web", "--expect-slaves", "1", "-c",
              "2", "-r", "100", "-t", "1", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
              "--csv", cli_tmp_path("master_waits"));
    CLI_START(&slave, "-f", path, "--slave", "--master-port", port);
    ck_assert_int_eq(cli_proc_wait(&master, 30), 0);
    ck_assert_int_eq(cli_proc_wait(&slave, 10), 0);
    ASSERT_LACKS(master.err, "did not confirm the quit");
    char *csv = cli_slurp(cli_tmp_path("master_waits_requests.csv"));
    ck_assert_ptr_nonnull(csv);
    ASSERT_CONTAINS(csv, "\"GET\",\"/delay/5500\",2,0,");
    ASSERT_CONTAINS(csv, "\"POST\",\"/logout\",2,0,");
    free(csv);
    cli_proc_free(&master);
    cli_proc_free(&slave);
}
END_TEST

/*
 * --processes 2: the users run in two local slaves under this process as
 * their master; the master's report is what the target served, and the
 * slaves leave with it.
 */
START_TEST(processes_run_the_test_in_local_slaves)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 40, "-f", scenario, "-H", target.host, "--processes", "2", "--no-web", "-c", "4",
                     "-r", "100", "-t", "2", "--csv", cli_tmp_path("procs"), "Hello");
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, p.err);
    ASSERT_CONTAINS(p.err, "Started 2 local slave processes");
    ASSERT_CONTAINS(p.err, "Currently 2 clients ready to swarm");
    ck_assert_int_eq(cli_count(p.err, "Got quit message from master"), 2);
    /* The slaves end because the master told them to: no error (it raced the master's reading). */
    ASSERT_LACKS(p.err, "/ERROR/");
    char *csv = cli_slurp(cli_tmp_path("procs_requests.csv"));
    ck_assert_ptr_nonnull(csv);
    long requests, failures;
    csv_total(csv, &requests, &failures);
    ck_assert_int_gt(requests, 10);
    ck_assert_int_eq(failures, 0);
    ck_assert_int_le(requests, locust_test_target_counter(&target));
    free(csv);
    cli_proc_free(&p);
}
END_TEST

/*
 * At the run time the master tells its local slaves to quit; they end
 * before the master has read their last messages (it reads in batches),
 * which is no error: the master is quitting.
 */
START_TEST(processes_end_without_an_error_when_the_run_time_ends)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 40, "-f", scenario, "-H", target.host, "--processes", "2", "--no-web", "-c", "2",
                     "-r", "100", "-t", "1", "--only-summary", "Hello");
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, p.err);
    ck_assert_int_eq(cli_count(p.err, "Got quit message from master"), 2);
    ASSERT_LACKS(p.err, "/ERROR/");
    cli_proc_free(&p);
}
END_TEST

/* The scenario and the class selection are checked before any slave is started. */
START_TEST(processes_check_the_scenario_before_starting_slaves)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 40, "-f", scenario, "-H", target.host, "--processes", "2", "--no-web", "-c", "2",
                     "-t", "20", "NoSuchClass");
    ck_assert_int_eq(rc, 1);
    ASSERT_CONTAINS(p.err, "Unknown Locust(s): NoSuchClass");
    ck_assert_ptr_null(strstr(p.err, "local slave"));
    cli_proc_free(&p);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("cli_run");

    TCase *tc = tcase_create("headless");
    tcase_add_unchecked_fixture(tc, run_headless, free_headless);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_headless_run_ends_when_its_users_end_and_exits_0);
    tcase_add_test(tc, the_console_tables_have_locust_09s_layout);
    tcase_add_test(tc, the_csv_files_count_exactly_what_the_server_served);
    suite_add_tcase(s, tc);

    tc = tcase_create("process");
    tcase_add_unchecked_fixture(tc, setup_all, teardown_all);
    tcase_add_checked_fixture(tc, setup_each, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_run_with_failed_requests_exits_1_with_an_error_report);
    tcase_add_test(tc, sigint_stops_gracefully_with_the_final_stats_and_csv);
    tcase_add_test(tc, sigterm_stops_gracefully_too);
    tcase_add_test(tc, a_second_sigint_exits_at_once);
    tcase_add_test(tc, the_run_ends_when_every_user_has_stopped);
    tcase_add_test(tc, the_run_stops_at_the_run_time);
    tcase_add_test(tc, requests_in_flight_at_a_stop_finish_and_are_counted_within_the_stop_timeout);
    tcase_add_test(tc, without_a_stop_timeout_requests_in_flight_still_finish);
    tcase_add_test(tc, stop_timeout_0_abandons_requests_in_flight_at_once);
    tcase_add_test(tc, the_local_slaves_of_processes_stop_with_the_stop_timeout_given);
    tcase_add_test(tc, requests_still_in_flight_when_the_stop_timeout_ends_are_abandoned_with_a_warning);
    tcase_add_test(tc, only_summary_prints_the_tables_once);
    tcase_add_test(tc, an_unwritable_csv_path_ends_the_run_before_any_request);
    tcase_add_test(tc, csv_files_are_rewritten_every_csv_interval);
    tcase_add_test(tc, logs_go_to_the_logfile_and_tables_stay_on_stderr);
    tcase_add_test(tc, too_many_users_for_the_open_files_limit_are_warned_about);
    tcase_add_test(tc, web_mode_serves_the_ui_until_a_signal);
    tcase_add_test(tc, a_headless_master_runs_the_test_on_its_slave);
    tcase_add_test(tc, a_slave_stops_with_its_own_stop_timeout);
    tcase_add_test(tc, a_master_waits_for_the_requests_its_slaves_finish_in_their_grace);
    tcase_add_test(tc, processes_run_the_test_in_local_slaves);
    /* Five times: the race it once lost showed in 1 run of 5 to 4 of 5. */
    tcase_add_loop_test(tc, processes_end_without_an_error_when_the_run_time_ends, 0, 5);
    tcase_add_test(tc, processes_check_the_scenario_before_starting_slaves);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
